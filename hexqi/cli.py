"""Flask CLI groups (demo, ledger, match, report) that call services."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cli", __name__, cli_group=None)
