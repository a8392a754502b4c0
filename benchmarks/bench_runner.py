"""Benchmarks of the experiment runner (``sim.experiments.runner``): backends and overhead.

Measurements, on ``scenarios/baseline.yaml`` at its default size (20,000 persons x 60 months;
``--quick``: 5,000 persons x 36 months):

1. Replications per minute of ``replicate(...)`` with 1 local worker (in this process), 2 local
   worker processes, and a local Dask cluster of 2 worker processes (``backend="dask"``,
   ``workers=2``; the cluster is started and closed inside the timed call). Each configuration
   runs ``--replications`` replications (default 6; 4 in --quick); the configurations are run
   side by side, one after the other in each of ``--repeats`` rounds (default 3; 1 in --quick),
   and the median wall time per configuration is reported, with the throughput ratio
   2 workers / 1 worker (and Dask / 1 worker) per round and over the medians.
2. The overhead of the runner over the bare model: ``replicate(scenario, replications=1,
   workers=1)`` (plan, manifest, run, task tables and persons table written, tables assembled)
   against ``InsertionModel(scenario, seed).run()`` + ``indicators()`` on the same scenario and
   the same seed (the child seed replication 0 gets), alternately, median of ``--overhead-runs``
   runs each (default 5; 3 in --quick). For information, also ``replicate`` with
   ``persons_tables=False`` (a single replication keeps the persons table by default).

Every ``out`` is a fresh directory inside a ``tempfile.TemporaryDirectory``. Wall times cover the
whole ``replicate`` call (worker pool or cluster start-up and shutdown, assembly of the tables);
the one-off imports of ``sim`` and ``dask.distributed`` are done before any timing. Each
configuration also reports CPU time: this process's own (user + system) and that of its
finished child processes (worker processes), from ``os.times()``; CPU well below
workers x wall means the machine was busy with other work and the figures are pessimistic.

The script prints figures; it never fails on them.

Usage::

    .venv/bin/python benchmarks/bench_runner.py             # full (a few minutes)
    .venv/bin/python benchmarks/bench_runner.py --quick     # 5k x 36 mo, 4 replications, 1 round
    .venv/bin/python benchmarks/bench_runner.py --replications 10 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/baseline.yaml"

# (label, replicate() keyword arguments); the first is the reference of the ratios.
CONFIGS = (
    ("1 local worker", {"workers": 1, "backend": "local"}),
    ("2 local workers", {"workers": 2, "backend": "local"}),
    ("Dask LocalCluster, 2 workers", {"workers": 2, "backend": "dask"}),
)


# ---------------------------------------------------------------------------------- timing
@dataclass
class Timing:
    """Wall and CPU time of one timed call."""

    wall: float
    cpu_self: float
    cpu_children: float

    @property
    def cpu(self) -> float:
        """CPU time of this process and its finished children."""
        return self.cpu_self + self.cpu_children


class Clock:
    """Context manager measuring wall time and CPU time (own and children's)."""

    def __enter__(self) -> Clock:
        """Start the clocks."""
        self._t0 = time.perf_counter()
        self._c0 = os.times()
        return self

    def __exit__(self, *exc) -> None:
        """Stop the clocks and store the :class:`Timing` in ``self.timing``."""
        wall = time.perf_counter() - self._t0
        c1 = os.times()
        self.timing = Timing(
            wall=wall,
            cpu_self=(c1.user - self._c0.user) + (c1.system - self._c0.system),
            cpu_children=(c1.children_user - self._c0.children_user)
            + (c1.children_system - self._c0.children_system),
        )


@dataclass
class Runs:
    """The timed runs of one configuration."""

    label: str
    timings: list[Timing] = field(default_factory=list)
    task_s: list[float] = field(default_factory=list)  # run_task durations from the manifest
    errors: list[str] = field(default_factory=list)

    def median(self, key: str) -> float:
        """Median of a :class:`Timing` attribute over the runs (NaN if none)."""
        values = [getattr(t, key) for t in self.timings]
        return statistics.median(values) if values else float("nan")


def _load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average n/a"


def _fmt(x: float, spec: str = ".1f", unit: str = "") -> str:
    return "n/a" if x != x else f"{x:{spec}}{unit}"


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*r) for r in rows)])


