"""Routes for the system area."""

from hexqi.system import bp  # noqa: F401
