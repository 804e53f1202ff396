"""The large-size path with worker processes: same round as one process, and a valid one."""

from collections.abc import Iterator

import pytest
from matching_checker import check_result

import matching.solver as solver
from matching import Problem, SolveParams, solve
from matching.generate import generate


@pytest.fixture
def large_path() -> Iterator[None]:
    old = solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS
    solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS = 0, 0
    try:
        yield
    finally:
        solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS = old


def test_deterministic_lns_gives_the_same_round_for_any_worker_count(large_path: None) -> None:
    data = generate(120, 400, 3)
    problem = Problem.from_dict(data)
    one = solve(problem, SolveParams(time_limit=1, deterministic=True, workers=1)).to_dict()
    two = solve(problem, SolveParams(time_limit=1, deterministic=True, workers=2)).to_dict()
    assert one["assignments"] == two["assignments"]
    assert one["coverage"] == two["coverage"] and one["fit"] == two["fit"]
    coverage = check_result(data, two)
    assert coverage >= two["stats"]["greedy_coverage"]
    assert two["stats"]["lns_coverage"] >= two["stats"]["local_search_coverage"]


def test_parallel_lns_by_the_clock_returns_a_valid_round(large_path: None) -> None:
    data = generate(120, 400, 4)
    out = solve(Problem.from_dict(data), SolveParams(time_limit=2, workers=2)).to_dict()
    assert check_result(data, out) >= out["stats"]["greedy_coverage"]
    assert out["stats"]["wall_s"] < 4


def test_small_round_with_two_workers_returns_a_proven_optimum() -> None:
    data = generate(60, 200, 5)
    out = solve(Problem.from_dict(data), SolveParams(time_limit=3, workers=2)).to_dict()
    assert check_result(data, out) >= out["stats"]["greedy_coverage"]
    assert out["status"] == "optimal" and out["coverage_bound"] == out["coverage"]
