"""An independent checker of the matching contract, written from the issue's text only.

It does not import matching's feasibility or model modules: its own haversine, its own rules.
"""

from __future__ import annotations

import math
from typing import Any

R_EARTH = 6371.0088


def haversine(a: list[float], b: list[float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(
        (lo2 - lo1) / 2) ** 2
    return 2 * R_EARTH * math.asin(math.sqrt(min(1.0, h)))


def pair_ok(data: dict[str, Any], c: dict[str, Any], r: dict[str, Any]) -> bool:
    policy = (data.get("policy") or {}).get("cross_org", "required")
    if policy == "required" and c["org"] == r["org"]:
        return False
    if any(c["skills"].get(s, 0) < lv for s, lv in r["skills"].items()):
        return False
    if not set(c["slots"]) & set(r["slots"]):
        return False
    virtual = "virtual" in c["modes"]
    in_person = ("in_person" in c["modes"] and c.get("location") is not None
                 and r.get("location") is not None
                 and haversine(c["location"], r["location"]) <= c.get("travel_km", 0))
    mode = r["mode"]
    if mode == "virtual" and not virtual:
        return False
    if mode == "in_person" and not in_person:
        return False
    if mode == "either" and not (virtual or in_person):
        return False
    if [c["id"], r["team"]] in [list(e) for e in data.get("exclusions") or []]:
        return False
    return r["hours"] <= c["capacity_hours"]


def count_pairs(data: dict[str, Any]) -> int:
    return sum(pair_ok(data, c, r) for c in data["coaches"] for r in data["requests"])


def check_result(data: dict[str, Any], result: dict[str, Any]) -> int:
    """Assert the result is a valid round for data; return its coverage."""
    coaches = {c["id"]: c for c in data["coaches"]}
    requests = {r["id"]: r for r in data["requests"]}
    seen = [a["request"] for a in result["assignments"]] + [u["request"] for u in
                                                             result["unmatched"]]
    assert sorted(seen) == sorted(requests), "every request exactly once"
    hours: dict[str, int] = {}
    teams: dict[str, int] = {}
    coverage = 0
    for a in result["assignments"]:
        c, r = coaches[a["coach"]], requests[a["request"]]
        assert pair_ok(data, c, r), f"infeasible pair {a['coach']} {a['request']}"
        hours[c["id"]] = hours.get(c["id"], 0) + r["hours"]
        teams[c["id"]] = teams.get(c["id"], 0) + 1
        coverage += r.get("priority", 1)
        assert isinstance(a["score"], int) and a["reasons"]
    for cid, h in hours.items():
        assert h <= coaches[cid]["capacity_hours"], f"{cid} over hours"
        assert teams[cid] <= coaches[cid]["max_teams"], f"{cid} over max_teams"
    for u in result["unmatched"]:
        assert isinstance(u["reason"], str) and len(u["reason"]) > 10
    assert result["coverage"] == coverage
    assert result["coverage_bound"] >= coverage
    return coverage


def brute_force(data: dict[str, Any]) -> int:
    """Maximum coverage by depth-first search with a simple optimistic bound."""
    coaches = data["coaches"]
    reqs = sorted(data["requests"], key=lambda r: -r.get("priority", 1))
    options = [[i for i, c in enumerate(coaches) if pair_ok(data, c, r)] for r in reqs]
    rem_h = [c["capacity_hours"] for c in coaches]
    rem_t = [c["max_teams"] for c in coaches]
    suffix = [0] * (len(reqs) + 1)
    for k in range(len(reqs) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + (reqs[k].get("priority", 1) if options[k] else 0)
    best = 0

    def dfs(k: int, cov: int) -> None:
        nonlocal best
        if cov + suffix[k] <= best:
            return
        if k == len(reqs):
            best = max(best, cov)
            return
        r = reqs[k]
        for i in options[k]:
            if rem_h[i] >= r["hours"] and rem_t[i] > 0:
                rem_h[i] -= r["hours"]
                rem_t[i] -= 1
                dfs(k + 1, cov + r.get("priority", 1))
                rem_h[i] += r["hours"]
                rem_t[i] += 1
        dfs(k + 1, cov)

    dfs(0, 0)
    return best
