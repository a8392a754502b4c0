"""Speed of the full model against its targets, with the one-rule Mesa loop run alongside.

Prints, in one run:

1. **The full model at 100,000 persons**: ``scenarios/baseline.yaml`` with its burn-in (36
   months) and 60 observed months, person views on demand, build + run; simulated person-months
   per second, burn-in months counted as simulated months (target >= 1,000,000 a second). The
   same without burn-in: 100,000 x 60 in seconds (target <= 6 s).
2. **The one-rule Mesa loop** (``mesa_loop.py``) over the same persons and months (burn-in
   included), in the same round as 1; the ratio of the full model's time to it (target <= 0.5).
3. **A comparison**: ``compare`` of the baseline with ``scenarios/iterative.yaml``, 20
   replications each (40 runs of 20,000 x 60 months, burn-in included, tables assembled), on 2
   local workers; wall time (target <= 45 s).
4. **National scale**: 2,000,000 persons x 120 months, person views off (burn-in included):
   wall time of build + run and peak resident memory (targets <= 5 min and <= 8 GB).

Every measurement runs in a fresh subprocess (peak memory is that process's own ``VmHWM``).
Rounds interleave the configurations (Mesa loop, model, model without burn-in...), so the ratios
of a round compare runs made under the same machine load; the table gives medians over rounds
and the median of the per-round ratios. The load average is printed with every run: the machine
may be shared, and CPU time well below wall time means the process waited for a core.

``--against DIR`` also runs every configuration on another checkout of Parcours (e.g. the code
before a change, ``git worktree add /tmp/before main``), in the same rounds, and prints the
ratio of its time to this tree's per simulated person-month. A checkout without ``run.burn_in``
runs without it.

Usage::

    .venv/bin/python benchmarks/bench_speed.py                  # everything (about 15 minutes)
    .venv/bin/python benchmarks/bench_speed.py --quick          # 1 round, no comparison, no 2M
    .venv/bin/python benchmarks/bench_speed.py --against /tmp/before --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
GB = machine.GB
MB = 1024**2

TARGET_PM_PER_S = 1_000_000
TARGET_RATIO = 0.5
TARGET_NO_BURN_IN_S = 6.0
TARGET_COMPARE_S = 45.0
TARGET_LARGE_S = 300.0
TARGET_LARGE_GB = 8.0


# ---------------------------------------------------------------------------------- children
def child_model(tree: Path, persons: int, months: int, burn_in: int, views: bool) -> dict:
    """Build and run one model of ``tree`` in this process; its times and peak memory.

    ``burn_in`` < 0 keeps the scenario's own burn-in; a tree without ``run.burn_in`` runs
    without one.
    """
    from sim.model import InsertionModel
    from sim.scenario import RunSettings, load_scenario

    overrides = {"run.persons": persons, "run.months": months, "run.person_views": views}
    if "burn_in" in RunSettings.model_fields and burn_in >= 0:
        overrides["run.burn_in"] = burn_in
    t0, c0 = time.perf_counter(), time.process_time()
    model = InsertionModel(load_scenario(tree / "scenarios" / "baseline.yaml", overrides))
    t1 = time.perf_counter()
    model.run()
    t2, c2 = time.perf_counter(), time.process_time()
    simulated = months + getattr(model, "burn_in", 0)
    return {
        "persons": persons,
        "simulated_months": simulated,
        "rows": int(model.pop.n),
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": c2 - c0,
        "peak_rss": machine.peak_rss_bytes(),
    }


def child_compare(tree: Path, replications: int, workers: int, persons: int, months: int) -> dict:
    """``compare`` baseline vs iterative in this process (tables included); wall and CPU time."""
    from sim.experiments.runner import compare

    scenarios = [tree / "scenarios" / f"{name}.yaml" for name in ("baseline", "iterative")]
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        compare(
            scenarios,
            replications=replications,
            persons=persons,
            months=months,
            workers=workers,
            out=Path(tmp) / "compare",
        )
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"total_s": wall, "cpu_s": cpu, "workers_cpu_s": children.ru_utime + children.ru_stime}


# ---------------------------------------------------------------------------------- parent
def _spawn(args: list[str], tree: Path | None, timeout: float | None) -> dict:
    """Run a child (this script or the Mesa loop) with ``tree`` first on the path."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    load = os.getloadavg()[0]
    try:
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=tree or ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit code {proc.returncode}: {tail}"}
    out = json.loads(lines[-1])
    out["load"] = load
    return out


def model_run(tree, persons, months, burn_in, views, timeout):
    """One model measurement of ``tree`` in a fresh process."""
    args = [str(Path(__file__).resolve()), "--child-model", str(tree), str(persons), str(months)]
    return _spawn([*args, str(burn_in), "1" if views else "0"], tree, timeout)


def mesa_run(persons, months, timeout):
    """One measurement of the one-rule Mesa loop in a fresh process."""
    return _spawn([str(HERE / "mesa_loop.py"), str(persons), str(months)], None, timeout)


