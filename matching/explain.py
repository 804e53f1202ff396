"""Human reasons: why each match was made, and why each unmatched request was left out."""

from __future__ import annotations

import numpy as np

from .feasibility import RULES, rule_masks
from .fit import pair_parts
from .model import IntArr, Model, loads
from .problem import Request


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('h') else 's'}"


def assignment_reasons(m: Model, chosen: IntArr) -> list[list[str]]:
    """Reasons for each chosen pair index, in the same order."""
    p = m.problem
    from .feasibility import Pairs

    sub = Pairs(m.pairs.coach[chosen], m.pairs.request[chosen], m.pairs.distance_km[chosen],
                m.pairs.in_person[chosen])
    parts = pair_parts(p, m.enc, sub)
    out: list[list[str]] = []
    for k in range(len(sub)):
        c = p.coaches[int(sub.coach[k])]
        r = p.requests[int(sub.request[k])]
        reasons: list[str] = []
        if parts["continuity"][k]:
            reasons.append("continuity: previous coach of this team")
        if c.org != r.org:
            reasons.append(f"cross-organisation: coach from {c.org}, team from {r.org}")
        else:
            reasons.append(f"same organisation ({c.org}), allowed by policy "
                           f"'{p.policy.cross_org}'")
        if r.skills:
            reasons.append("skills: " + ", ".join(
                f"{s} {c.skills.get(s, 0)} (needs {lv})" for s, lv in sorted(r.skills.items())))
        shared = [s for s in r.slots if s in c.slots]
        reasons.append(f"shared slot{'s' if len(shared) > 1 else ''}: {', '.join(shared)}")
        if sub.in_person[k]:
            reasons.append(f"in person, {sub.distance_km[k]:.1f} km "
                           f"(coach travels up to {c.travel_km:g} km)")
        else:
            reasons.append("virtual")
        reasons.append(f"uses {r.hours} of the coach's {c.capacity_hours} hours")
        if parts["fairness"][k]:
            reasons.append(f"fairness: {r.org} gives coaching hours to the system "
                           f"(+{int(parts['fairness'][k])})")
        out.append(reasons)
    return out


def _skills_text(req: dict[str, int]) -> str:
    return " and ".join(f"{s} at level {lv}" for s, lv in sorted(req.items()))


def _rule_phrase(m: Model, r: Request, rule: str, alive: np.ndarray) -> str:
    """Why the coaches in `alive` (all rules but `rule` pass) fail `rule`, as a sentence."""
    p = m.problem
    outside = f" outside {r.org}" if p.policy.cross_org == "required" else ""
    if rule == "org":
        return f"no coach outside {r.org} meets the other rules (only {r.org} coaches do)"
    if rule == "skills":
        idx = np.flatnonzero(alive)
        lacking = {s: lv for s, lv in r.skills.items()
                   if not any(p.coaches[i].skills.get(s, 0) >= lv for i in idx)}
        if not idx.size:
            lacking = dict(r.skills)
        what = _skills_text(lacking or dict(r.skills))
        together = "" if lacking else " together"
        return f"no coach{outside} has {what}{together}"
    if rule == "hours":
        caps = [p.coaches[i].capacity_hours for i in np.flatnonzero(alive)] or \
            [c.capacity_hours for c in p.coaches]
        return f"needs {r.hours} hours; the largest coach capacity is {max(caps)}"
    if rule == "slots":
        return f"no coach{outside} shares any of the slots {', '.join(r.slots) or '(none given)'}"
    if rule == "mode":
        if r.mode == "virtual":
            return "no coach works virtually"
        if r.location is None and r.mode == "in_person":
            return "it needs in-person coaching but gives no location"
        if r.mode == "in_person":
            return "no in-person coach within travel distance"
        return "no virtual coach, and no in-person coach within travel distance"
    return "excluded by conflict of interest"


def _no_feasible_reason(m: Model, j: int) -> str:
    r = m.problem.requests[j]
    if not m.problem.coaches:
        return "no coaches in this round"
    masks, _, _ = rule_masks(m.enc, np.array([j], dtype=np.int64))
    col = {k: v[:, 0] for k, v in masks.items()}
    n = col["org"].shape[0]
    # a single rule that eliminates the last candidates: all other rules pass for someone
    singles: list[tuple[int, str]] = []
    for rule in RULES:
        others = np.ones(n, dtype=np.bool_)
        for o in RULES:
            if o != rule:
                others &= col[o]
        if others.any():
            singles.append((int(others.sum()), rule))
    if singles:
        singles.sort(key=lambda t: -t[0])
        texts = []
        for cnt, rule in singles:
            others = np.ones(n, dtype=np.bool_)
            for o in RULES:
                if o != rule:
                    others &= col[o]
            texts.append(f"{_rule_phrase(m, r, rule, others)} "
                         f"({cnt} {'coach meets' if cnt == 1 else 'coaches meet'} "
                         "every other rule)")
        return "; and ".join(texts)
    # otherwise: apply rules in order and name the one that leaves nobody
    alive = np.ones(n, dtype=np.bool_)
    passed: list[str] = []
    for rule in RULES:
        nxt = alive & col[rule]
        if not nxt.any():
            base = _rule_phrase(m, r, rule, alive)
            if passed:
                return f"{base} (among the {int(alive.sum())} coaches that pass " \
                       f"{', '.join(passed)})"
            return base
        alive = nxt
        passed.append({"org": "the organisation rule", "skills": "the skills",
                       "hours": "the hours", "slots": "the slots", "mode": "the mode and travel",
                       "exclusion": "the exclusions"}[rule])
    return "no feasible coach"


def unmatched_reasons(m: Model, choice: IntArr) -> dict[int, str]:
    """A specific reason for every unmatched request index."""
    h, t = loads(m, choice)
    rem_h = m.cap - h
    rem_t = m.teams - t
    out: dict[int, str] = {}
    chosen_coach = np.full(choice.shape[0], -1, dtype=np.int64)
    sel = choice >= 0
    chosen_coach[sel] = m.pairs.coach[choice[sel]]
    for j in np.flatnonzero(choice < 0).tolist():
        a, b = int(m.start[j]), int(m.start[j + 1])
        if a == b:
            out[j] = _no_feasible_reason(m, j)
            continue
        cs = m.pairs.coach[a:b]
        n = b - a
        full_t = int(np.sum(rem_t[cs] <= 0))
        short_h = int(np.sum((rem_t[cs] > 0) & (rem_h[cs] < m.hours[j])))
        served = np.isin(chosen_coach, cs)
        prio = int(m.priority[j])
        higher = int(np.sum(served & (m.priority > prio)))
        equal = int(np.sum(served & (m.priority == prio)))
        lower = int(np.sum(served & (m.priority < prio)))
        who = "its only feasible coach was" if n == 1 else f"all {n} of its feasible coaches were"
        detail = []
        if full_t:
            detail.append(f"{full_t} at their team limit")
        if short_h:
            detail.append(f"{short_h} with fewer than {int(m.hours[j])} hours left")
        if lower:
            tail = (f"; they serve {higher} higher-, {equal} equal- and {lower} lower-priority "
                    "requests that together cover more than this one would")
        else:
            tail = f"; they serve {higher} higher- and {equal} equal-priority requests"
        out[j] = f"{who} needed for other requests ({', '.join(detail)}){tail}"
    return out
