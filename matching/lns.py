"""Large-neighbourhood search: re-solve groups of coaches exactly with SCIP.

Each pass splits the coaches at random into groups. A group's sub-problem holds every request
currently served by its coaches plus the unmatched requests whose best Lagrangian pair points into
the group, restricted to pairs inside the group. All other assignments stay fixed, so the exact
sub-solution (warm-started with the incumbent) can only keep or improve the round. Each sub-MIP
stops as soon as its coverage is proven optimal (absolute gap below one coverage unit).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .greedy import Budget
from .mip import solve_mip
from .model import Model, Solution


def lns(m: Model, sol: Solution, guide: NDArray[np.float64], budget: Budget, seed: int,
        deterministic: bool, group_size: int = 50, sub_time: float = 2.0,
        progress: Callable[[int, int], None] | None = None) -> Solution:
    rng = np.random.default_rng(seed)
    w = m.combined_weight()
    pc, pr = m.pairs.coach, m.pairs.request
    nc = m.n_coaches
    best = sol.copy()
    n_groups = max(1, nc // group_size)
    # the coach each request points to (best guide value among its pairs)
    nonempty = np.flatnonzero(np.diff(m.start) > 0)
    order = np.lexsort((-guide, pr))
    first = order[m.start[nonempty]]
    target = np.full(m.n_requests, -1, dtype=np.int64)
    target[nonempty] = pc[first]
    passes = 0
    while budget.left():
        passes += 1
        group = np.empty(nc, dtype=np.int64)
        group[rng.permutation(nc)] = np.arange(nc) % n_groups
        for g in range(n_groups):
            if not budget.spend(1) or not budget.left():
                break
            choice = best.choice
            served_by = np.where(choice >= 0, pc[np.maximum(choice, 0)], -1)
            in_sub = np.where(served_by >= 0, group[np.maximum(served_by, 0)] == g,
                              (target >= 0) & (group[np.maximum(target, 0)] == g))
            sel = np.flatnonzero(in_sub[pr] & (group[pc] == g))
            if sel.size == 0:
                continue
            limit = min(sub_time, budget.deadline - time.monotonic())
            if not deterministic and limit < 0.3:
                return best
            out = solve_mip(m, w, None if deterministic else limit,
                            300 if deterministic else None, best, pairs=sel, seed=seed + passes,
                            abs_gap=0.5 * m.fit_scale)
            if out.solution is None:
                continue
            cand = best.choice.copy()
            cand[in_sub] = -1
            got = out.solution.choice >= 0
            cand[got] = out.solution.choice[got]
            new = Solution(cand)
            if new.key(m) > best.key(m):
                best = new
        # next pass: unmatched requests try another of their good coaches
        target = np.where(rng.random(m.n_requests) < 0.5, target,
                          pc[np.minimum(m.start[:-1] + (rng.random(m.n_requests)
                             * np.diff(m.start)).astype(np.int64), max(m.n_pairs - 1, 0))]
                          if m.n_pairs else target)
        target[np.diff(m.start) == 0] = -1
        if progress:
            progress(passes, best.coverage(m))
    return best
