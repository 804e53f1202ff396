"""The team area: a team's dashboard, filing a request, and the request status page.

Views translate forms and HTTP to the requests and sessions services; the services decide.
Anything a person may not see answers 404.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hexqi.access import role_required
from hexqi.extensions import db
from hexqi.main.decide import decide_session
from hexqi.main.forms import LogSessionForm, show_error
from hexqi.models import Role, Skill
from hexqi.services import requests as svc
from hexqi.services import sessions
from hexqi.services.errors import DomainError, InvalidInput, NotFound
from hexqi.team import bp
from hexqi.team.forms import (
    DAYS,
    HALVES,
    LEVELS,
    STAGES,
    ActionForm,
    FeedbackForm,
    OutcomeForm,
    WithdrawForm,
    build_request_form,
)
from hexqi.timefmt import combine_local

VIEWERS = (Role.TEAM_MEMBER, Role.ORG_ADMIN, Role.SYSTEM_LEAD)


@bp.context_processor
def team_vocabulary() -> dict[str, Any]:
    return {"stage_words": {v: (t, h) for v, t, h in STAGES},
            "level_words": dict(LEVELS), "days": DAYS, "halves": HALVES}


def _local(target: str | None, fallback: str) -> str:
    """Only go back to a path on this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


@bp.get("/")
@role_required(*VIEWERS)
def dashboard() -> str:
    try:
        board = svc.team_dashboard(current_user, request.args.get("team", type=int),
                                   page=max(request.args.get("page", 1, type=int), 1),
                                   per_page=current_app.config["PER_PAGE"])
    except NotFound:
        abort(404)
    if board is None:
        return render_template("team/no_team.html")
    return render_template(
        "team/dashboard.html", team=board.team, teams=board.teams, is_member=board.is_member,
        requests=board.requests, to_confirm=board.to_confirm, balance=board.balance)


def _skills() -> list[Skill]:
    return list(db.session.scalars(sa.select(Skill).order_by(Skill.name)))


@bp.route("/requests/new", methods=["GET", "POST"])
@role_required(Role.TEAM_MEMBER)
def new_request() -> Any:
    teams = svc.teams_of(current_user)
    if not teams:
        return render_template("team/no_team.html")
    skills = _skills()
    projects = svc.team_projects(teams)
    chosen = request.args.get("team", type=int)
    project = next((p for p in projects if p.id == request.args.get("project", type=int)),
                   None)
    if project is not None:
        chosen = project.team_id
    form = build_request_form(skills, teams, projects, team_id=chosen if chosen else teams[0].id,
                              project_id=str(project.id) if project else "")
    if form.validate_on_submit():
        try:
            req = svc.create_request(
                form.team_id.data, current_user, form.project_title.data, form.aim.data,
                form.stage.data, form.chosen_skills(), form.hours.data, form.slots.data,
                form.mode.data, form.location.data, form.latitude.data, form.longitude.data,
                form.priority.data, project_id=form.chosen_project())
        except InvalidInput as exc:
            show_error(form, exc, "team_id" if exc.field == "team" else None)
        except NotFound:
            show_error(form, "Choose one of your teams.", "team_id")
        except DomainError as exc:
            show_error(form, exc)
        else:
            flash("Your request is filed. A system lead will include it in the next matching "
                  "round; you will get an email when a coach is proposed.", "success")
            return redirect(url_for("team.request_detail", request_id=req.id))
    status = 400 if form.errors else 200
    return render_template("team/new_request.html", form=form, skills=skills,
                           teams=teams), status


def _render_detail(request_id: int, status: int = 200, **forms: Any) -> Any:
    try:
        detail = svc.request_detail(request_id, current_user)
    except NotFound:
        abort(404)
    project = detail.request.project
    forms.setdefault("withdraw_form", WithdrawForm(formdata=None))
    forms.setdefault("outcome_form", OutcomeForm(formdata=None, data={
        "name": project.measure_name, "unit": project.measure_unit,
        "baseline": project.measure_baseline, "latest": project.measure_latest,
        "measured_on": project.measured_on}))
    forms.setdefault("log_form", LogSessionForm(formdata=None))
    feedback_forms = forms.pop("feedback_forms", {})
    for row in detail.sessions:
        if row.can_give_feedback and row.session.id not in feedback_forms:
            feedback_forms[row.session.id] = FeedbackForm(formdata=None,
                                                          prefix=f"s{row.session.id}")
    return render_template("team/request.html", detail=detail, req=detail.request,
                           project=project, feedback_forms=feedback_forms,
                           **forms), status


