"""The ledger's hash chain: a canonical serialisation of one transfer and its SHA-256.

Each transfer's hash covers its own content and the previous transfer's hash, so
changing, removing or inserting a row behind the app's back breaks the chain from
that row on. The serialisation is plain JSON with sorted keys and a fixed
timestamp format, so it is the same on every database and every Python.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
from datetime import datetime
from typing import Any

from hexqi.models.ledger import GENESIS_HASH

__all__ = ["GENESIS_HASH", "canonical", "transfer_hash"]

HASHED_FIELDS = (
    "id",
    "debit_account_id",
    "credit_account_id",
    "minutes",
    "kind",
    "created_by_id",
    "created_at",
    "idempotency_key",
    "pending_id",
    "reverses_id",
    "training_event_id",
    "memo",
    "prev_hash",
)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_PLAIN = tuple(name for name in HASHED_FIELDS if name not in ("kind", "created_at"))


def canonical(row: Any) -> str:
    """The canonical text of a transfer (an ORM row, a Core row or a mapping)."""
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    content = {name: get(name) for name in _PLAIN}
    kind, created = get("kind"), get("created_at")
    # The stored value, never an enum member's repr.
    content["kind"] = kind.value if isinstance(kind, enum.Enum) else kind
    # Fixed width with microseconds, naive UTC: round-trips through SQLite and PostgreSQL.
    content["created_at"] = (created.isoformat(timespec="microseconds")
                             if isinstance(created, datetime) else created)
    return _ENCODER.encode(content)


def transfer_hash(row: Any) -> str:
    """SHA-256 (hex) over the canonical text, which includes ``prev_hash``."""
    return hashlib.sha256(canonical(row).encode("utf-8")).hexdigest()
