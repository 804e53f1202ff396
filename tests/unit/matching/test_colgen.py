"""Column generation over coach bundles: exact pricing, a valid bound, a valid round."""

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_checker import brute_force, check_result
from test_properties import instances

import matching.solver as solver
from matching import Problem, SolveParams, solve
from matching.colgen import Pairing, _knapsack, column_generation, pick_round, solve_sub
from matching.generate import generate
from matching.greedy import Budget, baseline
from matching.mip import lp_relaxation
from matching.model import Solution, build_model, is_feasible


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 10.0), st.integers(1, 6)), min_size=1, max_size=8),
       st.integers(1, 12), st.integers(1, 4))
def test_knapsack_finds_the_best_bundle_of_every_size(items: list[tuple[float, int]], cap: int,
                                                      teams: int) -> None:
    vals = np.array([v for v, _ in items])
    hours = np.array([h for _, h in items], dtype=np.int64)
    teams = min(teams, len(items))
    best, bundles, exact = _knapsack(vals, hours, cap, teams)
    assert exact
    by_size = {}
    for t in range(1, teams + 1):
        fits = [sum(vals[list(s)]) for s in itertools.combinations(range(len(items)), t)
                if hours[list(s)].sum() <= cap]
        if fits:
            by_size[t] = max(fits)
    assert best == pytest.approx(max(by_size.values(), default=0.0))
    assert len(bundles) == len(by_size)
    for value, chosen in bundles:
        t = len(chosen)
        assert len(set(chosen.tolist())) == t
        assert hours[chosen].sum() <= cap
        assert vals[chosen].sum() == pytest.approx(value)
        assert value == pytest.approx(by_size[t])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_bundle_bound_is_a_real_bound_and_at_least_as_tight_as_the_lp(data: dict[str, Any]
                                                                      ) -> None:
    m = build_model(Problem.from_dict(data))
    if m.n_pairs == 0:
        return
    w = m.priority[m.pairs.request] + m.fit / m.fit_scale
    bounds: list[float] = []
    pool, cg, duals = column_generation(Pairing.of_model(m), baseline(m).choice,
                                        Budget(work=500), lambda it, lp, b: bounds.append(b))
    optimum = brute_force(data)
    assert math.floor(cg.bound + 1e-6) >= optimum
    assert all(b >= cg.bound - 1e-9 for b in bounds)  # reported bounds only come down
    lp = lp_relaxation(m, w, 60.0)
    assert lp is not None
    if cg.converged:
        assert cg.bound <= lp[0] + 1e-6
    choice, _ = pick_round(pool, duals, baseline(m).choice, cg.bound, None, 1000, 0, 1)
    assert is_feasible(m, choice)
    assert Solution(choice).coverage(m) >= baseline(m).coverage(m)


@pytest.fixture
def bundle_path() -> Iterator[None]:
    old = solver.SMALL_PAIRS
    solver.SMALL_PAIRS = 0
    try:
        yield
    finally:
        solver.SMALL_PAIRS = old


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(instances())
def test_bundle_path_is_feasible_and_optimal(bundle_path: None, data: dict[str, Any]) -> None:
    result = solve(Problem.from_dict(data), SolveParams(time_limit=5)).to_dict()
    coverage = check_result(data, result)
    assert coverage == brute_force(data)
    assert result["coverage_bound"] >= coverage


def test_mid_size_round_uses_bundles_and_proves_its_gap() -> None:
    data = generate(120, 400, 3)
    out = solve(Problem.from_dict(data), SolveParams(time_limit=4, workers=2)).to_dict()
    coverage = check_result(data, out)
    stats = out["stats"]
    assert stats["feasible_pairs"] > solver.SMALL_PAIRS
    assert stats["bundle_iterations"] >= 2
    assert coverage >= stats["greedy_coverage"]
    # the bundle bound is below the pair LP's, and the round is close to it
    m = build_model(Problem.from_dict(data))
    lp = lp_relaxation(m, m.priority[m.pairs.request] + m.fit / m.fit_scale, 60.0)
    assert lp is not None
    assert out["coverage_bound"] <= math.floor(lp[0] + 1e-6)
    assert coverage >= 0.99 * out["coverage_bound"]


def test_bundle_path_is_reproducible_for_any_worker_count() -> None:
    problem = Problem.from_dict(generate(120, 400, 6))
    runs = [solve(problem, SolveParams(time_limit=2, deterministic=True, workers=w)).to_dict()
            for w in (1, 2, 1)]
    for r in runs:
        del r["stats"]["wall_s"], r["stats"]["cpu_s"]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0]["stats"]["bundle_iterations"] >= 2


def test_sub_problem_of_a_round_never_gets_worse_than_its_hint() -> None:
    m = build_model(Problem.from_dict(generate(60, 200, 8)))
    start = baseline(m)
    sel = np.flatnonzero(m.pairs.coach < 30)  # the first 30 coaches and their candidates
    req = m.pairs.request[sel]
    served_elsewhere = (start.choice[req] >= 0) & (start.choice[req] != sel)
    sel, req = sel[~served_elsewhere], req[~served_elsewhere]
    hint = start.choice[req] == sel
    chosen = solve_sub(req, m.pairs.coach[sel], m.hours[req], m.cap, m.teams,
                       m.combined_weight()[sel], m.fit_scale, hint, float("inf"), 200, 0)
    assert chosen is not None
    trial = start.choice.copy()
    trial[np.unique(req)] = -1
    trial[req[chosen]] = sel[chosen]
    assert is_feasible(m, trial)
    assert Solution(trial).key(m) >= start.key(m)
    assert len(np.unique(req[chosen])) == int(chosen.sum())  # each request at most once
