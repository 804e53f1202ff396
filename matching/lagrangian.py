"""Lagrangian relaxation of the coach constraints: an upper bound and guidance for heuristics.

Relaxing each coach's hours (multiplier lam) and team cap (multiplier mu) leaves one independent
choice per request: take the pair with the best reduced value w - lam*hours - mu, or nothing.
    L(lam, mu) = sum_j max(0, max_i w_ij - lam_i h_j - mu_i) + sum_i lam_i H_i + mu_i T_i
is an upper bound on the best assignment for every lam, mu >= 0, and its minimum equals the LP
bound (the request subproblem has the integrality property). Subgradient steps, NumPy-vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .greedy import Budget
from .model import Model

FloatArr = NDArray[np.float64]
STALL = 50
DEFLECT = 0.6
DECAY = 0.85


@dataclass
class LagrangianResult:
    bound: float  # best (lowest) L found, in units of the weights used
    lam: FloatArr
    mu: FloatArr
    iterations: int


def _evaluate(m: Model, w: FloatArr, lam: FloatArr, mu: FloatArr, hours_pair: FloatArr,
              nonempty: NDArray[np.int64]) -> tuple[float, FloatArr, NDArray[np.int64]]:
    pc = m.pairs.coach
    red = w - lam[pc] * hours_pair - mu[pc]
    best = np.full(m.n_requests, 0.0)
    if len(red):
        best[nonempty] = np.maximum.reduceat(red, m.start[nonempty])
    value = float(np.maximum(best, 0.0).sum() + lam @ m.cap + mu @ m.teams)
    return value, red, best.view()


def solve_lagrangian(m: Model, w: FloatArr, budget: Budget, max_iter: int,
                     lower: float, progress: Callable[[int, float], None] | None = None
                     ) -> LagrangianResult:
    """Minimise L by subgradient with a Polyak step towards `lower` (a known primal value)."""
    nc = m.n_coaches
    hours_pair = m.hours[m.pairs.request].astype(np.float64)
    counts = np.diff(m.start)
    nonempty = np.flatnonzero(counts > 0)
    cap = m.cap.astype(np.float64)
    teams = m.teams.astype(np.float64)
    # start from a sensible price per hour: mean weight per hour
    lam = np.zeros(nc)
    mu = np.zeros(nc)
    best_bound = float("inf")
    best_lam, best_mu = lam.copy(), mu.copy()
    theta = 1.0
    stall = 0
    it = 0
    req_of_pair = m.pairs.request
    d_h = np.zeros(nc)
    d_t = np.zeros(nc)
    for it in range(1, max_iter + 1):
        if not budget.spend(1):
            break
        value, red, best = _evaluate(m, w, lam, mu, hours_pair, nonempty)
        if value < best_bound:
            if best_bound == float("inf") or value < best_bound - 1e-4 * max(1.0, best_bound):
                stall = 0
            else:
                stall += 1
            best_bound = value
            best_lam, best_mu = lam.copy(), mu.copy()
        else:
            stall += 1
        if stall >= STALL:
            theta *= DECAY
            stall = 0
            lam, mu = best_lam.copy(), best_mu.copy()
            if theta < 1e-4:
                break
        # which pair each request takes in the relaxed problem
        take = (red >= best[req_of_pair]) & (best[req_of_pair] > 0)
        # one pair per request: keep the first taken pair of each request
        idx = np.flatnonzero(take)
        if idx.size:
            _, first = np.unique(req_of_pair[idx], return_index=True)
            idx = idx[first]
        used_h = np.bincount(m.pairs.coach[idx], weights=hours_pair[idx], minlength=nc)
        used_t = np.bincount(m.pairs.coach[idx], minlength=nc).astype(np.float64)
        g_h = cap - used_h  # derivative of L with respect to lam
        g_t = teams - used_t
        # projected subgradient: ignore components that would push a zero multiplier below zero
        g_h = np.where((lam <= 0) & (g_h > 0), 0.0, g_h)
        g_t = np.where((mu <= 0) & (g_t > 0), 0.0, g_t)
        if DEFLECT > 0 and it > 1:
            g_h = g_h + DEFLECT * d_h
            g_t = g_t + DEFLECT * d_t
        d_h, d_t = g_h, g_t
        norm = float(g_h @ g_h + g_t @ g_t)
        if norm <= 0:
            best_bound = min(best_bound, value)
            break
        step = theta * max(value - lower, 1e-6 * max(1.0, value)) / norm
        lam = np.maximum(0.0, lam - step * g_h)
        mu = np.maximum(0.0, mu - step * g_t)
        if progress and it % 25 == 0:
            progress(it, best_bound)
    return LagrangianResult(best_bound, best_lam, best_mu, it)


def reduced_values(m: Model, w: FloatArr, lam: FloatArr, mu: FloatArr) -> FloatArr:
    pc = m.pairs.coach
    out: FloatArr = w - lam[pc] * m.hours[m.pairs.request] - mu[pc]
    return out
