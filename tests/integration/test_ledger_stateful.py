"""Random sequences of ledger actions, every invariant checked after each step.

A Hypothesis state machine logs, confirms and declines session hours, reverses
transfers, gives hours, records training, tops teams up and lets time pass (so
pending hours expire), as the right people and the wrong ones. After every step
``verify()`` must pass and every balance and available balance must equal an
independent model of the ledger kept here in plain Python. Each example gets its
own freshly migrated database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from itertools import count
from typing import Any

import hypothesis.strategies as st
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from hexqi import create_app
from hexqi.extensions import db
from hexqi.models import PendingStatus, PendingTransfer, TrainingEvent, TransferKind
from hexqi.services import ledger
from hexqi.services.errors import Conflict, Forbidden
from hexqi.services.ledger_chain import GENESIS_HASH
from tests.ledger_world import START, build, cheap_passwords  # noqa: F401

FLOOR = -240
PEOPLE = ("coach", "coach2", "member", "member2", "outsider", "lead")
MINUTES = st.sampled_from([15, 30, 45, 60, 90, 120, 180])


def outcome(expected: type[Exception] | None, action: Callable[[], Any]) -> Any:
    """Run ``action``; it must raise exactly ``expected`` (or succeed when None)."""
    try:
        result = action()
    except Exception as exc:  # noqa: BLE001 - compared with the model's expectation below
        assert expected is not None and isinstance(exc, expected), (
            f"the model expected {expected}, the ledger raised {exc!r}")
        return None
    assert expected is None, f"the model expected {expected.__name__}, the ledger allowed it"
    return result


def _run(dbapi_connection: Any, statement: str) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(statement)
    cursor.close()


def _reset_to_migrated() -> None:
    """Empty every table the migration left empty; put back the ledger head it seeded."""
    seeded = {"skills", "alembic_version"}
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in seeded]
    db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    db.session.execute(sa.text("INSERT INTO ledger_head (id, last_transfer_id, last_hash) "
                               "VALUES (1, NULL, :genesis)"), {"genesis": GENESIS_HASH})
    db.session.commit()


class LedgerMachine(RuleBasedStateMachine):
    databases: Any = None  # set by the test to the `databases` fixture
    shared_url: str | None = None  # PostgreSQL: one database, emptied per example
    pendings = Bundle("pendings")

    def __init__(self) -> None:
        super().__init__()
        # SQLite: a fresh copy of the migrated file per example. PostgreSQL: CREATE/DROP
        # DATABASE costs seconds, so one migrated database per test is emptied to its
        # just-migrated state (TRUNCATE; no savepoints) before each example.
        self.url = self.shared_url or self.databases.new()
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.url})
        self.ctx = self.app.app_context()
        self.ctx.push()
        if self.shared_url:
            _reset_to_migrated()
        # A throwaway database: skip the fsyncs on commit.
        relax = ("PRAGMA synchronous=OFF" if db.engine.dialect.name == "sqlite"
                 else "SET synchronous_commit TO OFF")
        sa.event.listen(db.engine, "connect", lambda conn, _record: _run(conn, relax))
        self.w = build(floor_minutes=FLOOR)
        w = self.w
        self.people = {name: getattr(w, name) for name in PEOPLE}
        self.acct = {name: ledger.account_for(getattr(w, name)).id for name in
                     ("coach", "coach2", "member", "member2", "team", "team2", "team_org",
                      "system")}
        db.session.commit()
        self.sides = [({w.coach.id}, {w.member.id, w.member2.id}),
                      ({w.coach2.id}, {w.outsider.id})]
        self.debits = [self.acct["team"], self.acct["team2"]]
        self.credits = [self.acct["coach"], self.acct["coach2"]]
        self.clock = START
        self.keys = count(1)
        # The model: posted balances, pending hours and transfers, in plain Python.
        self.bal: dict[int, int] = defaultdict(int)
        self.pend: dict[int, dict[str, Any]] = {}
        self.posted: dict[int, dict[str, Any]] = {}

    def teardown(self) -> None:
        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()
        if not self.shared_url:
            self.databases.drop(self.url)

    # -- the model's rules ----------------------------------------------------------------------

    def side(self, person_id: int, match: int) -> str | None:
        coach, team = self.sides[match]
        return "coach" if person_id in coach else "team" if person_id in team else None

    def free(self, account: int, exclude: int | None = None) -> int:
        waiting = sum(p["minutes"] for pid, p in self.pend.items()
                      if p["debit"] == account and p["status"] == "pending" and pid != exclude)
        return self.bal[account] - waiting

    def floor_blocks(self, account: int, minutes: int, exclude: int | None = None) -> bool:
        return account != self.acct["system"] and self.free(account, exclude) - minutes < FLOOR

    def record(self, t: Any, kind: str) -> None:
        assert t.id not in self.posted
        self.posted[t.id] = {"debit": t.debit_account_id, "credit": t.credit_account_id,
                             "minutes": t.minutes, "kind": kind, "reversed": False}
        self.bal[t.debit_account_id] -= t.minutes
        self.bal[t.credit_account_id] += t.minutes

    def answer_error(self, p: dict[str, Any], person_id: int) -> type[Exception] | None:
        side = self.side(person_id, p["match"])
        if side is None or person_id == p["logger"] or side == self.side(p["logger"], p["match"]):
            return Forbidden
        return None

    # -- rules ----------------------------------------------------------------------------------

    @rule(target=pendings, match=st.integers(0, 1), who=st.sampled_from(PEOPLE),
          minutes=MINUTES)
    def log(self, match: int, who: str, minutes: int) -> Any:
        person = self.people[who]
        s = self.w.session(match=[self.w.match, self.w.match2][match], minutes=minutes,
                           starts_at=self.clock - timedelta(hours=1))
        debit = self.debits[match]
        expected = (Forbidden if self.side(person.id, match) is None
                    else ledger.FloorExceeded if self.floor_blocks(debit, minutes) else None)
        p = outcome(expected, lambda: ledger.log_session(s, person, at=self.clock))
        if p is None:
            return multiple()
        assert (p.debit_account_id, p.credit_account_id) == (debit, self.credits[match])
        self.pend[p.id] = {"match": match, "debit": debit, "credit": self.credits[match],
                           "minutes": minutes, "status": "pending", "logger": person.id,
                           "expires": self.clock + timedelta(days=30), "transfer": None}
        return p.id

    @rule(pid=pendings, who=st.sampled_from(PEOPLE))
    def confirm(self, pid: int, who: str) -> None:
        p, person = self.pend[pid], self.people[who]
        expected = self.answer_error(p, person.id)
        expire = False
        if expected is None and p["status"] == "confirmed":
            pass
        elif expected is None and p["status"] != "pending":
            expected = Conflict
        elif expected is None and self.clock >= p["expires"]:
            expected, expire = Conflict, True
        elif expected is None and self.floor_blocks(p["debit"], p["minutes"], exclude=pid):
            expected = ledger.FloorExceeded
        t = outcome(expected, lambda: ledger.confirm_pending(pid, person, at=self.clock))
        if expire:
            p["status"] = "expired"
        if t is None:
            return
        if p["status"] == "confirmed":
            assert t.id == p["transfer"], "confirming again must return the same transfer"
            return
        assert (t.kind, t.pending_id, t.minutes) == (TransferKind.SESSION, pid, p["minutes"])
        self.record(t, "session")
        p["status"], p["transfer"] = "confirmed", t.id

    @rule(pid=pendings, who=st.sampled_from(PEOPLE))
    def decline(self, pid: int, who: str) -> None:
        p, person = self.pend[pid], self.people[who]
        expected = self.answer_error(p, person.id)
        expire = False
        if expected is None and p["status"] in ("confirmed", "expired"):
            expected = Conflict
        elif expected is None and p["status"] == "pending" and self.clock >= p["expires"]:
            expected, expire = Conflict, True
        result = outcome(expected, lambda: ledger.decline_pending(pid, person, at=self.clock))
        if expire:
            p["status"] = "expired"
        if result is not None:
            p["status"] = "declined"

    @precondition(lambda self: self.posted)
    @rule(pick=st.integers(0, 10_000), as_lead=st.booleans())
    def reverse(self, pick: int, as_lead: bool) -> None:
        tid = sorted(self.posted)[pick % len(self.posted)]
        original = self.posted[tid]
        actor = self.people["lead" if as_lead else "member"]
        expected = (Forbidden if not as_lead
                    else Conflict if original["kind"] == "reversal" or original["reversed"]
                    else None)
        r = outcome(expected, lambda: ledger.reverse(tid, actor, "Posted in error",
                                                    at=self.clock))
        if r is not None:
            assert (r.debit_account_id, r.credit_account_id, r.reverses_id) == (
                original["credit"], original["debit"], tid)
            self.record(r, "reversal")
            original["reversed"] = True

    @rule(giver=st.sampled_from(("coach", "coach2", "member", "member2")),
          team=st.sampled_from(("team", "team2")), minutes=MINUTES, by_giver=st.booleans())
    def donate(self, giver: str, team: str, minutes: int, by_giver: bool) -> None:
        actor = self.people[giver if by_giver else "outsider"]
        expected = (Forbidden if not by_giver
                    else ledger.FloorExceeded if self.floor_blocks(self.acct[giver], minutes)
                    else None)
        team_row = getattr(self.w, team)
        t = outcome(expected, lambda: ledger.donate(self.people[giver], team_row, minutes,
                                                    actor, at=self.clock))
        if t is not None:
            self.record(t, "donation")

    @rule(team=st.sampled_from(("team", "team2")), minutes=MINUTES)
    def top_up(self, team: str, minutes: int) -> None:
        t = ledger.post_transfer(ledger.account_for(self.w.system),
                                 ledger.account_for(getattr(self.w, team)), minutes,
                                 TransferKind.ADJUSTMENT, self.w.lead,
                                 f"top-up:{next(self.keys)}", "Start-up hours", at=self.clock)
        self.record(t, "adjustment")

    @rule(minutes=MINUTES)
    def training(self, minutes: int) -> None:
        event = self.w.training(minutes=minutes)
        expected = (ledger.FloorExceeded if self.floor_blocks(self.acct["team_org"], minutes)
                    else None)
        t = outcome(expected, lambda: ledger.record_training(event, self.w.coach,
                                                             at=self.clock))
        if t is not None:
            self.record(t, "training")
            assert ledger.record_training(db.session.get(TrainingEvent, event.id),
                                          None).id == t.id

    @rule(days=st.integers(0, 40), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.clock += timedelta(days=days, hours=hours)
        due = [p for p in self.pend.values()
               if p["status"] == "pending" and p["expires"] <= self.clock]
        assert ledger.expire_pending(self.clock) == len(due)
        for p in due:
            p["status"] = "expired"

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def ledger_verifies(self) -> None:
        report = ledger.verify()
        assert report.ok, report.violations
        assert report.checked["transfers"] == len(self.posted)

    @invariant()
    def balances_match_the_model(self) -> None:
        ids = list(self.acct.values())
        assert ledger.balances(ids) == {a: self.bal[a] for a in ids}
        assert sum(self.bal.values()) == 0
        for name in ("team", "team2", "member"):  # only teams ever have pending debits
            assert ledger.available(self.acct[name]) == self.free(self.acct[name])
        w = self.w
        team_org = sum(self.bal[self.acct[n]] for n in ("member", "member2", "team", "team2",
                                                          "team_org"))
        assert ledger.organisation_position(w.team_org.id) == team_org

    @invariant()
    def pending_statuses_match_the_model(self) -> None:
        rows = dict(db.session.execute(
            sa.select(PendingTransfer.id, PendingTransfer.status)).all())
        assert rows == {pid: PendingStatus(p["status"]) for pid, p in self.pend.items()}


def test_random_ledger_histories_keep_every_invariant(databases):
    LedgerMachine.databases = databases
    LedgerMachine.shared_url = databases.new() if databases.dialect == "postgresql" else None
    try:
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                              database=None, suppress_health_check=[HealthCheck.too_slow]),
        )
    finally:
        if LedgerMachine.shared_url:
            databases.drop(LedgerMachine.shared_url)
