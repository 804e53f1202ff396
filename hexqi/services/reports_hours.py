"""Hours exchanged: the organisation matrix, net givers and receivers, by month, skill and kind.

All of these sum the rows of :func:`hexqi.services.reports.hours_given` in the database
(one query each); see ``docs/reports.md`` for what counts as hours given.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    OrgKind,
    PendingTransfer,
    RequestSkill,
    Skill,
    TrainingEvent,
    TransferKind,
)
from hexqi.services.reports import Period, Table, hours, hours_given, month_label

GROUPS = {
    "kind": "Organisation kind",
    "locality": "Locality",
    "organisation": "Organisation",
}
NO_SKILL = "No skill recorded"
NO_LOCALITY = "No locality recorded"


def _keys(given: Any, group: str) -> tuple[Any, Any]:
    if group == "kind":
        return given.c.giver_kind, given.c.receiver_kind
    if group == "locality":
        return given.c.giver_locality, given.c.receiver_locality
    return given.c.giver_name, given.c.receiver_name


def group_label(value: Any, group: str) -> str:
    if group == "kind":
        return OrgKind(value).label
    if group == "locality":
        return value or NO_LOCALITY
    return str(value)


def check_group(group: str | None) -> str:
    return group if group in GROUPS else "kind"


def matrix_minutes(system_id: int, period: Period, group: str = "kind"
                   ) -> dict[tuple[str, str], int]:
    """Minutes given, keyed by (giver label, receiver label): one GROUP BY query."""
    given = hours_given(system_id, period)
    giver_key, receiver_key = _keys(given, group)
    rows = db.session.execute(
        sa.select(giver_key, receiver_key, sa.func.sum(given.c.minutes))
        .group_by(giver_key, receiver_key)
    )
    return {(group_label(g, group), group_label(r, group)): int(m) for g, r, m in rows}


def hours_matrix(system_id: int, period: Period, group: str = "kind") -> Table:
    """Giver rows × receiver columns of hours, with row and column totals.

    A blank cell means no hours were given between that pair in the period.
    """
    group = check_group(group)
    cells = matrix_minutes(system_id, period, group)
    givers = sorted({g for g, _ in cells})
    receivers = sorted({r for _, r in cells})
    given_total: dict[str, int] = defaultdict(int)
    received_total: dict[str, int] = defaultdict(int)
    for (g, r), m in cells.items():
        given_total[g] += m
        received_total[r] += m
    table = Table(
        name="hours-matrix",
        title=f"Hours given, by {GROUPS[group].lower()} (givers down, receivers across)",
        columns=[f"Giver {GROUPS[group].lower()}", *receivers, "Total given"],
        note="Blank: no hours given between that pair in the period.",
    )
    for g in givers:
        row: list[Any] = [g]
        row += [hours(cells[(g, r)]) if (g, r) in cells else None for r in receivers]
        table.rows.append([*row, hours(given_total[g])])
    if givers:
        table.rows.append(["Total received", *(hours(received_total[r]) for r in receivers),
                           hours(sum(cells.values()))])
    return table


def given_received_minutes(system_id: int, period: Period, group: str = "organisation"
                           ) -> list[tuple[str, int, int]]:
    """(label, minutes given, minutes received) for each group with any hours: one query."""
    given = hours_given(system_id, period)
    giver_key, receiver_key = _keys(given, group)
    both = sa.union_all(
        sa.select(giver_key.label("k"), given.c.minutes.label("given"),
                  sa.literal(0).label("received")),
        sa.select(receiver_key.label("k"), sa.literal(0).label("given"),
                  given.c.minutes.label("received")),
    ).subquery("both_sides")
    rows = db.session.execute(
        sa.select(both.c.k, sa.func.sum(both.c.given), sa.func.sum(both.c.received))
        .group_by(both.c.k)
    )
    return [(group_label(k, group), int(g), int(r)) for k, g, r in rows]


def net_givers(system_id: int, period: Period) -> Table:
    """Per organisation: hours given, received and the net (given minus received)."""
    rows = given_received_minutes(system_id, period, "organisation")
    rows.sort(key=lambda r: (-(r[1] - r[2]), r[0]))
    return Table(
        name="net-givers",
        title="Net givers and receivers (hours given minus hours received)",
        columns=["Organisation", "Hours given", "Hours received", "Net hours"],
        rows=[[name, hours(g), hours(r), hours(g - r)] for name, g, r in rows],
        note="Positive: the organisation gave more hours than it received.",
    )


def hours_by_kind(system_id: int, period: Period) -> Table:
    rows = given_received_minutes(system_id, period, "kind")
    rows.sort(key=lambda r: r[0])
    return Table(
        name="hours-by-kind",
        title="Hours given and received, by organisation kind",
        columns=["Organisation kind", "Hours given", "Hours received", "Net hours"],
        rows=[[kind, hours(g), hours(r), hours(g - r)] for kind, g, r in rows],
    )


def hours_by_month(system_id: int, period: Period) -> Table:
    """Every month of the period (zero when nothing was given), split session/training."""
    given = hours_given(system_id, period)
    year = sa.extract("year", given.c.at)
    month = sa.extract("month", given.c.at)
    rows = db.session.execute(
        sa.select(year, month, given.c.source_kind, sa.func.sum(given.c.minutes))
        .group_by(year, month, given.c.source_kind)
    )
    minutes: dict[tuple[int, int, str], int] = defaultdict(int)
    for y, m, kind, total in rows:
        minutes[(int(y), int(m), TransferKind(kind).value)] += int(total)
    table = Table(
        name="hours-by-month",
        title="Hours given by month",
        columns=["Month", "Coaching-session hours", "Training hours", "Total hours"],
    )
    for y, m in period.months():
        session = minutes[(y, m, "session")]
        training = minutes[(y, m, "training")]
        table.rows.append([month_label(y, m), hours(session), hours(training),
                           hours(session + training)])
    return table


def hours_by_skill(system_id: int, period: Period) -> Table:
    """Session hours split equally across the request's skills; training hours to the
    event's skill. Two queries (sessions, training)."""
    given = hours_given(system_id, period)
    skill_count = (
        sa.select(RequestSkill.request_id, sa.func.count().label("n"))
        .group_by(RequestSkill.request_id).subquery("skill_count")
    )
    share = sa.cast(given.c.minutes, sa.Float) / sa.func.coalesce(skill_count.c.n, 1)
    sessions = db.session.execute(
        sa.select(Skill.name, sa.func.sum(share))
        .select_from(given)
        .outerjoin(PendingTransfer, PendingTransfer.id == given.c.pending_id)
        .outerjoin(CoachingSession, CoachingSession.id == PendingTransfer.session_id)
        .outerjoin(Match, Match.id == CoachingSession.match_id)
        .outerjoin(RequestSkill, RequestSkill.request_id == Match.request_id)
        .outerjoin(skill_count, skill_count.c.request_id == Match.request_id)
        .outerjoin(Skill, Skill.id == RequestSkill.skill_id)
        .where(given.c.source_kind == TransferKind.SESSION)
        .group_by(Skill.name)
    )
    training = db.session.execute(
        sa.select(Skill.name, sa.func.sum(given.c.minutes))
        .select_from(given)
        .outerjoin(TrainingEvent, TrainingEvent.id == given.c.training_event_id)
        .outerjoin(Skill, Skill.id == TrainingEvent.skill_id)
        .where(given.c.source_kind == TransferKind.TRAINING)
        .group_by(Skill.name)
    )
    by_skill: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for name, minutes in sessions:
        by_skill[name or NO_SKILL][0] += Decimal(minutes)
    for name, minutes in training:
        by_skill[name or NO_SKILL][1] += Decimal(minutes)
    rows = [[name, hours(s), hours(t), hours(s + t)] for name, (s, t) in by_skill.items()]
    rows.sort(key=lambda r: (-r[3], r[0]))
    return Table(
        name="hours-by-skill",
        title="Hours given by skill",
        columns=["Skill", "Coaching-session hours", "Training hours", "Total hours"],
        rows=rows,
        note="A session's hours are split equally across its request's skills.",
    )


def hours_totals(system_id: int, period: Period) -> dict[str, int]:
    """Minutes given in the period: all, and across organisations only (one query)."""
    given = hours_given(system_id, period)
    across = sa.case((given.c.giver_org_id != given.c.receiver_org_id, given.c.minutes),
                     else_=0)
    total, cross = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(given.c.minutes), 0),
                  sa.func.coalesce(sa.func.sum(across), 0))
    ).one()
    return {"total": int(total), "across": int(cross)}
