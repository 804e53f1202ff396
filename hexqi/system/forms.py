"""Forms for the system lead's pages: matching rounds and administration."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from hexqi.models import OrgKind, Role
from hexqi.services.rounds import POLICIES

ROLE_LABELS = {
    Role.COACH.value: "Coach",
    Role.TEAM_MEMBER.value: "Team member",
    Role.ORG_ADMIN.value: "Organisation admin",
    Role.SYSTEM_LEAD.value: "System lead",
}


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as wtforms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class RequestFilterForm(FlaskForm):
    """Filters for the open requests on the new round page (GET, no CSRF)."""

    class Meta:
        csrf = False

    organisation = SelectField("Organisation", coerce=int, validators=[Optional()])
    priority = SelectField("Urgency", coerce=int, validators=[Optional()],
                           choices=choices([(0, "Any urgency")] + [(n, f"Priority {n}")
                                                                   for n in range(5, 0, -1)]))


class NewRoundForm(FlaskForm):
    policy = RadioField(
        "Cross-organisation matching",
        choices=choices(POLICIES.items()),
        default="required", validators=[InputRequired("Choose a policy.")])
    scope = RadioField(
        "Which requests",
        choices=choices([("all", "Every open request that matches the filter"),
                         ("selected", "Only the requests ticked below")]),
        default="all", validators=[InputRequired("Choose which requests to match.")])
    organisation = HiddenField()
    priority = HiddenField()


class OverrideForm(FlaskForm):
    request_id = SelectField("Request", coerce=int,
                             validators=[DataRequired("Choose a request.")])
    coach_id = SelectField("Coach", coerce=int, validators=[DataRequired("Choose a coach.")])


class RemoveForm(FlaskForm):
    request_id = HiddenField(validators=[DataRequired()])


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the organisation's name."),
                                           Length(max=200)])
    kind = SelectField("Kind", choices=choices((k.value, k.label) for k in OrgKind),
                       validators=[DataRequired("Choose the kind of organisation.")])
    locality = StringField("Locality", validators=[Optional(), Length(max=120)])
    active = BooleanField("Active partner (its coaches and teams take part in rounds)",
                          default=True)
    staff_headcount = IntegerField(
        "Staff headcount", default=0,
        validators=[InputRequired("Enter the headcount, or 0 if unknown."),
                    NumberRange(min=0, max=1_000_000, message="Enter a whole number, 0 or more.")])
    target_learn_pct = DecimalField(
        "Learn tier target (% of staff)", default=0, places=1,
        validators=[InputRequired("Enter a percentage, 0 to 100."),
                    NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100.")])
    target_live_pct = DecimalField(
        "Live tier target (% of staff)", default=0, places=1,
        validators=[InputRequired("Enter a percentage, 0 to 100."),
                    NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100.")])
    target_lead_pct = DecimalField(
        "Lead tier target (% of staff)", default=0, places=1,
        validators=[InputRequired("Enter a percentage, 0 to 100."),
                    NumberRange(min=0, max=100, message="Enter a percentage from 0 to 100.")])


class PersonSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or email", validators=[Optional(), Length(max=120)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices(ROLE_LABELS.items()),
                       validators=[DataRequired("Choose a role.")])
    action = HiddenField(validators=[DataRequired()])


class FloorForm(FlaskForm):
    hours = IntegerField(
        "Credit floor (hours)",
        validators=[InputRequired("Enter the floor in whole hours, for example -20.")])
