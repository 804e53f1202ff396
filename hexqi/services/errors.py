"""Domain errors. Services raise them; views turn them into form errors or HTTP codes."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no. The message is written for the user."""


class NotFound(DomainError):
    """The object does not exist, or the person may not see it (both answer 404)."""


class Forbidden(DomainError):
    """The person may see the object but may not do this to it."""


class InvalidInput(DomainError):
    """The input breaks a rule; ``field`` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(DomainError):
    """The object is not in a state that allows this (e.g. confirming a declined session)."""
