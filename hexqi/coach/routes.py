"""Routes for the coach area: dashboard, profile and availability, proposals, sessions,
training events. Views translate HTTP and forms to services and back, nothing more."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from hexqi.access import role_required
from hexqi.coach import bp
from hexqi.coach.forms import (
    AbsenceForm,
    AttendeeEmailForm,
    DeclineForm,
    ScheduleForm,
    TrainingForm,
    build_profile_form,
    skill_field,
)
from hexqi.main.decide import decide_session
from hexqi.main.forms import LogSessionForm, show_error
from hexqi.models import Person, Role, SessionStatus, utcnow
from hexqi.models.common import SLOTS
from hexqi.services import coaching, sessions, training
from hexqi.services.errors import DomainError, InvalidInput, NotFound
from hexqi.timefmt import combine_local, format_datetime

coach_only = role_required(Role.COACH)


def _me() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _per_page() -> int:
    return int(current_app.config.get("PER_PAGE", 25))


def _flash_error(exc: DomainError) -> None:
    if isinstance(exc, NotFound):
        abort(404)
    flash(str(exc), "error")


def slot_label(slot: str) -> str:
    day, _, half = slot.partition("-")
    days = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri"}
    return f"{days.get(day, day)} {'morning' if half == 'am' else 'afternoon'}"


def slots_text(rows: Any) -> str:
    """Slot rows (anything with ``.slot``) as "Mon morning, Wed afternoon", in week order."""
    chosen = sorted((r.slot for r in rows), key=lambda s: SLOTS.index(s) if s in SLOTS else 99)
    return ", ".join(slot_label(s) for s in chosen) or "Any"


MODE_LABELS = {"virtual": "Online", "in_person": "In person", "either": "Online or in person"}
KIND_LABELS = {"session": "Coaching session", "training": "Training event",
               "donation": "Gift of hours", "adjustment": "Adjustment", "reversal": "Reversal"}


@bp.context_processor
def coach_helpers() -> dict[str, Any]:
    return {"slot_label": slot_label, "slots_text": slots_text,
            "mode_label": lambda mode: MODE_LABELS.get(str(getattr(mode, "value", mode)), mode),
            "kind_label": lambda kind: KIND_LABELS.get(str(getattr(kind, "value", kind)), kind)}


# --- dashboard ----------------------------------------------------------------------------

@bp.get("/")
@coach_only
def dashboard() -> str:
    board = coaching.coach_dashboard(_me(), _page(), _per_page())
    return render_template(
        "coach/dashboard.html", title="My coaching", profile=board.profile,
        has_skills=board.has_skills, figures=board.figures, proposals=board.proposals,
        matches=board.matches, upcoming=board.upcoming, to_confirm=board.to_confirm,
        history=board.history, other_party=board.other_party)


@bp.post("/proposals/<int:match_id>/accept")
@coach_only
def accept(match_id: int) -> BaseResponse:
    try:
        match = coaching.accept_proposal(match_id, _me())
    except DomainError as exc:
        _flash_error(exc)
        return redirect(url_for(".dashboard"))
    flash(f"You accepted {match.request.team.name}. Arrange a first session below.", "success")
    return redirect(url_for(".match", match_id=match.id))


@bp.post("/proposals/<int:match_id>/decline")
@coach_only
def decline(match_id: int) -> BaseResponse:
    form = DeclineForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for(".dashboard"))
    try:
        match = coaching.decline_proposal(match_id, _me(), form.reason.data or "")
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"You declined the proposal for {match.request.team.name}. "
              "The system lead has been told.", "success")
    return redirect(url_for(".dashboard"))


# --- profile ------------------------------------------------------------------------------

def _render_profile(form: Any, absence_form: AbsenceForm, status: int = 200,
                    profile: Any = None) -> tuple[str, int]:
    profile = profile or coaching.ensure_profile(_me())
    absences = sorted(profile.absences, key=lambda a: a.starts_on)
    return render_template("coach/profile.html", title="My coaching profile", form=form,
                           absence_form=absence_form, profile=profile, absences=absences), status


@bp.route("/profile", methods=["GET", "POST"])
@coach_only
def profile() -> Any:
    me = _me()
    current = coaching.ensure_profile(me)
    skills = coaching.taxonomy()
    if request.method == "GET":
        return _render_profile(build_profile_form(skills, current), AbsenceForm(formdata=None),
                               profile=current)
    form = build_profile_form(skills, current, formdata=request.form)
    if form.validate():
        data = coaching.ProfileInput(
            skills=form.chosen_skills(), capacity_hours=form.capacity_hours.data,
            max_teams=form.max_teams.data, virtual=form.virtual.data,
            in_person=form.in_person.data, slots=form.chosen_slots(),
            base_location=form.base_location.data or "", latitude=form.latitude.data,
            longitude=form.longitude.data, travel_km=form.travel_km.data or 0,
            bio=form.bio.data or "")
        try:
            coaching.update_profile(me, data)
        except InvalidInput as exc:
            field = exc.field or ""
            show_error(form, exc, skill_field(field[6:]) if field.startswith("skill_") else None)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for(".profile"))
    return _render_profile(form, AbsenceForm(formdata=None), 400)


@bp.post("/profile/away")
@coach_only
def add_absence() -> Any:
    me = _me()
    form = AbsenceForm()
    if form.validate_on_submit():
        try:
            coaching.add_absence(me, form.starts_on.data, form.ends_on.data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("Dates away added. You will not be proposed for new teams then.", "success")
            return redirect(url_for(".profile") + "#away")
    current = coaching.ensure_profile(me)
    return _render_profile(build_profile_form(coaching.taxonomy(), current), form, 400)


@bp.post("/profile/away/<int:absence_id>/remove")
@coach_only
def remove_absence(absence_id: int) -> BaseResponse:
    try:
        coaching.remove_absence(_me(), absence_id)
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash("Dates away removed.", "success")
    return redirect(url_for(".profile") + "#away")


@bp.post("/profile/pause")
@coach_only
def pause() -> BaseResponse:
    if not FlaskForm().validate_on_submit():
        abort(400)
    paused = request.form.get("paused") == "1"
    coaching.set_paused(_me(), paused)
    flash("You are paused: you will not be proposed for new teams until you resume."
          if paused else "Welcome back: you can be proposed for new teams again.", "success")
    return redirect(url_for(".profile") + "#pause")


# --- a match and its sessions -------------------------------------------------------------

def _accepted_match(match_id: int) -> Any:
    try:
        match = coaching.own_match(match_id, _me())
    except NotFound:
        abort(404)
    if match.status.value != "accepted":
        abort(404)
    return match


def _render_match(match: Any, schedule_form: ScheduleForm, log_form: LogSessionForm,
                  status: int = 200) -> tuple[str, int]:
    rows = sessions.match_sessions(match.id, _me())
    now = utcnow()
    scheduled = [s for s, _p in rows if s.status is SessionStatus.SCHEDULED and s.starts_at <= now]
    log_form.session_id.choices = [SelectChoice("", "A session not in the diary")] + [
        SelectChoice(str(s.id), f"Scheduled for {format_datetime(s.starts_at)}") for s in scheduled]
    return render_template("coach/match.html", title=f"Coaching {match.request.team.name}",
                           match=match, rows=rows, schedule_form=schedule_form,
                           log_form=log_form, me=_me()), status


@bp.get("/matches/<int:match_id>")
@coach_only
def match(match_id: int) -> Any:
    found = _accepted_match(match_id)
    return _render_match(found, ScheduleForm(formdata=None), LogSessionForm(formdata=None))


@bp.post("/matches/<int:match_id>/sessions")
@coach_only
def schedule(match_id: int) -> Any:
    found = _accepted_match(match_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            starts_at = combine_local(form.day.data, form.start.data)
            sessions.schedule_session(found.id, _me(), starts_at, form.minutes.data,
                                      form.mode.data)
        except InvalidInput as exc:
            show_error(form, exc, "day" if exc.field == "starts_at" else None)
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".match", match_id=found.id))
        else:
            flash("Session scheduled. Download the invite to add it to your calendar.",
                  "success")
            return redirect(url_for(".match", match_id=found.id))
    return _render_match(found, form, LogSessionForm(formdata=None), 400)


@bp.post("/matches/<int:match_id>/held")
@coach_only
def log_session(match_id: int) -> Any:
    found = _accepted_match(match_id)
    form = LogSessionForm()
    if form.validate_on_submit():
        try:
            sessions.log_held_session(
                found.id, _me(), combine_local(form.day.data, form.start.data),
                form.minutes.data, form.notes.data or "", session_id=form.chosen_session_id())
        except InvalidInput as exc:
            show_error(form, exc, "day" if exc.field == "starts_at" else None)
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".match", match_id=found.id))
        else:
            flash("Session logged. The team will be asked to confirm the hours.", "success")
            return redirect(url_for(".match", match_id=found.id))
    return _render_match(found, ScheduleForm(formdata=None), form, 400)


def _back(default_match_id: int | None = None) -> BaseResponse:
    if request.form.get("back") == "dashboard" or default_match_id is None:
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".match", match_id=default_match_id))


def _session_match_id(session_id: int) -> int:
    from hexqi.extensions import db
    from hexqi.models import CoachingSession

    row = db.session.get(CoachingSession, session_id)
    if row is None:
        abort(404)
    return row.match_id


@bp.post("/sessions/<int:session_id>/confirm")
@coach_only
def confirm_session(session_id: int) -> BaseResponse:
    match_id = _session_match_id(session_id)
    decide_session(session_id, _me(), confirm=True)
    return _back(match_id)


@bp.post("/sessions/<int:session_id>/decline")
@coach_only
def decline_session(session_id: int) -> BaseResponse:
    match_id = _session_match_id(session_id)
    decide_session(session_id, _me(), confirm=False)
    return _back(match_id)


@bp.get("/sessions/<int:session_id>.ics")
@coach_only
def session_ics(session_id: int) -> Response:
    try:
        body = sessions.session_ics(session_id, _me())
    except NotFound:
        abort(404)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="hexqi-session-{session_id}.ics"'})


# --- training -----------------------------------------------------------------------------

def _training_form(formdata: Any = None) -> TrainingForm:
    me = _me()
    form = TrainingForm(formdata=formdata) if formdata is not None else TrainingForm(
        formdata=None, data={"host_organisation_id": me.organisation_id})
    form.set_choices(coaching.taxonomy(), training.host_organisations(me))
    return form


def _render_training(form: TrainingForm, status: int = 200) -> tuple[str, int]:
    page, counts, claimed = training.events_for(_me(), _page(), _per_page())
    return render_template("coach/training.html", title="Training events", form=form,
                           events=page, counts=counts, claimed=claimed), status


@bp.get("/training")
@coach_only
def training_list() -> Any:
    return _render_training(_training_form())


@bp.post("/training")
@coach_only
def create_training() -> Any:
    form = _training_form(request.form)
    if form.validate_on_submit():
        skill_raw = form.skill_id.data or ""
        try:
            event = training.create_event(
                _me(), form.title.data or "", combine_local(form.day.data, form.start.data),
                form.minutes.data, skill_id=int(skill_raw) if skill_raw.isdigit() else None,
                host_organisation_id=form.host_organisation_id.data)
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("Event created. Record who attended, then claim the hours.", "success")
            return redirect(url_for(".training_event", event_id=event.id))
    return _render_training(form, 400)


def _render_event(event_id: int, email_form: AttendeeEmailForm, status: int = 200
                  ) -> tuple[str, int]:
    me = _me()
    try:
        event = training.own_event(event_id, me)
    except NotFound:
        abort(404)
    q = request.args.get("q", "")
    people = training.search_people(me, q, _page(), _per_page())
    attending = {a.person_id for a in event.attendance}
    return render_template("coach/training_event.html", title=event.title, event=event,
                           people=people, q=q, attending=attending, email_form=email_form,
                           claim=training.claim_for(event.id)), status


@bp.get("/training/<int:event_id>")
@coach_only
def training_event(event_id: int) -> Any:
    return _render_event(event_id, AttendeeEmailForm(formdata=None))


@bp.post("/training/<int:event_id>/attendees")
@coach_only
def add_attendees(event_id: int) -> Any:
    if not FlaskForm().validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("person_id") if v.isdigit()]
    try:
        added = training.add_attendees(event_id, _me(), ids)
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"{added} {'person' if added == 1 else 'people'} added to the attendance list.",
              "success")
    return redirect(url_for(".training_event", event_id=event_id, q=request.form.get("q") or None))


@bp.post("/training/<int:event_id>/attendees/email")
@coach_only
def add_attendee_email(event_id: int) -> Any:
    form = AttendeeEmailForm()
    if form.validate_on_submit():
        try:
            person = training.add_attendee_by_email(event_id, _me(), form.email.data or "")
        except InvalidInput as exc:
            show_error(form, exc)
        except DomainError as exc:
            _flash_error(exc)
            return redirect(url_for(".training_event", event_id=event_id))
        else:
            flash(f"{person.name} added to the attendance list.", "success")
            return redirect(url_for(".training_event", event_id=event_id))
    return _render_event(event_id, form, 400)


@bp.post("/training/<int:event_id>/attendees/<int:person_id>/remove")
@coach_only
def remove_attendee(event_id: int, person_id: int) -> BaseResponse:
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        training.remove_attendee(event_id, _me(), person_id)
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash("Removed from the attendance list.", "success")
    return redirect(url_for(".training_event", event_id=event_id))


@bp.post("/training/<int:event_id>/claim")
@coach_only
def claim_training(event_id: int) -> BaseResponse:
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        transfer = training.claim_hours(event_id, _me())
    except DomainError as exc:
        _flash_error(exc)
    else:
        flash(f"{transfer.minutes} minutes added to your balance.", "success")
    return redirect(url_for(".training_event", event_id=event_id))
