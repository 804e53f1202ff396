from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_checker import brute_force, check_result, count_pairs

from matching import Problem, SolveParams, solve

SKILLS = ["pdsa", "spc", "lean"]
SLOTS = ["mon-am", "mon-pm", "tue-am"]
ORGS = ["icb", "gp-1", "trust"]


def _loc() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.tuples(st.floats(51.0, 51.15), st.floats(-0.6, -0.4))
                     .map(list))


coach = st.fixed_dictionaries({
    "org": st.sampled_from(ORGS),
    "skills": st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=3),
    "capacity_hours": st.integers(1, 10),
    "max_teams": st.integers(1, 3),
    "slots": st.lists(st.sampled_from(SLOTS), min_size=1, max_size=3, unique=True),
    "modes": st.sampled_from([["virtual"], ["in_person"], ["virtual", "in_person"]]),
    "location": _loc(),
    "travel_km": st.sampled_from([0, 5, 10, 20]),
})
request = st.fixed_dictionaries({
    "team": st.sampled_from(["t1", "t2", "t3", "t4", "t5"]),
    "org": st.sampled_from(ORGS),
    "skills": st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=2),
    "hours": st.integers(1, 8),
    "slots": st.lists(st.sampled_from(SLOTS), min_size=1, max_size=3, unique=True),
    "mode": st.sampled_from(["virtual", "in_person", "either"]),
    "location": _loc(),
    "priority": st.integers(1, 5),
    "previous_coach": st.sampled_from([None, "c0", "c1"]),
})


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    coaches = draw(st.lists(coach, min_size=0, max_size=6))
    requests = draw(st.lists(request, min_size=0, max_size=8))
    for i, c in enumerate(coaches):
        c["id"] = f"c{i}"
    for j, r in enumerate(requests):
        r["id"] = f"r{j}"
    excl = draw(st.lists(st.tuples(st.sampled_from([c["id"] for c in coaches] or ["c0"]),
                                   st.sampled_from(["t1", "t2", "t3"])).map(list), max_size=2))
    policy = draw(st.sampled_from(["required", "preferred", "allowed"]))
    return {"policy": {"cross_org": policy}, "coaches": coaches, "requests": requests,
            "exclusions": excl}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_result_is_feasible_and_optimal(data: dict[str, Any]) -> None:
    result = solve(Problem.from_dict(data), SolveParams(time_limit=5)).to_dict()
    coverage = check_result(data, result)
    assert result["stats"]["feasible_pairs"] == count_pairs(data)
    assert coverage == brute_force(data)
    assert result["coverage_bound"] >= coverage


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_large_path_is_feasible_and_never_below_greedy(data: dict[str, Any]) -> None:
    """Force the Lagrangian + LNS path (used at scale) on small instances."""
    import matching.solver as solver

    old = solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS
    solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS = 0, 0
    try:
        result = solve(Problem.from_dict(data), SolveParams(time_limit=2, deterministic=True))
    finally:
        solver.LP_MAX_PAIRS, solver.MIP_MAX_PAIRS = old
    out = result.to_dict()
    coverage = check_result(data, out)
    assert coverage >= out["stats"].get("greedy_coverage", 0)
    assert out["coverage_bound"] >= brute_force(data)  # the bound is a real upper bound
