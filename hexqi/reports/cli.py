"""``flask --app hexqi report ...``: the report tables as CSV on standard output."""

from __future__ import annotations

import csv
import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from hexqi.extensions import db
from hexqi.models import System
from hexqi.services.errors import InvalidInput
from hexqi.services.reports import Period, cell_text
from hexqi.services.reports_catalogue import TABLES, build_table
from hexqi.services.reports_hours import GROUPS

report_cli = AppGroup("report", help="Report tables as CSV (the same as the pages' CSV links).")


def _system(name: str | None) -> System:
    systems = list(db.session.scalars(sa.select(System).order_by(System.name)))
    if name:
        systems = [s for s in systems if s.name == name]
    if len(systems) != 1:
        names = ", ".join(s.name for s in db.session.scalars(sa.select(System))) or "none yet"
        raise click.UsageError(f"Choose a system with --system (systems: {names}).")
    return systems[0]


def _emit(name: str, start: str | None, end: str | None, group: str, system: str | None
          ) -> None:
    try:
        period = Period.parse(start, end)
    except InvalidInput as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field or 'from'}") from None
    table = build_table(name, _system(system).id, period, group)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(value) for value in row])


def _period_options(command):  # type: ignore[no-untyped-def]
    command = click.option("--system", "system", help="The system's name (if more than one).")(
        command)
    command = click.option("--group", type=click.Choice(list(GROUPS)), default="kind",
                           show_default=True, help="Hours matrix: group organisations by.")(
        command)
    command = click.option("--to", "end", help="Last day, YYYY-MM-DD (default: today).")(command)
    return click.option("--from", "start", help="First day, YYYY-MM-DD (default: 6 months back)."
                        )(command)


@report_cli.command("hours")
@_period_options
def hours_command(start: str | None, end: str | None, group: str, system: str | None) -> None:
    """The hours-given matrix (giver rows, receiver columns) as CSV."""
    _emit("hours-matrix", start, end, group, system)


@report_cli.command("csv")
@click.argument("name", type=click.Choice(sorted(TABLES)))
@_period_options
def csv_command(name: str, start: str | None, end: str | None, group: str, system: str | None
                ) -> None:
    """Any report table as CSV, by its name."""
    _emit(name, start, end, group, system)
