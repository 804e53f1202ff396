"""The coach's profile page: skills and levels, capacity, modes, place, the weekly half-day
grid, dates away and the pause switch; bad input is explained and loses nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import CoachAbsence, CoachProfile, Person, Role
from hexqi.services import coaching
from hexqi.services.errors import InvalidInput
from tests import factories as f
from tests.factories import login

GOOD = {
    "skill_pdsa": "3", "skill_spc": "1", "skill_process_mapping": "",
    "capacity_hours": "8", "max_teams": "2", "virtual": "y", "in_person": "y",
    "base_location": "St Peter's Hospital", "latitude": "51.39", "longitude": "-0.51",
    "travel_km": "25", "slot_mon_am": "y", "slot_wed_pm": "y", "bio": "Ten years of PDSA",
}


def _profile(person: Person) -> CoachProfile:
    db.session.expire_all()
    found = db.session.scalar(sa.select(CoachProfile).where(CoachProfile.person_id == person.id))
    assert found is not None
    return found


@pytest.fixture
def new_coach(app):
    """A person with the coach role and no profile yet."""
    person = f.person(None, Role.COACH)
    db.session.commit()
    return person


def test_first_visit_creates_a_profile_awaiting_approval(client, new_coach):
    login(client, new_coach)
    page = client.get("/coach/profile")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "awaiting approval" in text
    # every skill in the taxonomy is offered, with its plain-language help
    assert "Plan-Do-Study-Act" in text and "Joy in work" in text
    profile = _profile(new_coach)
    assert profile.approved_hours is None and profile.skills == [] and not profile.paused


def test_approved_protected_time_is_shown(client):
    coach = f.coach(capacity=10, approved=6)
    db.session.commit()
    login(client, coach)
    text = client.get("/coach/profile").get_data(as_text=True)
    assert "6 h/month" in text and "(by your organisation)" in text


def test_profile_round_trip_including_the_availability_grid(client, new_coach):
    login(client, new_coach)
    response = client.post("/coach/profile", data=GOOD)
    assert response.status_code == 302
    profile = _profile(new_coach)
    assert {cs.skill.slug: cs.level for cs in profile.skills} == {"pdsa": 3, "spc": 1}
    assert sorted(s.slot for s in profile.slots) == ["mon-am", "wed-pm"]
    assert (profile.capacity_hours, profile.max_teams, profile.virtual, profile.in_person) == (
        8, 2, True, True)
    assert (profile.base_location, profile.latitude, profile.longitude, profile.travel_km) == (
        "St Peter's Hospital", 51.39, -0.51, 25)

    text = client.get("/coach/profile").get_data(as_text=True)
    assert 'id="slot_mon_am" name="slot_mon_am" type="checkbox" value="y"' in text
    assert 'checked id="slot_mon_am"' in text and 'checked id="slot_wed_pm"' in text
    assert 'checked id="slot_tue_am"' not in text
    assert '<option selected value="3">' in text  # pdsa's level comes back selected
    assert '<th scope="row">Wednesday</th>' in text and '<th scope="col">Afternoon</th>' in text

    # Change it: drop SPC, add process mapping, move the half-days, go online only.
    changed = {**GOOD, "skill_spc": "", "skill_process_mapping": "2", "in_person": "",
               "slot_mon_am": "", "slot_fri_am": "y", "latitude": "", "longitude": ""}
    changed = {k: v for k, v in changed.items() if v != ""}
    assert client.post("/coach/profile", data=changed).status_code == 302
    profile = _profile(new_coach)
    assert {cs.skill.slug: cs.level for cs in profile.skills} == {
        "pdsa": 3, "process-mapping": 2}
    assert sorted(s.slot for s in profile.slots) == ["fri-am", "wed-pm"]
    assert (profile.in_person, profile.latitude, profile.longitude) == (False, None, None)


@pytest.mark.parametrize("change, message, kept", [
    ({"skill_pdsa": "4"}, "Choose a level from 1 to 3", 'value="8"'),
    ({"capacity_hours": "-3"}, "Enter hours from 0 to 160 a month.", 'value="-3"'),
    ({"capacity_hours": "lots"}, "Not a valid integer value.", 'value="lots"'),
    ({"max_teams": "0"}, "Enter a number of teams from 1 to 20.", 'value="0"'),
    ({"latitude": "123"}, "Latitude is between -90 and 90.", 'value="123"'),
    ({"longitude": ""}, "Enter both latitude and longitude, or neither.", 'value="51.39"'),
    ({"virtual": "", "in_person": ""}, "Choose online, in person, or both.", 'value="8"'),
    ({"skill_pdsa": "", "skill_spc": ""}, "Choose at least one skill you can coach.",
     'value="8"'),
])
def test_bad_profile_input_is_explained_keeps_what_was_typed_and_saves_nothing(
        client, new_coach, change, message, kept):
    login(client, new_coach)
    before = client.post("/coach/profile", data={**GOOD, "capacity_hours": "5"})
    assert before.status_code == 302
    data = {k: v for k, v in {**GOOD, "capacity_hours": "8", **change}.items() if v != ""}
    page = client.post("/coach/profile", data=data)
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "There is a problem" in text and message in text
    assert kept in text  # what was typed comes back
    assert 'value="St Peter&#39;s Hospital"' in text or "St Peter&#39;s Hospital" in text
    profile = _profile(new_coach)
    assert profile.capacity_hours == 5  # nothing from the bad post was saved
    assert {cs.skill.slug: cs.level for cs in profile.skills} == {"pdsa": 3, "spc": 1}


def test_the_service_checks_levels_again(app, new_coach):
    data = coaching.ProfileInput(skills={"pdsa": 4}, capacity_hours=2, max_teams=1,
                                 virtual=True, in_person=False)
    with pytest.raises(InvalidInput) as err:
        coaching.update_profile(new_coach, data)
    assert err.value.field == "skill_pdsa"
    with pytest.raises(InvalidInput) as err:
        coaching.update_profile(new_coach, coaching.ProfileInput(
            skills={"pdsa": 2}, capacity_hours=-1, max_teams=1, virtual=True, in_person=False))
    assert err.value.field == "capacity_hours"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoachProfile)) == 0


def test_dates_away_are_added_and_removed(client, new_coach):
    login(client, new_coach)
    start = date.today() + timedelta(days=7)
    response = client.post("/coach/profile/away", data={
        "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=4)).isoformat()})
    assert response.status_code == 302
    absence = db.session.scalar(sa.select(CoachAbsence))
    assert absence is not None and (absence.ends_on - absence.starts_on).days == 4
    assert start.strftime("%d %b %Y") in client.get("/coach/profile").get_data(as_text=True)

    other = f.coach()
    db.session.commit()
    login(client, other)  # someone else's dates away are not theirs to remove
    assert client.post(f"/coach/profile/away/{absence.id}/remove").status_code == 404
    login(client, new_coach)
    assert client.post(f"/coach/profile/away/{absence.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoachAbsence)) == 0


def test_dates_away_ending_before_they_start_are_refused_keeping_the_dates(client, new_coach):
    login(client, new_coach)
    start = date.today() + timedelta(days=10)
    page = client.post("/coach/profile/away", data={
        "starts_on": start.isoformat(), "ends_on": (start - timedelta(days=2)).isoformat()})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "The last day away must be on or after the first day." in text
    assert f'value="{start.isoformat()}"' in text
    assert f'value="{(start - timedelta(days=2)).isoformat()}"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoachAbsence)) == 0


def test_pause_and_resume(client, new_coach):
    login(client, new_coach)
    assert client.post("/coach/profile/pause", data={"paused": "1"}).status_code == 302
    assert _profile(new_coach).paused is True
    text = client.get("/coach/").get_data(as_text=True)
    assert "You are paused" in text
    assert client.post("/coach/profile/pause", data={"paused": "0"}).status_code == 302
    assert _profile(new_coach).paused is False


def test_people_without_the_coach_role_are_refused(client, app):
    member = f.person(None, Role.TEAM_MEMBER)
    db.session.commit()
    login(client, member)
    assert client.get("/coach/profile").status_code == 403
    assert client.get("/coach/").status_code == 403
    client.get("/auth/logout")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get("/coach/profile").status_code in (302, 401)
