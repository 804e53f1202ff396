"""`ledger verify`: passes on a realistic ledger, names the first violation on a corrupted one.

The corruption tests edit the database behind the app's back, the way someone with a
database console could: they switch the append-only triggers (and, where needed, the
foreign-key and CHECK constraints) off on one raw connection and change rows directly.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Account, Transfer, TransferKind
from hexqi.services import ledger
from hexqi.services.ledger_chain import GENESIS_HASH, transfer_hash
from tests.ledger_world import START, World, build, cheap_passwords  # noqa: F401


def busy_ledger(w: World) -> dict[str, int]:
    """A realistic few weeks: sessions confirmed and declined, gifts, training, a reversal."""
    sys_acct = ledger.account_for(w.system)
    ledger.post_transfer(sys_acct, ledger.account_for(w.team2), 600, TransferKind.ADJUSTMENT,
                         w.lead, "seed:team2", "Start-up hours", at=START)
    expected = {"confirmed": 0, "transfers": 1}
    for day in range(12):
        at = START + timedelta(days=day)
        match, logger, other = ((w.match, w.coach, w.member) if day % 2 == 0
                                else (w.match2, w.outsider, w.coach2))
        s = w.session(match=match, minutes=30 + 15 * (day % 4), starts_at=at - timedelta(hours=1))
        p = ledger.log_session(s, logger, at=at)
        if day % 5 == 4:
            ledger.decline_pending(p.id, other, at=at)
        else:
            ledger.confirm_pending(p.id, other, at=at + timedelta(hours=2))
            expected["confirmed"] += 1
            expected["transfers"] += 1
    gift = ledger.donate(w.coach, w.team, 45, w.coach, at=START + timedelta(days=3))
    ledger.donate(w.member2, w.team2, 20, w.member2, at=START + timedelta(days=4))
    ledger.record_training(w.training(minutes=180), w.coach, at=START + timedelta(days=5))
    ledger.reverse(gift.id, w.lead, "Meant for the front desk", at=START + timedelta(days=6))
    w.session(minutes=60)  # scheduled, never logged
    ledger.log_session(w.session(minutes=50), w.member, at=START + timedelta(days=8))  # pending
    expected["transfers"] += 4
    return expected


@pytest.fixture
def w(app) -> World:
    world = build()
    world.expected = busy_ledger(world)  # type: ignore[attr-defined]
    db.session.commit()
    return world


def tamper(*statements: str) -> None:
    """Run raw SQL with the append-only triggers, foreign keys and checks switched off."""
    db.session.commit()
    db.session.close()
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS transfers_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS transfers_no_delete")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")  # triggers and FKs
            conn.exec_driver_sql(
                "ALTER TABLE transfers DROP CONSTRAINT ck_transfers_minutes_positive")
        for statement in statements:
            conn.exec_driver_sql(statement)
        conn.commit()
    db.engine.dispose()  # no pooled connection keeps the relaxed settings


def verify_fails_with(runner, *fragments: str) -> str:
    report = ledger.verify()
    assert not report.ok
    for fragment in fragments:
        assert fragment in report.first
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"ledger verify FAILED: {report.first}" in result.output
    return report.first


def test_verify_passes_on_a_realistic_ledger(w, runner):
    report = ledger.verify()
    assert report.ok, report.violations
    assert report.first is None
    assert report.checked["transfers"] == w.expected["transfers"]
    assert report.checked["pending"] == 13
    total = db.session.scalar(sa.select(sa.func.sum(Transfer.minutes)))
    assert report.checked["total_minutes"] == total
    assert report.checked["accounts"] == db.session.scalar(
        sa.select(sa.func.count()).select_from(Account))
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert f"ledger verify OK: {w.expected['transfers']} transfers checked" in result.output
    assert "hash chain intact" in result.output


def test_ledger_expire_command_expires_old_pending_hours(w, runner):
    result = runner.invoke(args=["ledger", "expire"])
    assert result.exit_code == 0
    assert result.output.strip() == "Expired 0 pending transfers."
    s = w.session(minutes=30, starts_at=START - timedelta(days=40))
    ledger.log_session(s, w.coach, at=START - timedelta(days=39))
    result = runner.invoke(args=["ledger", "expire"])
    assert result.output.strip() == "Expired 1 pending transfer."
    assert ledger.verify().ok


def test_an_edited_amount_breaks_the_hash_chain(w, runner):
    tamper("UPDATE transfers SET minutes = minutes + 60 WHERE id = 5")
    first = verify_fails_with(runner, "hash chain broken at transfer 5", "content")
    assert "changed behind the app's back" in first


def test_an_edited_account_breaks_the_hash_chain_even_when_balanced(w, runner):
    coach = ledger.account_for(w.coach).id
    coach2 = ledger.account_for(w.coach2).id
    tamper(f"UPDATE transfers SET credit_account_id = {coach2} "
           f"WHERE id = 2 AND credit_account_id = {coach}")
    verify_fails_with(runner, "transfer 2")


def test_a_removed_transfer_breaks_the_chain_at_the_next_one(w, runner):
    tamper("DELETE FROM transfers WHERE id = 4")
    verify_fails_with(runner, "hash chain broken at transfer 5", "prev_hash",
                      "transfer 3")


def test_a_removed_last_transfer_is_caught_by_the_head(w, runner):
    last = db.session.scalar(sa.select(sa.func.max(Transfer.id)))
    tamper(f"DELETE FROM transfers WHERE id = {last}")
    verify_fails_with(runner, f"the ledger head points at transfer {last}")


def test_a_removed_session_transfer_leaves_its_confirmation_without_hours(w, runner):
    last_session = db.session.scalar(
        sa.select(sa.func.max(Transfer.id)).where(Transfer.kind == TransferKind.SESSION))
    pending_id = db.session.scalar(
        sa.select(Transfer.pending_id).where(Transfer.id == last_session))
    tamper(f"DELETE FROM transfers WHERE id = {last_session}")
    report = ledger.verify()
    assert any(f"confirmed pending transfer {pending_id} has 0 posted transfers" in v
               for v in report.violations)


def test_an_unbalanced_row_is_named_before_the_chain(w, runner):
    tamper("UPDATE transfers SET minutes = 0 WHERE id = 3")
    verify_fails_with(runner, "transfer 3 is unbalanced", "0 minutes")


def test_a_transfer_to_a_missing_account_is_named(w, runner):
    tamper("UPDATE transfers SET debit_account_id = 987654 WHERE id = 2")
    verify_fails_with(runner, "transfer 2 is unbalanced", "987654 does not exist")
    report = ledger.verify()
    assert any("add up to" in v for v in report.violations)  # the sum is no longer zero


def test_a_posted_session_without_its_confirmation_is_named(w, runner):
    pending_id = db.session.scalar(
        sa.select(Transfer.pending_id).where(Transfer.kind == TransferKind.SESSION)
        .order_by(Transfer.id))
    tid = db.session.scalar(sa.select(Transfer.id).where(Transfer.pending_id == pending_id))
    tamper(f"UPDATE pending_transfers SET status = 'declined' WHERE id = {pending_id}")
    verify_fails_with(runner, f"transfer {tid} was posted without its confirmation",
                      "declined")


def test_an_inserted_transfer_is_caught(w, runner):
    head_hash = db.session.scalar(sa.text("SELECT last_hash FROM ledger_head"))
    a = ledger.account_for(w.team).id
    b = ledger.account_for(w.member).id
    tamper("INSERT INTO transfers (id, debit_account_id, credit_account_id, minutes, kind, "
           "created_at, idempotency_key, memo, prev_hash, hash) VALUES "
           f"(500, {a}, {b}, 600, 'donation', '2026-01-01 00:00:00', 'sneaky', '', "
           f"'{head_hash}', '{'f' * 64}')")
    verify_fails_with(runner, "hash chain broken at transfer 500")


@pytest.mark.slow
def test_verify_streams_a_hundred_thousand_transfers(app, databases):
    w = build()
    a, b = ledger.account_for(w.member).id, ledger.account_for(w.member2).id
    db.session.commit()
    rows, prev = [], GENESIS_HASH
    n = 100_000
    for i in range(1, n + 1):
        row = {"id": i, "debit_account_id": a if i % 2 else b,
               "credit_account_id": b if i % 2 else a, "minutes": 15 + i % 4 * 15,
               "kind": TransferKind.DONATION, "created_by_id": None,
               "created_at": START + timedelta(seconds=i), "idempotency_key": f"bulk:{i}",
               "pending_id": None, "reverses_id": None, "training_event_id": None,
               "memo": "", "prev_hash": prev}
        row["hash"] = prev = transfer_hash(row)
        rows.append(row)
    for start in range(0, n, 10_000):
        db.session.execute(sa.insert(Transfer.__table__), rows[start:start + 10_000])
    db.session.execute(sa.text("UPDATE ledger_head SET last_transfer_id = :i, last_hash = :h"),
                       {"i": n, "h": prev})
    db.session.commit()
    began = time.perf_counter()
    report = ledger.verify()
    took = time.perf_counter() - began
    assert report.ok, report.violations[:3]
    assert report.checked["transfers"] == n
    assert took < 60, f"verify took {took:.1f}s for {n} transfers"
    print(f"verify: {n} transfers in {took:.1f}s on {databases.dialect}")
