"""Checking the ledger: every invariant, the first violation named.

``verify()`` streams the transfers in id order (so it copes with hundreds of
thousands of rows) and checks that each is balanced and well-formed, that the
hash chain is intact, that session transfers match their confirmations and
reversals their originals, that all balances add up to zero, that
organisation positions agree when computed two independent ways (one SQL
aggregate, one Python sum over the streamed transfers), and that the monthly
hours summary the reports read equals the streamed transfers summed in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hexqi.extensions import db
from hexqi.models import Account, LedgerHead, Organisation, PendingTransfer, Person, Team
from hexqi.models.ledger import GENESIS_HASH, Transfer, TransferKind
from hexqi.services.ledger_chain import transfer_hash
from hexqi.services.ledger_summary import Tally, differences, stored

MAX_VIOLATIONS = 100
_KINDS = {kind.value for kind in TransferKind}


@dataclass
class VerifyReport:
    ok: bool
    violations: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def first(self) -> str | None:
        return self.violations[0] if self.violations else None

    def summary(self) -> str:
        c = self.checked
        if not self.ok:
            return f"ledger verify FAILED: {self.first}"
        return (f"ledger verify OK: {c.get('transfers', 0)} transfers checked, "
                f"{c.get('accounts', 0)} accounts, {c.get('organisations', 0)} organisations, "
                f"{c.get('total_minutes', 0)} minutes moved "
                f"({c.get('total_minutes', 0) / 60:.1f} hours), hash chain intact, "
                f"hours summary ({c.get('summary_rows', 0)} rows) matches")


def organisation_positions(org_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Each organisation's position (own account + its people's + its teams'), by one SQL
    aggregate. Organisations without transfers are 0."""
    t, a = Transfer.__table__.c, Account.__table__.c
    people, teams = Person.__table__, Team.__table__
    owner_org = sa.func.coalesce(a.organisation_id, people.c.organisation_id,
                                 teams.c.organisation_id)
    moves = sa.union_all(
        sa.select(t.credit_account_id.label("account"), t.minutes.label("delta")),
        sa.select(t.debit_account_id.label("account"), (-t.minutes).label("delta")),
    ).subquery()
    joined = (moves.join(Account.__table__, a.id == moves.c.account)
              .outerjoin(people, people.c.id == a.person_id)
              .outerjoin(teams, teams.c.id == a.team_id))
    stmt = (sa.select(owner_org.label("org"), sa.func.sum(moves.c.delta))
            .select_from(joined).group_by(owner_org))
    wanted = None if org_ids is None else set(org_ids)
    if wanted is not None:
        stmt = stmt.having(owner_org.in_(sorted(wanted)))
    orgs = wanted if wanted is not None else set(db.session.scalars(sa.select(Organisation.id)))
    result = dict.fromkeys(orgs, 0)
    for org, total in db.session.execute(stmt):
        if org is not None:
            result[int(org)] = int(total)
    return result


class _Checker:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def fail(self, message: str) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(message)


def _accounts() -> dict[int, int | None]:
    """account id -> the organisation it counts toward (None for a system account)."""
    people = {pid: org for pid, org in db.session.execute(
        sa.select(Person.id, Person.organisation_id))}
    teams = {tid: org for tid, org in db.session.execute(sa.select(Team.id, Team.organisation_id))}
    owners: dict[int, int | None] = {}
    rows = db.session.execute(sa.select(Account.id, Account.person_id, Account.team_id,
                                        Account.organisation_id))
    for account_id, person_id, team_id, org_id in rows:
        owners[account_id] = (org_id if org_id is not None
                              else people.get(person_id) if person_id is not None
                              else teams.get(team_id) if team_id is not None else None)
    return owners


def _stream() -> Any:
    c = Transfer.__table__.c
    columns = [c.id, c.debit_account_id, c.credit_account_id, c.minutes,
               sa.type_coerce(c.kind, sa.String()).label("kind"), c.created_by_id,
               c.created_at, c.idempotency_key, c.pending_id, c.reverses_id,
               c.training_event_id, c.memo, c.prev_hash, c.hash]
    stmt = sa.select(*columns).order_by(c.id).execution_options(yield_per=2000)
    return db.session.execute(stmt)


def _check_row(row: Any, accounts: dict[int, int | None],
               seen: dict[int, tuple[int, int, int, bool]], check: _Checker) -> None:
    tid = row.id
    if row.minutes is None or row.minutes <= 0:
        check.fail(f"transfer {tid} is unbalanced: it moves {row.minutes} minutes "
                   "(a transfer moves a whole number of minutes above zero)")
    if row.debit_account_id == row.credit_account_id:
        check.fail(f"transfer {tid} is unbalanced: it debits and credits the same account "
                   f"{row.debit_account_id}")
    for side in ("debit", "credit"):
        account_id = getattr(row, f"{side}_account_id")
        if account_id not in accounts:
            check.fail(f"transfer {tid} is unbalanced: its {side} account {account_id} "
                       "does not exist")
    if row.kind not in _KINDS:
        check.fail(f"transfer {tid} has an unknown kind {row.kind!r}")
    if (row.kind == "session") != (row.pending_id is not None):
        check.fail(f"transfer {tid}: a session transfer (and only one) must point at its "
                   "confirmation")
    if row.kind == "training" and row.training_event_id is None:
        check.fail(f"transfer {tid}: a training transfer must name its training event")
    if (row.kind == "reversal") != (row.reverses_id is not None):
        check.fail(f"transfer {tid}: a reversal (and only a reversal) must point at the "
                   "transfer it undoes")
    elif row.reverses_id is not None:
        original = seen.get(row.reverses_id)
        if original is None:
            check.fail(f"transfer {tid} reverses transfer {row.reverses_id}, which does not "
                       "exist before it")
        elif original[3]:
            check.fail(f"transfer {tid} reverses transfer {row.reverses_id}, which is itself "
                       "a reversal")
        elif (original[0], original[1], original[2]) != (
                row.credit_account_id, row.debit_account_id, row.minutes):
            check.fail(f"transfer {tid} does not mirror transfer {row.reverses_id} it "
                       "reverses (accounts swapped, same minutes)")


