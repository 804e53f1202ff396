"""Column generation over coach bundles: a tight bound and near-optimal rounds at mid sizes.

The pair model's LP is weak because a coach's hours and team cap are knapsack constraints. Here a
column is a *bundle*: a set of requests one coach can take together (hours within capacity_hours,
at most max_teams of them). The master problem picks at most one bundle per coach and serves each
request at most once:

    max  sum_b value_b x_b   s.t.  sum_{b of coach c} x_b <= 1,  sum_{b containing j} x_b <= 1.

Its LP relaxation (GLOP, warm-started as columns arrive) is solved over a growing pool of bundles.
With the request duals u >= 0, each coach's best new bundle is a small two-constraint knapsack
(hours and count) over its candidate requests valued w_cj - u_j, solved exactly by dynamic
programming. For any u >= 0,

    L(u) = sum_j u_j + sum_c max(0, best bundle value of c under u)

bounds every assignment from above (each request is served at most once), so the bound is valid
at every iteration, and equals the master LP once no coach has a bundle with positive reduced
cost. A restricted master MIP (SCIP) over the pool, warm-started with the incumbent's bundles,
then picks the round; it can only improve on the incumbent, whose bundles are in the pool.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from .greedy import Budget
from .mip import BoolArr, FloatArr, set_limits
from .model import IntArr, Model

DP_CELLS = 4_000_000  # coaches x items x (teams + 1) x (hours + 1) per batch of the pricing DP
EPS = 1e-7


MIP_COLUMNS = 3.3  # bundles in the restricted MIP, at least, per coach
MIP_REDUCED = -0.3  # ... and every bundle whose reduced cost is at least this
FIXED = 0.999  # bundles at least this much in the master LP are kept in the "fixed" MIP


@dataclass(frozen=True)
class Pairing:
    """What the bundle model needs: the pairs, request hours, coach limits and the integer
    combined weight of each pair (coverage x fit_scale + fit). Indices are local, so a
    sub-problem of a larger round is a Pairing too."""

    coach: IntArr  # per pair
    request: IntArr  # per pair
    hours: IntArr  # per request
    cap: IntArr  # per coach
    teams: IntArr  # per coach
    weight: IntArr  # per pair
    fit_scale: int

    @property
    def n_requests(self) -> int:
        return int(self.hours.shape[0])

    @property
    def n_coaches(self) -> int:
        return int(self.cap.shape[0])

    @classmethod
    def of_model(cls, m: Model) -> Pairing:
        return cls(m.pairs.coach, m.pairs.request, m.hours, m.cap, m.teams,
                   m.combined_weight(), m.fit_scale)

    def key(self, choice: IntArr) -> tuple[int, int]:
        """(coverage, fit) of a choice (pair index per request, -1 when unmatched)."""
        wt = self.weight[choice[choice >= 0]]
        return int((wt // self.fit_scale).sum()), int((wt % self.fit_scale).sum())


@dataclass
class ColumnGenResult:
    bound: float  # proven upper bound on sum(w) over any assignment (inf if none was proven)
    converged: bool  # no bundle with positive reduced cost is left: bound is the master LP
    iterations: int
    columns: int
    lp_value: float


class BundlePool:
    """The master problem: bundles per coach, its LP in GLOP and the pricing knapsacks."""

    def __init__(self, m: Pairing) -> None:
        self.m = m
        self.w: FloatArr = m.weight / float(m.fit_scale)
        pc = m.coach
        self.corder: IntArr = np.argsort(pc, kind="stable")
        self.cstart: IntArr = np.zeros(m.n_coaches + 1, dtype=np.int64)
        np.cumsum(np.bincount(pc, minlength=m.n_coaches), out=self.cstart[1:])
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp.SetSolverSpecificParametersAsString("use_preprocessing: false")
        inf = self.lp.infinity()
        self.req_rows = [self.lp.Constraint(-inf, 1.0) for _ in range(m.n_requests)]
        self.coach_rows = [self.lp.Constraint(-inf, 1.0) for _ in range(m.n_coaches)]
        self.objective = self.lp.Objective()
        self.objective.SetMaximization()
        self.coach: list[int] = []
        self.members: list[IntArr] = []  # pair indices of each bundle
        self.value: list[float] = []
        self.vars: list[pywraplp.Variable] = []
        self.index: dict[tuple[int, ...], int] = {}

    def add(self, pairs: IntArr) -> int:
        """Add the bundle made of these pairs (all of one coach); return its column index."""
        key = tuple(sorted(pairs.tolist()))
        if key in self.index:
            return self.index[key]
        c = int(self.m.coach[key[0]])
        var = self.lp.NumVar(0.0, self.lp.infinity(), "")
        self.coach_rows[c].SetCoefficient(var, 1.0)
        for j in self.m.request[list(key)].tolist():
            self.req_rows[j].SetCoefficient(var, 1.0)
        value = float(self.w[list(key)].sum())
        self.objective.SetCoefficient(var, value)
        self.index[key] = len(self.coach)
        self.coach.append(c)
        self.members.append(np.array(key, dtype=np.int64))
        self.value.append(value)
        self.vars.append(var)
        return len(self.coach) - 1

    def add_solution(self, choice: IntArr) -> list[int]:
        """Add the bundles of a round; return their column indices."""
        sel = choice[choice >= 0]
        if not sel.size:
            return []
        coach = self.m.coach[sel]
        order = np.argsort(coach, kind="stable")
        cuts = np.flatnonzero(np.diff(coach[order])) + 1
        return [self.add(sel[g]) for g in np.split(order, cuts)]

    def solve_lp(self) -> tuple[float, FloatArr, FloatArr] | None:
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        u = np.array([r.dual_value() for r in self.req_rows], dtype=np.float64)
        v = np.array([r.dual_value() for r in self.coach_rows], dtype=np.float64)
        return float(self.objective.Value()), np.maximum(u, 0.0), np.maximum(v, 0.0)

    def price(self, u: FloatArr, v: FloatArr) -> tuple[float, int]:
        """Add every coach's best bundle per team count whose reduced cost is positive.
        Returns (L(u), number of bundles added)."""
        m = self.m
        reduced = self.w - u[m.request]
        sel = np.flatnonzero(reduced > EPS)
        best, bundles = best_bundles(reduced[sel], m.hours[m.request[sel]], m.coach[sel],
                                     m.cap, m.teams, v)
        added = 0
        for items in bundles:
            pairs = sel[items]
            if self._is_new(pairs):
                self.add(pairs)
                added += 1
        return float(u.sum()) + float(best.sum()), added

    def _is_new(self, pairs: IntArr) -> bool:
        return tuple(sorted(pairs.tolist())) not in self.index

    def reduced_costs(self, u: FloatArr, v: FloatArr) -> FloatArr:
        rc = np.array(self.value, dtype=np.float64)
        for b, pairs in enumerate(self.members):
            rc[b] -= float(u[self.m.request[pairs]].sum()) + v[self.coach[b]]
        return rc


def best_bundles(vals: FloatArr, hours: IntArr, coach: IntArr, cap: IntArr, teams: IntArr,
                 enter: FloatArr | None) -> tuple[FloatArr, list[IntArr]]:
    """Each coach's most valuable bundle of items (item k: value vals[k] > 0, hours[k], coach
    coach[k]): at most teams[c] items within cap[c] hours. Exact dynamic programming over
    (items taken, hours used), vectorised across coaches. Returns the best value per coach (0
    when it has no item) and, when `enter` is given, the items of every coach's best bundle of
    each size whose value exceeds enter[coach]."""
    n_coaches = cap.shape[0]
    best = np.zeros(n_coaches)
    out: list[IntArr] = []
    if not vals.size:
        return best, out
    # of the items of one coach with equal hours, only the `teams` most valuable can be chosen
    order = np.lexsort((-vals, hours, coach))
    first = np.flatnonzero(np.r_[True, (coach[order][1:] != coach[order][:-1])
                                 | (hours[order][1:] != hours[order][:-1])])
    rank = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
    order = order[rank < teams[coach[order]]]
    # items per coach, in rows: item k of row i is items[i, k]
    ic = coach[order]
    users, starts, counts = np.unique(ic, return_index=True, return_counts=True)
    width = int(counts.max())
    slot = np.arange(order.size) - np.repeat(starts, counts)
    row = np.repeat(np.arange(users.size), counts)
    items = np.full((users.size, width), -1, dtype=np.int64)
    items[row, slot] = order
    t_max = np.minimum(teams[users], counts)
    h_max = np.minimum(cap[users], np.bincount(row, weights=hours[order]).astype(np.int64))
    cells = int(t_max.max() + 1) * int(h_max.max() + 1) * width
    chunk = max(1, DP_CELLS // max(cells, 1))
    for a in range(0, users.size, chunk):
        rows = np.arange(a, min(a + chunk, users.size))
        got = _dp(vals, hours, items[rows], t_max[rows], h_max[rows],
                  None if enter is None else enter[users[rows]])
        best[users[rows]] = got[0]
        out.extend(got[1])
    return best, out


def _dp(vals: FloatArr, hours: IntArr, items: IntArr, t_max: IntArr, h_max: IntArr,
        enter: FloatArr | None) -> tuple[FloatArr, list[IntArr]]:
    """The knapsack DP for a batch of coaches (rows); items[i] lists row i's items (-1: none)."""
    n, width = items.shape
    tt, hh = int(t_max.max()), int(h_max.max())
    dp = np.full((n, tt + 1, hh + 1), -np.inf)
    dp[:, 0, 0] = 0.0
    take = np.zeros((width, n, tt, hh + 1), dtype=bool)
    grid = np.arange(hh + 1)
    has = items >= 0
    item_h = np.where(has, hours[np.maximum(items, 0)], 0)
    item_v = np.where(has, vals[np.maximum(items, 0)], -np.inf)
    for k in range(width):
        src = grid[None, :] - item_h[:, k][:, None]  # hours before taking item k
        ok = src >= 0
        cand = np.take_along_axis(dp[:, :-1, :], np.maximum(src, 0)[:, None, :], axis=2)
        cand += item_v[:, k][:, None, None]
        cand[~np.broadcast_to(ok[:, None, :], cand.shape)] = -np.inf
        better = cand > dp[:, 1:, :]
        take[k] = better
        dp[:, 1:, :] = np.where(better, cand, dp[:, 1:, :])
    # only states within each coach's own limits count
    outside = (grid[None, None, :] > h_max[:, None, None]) | \
        (np.arange(tt + 1)[None, :, None] > t_max[:, None, None])
    dp = np.where(outside, -np.inf, dp)
    per_t = dp.max(axis=2)  # best value with exactly t items, per row
    best = np.maximum(per_t.max(axis=1), 0.0)
    out: list[IntArr] = []
    if enter is None:
        return best, out
    r_ix, t_ix = np.nonzero((per_t > enter[:, None] + EPS) & (np.arange(tt + 1)[None, :] > 0))
    if not r_ix.size:
        return best, out
    h_ix = dp[r_ix, t_ix, :].argmax(axis=1)
    chosen = np.zeros((r_ix.size, width), dtype=bool)
    t_cur, h_cur = t_ix.copy(), h_ix.copy()
    for k in range(width - 1, -1, -1):
        live = t_cur > 0
        took = np.zeros(r_ix.size, dtype=bool)
        took[live] = take[k, r_ix[live], t_cur[live] - 1, h_cur[live]]
        chosen[:, k] = took
        h_cur = h_cur - np.where(took, item_h[r_ix, k], 0)
        t_cur = t_cur - took
    for i in range(r_ix.size):
        out.append(items[r_ix[i], chosen[i]])
    return best, out