# ---------------------------------------------------------------------------------- 1. backends
def time_replicate(scenario, replications: int, **kwargs) -> tuple[Timing, list[float]]:
    """Time one ``replicate`` call writing into a temporary directory.

    Returns:
        The timing of the call and the ``run_task`` durations recorded in the manifest.
    """
    from sim.experiments.runner import replicate

    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        with Clock() as clock:
            exp = replicate(scenario, replications=replications, out=Path(tmp) / "run", **kwargs)
        durations = [s["duration_s"] for s in exp.manifest["task_status"].values()]
    return clock.timing, durations


def bench_backends(scenario, replications: int, repeats: int) -> dict[str, Runs]:
    """Run every configuration ``repeats`` times, side by side in each round."""
    runs = {label: Runs(label) for label, _ in CONFIGS}
    for i in range(repeats):
        for label, kwargs in CONFIGS:
            print(f"  round {i + 1}/{repeats}: {label:<29} ...", end="", flush=True)
            try:
                timing, durations = time_replicate(scenario, replications, **kwargs)
            except Exception as exc:  # report and carry on
                runs[label].errors.append(f"{type(exc).__name__}: {exc}")
                print(f" FAILED ({type(exc).__name__}: {exc})")
                continue
            runs[label].timings.append(timing)
            runs[label].task_s.extend(durations)
            print(
                f" {timing.wall:6.1f} s wall, {replications / timing.wall * 60:5.1f} repl/min;"
                f" CPU {timing.cpu_self:5.1f} s own + {timing.cpu_children:5.1f} s children"
                f" ({_load()})"
            )
    return runs


def report_backends(runs: dict[str, Runs], replications: int, repeats: int) -> str:
    """The table of replications per minute and the ratios against 1 worker."""
    rows = []
    for r in runs.values():
        if not r.timings:
            rows.append((r.label, "FAILED", "", "", "", "", "", "0"))
            continue
        wall = r.median("wall")
        rows.append(
            (
                r.label,
                f"{wall:.1f}",
                f"{replications / wall * 60:.1f}",
                f"{statistics.median(r.task_s):.2f}" if r.task_s else "n/a",
                f"{r.median('cpu_self'):.1f}",
                f"{r.median('cpu_children'):.1f}",
                f"{r.median('cpu') / wall:.2f}",
                str(len(r.timings)),
            )
        )
    out = [
        f"1. Replications per minute ({replications} replications per configuration,"
        f" median wall time of {repeats} round{'s' if repeats > 1 else ''})",
        _table(
            rows,
            (
                "configuration",
                "wall s",
                "repl/min",
                "task s",
                "CPU own s",
                "CPU children s",
                "CPU/wall",
                "runs",
            ),
        ),
        "",
    ]
    ref_label = CONFIGS[0][0]
    ref = runs[ref_label]
    for label, _ in CONFIGS[1:]:
        other = runs[label]
        if not ref.timings or not other.timings:
            out.append(f"Ratio {label} / {ref_label}: n/a (a configuration failed)")
            continue
        per_round = [
            a.wall / b.wall for a, b in zip(ref.timings, other.timings, strict=False)
        ]  # throughput ratio = inverse ratio of wall times
        medians = ref.median("wall") / other.median("wall")
        out.append(
            f"Throughput ratio {label} / {ref_label}: x{medians:.2f} on the medians;"
            f" per round: {', '.join(f'x{x:.2f}' for x in per_round)}"
        )
    out += [
        "",
        "wall s = whole replicate() call (pool or cluster start-up and shutdown, tables"
        " assembled); repl/min = replications / wall s x 60.",
        "task s = median run_task duration (one replication: build, run, tables written) from"
        " the manifests; it grows when workers compete for the cores.",
        "CPU own = this process (1 local worker runs here; the Dask scheduler and nannies run"
        " here too); CPU children = worker processes, counted once they have exited.",
        "CPU/wall near the number of busy processes means they had the cores; well below it,"
        " the machine was busy with other work.",
    ]
    errors = [f"  {r.label}: {e}" for r in runs.values() for e in r.errors]
    if errors:
        out += ["", "Errors", *errors]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- 2. overhead
