"""Flask CLI groups (demo, ledger, match, report) that call services."""

from __future__ import annotations

import click
from flask import Blueprint

bp = Blueprint("cli", __name__, cli_group=None)


# -- ledger (owned by the ledger service) ------------------------------------------------------

@bp.cli.group("ledger")
def ledger_cli() -> None:
    """The timebank ledger: check it, expire old pending hours, rebuild the hours summary."""


@ledger_cli.command("verify")
def ledger_verify() -> None:
    """Check every ledger invariant; exit 1 naming the first violation."""
    import click

    from hexqi.services.ledger import verify

    report = verify()
    click.echo(report.summary())
    if not report.ok:
        more = len(report.violations) - 1
        if more:
            click.echo(f"({more} more violation{'s' if more > 1 else ''}; fix the first one first)")
        raise SystemExit(1)


@ledger_cli.command("rebuild-summary")
def ledger_rebuild_summary() -> None:
    """Rebuild the monthly hours summary the reports read from the transfers."""
    import click

    from hexqi.services.ledger import rebuild_hours_summary

    n = rebuild_hours_summary()
    click.echo(f"Hours summary rebuilt: {n} row{'' if n == 1 else 's'}.")


@ledger_cli.command("expire")
def ledger_expire() -> None:
    """Expire pending session hours nobody confirmed in time (PENDING_EXPIRY_DAYS)."""
    import click

    from hexqi.services.ledger import expire_pending

    n = expire_pending()
    click.echo(f"Expired {n} pending transfer{'' if n == 1 else 's'}.")


# -- match (owned by the system-lead engineer) ---------------------------------------------

import click as _click  # noqa: E402  (decorators below need it at import time)

click_option = _click.option

@bp.cli.group("match")
def match_cli() -> None:
    """Matching rounds: run one now, from the command line."""


@match_cli.command("run")
@click_option("--policy", type=_click.Choice(["required", "preferred"]), default="required",
              show_default=True, help="Cross-organisation matching required or preferred.")
@click_option("--time-limit", type=float, default=None,
              help="Seconds for the matcher (default: MATCHING_TIME_LIMIT).")
@click_option("--system", "system_name", default=None,
              help="The system's name (default: the only one).")
@click_option("--by", "by_email", default=None,
              help="Email of the system lead starting the round (default: the first one).")
def match_run(policy: str, time_limit: float | None, system_name: str | None,
              by_email: str | None) -> None:
    """Run a round over every open request of the system, now, and print a summary.
    The proposals wait on the round page for a system lead to review and publish."""
    import click

    from hexqi.services.errors import DomainError
    from hexqi.services.rounds import cli_round

    try:
        rnd = cli_round(policy, time_limit, system_name, by_email)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Round {rnd.id}: {rnd.status.value}. {rnd.message}")
    if rnd.status.value != "done":
        raise SystemExit(1)


@bp.cli.command("worker")
@click_option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for matching rounds (needs REDIS_URL); same as
    `rq worker hexqi-rounds --url $REDIS_URL`."""
    import click
    from flask import current_app
    from redis import Redis
    from rq import Queue, Worker

    from hexqi.services.jobs import queue_name

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("Set REDIS_URL to run a worker; without it, rounds run in "
                                   "a thread of the web app.")
    connection = Redis.from_url(url)
    name = queue_name(current_app)
    click.echo(f"Listening on RQ queue {name!r} at {url}")
    Worker([Queue(name, connection=connection)], connection=connection).work(burst=burst)


# -- demo (owned by the demo service) ----------------------------------------------------------

@bp.cli.command("demo")
@click.option("--seed", default=2026, show_default=True, type=int,
              help="Random seed: the same seed builds the same partnership.")
@click.option("--scale", default=1.0, show_default=True, type=float,
              help="Size relative to the full demo (0.25 builds a quarter of it).")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when the database already has organisations.")
@click.option("--reset", is_flag=True,
              help="Wipe the database (through the migrations) and build the demo again.")
def demo_command(seed: int, scale: float, if_empty: bool, reset: bool) -> None:
    """Build a realistic demo ICS: partners, GP practices, coaches, teams, six months of hours."""
    import sqlalchemy as sa

    from hexqi.extensions import db
    from hexqi.services import demo

    if if_empty and reset:
        raise click.UsageError("Choose --if-empty or --reset, not both.")
    if not 0.05 <= scale <= 4:
        raise click.UsageError("--scale must be between 0.05 and 4.")
    try:
        has_data = demo.has_data()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        db.session.rollback()
        click.echo("The database has no HexQI tables yet: run `flask --app hexqi db upgrade` "
                   "first.", err=True)
        raise SystemExit(1) from None
    if has_data:
        if if_empty:
            click.echo("The database already has organisations; leaving it as it is "
                       "(--if-empty).")
            return
        if not reset:
            click.echo("The database already has organisations. Use --reset to wipe it and "
                       "build the demo again, or --if-empty to leave it as it is.", err=True)
            raise SystemExit(1)
        click.echo("Wiping the database and rebuilding the schema ...")
        demo.reset_database()
    click.echo(f"Building the demo system (seed {seed}) ...")
    summary = demo.build_demo(seed=seed, scale=scale)
    click.echo(f"Built in {summary.seconds:.1f} s: " + ", ".join(
        f"{n} {name.replace('_', ' ')}" for name, n in summary.counts.items()))
    click.echo("")
    click.echo(demo.login_table(summary))


# -- report (owned by the reports engineer) ---------------------------------------------------

from hexqi.reports.cli import report_cli  # noqa: E402

bp.cli.add_command(report_cli)
