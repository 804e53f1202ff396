"""Races on PostgreSQL: twenty threads, each with its own app context, session and connection.

SQLite lets one writer in at a time, so these races cannot happen there; the tests skip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from hexqi import create_app
from hexqi.extensions import db
from hexqi.models import (
    Account,
    HoursSummary,
    PendingStatus,
    PendingTransfer,
    Person,
    Team,
    TrainingEvent,
    Transfer,
)
from hexqi.services import ledger, ledger_summary
from hexqi.services.errors import Conflict
from tests.ledger_world import START, World, build, cheap_passwords  # noqa: F401

THREADS = 20


@pytest.fixture
def pg(app, databases, database_url) -> Flask:
    """A second app on the same database with a connection for every thread."""
    if databases.dialect != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL=postgresql://postgres@127.0.0.1/test):"
                    " SQLite admits one writer at a time, so there is no race to test")
    racing = create_app({"SQLALCHEMY_DATABASE_URI": database_url,
                         "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS + 2,
                                                       "max_overflow": 0}})
    yield racing
    with racing.app_context():
        db.engine.dispose()


def race(app: Flask, work: Callable[[int], Any], n: int = THREADS) -> list[tuple[str, Any]]:
    """Run work(0..n-1) in n threads released together; ('ok', value) or ('error', exc)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, Any]] = [("missing", None)] * n

    def worker(i: int) -> None:
        with app.app_context():
            try:
                db.session.execute(sa.text("SELECT 1"))  # hold a connection before the start
                barrier.wait(timeout=60)
                results[i] = ("ok", work(i))
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def fresh_verify() -> ledger.VerifyReport:
    db.session.expire_all()
    return ledger.verify()


def test_twenty_concurrent_confirmations_post_exactly_once(pg, app):
    w = build()
    s = w.session(minutes=90)
    pending_id = ledger.log_session(s, w.coach, at=START).id
    members = [w.member.id, w.member2.id]

    def confirm(i: int) -> int:
        return ledger.confirm_pending(pending_id, db.session.get(Person, members[i % 2])).id

    results = race(pg, confirm)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    assert len({tid for _, tid in results}) == 1
    db.session.expire_all()
    posted = db.session.scalars(sa.select(Transfer).where(Transfer.pending_id == pending_id))
    assert len(list(posted)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1
    assert ledger.balance(ledger.account_for(w.coach).id) == 90
    assert fresh_verify().ok


def test_concurrent_confirmations_and_reversals_keep_the_hours_summary_exact(pg, app):
    w = build()
    pendings = [ledger.log_session(w.session(minutes=30 + i), w.coach, at=START).id
                for i in range(15)]
    earlier = [ledger.confirm_pending(ledger.log_session(w.session(minutes=20), w.coach,
                                                         at=START).id, w.member, at=START).id
               for _ in range(5)]
    ids = {"member": w.member.id, "lead": w.lead.id}
    match_id = w.match.id

    def work(i: int) -> int:
        if i < 15:  # the same match and month: every one adds to the same summary row
            return ledger.confirm_pending(pendings[i], db.session.get(Person, ids["member"])).id
        return ledger.reverse(earlier[i - 15], db.session.get(Person, ids["lead"]),
                              "Logged twice").id

    results = race(pg, work)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(HoursSummary)
                                   .where(HoursSummary.source_id == match_id)))
    assert sum(r.minutes for r in rows) == sum(30 + i for i in range(15))
    assert sum(r.transfers for r in rows) == 20
    assert sum(r.reversals for r in rows) == 5
    report = fresh_verify()
    assert report.ok, report.violations


def test_twenty_threads_adding_to_one_new_summary_row_lose_nothing(pg, app):
    """The upsert itself is safe without the ledger's lock: twenty first inserts of one key."""
    w = build()
    giver, receiver = ledger.account_for(w.coach).id, ledger.account_for(w.team).id
    db.session.commit()
    key = {"posted_month": START.date().replace(day=1), "given_month": START.date().replace(day=1),
           "giver_account_id": giver, "receiver_account_id": receiver, "kind": "session",
           "source_id": w.match.id}

    def add(i: int) -> None:
        ledger_summary.add([{**key, "minutes": i + 1, "transfers": 1, "reversals": 0}])
        db.session.commit()

    results = race(pg, add)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    db.session.expire_all()
    row = db.session.scalars(sa.select(HoursSummary)).one()
    assert (row.minutes, row.transfers, row.reversals) == (sum(range(1, THREADS + 1)), THREADS, 0)


def test_twenty_concurrent_gifts_near_the_floor_stop_exactly_at_it(pg, app):
    w = build(floor_minutes=-300)
    giver_id, team_id = w.member.id, w.team.id

    def give(_i: int) -> int:
        return ledger.donate(db.session.get(Person, giver_id), db.session.get(Team, team_id),
                             60, db.session.get(Person, giver_id)).id

    results = race(pg, give)
    ok = [v for kind, v in results if kind == "ok"]
    refused = [v for kind, v in results if kind == "error"]
    assert len(ok) == 5  # 0 - 5 * 60 = -300, exactly the floor
    assert all(isinstance(e, ledger.FloorExceeded) for e in refused), refused
    db.session.expire_all()
    assert ledger.balance(ledger.account_for(w.member).id) == -300
    assert ledger.balance(ledger.account_for(w.team).id) == 300
    assert fresh_verify().ok


