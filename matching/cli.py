"""Command line: python -m matching solve|generate|bench. Bad input exits 2 with one line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .problem import InputError, Problem


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"matching: {message}\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m matching", description="HexQI coach-team matcher")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("solve", help="solve a round and print the JSON result")
    s.add_argument("instance", help="instance JSON file ('-' for stdin)")
    s.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--deterministic", action="store_true",
                   help="stop by a work limit, not the clock: same input, same result")
    s.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")
    g = sub.add_parser("generate", help="write a synthetic round as JSON")
    g.add_argument("--coaches", type=int, required=True)
    g.add_argument("--requests", type=int, required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--cross-org", choices=("required", "preferred", "allowed"),
                   default="required")
    g.add_argument("-o", "--output", default=None)
    b = sub.add_parser("bench", help="print the benchmark table")
    b.add_argument("--sizes", default="300x1000,2000x8000",
                   help="comma-separated COACHESxREQUESTS (default 300x1000,2000x8000)")
    b.add_argument("--time-limits", default="10,60", help="seconds per size, comma-separated")
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--deterministic", action="store_true")
    b.add_argument("--workers", type=int, default=2, help="processes for the solver (default 2)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "solve":
            return _solve(args)
        if args.command == "generate":
            return _generate(args)
        from .bench import run_bench

        if args.workers < 1:
            raise InputError("--workers must be >= 1")
        return run_bench(args.sizes, args.time_limits, args.seed, args.deterministic,
                         args.workers)
    except InputError as exc:
        sys.stderr.write(f"matching: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("matching: interrupted\n")
        return 130


def _solve(args: argparse.Namespace) -> int:
    from .solver import SolveParams, solve

    if args.time_limit <= 0 or args.workers < 1:
        raise InputError("--time-limit must be > 0 and --workers >= 1")
    if args.instance == "-":
        problem = Problem.from_json(sys.stdin.read())
    else:
        problem = Problem.from_file(args.instance)
    result = solve(problem, SolveParams(time_limit=args.time_limit, workers=args.workers,
                                        seed=args.seed, deterministic=args.deterministic))
    json.dump(result.to_dict(), sys.stdout, indent=args.indent)
    sys.stdout.write("\n")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from .generate import generate

    if args.coaches < 0 or args.requests < 0:
        raise InputError("--coaches and --requests must be >= 0")
    data = generate(args.coaches, args.requests, args.seed, cross_org=args.cross_org)
    text = json.dumps(data)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0
