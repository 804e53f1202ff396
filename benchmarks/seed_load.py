"""Grow a demo database to benchmark size: more people, teams, coaches and posted transfers.

Rows go in with bulk inserts, but every posted transfer is a real session transfer (match →
held session → confirmed pending → transfer) hashed into the ledger's chain with the ledger's
own ``transfer_hash``, and the monthly hours summary is rebuilt afterwards, so ``ledger
verify`` passes on the result.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Account,
    AccountKind,
    CoachingSession,
    CoachProfile,
    LedgerHead,
    Match,
    MatchStatus,
    Mode,
    Organisation,
    PendingStatus,
    PendingTransfer,
    Person,
    PersonRole,
    Project,
    RequestStatus,
    Role,
    SessionStatus,
    SupportRequest,
    Team,
    TeamMember,
    Tier,
    Transfer,
    TransferKind,
    utcnow,
)
from hexqi.services.ledger import rebuild_hours_summary
from hexqi.services.ledger_chain import transfer_hash

BATCH = 5000


def _insert(model: type, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        result = db.session.execute(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
        ids.extend(r[0] for r in result)
    return ids


def _insert_plain(model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def grow(people: int, transfers: int, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    now = utcnow()
    orgs = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    password_hash = db.session.scalar(sa.select(Person.password_hash).limit(1))
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Person)) or 0
    extra = max(0, people - have)

    person_ids = _insert(Person, [
        {"name": f"Load Person {i}", "email": f"load{i}@bench.hexqi.org",
         "password_hash": password_hash, "organisation_id": rng.choice(orgs).id,
         "tier": rng.choice([Tier.LEARN, Tier.LEARN, Tier.LIVE, Tier.LEAD]).value,
         "job_title": "", "active": True, "created_at": now - timedelta(days=rng.randint(30, 400))}
        for i in range(extra)])
    org_of = dict(db.session.execute(sa.select(Person.id, Person.organisation_id)).all())
    n_coaches = len(person_ids) // 10
    coach_ids, member_ids = person_ids[:n_coaches], person_ids[n_coaches:]
    _insert_plain(PersonRole, [{"person_id": p, "role": Role.COACH.value} for p in coach_ids]
                  + [{"person_id": p, "role": Role.TEAM_MEMBER.value} for p in member_ids])
    _insert_plain(CoachProfile, [
        {"person_id": p, "capacity_hours": 8, "approved_hours": 8, "max_teams": 3,
         "virtual": True, "in_person": False, "base_location": "", "travel_km": 0,
         "paused": False, "bio": ""} for p in coach_ids])

    # Teams of about four members each.
    groups = [member_ids[i:i + 4] for i in range(0, len(member_ids), 4)]
    team_ids = _insert(Team, [
        {"organisation_id": org_of[g[0]], "name": f"Load team {i}", "created_at": now}
        for i, g in enumerate(groups)])
    _insert_plain(TeamMember, [{"team_id": t, "person_id": p}
                               for t, g in zip(team_ids, groups, strict=True) for p in g])
    team_org = {t: org_of[g[0]] for t, g in zip(team_ids, groups, strict=True)}

    account_ids = _insert(Account, [{"kind": AccountKind.PERSON.value, "person_id": p,
                                     "created_at": now} for p in coach_ids]
                          + [{"kind": AccountKind.TEAM.value, "team_id": t, "created_at": now}
                             for t in team_ids])
    coach_account = dict(zip(coach_ids, account_ids[:len(coach_ids)], strict=True))
    team_account = dict(zip(team_ids, account_ids[len(coach_ids):], strict=True))

    # One closed request and accepted match per (team, cross-organisation coach) pair.
    pairs = []
    for t in team_ids:
        for _ in range(3):
            c = rng.choice(coach_ids)
            if org_of[c] != team_org[t]:
                pairs.append((t, c))
    creator = {t: g[0] for t, g in zip(team_ids, groups, strict=True)}
    project_ids = _insert(Project, [{"team_id": t, "title": f"Load project {i}", "aim": "",
                                     "stage": "testing", "created_at": now}
                                    for i, (t, _c) in enumerate(pairs)])
    request_ids = _insert(SupportRequest, [
        {"team_id": t, "project_id": pid, "hours": 20, "mode": Mode.VIRTUAL.value,
         "location": "", "priority": rng.randint(1, 5), "status": RequestStatus.CLOSED.value,
         "created_by_id": creator[t], "created_at": now - timedelta(days=200),
         "updated_at": now}
        for (t, _c), pid in zip(pairs, project_ids, strict=True)])
    match_ids = _insert(Match, [
        {"request_id": r, "coach_id": c, "round_id": None, "status": MatchStatus.ACCEPTED.value,
         "score": 0.0, "reasons": ["benchmark load"], "by_hand": True, "published": True,
         "created_by_id": None, "created_at": now - timedelta(days=190)}
        for (_t, c), r in zip(pairs, request_ids, strict=True)])

    # Sessions, confirmed pending rows and the transfers they posted.
    have_transfers = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) or 0
    n = max(0, transfers - have_transfers)
    plan = []
    for _ in range(n):
        k = rng.randrange(len(pairs))
        t, c = pairs[k]
        when = now - timedelta(days=rng.uniform(1, 182))
        plan.append((match_ids[k], t, c, when.replace(microsecond=0), rng.choice([60, 90, 120])))
    plan.sort(key=lambda x: x[3])
    session_ids = _insert(CoachingSession, [
        {"match_id": m, "starts_at": w, "minutes": mins, "mode": Mode.VIRTUAL.value,
         "status": SessionStatus.HELD.value, "notes": "", "logged_by_id": c, "created_at": w}
        for m, _t, c, w, mins in plan])
    pending_ids = _insert(PendingTransfer, [
        {"session_id": s, "debit_account_id": team_account[t],
         "credit_account_id": coach_account[c], "minutes": mins, "logged_by_id": c,
         "status": PendingStatus.CONFIRMED.value, "created_at": w,
         "expires_at": w + timedelta(days=30), "decided_by_id": creator[t],
         "decided_at": w + timedelta(hours=2)}
        for s, (_m, t, c, w, mins) in zip(session_ids, plan, strict=True)])

    head = db.session.get(LedgerHead, 1)
    assert head is not None
    last_id, last_hash = head.last_transfer_id or 0, head.last_hash
    rows = []
    for s, p, (_m, t, c, w, mins) in zip(session_ids, pending_ids, plan, strict=True):
        last_id += 1
        row = {"id": last_id, "debit_account_id": team_account[t],
               "credit_account_id": coach_account[c], "minutes": mins,
               "kind": TransferKind.SESSION.value, "created_by_id": creator[t],
               "created_at": w + timedelta(hours=2), "idempotency_key": f"session:{s}",
               "memo": "", "pending_id": p, "training_event_id": None, "reverses_id": None,
               "prev_hash": last_hash}
        row["hash"] = last_hash = transfer_hash(row)
        rows.append(row)
    _insert_plain(Transfer, rows)
    head.last_transfer_id, head.last_hash = last_id, last_hash
    db.session.commit()
    # the bulk insert bypassed posting, so sum the monthly hours summary afresh
    rebuild_hours_summary()
    return {"people_added": extra, "teams_added": len(team_ids), "transfers_added": n}
