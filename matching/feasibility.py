"""Pair rules of the contract, vectorised with NumPy over blocks of requests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .problem import SLOT_INDEX, Problem

EARTH_RADIUS_KM = 6371.0088
RULES = ("org", "skills", "hours", "slots", "mode", "exclusion")
MODE_CODE = {"virtual": 0, "in_person": 1, "either": 2}

IntArr = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
FloatArr = NDArray[np.float64]


@dataclass(frozen=True)
class Encoded:
    """The problem as flat arrays (index = position in problem.coaches / problem.requests)."""

    orgs: tuple[str, ...]
    skills: tuple[str, ...]
    teams: tuple[str, ...]
    c_org: IntArr
    r_org: IntArr
    c_skill: NDArray[np.int8]
    r_skill: NDArray[np.int8]
    c_slots: IntArr
    r_slots: IntArr
    c_virtual: BoolArr
    c_in_person: BoolArr
    r_mode: IntArr
    c_lat: FloatArr
    c_lon: FloatArr
    c_has_loc: BoolArr
    r_lat: FloatArr
    r_lon: FloatArr
    r_has_loc: BoolArr
    c_travel: FloatArr
    c_cap: IntArr
    c_teams: IntArr
    r_hours: IntArr
    r_priority: IntArr
    r_team: IntArr
    excluded: dict[int, IntArr]  # team index -> coach indices excluded for that team
    cross_required: bool


@dataclass(frozen=True)
class Pairs:
    """Feasible (coach, request) pairs, sorted by request then coach."""

    coach: IntArr
    request: IntArr
    distance_km: FloatArr  # great-circle distance when the pair meets in person, else 0
    in_person: BoolArr  # True when the pair can only meet in person

    def __len__(self) -> int:
        return int(self.coach.shape[0])


def encode(problem: Problem) -> Encoded:
    coaches, requests = problem.coaches, problem.requests
    orgs = tuple(sorted({c.org for c in coaches} | {r.org for r in requests}))
    org_ix = {o: i for i, o in enumerate(orgs)}
    skills = tuple(sorted({s for c in coaches for s in c.skills}
                          | {s for r in requests for s in r.skills}))
    sk_ix = {s: i for i, s in enumerate(skills)}
    teams = tuple(sorted({r.team for r in requests}))
    team_ix = {t: i for i, t in enumerate(teams)}
    nc, nr, ns = len(coaches), len(requests), len(skills)
    c_skill = np.zeros((nc, ns), dtype=np.int8)
    for i, c in enumerate(coaches):
        for s, lv in c.skills.items():
            c_skill[i, sk_ix[s]] = lv
    r_skill = np.zeros((nr, ns), dtype=np.int8)
    for j, r in enumerate(requests):
        for s, lv in r.skills.items():
            r_skill[j, sk_ix[s]] = lv

    def mask(slots: tuple[str, ...]) -> int:
        return sum(1 << SLOT_INDEX[s] for s in slots)

    def loc(items: list[tuple[float, float] | None]) -> tuple[FloatArr, FloatArr, BoolArr]:
        lat = np.radians(np.array([p[0] if p else 0.0 for p in items], dtype=np.float64))
        lon = np.radians(np.array([p[1] if p else 0.0 for p in items], dtype=np.float64))
        has = np.array([p is not None for p in items], dtype=np.bool_)
        return lat, lon, has

    c_lat, c_lon, c_has = loc([c.location for c in coaches])
    r_lat, r_lon, r_has = loc([r.location for r in requests])
    coach_ix = {c.id: i for i, c in enumerate(coaches)}
    excl: dict[int, list[int]] = {}
    for cid, team in problem.exclusions:
        if cid in coach_ix and team in team_ix:
            excl.setdefault(team_ix[team], []).append(coach_ix[cid])
    return Encoded(
        orgs=orgs, skills=skills, teams=teams,
        c_org=np.array([org_ix[c.org] for c in coaches], dtype=np.int64),
        r_org=np.array([org_ix[r.org] for r in requests], dtype=np.int64),
        c_skill=c_skill, r_skill=r_skill,
        c_slots=np.array([mask(c.slots) for c in coaches], dtype=np.int64),
        r_slots=np.array([mask(r.slots) for r in requests], dtype=np.int64),
        c_virtual=np.array(["virtual" in c.modes for c in coaches], dtype=np.bool_),
        c_in_person=np.array(["in_person" in c.modes for c in coaches], dtype=np.bool_),
        r_mode=np.array([MODE_CODE[r.mode] for r in requests], dtype=np.int64),
        c_lat=c_lat, c_lon=c_lon, c_has_loc=c_has, r_lat=r_lat, r_lon=r_lon, r_has_loc=r_has,
        c_travel=np.array([c.travel_km for c in coaches], dtype=np.float64),
        c_cap=np.array([c.capacity_hours for c in coaches], dtype=np.int64),
        c_teams=np.array([c.max_teams for c in coaches], dtype=np.int64),
        r_hours=np.array([r.hours for r in requests], dtype=np.int64),
        r_priority=np.array([r.priority for r in requests], dtype=np.int64),
        r_team=np.array([team_ix[r.team] for r in requests], dtype=np.int64),
        excluded={t: np.array(sorted(v), dtype=np.int64) for t, v in excl.items()},
        cross_required=problem.policy.cross_org == "required",
    )


def haversine_km(lat1: FloatArr, lon1: FloatArr, lat2: FloatArr, lon2: FloatArr) -> FloatArr:
    """Great-circle distance in km; arguments in radians, broadcast against each other."""
    a = (np.sin((lat2 - lat1) / 2.0) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2)
    d: FloatArr = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return d


def rule_masks(enc: Encoded, rj: IntArr) -> tuple[dict[str, BoolArr], FloatArr, BoolArr]:
    """For all coaches x requests `rj`: one boolean matrix per rule (True = rule passes),
    the distance matrix, and whether virtual is possible for the pair."""
    nc = enc.c_org.shape[0]
    shape = (nc, rj.shape[0])
    masks: dict[str, BoolArr] = {}
    if enc.cross_required:
        masks["org"] = enc.c_org[:, None] != enc.r_org[None, rj]
    else:
        masks["org"] = np.ones(shape, dtype=np.bool_)
    skill_ok = np.ones(shape, dtype=np.bool_)
    need = enc.r_skill[rj]
    for s in np.flatnonzero(need.any(axis=0)):
        skill_ok &= enc.c_skill[:, s][:, None] >= need[:, s][None, :]
    masks["skills"] = skill_ok
    masks["hours"] = enc.r_hours[None, rj] <= enc.c_cap[:, None]
    masks["slots"] = (enc.c_slots[:, None] & enc.r_slots[None, rj]) != 0
    dist = haversine_km(enc.c_lat[:, None], enc.c_lon[:, None],
                        enc.r_lat[None, rj], enc.r_lon[None, rj])
    mode = enc.r_mode[rj][None, :]
    virtual_ok = enc.c_virtual[:, None] & (mode != 1)
    in_person_ok = (enc.c_in_person[:, None] & (mode != 0) & enc.c_has_loc[:, None]
                    & enc.r_has_loc[None, rj] & (dist <= enc.c_travel[:, None]))
    masks["mode"] = virtual_ok | in_person_ok
    excl_ok = np.ones(shape, dtype=np.bool_)
    if enc.excluded:
        for k, j in enumerate(rj):
            bad = enc.excluded.get(int(enc.r_team[j]))
            if bad is not None:
                excl_ok[bad, k] = False
    masks["exclusion"] = excl_ok
    return masks, dist, virtual_ok


def feasible_pairs(enc: Encoded, block: int = 0) -> Pairs:
    """All feasible pairs, computed block by block to bound memory."""
    nc, nr = enc.c_org.shape[0], enc.r_org.shape[0]
    if block <= 0:
        block = max(64, min(2048, 2_000_000 // max(nc, 1)))
    cs: list[IntArr] = []
    rs: list[IntArr] = []
    ds: list[FloatArr] = []
    ips: list[BoolArr] = []
    for start in range(0, nr, block):
        rj = np.arange(start, min(nr, start + block), dtype=np.int64)
        masks, dist, virtual_ok = rule_masks(enc, rj)
        ok = masks[RULES[0]]
        for rule in RULES[1:]:
            ok &= masks[rule]
        # transpose so pairs come out sorted by request, then coach
        jj, ii = np.nonzero(ok.T)
        in_person = ~virtual_ok[ii, jj]
        cs.append(ii.astype(np.int64))
        rs.append(rj[jj])
        ds.append(np.where(in_person, dist[ii, jj], 0.0))
        ips.append(in_person)
    if not cs:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty.copy(), np.zeros(0), np.zeros(0, dtype=np.bool_))
    return Pairs(np.concatenate(cs), np.concatenate(rs), np.concatenate(ds),
                 np.concatenate(ips))
