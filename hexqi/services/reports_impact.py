"""Impact: the QI projects coaching supported in a period and their outcome measures.

A project is *supported* in a period when one of its requests had a coaching session
that started in the period, was held, and whose hours were confirmed (posted) and not
reversed. Outcome figures are the project's recorded measure (name, unit, baseline,
latest); see ``docs/reports.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
    HoursSummary,
    Match,
    Organisation,
    OrgKind,
    PendingStatus,
    PendingTransfer,
    Project,
    SessionStatus,
    SupportRequest,
    Team,
    Transfer,
    TransferKind,
)
from hexqi.services.reports import Period, Table, alias, hours, in_ranges, split_months

NO_MEASURE = "No measure recorded"


def supported_per_match(period: Period) -> Any:
    """Per match: supported sessions that started in the period and their minutes (a
    subquery: match_id, sessions, minutes; a match whose sessions were all reversed is 0).

    Whole months come from ``hours_summary`` by the month the hours were given (its session
    transfers less their reversals, whenever posted, are the unreversed sessions); the
    partial months at the ends from the sessions themselves (:func:`split_months`).
    """
    split = split_months(period)
    hs = HoursSummary
    branches = []
    if split.first is not None:
        branches.append(
            sa.select(hs.source_id.label("match_id"),
                      (hs.transfers - hs.reversals).label("sessions"),
                      hs.minutes.label("minutes"))
            .where(hs.kind == TransferKind.SESSION.value, hs.given_month >= split.first,
                   hs.given_month <= split.last))
    if split.ranges:
        inside, sign, _month = in_ranges(CoachingSession.starts_at, split)
        reversal = alias(Transfer, "reversal")
        branches.append(
            sa.select(CoachingSession.match_id.label("match_id"), sign.label("sessions"),
                      (sign * Transfer.minutes).label("minutes"))
            .join(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
            .join(Transfer, Transfer.pending_id == PendingTransfer.id)
            .where(
                inside,
                CoachingSession.status == SessionStatus.HELD,
                PendingTransfer.status == PendingStatus.CONFIRMED,
                ~sa.exists().where(reversal.reverses_id == Transfer.id),
            ))
    rows = (sa.union_all(*branches) if len(branches) > 1 else branches[0]).subquery("rows")
    return (
        sa.select(rows.c.match_id, sa.func.sum(rows.c.sessions).label("sessions"),
                  sa.func.sum(rows.c.minutes).label("minutes"))
        .group_by(rows.c.match_id).subquery("per_match")
    )


def supported_by_project(system_id: int, period: Period) -> Any:
    """Per project: supported sessions (held, confirmed, unreversed, started in the period)
    and their minutes (a subquery: project_id, sessions, minutes).

    The sessions are summed per match first (:func:`supported_per_match`), so only those
    few rows are joined on to requests, teams and organisations.
    """
    per_match = supported_per_match(period)
    return (
        sa.select(SupportRequest.project_id.label("project_id"),
                  sa.func.sum(per_match.c.sessions).label("sessions"),
                  sa.func.sum(per_match.c.minutes).label("minutes"))
        .select_from(per_match)
        .join(Match, Match.id == per_match.c.match_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .join(Team, Team.id == SupportRequest.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Organisation.system_id == system_id)
        .group_by(SupportRequest.project_id)
        # a match's net is never below zero, so a project with none left was not supported
        .having(sa.func.sum(per_match.c.sessions) > 0)
        .subquery("per_project")
    )


@dataclass(frozen=True)
class SupportedProject:
    """One project supported in the period, with its sessions, minutes and measure."""

    title: str
    team: str
    organisation: str
    kind: str
    sessions: int
    minutes: int
    measure_name: str | None
    measure_unit: str | None
    baseline: float | None
    latest: float | None
    measured_on: Any
    measure_rank: int  # the database's order of (measure name, unit)


def supported_projects(system_id: int, period: Period) -> list[SupportedProject]:
    """Every supported project in the project list's order: one query.

    The page's tables (projects, by kind, measures) are all derived from these rows, so
    the sessions are joined to their transfers once per page.
    """
    per_project = supported_by_project(system_id, period)
    rank = sa.func.dense_rank().over(order_by=(Project.measure_name, Project.measure_unit))
    rows = db.session.execute(
        sa.select(Project.title, Team.name, Organisation.name, Organisation.kind,
                  per_project.c.sessions, per_project.c.minutes, Project.measure_name,
                  Project.measure_unit, Project.measure_baseline, Project.measure_latest,
                  Project.measured_on, rank)
        .join(per_project, per_project.c.project_id == Project.id)
        .join(Team, Team.id == Project.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .order_by(Organisation.name, Team.name, Project.title, Project.id)
    )
    return [SupportedProject(title, team, org, kind, int(n), int(m), name, unit, base, last,
                             on, int(r))
            for title, team, org, kind, n, m, name, unit, base, last, on, r in rows]


def _projects(system_id: int, period: Period, projects: list[SupportedProject] | None
              ) -> list[SupportedProject]:
    return supported_projects(system_id, period) if projects is None else projects


def projects_supported(system_id: int, period: Period) -> int:
    """How many projects were supported in the period: one query over
    :func:`supported_by_project`."""
    per_project = supported_by_project(system_id, period)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(per_project)) or 0)


def measures_table(system_id: int, period: Period,
                   projects: list[SupportedProject] | None = None) -> Table:
    """Per outcome measure (name and unit) over the supported projects."""
    groups: dict[int, list[SupportedProject]] = {}
    for p in _projects(system_id, period, projects):
        groups.setdefault(p.measure_rank, []).append(p)
    table = Table(
        name="impact-measures",
        title="Outcome measures of the projects supported",
        columns=["Measure", "Unit", "Projects", "Projects with baseline and latest",
                 "Sum of baseline", "Sum of latest", "Cumulative change"],
        note="Sums and change cover projects that recorded both a baseline and a latest value.",
    )
    for _rank, group in sorted(groups.items()):
        measured = [p for p in group if p.baseline is not None and p.latest is not None]
        bases = [p.baseline for p in measured if p.baseline is not None]
        lasts = [p.latest for p in measured if p.latest is not None]
        base = round(float(sum(bases)), 2) if measured else None
        last = round(float(sum(lasts)), 2) if measured else None
        change = round(last - base, 2) if base is not None and last is not None else None
        first = group[0]
        table.rows.append([first.measure_name or NO_MEASURE, first.measure_unit or "",
                           len(group), len(measured), base, last, change])
    return table


@dataclass
class ProjectPage:
    table: Table
    page: int
    pages: int
    total: int


PROJECT_COLUMNS = ["Project", "Team", "Organisation", "Sessions", "Hours", "Measure", "Unit",
                   "Baseline", "Latest", "Change", "Measured on"]


def _project_row(p: SupportedProject) -> list[Any]:
    base, last = p.baseline, p.latest
    change = round(last - base, 2) if base is not None and last is not None else None
    return [p.title, p.team, p.organisation, p.sessions, hours(p.minutes), p.measure_name or "",
            p.measure_unit or "", base, last, change,
            p.measured_on.isoformat() if p.measured_on else ""]


def projects_table(system_id: int, period: Period, page: int | None = None,
                   per_page: int = 25, projects: list[SupportedProject] | None = None
                   ) -> ProjectPage:
    """The supported projects, one row each; a page of them when ``page`` is given,
    all of them for the CSV."""
    rows = _projects(system_id, period, projects)
    table = Table(name="impact-projects", title="Projects supported in the period",
                  columns=PROJECT_COLUMNS)
    if page is None:
        table.rows = [_project_row(p) for p in rows]
        return ProjectPage(table, 1, 1, len(table.rows))
    total = len(rows)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    table.rows = [_project_row(p) for p in rows[(page - 1) * per_page:page * per_page]]
    return ProjectPage(table, page, pages, total)


def projects_by_kind(system_id: int, period: Period,
                     projects: list[SupportedProject] | None = None) -> Table:
    """Projects supported and coaching hours they received, by the team's organisation kind."""
    by_kind: dict[str, list[int]] = {}
    for p in _projects(system_id, period, projects):
        counts = by_kind.setdefault(p.kind, [0, 0])
        counts[0] += 1
        counts[1] += p.minutes
    out = [[OrgKind(kind).label, n, hours(m)] for kind, (n, m) in by_kind.items()]
    out.sort(key=lambda r: (-r[1], r[0]))
    return Table(name="impact-by-kind",
                 title="Projects supported, by the team's organisation kind",
                 columns=["Organisation kind", "Projects supported", "Coaching hours"],
                 rows=out)
