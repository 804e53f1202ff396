"""Accounts: registering a person, checking a log-in, changing a password.

Each public function commits, or rolls back and raises. Rule breaks raise
``InvalidInput(message, field=...)`` naming the form field, so a view can show
the message beside the field that caused it.
"""

from __future__ import annotations

from contextlib import suppress
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy.exc import IntegrityError

from hexqi.extensions import db
from hexqi.models import Organisation, Person, Role, Tier, TierChange
from hexqi.services.errors import InvalidInput

MIN_PASSWORD = 10
MAX_PASSWORD = 200
DUPLICATE_EMAIL = ("An account with this email address already exists. "
                   "Log in, or use another address.")


@cache
def _dummy_hash() -> str:
    return PasswordHasher().hash("not anybody's password")


def _waste_time_like_a_check(password: str) -> None:
    """Verifying against a throwaway hash when the email is unknown keeps a failed
    log-in as slow as a real one, so timing does not reveal who has an account."""
    with suppress(VerificationError):
        PasswordHasher().verify(_dummy_hash(), password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.email == normalise_email(email)))


def check_password_rules(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Use at least {MIN_PASSWORD} characters.", field=field)
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Use at most {MAX_PASSWORD} characters.", field=field)
    if not password.strip():
        raise InvalidInput("A password cannot be only spaces.", field=field)


def register_person(name: str, email: str, password: str, organisation_id: int | None,
                    tier: Tier | str = Tier.LEARN) -> Person:
    """Create a person with the team member role, at ``tier``, in an active organisation."""
    name = name.strip()
    email = normalise_email(email)
    if not name:
        raise InvalidInput("Enter your name.", field="name")
    if "@" not in email:
        raise InvalidInput("Enter an email address like name@nhs.net.", field="email")
    check_password_rules(password, "password")
    try:
        tier = Tier(tier)
    except ValueError:
        raise InvalidInput("Choose Learn, Live or Lead.", field="tier") from None
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if org is None or not org.active:
        raise InvalidInput("Choose your organisation from the list.", field="organisation_id")
    if find_by_email(email) is not None:
        raise InvalidInput(DUPLICATE_EMAIL, field="email")

    person = Person(name=name, email=email, organisation=org, tier=tier)
    person.set_password(password)
    person.add_role(Role.TEAM_MEMBER)
    db.session.add(person)
    try:
        db.session.flush()
        # The tier a person joins at starts their history (from_tier is empty).
        db.session.add(TierChange(person_id=person.id, from_tier=None, to_tier=tier))
        db.session.commit()
    except IntegrityError:
        # Someone registered the same email a moment ago.
        db.session.rollback()
        raise InvalidInput(DUPLICATE_EMAIL, field="email") from None
    except Exception:
        db.session.rollback()
        raise
    return person


def authenticate(email: str, password: str) -> Person | None:
    """The person whose email and password these are, or None. Reads only."""
    person = find_by_email(email)
    if person is None:
        _waste_time_like_a_check(password)
        return None
    return person if person.check_password(password) else None


def change_password(person: Person, current: str, new: str) -> None:
    """Replace ``person``'s password after checking the current one."""
    if not person.check_password(current):
        raise InvalidInput("That is not your current password.", field="current")
    check_password_rules(new, "new")
    if new == current:
        raise InvalidInput("Choose a password different from your current one.", field="new")
    try:
        person.set_password(new)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
