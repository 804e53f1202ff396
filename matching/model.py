"""The solver's view of a round: feasible pairs in request-major order with their weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .feasibility import Encoded, Pairs, encode, feasible_pairs
from .fit import FIT_MAX, pair_fit
from .problem import Problem

IntArr = NDArray[np.int64]


@dataclass(frozen=True)
class Model:
    problem: Problem
    enc: Encoded
    pairs: Pairs
    fit: IntArr  # fit score per pair, 0..FIT_MAX
    start: IntArr  # pairs of request j are start[j]:start[j+1]
    priority: IntArr  # per request
    hours: IntArr  # per request
    cap: IntArr  # per coach
    teams: IntArr  # per coach
    fit_scale: int  # weight of one unit of coverage in the combined objective

    @property
    def n_coaches(self) -> int:
        return int(self.cap.shape[0])

    @property
    def n_requests(self) -> int:
        return int(self.priority.shape[0])

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    def combined_weight(self) -> IntArr:
        """Integer pair weight: coverage dominates fit lexicographically."""
        w: IntArr = self.priority[self.pairs.request] * self.fit_scale + self.fit
        return w


def build_model(problem: Problem) -> Model:
    enc = encode(problem)
    pairs = feasible_pairs(enc)
    fit = pair_fit(problem, enc, pairs)
    nr = len(problem.requests)
    counts = np.bincount(pairs.request, minlength=nr)
    start = np.zeros(nr + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return Model(problem=problem, enc=enc, pairs=pairs, fit=fit, start=start,
                 priority=enc.r_priority, hours=enc.r_hours, cap=enc.c_cap,
                 teams=enc.c_teams, fit_scale=nr * FIT_MAX + 1)


@dataclass
class Solution:
    """pair index chosen per request, -1 when unmatched."""

    choice: IntArr

    def coverage(self, m: Model) -> int:
        return int(m.priority[self.choice >= 0].sum())

    def fit(self, m: Model) -> int:
        sel = self.choice[self.choice >= 0]
        return int(m.fit[sel].sum())

    def key(self, m: Model) -> tuple[int, int]:
        return (self.coverage(m), self.fit(m))

    def copy(self) -> Solution:
        return Solution(self.choice.copy())


def loads(m: Model, choice: IntArr) -> tuple[IntArr, IntArr]:
    sel = choice[choice >= 0]
    coach = m.pairs.coach[sel]
    h: IntArr = np.bincount(coach, weights=m.hours[m.pairs.request[sel]],
                            minlength=m.n_coaches).astype(np.int64)
    t: IntArr = np.bincount(coach, minlength=m.n_coaches).astype(np.int64)
    return h, t


def is_feasible(m: Model, choice: IntArr) -> bool:
    sel = choice >= 0
    if np.any(m.pairs.request[choice[sel]] != np.flatnonzero(sel)):
        return False
    h, t = loads(m, choice)
    return bool(np.all(h <= m.cap) and np.all(t <= m.teams))
