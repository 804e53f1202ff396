"""Training events: create, record attendance, claim the hours once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Role, TrainingAttendance, TrainingEvent, Transfer, TransferKind, utcnow
from hexqi.services import ledger, training
from hexqi.services.errors import Conflict, InvalidInput, NotFound
from tests import factories as f
from tests.factories import login


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def coach(app):
    person = f.coach()
    db.session.commit()
    return person


def test_create_event_on_the_page_hosted_by_the_coachs_organisation(client, coach):
    login(client, coach)
    page = client.get("/coach/training").get_data(as_text=True)
    assert "You have not run a training event yet" in page
    spc = f.skill("spc")
    response = client.post("/coach/training", data={
        "title": "SPC for ward managers", "skill_id": str(spc.id),
        "host_organisation_id": str(coach.organisation_id),
        "day": (date.today() - timedelta(days=1)).isoformat(), "start": "10:00",
        "minutes": "120"})
    assert response.status_code == 302
    event = db.session.scalar(sa.select(TrainingEvent))
    assert (event.title, event.skill_id, event.host_organisation_id, event.minutes) == (
        "SPC for ward managers", spc.id, coach.organisation_id, 120)
    assert response.headers["Location"].endswith(f"/coach/training/{event.id}")
    listing = client.get("/coach/training").get_data(as_text=True)
    assert "SPC for ward managers" in listing and "Not claimed" in listing


def test_bad_event_input_keeps_what_was_typed(client, coach):
    login(client, coach)
    page = client.post("/coach/training", data={
        "title": "Lean basics", "skill_id": "", "host_organisation_id": str(coach.organisation_id),
        "day": "2025-02-03", "start": "09:00", "minutes": "0"})
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Enter minutes from 1 to 480" in text and 'value="Lean basics"' in text
    assert _count(TrainingEvent) == 0
    with pytest.raises(InvalidInput) as err:
        training.create_event(coach, "X", utcnow(), 60, host_organisation_id=999999)
    assert err.value.field == "host_organisation_id"


def test_attendance_then_claim_hours_once(client, coach):
    colleague = f.person(coach.organisation, Role.TEAM_MEMBER, name="Asha Colleague")
    elsewhere = f.person(None, Role.TEAM_MEMBER, email="pat@elsewhere.nhs.uk")
    event = training.create_event(coach, "PDSA in practice", utcnow() - timedelta(days=2), 90,
                                  skill_id=f.skill("pdsa").id)
    login(client, coach)
    page = client.get(f"/coach/training/{event.id}").get_data(as_text=True)
    assert "Asha Colleague" in page  # the coach's organisation is listed by default
    # claiming before anyone attended is refused with a message
    refused = client.post(f"/coach/training/{event.id}/claim", follow_redirects=True)
    assert "Record who attended" in refused.get_data(as_text=True)
    assert client.post(f"/coach/training/{event.id}/attendees",
                       data={"person_id": [str(colleague.id)]}).status_code == 302
    assert client.post(f"/coach/training/{event.id}/attendees/email",
                       data={"email": "PAT@elsewhere.nhs.uk"}).status_code == 302
    attended = set(db.session.scalars(sa.select(TrainingAttendance.person_id)))
    assert attended == {colleague.id, elsewhere.id}

    first = client.post(f"/coach/training/{event.id}/claim", follow_redirects=True)
    assert "90 minutes added to your balance" in first.get_data(as_text=True)
    coach_account = ledger.account_for(coach).id
    host_account = ledger.account_for(coach.organisation).id
    assert ledger.balance(coach_account) == 90 and ledger.balance(host_account) == -90
    transfer = db.session.scalar(sa.select(Transfer))
    assert (transfer.kind, transfer.training_event_id) == (TransferKind.TRAINING, event.id)

    second = client.post(f"/coach/training/{event.id}/claim", follow_redirects=True)
    assert "already claimed" in second.get_data(as_text=True)
    with pytest.raises(Conflict):
        training.claim_hours(event.id, coach)
    assert _count(Transfer) == 1 and ledger.balance(coach_account) == 90


def test_unknown_email_and_someone_elses_event(client, coach):
    event = training.create_event(coach, "Process mapping", utcnow() - timedelta(days=1), 60)
    login(client, coach)
    page = client.post(f"/coach/training/{event.id}/attendees/email",
                       data={"email": "nobody@example.org"})
    assert page.status_code == 400
    assert "Nobody in the partnership has that email address" in page.get_data(as_text=True)
    other = f.coach()
    db.session.commit()
    login(client, other)
    assert client.get(f"/coach/training/{event.id}").status_code == 404
    assert client.post(f"/coach/training/{event.id}/claim").status_code == 404
    with pytest.raises(NotFound):
        training.claim_hours(event.id, other)
    assert _count(Transfer) == 0


def test_no_claim_before_the_event(coach):
    event = training.create_event(coach, "Future", utcnow() + timedelta(days=5), 60)
    someone = f.person(coach.organisation, Role.TEAM_MEMBER)
    training.add_attendees(event.id, coach, [someone.id])
    with pytest.raises(Conflict):
        training.claim_hours(event.id, coach)
    assert _count(Transfer) == 0


def test_search_people_by_name_or_email_and_remove(client, coach):
    far = f.person(None, Role.TEAM_MEMBER, name="Zed Faraway", email="zed@far.nhs.uk")
    event = training.create_event(coach, "Measurement", utcnow() - timedelta(days=1), 60)
    login(client, coach)
    default = client.get(f"/coach/training/{event.id}").get_data(as_text=True)
    assert "Zed Faraway" not in default
    found = client.get(f"/coach/training/{event.id}?q=far.nhs").get_data(as_text=True)
    assert "Zed Faraway" in found
    client.post(f"/coach/training/{event.id}/attendees", data={"person_id": [str(far.id)]})
    assert _count(TrainingAttendance) == 1
    assert client.post(
        f"/coach/training/{event.id}/attendees/{far.id}/remove").status_code == 302
    assert _count(TrainingAttendance) == 0
