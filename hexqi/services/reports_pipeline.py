"""The Learn/Live/Lead pipeline: the capability pyramid, moves up a tier, training attendance.

Counts are of active people, by their current organisation. The monthly series is
reconstructed from ``TierChange`` rows backwards from today's counts (see
``docs/reports.md``), so its last point always equals the pyramid table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Organisation,
    Person,
    Tier,
    TierChange,
    TrainingAttendance,
    TrainingEvent,
)
from hexqi.services.reports import Period, Table, add_months, hours, month_label

TIERS = (Tier.LEARN, Tier.LIVE, Tier.LEAD)
TIER_NAMES = {Tier.LEARN: "Learn", Tier.LIVE: "Live", Tier.LEAD: "Lead"}


def _rank(column: Any) -> Any:
    return sa.case(*((column == tier, tier.rank) for tier in TIERS), else_=0)


def _in_system(system_id: int) -> Any:
    return Person.organisation_id.in_(
        sa.select(Organisation.id).where(Organisation.system_id == system_id))


def target(pct: float, headcount: int) -> int:
    """The dosing target: the organisation's target share of its staff headcount, rounded."""
    return int(round((pct or 0) * (headcount or 0) / 100))


@dataclass
class PyramidRow:
    name: str
    headcount: int
    counts: dict[Tier, int]
    targets: dict[Tier, int]
    moves: int
    movers: int

    def cells(self) -> list[Any]:
        out: list[Any] = [self.name, self.headcount]
        for tier in TIERS:
            out += [self.counts[tier], self.targets[tier]]
        return [*out, self.moves, self.movers]


def pyramid_rows(system_id: int, period: Period) -> tuple[list[PyramidRow], PyramidRow]:
    """Per organisation and for the system: people at each tier, targets, moves up (3 queries)."""
    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.staff_headcount,
                  Organisation.target_learn_pct, Organisation.target_live_pct,
                  Organisation.target_lead_pct)
        .where(Organisation.system_id == system_id).order_by(Organisation.name)
    ).all()
    counts: dict[int, dict[Tier, int]] = defaultdict(lambda: dict.fromkeys(TIERS, 0))
    for org_id, tier, n in db.session.execute(
        sa.select(Person.organisation_id, Person.tier, sa.func.count())
        .where(Person.active, _in_system(system_id))
        .group_by(Person.organisation_id, Person.tier)
    ):
        counts[org_id][Tier(tier)] = int(n)
    moves: dict[int, tuple[int, int]] = {
        org_id: (int(n), int(people)) for org_id, n, people in db.session.execute(
            sa.select(Person.organisation_id, sa.func.count(TierChange.id),
                      sa.func.count(sa.distinct(TierChange.person_id)))
            .join(Person, Person.id == TierChange.person_id)
            .where(Person.active, _in_system(system_id),
                   TierChange.changed_at >= period.starts_at,
                   TierChange.changed_at < period.ends_before,
                   TierChange.from_tier.is_not(None),
                   _rank(TierChange.to_tier) > _rank(TierChange.from_tier))
            .group_by(Person.organisation_id)
        )
    }
    rows = []
    for org_id, name, headcount, learn, live, lead in orgs:
        pcts = {Tier.LEARN: learn, Tier.LIVE: live, Tier.LEAD: lead}
        n, people = moves.get(org_id, (0, 0))
        rows.append(PyramidRow(name, headcount or 0, dict(counts[org_id]),
                               {t: target(pcts[t], headcount) for t in TIERS}, n, people))
    total = PyramidRow(
        "Whole system", sum(r.headcount for r in rows),
        {t: sum(r.counts[t] for r in rows) for t in TIERS},
        {t: sum(r.targets[t] for r in rows) for t in TIERS},
        sum(r.moves for r in rows), sum(r.movers for r in rows),
    )
    return rows, total


PYRAMID_COLUMNS = ["Organisation", "Staff headcount", "Learn", "Learn target", "Live",
                   "Live target", "Lead", "Lead target", "Moves up a tier",
                   "People who moved up"]


Pyramid = tuple[list[PyramidRow], PyramidRow]


def pyramid_table(system_id: int, period: Period, pyramid: Pyramid | None = None) -> Table:
    rows, total = pyramid or pyramid_rows(system_id, period)
    return Table(
        name="pyramid",
        title="People at each tier against dosing targets, and moves up a tier in the period",
        columns=PYRAMID_COLUMNS,
        rows=[r.cells() for r in rows] + ([total.cells()] if rows else []),
        note="Target = the organisation's target share for the tier × its staff headcount.",
    )


