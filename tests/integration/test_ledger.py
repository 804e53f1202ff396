"""The ledger's rules, one at a time, on a real migrated database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import (
    Account,
    AccountKind,
    LedgerHead,
    MatchStatus,
    PendingStatus,
    PendingTransfer,
    SessionStatus,
    Transfer,
    TransferKind,
)
from hexqi.services import ledger
from hexqi.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from hexqi.services.ledger_chain import GENESIS_HASH, transfer_hash
from tests.ledger_world import START, World, build, cheap_passwords  # noqa: F401


@pytest.fixture
def w(app) -> World:
    return build()


def acct(owner) -> int:
    return ledger.account_for(owner).id


def transfer_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


def logged(w: World, minutes: int = 60, by=None, match=None):
    s = w.session(match=match, minutes=minutes)
    return s, ledger.log_session(s, by or w.coach, at=START)


# -- accounts --------------------------------------------------------------------------------

def test_account_for_gets_or_creates_one_account_per_owner(w):
    a = ledger.account_for(w.coach)
    assert a.kind is AccountKind.PERSON and a.person_id == w.coach.id
    assert ledger.account_for(w.coach).id == a.id
    kinds = {ledger.account_for(o).kind for o in (w.team, w.team_org, w.system)}
    assert kinds == {AccountKind.TEAM, AccountKind.ORGANISATION, AccountKind.SYSTEM}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 4
    with pytest.raises(InvalidInput):
        ledger.account_for(w.match)  # type: ignore[arg-type]


def test_balances_in_one_call_include_accounts_without_transfers(w):
    _, p = logged(w, 90)
    ledger.confirm_pending(p.id, w.member, at=START)
    coach, team, lead = acct(w.coach), acct(w.team), acct(w.lead)
    assert ledger.balances([coach, team, lead]) == {coach: 90, team: -90, lead: 0}
    assert ledger.balances([]) == {}


# -- sessions --------------------------------------------------------------------------------

def test_logging_a_session_marks_it_held_and_keeps_the_hours_pending(w):
    s, p = logged(w, 75)
    assert s.status is SessionStatus.HELD and s.minutes == 75 and s.logged_by_id == w.coach.id
    assert p.status is PendingStatus.PENDING
    assert (p.debit_account_id, p.credit_account_id) == (acct(w.team), acct(w.coach))
    assert p.expires_at == START + timedelta(days=30)
    assert transfer_count() == 0
    assert ledger.balance(acct(w.team)) == 0
    assert ledger.available(acct(w.team)) == -75
    assert ledger.available(acct(w.coach)) == 0


def test_confirming_posts_once_and_confirming_again_returns_the_same_transfer(w):
    s, p = logged(w, 60)
    t = ledger.confirm_pending(p.id, w.member, at=START + timedelta(hours=1))
    assert t.kind is TransferKind.SESSION and t.minutes == 60
    assert t.idempotency_key == f"session:{s.id}" and t.pending_id == p.id
    assert t.created_by_id == w.member.id and t.created_at == START + timedelta(hours=1)
    again = ledger.confirm_pending(p.id, w.member2)
    assert again.id == t.id
    assert transfer_count() == 1
    assert db.session.get(PendingTransfer, p.id).status is PendingStatus.CONFIRMED
    assert ledger.balance(acct(w.coach)) == 60 and ledger.balance(acct(w.team)) == -60
    assert ledger.available(acct(w.team)) == -60


def test_a_team_member_may_log_and_the_coach_confirms(w):
    _, p = logged(w, 45, by=w.member2)
    with pytest.raises(Forbidden):
        ledger.confirm_pending(p.id, w.member)  # same side as the logger
    t = ledger.confirm_pending(p.id, w.coach)
    assert t.minutes == 45


def test_the_logger_and_outsiders_cannot_confirm_or_decline(w):
    _, p = logged(w)
    for person in (w.coach, w.outsider, w.lead, w.coach2):
        with pytest.raises(Forbidden):
            ledger.confirm_pending(p.id, person)
        with pytest.raises(Forbidden):
            ledger.decline_pending(p.id, person)
    assert transfer_count() == 0
    assert db.session.get(PendingTransfer, p.id).status is PendingStatus.PENDING


def test_only_the_coach_or_a_team_member_can_log(w):
    s = w.session()
    for person in (w.outsider, w.lead, w.coach2):
        with pytest.raises(Forbidden):
            ledger.log_session(s, person, at=START)
    assert db.session.get(type(s), s.id).status is SessionStatus.SCHEDULED


def test_a_session_is_logged_once(w):
    s, _ = logged(w)
    with pytest.raises(Conflict, match="already logged"):
        ledger.log_session(s, w.member, at=START)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingTransfer)) == 1


def test_bad_sessions_and_minutes_are_refused_and_change_nothing(w):
    future = w.session(starts_at=START + timedelta(days=1))
    with pytest.raises(InvalidInput, match="not started"):
        ledger.log_session(future, w.coach, at=START)
    s = w.session()
    for bad in (0, -30, 13 * 60, 1.5, True):
        with pytest.raises(InvalidInput):
            ledger.log_session(s, w.coach, minutes=bad, at=START)  # type: ignore[arg-type]
    cancelled = w.session()
    cancelled.status = SessionStatus.CANCELLED
    db.session.commit()
    with pytest.raises(Conflict, match="cancelled"):
        ledger.log_session(cancelled, w.coach, at=START)
    w.match.status = MatchStatus.PROPOSED
    db.session.commit()
    with pytest.raises(Conflict, match="accepted"):
        ledger.log_session(s, w.coach, at=START)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingTransfer)) == 0
    assert db.session.get(type(s), s.id).status is SessionStatus.SCHEDULED
    with pytest.raises(NotFound):
        ledger.confirm_pending(9999, w.member)


def test_declined_hours_never_post(w):
    _, p = logged(w)
    declined = ledger.decline_pending(p.id, w.member, at=START)
    assert declined.status is PendingStatus.DECLINED and declined.decided_by_id == w.member.id
    assert ledger.decline_pending(p.id, w.member).status is PendingStatus.DECLINED
    with pytest.raises(Conflict, match="declined"):
        ledger.confirm_pending(p.id, w.member)
    assert transfer_count() == 0
    assert ledger.available(acct(w.team)) == 0


def test_expired_hours_never_post(w):
    _, p1 = logged(w, 30)
    _, p2 = logged(w, 40)
    p2_id = p2.id
    ledger.confirm_pending(p1.id, w.member, at=START)
    assert ledger.expire_pending(START + timedelta(days=29)) == 0
    assert ledger.expire_pending(START + timedelta(days=30)) == 1
    assert db.session.get(PendingTransfer, p2_id).status is PendingStatus.EXPIRED
    with pytest.raises(Conflict, match="expired"):
        ledger.confirm_pending(p2_id, w.member)
    assert transfer_count() == 1
    assert ledger.available(acct(w.team)) == -30


def test_confirming_after_the_expiry_time_expires_the_hours(w):
    _, p = logged(w)
    with pytest.raises(Conflict, match="expired"):
        ledger.confirm_pending(p.id, w.member, at=START + timedelta(days=31))
    assert db.session.get(PendingTransfer, p.id).status is PendingStatus.EXPIRED
    assert transfer_count() == 0


def test_expire_uses_the_configured_expiry(app):
    app.config["PENDING_EXPIRY_DAYS"] = 2
    w = build()
    _, p = logged(w)
    assert p.expires_at == START + timedelta(days=2)
    assert ledger.expire_pending(START + timedelta(days=2, seconds=1)) == 1


# -- the floor -------------------------------------------------------------------------------

def test_pending_debits_count_against_the_floor(app):
    w = build(floor_minutes=-120)
    _, p = logged(w, 90)
    s2 = w.session(minutes=31)
    with pytest.raises(ledger.FloorExceeded) as err:
        ledger.log_session(s2, w.coach, at=START)
    assert (err.value.available, err.value.minutes, err.value.floor) == (-90, 31, -120)
    assert "credit floor" in str(err.value)
    assert db.session.get(type(s2), s2.id).status is SessionStatus.SCHEDULED
    ledger.log_session(s2, w.coach, minutes=30, at=START)  # exactly down to the floor
    assert ledger.available(acct(w.team)) == -120
    ledger.confirm_pending(p.id, w.member)
    assert ledger.balance(acct(w.team)) == -90


def test_the_floor_is_checked_again_at_confirmation(app):
    w = build(floor_minutes=-120)
    _, p = logged(w, 120)
    # A system lead's adjustment is exempt from the floor and takes the team lower first.
    ledger.post_transfer(ledger.account_for(w.team), ledger.account_for(w.system), 30,
                         TransferKind.ADJUSTMENT, w.lead, "adjust:1", "Correction")
    with pytest.raises(ledger.FloorExceeded):
        ledger.confirm_pending(p.id, w.member)
    assert db.session.get(PendingTransfer, p.id).status is PendingStatus.PENDING
    assert transfer_count() == 1


def test_a_gift_cannot_take_the_giver_below_the_floor(app):
    w = build(floor_minutes=-60)
    ledger.donate(w.coach, w.team, 60, w.coach)
    head_before = db.session.get(LedgerHead, 1).last_hash
    with pytest.raises(ledger.FloorExceeded):
        ledger.donate(w.coach, w.team, 1, w.coach)
    assert transfer_count() == 1
    assert db.session.get(LedgerHead, 1).last_hash == head_before
    assert ledger.balance(acct(w.coach)) == -60


# -- reversals -------------------------------------------------------------------------------

def test_a_reversal_mirrors_the_original_once(w):
    _, p = logged(w, 60)
    t = ledger.confirm_pending(p.id, w.member)
    r = ledger.reverse(t.id, w.lead, "Logged against the wrong team")
    assert r.kind is TransferKind.REVERSAL and r.reverses_id == t.id
    assert (r.debit_account_id, r.credit_account_id, r.minutes) == (
        t.credit_account_id, t.debit_account_id, 60)
    assert r.memo == "Logged against the wrong team"
    assert ledger.balance(acct(w.coach)) == 0 and ledger.balance(acct(w.team)) == 0
    with pytest.raises(Conflict, match="already reversed"):
        ledger.reverse(t.id, w.lead, "Again")
    with pytest.raises(Conflict, match="cannot be reversed"):
        ledger.reverse(r.id, w.lead, "Undo the undo")
    assert transfer_count() == 2


def test_only_a_system_lead_reverses_and_says_why(w):
    t = ledger.donate(w.member, w.team, 30, w.member)
    with pytest.raises(Forbidden):
        ledger.reverse(t.id, w.member, "Oops")
    with pytest.raises(InvalidInput) as err:
        ledger.reverse(t.id, w.lead, "   ")
    assert err.value.field == "reason"
    with pytest.raises(NotFound):
        ledger.reverse(9999, w.lead, "Missing")
    assert transfer_count() == 1


def test_a_reversal_is_exempt_from_the_floor(app):
    w = build(floor_minutes=-60)
    gift = ledger.donate(w.coach, w.team, 60, w.coach)
    ledger.donate(w.member, w.team, 60, w.member)
    spend = w.session(minutes=120)
    p = ledger.log_session(spend, w.coach, at=START)
    ledger.confirm_pending(p.id, w.member)
    assert ledger.balance(acct(w.team)) == 0
    ledger.reverse(gift.id, w.lead, "The gift went to the wrong team")
    assert ledger.balance(acct(w.team)) == -60  # the floor is -60; reversals may reach past it
    assert ledger.verify().ok


# -- idempotency, gifts, training --------------------------------------------------------------

def test_the_same_key_and_content_returns_the_first_transfer(w):
    sys_acct, team = ledger.account_for(w.system), ledger.account_for(w.team)
    first = ledger.post_transfer(sys_acct, team, 120, TransferKind.ADJUSTMENT, w.lead, "seed:1",
                                 "Start-up hours")
    again = ledger.post_transfer(sys_acct, team, 120, TransferKind.ADJUSTMENT, w.lead,
                                 "seed:1", "Start-up hours", at=START)
    assert again.id == first.id
    with pytest.raises(Conflict, match="different"):
        ledger.post_transfer(sys_acct, team, 121, TransferKind.ADJUSTMENT, w.lead, "seed:1",
                             "Start-up hours")
    assert transfer_count() == 1
    assert ledger.balance(team.id) == 120


def test_post_transfer_refuses_what_has_its_own_path(w):
    a, b = ledger.account_for(w.system), ledger.account_for(w.team)
    db.session.commit()  # account_for only flushes; a refused post rolls back to here
    for kind in (TransferKind.SESSION, TransferKind.REVERSAL):
        with pytest.raises(InvalidInput):
            ledger.post_transfer(a, b, 10, kind, w.lead, f"k:{kind}")
    with pytest.raises(InvalidInput):
        ledger.post_transfer(a, a, 10, TransferKind.ADJUSTMENT, w.lead, "k:same")
    with pytest.raises(InvalidInput):
        ledger.post_transfer(a, b, 10, TransferKind.ADJUSTMENT, w.lead, "")
    with pytest.raises(InvalidInput):
        ledger.post_transfer(a, b, 10, TransferKind.ADJUSTMENT, w.lead, "k:memo", "x" * 301)
    assert transfer_count() == 0


def test_a_person_gives_their_own_hours_to_a_team(w):
    t = ledger.donate(w.coach, w.team, 90, w.coach, at=START)
    assert t.kind is TransferKind.DONATION and t.created_at == START
    assert ledger.balance(acct(w.coach)) == -90 and ledger.balance(acct(w.team)) == 90
    with pytest.raises(Forbidden):
        ledger.donate(w.coach, w.team, 10, w.member)
    by_lead = ledger.donate(w.coach, w.team2, 10, w.lead)
    assert by_lead.created_by_id == w.lead.id
    with pytest.raises(InvalidInput):
        ledger.donate(w.coach, w.team, 0, w.coach)
    same = ledger.donate(w.member, w.team2, 5, w.member, idempotency_key="gift-form-1")
    assert ledger.donate(w.member, w.team2, 5, w.member, idempotency_key="gift-form-1").id == \
        same.id
    assert transfer_count() == 3


def test_training_pays_the_coach_once_from_the_host_organisation(w):
    event = w.training(minutes=150)
    t = ledger.record_training(event, w.coach, at=START)
    assert t.kind is TransferKind.TRAINING and t.training_event_id == event.id
    assert t.idempotency_key == f"training:{event.id}"
    assert ledger.record_training(event, None).id == t.id
    assert ledger.balance(acct(w.coach)) == 150 and ledger.balance(acct(w.team_org)) == -150
    with pytest.raises(Forbidden):
        ledger.record_training(w.training(), w.member)
    assert transfer_count() == 1


def test_organisation_position_is_its_account_plus_its_people_and_teams(w):
    ledger.record_training(w.training(minutes=60), w.coach)  # team_org pays 60
    _, p = logged(w, 120)
    ledger.confirm_pending(p.id, w.member)  # team pays 120 to the coach
    ledger.donate(w.member2, w.team2, 30, w.member2)  # inside team_org: no change
    assert ledger.organisation_position(w.team_org.id) == -180
    assert ledger.organisation_position(w.coach_org.id) == 180
    assert ledger.organisation_positions() == {w.team_org.id: -180, w.coach_org.id: 180}


# -- the chain and the database's own guards ---------------------------------------------------

def test_each_transfer_chains_to_the_one_before(w):
    ledger.donate(w.coach, w.team, 10, w.coach)
    ledger.record_training(w.training(), w.coach)
    ledger.donate(w.member, w.team2, 20, w.member)
    rows = list(db.session.scalars(sa.select(Transfer).order_by(Transfer.id)))
    assert [r.id for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(transfer_hash(r) == r.hash for r in rows)
    head = db.session.get(LedgerHead, 1)
    assert (head.last_transfer_id, head.last_hash) == (3, rows[-1].hash)


def test_the_database_refuses_to_update_or_delete_a_transfer(w):
    t = ledger.donate(w.coach, w.team, 10, w.coach)
    for statement in (f"UPDATE transfers SET minutes = 99 WHERE id = {t.id}",
                      f"DELETE FROM transfers WHERE id = {t.id}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.select(Transfer.minutes).where(Transfer.id == t.id)) == 10


def test_the_database_checks_what_it_can(w):
    a, b = acct(w.coach), acct(w.team)
    bad = [dict(minutes=0), dict(debit=a, credit=a), dict(kind="reversal"),
           dict(kind="session")]
    for n, case in enumerate(bad):
        values = {"id": 100 + n, "debit_account_id": case.get("debit", a),
                  "credit_account_id": case.get("credit", b), "minutes": case.get("minutes", 5),
                  "kind": case.get("kind", "donation"), "created_at": START,
                  "idempotency_key": f"raw:{n}", "memo": "", "prev_hash": GENESIS_HASH,
                  "hash": f"{n:064d}"}
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.insert(Transfer.__table__).values(**values))
        db.session.rollback()