def test_twenty_concurrent_session_logs_count_pending_debits_against_the_floor(pg, app):
    w = build(floor_minutes=-1200)
    sessions = [w.session(minutes=120).id for _ in range(THREADS)]
    coach_id = w.coach.id

    def log(i: int) -> int:
        from hexqi.models import CoachingSession

        s = db.session.get(CoachingSession, sessions[i])
        return ledger.log_session(s, db.session.get(Person, coach_id), at=START).id

    results = race(pg, log)
    ok = [v for kind, v in results if kind == "ok"]
    assert len(ok) == 10  # ten pending debits of two hours reach the -20 hour floor
    assert all(isinstance(v, ledger.FloorExceeded) for kind, v in results if kind == "error")
    db.session.expire_all()
    team = ledger.account_for(w.team).id
    assert ledger.available(team) == -1200 and ledger.balance(team) == 0
    assert fresh_verify().ok


def test_confirmations_racing_declines_settle_one_way(pg, app):
    w = build()
    pending_id = ledger.log_session(w.session(minutes=60), w.member, at=START).id
    coach_id = w.coach.id

    def answer(i: int) -> str:
        coach = db.session.get(Person, coach_id)
        if i % 2:
            ledger.confirm_pending(pending_id, coach)
            return "confirmed"
        ledger.decline_pending(pending_id, coach)
        return "declined"

    results = race(pg, answer)
    db.session.expire_all()
    final = db.session.get(PendingTransfer, pending_id).status
    assert final in (PendingStatus.CONFIRMED, PendingStatus.DECLINED)
    winners = [v for kind, v in results if kind == "ok"]
    losers = [v for kind, v in results if kind == "error"]
    assert set(winners) == {final.value} and len(winners) == THREADS // 2
    assert all(isinstance(e, Conflict) for e in losers)
    posted = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))
    assert posted == (1 if final is PendingStatus.CONFIRMED else 0)
    assert fresh_verify().ok


def test_mixed_traffic_across_the_same_accounts_neither_deadlocks_nor_loses_an_hour(pg, app):
    w: World = build()
    pendings = [ledger.log_session(w.session(minutes=30), w.coach, at=START).id
                for _ in range(5)]
    gift_id = ledger.donate(w.coach, w.team, 15, w.coach).id  # threads never touch our rows
    events = [w.training(minutes=45).id for _ in range(5)]
    ids = {name: getattr(w, name).id for name in ("coach", "member", "member2", "lead")}
    team_id = w.team.id

    def person(name: str) -> Person:
        return db.session.get(Person, ids[name])

    def work(i: int) -> int:
        match i % 4:
            case 0:  # team pays coach
                return ledger.confirm_pending(pendings[i // 4], person("member")).id
            case 1:  # coach gives to the team: the opposite direction, same two accounts
                return ledger.donate(person("coach"), db.session.get(Team, team_id), 10,
                                     person("coach")).id
            case 2:  # host organisation pays coach
                event = db.session.get(TrainingEvent, events[i // 4])
                return ledger.record_training(event, person("coach")).id
            case _:  # a member gives to the team, or the gift is reversed
                if i == 3:
                    return ledger.reverse(gift_id, person("lead"), "Wrong team").id
                return ledger.donate(person("member2"), db.session.get(Team, team_id), 5,
                                     person("member2")).id

    results = race(pg, work)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    db.session.expire_all()
    coach = ledger.account_for(w.coach).id
    # +15*0 (gift given then reversed) + 5 sessions * 30 - 5 gifts * 10 + 5 trainings * 45
    assert ledger.balance(coach) == 5 * 30 - 5 * 10 + 5 * 45
    report = fresh_verify()
    assert report.ok, report.violations
    assert report.checked["transfers"] == 1 + THREADS


def test_twenty_threads_creating_one_account_make_one(pg, app):
    w = build()
    team_id = w.team2.id

    def create(_i: int) -> int:
        account = ledger.account_for(db.session.get(Team, team_id))
        db.session.commit()
        return account.id

    results = race(pg, create)
    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    assert len({v for _, v in results}) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)
                             .where(Account.team_id == team_id)) == 1


def test_expiry_racing_confirmation_never_both(pg, app):
    w = build()
    created = [ledger.log_session(w.session(minutes=20), w.coach, at=START).id
               for _ in range(THREADS - 1)]
    member_id = w.member.id
    late = START + timedelta(days=31)

    def work(i: int) -> int:
        if i == THREADS - 1:
            return ledger.expire_pending(late)
        try:
            ledger.confirm_pending(created[i], db.session.get(Person, member_id),
                                   at=START + timedelta(days=1))
        except Conflict:
            return -1
        return 1

    results = race(pg, work)
    assert all(kind == "ok" for kind, _ in results), results
    expired = results[-1][1]
    confirmed = sum(1 for _, v in results[:-1] if v == 1)
    assert expired + confirmed == THREADS - 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == confirmed
    assert fresh_verify().ok
