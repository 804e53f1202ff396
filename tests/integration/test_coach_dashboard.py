"""The coach dashboard and answering proposals: accept moves the request to active,
decline reopens it and tells the system leads; nobody acts on someone else's match."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Match,
    MatchStatus,
    OutboxMessage,
    PendingTransfer,
    RequestEvent,
    RequestStatus,
    SupportRequest,
    utcnow,
)
from hexqi.services import coaching, ledger, sessions
from tests import factories as f
from tests.factories import login
from tests.integration.coach_support import accepted, proposal


def _fresh(model, row_id):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(model, row_id)


def _events(request_id: int) -> list[tuple[str | None, str, int | None]]:
    rows = db.session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == request_id)
                              .order_by(RequestEvent.id))
    return [(e.from_status and e.from_status.value, e.to_status.value, e.actor_id) for e in rows]


def test_empty_dashboard_says_what_to_do_next(client, app):
    coach = f.coach()
    db.session.commit()
    login(client, coach)
    page = client.get("/coach/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "No proposals waiting" in text and "Check my profile" in text
    assert "Nothing to confirm" in text and "No transfers yet" in text
    assert "0 h" in text  # balance and hours given this month


def test_dashboard_shows_a_proposal_with_reasons_and_the_request_summary(client, app):
    scene = proposal()
    login(client, scene.coach)
    text = client.get("/coach/").get_data(as_text=True)
    assert "Covers PDSA at level 2 (needs 1)" in text and "Free on Wednesday afternoons" in text
    assert scene.team.name in text and scene.team.organisation.name in text
    assert scene.request.project.title in text
    assert "PDSA cycles (level 1+)" in text and "6 h" in text
    assert "Wed afternoon, Thu morning" in text and "Online" in text
    assert f"/coach/proposals/{scene.match.id}/accept" in text


def test_unpublished_and_other_peoples_proposals_are_not_shown(client, app):
    scene = proposal()
    hidden = proposal(scene.coach)
    hidden.match.published = False
    db.session.commit()
    login(client, scene.coach)
    text = client.get("/coach/").get_data(as_text=True)
    assert scene.request.project.title in text
    assert text.count("/accept") == 1
    assert client.post(f"/coach/proposals/{hidden.match.id}/accept").status_code == 404


def test_accepting_moves_the_request_to_active_with_an_audit_event(client, app):
    scene = proposal()
    login(client, scene.coach)
    response = client.post(f"/coach/proposals/{scene.match.id}/accept")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coach/matches/{scene.match.id}")
    match = _fresh(Match, scene.match.id)
    assert match.status is MatchStatus.ACCEPTED and match.decided_at is not None
    assert _fresh(SupportRequest, scene.request.id).status is RequestStatus.ACTIVE
    assert _events(scene.request.id)[-1] == ("matched", "active", scene.coach.id)
    told = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_person_id == scene.member.id))
    assert told is not None and scene.coach.name in told.body
    # the match page now works, and a second accept is refused with a message, not an error
    assert client.get(f"/coach/matches/{scene.match.id}").status_code == 200
    again = client.post(f"/coach/proposals/{scene.match.id}/accept", follow_redirects=True)
    assert "already accepted" in again.get_data(as_text=True)


def test_declining_reopens_the_request_and_tells_the_system_leads(client, app):
    scene = proposal()
    login(client, scene.coach)
    response = client.post(f"/coach/proposals/{scene.match.id}/decline",
                           data={"reason": "On leave for a month"}, follow_redirects=True)
    assert response.status_code == 200
    assert "system lead has been told" in response.get_data(as_text=True)
    assert _fresh(Match, scene.match.id).status is MatchStatus.DECLINED
    assert _fresh(SupportRequest, scene.request.id).status is RequestStatus.OPEN
    assert _events(scene.request.id)[-1] == ("matched", "open", scene.coach.id)
    mail = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_person_id == scene.lead.id))
    assert mail is not None and "On leave for a month" in mail.body
    assert client.get(f"/coach/matches/{scene.match.id}").status_code == 404


def test_someone_elses_match_answers_404_and_changes_nothing(client, app):
    scene = proposal()
    intruder = f.coach()
    db.session.commit()
    login(client, intruder)
    for url in (f"/coach/proposals/{scene.match.id}/accept",
                f"/coach/proposals/{scene.match.id}/decline"):
        assert client.post(url).status_code == 404
    assert client.get(f"/coach/matches/{scene.match.id}").status_code == 404
    assert client.get("/coach/matches/999999").status_code == 404
    assert _fresh(Match, scene.match.id).status is MatchStatus.PROPOSED
    assert _fresh(SupportRequest, scene.request.id).status is RequestStatus.MATCHED
    assert _events(scene.request.id) == []


def test_dashboard_shows_balance_hours_this_month_and_history(client, app):
    scene = accepted()
    held = sessions.log_held_session(scene.match.id, scene.coach,
                                     utcnow() - timedelta(hours=2), 90, notes="Driver diagram")
    login(client, scene.coach)
    text = client.get("/coach/").get_data(as_text=True)
    assert "1.5 h" in text  # pending, awaiting confirmation
    profile = coaching.ensure_profile(scene.coach)
    before = coaching.coach_figures(scene.coach, profile)
    assert (before.balance, before.given_this_month, before.pending_minutes) == (0, 0, 90)
    sessions.confirm_session(held.id, scene.member)
    account = ledger.account_for(scene.coach).id
    assert ledger.balance(account) == 90
    after = coaching.coach_figures(scene.coach, profile)
    assert (after.balance, after.given_this_month, after.pending_minutes) == (90, 90, 0)
    next_month = coaching.month_start() + timedelta(days=32)
    assert coaching.coach_figures(scene.coach, profile, now=next_month).given_this_month == 0
    text = client.get("/coach/").get_data(as_text=True)
    assert "Coaching session" in text and "+1.5 h" in text and scene.team.name in text
    assert "No transfers yet" not in text


def test_hours_given_this_month_count_from_uk_midnight(app):
    scene = accepted()
    year = date.today().year - 1
    late = datetime(year, 7, 31, 23, 15)  # stored UTC: 00:15 BST on 1 August
    held = sessions.log_held_session(scene.match.id, scene.coach, late - timedelta(hours=3), 60,
                                     at=late - timedelta(hours=1))
    pending = db.session.scalar(sa.select(PendingTransfer).where(
        PendingTransfer.session_id == held.id))
    ledger.confirm_pending(pending.id, scene.member, at=late)
    db.session.commit()
    profile = coaching.ensure_profile(scene.coach)

    def given(now: datetime) -> int:
        return coaching.coach_figures(scene.coach, profile, now=now).given_this_month

    assert given(datetime(year, 7, 31, 23, 30)) == 60  # 1 August in the UK
    assert given(datetime(year, 8, 15, 12, 0)) == 60   # still August
    assert given(datetime(year, 8, 31, 23, 30)) == 0   # 00:30 BST on 1 September


def test_history_paginates(client, app):
    scene = accepted()
    for day in range(3):
        held = sessions.log_held_session(scene.match.id, scene.coach,
                                         utcnow() - timedelta(days=day + 1), 30)
        sessions.confirm_session(held.id, scene.member)
    app.config["PER_PAGE"] = 2
    login(client, scene.coach)
    first = client.get("/coach/").get_data(as_text=True)
    assert "Showing 1–2 of 3" in first and "page=2" in first
    second = client.get("/coach/?page=2").get_data(as_text=True)
    assert "Showing 3–3 of 3" in second
