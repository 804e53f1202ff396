"""matching/ imports only the standard library, OR-Tools and NumPy."""

import ast
import sys
from pathlib import Path

MATCHING = Path(__file__).resolve().parents[3] / "matching"
ALLOWED_THIRD_PARTY = {"numpy", "ortools"}


def test_matching_imports_only_stdlib_ortools_numpy() -> None:
    files = sorted(MATCHING.rglob("*.py"))
    assert files
    bad = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside matching
                    continue
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top == "matching":
                    continue
                if top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                    bad.append(f"{f.name}: {name}")
    assert not bad, bad
