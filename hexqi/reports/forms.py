"""The date-range filter every report page shows (a GET form, so no CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from hexqi.services.reports_hours import GROUPS


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField("From", name="from", validators=[Optional()],
                      format="%Y-%m-%d",
                      render_kw={"autocomplete": "off"})
    end = DateField("To", name="to", validators=[Optional()], format="%Y-%m-%d",
                    render_kw={"autocomplete": "off"})


class HoursForm(PeriodForm):
    # An unknown value falls back to "kind" in the view rather than failing the page.
    group = SelectField("Group organisations by",
                        choices=[SelectChoice(k, v) for k, v in GROUPS.items()],
                        default="kind", validators=[Optional()], validate_choice=False)
