"""The benchmark table: matcher against the coordinator's greedy, measured in the same run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from .generate import generate
from .greedy import baseline
from .model import build_model
from .problem import InputError, Problem
from .solver import SolveParams, solve

HEADER = ("instance", "size", "feasible pairs", "coverage", "bound", "gap %", "wall s",
          "peak MB", "greedy coverage", "matcher/greedy", "cpu s", "time limit")


def _one(n_coaches: int, n_requests: int, seed: int, time_limit: float,
         deterministic: bool, workers: int = 1) -> dict[str, Any]:
    problem = Problem.from_dict(generate(n_coaches, n_requests, seed))
    t = time.monotonic()
    model = build_model(problem)
    greedy = baseline(model).coverage(model)
    del model
    greedy_s = time.monotonic() - t
    result = solve(problem, SolveParams(time_limit=time_limit, seed=seed, workers=workers,
                                        deterministic=deterministic))
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # with worker processes, the sum of the peaks is an upper bound on the combined peak
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"instance": f"gen-s{seed}", "size": f"{n_coaches}x{n_requests}",
            "feasible_pairs": result.stats["feasible_pairs"], "coverage": result.coverage,
            "bound": result.coverage_bound, "gap": 100 * result.gap,
            "wall_s": result.stats["wall_s"], "greedy": greedy,
            "cpu_s": result.stats["cpu_s"],
            "peak_mb": peak + (workers if child.ru_maxrss else 0) * child.ru_maxrss / 1024,
            "time_limit": time_limit,
            "greedy_s": greedy_s}


def run_bench(sizes: str, time_limits: str, seed: int, deterministic: bool,
              workers: int = 1) -> int:
    try:
        dims = [tuple(int(x) for x in s.lower().split("x")) for s in sizes.split(",")]
        limits = [float(x) for x in time_limits.split(",")]
    except ValueError:
        raise InputError("--sizes like 300x1000,2000x8000 and --time-limits like 10,60") \
            from None
    if any(len(d) != 2 for d in dims):
        raise InputError("--sizes like 300x1000,2000x8000")
    limits += [limits[-1]] * (len(dims) - len(limits))
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "|".join("---" for _ in HEADER) + "|")
    for (nc, nr), tl in zip(dims, limits, strict=False):
        # each size in a fresh process, so peak memory is that size's own
        code = ("import json,sys; from matching.bench import _one; "
                f"print(json.dumps(_one({nc}, {nr}, {seed}, {tl}, {deterministic}, {workers})))")
        env = dict(os.environ)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=False)
        if proc.returncode != 0:
            print(f"| {nc}x{nr} failed: {proc.stderr.strip().splitlines()[-1:]} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        ratio = r["coverage"] / r["greedy"] if r["greedy"] else float("inf")
        print(f"| {r['instance']} | {r['size']} | {r['feasible_pairs']} | {r['coverage']} | "
              f"{r['bound']} | {r['gap']:.2f} | {r['wall_s']:.1f} | {r['peak_mb']:.0f} | "
              f"{r['greedy']} | {ratio:.3f} | {r['cpu_s']:.1f} | {r['time_limit']:g}"
              f"{' (det.)' if deterministic else ''} |", flush=True)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"on {os.cpu_count()} CPUs")
    return 0
