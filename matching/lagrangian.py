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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .greedy import Budget
from .model import Model

FloatArr = NDArray[np.float64]
STALL = 50  # iterations without 0.01% progress before the step shrinks
DEFLECT = 0.6  # share of the previous direction kept (deflected subgradient)
DECAY = 0.85


@dataclass
class LagrangianResult:
    bound: float  # best (lowest) L found, in units of the weights used
    lam: FloatArr
    mu: FloatArr
    iterations: int


def _evaluate(m: Model, w: NDArray[Any], lam: FloatArr, mu: FloatArr, hours_pair: NDArray[Any],
              nonempty: NDArray[np.int64], pc: NDArray[Any],
              buf: tuple[NDArray[Any], NDArray[Any]] | None = None
              ) -> tuple[float, NDArray[Any], NDArray[Any]]:
    """L(lam, mu), the reduced values and each request's best; computed in w's dtype."""
    dt = w.dtype
    red = np.take(lam.astype(dt), pc, out=buf[0] if buf else None)
    red *= hours_pair
    red += np.take(mu.astype(dt), pc, out=buf[1] if buf else None)
    np.subtract(w, red, out=red)
    best = np.zeros(m.n_requests, dtype=dt)
    if len(red):
        best[nonempty] = np.maximum.reduceat(red, m.start[nonempty])
    value = float(np.maximum(best, 0.0).sum(dtype=np.float64) + lam @ m.cap + mu @ m.teams)
    return value, red, best


def lagrangian_value(m: Model, w: FloatArr, lam: FloatArr, mu: FloatArr) -> float:
    """L(lam, mu) in float64: the bound that is reported."""
    nonempty = np.flatnonzero(np.diff(m.start) > 0)
    hours_pair = m.hours[m.pairs.request].astype(np.float64)
    return _evaluate(m, w.astype(np.float64), lam, mu, hours_pair, nonempty, m.pairs.coach)[0]


def solve_lagrangian(m: Model, w: FloatArr, budget: Budget, max_iter: int,
                     lower: float, progress: Callable[[int, float], None] | None = None
                     ) -> LagrangianResult:
    """Minimise L by subgradient with a Polyak step towards `lower` (a known primal value)."""
    nc = m.n_coaches
    # iterate in float32 (half the memory traffic); the final bound is re-evaluated in float64
    w32 = w.astype(np.float32)
    hours_pair = m.hours[m.pairs.request].astype(np.float32)
    pc32 = m.pairs.coach.astype(np.int32)
    buf = (np.empty(m.n_pairs, dtype=np.float32), np.empty(m.n_pairs, dtype=np.float32))
    counts = np.diff(m.start)
    nonempty = np.flatnonzero(counts > 0)
    cap = m.cap.astype(np.float64)
    teams = m.teams.astype(np.float64)
    lam = np.zeros(nc)
    mu = np.zeros(nc)
    best_bound = float("inf")
    best_lam, best_mu = lam.copy(), mu.copy()
    theta = 1.0
    stall = 0
    it = 0
    d_h = np.zeros(nc)
    d_t = np.zeros(nc)
    for it in range(1, max_iter + 1):
        if not budget.spend(1):
            break
        value, red, best = _evaluate(m, w32, lam, mu, hours_pair, nonempty, pc32, buf)
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
        best_rep = np.repeat(best, counts)
        take = (red >= best_rep) & (best_rep > 0)
        # (ties between a request's best pairs are rare; counting them all is harmless here)
        idx = np.flatnonzero(take)
        taken = pc32[idx]
        used_h = np.bincount(taken, weights=hours_pair[idx], minlength=nc)
        used_t = np.bincount(taken, minlength=nc).astype(np.float64)
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
    if np.isfinite(best_bound):
        best_bound = lagrangian_value(m, w, best_lam, best_mu)
    return LagrangianResult(best_bound, best_lam, best_mu, it)


def reduced_values(m: Model, w: FloatArr, lam: FloatArr, mu: FloatArr) -> FloatArr:
    pc = m.pairs.coach
    out: FloatArr = w - lam[pc] * m.hours[m.pairs.request] - mu[pc]
    return out
