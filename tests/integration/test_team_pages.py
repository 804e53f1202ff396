"""The team journey through the test client: dashboard, new request form, request page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    MatchStatus,
    PendingStatus,
    PendingTransfer,
    Project,
    RequestEvent,
    RequestStatus,
    Role,
    SupportRequest,
    Transfer,
    utcnow,
)
from hexqi.services import ledger, sessions
from hexqi.services import requests as svc
from tests import factories as f
from tests.factories import login
from tests.queries import page_queries

S = RequestStatus


def rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def member(app):
    person = f.person(None, Role.TEAM_MEMBER, name="Asha Member")
    f.team(person.organisation, [person], name="Ward 7")
    db.session.commit()
    return person


def team_of(person):
    return svc.teams_of(person)[0]


def accepted_match(req):
    coach = f.coach(skills={"pdsa": 3}, name="Cora Coach")
    match = Match(request=req, coach=coach, status=MatchStatus.ACCEPTED, published=True,
                  reasons=["Teaches PDSA (level 3)", "Free on Wednesday afternoons"])
    db.session.add(match)
    db.session.commit()
    svc.set_status(req, S.MATCHED, None)
    svc.set_status(req, S.ACTIVE, coach)
    return match, coach


# --- dashboard -----------------------------------------------------------------------------

def test_dashboard_empty_state_points_at_the_request_form(client, member):
    login(client, member)
    page = client.get("/team/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No requests yet — ask for support" in html
    assert f'href="/team/requests/new?team={team_of(member).id}"' in html


def test_dashboard_lists_requests_with_status_in_words_and_paginates(app, client, member):
    app.config["PER_PAGE"] = 2
    tm = team_of(member)
    for n in range(3):
        f.support_request(tm, member, title=f"Project {n}")
    db.session.commit()
    login(client, member)
    first = client.get(f"/team/?team={tm.id}").get_data(as_text=True)
    assert "Showing 1–2 of 3" in first and 'badge-open">Open<' in first
    second = client.get(f"/team/?team={tm.id}&page=2").get_data(as_text=True)
    titles = set(re.findall(r"Project \d", first)) | set(re.findall(r"Project \d", second))
    assert titles == {"Project 0", "Project 1", "Project 2"}


def test_team_switcher_shows_each_team_of_a_person_in_several(client, member):
    second = f.team(member.organisation, [member], name="Outpatients")
    f.support_request(second, member, title="Clinic letters")
    db.session.commit()
    login(client, member)
    html = client.get(f"/team/?team={second.id}").get_data(as_text=True)
    assert 'name="team"' in html and "Ward 7" in html and "Clinic letters" in html


def test_people_outside_the_team_get_404_but_its_admin_and_system_lead_see_it(client, member):
    tm = team_of(member)
    req = f.support_request(tm, member)
    other_org_member = f.person(None, Role.TEAM_MEMBER)
    f.team(other_org_member.organisation, [other_org_member])
    admin = f.person(tm.organisation, Role.ORG_ADMIN)
    lead = f.person(None, Role.SYSTEM_LEAD)
    other_lead = f.person(f.organisation(sys=f.system("Elsewhere ICS")), Role.SYSTEM_LEAD)
    db.session.commit()
    for outsider in (other_org_member, other_lead):
        login(client, outsider)
        assert client.get(f"/team/?team={tm.id}").status_code == 404
        assert client.get(f"/team/requests/{req.id}").status_code == 404
        assert client.post(f"/team/requests/{req.id}/withdraw",
                           data={"reason": "x"}).status_code == 404
    assert db.session.get(SupportRequest, req.id).status is S.OPEN
    for insider in (admin, lead):
        login(client, insider)
        assert client.get(f"/team/?team={tm.id}").status_code == 200
        page = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
        assert "Reduce waits" in page and "Withdraw the request" not in page


def test_unknown_request_is_404(client, member):
    login(client, member)
    assert client.get("/team/requests/999999").status_code == 404


# --- the new request form ------------------------------------------------------------------

FORM = {"project_title": "Faster discharge", "aim": "Home by noon for 80% of patients",
        "stage": "diagnosis", "skills": ["process-mapping", "spc"],
        "level_process_mapping": "2", "level_spc": "3", "hours": "8",
        "slots": ["tue-am", "thu-pm"], "mode": "either", "location": "",
        "latitude": "", "longitude": "", "priority": "3"}


def test_form_shows_each_method_with_its_plain_language_help(client, member):
    login(client, member)
    html = client.get("/team/requests/new").get_data(as_text=True)
    assert "Drawing the steps of a process as it really happens" in html
    assert html.count('name="skills"') == 16
    assert html.count('name="slots"') == 10
    assert "some experience" in html and "expert, teaches it" in html
    assert "Urgent: patient safety or a deadline" in html and "When a coach is free" in html


def test_filing_a_request_through_the_form(client, member):
    tm = team_of(member)
    login(client, member)
    answer = client.post("/team/requests/new", data={**FORM, "team_id": str(tm.id)})
    assert answer.status_code == 302
    req = db.session.scalar(sa.select(SupportRequest))
    assert answer.headers["Location"].endswith(f"/team/requests/{req.id}")
    assert (req.team_id, req.hours, req.priority, req.mode.value) == (tm.id, 8, 3, "either")
    assert {(s.skill.slug, s.min_level) for s in req.skills} == {("process-mapping", 2),
                                                                  ("spc", 3)}
    assert sorted(s.slot for s in req.slots) == ["thu-pm", "tue-am"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Faster discharge" in page and "Request filed" in page and "Asha Member" in page


@pytest.mark.parametrize("change, message", [
    ({"skills": []}, "Choose at least one method."),
    ({"mode": "in_person", "location": "  "}, "In person needs a location."),
    ({"slots": []}, "Pick at least one half-day."),
    ({"hours": "41"}, "Choose between 1 and 40 hours."),
    ({"hours": "lots"}, "Enter a whole number, e.g. 6."),
    ({"project_title": ""}, "Give your project a short title."),
    ({"latitude": "51.4"}, "Give both latitude and longitude, or neither."),
    ({"stage": ""}, "Choose where your project is."),
    ({"stage": "finished"}, "Choose where your project is."),
    ({"priority": "9"}, "Choose how urgent this is."),
])
def test_each_form_error_is_specific_keeps_what_was_typed_and_writes_nothing(
        client, member, change, message):
    login(client, member)
    tm = team_of(member)
    data = {**FORM, "team_id": str(tm.id), **change}
    answer = client.post("/team/requests/new", data=data)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    if data["project_title"]:
        assert 'value="Faster discharge"' in html
    assert "Home by noon for 80% of patients</textarea>" in html
    for slot in data["slots"]:
        assert re.search(rf'value="{slot}" id="slots-{slot}" checked', html)
    for slug in data["skills"]:
        assert re.search(rf'checked[^>]*value="{slug}"|value="{slug}"[^>]*checked', html)
    if data["skills"]:
        assert re.search(r'<option selected value="3">|<option value="3" selected', html)
    if data["hours"] == "lots":
        assert 'value="lots"' in html
    assert (rows(SupportRequest), rows(Project), rows(RequestEvent)) == (0, 0, 0)


def test_a_new_request_can_continue_one_of_the_teams_projects(client, member):
    tm = team_of(member)
    login(client, member)
    first = client.post("/team/requests/new", data={**FORM, "team_id": str(tm.id)})
    req = db.session.scalar(sa.select(SupportRequest))
    # the request page offers more support for the same project, preselected on the form
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert f"/team/requests/new?project={req.project_id}" in page
    form = client.get(f"/team/requests/new?project={req.project_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{req.project_id}">Faster discharge</option>|'
                     rf'<option value="{req.project_id}" selected>Faster discharge</option>',
                     form)
    again = client.post("/team/requests/new", data={
        **FORM, "team_id": str(tm.id), "project_id": str(req.project_id),
        "project_title": "", "aim": "", "stage": "", "hours": "2"})
    assert again.status_code == 302
    assert rows(Project) == 1 and rows(SupportRequest) == 2
    second = db.session.scalar(sa.select(SupportRequest).where(SupportRequest.id != req.id))
    assert second.project_id == req.project_id and second.hours == 2


def test_another_teams_project_is_refused_and_nothing_is_written(client, member):
    other_member = f.person(None, Role.TEAM_MEMBER, name="Olu Other")
    other_team = f.team(other_member.organisation, [other_member], name="Other ward")
    foreign = Project(team=other_team, title="Their project", aim="Theirs")
    db.session.add(foreign)
    db.session.commit()
    login(client, member)
    answer = client.post("/team/requests/new", data={
        **FORM, "team_id": str(team_of(member).id), "project_id": str(foreign.id)})
    assert answer.status_code == 400
    assert "Choose one of this team&#39;s projects" in answer.get_data(as_text=True)
    assert (rows(SupportRequest), rows(Project)) == (0, 1)


def test_a_team_member_cannot_file_for_someone_elses_team(client, member):
    other = f.person(None, Role.TEAM_MEMBER)
    theirs = f.team(other.organisation, [other])
    db.session.commit()
    login(client, member)
    answer = client.post("/team/requests/new", data={**FORM, "team_id": str(theirs.id)})
    assert answer.status_code == 400
    assert "Choose one of your teams." in answer.get_data(as_text=True)
    assert rows(SupportRequest) == 0


# --- the request page ----------------------------------------------------------------------

def test_request_page_shows_the_coach_why_and_the_audit_trail(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    accepted_match(req)
    login(client, member)
    html = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
    assert "Cora Coach" in html and "Teaches PDSA (level 3)" in html
    assert "Open → Matched" in html and "Matched → Active by Cora Coach" in html
    assert 'badge-active">Active<' in html


def test_confirming_a_session_the_coach_logged_posts_the_hours(client, member):
    tm = team_of(member)
    req = f.support_request(tm, member)
    db.session.commit()
    match, coach = accepted_match(req)
    held = sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=2), 90)
    login(client, member)
    dashboard = client.get(f"/team/?team={tm.id}").get_data(as_text=True)
    assert "Sessions to confirm" in dashboard and "Confirm 1.5 h" in dashboard
    assert "Waiting to be confirmed" in dashboard
    answer = client.post(f"/team/sessions/{held.id}/confirm",
                         data={"next": f"/team/?team={tm.id}"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/team/?team={tm.id}"
    transfer = db.session.scalar(sa.select(Transfer))
    team_account = ledger.account_for(tm)
    assert (transfer.debit_account_id, transfer.minutes) == (team_account.id, 90)
    assert ledger.balance(team_account.id) == -90
    after = client.get(f"/team/?team={tm.id}").get_data(as_text=True)
    assert "Nothing to confirm" in after and "Coaching received" in after
    assert re.search(r"Coaching received</dt><dd[^>]*>1.5 h", after)
    # Confirming again changes nothing.
    client.post(f"/team/sessions/{held.id}/confirm")
    assert rows(Transfer) == 1


def test_declining_a_logged_session_moves_no_hours(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    match, coach = accepted_match(req)
    held = sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=1), 60)
    login(client, member)
    client.post(f"/team/sessions/{held.id}/decline")
    pending = db.session.scalar(sa.select(PendingTransfer))
    assert pending.status is PendingStatus.DECLINED and rows(Transfer) == 0


def test_outsiders_cannot_confirm_a_session(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    match, coach = accepted_match(req)
    held = sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=1), 60)
    outsider = f.person(None, Role.TEAM_MEMBER)
    db.session.commit()
    login(client, outsider)
    assert client.post(f"/team/sessions/{held.id}/confirm").status_code == 404
    assert rows(Transfer) == 0


def test_team_logs_a_session_it_held_for_the_coach_to_confirm(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    accepted_match(req)
    login(client, member)
    held_on = (date.today() - timedelta(days=3)).isoformat()
    bad = client.post(f"/team/requests/{req.id}/sessions",
                      data={"day": held_on, "start": "10:00", "minutes": "5000",
                            "notes": "Driver diagram"})
    assert bad.status_code == 400 and "Enter minutes from 15 to 480 (8 hours)." in bad.get_data(
        as_text=True)
    assert 'value="5000"' in bad.get_data(as_text=True) and rows(CoachingSession) == 0
    answer = client.post(f"/team/requests/{req.id}/sessions",
                         data={"day": held_on, "start": "10:00", "minutes": "60",
                               "notes": "Driver diagram"})
    assert answer.status_code == 302
    pending = db.session.scalar(sa.select(PendingTransfer))
    assert (pending.minutes, pending.logged_by_id, pending.status) == (
        60, member.id, PendingStatus.PENDING)
    page = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
    assert "Driver diagram" in page and "Did this session happen" not in page


def test_feedback_once_per_held_session(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    match, coach = accepted_match(req)
    held = sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=1), 60)
    login(client, member)
    prefix = f"s{held.id}-"
    missing = client.post(f"/team/sessions/{held.id}/feedback",
                          data={prefix + "comment": "Kept this"})
    assert missing.status_code == 400
    assert "Choose a rating from 1 to 5." in missing.get_data(as_text=True)
    assert "Kept this</textarea>" in missing.get_data(as_text=True)
    ok = client.post(f"/team/sessions/{held.id}/feedback",
                     data={prefix + "rating": "5", prefix + "comment": "Very clear"})
    assert ok.status_code == 302
    again = client.post(f"/team/sessions/{held.id}/feedback",
                        data={prefix + "rating": "1", prefix + "comment": "Changed mind"})
    assert again.status_code == 303
    assert "already been given" in client.get(again.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(CoachingSession, held.id)
    assert (row.feedback_rating, row.feedback_comment) == (5, "Very clear")
    page = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
    assert "Your feedback: 5 out of 5" in page and "Give feedback on this session" not in page


def test_withdrawing_a_request_through_the_page(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    login(client, member)
    empty = client.post(f"/team/requests/{req.id}/withdraw", data={"reason": ""})
    assert empty.status_code == 400
    assert "Say briefly why you are withdrawing." in empty.get_data(as_text=True)
    assert db.session.get(SupportRequest, req.id).status is S.OPEN
    done = client.post(f"/team/requests/{req.id}/withdraw",
                       data={"reason": "Ward merged"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupportRequest, req.id).status is S.WITHDRAWN
    page = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
    assert "Open → Withdrawn by Asha Member — Ward merged" in page
    assert "Withdraw the request" not in page
    again = client.post(f"/team/requests/{req.id}/withdraw", data={"reason": "Again"})
    assert again.status_code == 303
    assert "cannot be withdrawn" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert rows(RequestEvent) == 1  # the factory writes no filing event; one withdrawal


def test_outcome_measure_through_the_page(client, member):
    req = f.support_request(team_of(member), member)
    db.session.commit()
    login(client, member)
    future = (date.today() + timedelta(days=5)).isoformat()
    bad = client.post(f"/team/requests/{req.id}/outcome",
                      data={"name": "Discharges before noon", "unit": "%", "baseline": "18",
                            "latest": "35", "measured_on": future})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "The date cannot be in the future." in html
    assert 'value="Discharges before noon"' in html and 'value="35"' in html
    assert db.session.get(Project, req.project_id).measure_name is None
    ok = client.post(f"/team/requests/{req.id}/outcome",
                     data={"name": "Discharges before noon", "unit": "%", "baseline": "18",
                           "latest": "35", "measured_on": "2025-02-28"})
    assert ok.status_code == 302
    page = client.get(f"/team/requests/{req.id}").get_data(as_text=True)
    assert "baseline 18 %" in page and "latest 35 %" in page and "change +17 %" in page
    client.post(f"/team/requests/{req.id}/outcome",
                data={"name": "Discharges before noon", "unit": "%", "baseline": "18",
                      "latest": "41.5", "measured_on": "2025-03-31"})
    db.session.expire_all()
    project = db.session.get(Project, req.project_id)
    assert (project.measure_latest, project.measured_on) == (41.5, date(2025, 3, 31))


def test_dashboard_and_request_page_queries_do_not_grow_with_the_rows(client, member):
    tm = team_of(member)
    first = f.support_request(tm, member, skills={"pdsa": 1, "spc": 2})
    db.session.commit()
    match, coach = accepted_match(first)
    sessions.log_held_session(match.id, coach, utcnow() - timedelta(days=3), 60)
    team_id, request_id, match_id, coach_id, member_id = (tm.id, first.id, match.id,
                                                          coach.id, member.id)
    login(client, member)
    pages = (f"/team/?team={team_id}", f"/team/requests/{request_id}")
    few = [page_queries(client, url) for url in pages]
    tm, coach, member = (db.session.get(type(tm), team_id), db.session.get(type(coach), coach_id),
                         db.session.get(type(member), member_id))
    for n in range(12):
        f.support_request(tm, member, skills={"pdsa": 1, "lean": 2}, title=f"More {n}")
        sessions.log_held_session(match_id, coach, utcnow() - timedelta(days=4, hours=n), 30)
    db.session.commit()
    many = [page_queries(client, url) for url in pages]
    assert many == few
