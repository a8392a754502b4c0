"""What the events table costs: build + run of the baseline with events off and on.

Each run is a fresh subprocess that prints its CPU time of build + run, the time to build the
events table and its number of rows. Configurations alternate run by run (off, on, [reference
tree], off, on...) so that a busy machine weighs on all of them alike; medians are printed.

    .venv/bin/python benchmarks/bench_events.py                  # 100,000 x 60, 5 runs each
    .venv/bin/python benchmarks/bench_events.py --reference /path/to/other/checkout

``--reference`` also times another checkout (without the events table: off only), to measure
what the recording hook costs when off.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
from sim.scenario import load_scenario
from sim.model import InsertionModel
persons, months, events = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
scn = load_scenario("{scenario}", {{"run.persons": persons, "run.months": months}})
t0 = time.process_time()
model = InsertionModel(scn, events=True) if events else InsertionModel(scn)
model.run()
cpu = time.process_time() - t0
t1 = time.process_time()
rows = len(model.events.frame()) if events else 0
print(json.dumps({{"cpu_s": cpu, "frame_s": time.process_time() - t1, "rows": rows}}))
"""


def run_child(tree: Path, persons: int, months: int, events: bool) -> dict:
    """One build + run in a fresh process on the checkout ``tree``."""
    code = CHILD.format(scenario=tree / "scenarios" / "baseline.yaml")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(persons), str(months), "1" if events else "0"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Time the configurations, alternating, and print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--reference", type=Path, help="another checkout, timed with events off")
    args = ap.parse_args()
    configs = [("off", ROOT, False), ("on", ROOT, True)]
    if args.reference:
        configs.append(("reference (off)", args.reference, False))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in configs}
    for _ in range(args.repeats):
        for name, tree, events in configs:
            results[name].append(run_child(tree, args.persons, args.months, events))
    print(f"{args.persons:,} persons x {args.months} months, medians of {args.repeats} runs")
    off = statistics.median(r["cpu_s"] for r in results["off"])
    for name, runs in results.items():
        cpu = statistics.median(r["cpu_s"] for r in runs)
        frame = statistics.median(r["frame_s"] for r in runs)
        rows = statistics.median(r["rows"] for r in runs)
        print(
            f"  events {name:16s} build + run {cpu:7.2f} s CPU ({cpu / off - 1:+6.1%} vs off)"
            f"   table {frame:5.2f} s, {rows:,.0f} rows"
        )


if __name__ == "__main__":
    main()
