"""Benchmark of the calibration: the baseline, 200 trials x 5 replications, on this machine.

Runs ``sim.experiments.calibration.calibrate`` on ``scenarios/baseline.yaml`` (20,000 persons x 60
months) with ``calibration/targets.yaml``, ``--trials`` trials (default 200) of ``--replications``
replications (default 5) on ``--workers`` local processes (default 2), and prints the wall time
(target: 30 minutes on 2 cores), the CPU time of this process and of its workers (CPU well below
workers x wall means the machine was busy with other work), the time per run and the best loss. The
run directory is kept (``--out``, default ``results/<id>``): it is a real calibration, whose
``calibrated.yaml`` and ``fit.md`` can be used. ``--quick``: 10 trials x 2 replications on 5,000
persons, to check the script.

The script prints figures; it never fails on them.

Usage::

    .venv/bin/python benchmarks/bench_calibration.py           # about 20-30 minutes
    .venv/bin/python benchmarks/bench_calibration.py --quick   # under a minute
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import describe  # noqa: E402

from sim.experiments.calibration import calibrate  # noqa: E402


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="auto")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    persons = None
    if args.quick:
        args.trials, args.replications, persons = 10, 2, 5000
    print(describe())
    before = os.times()
    start = time.perf_counter()
    os.chdir(ROOT)  # paths in the provenance relative to the repository
    result = calibrate(
        "scenarios/baseline.yaml",
        "calibration/targets.yaml",
        trials=args.trials,
        replications=args.replications,
        workers=args.workers,
        persons=persons,
        out=args.out,
    )
    wall = time.perf_counter() - start
    after = os.times()
    own = (after.user - before.user) + (after.system - before.system)
    children = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    runs = args.trials * args.replications + args.replications  # + the held-out fit check
    best = result.trials["loss"].min()
    print(
        f"calibration: {args.trials} trials x {args.replications} replications "
        f"({runs} runs) on {args.workers} workers: wall {wall / 60:.1f} min "
        f"(target 30 min), {wall / runs:.2f} s per run; CPU this process {own:.0f} s, "
        f"workers {children:.0f} s; best loss {best:.3g}; run directory {result.out}"
    )


if __name__ == "__main__":
    main()
