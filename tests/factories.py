"""Small factories for tests: real rows in the real (migrated) database."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    CoachProfile,
    CoachSkill,
    CoachSlot,
    Organisation,
    OrgKind,
    Person,
    Project,
    ProtectedTimeApproval,
    RequestSkill,
    RequestSlot,
    Role,
    Skill,
    SupportRequest,
    System,
    Team,
    TeamMember,
    Tier,
)

PASSWORD = "a long test password"
_n = itertools.count(1)
_password_hash: str | None = None


def _hash_of_password() -> str:
    """One real argon2id hash of PASSWORD, made once: hashing costs ~0.15 s, and most tests
    make several people (the hash verifies like any other)."""
    global _password_hash
    if _password_hash is None:
        probe = Person()
        probe.set_password(PASSWORD)
        _password_hash = probe.password_hash
    return _password_hash


def system(name: str = "Test ICS") -> System:
    found = db.session.scalar(sa.select(System).where(System.name == name))
    if found:
        return found
    row = System(name=name)
    db.session.add(row)
    db.session.flush()
    return row


def organisation(name: str | None = None, kind: OrgKind = OrgKind.ACUTE_TRUST,
                 sys: System | None = None, locality: str = "North") -> Organisation:
    n = next(_n)
    name = name or f"Organisation {n}"
    org = Organisation(system=sys or system(), name=name, slug=f"org-{n}", kind=kind,
                       locality=locality, latitude=51.3, longitude=-0.5)
    db.session.add(org)
    db.session.flush()
    return org


def person(org: Organisation | None = None, *roles: Role, tier: Tier = Tier.LEARN,
           name: str | None = None, email: str | None = None) -> Person:
    n = next(_n)
    p = Person(name=name or f"Person {n}", email=email or f"person{n}@example.org",
               organisation=org or organisation(), tier=tier)
    p.password_hash = _hash_of_password()
    for role in roles:
        p.add_role(role)
    db.session.add(p)
    db.session.flush()
    return p


def team(org: Organisation | None = None, members: list[Person] | None = None,
         name: str | None = None) -> Team:
    t = Team(organisation=org or organisation(), name=name or f"Team {next(_n)}")
    for m in members or []:
        t.members.append(TeamMember(person=m))
    db.session.add(t)
    db.session.flush()
    return t


def skill(slug: str) -> Skill:
    found = db.session.scalar(sa.select(Skill).where(Skill.slug == slug))
    assert found is not None, f"no skill {slug} in the taxonomy"
    return found


def coach(org: Organisation | None = None, skills: dict[str, int] | None = None,
          slots: tuple[str, ...] = ("mon-am", "wed-pm"), capacity: int = 10,
          approved: int | None = 10, max_teams: int = 3, name: str | None = None) -> Person:
    p = person(org, Role.COACH, tier=Tier.LEAD, name=name)
    profile = CoachProfile(person=p, capacity_hours=capacity, approved_hours=approved,
                           max_teams=max_teams, virtual=True, in_person=False)
    db.session.add(profile)
    for slug, level in (skills or {"pdsa": 2}).items():
        profile.skills.append(CoachSkill(skill=skill(slug), level=level))
    for s in slots:
        profile.slots.append(CoachSlot(slot=s))
    db.session.add(profile)
    if approved is not None:  # approved before the test began, like a carried-over approval
        db.session.add(ProtectedTimeApproval(person_id=p.id, organisation_id=p.organisation_id,
                                             hours=approved))
    db.session.flush()
    return p


def support_request(tm: Team, by: Person, skills: dict[str, int] | None = None,
                    hours: int = 4, slots: tuple[str, ...] = ("wed-pm",),
                    priority: int = 1, title: str = "Reduce waits") -> SupportRequest:
    project = Project(team=tm, title=title, aim="Cut waiting time by a third")
    req = SupportRequest(team=tm, project=project, hours=hours, priority=priority,
                         created_by=by)
    db.session.add(req)
    for slug, level in (skills or {"pdsa": 1}).items():
        req.skills.append(RequestSkill(skill=skill(slug), min_level=level))
    for s in slots:
        req.slots.append(RequestSlot(slot=s))
    db.session.add(req)
    db.session.flush()
    return req


def login(client: object, person: Person) -> None:
    """Log ``person`` in the way Flask-Login remembers a log-in (no auth pages needed)."""
    with client.session_transaction() as sess:  # type: ignore[attr-defined]
        sess["_user_id"] = str(person.id)
        sess["_fresh"] = True