def bundle_start(m: Pairing, u: FloatArr) -> tuple[float, IntArr]:
    """For request prices u >= 0 (e.g. the pair relaxation's): L(u), an upper bound on the
    combined objective in coverage units that is often well below the pair LP's, and a round
    built from each coach's best bundle under u (a Lagrangian heuristic: bundles in order of
    value, each request to the first bundle that holds it; a part of a bundle still fits)."""
    u = np.maximum(u, 0.0)
    reduced = m.weight / float(m.fit_scale) - u[m.request]
    sel = np.flatnonzero(reduced > EPS)
    best, bundles = best_bundles(reduced[sel], m.hours[m.request[sel]], m.coach[sel], m.cap,
                                 m.teams, np.zeros(m.n_coaches))
    choice = np.full(m.n_requests, -1, dtype=np.int64)
    if bundles:
        value = np.array([reduced[sel[b]].sum() for b in bundles])
        coach = m.coach[sel[np.array([b[0] for b in bundles])]]
        order = np.lexsort((-value, coach))
        first = order[np.r_[True, coach[order][1:] != coach[order][:-1]]]  # best per coach
        for i in first[np.argsort(-value[first], kind="stable")].tolist():
            for q in sel[bundles[i]].tolist():
                j = int(m.request[q])
                if choice[j] < 0:
                    choice[j] = q
    return float(u.sum() + best.sum()), choice


