"""Who may see what. Private data (requests, people, balances) belongs to an organisation;
a person sees their own organisation's, a system lead sees every partner's in the system.
Unknown and forbidden objects both answer 404, so existence is not leaked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from hexqi.models import Person, Role

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: Role) -> Callable[[F], F]:
    """The view needs a logged-in person holding at least one of ``roles`` (else 403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def can_see_organisation(person: Person, organisation_id: int) -> bool:
    if person.organisation_id == organisation_id:
        return True
    return person.has_role(Role.SYSTEM_LEAD) and _same_system(person, organisation_id)


def _same_system(person: Person, organisation_id: int) -> bool:
    from hexqi.extensions import db
    from hexqi.models import Organisation

    org = db.session.get(Organisation, organisation_id)
    return org is not None and org.system_id == person.organisation.system_id


def require_organisation(person: Person, organisation_id: int | None) -> None:
    """404 unless ``person`` may see private data of ``organisation_id``."""
    if organisation_id is None or not can_see_organisation(person, organisation_id):
        abort(404)


def visible_organisation_ids(person: Person) -> set[int] | None:
    """Organisations whose private data ``person`` may see.

    ``None`` means every organisation in the person's system (a system lead);
    use :func:`organisation_filter` to turn either answer into a SQL condition.
    """
    if person.has_role(Role.SYSTEM_LEAD):
        return None
    return {person.organisation_id}


def organisation_filter(person: Person, column: Any) -> Any:
    """A WHERE condition keeping rows whose ``column`` (an organisation id) ``person`` may see.

    Example: ``select(Team).where(organisation_filter(current_user, Team.organisation_id))``.
    """
    import sqlalchemy as sa

    from hexqi.models import Organisation

    if visible_organisation_ids(person) is None:
        in_system = sa.select(Organisation.id).where(
            Organisation.system_id == person.organisation.system_id)
        return column.in_(in_system)
    return column == person.organisation_id
