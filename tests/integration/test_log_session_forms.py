"""The coach and the team log a held session with the same form (labels, messages, button) and
confirm each other's hours with the same buttons and the same answers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hexqi.main.decide import CONFIRMED, DECLINED
from tests.factories import login
from tests.integration.coach_support import accepted

LABELS = ('<label for="log-day">Date</label>',
          '<label for="log-start">Start time (UK time)</label>',
          '<label for="log-minutes">Minutes</label>')


def _pages(client, scene):  # type: ignore[no-untyped-def]
    login(client, scene.coach)
    coach = client.get(f"/coach/matches/{scene.match.id}").get_data(as_text=True)
    login(client, scene.member)
    team = client.get(f"/team/requests/{scene.request.id}").get_data(as_text=True)
    return coach, team


def test_both_areas_show_the_same_log_session_form(app, client) -> None:
    scene = accepted()
    for page in _pages(client, scene):
        for label in LABELS:
            assert label in page
        assert '<button type="submit" class="button">Log session</button>' in page


def test_both_areas_give_the_same_messages_for_an_empty_form(app, client) -> None:
    scene = accepted()
    login(client, scene.coach)
    coach = client.post(f"/coach/matches/{scene.match.id}/held", data={"minutes": ""})
    login(client, scene.member)
    team = client.post(f"/team/requests/{scene.request.id}/sessions", data={"minutes": ""})
    for answer in (coach, team):
        assert answer.status_code == 400
        page = answer.get_data(as_text=True)
        assert '<a href="#log-day">Date: Enter the date the session was held.</a>' in page
        assert "Start time (UK time): Enter the start time, e.g. 14:00." in page
        assert "Minutes: Enter how long the session was, in minutes." in page
    login(client, scene.member)
    bad_date = client.post(f"/team/requests/{scene.request.id}/sessions", data={
        "day": "31/02", "start": "10:00", "minutes": "60"})
    login(client, scene.coach)
    coach_bad_date = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": "31/02", "start": "10:00", "minutes": "60"})
    for answer in (bad_date, coach_bad_date):
        assert "Enter a date, e.g. 2025-03-31." in answer.get_data(as_text=True)


def test_each_side_confirms_the_others_hours_with_the_same_button_and_answer(
        app, client) -> None:
    scene = accepted()
    day = (date.today() - timedelta(days=2)).isoformat()
    login(client, scene.coach)
    client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day, "start": "10:00", "minutes": "90"})
    login(client, scene.member)
    client.post(f"/team/requests/{scene.request.id}/sessions", data={
        "day": day, "start": "14:00", "minutes": "60"})

    coach_page, team_page = _pages(client, scene)
    button = re.compile(r'<button type="submit" class="button">Confirm ([\d.]+ h)<span')
    assert button.findall(team_page) == ["1.5 h"]  # the coach's 90 minutes
    assert button.findall(coach_page) == ["1 h"]   # the team's 60 minutes
    for page in (coach_page, team_page):
        assert ('class="button button-secondary">Decline<span class="visually-hidden"> '
                "the hours for the session on") in page

    team_session = re.search(r"/team/sessions/(\d+)/confirm", team_page).group(1)
    coach_session = re.search(r"/coach/sessions/(\d+)/decline", coach_page).group(1)
    confirmed = client.post(f"/team/sessions/{team_session}/confirm", follow_redirects=True)
    assert CONFIRMED in confirmed.get_data(as_text=True)
    login(client, scene.coach)
    declined = client.post(f"/coach/sessions/{coach_session}/decline", follow_redirects=True)
    assert DECLINED in declined.get_data(as_text=True)
