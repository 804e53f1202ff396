"""One rule for a session's length (services.sessions.MIN_MINUTES..MAX_MINUTES): the service,
the coach's forms and the team's form accept and refuse the same lengths, with one message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import CoachingSession, utcnow
from hexqi.services import sessions
from hexqi.services.errors import InvalidInput
from hexqi.services.sessions import MAX_MINUTES, MIN_MINUTES, MINUTES_MESSAGE
from tests.factories import login
from tests.integration.coach_support import accepted


def _rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CoachingSession))


@pytest.mark.parametrize("minutes", [MIN_MINUTES - 1, MAX_MINUTES + 1])
def test_the_service_refuses_lengths_outside_the_rule(app, minutes: int) -> None:
    scene = accepted()
    with pytest.raises(InvalidInput, match=r"from 15 to 480") as caught:
        sessions.log_held_session(scene.match.id, scene.coach, utcnow(), minutes)
    assert caught.value.field == "minutes" and str(caught.value) == MINUTES_MESSAGE
    assert _rows() == 0


def test_the_service_accepts_both_ends_of_the_rule(app) -> None:
    scene = accepted()
    for minutes in (MIN_MINUTES, MAX_MINUTES):
        held = sessions.log_held_session(scene.match.id, scene.coach, utcnow(), minutes)
        assert held.minutes == minutes


@pytest.mark.parametrize("minutes", ["10", "481"])
def test_coach_and_team_forms_refuse_the_same_lengths_with_the_same_message(
        app, client, minutes: str) -> None:
    scene = accepted()
    day = (date.today() - timedelta(days=2)).isoformat()
    login(client, scene.coach)
    coach = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day, "start": "10:00", "minutes": minutes})
    planned = client.post(f"/coach/matches/{scene.match.id}/sessions", data={
        "day": (date.today() + timedelta(days=2)).isoformat(), "start": "10:00",
        "minutes": minutes, "mode": "virtual"})
    login(client, scene.member)
    team = client.post(f"/team/requests/{scene.request.id}/sessions", data={
        "day": day, "start": "10:00", "minutes": minutes})
    for answer in (coach, planned, team):
        assert answer.status_code == 400
        assert MINUTES_MESSAGE in answer.get_data(as_text=True)
    assert _rows() == 0


def test_coach_and_team_forms_accept_the_shortest_session(app, client) -> None:
    scene = accepted()
    day = (date.today() - timedelta(days=2)).isoformat()
    login(client, scene.coach)
    assert client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day, "start": "10:00", "minutes": str(MIN_MINUTES)}).status_code == 302
    login(client, scene.member)
    assert client.post(f"/team/requests/{scene.request.id}/sessions", data={
        "day": day, "start": "14:00", "minutes": str(MIN_MINUTES)}).status_code == 302
    assert _rows() == 2
