"""solve(): build the pruned pair model, bound it, search it, and return a validated Result.

Pipeline (see docs/matching.md):
 1. vectorised feasibility -> pairs, integer fit scores;
 2. baseline greedy (never return less than it);
 3. bound: the LP relaxation (GLOP) when the pair count is moderate, else a Lagrangian bound;
 4. primal: round the LP / Lagrangian values (greedy in their order), then local search;
 5. up to MIP_MAX_PAIRS: SCIP over all pairs, warm-started with the incumbent, for the rest of
    the time (its proven bound tightens coverage_bound); above: large-neighbourhood search,
    re-solving random groups of coaches exactly with SCIP;
 6. fit moves at equal coverage, reasons for every request, a final check of the round.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .colgen import Pairing, bundle_start, column_generation, pick_round
from .explain import assignment_reasons, unmatched_reasons
from .greedy import Budget, baseline, improve, order_greedy
from .lagrangian import reduced_values, solve_lagrangian
from .lns import lns
from .mip import lp_relaxation, solve_mip
from .model import Model, Solution, build_model, is_feasible
from .problem import Problem
from .result import Assignment, Result, Unmatched

LP_MAX_PAIRS = 150_000  # above this, GLOP is too slow: use the Lagrangian bound
MIP_MAX_PAIRS = 60_000  # above this, no MIP: large-neighbourhood search only
SMALL_PAIRS = 2_000  # up to this, SCIP over all pairs proves the optimum quickly
CG_WORK = 200  # work units of column generation in deterministic runs (about one per iteration)
CG_NODES = 200  # node budget of the restricted master MIP in deterministic runs
HELPER_GROUP = 10  # coaches per LNS group in the mid-size helper process
LNS_GROUP = 50  # coaches per LNS group at first (groups grow as passes gain less)
LOCAL_SEARCH_SHARE = 0.1  # of the time left, for the local search after rounding


@dataclass(frozen=True)
class SolveParams:
    """time_limit: seconds (wall clock) for the whole solve.
    workers: threads the backends may use (SCIP and the heuristics are single-threaded).
    seed: randomisation of the MIP search.
    deterministic: stop every phase by counted work instead of the clock, so the same input
        gives the same result (the time limit then only sizes the work budget).
    progress: called as progress(fraction 0..1, message)."""

    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0
    deterministic: bool = False
    progress: Callable[[float, str], None] | None = None


class _Clock:
    def __init__(self, params: SolveParams) -> None:
        self.t0 = time.monotonic()
        self.cpu0 = time.process_time() + _children_cpu()
        self.params = params

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def left(self) -> float:
        return max(0.0, self.params.time_limit - self.elapsed())

    def report(self, frac: float, msg: str) -> None:
        if self.params.progress is not None:
            self.params.progress(min(1.0, max(0.0, frac)), msg)


def solve(problem: Problem, params: SolveParams | None = None) -> Result:
    params = params or SolveParams()
    clock = _Clock(params)
    det = params.deterministic
    tl = max(0.1, params.time_limit)
    clock.report(0.0, "checking pair rules")
    m = build_model(problem)
    stats: dict[str, object] = {
        "coaches": m.n_coaches, "requests": m.n_requests, "feasible_pairs": m.n_pairs,
    }
    if m.n_requests == 0:
        return _finish(m, Solution(np.zeros(0, dtype=np.int64)), 0, "no_requests", stats, clock)
    clock.report(0.05, f"{m.n_pairs} feasible pairs; greedy baseline")
    best = baseline(m)
    stats["greedy_coverage"] = best.coverage(m)
    # trivial bound: every request that has at least one feasible coach
    reachable = np.diff(m.start) > 0
    bound = int(m.priority[reachable].sum())
    sources = {"trivial": bound}
    w_scaled = m.priority[m.pairs.request] + m.fit / m.fit_scale
    guide: np.ndarray | None = None
    bundled: Solution | None = None  # a start from each coach's best bundle (at scale)
    # ---- bound and guidance
    if m.n_pairs and m.n_pairs <= LP_MAX_PAIRS:
        clock.report(0.1, "LP relaxation")
        lp = lp_relaxation(m, w_scaled, 3600.0 if det else max(1.0, 0.4 * clock.left()))
        if lp is not None:
            sources["lp"] = math.floor(lp[0] + 1e-6)
            guide = lp[1]
    elif m.n_pairs:
        clock.report(0.1, "Lagrangian bound")
        iters = int(max(50, min(4000, 150 * tl * 200_000 / max(m.n_pairs, 1))))
        budget = Budget(work=iters) if det else Budget(clock.t0 + 0.3 * tl)
        lag = solve_lagrangian(
            m, w_scaled, budget, iters, float(best.coverage(m)),
            lambda it, b: clock.report(0.1 + 0.4 * clock.elapsed() / tl,
                                       f"Lagrangian iteration {it}, bound {b:.1f}"))
        if math.isfinite(lag.bound):
            sources["lagrangian"] = math.floor(lag.bound + 1e-6)
        guide = reduced_values(m, w_scaled, lag.lam, lag.mu)
        stats["lagrangian_iterations"] = lag.iterations
        # the same request prices, with each coach's bundle priced exactly: a tighter bound,
        # and each coach's best bundle as the start of the round
        clock.report(0.45, "bundle bound")
        prices = np.zeros(m.n_requests)
        np.maximum.at(prices, m.pairs.request, guide)
        value, start = bundle_start(Pairing.of_model(m), prices)
        sources["bundles"] = math.floor(value + 1e-6)
        bundled = Solution(start)
    bound = min(sources.values())
    # ---- primal from the guide
    if guide is not None:
        clock.report(0.5, "rounding and local search")
        order = np.lexsort((-m.fit, -guide))
        cand = order_greedy(m, order, bundled)  # fill what the bundles left free
        budget = Budget(work=10 * m.n_requests + 2 * m.n_pairs) if det else \
            Budget(clock.t0 + clock.elapsed() + LOCAL_SEARCH_SHARE * clock.left())
        rounded = cand.coverage(m)
        cand = improve(m, cand, budget)
        stats["rounded_coverage"] = rounded
        stats["local_search_coverage"] = cand.coverage(m)
        if cand.key(m) > best.key(m):
            best = cand
    if best.coverage(m) < bound and m.n_pairs and m.n_pairs <= MIP_MAX_PAIRS:
        if m.n_pairs > SMALL_PAIRS:
            best = _bundles(m, best, clock, sources, stats)
            bound = min(sources.values())
        if best.coverage(m) < bound:
            best = _full_mip(m, best, guide, clock, sources, stats)
    elif best.coverage(m) < bound and guide is not None:
        clock.report(0.6, "large-neighbourhood search")
        lns_budget = Budget(work=max(1, int(16 * tl))) if det else \
            Budget(clock.t0 + tl - 0.08 * tl - _finish_estimate(m))
        best = lns(m, best, guide, lns_budget, params.seed, det, group_size=LNS_GROUP,
                   workers=max(1, params.workers),
                   progress=lambda k, cov: clock.report(
                       0.6 + 0.35 * clock.elapsed() / tl, f"LNS pass {k}, coverage {cov}"))
        stats["lns_coverage"] = best.coverage(m)
    bound = max(min(sources.values()), best.coverage(m))
    stats["bound_source"] = min(sources, key=lambda k: sources[k])
    # a final polish: fill any room left and raise fit at equal coverage
    polish = improve(m, best, Budget(work=5 * m.n_requests + m.n_pairs) if det else
                     Budget(time.monotonic() + max(0.2, 0.02 * tl)))
    if polish.key(m) > best.key(m):
        best = polish
    status = "optimal" if best.coverage(m) >= bound else "feasible"
    return _finish(m, best, bound, status, stats, clock)


def _bundles(m: Model, best: Solution, clock: _Clock,
             sources: dict[str, int], stats: dict[str, object]) -> Solution:
    """Column generation over coach bundles (a bound at least as tight as the LP's), then the
    restricted master MIP for the round; see colgen.py."""
    params = clock.params
    det = params.deterministic
    tl = max(0.1, params.time_limit)
    clock.report(0.5, "bundle column generation")
    budget = Budget(work=CG_WORK) if det else \
        Budget(time.monotonic() + 0.6 * max(0.0, clock.left() - 0.05 * tl))
    pairing = Pairing.of_model(m)
    pool, cg, duals = column_generation(
        pairing, best.choice, budget,
        lambda it, lp, b: clock.report(0.5 + 0.25 * clock.elapsed() / tl,
                                       f"bundle LP {lp:.1f}, bound {b:.1f} (iteration {it})"))
    stats["bundle_iterations"] = cg.iterations
    stats["bundle_columns"] = cg.columns
    stats["bundle_lp"] = round(cg.lp_value, 3)
    if math.isfinite(cg.bound):
        sources["bundles"] = math.floor(cg.bound + 1e-6)
    clock.report(0.75, "picking the round from the bundles")
    deadline = None if det else clock.t0 + tl - 0.05 * tl - _finish_estimate(m)
    choice, _ = pick_round(pool, duals, best.choice, cg.bound, deadline,
                           CG_NODES if det else None, params.seed, params.workers)
    cand = Solution(choice)
    stats["bundle_mip_coverage"] = cand.coverage(m)
    if is_feasible(m, cand.choice) and cand.key(m) > best.key(m):
        return cand
    return best


def _full_mip(m: Model, best: Solution, guide: np.ndarray | None, clock: _Clock,
              sources: dict[str, int], stats: dict[str, object]) -> Solution:
    """SCIP over all pairs, warm-started with the incumbent, for the time left."""
    params = clock.params
    det = params.deterministic
    tl = max(0.1, params.time_limit)
    clock.report(0.8, "MIP search")
    remaining = clock.left() - 0.05 * tl - _finish_estimate(m)
    if not det and remaining <= 0.3:
        return best
    nodes = int(max(1, tl // 5)) if det else None
    helper = None
    if not det and params.workers > 1 and guide is not None and m.n_pairs > SMALL_PAIRS:
        # the second core: LNS from the same incumbent while SCIP works on its root
        helper = _start_helper(m, best, guide, time.monotonic() + remaining, params.seed)
    out = solve_mip(m, m.combined_weight(), None if det else remaining, nodes, best,
                    seed=params.seed, root_rounds=10)
    stats["mip_nodes"] = out.nodes
    stats["mip_wall_s"] = round(out.wall_s, 3)
    if out.solution is not None and is_feasible(m, out.solution.choice) \
            and out.solution.key(m) > best.key(m):
        best = out.solution
    if helper is not None:
        other = _join_helper(helper, 0.3 + 0.02 * tl)
        stats["helper_lns_coverage"] = other.coverage(m) if other else None
        if other is not None and is_feasible(m, other.choice) and other.key(m) > best.key(m):
            best = other
    if math.isfinite(out.bound):
        sources["mip"] = math.floor(out.bound / m.fit_scale + 1e-9)
        if out.optimal:
            sources["mip"] = min(sources["mip"], best.coverage(m))
    return best


def _helper_lns(m: Model, sol: Solution, guide: np.ndarray, deadline: float,
                seed: int) -> Solution:
    return lns(m, sol, guide, Budget(deadline), seed + 1, False, group_size=HELPER_GROUP)


def _start_helper(m: Model, sol: Solution, guide: np.ndarray, deadline: float,
                  seed: int) -> tuple[Any, Any]:
    methods = mp.get_all_start_methods()
    pool = mp.get_context("fork" if "fork" in methods else "spawn").Pool(1)
    return pool, pool.apply_async(_helper_lns, (m, sol, guide, deadline, seed))


def _join_helper(helper: tuple[Any, Any], wait: float) -> Solution | None:
    pool, pending = helper
    try:
        out: Solution = pending.get(timeout=wait)
        return out
    except mp.TimeoutError:
        return None
    finally:
        pool.terminate()
        pool.join()


def _children_cpu() -> float:
    """CPU seconds of finished worker processes (LNS workers with workers > 1)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _finish_estimate(m: Model) -> float:
    return 1e-5 * m.n_requests + 2e-7 * m.n_pairs


def _finish(m: Model, sol: Solution, bound: int, status: str, stats: dict[str, object],
            clock: _Clock) -> Result:
    clock.report(0.95, "explaining the round")
    if not is_feasible(m, sol.choice):  # defensive: never hand out an invalid round
        raise RuntimeError("internal error: the solver produced an infeasible round")
    p = m.problem
    matched = np.flatnonzero(sol.choice >= 0)
    chosen = sol.choice[matched]
    reasons = assignment_reasons(m, chosen)
    assignments = tuple(
        Assignment(request=p.requests[int(j)].id, coach=p.coaches[int(m.pairs.coach[pp])].id,
                   score=int(m.fit[pp]), reasons=tuple(rs))
        for j, pp, rs in zip(matched.tolist(), chosen.tolist(), reasons, strict=True))
    why = unmatched_reasons(m, sol.choice)
    unmatched = tuple(Unmatched(request=p.requests[j].id, reason=why[j]) for j in sorted(why))
    coverage = sol.coverage(m)
    stats["wall_s"] = round(clock.elapsed(), 3)
    stats["cpu_s"] = round(time.process_time() + _children_cpu() - clock.cpu0, 3)
    stats["matched"] = len(assignments)
    clock.report(1.0, "done")
    return Result(status=status, coverage=coverage, coverage_bound=max(bound, coverage),
                  fit=sol.fit(m), assignments=assignments, unmatched=unmatched, stats=stats)
