"""Organisation admin pages: approve coaches' protected time, see the hours staff gave."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hexqi.access import role_required
from hexqi.extensions import db
from hexqi.models import Person, Role
from hexqi.org_admin import bp
from hexqi.org_admin.forms import ApproveForm
from hexqi.services import admin
from hexqi.services.errors import DomainError, NotFound

admin_only = role_required(Role.ORG_ADMIN)


def _me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _render(forms: dict[int, ApproveForm] | None = None, status: int = 200) -> Any:
    me = _me()
    months = max(1, min(request.args.get("months", 6, type=int) or 6, 24))
    board = admin.org_dashboard(me.organisation_id,
                                page=max(1, request.args.get("page", 1, type=int) or 1),
                                per_page=int(current_app.config.get("PER_PAGE", 25)),
                                months=months)
    forms = forms or {}
    for profile in board.coaches.items:
        forms.setdefault(profile.person_id, ApproveForm(
            formdata=None, approved_hours=profile.approved_hours
            if profile.approved_hours is not None else profile.capacity_hours))
    for person_id, form in forms.items():  # one id per row, so the error summary links to it
        form.approved_hours.id = f"approved-{person_id}"
    return render_template(
        "org_admin/dashboard.html", title="My organisation", org=me.organisation,
        coaches=board.coaches, forms=forms, given=board.given, months=months,
        history=board.history, released=board.released), status


@bp.get("/")
@admin_only
def dashboard() -> Any:
    return _render()


@bp.post("/coaches/<int:person_id>/approve")
@admin_only
def approve(person_id: int) -> Any:
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            profile = admin.approve_hours(_me(), person_id, form.approved_hours.data)
        except NotFound:
            abort(404)
        except DomainError as exc:
            form.approved_hours.errors = [*form.approved_hours.errors, str(exc)]
        else:
            flash(f"{profile.person.name} may now coach up to {profile.usable_hours} hours a "
                  "month in matching rounds.", "success")
            return redirect(url_for(".dashboard", page=request.args.get("page", type=int)))
    if db.session.get(Person, person_id) is None:
        abort(404)
    return _render({person_id: form}, status=422)