Bundles = tuple[list[int], list[IntArr], list[int]]  # coach, pairs and weight of each bundle


def solve_bundles(bundles: Bundles, requests: IntArr, hint: list[bool], time_limit: float | None,
                  node_limit: int | None, seed: int, abs_gap: float, stop_at: float | None
                  ) -> tuple[list[bool] | None, bool]:
    """SCIP over explicit bundles (plain data, so a worker process can run it): at most one
    bundle per coach, each request at most once. Stops at the limits, or once a round reaches
    stop_at. Returns (bundle taken?, proven optimal)."""
    coach, members, weight = bundles
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None or not coach:
        return None, False
    inf = solver.infinity()
    req_rows: dict[int, pywraplp.Constraint] = {}
    coach_rows: dict[int, pywraplp.Constraint] = {}
    objective = solver.Objective()
    xs = []
    for c, pairs, wt in zip(coach, members, weight, strict=True):
        x = solver.BoolVar("")
        xs.append(x)
        if c not in coach_rows:
            coach_rows[c] = solver.Constraint(-inf, 1.0)
        coach_rows[c].SetCoefficient(x, 1.0)
        for j in requests[pairs].tolist():
            if j not in req_rows:
                req_rows[j] = solver.Constraint(-inf, 1.0)
            req_rows[j].SetCoefficient(x, 1.0)
        objective.SetCoefficient(x, float(wt))
    objective.SetMaximization()
    set_limits(solver, seed, time_limit, node_limit, abs_gap, stop_at)
    solver.SetHint(xs, [1.0 if h else 0.0 for h in hint])
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, False
    return [x.solution_value() > 0.5 for x in xs], status == pywraplp.Solver.OPTIMAL


