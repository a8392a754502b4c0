"""Time the reporting commands: ``parcours report`` and ``parcours results show``.

For each source tree given (``--tree PATH``, default: this one), the script first makes the runs
with that tree's own code, in a temporary directory: a comparison (baseline vs more_phc) and an
allocation (three programmes, a grid in quarters: 15 allocations). Then, in each round, it times
every tree's ``parcours results show RUN`` and ``parcours report RUN`` one after the other, as
fresh processes (``python -m sim.present.cli`` with ``PYTHONPATH`` set to the tree): the wall
time includes starting Python and importing what the command needs, as a user sees it. Trees
alternate within a round, so their times are measured under the same machine load; the table
gives medians over the rounds and the ratio of each tree to the first.

    .venv/bin/python benchmarks/bench_reports.py                          # this tree
    .venv/bin/python benchmarks/bench_reports.py --tree /tmp/before --tree .   # before / after
    .venv/bin/python benchmarks/bench_reports.py --quick                  # smaller runs, 2 rounds

Nothing is asserted; the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def parcours(tree: Path, *args, cwd: Path) -> float:
    """Run ``parcours ARGS`` with ``tree``'s code; return the wall time (raise on failure)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.present.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"parcours {' '.join(map(str, args))} ({tree}) failed:\n{proc.stderr[-2000:]}"
        )
    return elapsed


def make_runs(tree: Path, where: Path, quick: bool) -> dict[str, Path]:
    """The comparison and the allocation, run with ``tree``'s code under ``where``."""
    persons, months = ("2000", "24") if quick else ("5000", "36")
    scenarios = ROOT / "scenarios"
    common = ["--persons", persons, "--months", months, "--quiet", "--workers", "2"]
    runs = {"compare": where / "compare", "allocate": where / "allocate"}
    parcours(
        tree,
        "compare",
        scenarios / "baseline.yaml",
        scenarios / "more_phc.yaml",
        "--replications",
        "3",
        *common,
        "--out",
        runs["compare"],
        cwd=where,
    )
    parcours(
        tree,
        "allocate",
        scenarios / "baseline.yaml",
        "--budget",
        "2000000",
        "--programmes",
        "aide_au_poste_aci,phc,creche",
        "--steps",
        "4",
        "--replications",
        "2",
        "--persons",
        "2000",
        "--months",
        months,
        "--quiet",
        "--workers",
        "2",
        "--out",
        runs["allocate"],
        cwd=where,
    )
    return runs


def main() -> None:
    """Make the runs with every tree, then time the commands round by round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="a source tree [this one]")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of timings [3]")
    parser.add_argument("--quick", action="store_true", help="smaller runs, 2 rounds")
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    rounds = 2 if args.quick and args.rounds == 3 else args.rounds
    with tempfile.TemporaryDirectory(prefix="parcours-bench-reports-") as tmp:
        runs = {}
        for i, tree in enumerate(trees):
            where = Path(tmp) / f"tree{i}"
            where.mkdir()
            start = time.perf_counter()
            runs[tree] = make_runs(tree, where, args.quick)
            print(f"runs made with {tree} in {time.perf_counter() - start:.0f} s", flush=True)
        times: dict[tuple, list[float]] = {}
        for r in range(rounds):
            for tree in trees:
                for kind, run in runs[tree].items():
                    for command in (("results", "show"), ("report",)):
                        t = parcours(tree, *command, run, cwd=run.parent)
                        times.setdefault((tree, kind, " ".join(command)), []).append(t)
            print(f"round {r + 1}/{rounds} done, load average {os.getloadavg()[0]:.1f}", flush=True)
    print()
    print(f"{'command':<14}{'run':<10}" + "".join(f"{f'tree {i}':>12}" for i in range(len(trees))))
    for kind in ("compare", "allocate"):
        for command in ("results show", "report"):
            cells = []
            first = statistics.median(times[(trees[0], kind, command)])
            for tree in trees:
                m = statistics.median(times[(tree, kind, command)])
                ratio = "" if tree == trees[0] else f" ({m / first:.2f}x)"
                cells.append(f"{m:.2f} s{ratio}")
            print(f"{command:<14}{kind:<10}" + "".join(f"{c:>18}" for c in cells))
    for i, tree in enumerate(trees):
        print(f"tree {i}: {tree}")
    print(f"medians of {rounds} rounds; load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
