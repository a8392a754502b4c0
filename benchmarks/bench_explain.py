"""Benchmark of ``parcours explain`` (``sim.experiments.explain``): the cost of one real explain.

Runs ``explain(A, B)`` once, by default ``scenarios/linear.yaml`` against
``scenarios/iterative.yaml`` at 20,000 persons x 36 months with 5 replications on 2 local
workers, into a fresh temporary directory, and prints:

- the fields (or groups) that differ, the method, the coalitions and the number of runs, with the
  cost formula (``2^k x replications`` for exact Shapley values);
- the wall time of the whole call (design and validation of every coalition, worker pool, the
  runs, assembly of the tables, the decomposition), runs per minute and wall seconds per run;
- the median duration of one run (from the manifest) and the share of the wall time the runs
  account for on the workers (sum of run durations / (workers x wall)): the rest is the
  command's own overhead, or other work on the machine;
- CPU time of this process and of its worker processes (``os.times()``), per run, and the load
  average: CPU well below workers x wall means the machine was busy and the wall times are
  pessimistic (CPU seconds per run then say better what a run costs);
- the contributions to ``employment_rate_12m`` (everyone), so that the run can be read.

The script prints figures; it never fails on them.

Usage::

    .venv/bin/python benchmarks/bench_explain.py           # linear vs iterative, 20k x 36
    .venv/bin/python benchmarks/bench_explain.py --quick   # 5,000 persons x 14 months, 2 reps
    .venv/bin/python benchmarks/bench_explain.py --b scenarios/more_phc.yaml --replications 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run one explain and print its cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", default="scenarios/linear.yaml")
    parser.add_argument("--b", default="scenarios/iterative.yaml")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", default="auto", choices=["auto", "exact", "sampled"])
    parser.add_argument("--permutations", type=int, default=None)
    parser.add_argument("--group", action="append", default=[], metavar="NAME=PATH,PATH")
    parser.add_argument("--quick", action="store_true", help="5,000 persons x 14 months, 2 reps")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.months, args.replications = 5_000, 14, 2

    from sim.experiments.explain import cost, explain  # imported before any timing

    a, b = ROOT / args.a, ROOT / args.b
    print(machine.describe())
    print(
        f"explain {args.b} vs {args.a}: {args.persons:,} persons x {args.months} months, "
        f"{args.replications} replications, {args.workers} local workers, method {args.method}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), os.times()
        result = explain(
            a, b, args.group, method=args.method, permutations=args.permutations,
            replications=args.replications, persons=args.persons, months=args.months,
            out=Path(tmp) / "explain", workers=args.workers,
        )  # fmt: skip
        wall, c1 = time.perf_counter() - t0, os.times()
        load = os.getloadavg()
    spec, manifest = result.spec, result.manifest
    k, runs = len(spec["players"]), spec["runs"]
    durations = [s["duration_s"] for s in manifest["task_status"].values() if s.get("duration_s")]
    print(f"\nfields or groups (k = {k}):")
    for p in spec["players"]:
        print(f"  {p['name']} ({len(p['changes'])} field{'s' if len(p['changes']) > 1 else ''})")
    bound = cost(k, args.replications, spec["method"], spec["permutations"])
    formula = (
        f"2^{k} x {args.replications}"
        if spec["method"] == "exact"
        else f"at most min(2^{k}, {spec['permutations']} x ({k} - 1) + 2) x {args.replications}"
    )
    print(
        f"method {spec['method']}: {len(spec['coalitions'])} coalitions, {runs} runs "
        f"(cost {formula} = {bound})"
    )
    cpu_self = (c1.user - c0.user) + (c1.system - c0.system)
    cpu_children = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    busy = sum(durations) / (args.workers * wall) if durations else float("nan")
    print(f"\nwall time of the whole explain: {wall:.1f} s ({wall / 60:.1f} min)")
    print(f"runs per minute: {60 * runs / wall:.1f}; wall seconds per run: {wall / runs:.2f}")
    if durations:
        print(
            f"one run: median {statistics.median(durations):.2f} s "
            f"(min {min(durations):.2f}, max {max(durations):.2f}); runs fill {100 * busy:.0f}% "
            f"of {args.workers} workers x wall"
        )
    print(
        f"CPU: this process {cpu_self:.1f} s, workers {cpu_children:.1f} s "
        f"({cpu_children / runs:.2f} s per run); load average at the end "
        f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}"
    )
    t = result.table
    rows = t[(t.indicator == "employment_rate_12m") & (t.public == "all")]
    print("\nemployment_rate_12m (all): contribution [95% CI], percentage points")
    for r in rows.itertuples():
        print(
            f"  {r.field:<50}{100 * r.contribution:+8.2f}  "
            f"[{100 * r.ci_low:+.2f}, {100 * r.ci_high:+.2f}]"
        )


if __name__ == "__main__":
    main()
