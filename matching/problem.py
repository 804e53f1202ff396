"""Problem data for a matching round: coaches, requests, policy, validated from plain JSON data."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri")
SLOTS: tuple[str, ...] = tuple(f"{d}-{h}" for d in DAYS for h in ("am", "pm"))
SLOT_INDEX = {s: i for i, s in enumerate(SLOTS)}
MODES = ("virtual", "in_person")
REQUEST_MODES = ("virtual", "in_person", "either")
CROSS_ORG = ("required", "preferred", "allowed")
MAX_SKILL_LEVEL = 3
MAX_PRIORITY = 5


class InputError(ValueError):
    """Invalid round data. The message is one line and names the offending item."""


@dataclass(frozen=True)
class Policy:
    cross_org: str = "required"


@dataclass(frozen=True)
class Coach:
    id: str
    org: str
    skills: Mapping[str, int]
    capacity_hours: int
    max_teams: int
    slots: tuple[str, ...]
    modes: tuple[str, ...]
    location: tuple[float, float] | None = None
    travel_km: float = 0.0


@dataclass(frozen=True)
class Request:
    id: str
    team: str
    org: str
    skills: Mapping[str, int]
    hours: int
    slots: tuple[str, ...]
    mode: str
    location: tuple[float, float] | None = None
    priority: int = 1
    previous_coach: str | None = None


@dataclass(frozen=True)
class Problem:
    coaches: tuple[Coach, ...]
    requests: tuple[Request, ...]
    policy: Policy = field(default_factory=Policy)
    exclusions: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_dict(cls, data: Any) -> Problem:
        """Validate plain data (as parsed from JSON); raise InputError naming the bad item."""
        return _parse_problem(data)

    @classmethod
    def from_json(cls, text: str) -> Problem:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            raise InputError(msg) from None
        return _parse_problem(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Problem:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read ({exc.__class__.__name__})") from None
        return cls.from_json(text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": {"cross_org": self.policy.cross_org},
            "coaches": [
                {
                    "id": c.id, "org": c.org, "skills": dict(c.skills),
                    "capacity_hours": c.capacity_hours, "max_teams": c.max_teams,
                    "slots": list(c.slots), "modes": list(c.modes),
                    "location": list(c.location) if c.location else None,
                    "travel_km": c.travel_km,
                }
                for c in self.coaches
            ],
            "requests": [
                {
                    "id": r.id, "team": r.team, "org": r.org, "skills": dict(r.skills),
                    "hours": r.hours, "slots": list(r.slots), "mode": r.mode,
                    "location": list(r.location) if r.location else None,
                    "priority": r.priority, "previous_coach": r.previous_coach,
                }
                for r in self.requests
            ],
            "exclusions": [list(e) for e in sorted(self.exclusions)],
        }


# ---------------------------------------------------------------- parsing helpers


def _req(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InputError(f"{where}: missing field '{key}'")
    return obj[key]


def _str(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: '{key}' must be a non-empty string")
    return value


def _pos_int(value: Any, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) \
            or value <= 0:
        raise InputError(f"{where}: '{key}' must be a positive integer, got {value!r}")
    return int(value)


def _skills(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: 'skills' must be an object of skill name to level 1-3")
    out: dict[str, int] = {}
    for name, level in value.items():
        if isinstance(level, bool) or not isinstance(level, int) \
                or not 1 <= level <= MAX_SKILL_LEVEL:
            raise InputError(f"{where}: skill '{name}' must have an integer level 1-3, "
                             f"got {level!r}")
        out[str(name)] = level
    return out


def _slots(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InputError(f"{where}: 'slots' must be a list like [\"mon-am\", \"wed-pm\"]")
    for s in value:
        if s not in SLOT_INDEX:
            raise InputError(f"{where}: unknown slot {s!r} (expected mon-am ... fri-pm)")
    return tuple(sorted(set(value), key=SLOT_INDEX.__getitem__))


def _location(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    ok = (isinstance(value, list | tuple) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))
    if not ok:
        raise InputError(f"{where}: 'location' must be [lat, lon] or null")
    lat, lon = float(value[0]), float(value[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{where}: 'location' {list(value)} is not a valid [lat, lon]")
    return (lat, lon)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: must be a JSON object")
    return value


def _parse_coach(obj: Any, index: int) -> Coach:
    where = f"coach #{index}"
    obj = _object(obj, where)
    cid = _str(_req(obj, "id", where), where, "id")
    where = f"coach '{cid}'"
    for key in ("org", "skills", "capacity_hours", "max_teams", "slots", "modes"):
        _req(obj, key, where)
    org = _str(obj.get("org"), where, "org") if obj.get("org") is not None else None
    if org is None:
        raise InputError(f"{where}: missing field 'org'")
    modes_raw = _req(obj, "modes", where)
    if not isinstance(modes_raw, list) or not modes_raw or any(m not in MODES for m in modes_raw):
        raise InputError(f"{where}: 'modes' must be a non-empty list of 'virtual', 'in_person'")
    travel = obj.get("travel_km", 0)
    if travel is None:
        travel = 0
    if isinstance(travel, bool) or not isinstance(travel, int | float) \
            or not math.isfinite(travel) or travel < 0:
        raise InputError(f"{where}: 'travel_km' must be a number >= 0, got {travel!r}")
    return Coach(
        id=cid,
        org=org,
        skills=_skills(_req(obj, "skills", where), where),
        capacity_hours=_pos_int(_req(obj, "capacity_hours", where), where, "capacity_hours"),
        max_teams=_pos_int(_req(obj, "max_teams", where), where, "max_teams"),
        slots=_slots(_req(obj, "slots", where), where),
        modes=tuple(m for m in MODES if m in modes_raw),
        location=_location(obj.get("location"), where),
        travel_km=float(travel),
    )


def _parse_request(obj: Any, index: int) -> Request:
    where = f"request #{index}"
    obj = _object(obj, where)
    rid = _str(_req(obj, "id", where), where, "id")
    where = f"request '{rid}'"
    for key in ("team", "org", "skills", "hours", "slots", "mode"):
        _req(obj, key, where)
    mode = _req(obj, "mode", where)
    if mode not in REQUEST_MODES:
        raise InputError(f"{where}: 'mode' must be 'virtual', 'in_person' or 'either', "
                         f"got {mode!r}")
    priority = obj.get("priority", 1)
    if priority is None:
        priority = 1
    if isinstance(priority, bool) or not isinstance(priority, int) \
            or not 1 <= priority <= MAX_PRIORITY:
        raise InputError(f"{where}: 'priority' must be an integer 1-5, got {priority!r}")
    prev = obj.get("previous_coach")
    if prev is not None and not isinstance(prev, str):
        raise InputError(f"{where}: 'previous_coach' must be a coach id or null")
    org = obj.get("org")
    if org is None:
        raise InputError(f"{where}: missing field 'org'")
    return Request(
        id=rid,
        team=_str(_req(obj, "team", where), where, "team"),
        org=_str(org, where, "org"),
        skills=_skills(_req(obj, "skills", where), where),
        hours=_pos_int(_req(obj, "hours", where), where, "hours"),
        slots=_slots(_req(obj, "slots", where), where),
        mode=mode,
        location=_location(obj.get("location"), where),
        priority=priority,
        previous_coach=prev,
    )


def _parse_problem(data: Any) -> Problem:
    if not isinstance(data, Mapping):
        raise InputError("the round must be a JSON object with 'coaches' and 'requests'")
    policy_raw = data.get("policy") or {}
    policy_raw = _object(policy_raw, "policy")
    cross = policy_raw.get("cross_org", "required")
    if cross not in CROSS_ORG:
        raise InputError(f"policy: 'cross_org' must be 'required', 'preferred' or 'allowed', "
                         f"got {cross!r}")
    for key in ("coaches", "requests"):
        if key not in data:
            raise InputError(f"round: missing field '{key}'")
        if not isinstance(data[key], list):
            raise InputError(f"round: '{key}' must be a list")
    coaches = tuple(_parse_coach(c, i) for i, c in enumerate(data["coaches"]))
    requests = tuple(_parse_request(r, i) for i, r in enumerate(data["requests"]))
    seen: set[str] = set()
    for c in coaches:
        if c.id in seen:
            raise InputError(f"coach '{c.id}': duplicate coach id")
        seen.add(c.id)
    seen = set()
    for r in requests:
        if r.id in seen:
            raise InputError(f"request '{r.id}': duplicate request id")
        seen.add(r.id)
    excl_raw = data.get("exclusions") or []
    if not isinstance(excl_raw, list):
        raise InputError("exclusions: must be a list of [coach id, team id] pairs")
    exclusions: set[tuple[str, str]] = set()
    for i, e in enumerate(excl_raw):
        if not (isinstance(e, list | tuple) and len(e) == 2
                and all(isinstance(x, str) for x in e)):
            raise InputError(f"exclusion #{i}: must be a [coach id, team id] pair, got {e!r}")
        exclusions.add((e[0], e[1]))
    return Problem(coaches=coaches, requests=requests, policy=Policy(cross),
                   exclusions=frozenset(exclusions))
