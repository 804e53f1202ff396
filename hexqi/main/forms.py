"""Form helpers shared by every area, and the forms more than one area shows."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from hexqi.services.errors import DomainError
from hexqi.services.sessions import MAX_MINUTES, MIN_MINUTES, MINUTES_MESSAGE


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (choose any). The ``field`` macro renders it as a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def show_error(form: FlaskForm, error: DomainError | str, field: str | None = None) -> None:
    """Show a service's error on the form: beside its field when it names one the form has,
    else at the top (the ``error_summary`` macro lists both).

    Typical use in a view::

        try:
            services.thing.do(...)
        except InvalidInput as exc:
            show_error(form, exc)
    """
    message = str(error)
    name = field or getattr(error, "field", None)
    target = getattr(form, name, None) if name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


class _PlainMessage:
    """A typed field whose "not a number/date" error is in plain words and stops there
    (no second, contradictory message from a range check)."""

    invalid = "Enter a valid value."
    process_errors: list[Any]
    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not str(valuelist[0]).strip():
            self.data = None  # left empty: Optional or InputRequired decides
            return
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            raise ValueError(self.invalid) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


class WholeNumberField(_PlainMessage, IntegerField):
    invalid = "Enter a whole number, e.g. 6."


class NumberField(_PlainMessage, DecimalField):
    invalid = "Enter a number, e.g. 42 or 3.5."


class CoordinateField(_PlainMessage, FloatField):
    invalid = "Enter a number, e.g. 51.5."


class PlainDateField(_PlainMessage, DateField):
    invalid = "Enter a date, e.g. 2025-03-31."


class PlainTimeField(_PlainMessage, TimeField):
    invalid = "Enter a time, e.g. 14:00."


class LogSessionForm(FlaskForm):
    """Log a session that was held, on the coach's match page and the team's request page:
    the same fields, words and messages for both. The coach may attach it to a session in the
    diary (``session_id`` choices are set by the coach's view; the team page never shows it).
    The element ids are the field's own with "log-" in front, so the form can share a page
    with the coach's schedule form."""

    session_id = SelectField("Which session", coerce=str, validate_choice=False, id="log-session",
                             choices=[SelectChoice("", "A session not in the diary")])
    day = PlainDateField("Date", id="log-day",
                         validators=[InputRequired("Enter the date the session was held.")])
    start = PlainTimeField("Start time (UK time)", id="log-start",
                           validators=[InputRequired("Enter the start time, e.g. 14:00.")])
    minutes = WholeNumberField("Minutes", default=60, id="log-minutes", validators=[
        InputRequired("Enter how long the session was, in minutes."),
        NumberRange(MIN_MINUTES, MAX_MINUTES, MINUTES_MESSAGE)])
    notes = TextAreaField("Notes", id="log-notes", validators=[
        Length(max=2000, message="Keep notes under 2000 characters.")])

    def chosen_session_id(self) -> int | None:
        raw = self.session_id.data or ""
        return int(raw) if raw.isdigit() else None
