"""Forms for organisation admins."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class ApproveForm(FlaskForm):
    approved_hours = IntegerField(
        "Approved hours a month",
        validators=[InputRequired("Enter whole hours per month, for example 4."),
                    NumberRange(min=0, message="Enter 0 or more hours.")])
