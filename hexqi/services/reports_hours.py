"""Hours exchanged: the organisation matrix, net givers and receivers, by month, skill and kind.

All of these sum the rows of :func:`hexqi.services.reports.hours_given` in the database
(one query each); see ``docs/reports.md`` for what counts as hours given.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    Match,
    Organisation,
    OrgKind,
    PendingTransfer,
    RequestSkill,
    Skill,
    TrainingEvent,
    Transfer,
    TransferKind,
)
from hexqi.services.reports import (
    Flow,
    OrgRef,
    Period,
    Table,
    account_orgs,
    flows,
    hours,
    month_label,
)

GROUPS = {
    "kind": "Organisation kind",
    "locality": "Locality",
    "organisation": "Organisation",
}
NO_SKILL = "No skill recorded"
NO_LOCALITY = "No locality recorded"


def _key(org: OrgRef, group: str) -> Any:
    if group == "kind":
        return org.kind
    if group == "locality":
        return org.locality
    return org.name


def group_label(value: Any, group: str) -> str:
    if group == "kind":
        return OrgKind(value).label
    if group == "locality":
        return value or NO_LOCALITY
    return str(value)


def check_group(group: str | None) -> str:
    return group if group in GROUPS else "kind"


def matrix_minutes(system_id: int, period: Period, group: str = "kind",
                   rows: list[Flow] | None = None) -> dict[tuple[str, str], int]:
    """Minutes given, keyed by (giver label, receiver label), from :func:`flows`."""
    rows = flows(system_id, period) if rows is None else rows
    out: dict[tuple[str, str], int] = defaultdict(int)
    for f in rows:
        out[(group_label(_key(f.giver, group), group),
             group_label(_key(f.receiver, group), group))] += f.minutes
    return dict(out)


def hours_matrix(system_id: int, period: Period, group: str = "kind",
                 rows: list[Flow] | None = None) -> Table:
    """Giver rows × receiver columns of hours, with row and column totals.

    A blank cell means no hours were given between that pair in the period.
    """
    group = check_group(group)
    cells = matrix_minutes(system_id, period, group, rows)
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


def given_received_minutes(system_id: int, period: Period, group: str = "organisation",
                           rows: list[Flow] | None = None) -> list[tuple[str, int, int]]:
    """(label, minutes given, minutes received) for each group with any hours."""
    rows = flows(system_id, period) if rows is None else rows
    sides: dict[str, list[int]] = {}
    for f in rows:
        sides.setdefault(group_label(_key(f.giver, group), group), [0, 0])[0] += f.minutes
        sides.setdefault(group_label(_key(f.receiver, group), group), [0, 0])[1] += f.minutes
    return [(label, g, r) for label, (g, r) in sides.items()]


def net_givers(system_id: int, period: Period, flow_rows: list[Flow] | None = None) -> Table:
    """Per organisation: hours given, received and the net (given minus received)."""
    rows = given_received_minutes(system_id, period, "organisation", flow_rows)
    rows.sort(key=lambda r: (-(r[1] - r[2]), r[0]))
    return Table(
        name="net-givers",
        title="Net givers and receivers (hours given minus hours received)",
        columns=["Organisation", "Hours given", "Hours received", "Net hours"],
        rows=[[name, hours(g), hours(r), hours(g - r)] for name, g, r in rows],
        note="Positive: the organisation gave more hours than it received.",
    )


def hours_by_kind(system_id: int, period: Period, flow_rows: list[Flow] | None = None
                  ) -> Table:
    rows = given_received_minutes(system_id, period, "kind", flow_rows)
    rows.sort(key=lambda r: r[0])
    return Table(
        name="hours-by-kind",
        title="Hours given and received, by organisation kind",
        columns=["Organisation kind", "Hours given", "Hours received", "Net hours"],
        rows=[[kind, hours(g), hours(r), hours(g - r)] for kind, g, r in rows],
    )


def hours_by_month(system_id: int, period: Period, rows: list[Flow] | None = None) -> Table:
    """Every month of the period (zero when nothing was given), split session/training.

    ``rows`` are :func:`flows` by month."""
    rows = flows(system_id, period, by_month=True) if rows is None else rows
    months = period.months()
    minutes: dict[tuple[int, int, str], int] = defaultdict(int)
    for f in rows:
        if len(f.by_month) != len(months):
            raise ValueError("hours by month needs the flows by month of the same period")
        for (y, m), n in zip(months, f.by_month, strict=True):
            minutes[(y, m, f.source_kind)] += n
    table = Table(
        name="hours-by-month",
        title="Hours given by month",
        columns=["Month", "Coaching-session hours", "Training hours", "Total hours"],
    )
    for y, m in months:
        session = minutes[(y, m, "session")]
        training = minutes[(y, m, "training")]
        table.rows.append([month_label(y, m), hours(session), hours(training),
                           hours(session + training)])
    return table


def _given_of_kind(period: Period, kind: TransferKind, link: str) -> Any:
    """The period's ``kind`` transfers (and their reversals, negative, accounts swapped)
    with the ``link`` column (pending_id or training_event_id): a subquery."""
    t = aliased(Transfer, name="t")
    original = aliased(Transfer, name="original")
    in_period = (t.created_at >= period.starts_at, t.created_at < period.ends_before)
    return sa.union_all(
        sa.select(getattr(t, link).label("link"), t.credit_account_id.label("giver"),
                  t.debit_account_id.label("receiver"), t.minutes.label("minutes"))
        .where(*in_period, t.kind == kind),
        sa.select(getattr(original, link).label("link"), t.debit_account_id.label("giver"),
                  t.credit_account_id.label("receiver"), (-t.minutes).label("minutes"))
        .select_from(t).join(original, original.id == t.reverses_id)
        .where(*in_period, t.kind == TransferKind.REVERSAL, original.kind == kind),
    ).subquery(f"given_{kind.value}")


def _within_system(per_pair: Any, key: Any, system_id: int, name: str) -> Any:
    """Sum ``per_pair`` (key, giver, receiver, minutes) over the pairs whose both accounts
    belong to the system's organisations, by ``key``: a subquery (key, minutes).

    Filtering after the first sum keeps the large join free of a filter the planner
    cannot estimate (it chose nested loops over every session when it was applied first).
    """
    giver_acc, receiver_acc = account_orgs(f"{name}_giver"), account_orgs(f"{name}_receiver")
    giver = aliased(Organisation, name=f"{name}_giver_org")
    receiver = aliased(Organisation, name=f"{name}_receiver_org")
    return (
        sa.select(key.label("key"), sa.func.sum(per_pair.c.minutes).label("minutes"))
        .select_from(per_pair)
        .join(giver_acc, giver_acc.c.account_id == per_pair.c.giver)
        .join(receiver_acc, receiver_acc.c.account_id == per_pair.c.receiver)
        .join(giver, giver.id == giver_acc.c.organisation_id)
        .join(receiver, receiver.id == receiver_acc.c.organisation_id)
        .where(giver.system_id == system_id, receiver.system_id == system_id)
        .group_by(key).subquery(name)
    )


def hours_by_skill(system_id: int, period: Period) -> Table:
    """Session hours split equally across the request's skills; training hours to the
    event's skill. Two queries (sessions, training): sessions are summed per request
    first, then split, so the split is exact (minutes per skill count kept apart)."""
    sessions = _given_of_kind(period, TransferKind.SESSION, "pending_id")
    per_pair = (
        sa.select(CoachingSession.match_id.label("match_id"), sessions.c.giver,
                  sessions.c.receiver, sa.func.sum(sessions.c.minutes).label("minutes"))
        .select_from(sessions)
        .outerjoin(PendingTransfer, PendingTransfer.id == sessions.c.link)
        .outerjoin(CoachingSession, CoachingSession.id == PendingTransfer.session_id)
        .group_by(CoachingSession.match_id, sessions.c.giver, sessions.c.receiver)
        .subquery("per_pair")
    )
    per_match = _within_system(per_pair, per_pair.c.match_id, system_id, "per_match")
    per_request = (
        sa.select(Match.request_id.label("key"), sa.func.sum(per_match.c.minutes).label("minutes"))
        .select_from(per_match).outerjoin(Match, Match.id == per_match.c.key)
        .group_by(Match.request_id).subquery("per_request")
    )
    skill_count = (
        sa.select(RequestSkill.request_id, sa.func.count().label("n"))
        .group_by(RequestSkill.request_id).subquery("skill_count")
    )
    parts = sa.func.coalesce(skill_count.c.n, 1)
    session_rows = db.session.execute(
        sa.select(Skill.name, parts, sa.func.sum(per_request.c.minutes))
        .select_from(per_request)
        .outerjoin(RequestSkill, RequestSkill.request_id == per_request.c.key)
        .outerjoin(skill_count, skill_count.c.request_id == per_request.c.key)
        .outerjoin(Skill, Skill.id == RequestSkill.skill_id)
        .group_by(Skill.name, parts)
    )
    training = _given_of_kind(period, TransferKind.TRAINING, "training_event_id")
    event_pair = (
        sa.select(training.c.link, training.c.giver, training.c.receiver,
                  sa.func.sum(training.c.minutes).label("minutes"))
        .group_by(training.c.link, training.c.giver, training.c.receiver)
        .subquery("event_pair")
    )
    per_event = _within_system(event_pair, event_pair.c.link, system_id, "per_event")
    training_rows = db.session.execute(
        sa.select(Skill.name, sa.func.sum(per_event.c.minutes))
        .select_from(per_event)
        .outerjoin(TrainingEvent, TrainingEvent.id == per_event.c.key)
        .outerjoin(Skill, Skill.id == TrainingEvent.skill_id)
        .group_by(Skill.name)
    )
    split: dict[str, Fraction] = defaultdict(Fraction)
    for name, n, minutes in session_rows:
        split[name or NO_SKILL] += Fraction(int(minutes), int(n))
    by_skill: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for name, minutes in split.items():
        by_skill[name][0] += Decimal(minutes.numerator) / Decimal(minutes.denominator)
    for name, minutes in training_rows:
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


def hours_totals(system_id: int, period: Period, rows: list[Flow] | None = None
                 ) -> dict[str, int]:
    """Minutes given in the period: all, and across organisations only."""
    rows = flows(system_id, period) if rows is None else rows
    return {"total": sum(f.minutes for f in rows),
            "across": sum(f.minutes for f in rows if f.giver.id != f.receiver.id)}
