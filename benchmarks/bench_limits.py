"""Benchmarks of the resource limits and of the result store's integrity checks.

1. **Memory per person row.** For a few sizes of ``scenarios/baseline.yaml`` (persons x months,
   person views on or off), a fresh subprocess runs one task as ``parcours run`` does
   (``replicate(..., workers=1)``: the model, its tables, the persons table, the assembly) and
   reports its peak resident memory (``VmHWM``). The table compares it with the estimate that
   ``sim.preflight`` refuses runs on (:func:`sim.preflight.estimate`): the estimate must stay
   above what is measured.
2. **Integrity overhead.** Writing one task's tables as the store does (Parquet in memory,
   SHA-256, written and flushed to disk, ``task.json``, renamed) against writing the same tables
   with ``DataFrame.to_parquet`` straight to their files, side by side, median of ``--repeats``
   rounds; and checking one finished task (``store.task_problem``: every file's size and
   SHA-256, the seed and the scenario hash).

The script prints figures; it never fails on them.

Usage::

    .venv/bin/python benchmarks/bench_limits.py            # a few minutes
    .venv/bin/python benchmarks/bench_limits.py --quick    # the small sizes only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.yaml"
SIZES = (  # persons, months, person views
    (20_000, 60, True),
    (20_000, 60, False),
    (20_000, 600, False),
    (100_000, 60, True),
    (200_000, 60, False),
)
QUICK_SIZES = SIZES[:3]


def _peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(persons: int, months: int, views: bool) -> None:
    """Run one task as ``parcours run`` does; print its peak memory and rows as JSON."""
    from sim.experiments.runner import replicate

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        exp = replicate(
            SCENARIO,
            persons=persons,
            months=months,
            overrides={"run.person_views": views},
            out=Path(tmp) / "run",
            workers=1,
        )
        wall = time.perf_counter() - start
        import pandas as pd

        rows = len(pd.read_parquet(exp.out / "persons.parquet", columns=["age"]))
    print(json.dumps({"peak": _peak_bytes(), "rows_arrived": rows, "wall": wall}))


def memory(sizes) -> None:
    from sim.preflight import estimate
    from sim.scenario import load_scenario

    print("\n1. Memory of one task (peak resident set of a fresh process, imports included)\n")
    head = f"{'persons':>9} {'months':>6} {'views':>5} {'rows':>10} {'measured':>10}"
    print(head + f" {'estimate':>10} {'est./meas.':>10} {'wall s':>7}")
    for persons, months, views in sizes:
        scn = load_scenario(
            SCENARIO,
            {"run.persons": persons, "run.months": months, "run.person_views": views},
        )
        est = estimate(scn)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(persons), str(months), str(int(views))],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if done.returncode != 0:
            print(f"{persons:>9} {months:>6} {views!s:>5}  failed: {done.stderr[-300:]}")
            continue
        got = json.loads(done.stdout.strip().splitlines()[-1])
        gib = 2**30
        print(
            f"{persons:>9,} {months:>6} {views!s:>5} {est.rows:>10,} "
            f"{got['peak'] / gib:>9.2f}G {est.bytes / gib:>9.2f}G "
            f"{est.bytes / got['peak']:>10.2f} {got['wall']:>7.1f}"
        )


def integrity(repeats: int) -> None:
    import pandas as pd

    from sim.experiments import store
    from sim.experiments.execution import task_scenario
    from sim.experiments.runner import replicate

    print("\n2. Writing and checking one task (20,000 persons x 60 months, persons table)\n")
    with tempfile.TemporaryDirectory() as tmp:
        exp = replicate(SCENARIO, out=Path(tmp) / "run", workers=1)
        task = exp.manifest["tasks"][0]
        source = store.task_path(exp.out, task["id"])
        tables = {p.stem: pd.read_parquet(p) for p in sorted(source.glob("*.parquet"))}
        meta = store.task_meta(task, task_scenario(exp.manifest, task))
        plain, checked, verify = [], [], []
        for i in range(repeats):
            folder = Path(tmp) / f"plain{i}"
            folder.mkdir()
            start = time.perf_counter()
            for name, frame in tables.items():
                frame.to_parquet(folder / f"{name}.parquet", index=False)
            plain.append(time.perf_counter() - start)
            out = Path(tmp) / f"store{i}"
            (out / store.TASKS).mkdir(parents=True)
            start = time.perf_counter()
            store.write_task(out, task["id"], tables, meta)
            checked.append(time.perf_counter() - start)
            start = time.perf_counter()
            problem = store.task_problem(exp.out, task, exp.manifest)
            verify.append(time.perf_counter() - start)
            assert problem is None, problem
        size = sum(p.stat().st_size for p in source.glob("*.parquet")) / 2**20
    p, c, v = (statistics.median(x) for x in (plain, checked, verify))
    print(f"task files: {size:.1f} MiB in {len(tables)} tables; median of {repeats} rounds")
    print(f"  to_parquet straight to the files       {p:7.3f} s")
    print(f"  store.write_task (SHA-256, fsync)      {c:7.3f} s   ratio {c / p:.2f}")
    print(f"  store.task_problem (check the task)    {v:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the integrity timing")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        persons, months, views = args.child
        child(int(persons), int(months), views == "1")
        return
    print(machine.describe())
    memory(QUICK_SIZES if args.quick else SIZES)
    integrity(3 if args.quick else args.repeats)


if __name__ == "__main__":
    main()
