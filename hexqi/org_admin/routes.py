"""Routes for the org_admin area."""

from hexqi.org_admin import bp  # noqa: F401
