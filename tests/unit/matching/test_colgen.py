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
from matching.colgen import Pairing, best_bundles, column_generation, pick_round, solve_sub
from matching.generate import generate
from matching.greedy import Budget, baseline
from matching.mip import lp_relaxation
from matching.model import Solution, build_model, is_feasible

coach_items = st.tuples(
    st.lists(st.tuples(st.floats(0.01, 10.0), st.integers(1, 6)), min_size=0, max_size=7),
    st.integers(1, 12), st.integers(1, 4), st.floats(0.0, 8.0))


@settings(max_examples=150, deadline=None)
@given(st.lists(coach_items, min_size=1, max_size=5))
def test_best_bundles_match_brute_force_for_every_coach_and_size(
        coaches: list[tuple[list[tuple[float, int]], int, int, float]]) -> None:
    vals = np.array([v for items, _, _, _ in coaches for v, _ in items], dtype=np.float64)
    hours = np.array([h for items, _, _, _ in coaches for _, h in items], dtype=np.int64)
    coach = np.array([c for c, (items, _, _, _) in enumerate(coaches) for _ in items],
                     dtype=np.int64)
    cap = np.array([c for _, c, _, _ in coaches], dtype=np.int64)
    teams = np.array([t for _, _, t, _ in coaches], dtype=np.int64)
    enter = np.array([e for _, _, _, e in coaches])
    best, bundles = best_bundles(vals, hours, coach, cap, teams, enter)
    expected_bundles = 0
    optimum: dict[tuple[int, int], float] = {}
    for c in range(len(coaches)):
        mine = np.flatnonzero(coach == c)
        by_size = {}
        for t in range(1, min(int(teams[c]), mine.size) + 1):
            fits = [vals[list(s)].sum() for s in itertools.combinations(mine.tolist(), t)
                    if hours[list(s)].sum() <= cap[c]]
            if fits:
                by_size[t] = max(fits)
        assert best[c] == pytest.approx(max(by_size.values(), default=0.0))
        optimum.update({(c, t): v for t, v in by_size.items()})
        expected_bundles += sum(1 for v in by_size.values() if v > enter[c] + 1e-7)
    assert len(bundles) == expected_bundles
    for items in bundles:
        c = int(coach[items[0]])
        assert np.all(coach[items] == c)
        assert len(set(items.tolist())) == items.size <= teams[c]
        assert hours[items].sum() <= cap[c]
        assert vals[items].sum() > enter[c]
        assert vals[items].sum() == pytest.approx(optimum[c, items.size])


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