def system_tiers_table(system_id: int, period: Period, pyramid: Pyramid | None = None
                       ) -> Table:
    """The whole system's pyramid (for its chart): count and target per tier."""
    _rows, total = pyramid or pyramid_rows(system_id, period)
    return Table(
        name="system-tiers",
        title="Whole system: people at each tier against the dosing targets",
        columns=["Tier", "People", "Target"],
        rows=[[TIER_NAMES[t], total.counts[t], total.targets[t]] for t in reversed(TIERS)],
    )


def tier_series(system_id: int, period: Period) -> Table:
    """Learn/Live/Lead counts at the end of each month of the period (3 queries).

    Walks backwards from today's counts: a change after a month's end is undone (its
    ``to_tier`` loses one, its ``from_tier`` gains one; a first tier has no from_tier).
    People with no TierChange at all count from the moment they were created.
    """
    current = dict.fromkeys(TIERS, 0)
    for tier, n in db.session.execute(
        sa.select(Person.tier, sa.func.count())
        .where(Person.active, _in_system(system_id)).group_by(Person.tier)
    ):
        current[Tier(tier)] = int(n)
    first = period.starts_at
    year = sa.extract("year", TierChange.changed_at)
    month = sa.extract("month", TierChange.changed_at)
    changes = db.session.execute(
        sa.select(year, month, TierChange.from_tier, TierChange.to_tier, sa.func.count())
        .join(Person, Person.id == TierChange.person_id)
        .where(Person.active, _in_system(system_id), TierChange.changed_at >= first)
        .group_by(year, month, TierChange.from_tier, TierChange.to_tier)
    ).all()
    no_history = ~sa.exists().where(TierChange.person_id == Person.id)
    p_year = sa.extract("year", Person.created_at)
    p_month = sa.extract("month", Person.created_at)
    joins = db.session.execute(
        sa.select(p_year, p_month, sa.literal(None), Person.tier, sa.func.count())
        .where(Person.active, _in_system(system_id), no_history, Person.created_at >= first)
        .group_by(p_year, p_month, Person.tier)
    ).all()
    # Net change per (year, month) bucket, to undo from the present backwards.
    delta: dict[tuple[int, int], dict[Tier, int]] = defaultdict(lambda: dict.fromkeys(TIERS, 0))
    for y, m, from_tier, to_tier, n in [*changes, *joins]:
        delta[(int(y), int(m))][Tier(to_tier)] += int(n)
        if from_tier is not None:
            delta[(int(y), int(m))][Tier(from_tier)] -= int(n)
    months = period.months()
    # The period's last month may end before today: undo everything after it first.
    after_end = add_months(period.end.replace(day=1), 1)
    state = dict(current)
    for key, change in delta.items():
        if key >= (after_end.year, after_end.month):
            for t in TIERS:
                state[t] -= change[t]
    table = Table(
        name="tier-series",
        title="People at each tier at the end of each month",
        columns=["Month", "Learn", "Live", "Lead"],
        note="Counts at the end of each calendar month; for the current month, today.",
    )
    points = []
    for y, m in reversed(months):
        points.append([month_label(y, m), *(state[t] for t in TIERS)])
        for t in TIERS:
            state[t] -= delta[(y, m)][t]
    table.rows = list(reversed(points))
    return table


def training_table(system_id: int, period: Period) -> Table:
    """Training events hosted in the system in the period, and attendance by tier (2 queries)."""
    in_period = sa.and_(
        TrainingEvent.starts_at >= period.starts_at,
        TrainingEvent.starts_at < period.ends_before,
        TrainingEvent.host_organisation_id.in_(
            sa.select(Organisation.id).where(Organisation.system_id == system_id)),
    )
    events, minutes = db.session.execute(
        sa.select(sa.func.count(TrainingEvent.id),
                  sa.func.coalesce(sa.func.sum(TrainingEvent.minutes), 0)).where(in_period)
    ).one()
    by_tier = {Tier(tier): (int(n), int(people)) for tier, n, people in db.session.execute(
        sa.select(Person.tier, sa.func.count(), sa.func.count(sa.distinct(Person.id)))
        .select_from(TrainingAttendance)
        .join(TrainingEvent, TrainingEvent.id == TrainingAttendance.event_id)
        .join(Person, Person.id == TrainingAttendance.person_id)
        .where(in_period, TrainingAttendance.attended)
        .group_by(Person.tier)
    )}
    rows: list[list[Any]] = [[TIER_NAMES[t], *by_tier.get(t, (0, 0))] for t in TIERS]
    rows.append(["All tiers", sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Table(
        name="training",
        title=f"Training attendance: {int(events)} events, {hours(int(minutes))} hours taught",
        columns=["Attendee tier (today)", "Attendances", "Distinct people"],
        rows=rows if events else [],
        note="An attendance is one person attending one event; tier is the attendee's tier today.",
    )