def time_bare(scenario, seed) -> tuple[Timing, object]:
    """Time ``InsertionModel(scenario, seed).run()`` + ``indicators()``."""
    from sim.model import InsertionModel

    with Clock() as clock:
        model = InsertionModel(scenario, seed=seed)
        model.run()
        indicators = model.indicators()
    return clock.timing, indicators


def _same_values(bare, replicated) -> bool:
    """Whether two indicator tables hold the same values (NaN equal to NaN), by indicator."""
    import numpy as np

    keys = ["indicator", "public"]
    a = bare.sort_values(keys, ignore_index=True)
    b = replicated.sort_values(keys, ignore_index=True)
    return (
        len(a) == len(b)
        and a[keys].equals(b[keys])
        and np.array_equal(a["value"].to_numpy(float), b["value"].to_numpy(float), equal_nan=True)
    )


def bench_overhead(scenario, runs: int) -> tuple[dict[str, Runs], list[bool]]:
    """Bare model and ``replicate(..., replications=1, workers=1)``, alternately.

    In each run the three calls (bare model, ``replicate``, ``replicate`` without the persons
    table) are made in a rotated order, so that none always comes first or last.

    Returns:
        The runs of each call and, per run, whether the bare model and ``replicate`` gave the
        same indicator values.
    """
    from sim.experiments.runner import child_seed, replicate

    result = {
        "bare": Runs("InsertionModel(scenario, seed).run() + indicators()"),
        "replicate": Runs("replicate(scenario, replications=1, workers=1)"),
        "replicate_np": Runs("  same, persons_tables=False (information)"),
    }
    keys = list(result)
    identical = []
    for i in range(runs):
        print(f"  run {i + 1}/{runs}:", end="", flush=True)
        tables = {}
        try:
            for key in keys[i % 3 :] + keys[: i % 3]:
                if key == "bare":
                    # replicate() runs replication 0 with SeedSequence(run.seed).spawn(...)[0];
                    # the model spawns its streams from the object it is given (which advances
                    # it), so a fresh one is needed for every run.
                    timing, tables[key] = time_bare(scenario, child_seed(scenario.run.seed, (0,)))
                else:
                    kwargs = {"persons_tables": False} if key == "replicate_np" else {}
                    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
                        with Clock() as clock:
                            exp = replicate(
                                scenario, replications=1, workers=1, out=Path(tmp) / "run", **kwargs
                            )
                    timing, tables[key] = clock.timing, exp.indicators
                    result[key].task_s.extend(
                        s["duration_s"] for s in exp.manifest["task_status"].values()
                    )
                result[key].timings.append(timing)
                print(f" {key} {timing.wall:.2f} s", end="", flush=True)
            identical.append(_same_values(tables["bare"], tables["replicate"]))
            print(f" ({_load()})")
        except Exception as exc:  # report and carry on
            result["bare"].errors.append(f"{type(exc).__name__}: {exc}")
            print(f" FAILED ({type(exc).__name__}: {exc})")
    return result, identical


