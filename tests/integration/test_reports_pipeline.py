"""The pipeline: people per tier against dosing targets, moves up a tier, the monthly series
reconstructed from TierChange, and training attendance."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from hexqi.extensions import db
from hexqi.models import OrgKind, Role, Tier, TierChange
from tests import factories as f
from tests.factories import login
from tests.integration.reports_support import PERIOD, build_world

L, V, D = Tier.LEARN, Tier.LIVE, Tier.LEAD
JOINED = datetime(2024, 6, 1)


def person_with_history(org, tier, history, created=JOINED, active=True):  # type: ignore[no-untyped-def]
    p = f.person(org, Role.TEAM_MEMBER, tier=tier)
    p.created_at, p.active = created, active
    for from_tier, to_tier, at in history:
        db.session.add(TierChange(person_id=p.id, from_tier=from_tier, to_tier=to_tier,
                                  changed_at=at))
    return p


def pipeline_world():  # type: ignore[no-untyped-def]
    sys = f.system()
    p_org = f.organisation("Pine Trust", OrgKind.ACUTE_TRUST, sys)
    p_org.staff_headcount, p_org.target_learn_pct, p_org.target_live_pct = 200, 50, 30
    p_org.target_lead_pct = 10
    q_org = f.organisation("Quay Practice", OrgKind.GP_PRACTICE, sys)
    q_org.staff_headcount, q_org.target_learn_pct = 10, 20
    q_org.target_live_pct = q_org.target_lead_pct = 10
    lead = person_with_history(q_org, D, [(None, D, datetime(2024, 1, 1))])
    lead.add_role(Role.SYSTEM_LEAD)
    person_with_history(p_org, V, [(None, L, JOINED), (L, V, datetime(2025, 3, 15))])
    person_with_history(p_org, D, [(None, V, JOINED), (V, D, datetime(2025, 4, 1))])
    person_with_history(p_org, V, [(None, D, JOINED), (D, V, datetime(2025, 5, 1))])  # down
    person_with_history(p_org, V, [(None, L, JOINED), (L, V, datetime(2024, 12, 1))])  # before
    person_with_history(p_org, L, [(None, L, datetime(2025, 2, 10))],
                        created=datetime(2025, 2, 10))  # joins in the period
    person_with_history(p_org, L, [], created=datetime(2024, 1, 1))  # no history at all
    person_with_history(p_org, D, [(None, L, JOINED)], active=False)  # left: not counted
    person_with_history(p_org, D, [(None, L, JOINED), (L, V, datetime(2025, 1, 10)),
                                   (V, D, datetime(2025, 6, 20))])  # two moves up
    person_with_history(q_org, L, [], created=datetime(2024, 1, 1))
    person_with_history(q_org, L, [], created=datetime(2025, 8, 1))  # after the period
    db.session.commit()
    return lead


def rows_of(client, name, **args):  # type: ignore[no-untyped-def]
    response = client.get(f"/reports/{name}.csv", query_string={**PERIOD, **args})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_pyramid_counts_targets_and_moves_up(app, client):
    login(client, pipeline_world())
    rows = rows_of(client, "pyramid")
    assert rows[0][:8] == ["Organisation", "Staff headcount", "Learn", "Learn target", "Live",
                           "Live target", "Lead", "Lead target"]
    table = {r[0]: [int(x) for x in r[1:]] for r in rows[1:]}
    # headcount, learn, target, live, target, lead, target, moves up, people who moved up
    assert table["Pine Trust"] == [200, 2, 100, 3, 60, 2, 20, 4, 3]
    assert table["Quay Practice"] == [10, 2, 2, 0, 1, 1, 1, 0, 0]
    assert table["Whole system"] == [210, 4, 102, 3, 61, 3, 21, 4, 3]
    # the system pyramid chart's own table agrees with the whole-system row
    tiers = {r[0]: [int(r[1]), int(r[2])] for r in rows_of(client, "system-tiers")[1:]}
    assert tiers == {"Learn": [4, 102], "Live": [3, 61], "Lead": [3, 21]}


def test_moves_up_count_only_within_the_period(app, client):
    login(client, pipeline_world())
    march = {r[0]: r for r in rows_of(client, "pyramid", **{"from": "2025-03-01",
                                                            "to": "2025-03-31"})[1:]}
    assert march["Pine Trust"][-2:] == ["1", "1"]
    december = {r[0]: r for r in rows_of(client, "pyramid", **{"from": "2024-12-01",
                                                               "to": "2024-12-31"})[1:]}
    assert december["Pine Trust"][-2:] == ["1", "1"]


def test_tier_series_is_rebuilt_from_tier_changes(app, client):
    login(client, pipeline_world())
    rows = rows_of(client, "tier-series")
    assert rows[0] == ["Month", "Learn", "Live", "Lead"]
    # worked by hand from the histories above (the lead is Lead throughout)
    assert [[int(x) for x in r[1:]] for r in rows[1:]] == [
        [3, 3, 2],  # Jan: one Learn -> Live on 10 Jan
        [4, 3, 2],  # Feb: one joins at Learn
        [3, 4, 2],  # Mar: Learn -> Live
        [3, 3, 3],  # Apr: Live -> Lead
        [3, 4, 2],  # May: Lead -> Live (down)
        [3, 3, 3],  # Jun: Live -> Lead
    ]
    assert [r[0] for r in rows[1:]] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05",
                                        "2025-06"]


def test_training_attendance_in_the_period(app, client):
    w = build_world()
    login(client, w.lead)
    response = client.get("/reports/training.csv", query_string=PERIOD)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1:] == [["Learn", "3", "3"], ["Live", "0", "0"], ["Lead", "0", "0"],
                        ["All tiers", "3", "3"]]
    page = client.get("/reports/pyramid", query_string=PERIOD).get_data(as_text=True)
    assert "Training attendance: 2 events, 4.00 hours taught" in page
    # a period without training shows the empty state, not an empty table
    page = client.get("/reports/pyramid", query_string={"from": "2025-01-01",
                                                        "to": "2025-01-31"})
    assert "No training events were held in this period" in page.get_data(as_text=True)
