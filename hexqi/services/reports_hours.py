"""Hours exchanged: the organisation matrix, net givers and receivers, by month, skill and kind.

All of these sum hours given in the database: :func:`hexqi.services.reports.flows` for
the organisation tables, :func:`hexqi.services.reports.posted_hours` per match and
training event for the skills; see ``docs/reports.md`` for what counts as hours given.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Match,
    Organisation,
    OrgKind,
    RequestSkill,
    Skill,
    TrainingEvent,
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
    posted_hours,
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


@functools.cache
def group_label(value: Any, group: str) -> str:
    """How a group shows (kept: a page labels its few groups thousands of times)."""
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
    pairs: dict[tuple[OrgRef, OrgRef], int] = defaultdict(int)
    for f in rows:  # per pair of organisations first, then per pair of groups
        pairs[(f.giver, f.receiver)] += f.minutes
    out: dict[tuple[str, str], int] = defaultdict(int)
    for (giver, receiver), minutes in pairs.items():
        out[(group_label(_key(giver, group), group),
             group_label(_key(receiver, group), group))] += minutes
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
    given: dict[OrgRef, int] = defaultdict(int)
    received: dict[OrgRef, int] = defaultdict(int)
    for f in rows:  # per organisation first: a page may hold thousands of flows
        given[f.giver] += f.minutes
        received[f.receiver] += f.minutes
    sides: dict[str, list[int]] = {}
    for side, totals in ((0, given), (1, received)):
        for org, minutes in totals.items():
            sides.setdefault(group_label(_key(org, group), group), [0, 0])[side] += minutes
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
    per_kind: dict[str, list[tuple[int, ...]]] = defaultdict(list)
    for f in rows:
        if len(f.by_month) != len(months):
            raise ValueError("hours by month needs the flows by month of the same period")
        per_kind[f.source_kind].append(f.by_month)
    zero = [0] * len(months)
    session, training = ([sum(column) for column in zip(*per_kind[kind], strict=True)] or zero
                         for kind in ("session", "training"))
    table = Table(
        name="hours-by-month",
        title="Hours given by month",
        columns=["Month", "Coaching-session hours", "Training hours", "Total hours"],
    )
    for (y, m), s, t in zip(months, session, training, strict=True):
        table.rows.append([month_label(y, m), hours(s), hours(t), hours(s + t)])
    return table


def _system_accounts(system_id: int) -> Any:
    """The ids of the accounts whose owner's organisation is in the system (a select)."""
    owners = account_orgs("system_accounts")
    return (sa.select(owners.c.account_id)
            .join(Organisation, Organisation.id == owners.c.organisation_id)
            .where(Organisation.system_id == system_id))


def hours_by_skill(system_id: int, period: Period) -> Table:
    """Session hours split equally across the request's skills; training hours to the
    event's skill. Two queries (sessions, training) over :func:`posted_hours` by source:
    sessions are summed per request first, then split, so the split is exact (minutes per
    skill count kept apart)."""
    given = posted_hours(period, source=True)
    mine = _system_accounts(system_id)

    def per_key(kind: TransferKind, key: Any, name: str) -> Any:
        """Minutes per ``key`` of the ``kind``'s hours between the system's accounts (a
        subquery: key, minutes; only keys with a transfer in the period)."""
        stmt = sa.select(key.label("key"), sa.func.sum(given.c.minutes).label("minutes"))
        if kind is TransferKind.SESSION:  # the session's match names the request
            stmt = stmt.select_from(given).outerjoin(Match, Match.id == given.c.source_id)
        return (stmt.where(given.c.kind == kind.value, given.c.giver_account_id.in_(mine),
                           given.c.receiver_account_id.in_(mine))
                .group_by(key).having(sa.func.sum(given.c.transfers) > 0).subquery(name))

    per_request = per_key(TransferKind.SESSION, Match.request_id, "per_request")
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
    per_event = per_key(TransferKind.TRAINING, given.c.source_id, "per_event")
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
