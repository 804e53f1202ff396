"""System lead pages for matching rounds: the dashboard, starting a round, watching it run,
reviewing its proposals and publishing them. Administration lives in ``admin_routes``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from hexqi.access import role_required
from hexqi.extensions import db
from hexqi.main.forms import show_error
from hexqi.models import Match, MatchingRound, Organisation, Person, Role, RoundStatus
from hexqi.services import jobs, rounds
from hexqi.services.errors import DomainError, InvalidInput, NotFound
from hexqi.system import bp
from hexqi.system.forms import (
    NewRoundForm,
    OverrideForm,
    RemoveForm,
    RequestFilterForm,
    choices,
)

lead_only = role_required(Role.SYSTEM_LEAD)


def _me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _system_id() -> int:
    return _me().organisation.system_id


def _page(name: str = "page") -> int:
    return max(1, request.args.get(name, 1, type=int) or 1)


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


def _round_or_404(round_id: int) -> MatchingRound:
    try:
        return rounds.get_round(round_id, _system_id())
    except NotFound:
        abort(404)


def _flash_error(exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        abort(404)
    flash(str(exc), "error")


# --- dashboard ----------------------------------------------------------------------------

@bp.get("/")
@lead_only
def dashboard() -> str:
    sid = _system_id()
    page = db.paginate(sa.select(MatchingRound).where(MatchingRound.system_id == sid)
                       .order_by(MatchingRound.id.desc()),
                       page=_page(), per_page=_per_page(), error_out=False)
    ids = [r.id for r in page.items]
    counts = dict(db.session.execute(
        sa.select(Match.round_id, sa.func.count(Match.id)).where(Match.round_id.in_(ids))
        .group_by(Match.round_id)).all()) if ids else {}
    return render_template("system/dashboard.html", title="Matching", rounds=page,
                           proposal_counts=counts,
                           open_count=rounds.count_open_requests(sid),
                           coach_count=rounds.count_available_coaches(sid))


# --- new round ----------------------------------------------------------------------------

def _filters(source: Any) -> tuple[int | None, int | None]:
    def whole(name: str) -> int | None:
        try:
            value = int(source.get(name) or 0)
        except (TypeError, ValueError):
            return None
        return value or None

    return whole("organisation"), whole("priority")


def _organisation_choices(sid: int) -> list[Any]:
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.name)
                              .where(Organisation.system_id == sid)
                              .order_by(Organisation.name)).all()
    return choices([(0, "All organisations")] + [(i, n) for i, n in orgs])


@bp.route("/rounds/new", methods=["GET", "POST"])
@lead_only
def new_round() -> Any:
    sid = _system_id()
    source = request.form if request.method == "POST" else request.args
    org_id, priority = _filters(source)
    filters = RequestFilterForm(formdata=None, organisation=org_id or 0, priority=priority or 0)
    filters.organisation.choices = _organisation_choices(sid)
    form = NewRoundForm(organisation=org_id or "", priority=priority or "")
    chosen: set[int] = set()
    if form.validate_on_submit():
        if form.scope.data == "all":
            ids: list[Any] = list(db.session.scalars(
                rounds.open_requests(sid, org_id, priority)
                .with_only_columns(rounds.SupportRequest.id).order_by(None)))
        else:
            ids = request.form.getlist("request_ids")
            chosen = {int(i) for i in ids if str(i).isdigit()}
        try:
            rnd = rounds.start_round(sid, _me(), ids, form.policy.data)
        except InvalidInput as exc:
            show_error(form, exc, field="scope" if exc.field == "request_ids" else None)
        except DomainError as exc:
            show_error(form, exc)
        else:
            _start_in_background(rnd.id)
            return redirect(url_for(".round_page", round_id=rnd.id))
    status = 422 if form.errors or form.form_errors else 200
    stmt = rounds.open_requests(sid, org_id, priority)
    page = db.paginate(stmt, page=_page(), per_page=_per_page(), error_out=False)
    return render_template("system/new_round.html", title="New matching round", form=form,
                           filters=filters, requests=page, chosen=chosen,
                           posted=request.method == "POST",
                           filter_args={"organisation": org_id or None,
                                        "priority": priority or None}), status


def _start_in_background(round_id: int) -> None:
    try:
        jobs.enqueue_round(current_app._get_current_object(), round_id)  # type: ignore[attr-defined]
    except Exception:
        current_app.logger.exception("could not queue round %s", round_id)
        rounds.fail_round(round_id, "The background worker could not be reached, so the round "
                                    "did not start. Try again in a minute, or tell your "
                                    "administrator.")


# --- a round ------------------------------------------------------------------------------

def _override_form(rnd: MatchingRound, formdata: Any = None) -> OverrideForm:
    form = OverrideForm(formdata=formdata)
    reqs = rounds.open_round_requests(rnd)
    form.request_id.choices = choices([(0, "Choose a request")] + [
        (r.id, f"#{r.id} {r.team.name} ({r.team.organisation.name}), {r.hours} h") for r in reqs])
    form.coach_id.choices = choices([(0, "Choose a coach")] + [
        (room.profile.person_id,
         f"{room.profile.person.name} ({room.profile.person.organisation.name}), "
         f"{room.hours} h and {room.teams} team(s) free")
        for room in sorted(rounds.coach_rooms(rnd.system_id),
                           key=lambda room: room.profile.person.name)])
    return form


def _render_round(rnd: MatchingRound, override: OverrideForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    finished = rnd.status in (RoundStatus.DONE, RoundStatus.PUBLISHED)
    page = db.paginate(rounds.proposals(rnd.id), page=_page(), per_page=_per_page(),
                       error_out=False) if finished else None
    if override is None and rnd.status == RoundStatus.DONE:
        override = _override_form(rnd)
    return render_template(
        "system/round.html", title=f"Round {rnd.id}", rnd=rnd, proposals=page,
        unserved=rounds.unserved(rnd) if finished else [],
        override=override, remove_form=RemoveForm(), policies=rounds.POLICIES,
        stale=rounds.is_stale(rnd)), status


@bp.get("/rounds/<int:round_id>")
@lead_only
def round_page(round_id: int) -> tuple[str, int]:
    return _render_round(_round_or_404(round_id))


@bp.get("/rounds/<int:round_id>/status.json")
@lead_only
def round_status(round_id: int) -> Any:
    rnd = _round_or_404(round_id)
    db.session.refresh(rnd)  # always the latest progress written by the worker
    return jsonify(status=rnd.status.value, progress=round(float(rnd.progress or 0), 4),
                   message=rnd.message or "")


@bp.post("/rounds/<int:round_id>/override")
@lead_only
def override(round_id: int) -> Any:
    rnd = _round_or_404(round_id)
    form = _override_form(rnd, formdata=request.form)
    if form.validate_on_submit():
        try:
            match = rounds.override_match(rnd.id, form.request_id.data, form.coach_id.data,
                                          _me())
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".round_page", round_id=rnd.id))
        else:
            flash(f"{match.coach.name} is now proposed for request #{match.request_id}.",
                  "success")
            return redirect(url_for(".round_page", round_id=rnd.id, _anchor="proposals"))
    return _render_round(rnd, override=form, status=422)


@bp.post("/rounds/<int:round_id>/remove")
@lead_only
def remove(round_id: int) -> BaseResponse:
    rnd = _round_or_404(round_id)
    form = RemoveForm()
    try:
        if not form.validate_on_submit() or not str(form.request_id.data).isdigit():
            raise InvalidInput("Choose a proposal to remove.")
        rounds.remove_proposal(rnd.id, int(form.request_id.data), _me())
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"The proposal for request #{form.request_id.data} was removed; it will not be "
              "published.", "success")
    return redirect(url_for(".round_page", round_id=rnd.id, _anchor="proposals"))


@bp.post("/rounds/<int:round_id>/publish")
@lead_only
def publish(round_id: int) -> BaseResponse:
    rnd = _round_or_404(round_id)  # CSRFProtect checks the token on every POST
    try:
        rnd = rounds.publish_round(rnd.id, _me())
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"Round {rnd.id} is published: coaches and teams have been told.", "success")
    return redirect(url_for(".round_page", round_id=round_id))


@bp.post("/rounds/<int:round_id>/rerun")
@lead_only
def rerun(round_id: int) -> BaseResponse:
    rnd = _round_or_404(round_id)
    try:
        rounds.requeue_round(rnd.id, _me())
    except DomainError as exc:
        _flash_error(exc)
    else:
        _start_in_background(rnd.id)
    return redirect(url_for(".round_page", round_id=round_id))


@bp.post("/rounds/<int:round_id>/give-up")
@lead_only
def give_up(round_id: int) -> BaseResponse:
    rnd = _round_or_404(round_id)
    try:
        rounds.give_up_round(rnd.id, _me())
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"Round {round_id} is marked as failed; you can run it again.", "success")
    return redirect(url_for(".round_page", round_id=round_id))


from hexqi.system import admin_routes  # noqa: E402,F401  (administration pages)
