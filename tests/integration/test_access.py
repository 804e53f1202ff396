"""Who may see what: roles decide pages (403), organisations decide data (404 either way)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_login import current_user

from hexqi.access import (
    organisation_filter,
    require_organisation,
    role_required,
    visible_organisation_ids,
)
from hexqi.extensions import db
from hexqi.models import Organisation, Role
from tests import factories as f


def login(client, person):
    response = client.post("/auth/login", data={"email": person.email, "password": f.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def guarded(app):
    """Two small routes guarded the way every area guards its pages."""

    @app.get("/_test/leads-only")
    @role_required(Role.SYSTEM_LEAD)
    def leads_only():
        return "system lead page"

    @app.get("/_test/org/<int:org_id>")
    @role_required(Role.TEAM_MEMBER, Role.SYSTEM_LEAD, Role.COACH)
    def org_private(org_id):
        require_organisation(current_user, org_id)
        return f"private data of {org_id}"

    return app


@pytest.fixture
def world(app):
    """Two partner organisations in one system and one organisation in another system."""
    home, partner = f.organisation("Home Trust"), f.organisation("Partner Trust")
    elsewhere = f.organisation("Elsewhere Trust", sys=f.system("Other ICS"))
    people = {
        "member": f.person(home, Role.TEAM_MEMBER, email="member@example.org"),
        "coach": f.person(partner, Role.COACH, email="coach@example.org"),
        "lead": f.person(partner, Role.SYSTEM_LEAD, email="lead@example.org"),
        "admin": f.person(home, Role.ORG_ADMIN, email="admin@example.org"),
    }
    db.session.commit()
    return {"home": home, "partner": partner, "elsewhere": elsewhere, **people}


def test_role_required_sends_strangers_to_log_in(guarded, client):
    response = client.get("/_test/leads-only")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("who", ["member", "coach", "admin"])
def test_role_required_answers_403_with_the_friendly_page(guarded, client, world, who):
    login(client, world[who])
    response = client.get("/_test/leads-only")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "You can&#39;t do that" in page or "You can't do that" in page
    assert "system lead page" not in page
    assert 'href="/"' in page


def test_role_required_lets_the_role_in(guarded, client, world):
    login(client, world["lead"])
    response = client.get("/_test/leads-only")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "system lead page"


def test_own_organisation_is_visible_and_others_answer_the_same_404_as_unknown(
        guarded, client, world):
    login(client, world["member"])
    client.get("/")  # show (and so clear) the "logged in" message
    assert client.get(f"/_test/org/{world['home'].id}").status_code == 200
    forbidden = client.get(f"/_test/org/{world['partner'].id}")
    unknown = client.get("/_test/org/987654")
    assert forbidden.status_code == unknown.status_code == 404

    def main_of(response):
        return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)

    # Nothing in the page says whether the organisation exists.
    assert main_of(forbidden) == main_of(unknown)


def test_system_lead_sees_every_partner_in_their_system_only(guarded, client, world):
    login(client, world["lead"])
    assert client.get(f"/_test/org/{world['home'].id}").status_code == 200
    assert client.get(f"/_test/org/{world['partner'].id}").status_code == 200
    assert client.get(f"/_test/org/{world['elsewhere'].id}").status_code == 404


def test_visible_organisations_and_the_sql_filter_agree(app, world):
    assert visible_organisation_ids(world["member"]) == {world["home"].id}
    assert visible_organisation_ids(world["lead"]) is None

    def visible(person):
        return set(db.session.scalars(sa.select(Organisation.name).where(
            organisation_filter(person, Organisation.id))))

    assert visible(world["member"]) == {"Home Trust"}
    assert visible(world["coach"]) == {"Partner Trust"}
    assert visible(world["lead"]) == {"Home Trust", "Partner Trust"}


def test_a_domain_not_found_raised_by_a_view_is_a_404(app, client, world):
    from hexqi.services.errors import NotFound

    @app.get("/_test/missing")
    def missing():
        raise NotFound("Request 12 belongs to Partner Trust")  # words that must not leak

    response = client.get("/_test/missing")
    assert response.status_code == 404
    assert "Partner Trust" not in response.get_data(as_text=True)


# --- navigation by role ----------------------------------------------------------------

AREA_LINKS = {
    "My coaching": "/coach/", "My team": "/team/", "Matching": "/system/",
    "Reports": "/reports/", "My organisation": "/org/",
}


def nav_of(client):
    page = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
    return dict(re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav))


@pytest.mark.parametrize(("who", "expected"), [
    ("member", {"My team"}),
    ("coach", {"My coaching"}),
    ("lead", {"Matching", "Reports"}),
    ("admin", {"My organisation"}),
])
def test_navigation_shows_the_areas_each_role_allows(client, world, who, expected):
    login(client, world[who])
    links = nav_of(client)
    areas = {label for label in links.values() if label in AREA_LINKS}
    assert areas == expected
    for label in expected:
        assert links[AREA_LINKS[label]] == label
    assert links["/auth/password"] == "Password"
    assert links["/outbox"] == "Outbox"  # visible in testing
    page = client.get("/").get_data(as_text=True)
    assert 'action="/auth/logout"' in page


def test_navigation_for_someone_with_several_roles(client, world):
    world["lead"].add_role(Role.COACH)
    db.session.commit()
    login(client, world["lead"])
    assert set(nav_of(client).values()) >= {"My coaching", "Matching", "Reports"}


def test_navigation_when_logged_out_offers_log_in_and_register(client):
    links = nav_of(client)
    assert links == {"/auth/login": "Log in", "/auth/register": "Register"}


def test_outbox_link_hidden_when_the_outbox_is_not_visible(app, client, world):
    app.config.update(OUTBOX_VISIBLE=False, DEBUG=False)
    login(client, world["member"])
    assert "/outbox" not in nav_of(client)


def test_home_page_cards_match_the_roles(client, world):
    login(client, world["lead"])
    page = client.get("/").get_data(as_text=True)
    assert 'href="/system/"' in page and 'href="/reports/"' in page
    assert 'href="/team/"' not in page
    assert "Partner Trust" in page