def _check_sessions(check: _Checker) -> None:
    t, p = Transfer.__table__.c, PendingTransfer.__table__.c
    bad = db.session.execute(
        sa.select(t.id, t.pending_id, sa.type_coerce(p.status, sa.String()), p.id)
        .select_from(Transfer.__table__.outerjoin(PendingTransfer.__table__,
                                                  p.id == t.pending_id))
        .where(t.pending_id.is_not(None))
        .where(sa.or_(p.id.is_(None), sa.type_coerce(p.status, sa.String()) != "confirmed",
                      p.minutes != t.minutes, p.debit_account_id != t.debit_account_id,
                      p.credit_account_id != t.credit_account_id))
        .order_by(t.id).limit(MAX_VIOLATIONS))
    for tid, pending_id, status, found in bad:
        if found is None:
            check.fail(f"transfer {tid} was posted without its confirmation: pending "
                       f"transfer {pending_id} does not exist")
        elif status != "confirmed":
            check.fail(f"transfer {tid} was posted without its confirmation: pending "
                       f"transfer {pending_id} is {status}")
        else:
            check.fail(f"transfer {tid} does not match its confirmation {pending_id} "
                       "(minutes or accounts differ)")
    counts = db.session.execute(
        sa.select(p.id, sa.func.count(t.id))
        .select_from(PendingTransfer.__table__.outerjoin(Transfer.__table__,
                                                         t.pending_id == p.id))
        .where(sa.type_coerce(p.status, sa.String()) == "confirmed")
        .group_by(p.id).having(sa.func.count(t.id) != 1).order_by(p.id).limit(MAX_VIOLATIONS))
    for pending_id, n in counts:
        check.fail(f"confirmed pending transfer {pending_id} has {n} posted transfers "
                   "(it must have exactly one)")


def _check_totals(balances: dict[int, int], accounts: dict[int, int | None],
                  check: _Checker) -> int:
    t, a = Transfer.__table__.c, Account.__table__.c
    moves = sa.union_all(
        sa.select(t.credit_account_id.label("account"), t.minutes.label("delta")),
        sa.select(t.debit_account_id.label("account"), (-t.minutes).label("delta")),
    ).subquery()
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(moves.c.delta), 0))
        .select_from(moves.join(Account.__table__, a.id == moves.c.account)))
    total = int(total or 0)
    if total != 0:
        check.fail(f"the balances of all accounts add up to {total} minutes, not zero")
    by_sql = organisation_positions()
    by_python: dict[int, int] = defaultdict(int)
    for account_id, amount in balances.items():
        org = accounts.get(account_id)
        if org is not None:
            by_python[org] += amount
    for org in sorted(set(by_sql) | set(by_python)):
        if by_sql.get(org, 0) != by_python.get(org, 0):
            check.fail(f"organisation {org}: its position is {by_sql.get(org, 0)} minutes by "
                       f"the database but {by_python.get(org, 0)} by the sum of its members' "
                       "accounts")
    return len(by_sql)


def verify() -> VerifyReport:
    """Check every ledger invariant; ``violations[0]`` is the first one found."""
    check = _Checker()
    accounts = _accounts()
    seen: dict[int, tuple[int, int, int, bool]] = {}
    balances: dict[int, int] = defaultdict(int)
    prev_hash, prev_id, total_minutes = GENESIS_HASH, None, 0
    tally = Tally()
    for row in _stream():
        _check_row(row, accounts, seen, check)
        tally.add(row.id, row.kind, row.debit_account_id, row.credit_account_id, row.minutes,
                  row.created_at, row.pending_id, row.training_event_id, row.reverses_id)
        if row.prev_hash != prev_hash:
            before = f"transfer {prev_id}" if prev_id is not None else "the start of the ledger"
            check.fail(f"hash chain broken at transfer {row.id}: its prev_hash does not match "
                       f"{before} (a transfer was removed, inserted or changed)")
        if transfer_hash(row) != row.hash:
            check.fail(f"hash chain broken at transfer {row.id}: its hash does not match its "
                       "content (the row was changed behind the app's back)")
        prev_hash, prev_id = row.hash, row.id
        seen[row.id] = (row.debit_account_id, row.credit_account_id, row.minutes or 0,
                        row.kind == "reversal")
        balances[row.debit_account_id] -= row.minutes or 0
        balances[row.credit_account_id] += row.minutes or 0
        total_minutes += row.minutes or 0
    head = db.session.execute(sa.select(LedgerHead.last_transfer_id, LedgerHead.last_hash)
                              .where(LedgerHead.id == 1)).first()
    if head is None:
        check.fail("the ledger head row is missing")
    elif (head.last_transfer_id, head.last_hash) != (prev_id, prev_hash):
        check.fail(f"the ledger head points at transfer {head.last_transfer_id} but the last "
                   f"transfer is {prev_id} (a transfer was removed or added behind the app's "
                   "back)")
    _check_sessions(check)
    organisations = _check_totals(balances, accounts, check)
    summary = stored()
    for message in differences(tally.rows(), summary):
        check.fail(message)
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(PendingTransfer))
    return VerifyReport(
        ok=not check.violations, violations=check.violations,
        checked={"transfers": len(seen), "accounts": len(accounts),
                 "organisations": organisations, "pending": int(pending or 0),
                 "total_minutes": total_minutes, "summary_rows": len(summary)})
