"""Register, log in, log out and change password, through the real app and database."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from hexqi.auth.routes import WRONG_LOGIN, safe_next
from hexqi.extensions import db
from hexqi.models import Person, Role, Tier, TierChange
from hexqi.services import accounts
from hexqi.services.errors import InvalidInput
from tests import factories as f
from tests.conftest import make_app

NEW_PASSWORD = "another long password"


def login(client, email, password=f.PASSWORD, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def register_data(org, **changes):
    data = {"name": "Ada Okafor", "email": "Ada.Okafor@Example.org", "organisation_id": org.id,
            "tier": "live", "password": "correct horse battery", "confirm": "correct horse battery"}
    data.update(changes)
    return data


def people_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def text(response):
    return response.get_data(as_text=True)


# --- register -----------------------------------------------------------------------------

def test_register_lists_only_active_organisations(client):
    open_org = f.organisation("Riverside Community Trust")
    closed = f.organisation("Closed Practice")
    closed.active = False
    db.session.commit()
    page = text(client.get("/auth/register"))
    assert f'<option value="{open_org.id}">Riverside Community Trust</option>' in page
    assert "Closed Practice" not in page


def test_register_creates_a_team_member_logs_them_in_and_records_their_tier(client):
    org = f.organisation("Riverside Community Trust")
    db.session.commit()
    response = client.post("/auth/register", data=register_data(org))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    person = db.session.scalar(sa.select(Person).where(Person.email == "ada.okafor@example.org"))
    assert person is not None
    assert person.organisation_id == org.id
    assert person.roles == {Role.TEAM_MEMBER}
    assert person.tier is Tier.LIVE
    assert person.password_hash.startswith("$argon2id$")
    assert person.check_password("correct horse battery")
    change = db.session.scalar(sa.select(TierChange).where(TierChange.person_id == person.id))
    assert change is not None and change.from_tier is None and change.to_tier is Tier.LIVE

    home = text(client.get("/"))
    assert "Hello, Ada Okafor" in home
    assert "Riverside Community Trust" in home
    assert "Welcome to HexQI" in home


@pytest.mark.parametrize("email", ["taken@example.org", "TAKEN@example.org", " Taken@Example.ORG "])
def test_register_refuses_an_email_already_used_in_any_case(client, email):
    org = f.organisation()
    f.person(org, email="taken@example.org")
    db.session.commit()
    before = people_count()
    response = client.post("/auth/register", data=register_data(org, email=email))
    assert response.status_code == 200
    page = text(response)
    assert 'id="email-error"' in page
    assert "already exists" in page
    assert people_count() == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Enter your full name."),
    ({"email": "not-an-email"}, "email", "Enter an email address like name@nhs.net."),
    ({"organisation_id": ""}, "organisation_id", "Choose your organisation."),
    ({"organisation_id": "999999"}, "organisation_id", "Choose your organisation from the list."),
    ({"tier": "guru"}, "tier", "Not a valid choice"),
    ({"password": "short", "confirm": "short"}, "password", "Use at least 10 characters."),
    ({"confirm": "something else entirely"}, "confirm", "The two passwords do not match."),
])
def test_register_explains_each_problem_beside_its_field_and_keeps_what_was_typed(
        client, changes, field, message):
    org = f.organisation()
    db.session.commit()
    before = people_count()
    response = client.post("/auth/register", data=register_data(org, **changes))
    page = text(response)
    assert response.status_code == 200
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match and message in match.group(1)
    assert f'aria-describedby="{field}-help {field}-error"' in page or \
        f'aria-describedby="{field}-error"' in page
    assert "There is a problem" in page
    if field != "name":
        assert 'value="Ada Okafor"' in page  # what was typed is kept
    assert people_count() == before


def test_register_refuses_an_inactive_organisation(client):
    org = f.organisation()
    org.active = False
    db.session.commit()
    page = text(client.post("/auth/register", data=register_data(org)))
    assert "Choose your organisation from the list." in page
    assert people_count() == 0


def test_register_service_refuses_duplicates_raced_past_the_check(app):
    """The unique index is the last word: a duplicate that slips past the lookup still fails."""
    org = f.organisation()
    f.person(org, email="twin@example.org")
    db.session.commit()
    with pytest.raises(InvalidInput) as caught:
        accounts.register_person("Twin", "TWIN@example.org", "long enough pass", org.id)
    assert caught.value.field == "email"


# --- log in and log out ----------------------------------------------------------------------

def test_login_is_case_insensitive_and_lands_on_the_home_page(client):
    person = f.person(None, Role.TEAM_MEMBER, email="mo@example.org", name="Mo Khan")
    db.session.commit()
    response = login(client, "  MO@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Hello, Mo Khan" in text(client.get("/"))
    assert person.is_authenticated


@pytest.mark.parametrize(("email", "password"), [
    ("mo@example.org", "wrong password here"),
    ("nobody@example.org", f.PASSWORD),
])
def test_login_failure_gives_the_same_generic_message(client, email, password):
    f.person(None, email="mo@example.org")
    db.session.commit()
    response = login(client, email, password)
    assert response.status_code == 200
    page = text(response)
    assert WRONG_LOGIN in page
    assert "Hello," not in text(client.get("/"))


def test_login_refuses_a_switched_off_account(client):
    person = f.person(None, email="gone@example.org")
    person.active = False
    db.session.commit()
    page = text(login(client, "gone@example.org"))
    assert "switched off" in page
    assert client.get("/outbox").status_code == 302


def test_login_honours_a_next_path_on_this_site(client):
    f.person(None, Role.TEAM_MEMBER, email="mo@example.org")
    db.session.commit()
    first = client.get("/outbox")
    assert first.status_code == 302
    assert "/auth/login?next=" in first.headers["Location"]
    response = login(client, "mo@example.org", next_url="/outbox")
    assert response.headers["Location"] == "/outbox"


@pytest.mark.parametrize("bad", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil",
    "javascript:alert(1)", "/\t/evil.example", "evil", "",
])
def test_login_ignores_a_next_url_off_this_site(client, bad):
    f.person(None, email="mo@example.org")
    db.session.commit()
    response = client.post("/auth/login", query_string={"next": bad},
                           data={"email": "mo@example.org", "password": f.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_keeps_paths_with_queries():
    assert safe_next("/team/requests?page=2") == "/team/requests?page=2"
    assert safe_next("https://hexqi.example/team/") is None


def test_logout_needs_a_post_and_ends_the_session(client):
    f.person(None, Role.TEAM_MEMBER, email="mo@example.org")
    db.session.commit()
    login(client, "mo@example.org")
    assert client.get("/auth/logout").status_code == 405
    assert "Hello," in text(client.get("/"))  # a GET did not log anyone out
    response = client.post("/auth/logout")
    assert response.status_code == 302
    page = text(client.get("/"))
    assert "You have logged out." in page
    assert "Hello," not in page
    assert client.get("/outbox").status_code == 302


def test_logged_in_person_visiting_login_or_register_goes_home(client):
    f.person(None, email="mo@example.org")
    db.session.commit()
    login(client, "mo@example.org")
    assert client.get("/auth/login").headers["Location"] == "/"
    assert client.get("/auth/register").headers["Location"] == "/"


# --- password change ------------------------------------------------------------------------

def test_password_change_needs_login(client):
    response = client.get("/auth/password")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"current": "not my password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
     "current", "That is not your current password."),
    ({"current": f.PASSWORD, "new": "short", "confirm": "short"},
     "new", "Use at least 10 characters."),
    ({"current": f.PASSWORD, "new": NEW_PASSWORD, "confirm": "different words"},
     "confirm", "The two new passwords do not match."),
    ({"current": f.PASSWORD, "new": f.PASSWORD, "confirm": f.PASSWORD},
     "new", "different from your current one"),
])
def test_password_change_refuses_bad_input_and_keeps_the_old_password(client, data, field,
                                                                     message):
    person = f.person(None, email="mo@example.org")
    db.session.commit()
    old_hash = person.password_hash
    login(client, "mo@example.org")
    page = text(client.post("/auth/password", data=data))
    match = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S)
    assert match and message in match.group(1)
    db.session.expire_all()
    assert db.session.get(Person, person.id).password_hash == old_hash


def test_password_change_works_and_the_new_password_logs_in(client):
    f.person(None, email="mo@example.org")
    db.session.commit()
    login(client, "mo@example.org")
    response = client.post("/auth/password", data={
        "current": f.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Your password has been changed." in text(client.get("/"))
    client.post("/auth/logout")
    assert WRONG_LOGIN in text(login(client, "mo@example.org", f.PASSWORD))
    assert login(client, "mo@example.org", NEW_PASSWORD).headers["Location"] == "/"


# --- CSRF on for real ----------------------------------------------------------------------

def test_with_csrf_on_a_post_without_token_is_refused_kindly_and_with_token_works(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        f.person(None, email="csrf@example.org")
        db.session.commit()
        client = app.test_client()
        refused = client.post("/auth/login",
                              data={"email": "csrf@example.org", "password": f.PASSWORD})
        assert refused.status_code == 400
        page = text(refused)
        assert "Your form expired; please try again." in page
        assert "Traceback" not in page
        assert "Hello," not in text(client.get("/"))

        form = text(client.get("/auth/login"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        ok = client.post("/auth/login", data={"email": "csrf@example.org",
                                              "password": f.PASSWORD, "csrf_token": token})
        assert ok.status_code == 302
        home = text(client.get("/"))
        assert "Hello," in home
        # The log-out button carries its own token.
        logout_token = re.search(r'action="/auth/logout".*?value="([^"]+)"', home, re.S).group(1)
        assert client.post("/auth/logout").status_code == 400
        assert client.post("/auth/logout", data={"csrf_token": logout_token}).status_code == 302
        db.session.remove()
        db.engine.dispose()
