"""Synthetic, realistic matching rounds for demos, tests and benchmarks.

An Integrated Care System around a few localities: partner trusts and system organisations that
supply most coaches, many small GP practices that raise most requests, skewed skill popularity
(everyone knows PDSA; few coaches teach SPC at level 3), and more demand than capacity.
"""

from __future__ import annotations

import math
import random
from typing import Any

from .problem import SLOTS

SKILLS = (
    "pdsa", "model-for-improvement", "driver-diagrams", "process-mapping", "measurement",
    "demand-capacity", "lean", "coproduction", "facilitation", "human-factors", "joy-in-work",
    "spread-sustain", "coaching", "project-management", "spc", "data-analysis",
)
# (kind, share of coaches, share of requests, how many per system)
ORG_KINDS = (
    ("icb", 0.14, 0.04, 1),
    ("acute-trust", 0.20, 0.14, 3),
    ("community-trust", 0.12, 0.08, 2),
    ("mental-health-trust", 0.10, 0.08, 2),
    ("ambulance-trust", 0.04, 0.03, 1),
    ("local-authority", 0.06, 0.06, 3),
    ("hospice", 0.04, 0.04, 3),
    ("university", 0.08, 0.02, 1),
    ("ahsn", 0.08, 0.01, 1),
    ("voluntary-sector", 0.04, 0.06, 4),
    ("social-enterprise", 0.03, 0.04, 2),
    ("gp-practice", 0.07, 0.40, 0),  # 0: scales with the size of the round
)
CENTRE = (51.25, -0.45)  # Surrey


def _pick(rng: random.Random, items: tuple[Any, ...] | list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def _near(rng: random.Random, centre: tuple[float, float], km: float) -> tuple[float, float]:
    r = km * math.sqrt(rng.random())
    a = rng.random() * 2 * math.pi
    lat = centre[0] + (r * math.cos(a)) / 111.2
    lon = centre[1] + (r * math.sin(a)) / (111.2 * math.cos(math.radians(centre[0])))
    return (round(lat, 5), round(lon, 5))


def generate(n_coaches: int, n_requests: int, seed: int = 0,
             cross_org: str = "required") -> dict[str, Any]:
    """Return a round in the contract's JSON shape (a plain dict)."""
    rng = random.Random(seed)
    n_local = max(2, min(8, (n_coaches + n_requests) // 400 + 2))
    localities = [_near(rng, CENTRE, 25.0) for _ in range(n_local)]
    orgs: list[tuple[str, int, float, float]] = []  # name, locality, coach weight, request weight
    n_gp = max(3, n_requests // 12)
    k = 0
    for kind, c_share, r_share, count in ORG_KINDS:
        n = count or n_gp
        for _ in range(n):
            orgs.append((f"{kind}-{k:03d}", rng.randrange(n_local), c_share / n, r_share / n))
            k += 1
    names = [o[0] for o in orgs]
    skill_w = [1.0 / (i + 1) ** 0.9 for i in range(len(SKILLS))]
    # demand leans a little more on the technical skills than supply does
    demand_w = [w * (1.6 if s in ("spc", "measurement", "data-analysis", "demand-capacity")
                     else 1.0) for s, w in zip(SKILLS, skill_w, strict=True)]

    coaches: list[dict[str, Any]] = []
    for i in range(n_coaches):
        o = _pick(rng, list(range(len(orgs))), [x[2] for x in orgs])
        n_sk = _pick(rng, (2, 3, 4, 5), [0.25, 0.35, 0.25, 0.15])
        skills: dict[str, int] = {}
        while len(skills) < n_sk:
            s = _pick(rng, SKILLS, skill_w)
            skills[s] = _pick(rng, (1, 2, 3), [0.25, 0.45, 0.30])
        modes = _pick(rng, (("virtual",), ("virtual", "in_person"), ("in_person",)),
                      [0.45, 0.50, 0.05])
        coaches.append({
            "id": f"c{i:05d}", "org": names[o], "skills": skills,
            "capacity_hours": _pick(rng, (2, 4, 6, 8, 10, 12, 16, 20),
                                    [0.18, 0.22, 0.18, 0.14, 0.1, 0.08, 0.06, 0.04]),
            "max_teams": _pick(rng, (1, 2, 3, 4), [0.25, 0.35, 0.25, 0.15]),
            "slots": sorted(rng.sample(SLOTS, _pick(rng, (2, 3, 4, 5), [0.3, 0.3, 0.25, 0.15])),
                            key=SLOTS.index),
            "modes": list(modes),
            "location": list(_near(rng, localities[orgs[o][1]], 8.0)),
            "travel_km": _pick(rng, (5, 10, 20, 40), [0.3, 0.3, 0.25, 0.15]),
        })

    requests: list[dict[str, Any]] = []
    for j in range(n_requests):
        o = _pick(rng, list(range(len(orgs))), [x[3] for x in orgs])
        n_sk = _pick(rng, (1, 2, 3), [0.45, 0.38, 0.17])
        need: dict[str, int] = {}
        while len(need) < n_sk:
            need[_pick(rng, SKILLS, demand_w)] = _pick(rng, (1, 2, 3), [0.35, 0.45, 0.20])
        team = f"t{j:05d}" if j == 0 or rng.random() > 0.1 else requests[rng.randrange(j)]["team"]
        if requests and team != f"t{j:05d}":
            o = names.index(next(r["org"] for r in requests if r["team"] == team))
        prev = coaches[rng.randrange(n_coaches)]["id"] if n_coaches and rng.random() < 0.15 \
            else None
        requests.append({
            "id": f"r{j:05d}", "team": team, "org": names[o], "skills": need,
            "hours": _pick(rng, (1, 2, 3, 4, 6, 8, 10),
                           [0.1, 0.18, 0.18, 0.2, 0.16, 0.12, 0.06]),
            "slots": sorted(rng.sample(SLOTS, _pick(rng, (1, 2, 3, 4), [0.25, 0.3, 0.3, 0.15])),
                            key=SLOTS.index),
            "mode": _pick(rng, ("virtual", "either", "in_person"), [0.4, 0.4, 0.2]),
            "location": list(_near(rng, localities[orgs[o][1]], 8.0)),
            "priority": _pick(rng, (1, 2, 3, 4, 5), [0.5, 0.25, 0.13, 0.08, 0.04]),
            "previous_coach": prev,
        })
    exclusions = []
    if n_coaches:
        for r in rng.sample(requests, max(0, n_requests // 100)):
            exclusions.append([coaches[rng.randrange(n_coaches)]["id"], r["team"]])
    return {"policy": {"cross_org": cross_org}, "coaches": coaches, "requests": requests,
            "exclusions": exclusions}
