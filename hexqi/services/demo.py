"""The demo partnership: ``flask --app hexqi demo`` builds a realistic HexQI system.

A county ICS (11 partner organisations and 40 GP practices in four localities), about 60
coaches, 120 teams, 40 open requests for the next round and six months of history:
matching rounds, accepted matches, coaching sessions logged and confirmed through the
ledger service (so the hash chain and every ledger rule hold), training events, gifts, one
reversal, and protected time approvals that changed over the months. Everything is drawn
from ``random.Random(seed)``; timestamps are relative to now, so the dashboards always show
the last six months.

``build_demo(seed, scale)`` builds it (``scale`` shrinks the counts for tests); the people
here and in ``demo_history`` are plain rows built in bulk, the hours go through
``hexqi.services.ledger``.
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app

from hexqi.extensions import db
from hexqi.models import (
    CoachAbsence,
    CoachProfile,
    CoachSkill,
    CoachSlot,
    Organisation,
    OrgKind,
    Person,
    PersonRole,
    ProtectedTimeApproval,
    Role,
    Skill,
    System,
    Team,
    TeamMember,
    Tier,
    TierChange,
    utcnow,
)
from hexqi.models.common import SLOTS
from hexqi.services import demo_data as data
from hexqi.services.errors import Conflict

DEMO_PASSWORD = "hexqi-demo-2026"
DEFAULT_SEED = 2026
BATCH = 500


# ---------------------------------------------------------------------------- the world


@dataclass
class CoachInfo:
    person: Person
    profile: CoachProfile
    org: Organisation
    lead_since: datetime
    skills: dict[str, int]
    approved: bool
    # the coach's live matches over time (demo_history.Load), to respect hours and max_teams
    busy: list[Any] = field(default_factory=list)
    weight: float = 1.0


@dataclass
class TeamInfo:
    team: Team
    org: Organisation
    members: list[Person]
    used_minutes: int = 0  # session minutes this team has been logged for (floor guard)
    requests: int = 0


@dataclass
class DemoLogin:
    journey: str
    email: str
    roles: str
    organisation: str


@dataclass
class DemoSummary:
    seed: int
    scale: float
    password: str
    seconds: float
    counts: dict[str, int]
    logins: list[DemoLogin]
    # ledger_calls made, ledger_refused (by the credit floor; the builder plans for none)
    stats: dict[str, int] = field(default_factory=dict)


class World:
    """Everything the builder knows while it builds (rows, plans, the random stream)."""

    def __init__(self, seed: int, scale: float, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.seed, self.scale, self.now = seed, scale, now
        self.today = now.date()
        self.password_hash = PasswordHasher().hash(DEMO_PASSWORD)  # once: argon2 is slow
        self.skills: dict[str, Skill] = {
            s.slug: s for s in db.session.scalars(sa.select(Skill).order_by(Skill.id))}
        self.floor = int(current_app.config["CREDIT_FLOOR_MINUTES"])
        self.system: System | None = None
        self.orgs: list[Organisation] = []
        self.partners: dict[str, Organisation] = {}
        self.practices: list[Organisation] = []
        self.town: dict[int, str] = {}  # id(org) -> town
        self.family: dict[int, str] = {}
        self.domain: dict[int, str] = {}
        self.people: list[Person] = []
        self.emails: set[str] = set()
        self.moves: dict[int, list[tuple[datetime, Tier | None, Tier]]] = {}
        self.coaches: list[CoachInfo] = []
        self.teams: list[TeamInfo] = []
        self.leads: list[Person] = []
        self.admins: dict[int, Person] = {}
        self.featured: dict[str, Any] = {}
        self.stats: dict[str, int] = {}
        self.history: Any = None  # demo_history.History while the history is built

    # -- small helpers
    def n(self, at_full_scale: int, minimum: int = 1) -> int:
        if at_full_scale <= 0:
            return 0
        return max(minimum, round(at_full_scale * self.scale))

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        seconds = (end - start).total_seconds()
        return start + timedelta(seconds=self.rng.uniform(0, seconds))

    def coords(self, org: Organisation) -> tuple[float, float]:
        assert org.latitude is not None and org.longitude is not None
        return org.latitude, org.longitude

    def tier_at(self, person: Person, at: datetime) -> Tier | None:
        tier = None
        for when, _from, to in self.moves[id(person)]:
            if when <= at:
                tier = to
        return tier

    def move(self, person: Person, at: datetime, to: Tier) -> None:
        history = self.moves[id(person)]
        history.append((at, history[-1][2], to))
        person.tier = to

    def email_for(self, name: str, org: Organisation) -> str:
        local = re.sub(r"[^a-z.]", "", name.lower().replace(" ", "."))
        email, n = f"{local}@{self.domain[id(org)]}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{self.domain[id(org)]}"
        return email

    def person(self, org: Organisation, tier: Tier, roles: tuple[Role, ...], job: str,
               created_at: datetime, email: str | None = None, name: str | None = None,
               start_tier: Tier | None = None) -> Person:
        name = name or f"{self.rng.choice(data.FIRST_NAMES)} {self.rng.choice(data.LAST_NAMES)}"
        email = email or self.email_for(name, org)
        self.emails.add(email)
        p = Person(name=name, email=email, password_hash=self.password_hash, organisation=org,
                   tier=start_tier or tier, job_title=job, created_at=created_at,
                   role_rows=[PersonRole(role=r) for r in roles])
        self.people.append(p)
        self.moves[id(p)] = [(created_at, None, start_tier or tier)]
        return p


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# ---------------------------------------------------------------------------- database state


def has_data() -> bool:
    """True when the database already holds organisations (a demo or real data)."""
    return db.session.scalar(sa.select(sa.func.count(Organisation.id))) > 0


def reset_database() -> None:
    """Drop everything and rebuild the schema through the migrations (never create_all)."""
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="base")
    upgrade()
    db.session.remove()


# ---------------------------------------------------------------------------- organisations


def _organisations(w: World) -> None:
    w.system = System(name=data.SYSTEM_NAME, credit_floor_minutes=w.floor)
    db.session.add(w.system)
    for spec in data.PARTNERS:
        locality, lat, lon = data.TOWNS[spec.town]
        learn, live, lead = spec.targets
        org = Organisation(system=w.system, name=spec.name, slug=spec.key, kind=OrgKind(spec.kind),
                           locality=locality, latitude=lat, longitude=lon,
                           staff_headcount=spec.headcount, target_learn_pct=learn,
                           target_live_pct=live, target_lead_pct=lead)
        w.partners[spec.key] = org
        _register_org(w, org, spec.town, spec.key)
    n_practices = min(len(data.PRACTICES), w.n(40, minimum=4))
    learn, live, lead = data.PRACTICE_TARGETS
    for name, sub, town in data.PRACTICES[:n_practices]:
        locality, lat, lon = data.TOWNS[town]
        org = Organisation(system=w.system, name=name, slug=sub, kind=OrgKind.GP_PRACTICE,
                           locality=locality,
                           latitude=round(lat + w.rng.uniform(-0.008, 0.008), 4),
                           longitude=round(lon + w.rng.uniform(-0.012, 0.012), 4),
                           staff_headcount=w.rng.randint(14, 65), target_learn_pct=learn,
                           target_live_pct=live, target_lead_pct=lead)
        w.practices.append(org)
        _register_org(w, org, town, sub)
    db.session.add_all(w.orgs)
    db.session.flush()


def _register_org(w: World, org: Organisation, town: str, sub: str) -> None:
    w.orgs.append(org)
    w.town[id(org)] = town
    w.family[id(org)] = data.FAMILY[org.kind.value]
    w.domain[id(org)] = f"{sub}.{data.EMAIL_DOMAIN}"


# ---------------------------------------------------------------------------- leads and admins


def _leads_and_admins(w: World) -> None:
    icb = w.partners["icb"]
    lead = w.person(icb, Tier.LEAD, (Role.SYSTEM_LEAD, Role.TEAM_MEMBER),
                    "Director of quality improvement", w.days_ago(1400),
                    email=f"lead@{w.domain[id(icb)]}", name="Helen Okafor")
    w.leads.append(lead)
    w.featured["lead"] = lead
    for _ in range(w.n(1)):
        w.leads.append(w.person(icb, Tier.LEAD, (Role.SYSTEM_LEAD, Role.TEAM_MEMBER),
                                "Associate director of transformation",
                                w.days_ago(w.rng.uniform(500, 1500))))
    for key in ("icb", "northgate", "southvale", "community", "mentalhealth", "ambulance",
                "county", "borough", "university"):
        org = w.partners[key]
        email = f"orgadmin@{w.domain[id(org)]}" if key == "northgate" else None
        admin = w.person(org, Tier.LIVE, (Role.ORG_ADMIN, Role.TEAM_MEMBER),
                         "Head of learning and organisational development",
                         w.days_ago(w.rng.uniform(300, 1500)), email=email,
                         name="Mark Ahmed" if email else None)
        w.admins[id(org)] = admin
        if email:
            w.featured["orgadmin"] = admin


# ---------------------------------------------------------------------------- coaches


def _coach_orgs(w: World) -> list[Organisation]:
    orgs: list[Organisation] = []
    for spec in data.PARTNERS:
        orgs += [w.partners[spec.key]] * w.n(spec.coaches)
    remote = [p for p in w.practices if w.town[id(p)] != data.REMOTE_TOWN]
    hosts = remote[1:] if len(remote) > 1 else remote  # the featured practice has no coach
    orgs += w.rng.sample(hosts, min(len(hosts), w.n(data.PRACTICE_COACHES)))
    return orgs


def _pick_skills(w: World, k: int) -> dict[str, int]:
    """Most coaches know the core methods; each adds a specialism or two, rare ones rarely."""
    chosen: dict[str, int] = {}
    for slug, share in data.CORE_SKILLS:
        if w.rng.random() < share:
            chosen[slug] = w.rng.choices((1, 2, 3), (15, 50, 35))[0]
    slugs = [s for s in data.SKILL_POPULARITY if s not in chosen]
    weights = [data.SKILL_POPULARITY[s] for s in slugs]
    core = len(chosen)
    while len(chosen) < max(k, 2, core + 1):  # at least one specialism
        slug = w.rng.choices(slugs, weights)[0]
        if slug in chosen:
            continue
        level = w.rng.choices((1, 2, 3), (35, 45, 20))[0]
        if slug in data.SCARCE_AT_LEVEL_3:
            level = min(level, 2)
        chosen[slug] = level
    return chosen


def _coach_history(w: World, featured: bool) -> tuple[datetime, list[tuple[float, Tier]]]:
    """When the coach joined, and their tier moves as (days ago, tier)."""
    roll = w.rng.random()
    if featured or roll < 0.35:  # grew here: Learn -> Live -> Lead within the year
        lead_days = 200 if featured else w.rng.uniform(120, 215)
        return w.days_ago(w.rng.uniform(420, 560)), [
            (w.rng.uniform(lead_days + 60, 340), Tier.LIVE), (lead_days, Tier.LEAD)]
    if roll < 0.55:
        return w.days_ago(w.rng.uniform(400, 900)), [(w.rng.uniform(80, 330), Tier.LEAD)]
    return w.days_ago(w.rng.uniform(500, 1800)), []


def _coaches(w: World) -> None:
    orgs = _coach_orgs(w)
    northgate = w.partners["northgate"]
    first_northgate = orgs.index(northgate)
    family_titles = data.COACH_TITLES
    for i, org in enumerate(orgs):
        featured = i == first_northgate
        joined, moves = _coach_history(w, featured)
        start = Tier.LEARN if len(moves) == 2 else Tier.LIVE if moves else Tier.LEAD
        title = w.rng.choice(family_titles[w.family[id(org)]])
        p = w.person(org, Tier.LEAD, (Role.COACH,), title, joined, start_tier=start,
                     email=f"coach@{w.domain[id(org)]}" if featured else None,
                     name="Priya Shah" if featured else None)
        for days, tier in moves:
            w.move(p, w.days_ago(days), tier)
        lead_since = max(at for at, _f, to in w.moves[id(p)] if to is Tier.LEAD)
        if featured:
            skills = {"pdsa": 3, "model-for-improvement": 3, "measurement": 2,
                      "process-mapping": 2, "coaching": 2}
        else:
            skills = _pick_skills(w, w.rng.choice((2, 3, 4, 4, 5, 5)))
        capacity = w.rng.choice((4, 6, 8, 8, 10, 12, 12, 16, 16))
        approved = capacity if w.rng.random() < 0.7 else min(capacity, w.rng.choice((6, 8)))
        in_person = featured or w.rng.random() < 0.5
        virtual = featured or not in_person or w.rng.random() < 0.85
        lat, lon = w.coords(org)
        profile = CoachProfile(
            person=p, capacity_hours=12 if featured else capacity,
            approved_hours=10 if featured else approved,
            max_teams=3 if featured else w.rng.choice((1, 2, 2, 3, 3, 4, 4)),
            virtual=virtual, in_person=in_person, base_location=w.town[id(org)],
            latitude=round(lat + w.rng.uniform(-0.01, 0.01), 4),
            longitude=round(lon + w.rng.uniform(-0.015, 0.015), 4),
            travel_km=w.rng.choice((10, 15, 20, 25, 30, 40)) if in_person else 0,
            bio=w.rng.choice(data.BIOS),
            skills=[CoachSkill(skill=w.skills[s], level=lv) for s, lv in skills.items()],
            slots=[CoachSlot(slot=s) for s in sorted(
                w.rng.sample(SLOTS, 6 if featured else w.rng.randint(2, 6)))])
        info = CoachInfo(p, profile, org, lead_since, skills, True, weight=3.0 if featured
                         else 1.0)
        w.coaches.append(info)
        if featured:
            w.featured["coach"] = info
    _coach_states(w)
    _keep_remote_out_of_reach(w)
    db.session.add_all(w.people)
    db.session.flush()


def _coach_states(w: World) -> None:
    """A few coaches await approval, a couple are paused, a few have dates away."""
    others = [c for c in w.coaches if c is not w.featured["coach"]]
    w.rng.shuffle(others)
    northgate = [c for c in others if c.org is w.partners["northgate"]]
    waiting = northgate[:1] + [c for c in others if c not in northgate[:1]][:w.n(5) - 1]
    for c in waiting:  # newly Lead coaches whose organisation has not released time yet
        c.approved = False
        c.profile.approved_hours = None
        c.lead_since = max(c.lead_since, w.days_ago(w.rng.uniform(15, 45)))
        history = w.moves[id(c.person)]
        if len(history) > 1:
            history[-1] = (c.lead_since, history[-1][1], Tier.LEAD)
        else:  # joined at Live long ago, Lead only recently
            history[0] = (history[0][0], None, Tier.LIVE)
            history.append((c.lead_since, Tier.LIVE, Tier.LEAD))
    rest = [c for c in others if c not in waiting]
    for c in rest[:w.n(2)]:
        c.profile.paused = True
    away = rest[w.n(2):w.n(2) + w.n(6, minimum=2)]
    for i, c in enumerate(away):
        if i == 0:  # away today: the matcher skips them this round
            start, length = w.today - timedelta(days=2), 12
        elif i % 2:
            start, length = w.today + timedelta(days=w.rng.randint(10, 40)), w.rng.randint(3, 14)
        else:
            start, length = w.today - timedelta(days=w.rng.randint(40, 120)), w.rng.randint(5, 14)
        c.profile.absences.append(CoachAbsence(starts_on=start,
                                               ends_on=start + timedelta(days=length)))


def _keep_remote_out_of_reach(w: World) -> None:
    """No in-person coach travels as far as the remote practice (a clear unmatched reason)."""
    _locality, lat, lon = data.TOWNS[data.REMOTE_TOWN]
    for c in w.coaches:
        p = c.profile
        if p.in_person and p.latitude is not None and p.longitude is not None:
            km = distance_km((p.latitude, p.longitude), (lat, lon))
            if km <= p.travel_km + 3:
                p.travel_km = max(5, int(km) - 8)


# ---------------------------------------------------------------------------- teams


def _team_counts(w: World) -> list[tuple[Organisation, int]]:
    counts = [(w.partners[s.key], w.n(s.teams)) for s in data.PARTNERS if s.teams]
    n_practice_teams = max(len(w.practices), w.n(data.PRACTICE_TEAMS))
    per = dict.fromkeys(range(len(w.practices)), 1)
    extra = list(range(1, len(w.practices)))
    w.rng.shuffle(extra)
    for i in extra[:n_practice_teams - len(w.practices)]:
        per[i] = 2
    return counts + [(w.practices[i], per[i]) for i in range(len(w.practices))]


def _teams(w: World) -> None:
    by_org: dict[int, list[Person]] = {}
    for org, count in _team_counts(w):
        names = list(data.TEAM_NAMES[w.family[id(org)]])
        if org.kind is not OrgKind.GP_PRACTICE:
            w.rng.shuffle(names)
        for k in range(count):
            name = names[k % len(names)] + ("" if k < len(names) else f" {k // len(names) + 1}")
            team = Team(organisation=org, name=name,
                        created_at=w.days_ago(w.rng.uniform(200, 700)))
            info = TeamInfo(team, org, [])
            featured = org is w.practices[0] and k == 0
            pool = by_org.setdefault(id(org), [])
            size = w.rng.choices((2, 3, 4, 5, 6), (20, 30, 25, 15, 10))[0]
            while len(info.members) < size:
                member = w.rng.choice(pool) if pool and info.members else None
                if member is None or member in info.members or w.rng.random() > 0.12:
                    # a new person; now and then someone already in another team here
                    member = _team_person(w, org, featured and not info.members)
                    pool.append(member)
                info.members.append(member)
            if featured:
                w.featured["team"] = info
                w.featured["team_person"] = info.members[0]
            w.teams.append(info)
    # Some coaches also belong to a team in their own organisation.
    joined = 0
    for c in w.coaches:
        own = [t for t in w.teams if t.org is c.org and len(t.members) < 6]
        if own and (w.rng.random() < 0.2 or not joined) and c is not w.featured["coach"]:
            joined += 1
            w.rng.choice(own).members.append(c.person)
            c.person.role_rows.append(PersonRole(role=Role.TEAM_MEMBER))
    # A couple of practice managers administer their practice.
    for practice in w.practices[1:3]:
        manager = by_org[id(practice)][0]
        manager.role_rows.append(PersonRole(role=Role.ORG_ADMIN))
        manager.job_title = "Practice manager"
        w.admins[id(practice)] = manager
    for info in w.teams:
        info.team.members = [TeamMember(person=p) for p in info.members]
    db.session.add_all([t.team for t in w.teams])
    db.session.add_all(w.people)
    db.session.flush()


def _team_person(w: World, org: Organisation, featured: bool) -> Person:
    joined = w.days_ago(w.rng.uniform(60, 900))
    tier = Tier.LIVE if featured or w.rng.random() < 0.38 else Tier.LEARN
    promoted = tier is Tier.LIVE and (featured or w.rng.random() < 0.5)
    job = "Practice manager" if featured else w.rng.choice(data.JOB_TITLES[w.family[id(org)]])
    p = w.person(org, tier, (Role.TEAM_MEMBER,), job, joined,
                 email=f"team@{w.domain[id(org)]}" if featured else None,
                 name="Sam Patel" if featured else None,
                 start_tier=Tier.LEARN if promoted else tier)
    if promoted:
        earliest = max(joined + timedelta(days=30), w.days_ago(360))
        w.move(p, w.between(earliest, w.days_ago(10)), Tier.LIVE)
    return p


def _learners(w: World) -> None:
    """Staff who signed up at Learn (most came to a training event and joined no team yet)."""
    plan = [(w.partners[s.key], w.n(s.learners)) for s in data.PARTNERS]
    practice_total = w.n(data.PRACTICE_LEARNERS)
    for i in range(practice_total):
        plan.append((w.practices[i % len(w.practices)], 1))
    for org, count in plan:
        for _ in range(count):
            w.person(org, Tier.LEARN, (Role.TEAM_MEMBER,),
                     w.rng.choice(data.JOB_TITLES[w.family[id(org)]]),
                     w.days_ago(w.rng.uniform(20, 420)))
    db.session.add_all(w.people)
    db.session.flush()


def _tier_changes(w: World) -> None:
    rows = [TierChange(person_id=p.id, from_tier=f, to_tier=t, changed_at=at)
            for p in w.people for at, f, t in w.moves[id(p)]]
    for i in range(0, len(rows), BATCH):
        db.session.add_all(rows[i:i + BATCH])
        db.session.flush()
    w.stats["tier_changes"] = len(rows)


def _approvals(w: World) -> None:
    """The history of each approved coach's protected time: first approved a few days after
    they reached Lead (by nobody recorded when their organisation has no admin), and for the
    featured coach and about a third of the others one change in an earlier month: a cut (the
    organisation released more before) or a rise. Its own random stream, so the rest of the
    demo does not change with it."""
    rng = random.Random(f"{w.seed}-approvals")
    rows: list[ProtectedTimeApproval] = []
    for c in w.coaches:
        hours = c.profile.approved_hours
        if hours is None:
            continue
        capacity = c.profile.capacity_hours
        admin = w.admins.get(id(c.org))
        first = min(w.now, c.lead_since + timedelta(days=rng.uniform(1, 5)))
        featured = c is w.featured["coach"]
        # before this month began; the featured coach's inside the dashboard's six months
        changed = w.days_ago(rng.uniform(40, 110) if featured else rng.uniform(35, 150))
        change = (featured or rng.random() < 0.33) and changed > first
        before = hours
        if change and hours < capacity:
            before = rng.randint(hours + 1, capacity)
        elif change and hours > 2:
            before = rng.randint(max(1, hours // 2), hours - 1)
        for at, value in ((first, before), (changed, hours)):
            if rows and rows[-1].person_id == c.person.id and rows[-1].hours == value:
                continue
            by = admin if admin is not None and admin.created_at <= at else None
            rows.append(ProtectedTimeApproval(
                person_id=c.person.id, organisation_id=c.org.id, hours=value,
                approved_by_id=by.id if by is not None else None, approved_at=at))
    db.session.add_all(rows)
    db.session.flush()
    w.stats["approvals"] = len(rows)


# ---------------------------------------------------------------------------- the whole build


def build_demo(seed: int = DEFAULT_SEED, scale: float = 1.0,
               now: datetime | None = None) -> DemoSummary:
    """Build the demo system in an empty database; returns the counts and the demo logins.

    Raises Conflict when the database already has organisations.
    """
    from hexqi.services import demo_history

    if not 0.05 <= scale <= 4:
        raise ValueError("scale must be between 0.05 and 4")
    if has_data():
        raise Conflict("The database already has organisations; the demo needs an empty one.")
    started = time.perf_counter()
    w = World(seed, scale, (now or utcnow()).replace(second=0, microsecond=0))
    try:
        _organisations(w)
        _leads_and_admins(w)
        _coaches(w)
        _teams(w)
        _learners(w)
        demo_history.build(w)  # requests, rounds, matches, sessions, training (no hours yet)
        _tier_changes(w)
        _approvals(w)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    demo_history.post_hours(w)  # through the ledger service, oldest first; each commits
    return DemoSummary(seed, scale, DEMO_PASSWORD, time.perf_counter() - started,
                       counts(), logins(w), dict(w.stats))


def counts() -> dict[str, int]:
    from hexqi import models as m

    def n(model: Any, *where: Any) -> int:
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                     .where(*where)) or 0)

    return {
        "organisations": n(m.Organisation),
        "gp_practices": n(m.Organisation, m.Organisation.kind == OrgKind.GP_PRACTICE),
        "people": n(m.Person),
        "coaches": n(m.CoachProfile),
        "teams": n(m.Team),
        "open_requests": n(m.SupportRequest, m.SupportRequest.status == m.RequestStatus.OPEN),
        "requests": n(m.SupportRequest),
        "matches": n(m.Match),
        "rounds": n(m.MatchingRound),
        "sessions": n(m.CoachingSession),
        "pending_hours": n(m.PendingTransfer,
                           m.PendingTransfer.status == m.PendingStatus.PENDING),
        "transfers": n(m.Transfer),
        "training_events": n(m.TrainingEvent),
        "tier_changes": n(m.TierChange),
        "outbox_messages": n(m.OutboxMessage),
    }


def logins(w: World) -> list[DemoLogin]:
    def row(journey: str, p: Person) -> DemoLogin:
        roles = ", ".join(sorted(r.value for r in p.roles))
        return DemoLogin(journey, p.email, roles, p.organisation.name)

    return [row("System lead", w.featured["lead"]),
            row("Coach", w.featured["coach"].person),
            row("Team member", w.featured["team_person"]),
            row("Organisation admin", w.featured["orgadmin"])]


def login_table(summary: DemoSummary) -> str:
    """The demo logins as a plain-text table."""
    rows = [("Journey", "Email", "Roles", "Organisation")] + [
        (x.journey, x.email, x.roles, x.organisation) for x in summary.logins]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * wd for wd in widths))
    lines.append(f"\nEvery demo account's password: {summary.password}")
    return "\n".join(lines)
