"""Routes for the team area."""

from hexqi.team import bp  # noqa: F401
