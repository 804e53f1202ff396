"""Routes for the auth area."""

from hexqi.auth import bp  # noqa: F401
