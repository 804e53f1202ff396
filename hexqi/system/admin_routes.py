"""System lead administration: partner organisations, people's roles, the credit floor."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from hexqi.access import role_required
from hexqi.extensions import db
from hexqi.main.forms import show_error
from hexqi.models import Organisation, Person, Role, System
from hexqi.services import admin
from hexqi.services.errors import DomainError, InvalidInput, NotFound
from hexqi.system import bp
from hexqi.system.forms import (
    ROLE_LABELS,
    FloorForm,
    OrganisationForm,
    PersonSearchForm,
    RoleForm,
)

lead_only = role_required(Role.SYSTEM_LEAD)


def _me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _sid() -> int:
    return _me().organisation.system_id


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


# --- organisations ------------------------------------------------------------------------

@bp.get("/organisations")
@lead_only
def organisations() -> str:
    page = db.paginate(admin.organisations(_sid()), page=_page(), per_page=_per_page(),
                       error_out=False)
    return render_template("system/organisations.html", title="Partner organisations",
                           orgs=page)


def _save(form: OrganisationForm, org: Organisation | None) -> Any:
    if form.validate_on_submit():
        try:
            saved = admin.save_organisation(
                _sid(), _me(), org.id if org else None, name=form.name.data or "",
                kind=form.kind.data or "", locality=form.locality.data or "",
                active=bool(form.active.data), staff_headcount=form.staff_headcount.data,
                target_learn_pct=form.target_learn_pct.data,
                target_live_pct=form.target_live_pct.data,
                target_lead_pct=form.target_lead_pct.data)
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                abort(404)
            show_error(form, exc)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for(".organisations"))
    status = 422 if form.errors or form.form_errors else 200
    title = f"Edit {org.name}" if org else "Add a partner organisation"
    return render_template("system/organisation_form.html", title=title, form=form,
                           org=org), status


@bp.route("/organisations/new", methods=["GET", "POST"])
@lead_only
def new_organisation() -> Any:
    return _save(OrganisationForm(), None)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@lead_only
def edit_organisation(org_id: int) -> Any:
    try:
        org = admin.get_organisation(_sid(), org_id)
    except NotFound:
        abort(404)
    form = OrganisationForm(obj=org) if request.method == "GET" else OrganisationForm()
    if request.method == "GET":
        form.kind.data = org.kind.value
    return _save(form, org)


# --- people and roles ---------------------------------------------------------------------

@bp.get("/people")
@lead_only
def people() -> str:
    search = PersonSearchForm(request.args)
    query = (search.q.data or "").strip()[:120]
    page = db.paginate(admin.people(_sid(), query), page=_page(), per_page=_per_page(),
                       error_out=False)
    return render_template("system/people.html", title="People and roles", search=search,
                           people=page, query=query, role_labels=ROLE_LABELS,
                           role_form=RoleForm())


@bp.post("/people/<int:person_id>/roles")
@lead_only
def change_role(person_id: int) -> BaseResponse:
    form = RoleForm()
    back = url_for(".people", q=request.form.get("q") or None,
                   page=request.form.get("page", type=int) or None)
    if not form.validate_on_submit() or form.action.data not in {"grant", "revoke"}:
        flash("Choose a role to grant or remove.", "error")
        return redirect(back)
    try:
        change = admin.grant_role if form.action.data == "grant" else admin.revoke_role
        person = change(_sid(), _me(), person_id, form.role.data)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            abort(404)
        flash(str(exc), "error")
    else:
        label = ROLE_LABELS[form.role.data]
        done = "now has" if form.action.data == "grant" else "no longer has"
        note = (" Any protected time their organisation approved has ended; it approves again "
                "if they coach again." if form.role.data == Role.COACH.value
                and form.action.data == "revoke" else "")
        flash(f"{person.name} {done} the {label.lower()} role.{note}", "success")
    return redirect(back)


# --- the credit floor ---------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@lead_only
def settings() -> Any:
    system = db.session.get(System, _sid())
    if system is None:
        abort(404)
    form = FloorForm(hours=system.credit_floor_minutes // 60) if request.method == "GET" \
        else FloorForm()
    if form.validate_on_submit():
        try:
            admin.set_credit_floor(system.id, _me(), form.hours.data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(f"The credit floor is now {form.hours.data} hours.", "success")
            return redirect(url_for(".settings"))
    status = 422 if form.errors or form.form_errors else 200
    db.session.refresh(system)
    return render_template("system/settings.html", title="Credit floor", form=form,
                           system=system), status
