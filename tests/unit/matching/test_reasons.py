from typing import Any

from matching import Problem, SolveParams, solve


def coach(cid: str, **kw: Any) -> dict[str, Any]:
    c = {"id": cid, "org": "icb", "skills": {"pdsa": 3, "spc": 2}, "capacity_hours": 12,
         "max_teams": 3, "slots": ["mon-am", "wed-pm"], "modes": ["virtual"],
         "location": [51.30, -0.50], "travel_km": 10}
    c.update(kw)
    return c


def request(rid: str, **kw: Any) -> dict[str, Any]:
    r = {"id": rid, "team": "t" + rid, "org": "gp-practice-012", "skills": {"pdsa": 2},
         "hours": 4, "slots": ["wed-pm"], "mode": "virtual", "location": [51.31, -0.50],
         "priority": 1}
    r.update(kw)
    return r


def reasons(coaches: list[dict[str, Any]], requests: list[dict[str, Any]],
            **extra: Any) -> dict[str, str]:
    data = {"coaches": coaches, "requests": requests, **extra}
    res = solve(Problem.from_dict(data), SolveParams(time_limit=2))
    return {u.request: u.reason for u in res.unmatched}


def test_skill_reason_names_org_skill_and_level() -> None:
    why = reasons([coach("c1")], [request("r1", skills={"spc": 3})])
    assert why["r1"].startswith("no coach outside gp-practice-012 has spc at level 3")


def test_slot_reason_lists_the_slots() -> None:
    why = reasons([coach("c1")], [request("r1", slots=["thu-am", "wed-am"])])
    assert why["r1"].startswith("no coach outside gp-practice-012 shares any of the slots "
                                "wed-am, thu-am")


def test_travel_reason() -> None:
    far = coach("c1", modes=["in_person"], location=[52.5, -1.9])
    why = reasons([far], [request("r1", mode="in_person")])
    assert why["r1"].startswith("no in-person coach within travel distance")


def test_exclusion_reason() -> None:
    why = reasons([coach("c1")], [request("r1")], exclusions=[["c1", "tr1"]])
    assert why["r1"].startswith("excluded by conflict of interest")


def test_hours_reason() -> None:
    why = reasons([coach("c1")], [request("r1", hours=14)])
    assert why["r1"].startswith("needs 14 hours; the largest coach capacity is 12")


def test_same_org_under_required() -> None:
    why = reasons([coach("c1", org="gp-practice-012")], [request("r1")])
    assert why["r1"].startswith("no coach outside gp-practice-012 meets the other rules")


def test_capacity_reason_names_how_many_coaches() -> None:
    coaches = [coach("c1", capacity_hours=4, max_teams=1), coach("c2", capacity_hours=4,
                                                                   max_teams=1)]
    reqs = [request("r1", priority=3), request("r2", priority=3), request("r3", priority=1)]
    res = solve(Problem.from_dict({"coaches": coaches, "requests": reqs}),
                SolveParams(time_limit=2))
    assert res.coverage == 6 and res.status == "optimal"
    (u,) = res.unmatched
    assert u.request == "r3"
    assert u.reason.startswith("all 2 of its feasible coaches were needed for other requests")
    assert "2 higher-" in u.reason


def test_assignment_reasons_and_continuity_in_fit() -> None:
    coaches = [coach("c1"), coach("c2")]
    res = solve(Problem.from_dict({"coaches": coaches,
                                   "requests": [request("r1", previous_coach="c2")]}))
    (a,) = res.assignments
    assert a.coach == "c2"  # continuity wins among equal-coverage choices
    assert a.reasons[0].startswith("continuity")
    assert any(r.startswith("cross-organisation") for r in a.reasons)


def test_progress_callback_and_summary() -> None:
    seen: list[tuple[float, str]] = []
    res = solve(Problem.from_dict({"coaches": [coach("c1")], "requests": [request("r1")]}),
                SolveParams(time_limit=2, progress=lambda f, m: seen.append((f, m))))
    assert seen and seen[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in seen)
    assert "1/1 requests matched" in res.summary()
