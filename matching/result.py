"""The result of a round: assignments with scores and reasons, unmatched requests with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Assignment:
    request: str
    coach: str
    score: int
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "coach": self.coach, "score": self.score,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Unmatched:
    request: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "reason": self.reason}


@dataclass(frozen=True)
class Result:
    """status: "optimal" (coverage proven best), "feasible" (a valid round, coverage_bound is the
    best proven upper bound) or "no_requests"."""

    status: str
    coverage: int
    coverage_bound: int
    fit: int
    assignments: tuple[Assignment, ...]
    unmatched: tuple[Unmatched, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between coverage and its proven bound (0.0 when optimal)."""
        if self.coverage_bound <= 0:
            return 0.0
        return (self.coverage_bound - self.coverage) / self.coverage_bound

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "coverage": self.coverage,
            "coverage_bound": self.coverage_bound,
            "fit": self.fit,
            "assignments": [a.to_dict() for a in self.assignments],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "stats": dict(self.stats),
        }

    def summary(self) -> str:
        n = len(self.assignments) + len(self.unmatched)
        return (f"{self.status}: {len(self.assignments)}/{n} requests matched, coverage "
                f"{self.coverage} (bound {self.coverage_bound}, gap {100 * self.gap:.2f}%), "
                f"fit {self.fit}, {self.stats.get('wall_s', 0):.2f} s")
