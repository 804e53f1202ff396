"""The migrated schema: seeded taxonomy, constraints the database enforces itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hexqi.extensions import db
from hexqi.models import Organisation, OrgKind, Person, Skill, System


def test_migration_seeds_the_qi_methods_taxonomy(app):
    slugs = set(db.session.scalars(sa.select(Skill.slug)))
    assert {"pdsa", "driver-diagrams", "process-mapping", "spc", "lean", "demand-capacity",
            "coproduction", "joy-in-work"} <= slugs
    assert len(slugs) == 16


def test_email_is_unique_whatever_its_case(app):
    system = System(name="Test ICS")
    org = Organisation(system=system, name="Acute", slug="acute", kind=OrgKind.ACUTE_TRUST)
    a = Person(name="A", email="Ann@Example.org", organisation=org)
    a.set_password("correct horse battery")
    db.session.add_all([system, org, a])
    db.session.commit()
    assert a.email == "ann@example.org"
    assert a.check_password("correct horse battery")
    assert not a.check_password("wrong")
    b = Person(name="B", email="ANN@example.ORG", organisation=org, password_hash="x")
    db.session.add(b)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