def _refused(exc: DomainError, request_id: int, anchor: str | None = None) -> Response:
    """The action is not allowed now (already done, not yours to do): say so on the page."""
    flash(str(exc), "error")
    return redirect(url_for("team.request_detail", request_id=request_id, _anchor=anchor),
                    303)


@bp.get("/requests/<int:request_id>")
@role_required(*VIEWERS)
def request_detail(request_id: int) -> Any:
    return _render_detail(request_id)


def _visible_request(request_id: int) -> Any:
    try:
        return svc.visible_request(current_user, request_id)
    except NotFound:
        abort(404)


@bp.post("/requests/<int:request_id>/withdraw")
@role_required(*VIEWERS)
def withdraw(request_id: int) -> Any:
    _visible_request(request_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            svc.withdraw_request(request_id, current_user, form.reason.data)
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            return _refused(exc, request_id)
        else:
            flash("Your request is withdrawn.", "success")
            return redirect(url_for("team.request_detail", request_id=request_id))
    return _render_detail(request_id, 400, withdraw_form=form)


@bp.post("/requests/<int:request_id>/outcome")
@role_required(*VIEWERS)
def outcome(request_id: int) -> Any:
    req = _visible_request(request_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            svc.update_outcome_measure(req.project_id, current_user, form.name.data,
                                       form.unit.data, form.baseline.data, form.latest.data,
                                       form.measured_on.data)
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            return _refused(exc, request_id, "outcome")
        else:
            flash("Outcome measure saved.", "success")
            return redirect(url_for("team.request_detail", request_id=request_id,
                                    _anchor="outcome"))
    return _render_detail(request_id, 400, outcome_form=form)


@bp.post("/requests/<int:request_id>/sessions")
@role_required(*VIEWERS)
def log_session(request_id: int) -> Any:
    _visible_request(request_id)
    form = LogSessionForm()
    if form.validate_on_submit():
        match = svc.current_match(request_id)
        try:
            if match is None:
                raise InvalidInput("There is no coach to log a session with yet.")
            sessions.log_held_session(
                match.id, current_user, combine_local(form.day.data, form.start.data),
                form.minutes.data, form.notes.data or "")
        except InvalidInput as exc:
            show_error(form, exc, "day" if exc.field == "starts_at" else None)
        except DomainError as exc:
            return _refused(exc, request_id, "sessions")
        else:
            flash("Session logged. Your coach will be asked to confirm the hours.", "success")
            return redirect(url_for("team.request_detail", request_id=request_id,
                                    _anchor="sessions"))
    return _render_detail(request_id, 400, log_form=form)


def _session_request_id(session_id: int) -> int:
    try:
        return svc.session_for_team(session_id, current_user).match.request_id
    except NotFound:
        abort(404)


@bp.post("/sessions/<int:session_id>/feedback")
@role_required(*VIEWERS)
def feedback(session_id: int) -> Any:
    request_id = _session_request_id(session_id)
    form = FeedbackForm(prefix=f"s{session_id}")
    if form.validate_on_submit():
        try:
            svc.give_feedback(session_id, current_user, int(form.rating.data),
                              form.comment.data or "")
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            return _refused(exc, request_id, "sessions")
        else:
            flash("Thank you for your feedback.", "success")
            return redirect(url_for("team.request_detail", request_id=request_id,
                                    _anchor="sessions"))
    return _render_detail(request_id, 400, feedback_forms={session_id: form})


def _decide(session_id: int, confirm: bool) -> Response:
    request_id = _session_request_id(session_id)
    back = _local(ActionForm().next.data, url_for("team.request_detail", request_id=request_id))
    decide_session(session_id, current_user, confirm)
    return redirect(back)


@bp.post("/sessions/<int:session_id>/confirm")
@role_required(*VIEWERS)
def confirm_session(session_id: int) -> Response:
    return _decide(session_id, confirm=True)


@bp.post("/sessions/<int:session_id>/decline")
@role_required(*VIEWERS)
def decline_session(session_id: int) -> Response:
    return _decide(session_id, confirm=False)
