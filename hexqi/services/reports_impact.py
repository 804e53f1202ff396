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
from sqlalchemy.orm import aliased

from hexqi.extensions import db
from hexqi.models import (
    CoachingSession,
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
)
from hexqi.services.reports import Period, Table, hours

NO_MEASURE = "No measure recorded"


def supported_sessions(system_id: int, period: Period) -> Any:
    """Held, confirmed, unreversed sessions that started in the period (a subquery)."""
    reversal = aliased(Transfer, name="reversal")
    return (
        sa.select(SupportRequest.project_id.label("project_id"),
                  CoachingSession.id.label("session_id"),
                  Transfer.minutes.label("minutes"))
        .select_from(CoachingSession)
        .join(Match, Match.id == CoachingSession.match_id)
        .join(SupportRequest, SupportRequest.id == Match.request_id)
        .join(Team, Team.id == SupportRequest.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .join(PendingTransfer, PendingTransfer.session_id == CoachingSession.id)
        .join(Transfer, Transfer.pending_id == PendingTransfer.id)
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(
            Organisation.system_id == system_id,
            CoachingSession.status == SessionStatus.HELD,
            CoachingSession.starts_at >= period.starts_at,
            CoachingSession.starts_at < period.ends_before,
            PendingTransfer.status == PendingStatus.CONFIRMED,
            reversal.id.is_(None),
        )
        .subquery("supported")
    )


def projects_supported(system_id: int, period: Period) -> int:
    supported = supported_sessions(system_id, period)
    return int(db.session.scalar(
        sa.select(sa.func.count(sa.distinct(supported.c.project_id)))) or 0)


def _per_project(system_id: int, period: Period) -> Any:
    supported = supported_sessions(system_id, period)
    return (
        sa.select(supported.c.project_id, sa.func.count(supported.c.session_id).label("sessions"),
                  sa.func.sum(supported.c.minutes).label("minutes"))
        .group_by(supported.c.project_id).subquery("per_project")
    )


def measures_table(system_id: int, period: Period) -> Table:
    """Per outcome measure (name and unit) over the supported projects: one query."""
    per_project = _per_project(system_id, period)
    both = sa.and_(Project.measure_baseline.is_not(None), Project.measure_latest.is_not(None))
    measured = sa.case((both, 1), else_=0)
    baseline = sa.case((both, Project.measure_baseline), else_=None)
    latest = sa.case((both, Project.measure_latest), else_=None)
    rows = db.session.execute(
        sa.select(Project.measure_name, Project.measure_unit, sa.func.count(Project.id),
                  sa.func.sum(measured), sa.func.sum(baseline), sa.func.sum(latest))
        .join(per_project, per_project.c.project_id == Project.id)
        .group_by(Project.measure_name, Project.measure_unit)
        .order_by(Project.measure_name, Project.measure_unit)
    ).all()
    table = Table(
        name="impact-measures",
        title="Outcome measures of the projects supported",
        columns=["Measure", "Unit", "Projects", "Projects with baseline and latest",
                 "Sum of baseline", "Sum of latest", "Cumulative change"],
        note="Sums and change cover projects that recorded both a baseline and a latest value.",
    )
    for name, unit, projects, n_measured, base, last in rows:
        n_measured = int(n_measured or 0)
        base = round(float(base), 2) if n_measured else None
        last = round(float(last), 2) if n_measured else None
        change = round(last - base, 2) if n_measured else None
        table.rows.append([name or NO_MEASURE, unit or "", int(projects), n_measured,
                           base, last, change])
    return table


@dataclass
class ProjectPage:
    table: Table
    page: int
    pages: int
    total: int


PROJECT_COLUMNS = ["Project", "Team", "Organisation", "Sessions", "Hours", "Measure", "Unit",
                   "Baseline", "Latest", "Change", "Measured on"]


def _project_select(system_id: int, period: Period) -> Any:
    per_project = _per_project(system_id, period)
    return (
        sa.select(Project.title, Team.name, Organisation.name, per_project.c.sessions,
                  per_project.c.minutes, Project.measure_name, Project.measure_unit,
                  Project.measure_baseline, Project.measure_latest, Project.measured_on)
        .join(per_project, per_project.c.project_id == Project.id)
        .join(Team, Team.id == Project.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .order_by(Organisation.name, Team.name, Project.title, Project.id)
    )


def _project_row(row: Any) -> list[Any]:
    title, team, org, sessions, minutes, name, unit, base, last, on = row
    change = round(last - base, 2) if base is not None and last is not None else None
    return [title, team, org, int(sessions), hours(int(minutes)), name or "", unit or "",
            base, last, change, on.isoformat() if on else ""]


def projects_table(system_id: int, period: Period, page: int | None = None,
                   per_page: int = 25) -> ProjectPage:
    """The supported projects, one row each; a page of them when ``page`` is given (2 queries),
    all of them for the CSV (1 query)."""
    stmt = _project_select(system_id, period)
    table = Table(name="impact-projects", title="Projects supported in the period",
                  columns=PROJECT_COLUMNS)
    if page is None:
        table.rows = [_project_row(r) for r in db.session.execute(stmt)]
        return ProjectPage(table, 1, 1, len(table.rows))
    total = int(db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    table.rows = [_project_row(r) for r in
                  db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))]
    return ProjectPage(table, page, pages, total)


def projects_by_kind(system_id: int, period: Period) -> Table:
    """Projects supported and coaching hours they received, by the team's organisation kind."""
    supported = supported_sessions(system_id, period)
    rows = db.session.execute(
        sa.select(Organisation.kind, sa.func.count(sa.distinct(supported.c.project_id)),
                  sa.func.sum(supported.c.minutes))
        .select_from(supported)
        .join(Project, Project.id == supported.c.project_id)
        .join(Team, Team.id == Project.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .group_by(Organisation.kind)
    ).all()
    out = [[OrgKind(kind).label, int(n), hours(int(m))] for kind, n, m in rows]
    out.sort(key=lambda r: (-r[1], r[0]))
    return Table(name="impact-by-kind",
                 title="Projects supported, by the team's organisation kind",
                 columns=["Organisation kind", "Projects supported", "Coaching hours"],
                 rows=out)
