"""Impact (projects supported, outcome measures) and the sustainability index components."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    OrgKind,
    Project,
    SupportRequest,
    Tier,
    TierChange,
    Transfer,
)
from hexqi.services.reports import Period
from hexqi.services.reports_sustainability import sustainability
from tests import factories as f
from tests.factories import login
from tests.integration.reports_support import PERIOD, build_world, session_hours

PERIOD_OBJ = Period(date(2025, 1, 1), date(2025, 6, 30))


def request_of(transfer: Transfer) -> SupportRequest:
    held = db.session.get(CoachingSession, transfer.pending.session_id)  # type: ignore[union-attr]
    return held.match.request  # type: ignore[union-attr]


def project_of(transfer: Transfer) -> Project:
    return request_of(transfer).project


def measure(project: Project, name: str, unit: str, baseline: float | None,
            latest: float | None) -> None:
    project.measure_name, project.measure_unit = name, unit
    project.measure_baseline, project.measure_latest = baseline, latest
    project.measured_on = date(2025, 6, 1)


def rows_of(client, name, **args):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports/{name}.csv", query_string={**PERIOD, **args})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def impact_world():  # type: ignore[no-untyped-def]
    w = build_world()
    t = w.transfers
    measure(project_of(t["ab"]), "Waiting days", "days", 30, 20)
    measure(project_of(t["ac"]), "Waiting days", "days", 40, 25.5)
    measure(project_of(t["ba"]), "Falls", "per month", 10, None)
    # the reversed session's project is not supported, so its measure is left out
    measure(project_of(t["bc_reversed"]), "Waiting days", "days", 100, 0)
    db.session.commit()
    # a second session for the A->B project: the project still counts once
    req = request_of(t["ab"])
    session_hours(w.coaches["A"], w.teams["B"], w.members["B"], 30, datetime(2025, 5, 10, 10),
                  req=req)
    return w


def test_projects_supported_and_measure_sums(app, client):
    w = impact_world()
    login(client, w.lead)
    measures = {(r[0], r[1]): r[2:] for r in rows_of(client, "impact-measures")[1:]}
    assert measures == {
        ("Falls", "per month"): ["1", "0", "", "", ""],
        ("Waiting days", "days"): ["2", "2", "70.00", "45.50", "-24.50"],
        ("No measure recorded", ""): ["2", "0", "", "", ""],
    }
    projects = rows_of(client, "impact-projects")
    assert len(projects) - 1 == 5  # ab, ac, ba, bc, aa (bc_reversed is reversed)
    ab = [r for r in projects[1:] if r[5] == "Waiting days" and r[7] == "30.00"]
    assert ab and ab[0][3:5] == ["2", "2.00"]  # two sessions: 90 + 30 minutes
    page = client.get("/reports/impact", query_string=PERIOD).get_data(as_text=True)
    assert '<span class="stat-value">5</span>' in page
    kinds = {r[0]: r[1:] for r in rows_of(client, "impact-by-kind")[1:]}
    assert kinds[OrgKind.HOSPICE.label] == ["2", "1.50"]  # ac 60 + bc 30 minutes


def test_impact_projects_page_paginates_but_csv_has_all(app, client):
    w = impact_world()
    app.config["PER_PAGE"] = 2
    login(client, w.lead)
    first = client.get("/reports/impact", query_string=PERIOD).get_data(as_text=True)
    assert "Page 1 of 3" in first
    third = client.get("/reports/impact", query_string={**PERIOD, "page": 3})
    assert "Page 3 of 3" in third.get_data(as_text=True)
    assert len(rows_of(client, "impact-projects")) - 1 == 5


def sustainability_world():  # type: ignore[no-untyped-def]
    w = build_world()
    f.organisation("Delta Council", OrgKind.LOCAL_AUTHORITY, w.system)  # active, no hours
    f.organisation("Echo Hospice", OrgKind.HOSPICE, w.system).active = False
    # coach B came up through the tiers; coach C joined at Learn; coach A was always Lead
    for at, from_tier, to_tier in [(datetime(2023, 1, 1), None, Tier.LEARN),
                                   (datetime(2023, 6, 1), Tier.LEARN, Tier.LIVE),
                                   (datetime(2024, 1, 1), Tier.LIVE, Tier.LEAD)]:
        db.session.add(TierChange(person_id=w.coaches["B"].id, from_tier=from_tier,
                                  to_tier=to_tier, changed_at=at))
    db.session.add(TierChange(person_id=w.coaches["C"].id, from_tier=None,
                              to_tier=Tier.LEARN, changed_at=datetime(2023, 1, 1)))
    db.session.commit()
    return w


def test_sustainability_components_on_a_hand_built_case(app, client):
    w = sustainability_world()
    result = sustainability(w.system.id, PERIOD_OBJ)
    reciprocity, home_grown, funding = result.components
    # A, B and C each gave and received; Delta is active but idle; Echo is inactive
    assert reciprocity.value == Decimal("0.7500")
    # hours given: A 360, B 45 + 120 - 120 + 30 = 75, C 60 - 30 = 30 minutes; B and C once Learn
    assert home_grown.value == (Decimal(105) / Decimal(465)).quantize(Decimal("0.0001"))
    # team session minutes: A 45 + 30, B 90 - 30, C 60 + 120 - 120 + 30; only C had a gift (60)
    assert funding.value == (Decimal(60) / Decimal(225)).quantize(Decimal("0.0001"))
    expected = ((reciprocity.value + home_grown.value + funding.value) / 3 * 100)
    assert result.index == expected.quantize(Decimal("0.1"))
    login(client, w.lead)
    rows = {r[0]: r for r in rows_of(client, "sustainability")[1:]}
    assert rows["Reciprocity"][3] == "0.7500"
    assert rows["Sustainability index"][4] == str(result.index)
    page = client.get("/reports/sustainability", query_string=PERIOD).get_data(as_text=True)
    assert str(result.index) in page and "1.75 hours given by people once in the Learn tier" \
        in page


def test_sustainability_is_not_available_without_any_activity(app, client):
    lead = f.person(None, f.Role.SYSTEM_LEAD)
    db.session.commit()
    result = sustainability(lead.organisation.system_id, PERIOD_OBJ)
    assert [c.value for c in result.components] == [Decimal(0), None, None]
    assert result.index == Decimal("0.0")
    login(client, lead)
    page = client.get("/reports/", query_string=PERIOD).get_data(as_text=True)
    assert "No hours were given in this period" in page
