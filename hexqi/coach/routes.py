"""Routes for the coach area."""

from hexqi.coach import bp  # noqa: F401
