"""Exact models through OR-Tools' linear solver wrapper: the LP relaxation (GLOP) and the MIP
(SCIP), both over the pruned pairs of a Model."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from .model import IntArr, Model, Solution

FloatArr = NDArray[np.float64]
BoolArr = NDArray[np.bool_]


@dataclass
class MipOutcome:
    solution: Solution | None
    objective: float
    bound: float
    optimal: bool
    wall_s: float
    nodes: int


def _build(solver: pywraplp.Solver, req: IntArr, coach: IntArr, hours: IntArr, cap: IntArr,
           teams: IntArr, w: NDArray[np.int64] | FloatArr, integer: bool
           ) -> list[pywraplp.Variable]:
    """One variable per given pair (request req[k], coach coach[k], hours[k] of its request,
    weight w[k]); cap and teams are indexed by coach. Returns the variables in that order."""
    inf = solver.infinity()
    xs = [solver.BoolVar("") if integer else solver.NumVar(0.0, 1.0, "") for _ in range(len(req))]
    # one coach per request
    order = np.argsort(req, kind="stable")
    bounds = np.flatnonzero(np.diff(req[order])) + 1
    for group in np.split(order, bounds):
        if group.size:
            ct = solver.Constraint(-inf, 1.0)
            for k in group.tolist():
                ct.SetCoefficient(xs[k], 1.0)
    order = np.argsort(coach, kind="stable")
    bounds = np.flatnonzero(np.diff(coach[order])) + 1
    for group in np.split(order, bounds):
        if not group.size:
            continue
        c = int(coach[group[0]])
        ct_h = solver.Constraint(-inf, float(cap[c]))
        ct_t = solver.Constraint(-inf, float(teams[c]))
        for k in group.tolist():
            ct_h.SetCoefficient(xs[k], float(hours[k]))
            ct_t.SetCoefficient(xs[k], 1.0)
    obj = solver.Objective()
    for k, v in enumerate(w.tolist()):
        obj.SetCoefficient(xs[k], float(v))
    obj.SetMaximization()
    return xs


def lp_relaxation(m: Model, w: FloatArr, time_limit: float) -> tuple[float, FloatArr] | None:
    """Optimal LP value and pair values, or None when GLOP does not finish in time."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None or m.n_pairs == 0:
        return None
    req = m.pairs.request
    xs = _build(solver, req, m.pairs.coach, m.hours[req], m.cap, m.teams, w, integer=False)
    solver.SetTimeLimit(max(1, int(time_limit * 1000)))
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    x = np.array([v.solution_value() for v in xs], dtype=np.float64)
    return float(solver.Objective().Value()), x


@dataclass
class SubOutcome:
    chosen: BoolArr | None  # per given pair: taken in the best solution found
    objective: float
    bound: float
    optimal: bool
    nodes: int


def set_limits(solver: pywraplp.Solver, seed: int, time_limit: float | None,
               node_limit: int | None, abs_gap: float | None, stop_at: float | None = None,
               root_rounds: int | None = None) -> None:
    """SCIP's seed and stopping rules: the clock, a node count, an absolute gap, or a round
    worth at least stop_at (nothing better exists); root_rounds caps the root's cut rounds
    (an earlier primal, the same bound)."""
    params = [f"randomization/randomseedshift = {seed % 2**30}", "limits/gap = 0"]
    if root_rounds is not None:
        params.append(f"separating/maxroundsroot = {root_rounds}")
    if abs_gap is not None:
        params.append(f"limits/absgap = {abs_gap:.6g}")
    if node_limit is not None:
        params.append(f"limits/totalnodes = {int(node_limit)}")
    if stop_at is not None:
        params.append(f"limits/primal = {stop_at:.17g}")
    solver.SetSolverSpecificParametersAsString("\n".join(params) + "\n")
    if time_limit is not None:
        solver.SetTimeLimit(max(1, int(time_limit * 1000)))


def solve_pairs(req: IntArr, coach: IntArr, hours: IntArr, cap: IntArr, teams: IntArr,
                w: NDArray[np.int64], time_limit: float | None, node_limit: int | None,
                hint: BoolArr | None, seed: int = 0, abs_gap: float | None = None,
                root_rounds: int | None = None) -> SubOutcome:
    """SCIP over explicit pair arrays (plain NumPy, so a worker process can run it)."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return SubOutcome(None, float("nan"), float("inf"), False, 0)
    xs = _build(solver, req, coach, hours, cap, teams, w, integer=True)
    set_limits(solver, seed, time_limit, node_limit, abs_gap, root_rounds=root_rounds)
    if hint is not None:
        solver.SetHint(xs, [1.0 if v else 0.0 for v in hint.tolist()])
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return SubOutcome(None, float("nan"), float("inf"), False, int(solver.nodes()))
    x: BoolArr = np.array([v.solution_value() for v in xs]) > 0.5
    obj = solver.Objective()
    return SubOutcome(x, float(obj.Value()), float(obj.BestBound()),
                      status == pywraplp.Solver.OPTIMAL, int(solver.nodes()))


def solve_mip(m: Model, w: NDArray[np.int64], time_limit: float | None, node_limit: int | None,
              hint: Solution | None, pairs: IntArr | None = None, seed: int = 0,
              abs_gap: float | None = None, root_rounds: int | None = None) -> MipOutcome:
    """SCIP over the given pairs (default all). Stops at the time or node limit."""
    t0 = time.monotonic()
    idx = np.arange(m.n_pairs) if pairs is None else pairs
    req = m.pairs.request[idx]
    hint_mask = None
    if hint is not None:
        hint_mask = hint.choice[req] == idx
    out = solve_pairs(req, m.pairs.coach[idx], m.hours[req], m.cap, m.teams, w[idx], time_limit,
                      node_limit, hint_mask, seed, abs_gap, root_rounds)
    wall = time.monotonic() - t0
    if out.chosen is None:
        return MipOutcome(None, float("nan"), float("inf"), False, wall, out.nodes)
    choice = np.full(m.n_requests, -1, dtype=np.int64)
    sel = idx[out.chosen]
    choice[m.pairs.request[sel]] = sel
    return MipOutcome(Solution(choice), out.objective, out.bound, out.optimal, wall, out.nodes)
