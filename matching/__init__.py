"""HexQI matching: the best cross-organisation coach-team matches for a round, explained.

A pure library (standard library, OR-Tools and NumPy only). Typical use::

    from matching import Problem, solve, SolveParams
    problem = Problem.from_dict(data)          # raises matching.InputError (one line) on bad input
    result = solve(problem, SolveParams(time_limit=10, progress=lambda frac, msg: ...))
    result.to_dict()                           # the CLI's JSON result
    result.status, result.coverage, result.coverage_bound
    for a in result.assignments: a.request, a.coach, a.score, a.reasons
    for u in result.unmatched: u.request, u.reason

Also: ``matching.generate.generate(n_coaches, n_requests, seed) -> dict`` (a synthetic round),
``Problem.from_json(text)``, ``Problem.from_file(path)``, ``Result.summary()``.
CLI: ``python -m matching solve|generate|bench`` (see docs/matching.md).
"""

from .problem import Coach, InputError, Policy, Problem, Request
from .result import Assignment, Result, Unmatched
from .solver import SolveParams, solve

__all__ = [
    "Assignment", "Coach", "InputError", "Policy", "Problem", "Request", "Result", "SolveParams",
    "Unmatched", "solve",
]