def compare_run(tree, replications, workers, persons, months, timeout):
    """One comparison of ``tree`` in a fresh process."""
    args = [str(Path(__file__).resolve()), "--child-compare", str(tree), str(replications)]
    return _spawn([*args, str(workers), str(persons), str(months)], tree, timeout)


def _pm(run: dict) -> float:
    """Simulated person-months of a model run."""
    return run["persons"] * run["simulated_months"]


def _line(label: str, run: dict) -> str:
    if "error" in run:
        return f"  {label}: FAILED ({run['error']})"
    extra = ""
    if "simulated_months" in run:
        extra = (
            f", build {run['build_s']:.2f} s, {_pm(run) / run['total_s']:,.0f} person-months/s"
            f", peak {run['peak_rss'] / MB:,.0f} MB, cpu {run['cpu_s']:.1f} s"
        )
    elif "workers_cpu_s" in run:
        extra = f", workers' cpu {run['workers_cpu_s']:.1f} s"
    elif "cpu_s" in run:
        extra = f", cpu {run['cpu_s']:.1f} s"
    return f"  {label}: {run['total_s']:.2f} s{extra} (load {run['load']:.2f})"


def _median(runs: list[dict], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*r) for r in rows)])


def main() -> None:
    """Parse the command line and run the benchmark (or one child measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child-model", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--child-compare", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of 1 and 2 (default 3)")
    parser.add_argument(
        "--compare-repeats", type=int, default=3, help="rounds of the comparison (default 3)"
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--against", type=Path, help="another checkout, measured alongside")
    parser.add_argument("--quick", action="store_true", help="one round of 1-2 only")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--large-against", action="store_true", help="also 4. on --against")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    args = parser.parse_args()

    if args.child_model:
        tree, persons, months, burn_in, views = args.child_model
        out = child_model(Path(tree), int(persons), int(months), int(burn_in), views == "1")
        print(json.dumps(out), flush=True)
        return
    if args.child_compare:
        tree, reps, workers, persons, months = args.child_compare
        out = child_compare(Path(tree), int(reps), int(workers), int(persons), int(months))
        print(json.dumps(out), flush=True)
        return

    trees = {"this tree": ROOT}
    if args.against:
        trees["against"] = args.against.resolve()
    repeats = 1 if args.quick else max(1, args.repeats)
    persons, months = args.persons, args.months
    print(f"{machine.describe()}; {machine.load()}")
    for name, tree in trees.items():
        print(f"{name}: {tree}")

    # 1-2. Full model and Mesa loop, side by side in each round.
    probe = model_run(ROOT, 1000, 1, -1, False, args.timeout)
    burn_in = probe.get("simulated_months", 1) - 1
    print(f"\n1-2. {persons:,} persons x {months} months, burn-in {burn_in}, {repeats} rounds")
    rounds = []
    for i in range(repeats):
        print(f" round {i + 1}/{repeats}")
        r = {"mesa": mesa_run(persons, burn_in + months, args.timeout)}
        print(_line(f"Mesa one-rule loop, {persons:,} x {burn_in + months} months", r["mesa"]))
        for name, tree in trees.items():
            r[name] = model_run(tree, persons, months, -1, True, args.timeout)
            print(_line(f"full model ({name}), its own burn-in", r[name]))
        r["no burn-in"] = model_run(ROOT, persons, months, 0, True, args.timeout)
        print(_line("full model (this tree), without burn-in", r["no burn-in"]))
        rounds.append(r)

    def ok(run: dict) -> bool:
        return "error" not in run

    def per_pm(run: dict) -> float:
        return run["total_s"] / _pm(run)

    def per(run: dict, key: str) -> float:
        return run[key] / _pm(run)

    mesa_pm = [r["mesa"]["total_s"] / (persons * (burn_in + months)) for r in rounds]
    mesa_cpu_pm = [
        r["mesa"].get("cpu_s", float("nan")) / (persons * (burn_in + months)) for r in rounds
    ]
    rows = []
    for name in [*trees, "no burn-in"]:
        runs = [r[name] for r in rounds if ok(r[name])]
        if not runs:
            rows.append((name, "FAILED", "", "", "", ""))
            continue
        ratios = [per_pm(r[name]) / m for r, m in zip(rounds, mesa_pm, strict=True) if ok(r[name])]
        rows.append(
            (
                f"full model ({name})" if name != "no burn-in" else "full model, no burn-in",
                f"{persons:,} x {runs[0]['simulated_months']}",
                f"{_median(runs, 'total_s'):.2f} s",
                f"{statistics.median(_pm(x) / x['total_s'] for x in runs):,.0f}",
                f"{statistics.median(ratios):.2f}",
                f"{_median(runs, 'peak_rss') / MB:,.0f} MB",
            )
        )
    mesa_runs = [r["mesa"] for r in rounds if ok(r["mesa"])]
    rows.append(
        (
            "Mesa one-rule loop",
            f"{persons:,} x {burn_in + months}",
            f"{_median(mesa_runs, 'total_s'):.2f} s",
            f"{persons * (burn_in + months) / _median(mesa_runs, 'total_s'):,.0f}",
            "1.00",
            "",
        )
    )
    print()
    print(
        _table(
            rows,
            (
                "configuration",
                "persons x simulated months",
                "build+run (median)",
                "person-months/s",
                "time / Mesa loop's, per person-month (median of rounds)",
                "peak RSS",
            ),
        )
    )
    # On a busy machine wall times include waiting for a core: the same ratios on CPU time.
    cpu = [
        (r["this tree"]["cpu_s"] / _pm(r["this tree"])) / m
        for r, m in zip(rounds, mesa_cpu_pm, strict=True)
        if ok(r["this tree"]) and m == m
    ]
    if cpu:
        print(
            "full model (this tree) / Mesa loop, CPU time per person-month, per round: "
            + ", ".join(f"{x:.2f}" for x in cpu)
            + f" (median {statistics.median(cpu):.2f})"
        )
    if args.against:
        for what, key in (("time", "total_s"), ("CPU time", "cpu_s")):
            ratios = [
                per(r["against"], key) / per(r["this tree"], key)
                for r in rounds
                if ok(r["against"]) and ok(r["this tree"])
            ]
            if ratios:
                print(
                    f"against / this tree, {what} per simulated person-month, per round: "
                    + ", ".join(f"{x:.2f}" for x in ratios)
                    + f" (median {statistics.median(ratios):.2f})"
                )

    targets = []
    main_runs = [r["this tree"] for r in rounds if ok(r["this tree"])]
    nob = [r["no burn-in"] for r in rounds if ok(r["no burn-in"])]
    if main_runs:
        pm_s = statistics.median(_pm(x) / x["total_s"] for x in main_runs)
        ratio = statistics.median(
            per_pm(r["this tree"]) / m for r, m in zip(rounds, mesa_pm, strict=True)
        )
        targets.append(
            (f"1. person-months/s, {persons // 1000}k, burn-in counted", f"{pm_s:,.0f}",
             ">= 1,000,000",
             _verdict(pm_s >= TARGET_PM_PER_S))
        )  # fmt: skip
        targets.append(
            ("2. time / Mesa loop's, same persons and months", f"{ratio:.2f}", "<= 0.5",
             _verdict(ratio <= TARGET_RATIO))
        )  # fmt: skip
    if nob:
        t = _median(nob, "total_s")
        targets.append(
            (f"1. {persons // 1000}k x {months}, no burn-in", f"{t:.2f} s", "<= 6 s",
             _verdict(t <= TARGET_NO_BURN_IN_S))
        )  # fmt: skip

    # 3. Comparison, 20 replications of two scenarios on 2 workers.
    if not (args.quick or args.skip_compare):
        n_rounds = max(1, args.compare_repeats)
        print("\n3. compare baseline vs iterative, 20 replications, 20,000 x 60, 2 workers")
        results = {name: [] for name in trees}
        for i in range(n_rounds):
            for name, tree in trees.items():
                run = compare_run(tree, 20, 2, 20_000, 60, args.timeout)
                print(_line(f"round {i + 1}/{n_rounds}, {name}", run))
                if ok(run):
                    results[name].append(run)
        for name, runs in results.items():
            if runs:
                print(f"  {name}: median {_median(runs, 'total_s'):.1f} s over {len(runs)} rounds")
        if results["this tree"]:
            t = _median(results["this tree"], "total_s")
            targets.append(
                ("3. compare, 40 runs of 20k x 60, 2 workers", f"{t:.1f} s", "<= 45 s",
                 _verdict(t <= TARGET_COMPARE_S))
            )  # fmt: skip
        if args.against and results["against"] and results["this tree"]:
            ratio = _median(results["against"], "total_s") / _median(
                results["this tree"], "total_s"
            )
            print(f"  against / this tree, wall time: {ratio:.2f}")

    # 4. National scale.
    if not (args.quick or args.skip_large):
        print("\n4. 2,000,000 persons x 120 months, person views off, one run")
        for name, tree in trees.items():
            if name == "against" and not args.large_against:
                continue
            run = model_run(tree, 2_000_000, 120, -1, False, args.timeout)
            print(_line(name, run))
            if name == "this tree" and ok(run):
                targets.append(
                    (f"4. 2M x 120 (simulated {run['simulated_months']}), time", 
                     f"{run['total_s']:.0f} s", "<= 300 s",
                     _verdict(run["total_s"] <= TARGET_LARGE_S))
                )  # fmt: skip
                targets.append(
                    ("4. 2M x 120, peak RSS", f"{run['peak_rss'] / GB:.2f} GB", "<= 8 GB",
                     _verdict(run["peak_rss"] / GB <= TARGET_LARGE_GB))
                )  # fmt: skip

    print()
    print("Targets (this tree)")
    print(_table(targets, ("measurement", "figure", "target", "status")))
    print(f"\n{machine.load()} at the end")


if __name__ == "__main__":
    main()
