"""The monthly hours summary the reports read (``hours_summary``).

It must always equal the posted transfers summed per month, however they were posted or
reversed: checked here against sums made independently from the Transfer, PendingTransfer,
CoachingSession and TrainingEvent rows. ``ledger verify`` names a summary that differs,
``ledger rebuild-summary`` rebuilds it, and migration 0003 fills it from the transfers. The
reports read whole months from it and the partial months from the ledger, so for any date
range they equal the ledger summed directly.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from hexqi.extensions import db
from hexqi.models import (
    Account,
    CoachingSession,
    HoursSummary,
    PendingTransfer,
    SessionStatus,
    TrainingEvent,
    Transfer,
    TransferKind,
)
from hexqi.services import ledger
from hexqi.services.reports import Period, hours, split_months
from hexqi.services.reports_hours import (
    NO_SKILL,
    hours_by_month,
    hours_by_skill,
    matrix_minutes,
)
from hexqi.services.reports_impact import supported_projects
from tests.integration.reports_support import World, build_world, session_hours

HOURS = (TransferKind.SESSION, TransferKind.TRAINING)


def month(at: datetime) -> date:
    return date(at.year, at.month, 1)


def hours_rows() -> list[tuple[Transfer, Transfer, int]]:
    """(transfer, the transfer whose hours it moves, sign) for every transfer of hours."""
    out = []
    for t in db.session.scalars(sa.select(Transfer).order_by(Transfer.id)):
        if t.kind in HOURS:
            out.append((t, t, 1))
        elif t.kind is TransferKind.REVERSAL:
            original = db.session.get(Transfer, t.reverses_id)
            if original.kind in HOURS:
                out.append((t, original, -1))
    return out


def session_of(transfer: Transfer) -> CoachingSession:
    pending = db.session.get(PendingTransfer, transfer.pending_id)
    return db.session.get(CoachingSession, pending.session_id)


def independent_summary() -> dict[tuple, tuple[int, int, int]]:
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t, original, sign in hours_rows():
        if original.kind is TransferKind.SESSION:
            session = session_of(original)
            source, given = session.match_id, session.starts_at
        else:
            event = db.session.get(TrainingEvent, original.training_event_id)
            source, given = event.id, event.starts_at
        # the giver is the credit side of the transfer that moved the hours
        giver, receiver = ((t.credit_account_id, t.debit_account_id) if sign > 0
                           else (t.debit_account_id, t.credit_account_id))
        row = sums[(month(t.created_at), month(given), giver, receiver, original.kind.value,
                    source)]
        row[0] += sign * t.minutes
        row[1 if sign > 0 else 2] += 1
    return {key: tuple(v) for key, v in sums.items()}


def stored_summary() -> dict[tuple, tuple[int, int, int]]:
    return {(r.posted_month, r.given_month, r.giver_account_id, r.receiver_account_id, r.kind,
             r.source_id): (r.minutes, r.transfers, r.reversals)
            for r in db.session.scalars(sa.select(HoursSummary))}


def busier_world() -> World:
    """The report tests' ledger plus the awkward cases: a session given on the last evening of
    January and posted in February, a training reversed, a session posted and reversed in the
    same month, a reversed gift (not hours), and a second session of one match."""
    w = build_world()
    c, t, m = w.coaches, w.teams, w.members
    w.transfers["late_jan"] = session_hours(c["A"], t["B"], m["B"], 75,
                                            datetime(2025, 1, 31, 23, 30))
    w.transfers["rev_train_ca"] = ledger.reverse(w.transfers["train_ca"].id, w.lead,
                                                 "Cancelled", at=datetime(2025, 6, 3, 9))
    w.transfers["same_month"] = session_hours(c["C"], t["A"], m["A"], 50,
                                              datetime(2025, 3, 3, 10))
    w.transfers["rev_same_month"] = ledger.reverse(w.transfers["same_month"].id, w.lead,
                                                   "Wrong team", at=datetime(2025, 3, 25, 10))
    gift = ledger.donate(c["B"], t["A"], 30, c["B"], at=datetime(2025, 3, 1, 9))
    ledger.reverse(gift.id, w.lead, "Meant for another team", at=datetime(2025, 3, 2, 9))
    ab = w.transfers["ab"]
    match_id = session_of(ab).match_id
    second = CoachingSession(match_id=match_id, starts_at=datetime(2025, 2, 24, 14), minutes=40)
    db.session.add(second)
    db.session.commit()
    pending = ledger.log_session(second, c["A"], at=datetime(2025, 2, 24, 16))
    w.transfers["ab_again"] = ledger.confirm_pending(pending.id, m["B"],
                                                     at=datetime(2025, 3, 2, 8))
    return w


def test_the_summary_follows_every_posting_and_reversal(app):
    busier_world()
    expected = independent_summary()
    assert stored_summary() == expected
    # given in January, posted in February; the same-month reversal nets to nothing
    assert any(k[0] == date(2025, 2, 1) and k[1] == date(2025, 1, 1) for k in expected)
    assert any(v[0] == 0 and v[1] == 1 and v[2] == 1 for v in expected.values())
    # gifts are not hours given
    assert sum(v[1] for v in expected.values()) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind.in_(HOURS)))
    report = ledger.verify()
    assert report.ok, report.violations
    assert report.checked["summary_rows"] == len(expected)


def tamper(statement: str) -> None:
    db.session.commit()
    db.session.execute(sa.text(statement))
    db.session.commit()


def test_verify_names_a_summary_that_differs_and_rebuild_mends_it(app, runner):
    busier_world()
    tamper("UPDATE hours_summary SET minutes = minutes + 15 WHERE kind = 'training'")
    report = ledger.verify()
    assert not report.ok
    assert report.first.startswith("the hours summary says ")
    assert "but the transfers hold" in report.first
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "the hours summary says" in result.output

    tamper("DELETE FROM hours_summary WHERE kind = 'session'")
    assert "the hours summary has no row for" in ledger.verify().first

    result = runner.invoke(args=["ledger", "rebuild-summary"])
    assert result.exit_code == 0, result.output
    assert f"Hours summary rebuilt: {len(independent_summary())} rows." in result.output
    db.session.expire_all()
    assert stored_summary() == independent_summary()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "hours summary" in result.output


def test_migration_0003_fills_the_summary_from_the_transfers(app):
    busier_world()
    expected = independent_summary()
    db.session.commit()
    db.session.close()
    downgrade(revision="0002")
    assert "hours_summary" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    db.session.close()
    assert stored_summary() == expected
    assert ledger.verify().ok


# --- the reports stay exact for any date range ----------------------------------------------

def window(period: Period) -> tuple[datetime, datetime]:
    return period.starts_at, period.ends_before


def owner_org_name(account_id: int) -> str:
    account = db.session.get(Account, account_id)
    owner = account.person or account.team
    return (owner.organisation if owner is not None else account.organisation).name


def ledger_pairs(period: Period) -> dict[tuple[str, str], int]:
    first, last = window(period)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for t, _original, sign in hours_rows():
        if first <= t.created_at < last:
            giver, receiver = ((t.credit_account_id, t.debit_account_id) if sign > 0
                               else (t.debit_account_id, t.credit_account_id))
            pairs[(owner_org_name(giver), owner_org_name(receiver))] += sign * t.minutes
    return dict(pairs)


def ledger_months(period: Period) -> list[list]:
    first, last = window(period)
    minutes: dict[tuple[str, str], int] = defaultdict(int)
    for t, original, sign in hours_rows():
        if first <= t.created_at < last:
            minutes[(f"{t.created_at:%Y-%m}", original.kind.value)] += sign * t.minutes
    out = []
    for y, m in period.months():
        s, t = minutes[(f"{y:04d}-{m:02d}", "session")], minutes[(f"{y:04d}-{m:02d}", "training")]
        out.append([f"{y:04d}-{m:02d}", hours(s), hours(t), hours(s + t)])
    return out


def ledger_skills(period: Period) -> dict[str, Decimal]:
    first, last = window(period)
    minutes: dict[str, Fraction] = defaultdict(Fraction)
    touched = set()
    for t, original, sign in hours_rows():
        if not first <= t.created_at < last:
            continue
        if original.kind is TransferKind.SESSION:
            request = session_of(original).match.request
            names = [rs.skill.name for rs in request.skills] or [NO_SKILL]
        else:
            event = db.session.get(TrainingEvent, original.training_event_id)
            names = [event.skill.name if event.skill else NO_SKILL]
        for name in names:
            minutes[name] += Fraction(sign * t.minutes, len(names))
            touched.add(name)
    return {name: hours(Decimal(m.numerator) / Decimal(m.denominator))
            for name, m in minutes.items() if name in touched}


def ledger_supported(period: Period) -> list[tuple[str, str, int, int]]:
    first, last = window(period)
    reversed_ids = set(db.session.scalars(
        sa.select(Transfer.reverses_id).where(Transfer.reverses_id.is_not(None))))
    per_project: dict[int, list] = {}
    for t in db.session.scalars(sa.select(Transfer).where(Transfer.kind == TransferKind.SESSION)):
        session = session_of(t)
        if (t.id in reversed_ids or session.status is not SessionStatus.HELD
                or not first <= session.starts_at < last):
            continue
        request = session.match.request
        row = per_project.setdefault(request.project_id,
                                     [request.team.name, request.project.title, 0, 0])
        row[2] += 1
        row[3] += t.minutes
    return sorted(tuple(r) for r in per_project.values())


def periods() -> list[Period]:
    rng = random.Random(4)
    out = [Period(date(2025, 1, 31), date(2025, 1, 31)),  # one day, the late session's
           Period(date(2025, 2, 1), date(2025, 2, 28)),  # one whole month
           Period(date(2025, 2, 2), date(2025, 2, 27)),  # inside one month
           Period(date(2024, 12, 15), date(2025, 2, 14)),
           Period(date(2025, 1, 1), date(2025, 6, 30)),
           Period(date(2024, 11, 20), date(2025, 8, 10)),
           Period(date(2027, 1, 1), date(2027, 2, 10))]  # nothing posted yet
    first = date(2024, 11, 1)
    for _ in range(30):
        start = first + timedelta(days=rng.randrange(300))
        out.append(Period(start, start + timedelta(days=rng.randrange(1, 200))))
    return out


def test_every_partial_month_is_read_both_ways():
    """The periods below hold partial months read from their own days and partial months
    read as the whole month less the days outside, so both ways are tested."""
    ways = {r[2] for p in periods() for r in split_months(p).ranges}
    assert ways == {1, -1}


def test_reports_equal_the_ledger_summed_directly_for_any_period(app):
    w = busier_world()
    for period in periods():
        label = period.label()
        assert matrix_minutes(w.system.id, period, "organisation") == ledger_pairs(period), label
        assert hours_by_month(w.system.id, period).rows == ledger_months(period), label
        table = hours_by_skill(w.system.id, period)
        assert {row[0]: row[3] for row in table.rows} == ledger_skills(period), label
        got = sorted((p.team, p.title, p.sessions, p.minutes)
                     for p in supported_projects(w.system.id, period))
        assert got == ledger_supported(period), label


@pytest.mark.parametrize("day", [date(2025, 3, 15), date(2025, 3, 1), date(2025, 3, 31)])
def test_a_period_ending_today_reads_this_month_from_the_summary(day):
    split = split_months(Period(date(2024, 10, 1), day), today=day)
    assert (split.first, split.last) == (date(2024, 10, 1), date(2025, 3, 1))
    # only the days after today are taken away (none are posted yet, so it costs nothing)
    assert [(lo.date(), sign) for lo, _hi, sign, _m in split.ranges] == (
        [] if day == date(2025, 3, 31) else [(day + timedelta(days=1), -1)])
