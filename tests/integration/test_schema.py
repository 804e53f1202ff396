"""The migrated schema: seeded taxonomy, constraints the database enforces itself, the
revisions against the models, and revisions that move data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from hexqi.extensions import db
from hexqi.models import (
    CoachProfile,
    Organisation,
    OrgKind,
    Person,
    ProtectedTimeApproval,
    Role,
    Skill,
    System,
)
from hexqi.services import admin
from tests import factories as f


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


def test_the_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_hours_cannot_be_negative(app):
    coach = f.coach(approved=None)
    db.session.add(ProtectedTimeApproval(person_id=coach.id,
                                         organisation_id=coach.organisation_id, hours=-1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _approvals() -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        sa.select(ProtectedTimeApproval.person_id, ProtectedTimeApproval.organisation_id,
                  ProtectedTimeApproval.hours, ProtectedTimeApproval.approved_by_id,
                  ProtectedTimeApproval.approved_at)
        .order_by(ProtectedTimeApproval.person_id, ProtectedTimeApproval.id))]


def test_migration_0005_carries_each_approval_over_and_downgrades_with_data(app):
    trust, practice = f.organisation("Acute"), f.organisation("Practice")
    boss = f.person(trust, Role.ORG_ADMIN)
    ada = f.coach(trust, capacity=8, approved=6)
    ben = f.coach(trust, capacity=6, approved=None)  # awaiting approval: no row
    gus = f.coach(practice, capacity=4, approved=0)  # zero hours is an approval
    db.session.commit()
    admin.approve_hours(boss, ada.id, 5)  # a history the downgrade drops
    expected = sorted(
        (p.id, p.organisation_id, p.coach_profile.approved_hours, None, p.created_at)
        for p in (ada, gus))
    assert expected[0][2] == 5 and len(_approvals()) == 3
    boss_id, ada_id, ben_id = boss.id, ada.id, ben.id
    db.session.commit()
    db.session.close()

    downgrade(revision="0004")
    assert "protected_time_approvals" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    db.session.close()
    assert _approvals() == expected
    assert db.session.scalar(sa.select(CoachProfile.approved_hours)
                             .where(CoachProfile.person_id == ben_id)) is None
    # the app carries on from the carried-over rows: a change appends, a repeat does not
    boss = db.session.get(Person, boss_id)
    admin.approve_hours(boss, ada_id, 5)
    admin.approve_hours(boss, ada_id, 7)
    assert [r[2] for r in _approvals()] == [5, 7, 0]
    db.session.close()
    downgrade(revision="0004")
    upgrade()
    db.session.close()
    assert [r[2:4] for r in _approvals()] == [(7, None), (0, None)]
