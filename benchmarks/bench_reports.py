"""Time the reporting commands: ``parcours report`` and ``parcours results show``.

For each source tree given (``--tree PATH``, default: this one), the script first makes the runs
with that tree's own code, in a temporary directory: a comparison (baseline vs more_phc, 5
replications of 2,000 persons over 24 months) and an allocation (three programmes, a grid in
quarters: 15 allocations). With ``--share-runs`` the first tree makes them and every tree reads
the same runs (the trees must store runs alike). Then, in each round, it times every tree's
``parcours results show RUN`` and ``parcours report RUN`` one after the other, as fresh
processes (``python -m sim.present.cli`` with ``PYTHONPATH`` set to the tree): the wall time
includes starting Python and importing what the command needs, as a user sees it. Trees
alternate within a round, so their times are measured under the same machine load; the table
gives medians over the rounds (5 by default) and the ratio of each tree to the first.

    .venv/bin/python benchmarks/bench_reports.py                          # this tree
    .venv/bin/python benchmarks/bench_reports.py --tree /tmp/before --tree . --share-runs
    .venv/bin/python benchmarks/bench_reports.py --no-allocate            # the comparison only
    .venv/bin/python benchmarks/bench_reports.py --quick                  # smaller runs, 2 rounds

A tree "before" a change is for instance ``git archive COMMIT | tar -x -C /tmp/before``.
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


def make_runs(tree: Path, where: Path, quick: bool, allocate: bool = True) -> dict[str, Path]:
    """The comparison and (unless not ``allocate``) the allocation, with ``tree``'s code."""
    persons, months, replications = ("1000", "12", "2") if quick else ("2000", "24", "5")
    scenarios = ROOT / "scenarios"
    common = ["--persons", persons, "--months", months, "--quiet", "--workers", "2"]
    runs = {"compare": where / "compare"}
    parcours(
        tree,
        "compare",
        scenarios / "baseline.yaml",
        scenarios / "more_phc.yaml",
        "--replications",
        replications,
        *common,
        "--out",
        runs["compare"],
        cwd=where,
    )
    if not allocate:
        return runs
    runs["allocate"] = where / "allocate"
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
    parser.add_argument("--rounds", type=int, default=5, help="rounds of timings [5]")
    parser.add_argument("--quick", action="store_true", help="smaller runs, 2 rounds")
    parser.add_argument(
        "--no-allocate", action="store_true", help="time the comparison only (no allocation)"
    )
    parser.add_argument(
        "--share-runs", action="store_true", help="make the runs once, with the first tree"
    )
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    rounds = 2 if args.quick and args.rounds == 5 else args.rounds
    with tempfile.TemporaryDirectory(prefix="parcours-bench-reports-") as tmp:
        runs = {}
        for i, tree in enumerate(trees):
            if args.share_runs and i:
                runs[tree] = runs[trees[0]]
                continue
            where = Path(tmp) / f"tree{i}"
            where.mkdir()
            start = time.perf_counter()
            runs[tree] = make_runs(tree, where, args.quick, allocate=not args.no_allocate)
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
    print(f"{'command':<14}{'run':<10}" + "".join(f"{f'tree {i}':>18}" for i in range(len(trees))))
    for kind in runs[trees[0]]:
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
