"""Who may see the reports, bad filters, and the number of queries each page runs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from hexqi.extensions import db
from hexqi.models import OrgKind, Role, utcnow
from tests import factories as f
from tests.factories import login
from tests.integration.reports_support import (
    PERIOD,
    build_world,
    session_hours,
    training_hours,
)
from tests.queries import count_queries

PAGES = ["/reports/", "/reports/hours", "/reports/pyramid", "/reports/impact",
         "/reports/sustainability"]
CSVS = ["/reports/hours-matrix.csv", "/reports/net-givers.csv", "/reports/pyramid.csv",
        "/reports/impact-projects.csv", "/reports/sustainability.csv", "/reports/overview.csv"]


@pytest.mark.parametrize("role", [Role.COACH, Role.TEAM_MEMBER, Role.ORG_ADMIN])
def test_people_who_are_not_system_leads_get_403_on_pages_and_csv(app, client, role):
    person = f.person(None, role)
    db.session.commit()
    login(client, person)
    for url in PAGES + CSVS:
        assert client.get(url).status_code == 403, url


def test_logged_out_visitors_are_sent_to_log_in(app, client):
    for url in PAGES + CSVS:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_bad_dates_say_what_is_wrong_and_csv_refuses_them(app, client):
    lead = f.person(None, Role.SYSTEM_LEAD)
    db.session.commit()
    login(client, lead)
    response = client.get("/reports/hours", query_string={"from": "2025-06-01",
                                                          "to": "2025-01-01"})
    assert response.status_code == 400
    assert "The start date must be on or before the end date." in response.get_data(as_text=True)
    response = client.get("/reports/pyramid", query_string={"from": "31/01/2025"})
    assert response.status_code == 400
    assert "Not a valid date value" in response.get_data(as_text=True)
    response = client.get("/reports/hours-matrix.csv", query_string={"from": "2025-06-01",
                                                                     "to": "2025-01-01"})
    assert response.status_code == 400
    assert client.get("/reports/no-such-report.csv").status_code == 404
    # an unknown grouping falls back to organisation kind rather than failing
    response = client.get("/reports/hours", query_string={**PERIOD, "group": "nonsense"})
    assert response.status_code == 200


def test_default_period_is_the_last_six_months(app, client):
    lead = f.person(None, Role.SYSTEM_LEAD)
    db.session.commit()
    login(client, lead)
    response = client.get("/reports/hours-by-month.csv")
    assert response.status_code == 200
    months = [line.split(",")[0] for line in response.get_data(as_text=True).splitlines()[1:]]
    assert len(months) == 6
    assert months[-1] == f"{utcnow():%Y-%m}"


def test_every_chart_on_every_page_is_well_formed_svg(app, client):
    w = build_world()
    login(client, w.lead)
    for url in PAGES[1:]:
        html = client.get(url, query_string=PERIOD).get_data(as_text=True)
        svgs = [html[i:html.index("</svg>", i) + 6] for i in _starts(html, '<svg xmlns=')]
        assert svgs, url
        for svg in svgs:
            root = ET.fromstring(svg)
            assert root.get("role") == "img"
            assert root.find("{http://www.w3.org/2000/svg}title").text


def _starts(html: str, needle: str) -> list[int]:
    out, at = [], html.find(needle)
    while at != -1:
        out.append(at)
        at = html.find(needle, at + 1)
    return out


def grow(w, n: int) -> None:  # type: ignore[no-untyped-def]
    """More organisations, coaches, teams and transfers in the same system."""
    for i in range(n):
        org = f.organisation(f"Extra {i}", list(OrgKind)[i % len(OrgKind)], w.system,
                             f"Place {i % 3}")
        coach = f.coach(org)
        member = f.person(org, Role.TEAM_MEMBER)
        team = f.team(org, [member])
        db.session.commit()
        session_hours(coach, w.teams["A"], w.members["A"], 30 + i, datetime(2025, 2, 1 + i, 9))
        session_hours(w.coaches["B"], team, member, 20 + i, datetime(2025, 3, 1 + i, 9),
                      skills={"pdsa": 1, "spc": 1})
        training_hours(coach, w.orgs["C"], 60, datetime(2025, 4, 1 + i, 9), [member])


def page_queries(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts = {}
    for url, extra in [(u, {}) for u in PAGES] + [("/reports/hours", {"group": "organisation"}),
                                                 ("/reports/hours-matrix.csv", {})]:
        db.session.expire_all()  # as in a fresh request: nothing cached from the last one
        with count_queries() as statements:
            assert client.get(url, query_string={**PERIOD, **extra}).status_code == 200
        counts[url + str(extra)] = len(statements)
    return counts


def test_query_count_per_page_does_not_grow_with_the_data(app, client):
    w = build_world()
    login(client, w.lead)
    small = page_queries(client)
    grow(w, 6)
    large = page_queries(client)
    assert small == large
    assert all(n <= 15 for n in large.values()), large
