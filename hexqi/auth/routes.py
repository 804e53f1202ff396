"""Register, log in, log out and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from hexqi.auth import bp
from hexqi.auth.forms import LoginForm, PasswordForm, RegisterForm
from hexqi.extensions import db
from hexqi.main.forms import show_error
from hexqi.models import Organisation
from hexqi.services import accounts
from hexqi.services.errors import InvalidInput

WRONG_LOGIN = "Your email address or password is wrong. Please check them and try again."
SWITCHED_OFF = ("This account has been switched off. Ask your organisation admin or a system "
                "lead to switch it back on.")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (e.g. ``/team/``), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def organisation_choices() -> list[SelectChoice]:
    """Active organisations, grouped by kind (GP practices together, trusts together...)."""
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kind)
        .where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).all()
    rows = sorted(rows, key=lambda row: row.kind.label)
    return [SelectChoice("", "Choose your organisation"),
            *(SelectChoice(str(row.id), row.name, optgroup=row.kind.label) for row in rows)]


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    form.organisation_id.choices = organisation_choices()
    if form.validate_on_submit():
        try:
            person = accounts.register_person(
                name=form.name.data or "", email=form.email.data or "",
                password=form.password.data or "", organisation_id=form.organisation_id.data,
                tier=form.tier.data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            login_user(person)
            flash(f"Welcome to HexQI, {person.name}. Your account is ready.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        person = accounts.authenticate(form.email.data or "", form.password.data or "")
        if person is None:
            show_error(form, WRONG_LOGIN)
        elif not login_user(person):
            show_error(form, SWITCHED_OFF)
        else:
            flash(f"You are logged in as {person.name}.", "success")
            return redirect(next_url or url_for("main.index"))
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        logout_user()
        flash("You have logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user._get_current_object(),
                                     form.current.data or "", form.new.data or "")
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("Your password has been changed.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
