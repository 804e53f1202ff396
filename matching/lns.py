"""Large-neighbourhood search: re-solve groups of related coaches exactly with SCIP.

Each pass partitions the coaches into groups of related coaches: a group grows from a random
seed coach by taking the free coaches that share the most candidate requests with it (weighted
by priority, unmatched requests counting double), so the group's coaches can trade requests and
take in the unmatched ones. Each request belongs to at most one group's sub-problem: a served
request to its coach's group, an unmatched one to the group of one of its pairs (its best
Lagrangian pair or a random one). A sub-problem keeps only the pairs inside its group and every
other assignment fixed, so the exact sub-solution (warm-started with the incumbent) can only keep
or improve the round; each sub-MIP stops as soon as its coverage is proven optimal.

The sub-problems of one pass share no coach and no request, so they are independent: with
`workers` > 1 they are solved in parallel processes (each task carries only its own pairs) and
merged in group order. The result is the same as solving them one after the other, so a
deterministic run (sub-MIPs stopped by node counts) gives the same round for any worker count.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .colgen import solve_sub
from .greedy import Budget
from .mip import BoolArr, solve_pairs
from .model import IntArr, Model, Solution

SUB_NODES = 300  # node limit of a sub-MIP in deterministic runs
SEED_SAMPLE = 200  # candidate requests of the seed coach looked at when growing a group
WORK_PAIRS = 250  # a sub-problem costs 1 + pairs // WORK_PAIRS units of a counted budget
MAX_GROUP = 100  # coaches per group, at most (groups grow when a pass gains little)

Task = tuple[IntArr, IntArr, IntArr, IntArr, IntArr, IntArr, BoolArr, float, int | None, int,
             int]
SUB_SOLVER = "bundles"  # "bundles": column generation + master MIP; "pairs": SCIP on the pairs


def _solve_task(task: Task) -> BoolArr | None:
    """Solve one sub-problem (runs in a worker process or inline)."""
    req, coach, hours, cap, teams, w, hint, deadline, nodes, seed, fit_scale = task
    limit: float | None = None
    if nodes is None:
        limit = min(2.0 + len(req) / 1000, deadline - time.monotonic())
        if limit < 0.3:
            return None
    if SUB_SOLVER == "bundles":
        sub_deadline = time.monotonic() + (limit if limit is not None else 3600.0)
        return solve_sub(req, coach, hours, cap, teams, w, fit_scale, hint, sub_deadline,
                         nodes, seed)
    return solve_pairs(req, coach, hours, cap, teams, w, limit, nodes, hint, seed,
                       0.5 * fit_scale).chosen


def _groups(m: Model, choice: IntArr, rng: np.random.Generator, group_size: int,
            corder: IntArr, cstart: IntArr) -> IntArr:
    """A partition of the coaches into groups of coaches that share candidate requests."""
    nc = m.n_coaches
    pc, pr, start = m.pairs.coach, m.pairs.request, m.start
    group = np.full(nc, -1, dtype=np.int64)
    weight = (m.priority * np.where(choice < 0, 2, 1)).astype(np.float64)
    g = 0
    free = nc
    for c in rng.permutation(nc).tolist():
        if group[c] >= 0:
            continue
        reqs = pr[corder[cstart[c]:cstart[c + 1]]]
        if reqs.size > SEED_SAMPLE:
            reqs = rng.choice(reqs, SEED_SAMPLE, replace=False)
        lens = start[reqs + 1] - start[reqs]
        total = int(lens.sum())
        offsets = np.repeat(start[reqs] - (np.cumsum(lens) - lens), lens)
        cs = pc[offsets + np.arange(total)]
        score = np.bincount(cs, weights=np.repeat(weight[reqs], lens),
                            minlength=nc).astype(np.float64)
        score[group >= 0] = -1.0
        score[c] = np.inf
        k = min(group_size, free)
        top = np.argpartition(-score, k - 1)[:k]
        group[top] = g
        free -= k
        g += 1
        if free == 0:
            break
    return group


def lns(m: Model, sol: Solution, guide: NDArray[np.float64], budget: Budget, seed: int,
        deterministic: bool, group_size: int = 50, workers: int = 1,
        progress: Callable[[int, int], None] | None = None) -> Solution:
    rng = np.random.default_rng(seed)
    w = m.combined_weight()
    pc, pr = m.pairs.coach, m.pairs.request
    hours_pair = m.hours[pr]
    nc = m.n_coaches
    best = sol.copy()
    counts = np.diff(m.start)
    nonempty = np.flatnonzero(counts > 0)
    corder = np.argsort(pc, kind="stable")
    cstart = np.zeros(nc + 1, dtype=np.int64)
    np.cumsum(np.bincount(pc, minlength=nc), out=cstart[1:])
    # the coach each request points to (best guide value among its pairs)
    order = np.lexsort((-guide, pr))
    guided = np.full(m.n_requests, -1, dtype=np.int64)
    guided[nonempty] = pc[order[m.start[nonempty]]]
    del order
    pool: Any = None
    if workers > 1:
        methods = mp.get_all_start_methods()
        pool = mp.get_context("fork" if "fork" in methods else "spawn").Pool(workers)
    passes = 0
    size = max(2, group_size)
    try:
        while budget.left():
            passes += 1
            choice = best.choice
            group = _groups(m, choice, rng, size, corder, cstart)
            # unmatched requests: their guided coach, or (half the time) a random one of theirs
            rand_pair = np.minimum(m.start[:-1] + (rng.random(m.n_requests) * counts)
                                   .astype(np.int64), max(m.n_pairs - 1, 0))
            target = np.where(rng.random(m.n_requests) < 0.5, guided, pc[rand_pair])
            served = choice >= 0
            req_group = np.where(served, group[pc[np.maximum(choice, 0)]],
                                 np.where(counts > 0, group[np.maximum(target, 0)], -1))
            psel = np.flatnonzero(req_group[pr] == group[pc])
            pgroup = group[pc[psel]]
            porder = np.argsort(pgroup, kind="stable")
            cuts = np.flatnonzero(np.diff(pgroup[porder])) + 1
            subs = [psel[porder[a]] for a in np.split(np.arange(psel.size), cuts) if a.size]
            tasks: list[tuple[IntArr, Task]] = []
            for k, sel in enumerate(subs):
                if not budget.spend(1 + sel.size // WORK_PAIRS):  # larger subs cost more
                    break
                req = pr[sel]
                tasks.append((sel, (req, pc[sel], hours_pair[sel], m.cap, m.teams, w[sel],
                                    choice[req] == sel, budget.deadline,
                                    SUB_NODES if deterministic else None,
                                    seed + passes * 1000 + k, m.fit_scale)))
            if not tasks:
                break
            results: Iterator[BoolArr | None]
            if pool is not None:
                results = pool.imap(_solve_task, [t for _, t in tasks])
            else:
                results = (_solve_task(t) for _, t in tasks)
            cand = best.choice.copy()
            for (sel, _), chosen in zip(tasks, results, strict=True):
                if chosen is None:
                    continue
                req = pr[sel]
                trial = cand.copy()
                trial[np.unique(req)] = -1
                trial[req[chosen]] = sel[chosen]
                if Solution(trial).key(m) > Solution(cand).key(m):
                    cand = trial
            gain = Solution(cand).coverage(m) - best.coverage(m)
            if Solution(cand).key(m) > best.key(m):
                best = Solution(cand)
            if gain < 0.002 * best.coverage(m):  # little left at this size: larger groups
                size = min(MAX_GROUP, nc, 2 * size)
            if progress:
                progress(passes, best.coverage(m))
            if not deterministic and time.monotonic() > budget.deadline - 0.3:
                break
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return best
