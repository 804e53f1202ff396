"""System lead administration: organisations, roles, the credit floor."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Organisation, OrgKind, Person, Role, System
from hexqi.services import admin
from hexqi.services.errors import Forbidden, InvalidInput, NotFound
from tests import factories as f
from tests.factories import login


@pytest.fixture
def lead(app) -> Person:
    person = f.person(f.organisation("Surrey ICB"), Role.SYSTEM_LEAD, name="Lena Lead")
    db.session.commit()
    return person


ORG = {"name": "Hill Hospice", "kind": "hospice", "locality": "East", "active": "y",
       "staff_headcount": "120", "target_learn_pct": "50", "target_live_pct": "20",
       "target_lead_pct": "5"}


def test_add_and_edit_an_organisation(client, lead):
    login(client, lead)
    assert client.get("/system/organisations/new").status_code == 200
    resp = client.post("/system/organisations/new", data=ORG)
    assert resp.status_code == 302
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Hill Hospice"))
    assert org.kind == OrgKind.HOSPICE and org.slug == "hill-hospice"
    assert org.system_id == lead.organisation.system_id and org.active
    assert (org.staff_headcount, org.target_learn_pct, org.target_lead_pct) == (120, 50.0, 5.0)
    page = client.get("/system/organisations").get_data(as_text=True)
    assert "Hill Hospice" in page and "Hospice" in page
    edit = client.get(f"/system/organisations/{org.id}").get_data(as_text=True)
    assert 'value="Hill Hospice"' in edit
    resp = client.post(f"/system/organisations/{org.id}",
                       data={**ORG, "name": "Hill Hospice Trust", "active": ""})
    assert resp.status_code == 302
    db.session.refresh(org)
    assert org.name == "Hill Hospice Trust" and not org.active and org.slug == "hill-hospice"


def test_organisation_validation_keeps_what_was_typed(client, lead):
    login(client, lead)
    resp = client.post("/system/organisations/new",
                       data={**ORG, "target_learn_pct": "80", "target_live_pct": "30"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "add up to more than 100%" in page and 'value="Hill Hospice"' in page
    resp = client.post("/system/organisations/new", data={**ORG, "name": "",
                                                          "staff_headcount": "-3"})
    assert resp.status_code == 422
    assert "Enter the organisation" in resp.get_data(as_text=True)
    client.post("/system/organisations/new", data=ORG)
    resp = client.post("/system/organisations/new", data={**ORG, "name": "hill hospice"})
    assert resp.status_code == 422 and "already exists" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(
        Organisation.name.ilike("hill hospice"))) == 1


def test_another_systems_organisation_is_not_found(client, lead):
    other = f.organisation("Elsewhere Trust", sys=f.system("Other ICS"))
    db.session.commit()
    login(client, lead)
    assert client.get(f"/system/organisations/{other.id}").status_code == 404
    with pytest.raises(NotFound):
        admin.save_organisation(lead.organisation.system_id, lead, other.id, name="X",
                                kind="hospice")


def test_roles_granted_and_revoked(client, lead):
    nurse = f.person(lead.organisation, name="Nina Nurse", email="nina@example.org")
    db.session.commit()
    login(client, lead)
    page = client.get("/system/people?q=nina").get_data(as_text=True)
    assert "Nina Nurse" in page and f"/system/people/{lead.id}/roles" not in page
    assert "Nina Nurse" in client.get("/system/people?q=NINA@EXAMPLE").get_data(as_text=True)
    resp = client.post(f"/system/people/{nurse.id}/roles",
                       data={"role": "coach", "action": "grant", "q": "nina"})
    assert resp.status_code == 302 and "q=nina" in resp.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Person, nurse.id).roles == {Role.COACH}
    resp = client.post(f"/system/people/{nurse.id}/roles",
                       data={"role": "coach", "action": "revoke"}, follow_redirects=True)
    assert "Nina Nurse no longer has the coach role. Any protected time" in \
        resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, nurse.id).roles == set()


def test_cannot_remove_own_system_lead_role(client, lead):
    login(client, lead)
    resp = client.post(f"/system/people/{lead.id}/roles",
                       data={"role": "system_lead", "action": "revoke"},
                       follow_redirects=True)
    assert "cannot remove your own system lead role" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, lead.id).has_role(Role.SYSTEM_LEAD)
    other_lead = f.person(lead.organisation, Role.SYSTEM_LEAD)
    db.session.commit()
    admin.revoke_role(lead.organisation.system_id, lead, other_lead.id, Role.SYSTEM_LEAD)
    assert not other_lead.has_role(Role.SYSTEM_LEAD)


def test_roles_across_systems_and_by_non_leads_are_refused(lead):
    stranger = f.person(f.organisation(sys=f.system("Other ICS")))
    member = f.person(lead.organisation, Role.TEAM_MEMBER)
    db.session.commit()
    sid = lead.organisation.system_id
    with pytest.raises(NotFound):
        admin.grant_role(sid, lead, stranger.id, Role.COACH)
    with pytest.raises(Forbidden):
        admin.grant_role(sid, member, member.id, Role.SYSTEM_LEAD)
    with pytest.raises(InvalidInput):
        admin.grant_role(sid, lead, member.id, "emperor")
    db.session.expire_all()
    assert db.session.get(Person, member.id).roles == {Role.TEAM_MEMBER}


def test_credit_floor(client, lead):
    login(client, lead)
    page = client.get("/system/settings").get_data(as_text=True)
    assert 'value="-20"' in page
    resp = client.post("/system/settings", data={"hours": "5"})
    assert resp.status_code == 422 and "must be 0 or below" in resp.get_data(as_text=True)
    resp = client.post("/system/settings", data={"hours": "lots"})
    assert resp.status_code == 422
    resp = client.post("/system/settings", data={"hours": "-5000"})
    assert resp.status_code == 422 and "cannot be below" in resp.get_data(as_text=True)
    system = db.session.get(System, lead.organisation.system_id)
    db.session.refresh(system)
    assert system.credit_floor_minutes == -20 * 60
    assert client.post("/system/settings", data={"hours": "-35"}).status_code == 302
    db.session.refresh(system)
    assert system.credit_floor_minutes == -35 * 60
    assert client.post("/system/settings", data={"hours": "0"}).status_code == 302
    db.session.refresh(system)
    assert system.credit_floor_minutes == 0
