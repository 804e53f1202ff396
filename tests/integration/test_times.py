"""One clock for every page: a time typed in UK time is stored as UTC and shown as UK time by
both the coach's and the team's pages (the display zone is config DISPLAY_TIMEZONE)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from hexqi import create_app
from hexqi.extensions import db
from hexqi.models import CoachingSession, OutboxMessage
from tests.factories import login
from tests.integration.coach_support import accepted


def _last_july_15th() -> date:
    return date(date.today().year - 1, 7, 15)  # always in the past, always BST


def test_a_session_logged_at_2pm_uk_time_in_july_shows_as_2pm_on_coach_and_team_pages(
        app, client) -> None:
    scene = accepted()
    day = _last_july_15th()
    login(client, scene.coach)
    response = client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day.isoformat(), "start": "14:00", "minutes": "60", "notes": ""})
    assert response.status_code == 302

    session = db.session.scalar(sa.select(CoachingSession))
    assert session.starts_at == datetime(day.year, 7, 15, 13, 0)  # stored as UTC

    shown = f"{day:%a} 15 Jul {day.year}, 14:00"
    coach_page = client.get(f"/coach/matches/{scene.match.id}").get_data(as_text=True)
    assert shown in coach_page and "13:00" not in coach_page

    login(client, scene.member)
    team_page = client.get(f"/team/requests/{scene.request.id}").get_data(as_text=True)
    assert shown in team_page and "13:00" not in team_page
    dashboard = client.get(f"/team/?team={scene.team.id}").get_data(as_text=True)
    assert shown in dashboard


def test_a_session_the_team_logs_at_2pm_uk_time_is_stored_as_utc(app, client) -> None:
    scene = accepted()
    day = _last_july_15th()
    login(client, scene.member)
    response = client.post(f"/team/requests/{scene.request.id}/sessions", data={
        "day": day.isoformat(), "start": "14:00", "minutes": "60", "notes": ""})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(CoachingSession))
    assert session.starts_at == datetime(day.year, 7, 15, 13, 0)
    login(client, scene.coach)
    coach_page = client.get(f"/coach/matches/{scene.match.id}").get_data(as_text=True)
    assert f"15 Jul {day.year}, 14:00" in coach_page


def test_the_session_email_names_the_uk_day_of_a_session_just_after_midnight(app, client):
    scene = accepted()
    day = _last_july_15th()
    login(client, scene.coach)
    client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day.isoformat(), "start": "00:30", "minutes": "60", "notes": ""})
    session = db.session.scalar(sa.select(CoachingSession))
    assert session.starts_at == datetime(day.year, 7, 14, 23, 30)  # the UTC day before
    mail = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.to_person_id == scene.member.id))
    assert f"on 15 Jul {day.year}" in mail.body


def test_the_display_zone_comes_from_config(app, client) -> None:
    app.config["DISPLAY_TIMEZONE"] = "UTC"
    scene = accepted()
    day = _last_july_15th()
    login(client, scene.coach)
    client.post(f"/coach/matches/{scene.match.id}/held", data={
        "day": day.isoformat(), "start": "14:00", "minutes": "60", "notes": ""})
    session = db.session.scalar(sa.select(CoachingSession))
    assert session.starts_at == datetime(day.year, 7, 15, 14, 0)
    login(client, scene.member)
    team_page = client.get(f"/team/requests/{scene.request.id}").get_data(as_text=True)
    assert f"15 Jul {day.year}, 14:00" in team_page


def test_an_unknown_display_zone_stops_the_app_at_start_up(database_url) -> None:
    with pytest.raises(RuntimeError, match="Mars/Olympus"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "DISPLAY_TIMEZONE": "Mars/Olympus"})


def test_system_pages_and_the_outbox_show_times_in_the_one_house_format(app, client) -> None:
    from hexqi.models import MatchingRound, Role, RoundStatus
    from tests import factories as f

    year = date.today().year - 1
    icb = f.organisation("Surrey ICB")
    lead = f.person(icb, Role.SYSTEM_LEAD, name="Lena Lead")
    started, published = datetime(year, 7, 15, 13, 5), datetime(year, 7, 16, 8, 45)  # UTC
    rnd = MatchingRound(system_id=icb.system_id, created_by_id=lead.id, created_at=started,
                        published_at=published, status=RoundStatus.PUBLISHED)
    db.session.add_all([rnd, OutboxMessage(to_person_id=lead.id, to_email=lead.email,
                                           subject="A note", body="Hello", created_at=started)])
    db.session.commit()
    login(client, lead)

    shown_started = f"{datetime(year, 7, 15):%a} 15 Jul {year}, 14:05"  # BST, |datetime default
    shown_published = f"{datetime(year, 7, 16):%a} 16 Jul {year}, 09:45"
    dashboard = client.get("/system/").get_data(as_text=True)
    assert shown_started in dashboard
    round_page = client.get(f"/system/rounds/{rnd.id}").get_data(as_text=True)
    assert shown_started in round_page and shown_published in round_page
    outbox = client.get("/outbox").get_data(as_text=True)
    assert shown_started in outbox
