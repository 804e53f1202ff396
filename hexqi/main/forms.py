"""Form helpers shared by every area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from hexqi.services.errors import DomainError


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
