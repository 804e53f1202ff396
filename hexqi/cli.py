"""Flask CLI groups (demo, ledger, match, report) that call services."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cli", __name__, cli_group=None)


# -- ledger (owned by the ledger service) ------------------------------------------------------

@bp.cli.group("ledger")
def ledger_cli() -> None:
    """The timebank ledger: check it, expire old pending hours."""


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


@ledger_cli.command("expire")
def ledger_expire() -> None:
    """Expire pending session hours nobody confirmed in time (PENDING_EXPIRY_DAYS)."""
    import click

    from hexqi.services.ledger import expire_pending

    n = expire_pending()
    click.echo(f"Expired {n} pending transfer{'' if n == 1 else 's'}.")