def report_overhead(result: dict[str, Runs], identical: list[bool], runs: int) -> str:
    """Both times side by side and the overhead in seconds and percent."""
    bare = result["bare"]
    out = [f"2. Runner overhead over the bare model (median of {runs} runs each, order rotated)"]
    rows = []
    for r in result.values():
        rows.append(
            (
                r.label,
                _fmt(r.median("wall"), ".2f"),
                _fmt(statistics.median(r.task_s), ".2f") if r.task_s else "",
                _fmt(r.median("cpu"), ".2f"),
                str(len(r.timings)),
            )
        )
    out.append(_table(rows, ("call", "wall s", "run_task s", "CPU s", "runs")))
    out.append("")
    b = bare.median("wall")
    for key in ("replicate", "replicate_np"):
        r = result[key].median("wall")
        what = "default, persons table kept" if key == "replicate" else "persons_tables=False"
        out.append(
            f"Overhead of replicate, {what}: {_fmt(r - b, '+.2f', ' s')}"
            f" ({_fmt((r - b) / b * 100, '+.1f', '%')} of the bare model)"
        )
    if identical:
        same = "yes" if all(identical) else "NO"
        out.append(f"Same indicator values in both (same scenario and seed): {same}")
    out += [
        "",
        "bare = InsertionModel(scenario, seed) + run() + indicators(), in memory; the seed is the"
        " child seed replicate() gives replication 0.",
        "replicate = plan + manifest + run_task (run, indicators, monthly, ledger [+ persons]"
        " tables written to parquet) + assembly of the tables (finalize), in this process.",
        "run_task s = the task's own duration from the manifest; wall s - run_task s = planning"
        " and assembly.",
    ]
    errors = [f"  {e}" for r in result.values() for e in r.errors]
    if errors:
        out += ["", "Errors", *errors]
    return "\n".join(out)


# ---------------------------------------------------------------------------------- main
def main() -> None:
    """Parse the command line and run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="5,000 persons x 36 months, 4 replications, 1 round, 3 overhead runs",
    )
    parser.add_argument(
        "--replications", type=int, default=None, help="per configuration (default 6; 4 quick)"
    )
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 3; 1 quick)")
    parser.add_argument(
        "--overhead-runs", type=int, default=None, help="runs of each call (default 5; 3 quick)"
    )
    args = parser.parse_args()
    persons, months = (5_000, 36) if args.quick else (None, None)
    replications = max(1, args.replications or (4 if args.quick else 6))
    repeats = max(1, args.repeats or (1 if args.quick else 3))
    overhead_runs = max(1, args.overhead_runs or (3 if args.quick else 5))

    os.chdir(ROOT)
    wall0, cpu0 = time.perf_counter(), os.times()
    t = time.perf_counter()
    import sim.experiments.runner

    t_sim = time.perf_counter() - t
    t = time.perf_counter()
    import dask.distributed  # noqa: F401 - imported once here, not inside a timed run

    t_dask = time.perf_counter() - t
    scenario = sim.experiments.runner.resolve(ROOT / SCENARIO, persons=persons, months=months)

    print(machine.describe())
    print(
        f"Scenario {SCENARIO}: {scenario.run.persons:,} persons x {scenario.run.months} months,"
        f" seed {scenario.run.seed}; {replications} replications per configuration,"
        f" {repeats} round{'s' if repeats > 1 else ''}, {overhead_runs} overhead runs"
    )
    print(f"Imports (not timed below): sim {t_sim:.1f} s, dask.distributed {t_dask:.1f} s")
    print(f"At start: {_load()}")
    print()
    print("Backends")
    runs = bench_backends(scenario, replications, repeats)
    print("Overhead")
    overhead, identical = bench_overhead(scenario, overhead_runs)
    print()
    print(report_backends(runs, replications, repeats))
    print()
    print(report_overhead(overhead, identical, overhead_runs))
    c1 = os.times()
    own = (c1.user - cpu0.user) + (c1.system - cpu0.system)
    children = (c1.children_user - cpu0.children_user) + (c1.children_system - cpu0.children_system)
    wall = time.perf_counter() - wall0
    print()
    print(
        f"Whole benchmark: {wall:.1f} s wall; process CPU time {own:.1f} s own +"
        f" {children:.1f} s children = {own + children:.1f} s"
        f" ({(own + children) / wall:.2f} CPUs busy on average of {os.cpu_count()});"
        f" at end: {_load()}"
    )


if __name__ == "__main__":
    main()
