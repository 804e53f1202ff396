"""Forms for registering, logging in and changing a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from hexqi.models import Tier
from hexqi.services.accounts import MAX_PASSWORD, MIN_PASSWORD

TIER_CHOICES = [
    SelectChoice(Tier.LEARN.value, "Learn: new to quality improvement, learning the basics"),
    SelectChoice(Tier.LIVE.value, "Live: using QI methods in my own work"),
    SelectChoice(Tier.LEAD.value, "Lead: experienced, able to coach others"),
]
_password_length = [
    Length(min=MIN_PASSWORD, message=f"Use at least {MIN_PASSWORD} characters."),
    Length(max=MAX_PASSWORD, message=f"Use at most {MAX_PASSWORD} characters."),
]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _id_or_none(value: object) -> int | None:
    """Coerce a chosen id; the empty "Choose..." option (or junk) becomes None."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class RegisterForm(FlaskForm):
    name = StringField("Full name", validators=[
        DataRequired("Enter your full name."),
        Length(max=120, message="Use at most 120 characters.")],
        filters=[_strip], render_kw={"autocomplete": "name"})
    email = EmailField("Work email address", validators=[
        DataRequired("Enter your work email address."),
        Email("Enter an email address like name@nhs.net."),
        Length(max=254, message="Use at most 254 characters.")],
        filters=[_strip], render_kw={"autocomplete": "email", "spellcheck": "false"})
    organisation_id = SelectField("Organisation", coerce=_id_or_none, validate_choice=False,
                                  validators=[InputRequired("Choose your organisation.")])
    tier = SelectField("Your QI experience (tier)", choices=TIER_CHOICES,
                       default=Tier.LEARN.value,
                       validators=[DataRequired("Choose your QI tier.")])
    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."), *_password_length],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirm password", validators=[
        DataRequired("Type your password again."),
        EqualTo("password", message="The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")],
                       filters=[_strip],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[
        DataRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password", validators=[
        DataRequired("Choose a new password."), *_password_length],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Type your new password again."),
        EqualTo("new", message="The two new passwords do not match.")],
        render_kw={"autocomplete": "new-password"})
