"""Forms for the coach area. They check what a browser can get wrong; the services check
the rules again and decide."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from hexqi.models import CoachProfile, Mode, Organisation, Skill
from hexqi.models.common import SLOTS
from hexqi.services.sessions import MAX_MINUTES, MIN_MINUTES, MINUTES_MESSAGE

DAYS = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
        ("fri", "Friday")]
HALVES = [("am", "Morning"), ("pm", "Afternoon")]
LEVELS = [SelectChoice("", "Not offered"), SelectChoice("1", "1 – some experience"),
          SelectChoice("2", "2 – practised"), SelectChoice("3", "3 – expert, teaches it")]
SESSION_LENGTH = NumberRange(MIN_MINUTES, MAX_MINUTES, MINUTES_MESSAGE)
SESSION_MODES = [SelectChoice(Mode.VIRTUAL.value, "Online (video call)"),
                 SelectChoice(Mode.IN_PERSON.value, "In person")]


def skill_field(slug: str) -> str:
    return "skill_" + slug.replace("-", "_")


def slot_field(slot: str) -> str:
    return "slot_" + slot.replace("-", "_")


def _level_choice(form: FlaskForm, field: SelectField) -> None:
    if field.data not in {choice.value for choice in LEVELS}:
        raise ValidationError("Choose a level from 1 to 3, or “Not offered”.")


class ProfileForm(FlaskForm):
    """Base fields; ``build_profile_form`` adds a level per skill and a box per half-day."""

    capacity_hours = IntegerField(
        "Hours you can give a month",
        validators=[InputRequired("Enter the hours you can give a month, from 0 to 160."),
                    NumberRange(0, 160, "Enter hours from 0 to 160 a month.")])
    max_teams = IntegerField(
        "Most teams at once",
        validators=[InputRequired("Enter how many teams you can coach at once, 1 to 20."),
                    NumberRange(1, 20, "Enter a number of teams from 1 to 20.")])
    virtual = BooleanField("Online (video call)")
    in_person = BooleanField("In person")
    base_location = StringField(
        "Where you are based", validators=[Optional(), Length(
            max=120, message="Keep the place name under 120 characters.")])
    latitude = FloatField("Latitude", validators=[
        Optional(), NumberRange(-90, 90, "Latitude is between -90 and 90.")])
    longitude = FloatField("Longitude", validators=[
        Optional(), NumberRange(-180, 180, "Longitude is between -180 and 180.")])
    travel_km = IntegerField("How far you will travel (km)", validators=[
        Optional(), NumberRange(0, 500, "Enter a distance from 0 to 500 km.")])
    bio = TextAreaField("About your QI experience", validators=[
        Optional(), Length(max=2000, message="Keep this under 2000 characters.")])

    skills_taxonomy: list[Skill] = []

    def validate_virtual(self, field: BooleanField) -> None:
        if not (self.virtual.data or self.in_person.data):
            raise ValidationError("Choose online, in person, or both.")

    def skill_fields(self) -> list[tuple[Skill, SelectField]]:
        return [(s, self[skill_field(s.slug)]) for s in self.skills_taxonomy]

    def slot_grid(self) -> list[tuple[str, str, list[tuple[str, BooleanField]]]]:
        """Rows of the weekly grid: (day key, day name, [(half name, checkbox), ...])."""
        return [(day, name, [(half_name, self[slot_field(f"{day}-{half}")])
                             for half, half_name in HALVES]) for day, name in DAYS]

    def chosen_skills(self) -> dict[str, int]:
        return {s.slug: int(f.data) for s, f in self.skill_fields() if f.data in ("1", "2", "3")}

    def chosen_slots(self) -> list[str]:
        return [slot for slot in SLOTS if self[slot_field(slot)].data]

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        lat, lon = self.latitude, self.longitude
        if (lat.data is None) != (lon.data is None) and not (lat.errors or lon.errors):
            missing = lon if lon.data is None else lat
            missing.errors = [*missing.errors, "Enter both latitude and longitude, or neither."]
            ok = False
        if not self.chosen_skills():
            self.form_errors.append("Choose at least one skill you can coach.")
            ok = False
        return ok


def build_profile_form(skills: Sequence[Skill], profile: CoachProfile | None,
                       formdata: object = None) -> ProfileForm:
    attrs: dict[str, object] = {"skills_taxonomy": list(skills)}
    for s in skills:
        attrs[skill_field(s.slug)] = SelectField(s.name, choices=LEVELS, default="",
                                                 validate_choice=False,
                                                 validators=[_level_choice])
    for day, day_name in DAYS:
        for half, half_name in HALVES:
            attrs[slot_field(f"{day}-{half}")] = BooleanField(f"{day_name} {half_name.lower()}")
    form_class = type("CoachProfileForm", (ProfileForm,), attrs)
    data: dict[str, object] = {}
    if profile is not None:
        data = {"capacity_hours": profile.capacity_hours, "max_teams": profile.max_teams,
                "virtual": profile.virtual, "in_person": profile.in_person,
                "base_location": profile.base_location, "latitude": profile.latitude,
                "longitude": profile.longitude, "travel_km": profile.travel_km,
                "bio": profile.bio}
        data.update({skill_field(cs.skill.slug): str(cs.level) for cs in profile.skills})
        data.update({slot_field(row.slot): True for row in profile.slots})
    if formdata is not None:
        return form_class(formdata=formdata)  # type: ignore[no-any-return]
    return form_class(formdata=None, data=data)  # type: ignore[no-any-return]


class AbsenceForm(FlaskForm):
    starts_on = DateField("First day away",
                          validators=[InputRequired("Enter the first day you are away.")])
    ends_on = DateField("Last day away",
                        validators=[InputRequired("Enter the last day you are away.")])

    def validate_ends_on(self, field: DateField) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("The last day away must be on or after the first day.")


class DeclineForm(FlaskForm):
    reason = StringField("Reason (helps the system lead find another coach)", validators=[
        Optional(), Length(max=300, message="Keep this under 300 characters.")])


class ScheduleForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Enter the date of the session.")])
    start = TimeField("Start time (UK time)",
                      validators=[InputRequired("Enter the start time, e.g. 14:00.")])
    minutes = IntegerField("Length in minutes", default=60, validators=[
        InputRequired("Enter the length in minutes."),
        SESSION_LENGTH])
    mode = SelectField("How", choices=SESSION_MODES, default=Mode.VIRTUAL.value)


class TrainingForm(FlaskForm):
    title = StringField("Title", validators=[
        InputRequired("Give the event a title."),
        Length(max=200, message="Keep the title under 200 characters.")])
    skill_id = SelectField("Skill taught", coerce=str, validate_choice=False)
    host_organisation_id = SelectField("Host organisation (pays the hours)", coerce=int,
                                       validate_choice=False)
    day = DateField("Date", validators=[InputRequired("Enter the date of the event.")])
    start = TimeField("Start time (UK time)", validators=[
        InputRequired("Enter the start time, e.g. 10:00.")])
    minutes = IntegerField("Length in minutes", default=60, validators=[
        InputRequired("Enter the length in minutes."),
        NumberRange(1, 480, "Enter minutes from 1 to 480 (8 hours).")])

    def set_choices(self, skills: Sequence[Skill], orgs: Sequence[Organisation]) -> None:
        self.skill_id.choices = [SelectChoice("", "General QI (no one skill)")] + [
            SelectChoice(str(s.id), s.name) for s in skills]
        self.host_organisation_id.choices = [SelectChoice(str(o.id), o.name) for o in orgs]


class AttendeeEmailForm(FlaskForm):
    email = EmailField("Add by email", validators=[
        InputRequired("Enter the attendee's email address."),
        Length(max=254, message="That email address is too long.")])