def column_generation(m: Pairing, incumbent: IntArr, budget: Budget,
                      progress: Callable[[int, float, float], None] | None = None
                      ) -> tuple[BundlePool, ColumnGenResult, tuple[FloatArr, FloatArr] | None]:
    """Grow the bundle pool until no bundle can enter, the LP reaches the bound, or the budget
    ends. Returns the pool, the bound and the final duals (None if no LP was solved)."""
    pool = BundlePool(m)
    pool.add_solution(incumbent)
    bound = math.inf
    converged = False
    iterations = 0
    duals: tuple[FloatArr, FloatArr] | None = None
    lp_value = -math.inf
    cover = m.key(incumbent)[0]
    while budget.spend(1 + len(pool.coach) // 2000):
        iterations += 1
        if iterations == 1:  # first prices from an empty master: every request at zero
            value, _ = pool.price(np.zeros(m.n_requests), np.zeros(m.n_coaches))
            bound = min(bound, value)
            continue
        out = pool.solve_lp()
        if out is None:
            break
        lp_value, u, v = out
        duals = (u, v)
        value, added = pool.price(u, v)
        bound = min(bound, value)
        if progress is not None:
            progress(iterations, lp_value, bound)
        if added == 0:
            converged = True
            bound = min(bound, lp_value)
            break
        if math.floor(bound + 1e-6) <= cover or bound - lp_value < 1e-3:
            break  # nothing better exists, or more bundles would not move the LP
        if not budget.left():
            break
    if duals is not None and not converged:
        out = pool.solve_lp()  # duals that match the final pool
        if out is not None:
            lp_value, u, v = out
            duals = (u, v)
    return pool, ColumnGenResult(bound, converged, iterations, len(pool.coach), lp_value), duals


def _mip_columns(pool: BundlePool, duals: tuple[FloatArr, FloatArr] | None, keep: set[int],
                 variant: int) -> tuple[list[int], list[int]]:
    """(fixed bundles, bundles for the MIP). Variant 0 keeps the bundles the master LP takes
    whole and leaves the MIP the bundles of the other coaches and requests; variant 1 gives it
    the bundles closest to entering the LP (by reduced cost) plus the incumbent's."""
    m = pool.m
    n = len(pool.coach)
    if duals is None:
        return [], list(range(n))
    if variant == 0:
        lp = pool.solve_lp()
        if lp is None:
            return [], list(range(n))
        x = np.array([v.solution_value() for v in pool.vars])
        fixed = np.flatnonzero(x >= FIXED).tolist()
        used_c = np.zeros(m.n_coaches, dtype=bool)
        used_r = np.zeros(m.n_requests, dtype=bool)
        for b in fixed:
            used_c[pool.coach[b]] = True
            used_r[m.request[pool.members[b]]] = True
        free = [b for b in range(n) if not used_c[pool.coach[b]]
                and not used_r[m.request[pool.members[b]]].any()]
        return fixed, free
    want = max(1, int(MIP_COLUMNS * m.n_coaches))
    if n <= want:
        return [], list(range(n))
    rc = pool.reduced_costs(*duals)
    cut = float(np.sort(rc)[::-1][want - 1])
    return [], sorted(set(np.flatnonzero(rc >= min(MIP_REDUCED, cut)).tolist()) | keep)


def _plain(pool: BundlePool, columns: list[int]) -> Bundles:
    weight = pool.m.weight
    return ([pool.coach[b] for b in columns], [pool.members[b] for b in columns],
            [int(weight[pool.members[b]].sum()) for b in columns])


def pick_round(pool: BundlePool, duals: tuple[FloatArr, FloatArr] | None, incumbent: IntArr,
               bound: float, deadline: float | None, nodes: int | None, seed: int,
               workers: int) -> tuple[IntArr, bool]:
    """The best round the restricted master MIPs find (never worse than the incumbent): one
    over the bundles the master LP leaves undecided (the ones it takes whole stay), one over
    the bundles closest to entering. With workers > 1 both run at once in worker processes and
    stop as soon as either reaches the proven bound; otherwise one after the other, the
    second warm-started with the first's round. Deterministic runs (nodes) use the first."""
    m = pool.m
    keep = set(pool.add_solution(incumbent))
    stop_at = float(math.floor(bound + 1e-6) * m.fit_scale) if math.isfinite(bound) else None
    limit = None if deadline is None else deadline - time.monotonic()
    if (limit is not None and limit < 0.3) or \
            (math.isfinite(bound) and math.floor(bound + 1e-6) <= m.key(incumbent)[0]):
        return incumbent, False  # no time, or nothing has more coverage than the incumbent
    variants = [_mip_columns(pool, duals, keep, v) for v in range(1 if nodes else 2)]
    best, optimal = incumbent, False

    def task(v: int, hint: set[int], time_limit: float | None) -> tuple[Any, ...]:
        fixed, cols = variants[v]
        weight_fixed = int(sum(int(m.weight[pool.members[b]].sum()) for b in fixed))
        goal = None if stop_at is None else stop_at - weight_fixed
        return (_plain(pool, cols), m.request, [b in hint for b in cols], time_limit, nodes,
                seed + v, 0.5 * m.fit_scale, goal)

    def merge(v: int, result: tuple[list[bool] | None, bool]) -> None:
        nonlocal best, optimal
        fixed, cols = variants[v]
        taken = result[0]
        if taken is None:
            return
        choice = np.full(m.n_requests, -1, dtype=np.int64)
        for b in fixed + [b for b, t in zip(cols, taken, strict=True) if t]:
            choice[m.request[pool.members[b]]] = pool.members[b]
        if m.key(choice) > m.key(best):
            best, optimal = choice, result[1]

    if len(variants) == 1 or workers <= 1:
        for v in range(len(variants)):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left < 0.3:
                break
            share = left if left is None or v == len(variants) - 1 else 0.5 * left
            hint = set(pool.add_solution(best))
            merge(v, solve_bundles(*task(v, hint, share)))
            if stop_at is not None and m.key(best)[0] * m.fit_scale >= stop_at:
                break
        return best, optimal
    # both at once in worker processes; stop both once one reaches the proven bound
    methods = mp.get_all_start_methods()
    procs = mp.get_context("fork" if "fork" in methods else "spawn").Pool(len(variants))
    try:
        pending = [procs.apply_async(solve_bundles, task(v, keep, limit))
                   for v in range(len(variants))]
        give_up = time.monotonic() + 2.0 + (limit or 0.0)
        waiting = set(range(len(pending)))
        while waiting and time.monotonic() < give_up:
            time.sleep(0.02)
            for v in [v for v in waiting if pending[v].ready()]:
                merge(v, pending[v].get())  # each result is merged once, when it arrives
                waiting.discard(v)
            if stop_at is not None and m.key(best)[0] * m.fit_scale >= stop_at:
                break
    finally:
        procs.terminate()
        procs.join()
    return best, optimal


def solve_sub(req: IntArr, coach: IntArr, hours: IntArr, cap: IntArr, teams: IntArr,
              weight: IntArr, fit_scale: int, hint: BoolArr, deadline: float,
              nodes: int | None, seed: int) -> BoolArr | None:
    """A sub-problem given as global pair arrays (hours per pair, cap and teams per global
    coach): column generation, then the restricted master MIP. Returns the chosen pairs, or
    None when there was no time. Never worse than the hint, whose bundles are in the pool."""
    r_ids, r_loc = np.unique(req, return_inverse=True)
    c_ids, c_loc = np.unique(coach, return_inverse=True)
    r_hours = np.zeros(r_ids.size, dtype=np.int64)
    r_hours[r_loc] = hours
    sub = Pairing(c_loc.astype(np.int64), r_loc.astype(np.int64), r_hours, cap[c_ids],
                  teams[c_ids], weight, fit_scale)
    choice = np.full(r_ids.size, -1, dtype=np.int64)
    taken = np.flatnonzero(hint)
    choice[sub.request[taken]] = taken
    left = deadline - time.monotonic()
    if nodes is None and left < 0.2:
        return None
    budget = Budget(work=40) if nodes is not None else Budget(time.monotonic() + 0.5 * left)
    pool, cg, duals = column_generation(sub, choice, budget)
    best, _ = pick_round(pool, duals, choice, cg.bound, None if nodes is not None else deadline,
                         nodes, seed, 1)
    out: BoolArr = np.zeros(req.size, dtype=bool)
    out[best[best >= 0]] = True
    return out
