"""The fit score of a feasible pair: an integer that ranks matches of equal coverage.

Weights (points; see docs/matching.md):
    BASE          35  every feasible pair
    CONTINUITY    40  the coach is the request's previous coach
    SKILL_MARGIN   3  per level above what is needed, summed over needed skills, at most 4 levels
    SHARED_SLOTS   3  per shared slot beyond the first, at most 3
    FAIRNESS      10  x min(1, hours the request's organisation gives / hours it asks)
    SAME_ORG     -25  same organisation under cross_org "preferred"
    TRAVEL       -10  x distance / coach's travel_km, for pairs that can only meet in person
The score lies in 0..FIT_MAX.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .feasibility import Encoded, Pairs
from .problem import Problem

BASE = 35
CONTINUITY = 40
SKILL_MARGIN = 3
SKILL_MARGIN_CAP = 4
SHARED_SLOTS = 3
SHARED_SLOTS_CAP = 3
FAIRNESS = 10
SAME_ORG = 25
TRAVEL = 10
FIT_MAX = BASE + CONTINUITY + SKILL_MARGIN * SKILL_MARGIN_CAP + SHARED_SLOTS * SHARED_SLOTS_CAP \
    + FAIRNESS


def popcount(x: NDArray[np.int64]) -> NDArray[np.int64]:
    out = np.zeros_like(x)
    y = x.copy()
    while np.any(y):
        out += y & 1
        y >>= 1
    return out


def org_reciprocity(enc: Encoded) -> NDArray[np.float64]:
    """Per organisation: hours its coaches give / hours its teams ask (inf if it asks none)."""
    n = len(enc.orgs)
    give = np.bincount(enc.c_org, weights=enc.c_cap.astype(np.float64), minlength=n)
    ask = np.bincount(enc.r_org, weights=enc.r_hours.astype(np.float64), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: NDArray[np.float64] = np.where(ask > 0, give / np.maximum(ask, 1e-9), np.inf)
    return ratio


def fairness_points(enc: Encoded) -> NDArray[np.int64]:
    """Per request: the fairness points of its organisation."""
    ratio = np.minimum(org_reciprocity(enc), 1.0)
    pts: NDArray[np.int64] = np.rint(FAIRNESS * ratio[enc.r_org]).astype(np.int64)
    return pts


def pair_parts(problem: Problem, enc: Encoded, pairs: Pairs) -> dict[str, NDArray[np.int64]]:
    """Each component of the fit score, per pair (signed points)."""
    c, r = pairs.coach, pairs.request
    coach_ix = {x.id: i for i, x in enumerate(problem.coaches)}
    prev = np.array([coach_ix.get(q.previous_coach, -1) if q.previous_coach else -1
                     for q in problem.requests], dtype=np.int64)
    need = enc.r_skill[r].astype(np.int64)
    have = enc.c_skill[c].astype(np.int64)
    margin = np.where(need > 0, have - need, 0).sum(axis=1)
    shared = popcount(enc.c_slots[c] & enc.r_slots[r])
    travel = np.zeros(len(pairs), dtype=np.int64)
    if len(pairs):
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(enc.c_travel[c] > 0, pairs.distance_km / enc.c_travel[c], 0.0)
        travel = np.where(pairs.in_person, np.rint(TRAVEL * np.clip(frac, 0, 1)), 0)
        travel = travel.astype(np.int64)
    same_org = np.zeros(len(pairs), dtype=np.int64)
    if problem.policy.cross_org == "preferred":
        same_org = np.where(enc.c_org[c] == enc.r_org[r], SAME_ORG, 0).astype(np.int64)
    return {
        "base": np.full(len(pairs), BASE, dtype=np.int64),
        "continuity": np.where(prev[r] == c, CONTINUITY, 0).astype(np.int64),
        "skill_margin": SKILL_MARGIN * np.minimum(margin, SKILL_MARGIN_CAP),
        "shared_slots": SHARED_SLOTS * np.minimum(np.maximum(shared - 1, 0), SHARED_SLOTS_CAP),
        "fairness": fairness_points(enc)[r],
        "same_org": -same_org,
        "travel": -travel,
    }


def pair_fit(problem: Problem, enc: Encoded, pairs: Pairs) -> NDArray[np.int64]:
    parts = pair_parts(problem, enc, pairs)
    total = np.zeros(len(pairs), dtype=np.int64)
    for v in parts.values():
        total += v
    out: NDArray[np.int64] = np.clip(total, 0, FIT_MAX)
    return out
