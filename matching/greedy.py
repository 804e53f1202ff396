"""Constructive heuristics and local search on a Model.

- `baseline`: the coordinator's spreadsheet: most urgent request first, the best-fitting coach
  that still has room. The bench compares the matcher against it.
- `order_greedy`: assign pairs in a given order (e.g. by Lagrangian reduced value).
- `improve`: insertion, relocation-ejection and replacement moves, then fit moves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .model import IntArr, Model, Solution, loads


class Budget:
    """A stop rule: by clock (deadline) or, in deterministic runs, by counted work units."""

    def __init__(self, deadline: float = float("inf"), work: float = float("inf")) -> None:
        self.deadline = deadline
        self.work_left = work
        self._tick = 0

    def spend(self, units: int = 1) -> bool:
        """Spend work; return True while there is budget left."""
        self.work_left -= units
        if self.work_left < 0:
            return False
        self._tick += 1
        return not (self._tick % 64 == 0 and time.monotonic() > self.deadline)

    def left(self) -> bool:
        return self.work_left >= 0 and time.monotonic() <= self.deadline


def request_order(m: Model) -> IntArr:
    """Most urgent first, then fewer hours, then input order."""
    idx = np.arange(m.n_requests)
    order: IntArr = np.lexsort((idx, m.hours, -m.priority))
    return order


def baseline(m: Model) -> Solution:
    choice = np.full(m.n_requests, -1, dtype=np.int64)
    rem_h = m.cap.copy()
    rem_t = m.teams.copy()
    by_urgency = np.lexsort((np.arange(m.n_requests), -m.priority))
    for j in by_urgency:
        a, b = int(m.start[j]), int(m.start[j + 1])
        if a == b:
            continue
        cs = m.pairs.coach[a:b]
        ok = (rem_h[cs] >= m.hours[j]) & (rem_t[cs] > 0)
        if not ok.any():
            continue
        k = int(np.argmax(np.where(ok, m.fit[a:b], -1)))
        choice[j] = a + k
        rem_h[cs[k]] -= m.hours[j]
        rem_t[cs[k]] -= 1
    return Solution(choice)


def order_greedy(m: Model, order: IntArr, base: Solution | None = None) -> Solution:
    """Walk pairs in `order`; take a pair when its request is free and its coach has room."""
    choice = base.choice.copy() if base else np.full(m.n_requests, -1, dtype=np.int64)
    h, t = loads(m, choice)
    rem_h = (m.cap - h).tolist()
    rem_t = (m.teams - t).tolist()
    free = (choice < 0).tolist()
    coach = m.pairs.coach[order].tolist()
    req = m.pairs.request[order].tolist()
    hours = m.hours.tolist()
    for p, c, r in zip(order.tolist(), coach, req, strict=True):
        if free[r] and rem_t[c] > 0 and rem_h[c] >= hours[r]:
            free[r] = False
            choice[r] = p
            rem_h[c] -= hours[r]
            rem_t[c] -= 1
    return Solution(choice)


def improve(m: Model, sol: Solution, budget: Budget,
            progress: Callable[[str], None] | None = None) -> Solution:
    """Local search that never lowers coverage, then raises fit at equal coverage."""
    choice = sol.choice.copy()
    pc = m.pairs.coach
    fit = m.fit
    start = m.start
    hours = m.hours
    prio = m.priority
    h, t = loads(m, choice)
    rem_h = m.cap - h
    rem_t = m.teams - t
    members: list[set[int]] = [set() for _ in range(m.n_coaches)]
    for q in np.flatnonzero(choice >= 0).tolist():
        members[int(pc[choice[q]])].add(q)

    def assign(j: int, p: int) -> None:
        c = int(pc[p])
        choice[j] = p
        rem_h[c] -= hours[j]
        rem_t[c] -= 1
        members[c].add(j)

    def unassign(j: int) -> None:
        p = int(choice[j])
        c = int(pc[p])
        choice[j] = -1
        rem_h[c] += hours[j]
        rem_t[c] += 1
        members[c].discard(j)

    def best_room(j: int, exclude: int = -1) -> int:
        """Best-fitting pair of j whose coach has room (never coach `exclude`)."""
        a, b = int(start[j]), int(start[j + 1])
        cs = pc[a:b]
        ok = (rem_h[cs] >= hours[j]) & (rem_t[cs] > 0) & (cs != exclude)
        if not ok.any():
            return -1
        return a + int(np.argmax(np.where(ok, fit[a:b], -1)))

    changed = True
    rounds = 0
    while changed and budget.left() and rounds < 6:
        changed = False
        rounds += 1
        unmatched = [int(j) for j in request_order(m) if choice[j] < 0 and start[j] < start[j + 1]]
        for j in unmatched:
            if not budget.spend(1 + int(start[j + 1] - start[j]) // 32):
                break
            if choice[j] >= 0:
                continue
            p = best_room(j)
            if p >= 0:
                assign(j, p)
                changed = True
                continue
            # eject one request k from a candidate coach: relocate k, or drop it if cheaper
            best: tuple[int, int, int, int, int] | None = None  # gain, tiebreak, p_j, k, p_k
            for p_j in range(int(start[j]), int(start[j + 1])):
                c = int(pc[p_j])
                for k in members[c]:
                    if rem_h[c] + hours[k] < hours[j] or not budget.spend(1):
                        continue
                    p_k = best_room(k, exclude=c)
                    if p_k >= 0:
                        cand = (int(prio[j]), 1, p_j, k, p_k)
                    else:
                        cand = (int(prio[j] - prio[k]), -int(hours[k]), p_j, k, -1)
                    if cand[0] > 0 and (best is None or cand[:2] > best[:2]):
                        best = cand
                if best is not None and best[1] == 1:
                    break
            if best is not None:
                _, _, p_j, k, p_k = best
                unassign(k)
                assign(j, p_j)
                if p_k >= 0:
                    assign(k, p_k)
                changed = True
        if progress:
            progress(f"local search round {rounds}")
    # fit moves at equal coverage
    for q in np.flatnonzero(choice >= 0).tolist():
        if not budget.spend(1):
            break
        p_old = int(choice[q])
        unassign(q)
        p = best_room(q)
        assign(q, p if p >= 0 and fit[p] > fit[p_old] else p_old)
    return Solution(choice)

