"""Every error a user can meet is a friendly page; no traceback ever reaches them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from hexqi.extensions import db
from hexqi.models import Organisation, OrgKind
from hexqi.services.errors import Conflict, InvalidInput
from tests import factories as f


def text(response):
    return response.get_data(as_text=True)


def assert_friendly(response, code, title):
    page = text(response)
    assert response.status_code == code
    assert f"Error {code}" in page
    assert title in page
    assert f"<title>{title} · HexQI</title>" in page
    assert 'href="/"' in page  # a way home
    assert 'id="main"' in page  # inside the shared layout
    assert "Traceback" not in page and "werkzeug" not in page.lower()


def test_unknown_page_is_a_friendly_404(client):
    assert_friendly(client.get("/no/such/page"), 404, "Page not found")


def test_wrong_method_is_a_friendly_405_that_keeps_the_allow_header(client):
    response = client.get("/auth/logout")
    assert_friendly(response, 405, "That action isn&#39;t available here")
    assert "POST" in response.headers["Allow"]


def test_abort_with_a_description_shows_those_words(app, client):
    @app.get("/_test/bad")
    def bad():
        abort(400, description="The date range ends before it starts.")

    response = client.get("/_test/bad")
    assert_friendly(response, 400, "Something in that request was not right")
    assert "The date range ends before it starts." in text(response)


def test_api_clients_get_json(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"] == "Page not found"


def test_a_crash_shows_the_500_page_without_a_traceback_and_rolls_back(app, client):
    @app.get("/_test/crash")
    def crash():
        db.session.add(Organisation(system=f.system(), name="Half-made Trust", slug="half",
                                    kind=OrgKind.HOSPICE))
        db.session.flush()
        raise RuntimeError("secret internals: password=hunter2")

    response = client.get("/_test/crash")
    assert_friendly(response, 500, "Something went wrong")
    page = text(response)
    assert "hunter2" not in page and "RuntimeError" not in page
    assert "nothing was saved" in page
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                              .where(Organisation.name == "Half-made Trust"))
    assert count == 0


def test_the_500_page_still_works_after_a_database_error(app, client):
    """A failed statement leaves the transaction unusable until it is rolled back; the error
    page (which shows the logged-in person's navigation) must still render."""
    @app.get("/_test/db-crash")
    def db_crash():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    person = f.person(None, email="crash@example.org")
    db.session.commit()
    client.post("/auth/login", data={"email": person.email, "password": f.PASSWORD})

    response = client.get("/_test/db-crash")
    assert_friendly(response, 500, "Something went wrong")
    assert 'action="/auth/logout"' in text(response)


def test_domain_errors_a_view_did_not_catch_still_answer_sensibly(app, client):
    @app.get("/_test/conflict")
    def conflict():
        raise Conflict("This session was already confirmed.")

    @app.get("/_test/invalid")
    def invalid():
        raise InvalidInput("Minutes must be a whole number.", field="minutes")

    response = client.get("/_test/conflict")
    assert_friendly(response, 409, "That has already changed")
    assert "This session was already confirmed." in text(response)
    response = client.get("/_test/invalid")
    assert response.status_code == 400
    assert "Minutes must be a whole number." in text(response)


def test_placeholder_pages_use_the_layout(app, client):
    from flask import render_template

    @app.get("/_test/placeholder")
    def placeholder():
        return render_template("placeholder.html", title="org_admin")

    page = text(client.get("/_test/placeholder"))
    assert "<title>My organisation · HexQI</title>" in page
    assert "<h1>My organisation</h1>" in page
    assert 'class="empty-state"' in page


def test_if_even_the_error_page_fails_a_bare_page_answers(app, client, monkeypatch):
    import hexqi.errors

    def broken(*args, **kwargs):
        raise RuntimeError("layout could not load")

    monkeypatch.setattr(hexqi.errors, "render_template", broken)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = text(response)
    assert "<h1>Page not found</h1>" in page and 'href="/"' in page
    assert "layout could not load" not in page
