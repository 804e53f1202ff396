"""Forms for the team area. They check what a browser can get wrong; the requests service
checks the rules again (and is the one that decides)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from hexqi.main.forms import (
    CoordinateField,
    MultiCheckboxField,
    NumberField,
    PlainDateField,
    WholeNumberField,
)
from hexqi.models import Mode, Project, Skill, Team
from hexqi.models.common import SLOTS

STAGES: list[tuple[str, str, str]] = [
    ("idea", "Idea", "We know what we want to improve but have not started yet."),
    ("diagnosis", "Understanding the problem",
     "We are mapping how things work now and gathering data."),
    ("testing", "Testing changes", "We are trying changes on a small scale (PDSA cycles)."),
    ("implementing", "Making it stick",
     "A change worked and we are making it part of everyday work."),
    ("spreading", "Spreading", "We are helping other teams adopt what worked."),
]
LEVELS: list[tuple[str, str]] = [
    ("1", "1 – some experience"), ("2", "2 – practised"), ("3", "3 – expert, teaches it"),
]
URGENCY: list[tuple[str, str]] = [
    ("1", "When a coach is free"),
    ("2", "In the next few months"),
    ("3", "In the next month"),
    ("4", "Soon: in the next two weeks"),
    ("5", "Urgent: patient safety or a deadline"),
]
MODES: list[tuple[str, str]] = [
    (Mode.VIRTUAL.value, "Virtual (video call)"),
    (Mode.IN_PERSON.value, "In person"),
    (Mode.EITHER.value, "Either"),
]
DAYS = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
        ("fri", "Friday")]
HALVES = [("am", "Morning"), ("pm", "Afternoon")]


def choices(pairs: Sequence[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def level_field_name(slug: str) -> str:
    return "level_" + slug.replace("-", "_")


class RequestForm(FlaskForm):
    """The new request form; ``build_request_form`` adds the team choice and a level select
    per method."""

    # Choices are checked by the service (a team you belong to), in plain words.
    team_id = SelectField("Team", coerce=int, validate_choice=False,
                          validators=[InputRequired("Choose your team.")])
    # "" is a new project (the three fields below are then required); else a project's id
    project_id = SelectField("Project", validate_choice=False, default="")
    project_title = StringField(
        "Project title",
        validators=[Length(max=200, message="Keep this under 200 characters.")])
    aim = TextAreaField(
        "Aim: what are you trying to improve, by how much, by when?",
        validators=[Length(max=2000, message="Keep this under 2000 characters.")])
    stage = RadioField("Where is your project now?",
                       choices=choices([(v, t) for v, t, _ in STAGES]), validate_choice=False,
                       validators=[Optional()])
    skills = MultiCheckboxField("Which methods do you want help with?", choices=[],
                                validate_choice=False)
    hours = WholeNumberField(
        "How many hours of coaching would help? (1 to 40)",
        validators=[InputRequired("Enter the number of hours, from 1 to 40."),
                    NumberRange(1, 40, "Choose between 1 and 40 hours.")])
    slots = MultiCheckboxField("When could your team usually meet?",
                               choices=choices([(s, s) for s in SLOTS]),
                               validate_choice=False)
    mode = RadioField("How would you like to meet?", choices=choices(MODES),
                      default=Mode.VIRTUAL.value, validate_choice=False,
                      validators=[InputRequired("Choose virtual, in person or either.")])
    location = StringField("Where? (the site or building)",
                           validators=[Length(max=120, message="Keep this under 120 characters.")])
    latitude = CoordinateField("Latitude (optional)", validators=[
        Optional(), NumberRange(-90, 90, "Enter a number between -90 and 90.")])
    longitude = CoordinateField("Longitude (optional)", validators=[
        Optional(), NumberRange(-180, 180, "Enter a number between -180 and 180.")])
    priority = RadioField("How soon do you need help?", choices=choices(URGENCY), default="1",
                          validate_choice=False,
                          validators=[InputRequired("Choose how urgent this is.")])

    skill_rows: Sequence[Skill] = ()

    def validate_skills(self, field: MultiCheckboxField) -> None:
        known = {s.slug for s in self.skill_rows}
        if not field.data:
            raise ValidationError("Choose at least one method.")
        if any(slug not in known for slug in field.data):
            raise ValidationError("Choose methods from the list.")

    def validate_slots(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError("Pick at least one half-day.")
        if any(slot not in SLOTS for slot in field.data):
            raise ValidationError("Choose half-days from the grid.")

    def validate_location(self, field: StringField) -> None:
        if self.mode.data == Mode.IN_PERSON.value and not (field.data or "").strip():
            raise ValidationError("In person needs a location.")

    def chosen_project(self) -> int | None:
        value = str(self.project_id.data or "")
        return int(value) if value.isdigit() else None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.chosen_project() is None:  # a new project: describe it
            for field, message in (
                    (self.project_title, "Give your project a short title."),
                    (self.aim, "Say in a sentence what you are trying to improve."),
                    (self.stage, "Choose where your project is.")):
                if not str(field.data or "").strip() and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        given = [bool(f.raw_data and str(f.raw_data[0]).strip())
                 for f in (self.latitude, self.longitude)]
        if given[0] != given[1]:
            missing = self.longitude if given[0] else self.latitude
            missing.errors = [*missing.errors, "Give both latitude and longitude, or neither."]
            return False
        return valid

    def level_for(self, slug: str) -> Any:
        return self[level_field_name(slug)]

    def chosen_skills(self) -> dict[str, int]:
        return {slug: int(self.level_for(slug).data or 1) for slug in self.skills.data or []}


def build_request_form(skills: Sequence[Skill], teams: Sequence[Team],
                       projects: Sequence[Project] = (), **kwargs: Any) -> RequestForm:
    """A RequestForm with a level select for each method in ``skills``."""

    class Form(RequestForm):
        pass

    for s in skills:
        setattr(Form, level_field_name(s.slug),
                SelectField(f"Level needed for {s.name}", choices=choices(LEVELS),
                            default="1"))
    form = Form(**kwargs)
    form.skill_rows = skills
    form.skills.choices = choices([(s.slug, s.name) for s in skills])
    form.team_id.choices = choices([(t.id, t.name) for t in teams])
    names = {t.id: t.name for t in teams}
    form.project_id.choices = choices(
        [("", "A new project (describe it below)")]
        + [(str(p.id), p.title if len(teams) == 1 else f"{p.title} ({names.get(p.team_id, '')})")
           for p in projects])
    return form


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing this request?", validators=[
        InputRequired("Say briefly why you are withdrawing."),
        Length(max=500, message="Keep this under 500 characters.")])


class FeedbackForm(FlaskForm):
    rating = RadioField("How useful was this session?", choices=choices([
        ("1", "1 – not useful"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 – very useful")]),
        validators=[InputRequired("Choose a rating from 1 to 5.")])
    comment = TextAreaField("Comment (optional)", validators=[
        Length(max=1000, message="Keep this under 1000 characters.")])


class OutcomeForm(FlaskForm):
    name = StringField("What do you measure?", validators=[
        InputRequired("Name what you measure, e.g. 'Days from referral to first appointment'."),
        Length(max=120, message="Keep this under 120 characters.")])
    unit = StringField("Unit (e.g. days, %, patients)", validators=[
        Length(max=40, message="Keep this under 40 characters.")])
    baseline = NumberField("Baseline (before you started)", validators=[
        InputRequired("Enter the baseline as a number.")])
    latest = NumberField("Latest value", validators=[
        InputRequired("Enter the latest value as a number.")])
    measured_on = PlainDateField("Date of the latest value", validators=[
        InputRequired("Enter the date of the latest value.")])


class ActionForm(FlaskForm):
    """A bare POST (confirm, decline) with CSRF and where to go back to."""

    next = HiddenField()
