import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from matching_checker import check_result

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "matching", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def small() -> dict[str, Any]:
    return {
        "policy": {"cross_org": "required"},
        "coaches": [{"id": "c1", "org": "icb", "skills": {"pdsa": 3, "spc": 2},
                     "capacity_hours": 12, "max_teams": 3, "slots": ["mon-am", "wed-pm"],
                     "modes": ["virtual", "in_person"], "location": [51.32, -0.56],
                     "travel_km": 20}],
        "requests": [{"id": "r1", "team": "t7", "org": "gp-practice-012", "skills": {"pdsa": 2},
                      "hours": 6, "slots": ["wed-pm", "thu-am"], "mode": "virtual",
                      "location": [51.24, -0.59], "priority": 2, "previous_coach": None},
                     {"id": "r2", "team": "t8", "org": "gp-practice-012", "skills": {"spc": 3},
                      "hours": 2, "slots": ["wed-pm"], "mode": "virtual", "priority": 1}],
        "exclusions": [["c1", "t9"]],
    }


def write(tmp_path: Path, data: Any, raw: str | None = None) -> str:
    p = tmp_path / "round.json"
    p.write_text(raw if raw is not None else json.dumps(data))
    return str(p)


def test_solve_prints_one_json_result(tmp_path: Path) -> None:
    data = small()
    proc = run("solve", write(tmp_path, data), "--time-limit", "2")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= {"status", "coverage", "coverage_bound", "assignments", "unmatched",
                        "stats"}
    assert out["status"] == "optimal" and out["coverage"] == 2 and out["coverage_bound"] == 2
    assert out["assignments"][0]["request"] == "r1" and out["assignments"][0]["coach"] == "c1"
    assert out["unmatched"] == [{"request": "r2", "reason":
                                 "no coach outside gp-practice-012 has spc at level 3 "
                                 "(1 coach meets every other rule)"}]
    assert {"wall_s", "feasible_pairs"} <= set(out["stats"])
    check_result(data, out)


def test_no_requests_status(tmp_path: Path) -> None:
    data = small()
    data["requests"] = []
    out = json.loads(run("solve", write(tmp_path, data)).stdout)
    assert out["status"] == "no_requests" and out["assignments"] == [] == out["unmatched"]


def _bad(kind: str) -> tuple[Any, str | None, str]:
    data = small()
    if kind == "not json":
        return None, "{not json", "not valid JSON"
    if kind == "missing field":
        del data["requests"][0]["hours"]
        return data, None, "request 'r1': missing field 'hours'"
    if kind == "duplicate ids":
        data["coaches"].append(dict(data["coaches"][0]))
        return data, None, "coach 'c1': duplicate coach id"
    if kind == "unknown slot":
        data["requests"][1]["slots"] = ["sat-am"]
        return data, None, "request 'r2': unknown slot 'sat-am'"
    if kind == "negative hours":
        data["requests"][0]["hours"] = -3
        return data, None, "request 'r1': 'hours' must be a positive integer"
    if kind == "coach without org":
        del data["coaches"][0]["org"]
        return data, None, "coach 'c1': missing field 'org'"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["not json", "missing field", "duplicate ids", "unknown slot",
                                  "negative hours", "coach without org"])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, kind: str) -> None:
    data, raw, expected = _bad(kind)
    proc = run("solve", write(tmp_path, data, raw))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert expected in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    proc = run("solve", str(tmp_path / "nope.json"))
    assert proc.returncode == 2 and "nope.json: no such file" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_generate_then_solve_deterministic_twice(tmp_path: Path) -> None:
    path = tmp_path / "gen.json"
    proc = run("generate", "--coaches", "60", "--requests", "200", "--seed", "7", "-o",
               str(path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(path.read_text())
    assert len(data["coaches"]) == 60 and len(data["requests"]) == 200
    again = run("generate", "--coaches", "60", "--requests", "200", "--seed", "7")
    assert json.loads(again.stdout) == data
    outs = []
    for _ in range(2):
        p = run("solve", str(path), "--deterministic", "--time-limit", "1")
        assert p.returncode == 0, p.stderr
        outs.append(json.loads(p.stdout))
    assert outs[0]["assignments"] == outs[1]["assignments"]
    assert outs[0]["coverage_bound"] == outs[1]["coverage_bound"]
    check_result(data, outs[0])
