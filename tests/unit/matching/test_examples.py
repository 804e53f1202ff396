import json
from pathlib import Path

import pytest
from matching_checker import check_result, count_pairs

from matching import Problem, SolveParams, solve

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT.parent / "shared" / "matching-examples"

pytestmark = pytest.mark.skipif(not (EXAMPLES / "expected.json").exists(),
                                reason=f"shared examples not found at {EXAMPLES}")


def _cases() -> list[str]:
    if not (EXAMPLES / "expected.json").exists():
        return []
    return sorted(json.loads((EXAMPLES / "expected.json").read_text()))


@pytest.mark.parametrize("name", _cases())
def test_shared_instance_reaches_expected_coverage(name: str) -> None:
    expected = json.loads((EXAMPLES / "expected.json").read_text())[name]
    data = json.loads((EXAMPLES / name).read_text())
    result = solve(Problem.from_dict(data), SolveParams(time_limit=5)).to_dict()
    assert result["stats"]["feasible_pairs"] == expected["feasible_pairs"]
    assert count_pairs(data) == expected["feasible_pairs"]  # the checker agrees too
    assert result["coverage"] == expected["max_priority_coverage"]
    assert result["status"] == "optimal"
    assert result["coverage_bound"] == expected["max_priority_coverage"]
    assert check_result(data, result) == expected["max_priority_coverage"]
