"""Hours exchanged: the CSV matrix equals the ledger's posted transfers summed by organisation
pair, computed here independently from the Transfer rows; filters; the other hours tables."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Account, OrgKind, Transfer, TransferKind
from tests.factories import login
from tests.integration.reports_support import PERIOD, build_world


def expected_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def owner_org(account: Account):  # type: ignore[no-untyped-def]
    owner = account.person or account.team
    return owner.organisation if owner is not None else account.organisation


def ledger_pairs(start: date, end: date, key=lambda org: org.name):  # type: ignore[no-untyped-def]
    """Minutes given per (giver, receiver), straight from the posted Transfer rows."""
    first = datetime.combine(start, datetime.min.time())
    last = datetime.combine(end + timedelta(days=1), datetime.min.time())
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for t in db.session.scalars(sa.select(Transfer).order_by(Transfer.id)):
        if not first <= t.created_at < last:
            continue
        if t.kind in (TransferKind.SESSION, TransferKind.TRAINING):
            pairs[(key(owner_org(t.credit_account)), key(owner_org(t.debit_account)))] += t.minutes
        elif t.kind is TransferKind.REVERSAL:
            original = db.session.get(Transfer, t.reverses_id)
            if original.kind in (TransferKind.SESSION, TransferKind.TRAINING):
                # the reversal's accounts are swapped: its debit side is the original giver
                pairs[(key(owner_org(t.debit_account)), key(owner_org(t.credit_account)))] \
                    -= t.minutes
    return pairs


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def matrix_cells(rows: list[list[str]]) -> dict[tuple[str, str], Decimal]:
    header, body = rows[0], rows[1:]
    assert header[-1] == "Total given" and body[-1][0] == "Total received"
    cells = {}
    for row in body[:-1]:
        for receiver, value in zip(header[1:-1], row[1:-1], strict=True):
            if value != "":
                cells[(row[0], receiver)] = Decimal(value)
    return cells


def test_hours_matrix_csv_equals_the_ledger_summed_by_organisation_pair(app, client):
    w = build_world()
    login(client, w.lead)
    rows = read_csv(client.get("/reports/hours-matrix.csv",
                               query_string={**PERIOD, "group": "organisation"}))
    expected = ledger_pairs(date(2025, 1, 1), date(2025, 6, 30))
    assert matrix_cells(rows) == {pair: expected_hours(m) for pair, m in expected.items()}
    # the world really exercises a reversal within the period and one of an earlier transfer
    assert expected[("Beta Practice", "Gamma Hospice")] == 30
    assert expected[("Gamma Hospice", "Beta Practice")] == -30
    # the donation is not hours given: Alpha -> Gamma is a session (60) and training (180)
    assert expected[("Alpha Acute", "Gamma Hospice")] == 240
    totals = {row[0]: Decimal(row[-1]) for row in rows[1:]}
    assert totals["Total received"] == expected_hours(sum(expected.values()))


def test_matrix_by_kind_and_locality_sums_the_same_ledger(app, client):
    w = build_world()
    login(client, w.lead)
    by_kind = ledger_pairs(date(2025, 1, 1), date(2025, 6, 30), key=lambda o: o.kind.label)
    rows = read_csv(client.get("/reports/hours-matrix.csv", query_string={**PERIOD}))
    assert rows[0][0] == "Giver organisation kind"
    assert matrix_cells(rows) == {pair: expected_hours(m) for pair, m in by_kind.items()}
    by_place = ledger_pairs(date(2025, 1, 1), date(2025, 6, 30), key=lambda o: o.locality)
    rows = read_csv(client.get("/reports/hours-matrix.csv",
                               query_string={**PERIOD, "group": "locality"}))
    assert matrix_cells(rows) == {pair: expected_hours(m) for pair, m in by_place.items()}


def test_date_range_filters_by_when_the_transfer_was_posted(app, client):
    w = build_world()
    login(client, w.lead)
    for start, end in [(date(2025, 3, 1), date(2025, 3, 31)),
                       (date(2025, 4, 1), date(2025, 4, 14)),
                       (date(2025, 4, 1), date(2025, 4, 15)),
                       (date(2024, 12, 1), date(2025, 7, 31))]:
        rows = read_csv(client.get("/reports/hours-matrix.csv", query_string={
            "from": start.isoformat(), "to": end.isoformat(), "group": "organisation"}))
        expected = ledger_pairs(start, end)
        assert matrix_cells(rows) == {p: expected_hours(m) for p, m in expected.items()}
    # the B->C session (2 Apr) stands alone until its reversal on 15 Apr comes into range
    rows = read_csv(client.get("/reports/hours-matrix.csv", query_string={
        "from": "2025-04-01", "to": "2025-04-14", "group": "organisation"}))
    assert matrix_cells(rows)[("Beta Practice", "Gamma Hospice")] == Decimal("2.00")


def test_net_month_skill_and_kind_tables(app, client):
    w = build_world()
    login(client, w.lead)
    pairs = ledger_pairs(date(2025, 1, 1), date(2025, 6, 30))
    given, received = defaultdict(int), defaultdict(int)
    for (g, r), m in pairs.items():
        given[g] += m
        received[r] += m
    net = read_csv(client.get("/reports/net-givers.csv", query_string=PERIOD))
    assert net[0] == ["Organisation", "Hours given", "Hours received", "Net hours"]
    assert {r[0]: [Decimal(x) for x in r[1:]] for r in net[1:]} == {
        name: [expected_hours(given[name]), expected_hours(received[name]),
               expected_hours(given[name] - received[name])] for name in given}
    nets = [Decimal(r[3]) for r in net[1:]]
    assert nets == sorted(nets, reverse=True)

    months = read_csv(client.get("/reports/hours-by-month.csv", query_string=PERIOD))
    assert [r[0] for r in months[1:]] == [f"2025-0{m}" for m in range(1, 7)]
    by_month = {r[0]: Decimal(r[3]) for r in months[1:]}
    # Feb: session 90 minus the reversal (1 Feb) of December's 30; Apr: 120 - 120 + 180 training
    assert by_month["2025-01"] == 0
    assert by_month["2025-02"] == expected_hours(90 - 30)
    assert by_month["2025-04"] == expected_hours(180)
    assert sum(by_month.values()) == expected_hours(sum(pairs.values()))

    skills = {r[0]: r[1:] for r in read_csv(client.get("/reports/hours-by-skill.csv",
                                                       query_string=PERIOD))[1:]}
    # sessions: pdsa-only 90 + 120 - 120 + 30 + 30 - 30 (reversed Dec) = 120; the two-skill
    # session (60) splits 30/30; the spc-only session 45. Training with pdsa 180, without 60.
    assert skills["PDSA cycles"] == [str(expected_hours(150)), str(expected_hours(180)),
                                     str(expected_hours(330))]
    assert skills["SPC and run charts"][0] == str(expected_hours(75))
    assert skills["No skill recorded"] == ["0.00", "1.00", "1.00"]

    kinds = {r[0]: [Decimal(x) for x in r[1:3]] for r in read_csv(
        client.get("/reports/hours-by-kind.csv", query_string=PERIOD))[1:]}
    assert kinds[OrgKind.HOSPICE.label] == [expected_hours(given["Gamma Hospice"]),
                                            expected_hours(received["Gamma Hospice"])]


def test_hours_page_shows_heatmap_table_and_csv_links(app, client):
    w = build_world()
    login(client, w.lead)
    page = client.get("/reports/hours", query_string={**PERIOD, "group": "organisation"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('role="img"') == 5
    for name in ("hours-matrix", "net-givers", "hours-by-month", "hours-by-skill",
                 "hours-by-kind"):
        assert f"/reports/{name}.csv?" in html
    assert "group=organisation" in html and "Gamma Hospice" in html
    assert 'class="table-scroll" role="region" tabindex="0"' in html


def test_other_systems_are_left_out(app, client):
    w = build_world()
    other = build_world("Other ICS", prefix="Other ")
    login(client, w.lead)
    rows = read_csv(client.get("/reports/hours-matrix.csv",
                               query_string={**PERIOD, "group": "organisation"}))
    names = {name for pair in matrix_cells(rows) for name in pair}
    assert names == {"Alpha Acute", "Beta Practice", "Gamma Hospice"}
    login(client, other.lead)
    rows = read_csv(client.get("/reports/hours-matrix.csv",
                               query_string={**PERIOD, "group": "organisation"}))
    assert {n for pair in matrix_cells(rows) for n in pair} == {
        "Other Alpha Acute", "Other Beta Practice", "Other Gamma Hospice"}


def test_report_cli_prints_the_same_matrix_as_the_csv_link(app, client, runner):
    w = build_world()
    login(client, w.lead)
    web = client.get("/reports/hours-matrix.csv", query_string={**PERIOD, "group": "organisation"})
    result = runner.invoke(args=["report", "hours", "--from", "2025-01-01", "--to", "2025-06-30",
                                 "--group", "organisation"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.output))) == read_csv(web)
    result = runner.invoke(args=["report", "csv", "net-givers", "--from", "2025-06-30",
                                 "--to", "2025-01-01"])
    assert result.exit_code != 0 and "start date must be on or before" in result.output
