"""Benchmarks of InsertionModel against the performance targets of the scale issue.

Measurements (each run in a fresh subprocess, so that peak memory is that run's own):

1. 100,000 persons x 60 months, person views on: wall time of model build + run (median of
   ``--repeats`` runs) and peak resident memory. Targets: <= 15 s and <= 1.5 GB.
2. Throughput in person-months per second at 10,000 and 100,000 persons (views on) and
   1,000,000 persons (views off), 60 months each.
3. 1,000,000 persons x 120 months, person views off: wall time and peak resident memory.
   Targets: <= 5 minutes and <= 6 GB.

"Build + run" is ``load_scenario`` + ``InsertionModel(scenario)`` + ``model.run()``; the import
of ``sim`` is timed apart. Peak memory is the child's ``VmHWM`` (``/proc/self/status``) read
right after ``run()``, i.e. the whole process, interpreter and imports included. After that the
child also builds the outputs (``indicators()``, ``persons_frame()``, ``recorder.frame()``,
``ledger.frame()``); their time and the peak memory including them are printed for information.

Person-months are ``run.persons x run.months`` (the initial stock times the months simulated);
the table also gives the person-months actually present in the territory (arrivals included,
persons not yet arrived or gone excluded), read from the monthly record.

The script prints figures and whether each target is met; it never fails on a missed target.

Usage::

    .venv/bin/python benchmarks/bench_model.py             # everything (several minutes)
    .venv/bin/python benchmarks/bench_model.py --quick     # 10k and 100k only, one run each
    .venv/bin/python benchmarks/bench_model.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/baseline.yaml"
GB = machine.GB
MB = 1024**2


# ---------------------------------------------------------------------------------- the child
def _peak_rss_bytes() -> int:
    """Peak resident set size of this process, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def child(persons: int, months: int, views: bool, outputs: bool) -> dict:
    """Build and run one model in this process and return its measurements.

    Args:
        persons: ``run.persons``.
        months: ``run.months``.
        views: ``run.person_views``.
        outputs: also build the output frames and time them.

    Returns:
        Timings in seconds, peak memory in bytes and sizes of the run.
    """
    t_import = time.perf_counter()
    from sim.model import InsertionModel
    from sim.scenario import load_scenario

    t0 = time.perf_counter()
    c0 = time.process_time()
    # Without burn-in, as these targets were set (bench_speed.py measures with it).
    scenario = load_scenario(
        ROOT / SCENARIO,
        {"run.persons": persons, "run.months": months, "run.burn_in": 0, "run.person_views": views},
    )
    model = InsertionModel(scenario)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    c2 = time.process_time()
    result = {
        "persons": persons,
        "months": months,
        "views": views,
        "rows": int(model.pop.n),
        "import_s": t0 - t_import,
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": c2 - c0,
        "peak_rss": _peak_rss_bytes(),
    }
    if outputs:
        t3 = time.perf_counter()
        model.indicators()
        model.persons_frame()
        monthly = model.recorder.frame()
        model.ledger.frame()
        result["outputs_s"] = time.perf_counter() - t3
        result["peak_rss_outputs"] = _peak_rss_bytes()
        n_cols = [c for c in monthly.columns if c.startswith("n_")]
        absent = monthly["n_not_arrived"] + monthly["n_left"]
        result["present_person_months"] = int((monthly[n_cols].sum(axis=1) - absent).sum())
    return result


# ---------------------------------------------------------------------------------- the parent
@dataclass
class Measure:
    """The runs of one configuration (persons x months, views on or off)."""

    persons: int
    months: int
    views: bool
    runs: list[dict]
    error: str = ""

    def median(self, key: str) -> float:
        """Median of ``key`` over the runs that report it (NaN if none do)."""
        values = [r[key] for r in self.runs if key in r]
        return statistics.median(values) if values else float("nan")

    def max(self, key: str) -> float:
        """Maximum of ``key`` over the runs that report it (NaN if none do)."""
        values = [r[key] for r in self.runs if key in r]
        return max(values) if values else float("nan")

    @property
    def label(self) -> str:
        """E.g. ``100k x 60 mo, views on``."""
        return f"{_count(self.persons)} x {self.months} mo, views {'on' if self.views else 'off'}"

    def throughput(self) -> float:
        """Nominal person-months per second of build + run (median time)."""
        return self.persons * self.months / self.median("total_s")


def _count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def measure(
    persons: int, months: int, views: bool, repeats: int, outputs: bool, timeout: float | None
) -> Measure:
    """Run one configuration ``repeats`` times, each in a fresh subprocess."""
    m = Measure(persons, months, views, [])
    for i in range(repeats):
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            str(persons),
            str(months),
            "1" if views else "0",
        ]
        if not outputs:
            cmd.append("--no-outputs")
        print(f"  running {m.label} ({i + 1}/{repeats}) ...", end="", flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            m.error = f"timed out after {timeout:.0f} s"
            print(f" {m.error}")
            break
        wall = time.perf_counter() - t0
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            m.error = f"exit code {proc.returncode}: {tail}"
            print(f" FAILED ({m.error})")
            break
        run = json.loads(lines[-1])
        run["process_s"] = wall
        m.runs.append(run)
        print(
            f" build+run {run['total_s']:.2f} s, peak {run['peak_rss'] / MB:,.0f} MB"
            f" (process {wall:.1f} s)"
        )
    return m


def _verdict(value: float, target: float) -> str:
    if value != value:  # NaN: no successful run
        return "n/a"
    return "MET" if value <= target else "NOT MET"


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*r) for r in rows)])


def _seconds(s: float) -> str:
    if s != s:
        return "n/a"
    return f"{s:.1f} s" if s < 120 else f"{s:.1f} s ({s / 60:.1f} min)"


def _gb(b: float) -> str:
    return "n/a" if b != b else f"{b / GB:.2f} GB"


def report(measures: dict[str, Measure], repeats: int, large_repeats: int) -> str:
    """The tables of targets, throughput and details."""
    out = []
    targets = []
    a = measures.get("100k60")
    if a is not None:
        n = len(a.runs)
        targets += [
            (
                "1. 100k x 60 mo, views on: build+run",
                f"{_seconds(a.median('total_s'))} (median of {n})",
                "<= 15 s",
                _verdict(a.median("total_s"), 15),
            ),
            (
                "1. 100k x 60 mo, views on: peak RSS",
                f"{_gb(a.max('peak_rss'))} (max of {n})",
                "<= 1.5 GB",
                _verdict(a.max("peak_rss") / GB, 1.5),
            ),
        ]
    c = measures.get("1M120")
    if c is not None:
        n = len(c.runs)
        how = f"(median of {n})" if n > 1 else f"({n} run)"
        targets += [
            (
                "3. 1M x 120 mo, views off: build+run",
                f"{_seconds(c.median('total_s'))} {how}",
                "<= 300 s (5 min)",
                _verdict(c.median("total_s"), 300),
            ),
            (
                "3. 1M x 120 mo, views off: peak RSS",
                f"{_gb(c.max('peak_rss'))} {how}",
                "<= 6 GB",
                _verdict(c.max("peak_rss") / GB, 6),
            ),
        ]
    if targets:
        out.append("Targets")
        out.append(_table(targets, ("measurement", "figure", "target", "status")))
        out.append("")

    rows = []
    for key in ("10k60", "100k60", "1M60"):
        m = measures.get(key)
        if m is None:
            continue
        if not m.runs:
            rows.append((m.label, "FAILED", "", "", m.error))
            continue
        present = m.median("present_person_months")
        rows.append(
            (
                m.label,
                f"{m.throughput():,.0f}",
                f"{m.persons * m.months / m.median('run_s'):,.0f}",
                "n/a" if present != present else f"{present / m.median('total_s'):,.0f}",
                f"median of {len(m.runs)}",
            )
        )
    if rows:
        out.append("2. Throughput, person-months per second (persons x months / time)")
        out.append(
            _table(
                rows,
                ("configuration", "build+run", "run only", "present pm, build+run", "runs"),
            )
        )
        out.append("")

    detail = []
    for m in measures.values():
        if not m.runs:
            detail.append((m.label, "FAILED: " + m.error, *[""] * 8))
            continue
        detail.append(
            (
                m.label,
                f"{m.median('rows'):,.0f}",
                f"{m.median('import_s'):.2f}",
                f"{m.median('build_s'):.2f}",
                f"{m.median('run_s'):.2f}",
                f"{m.median('total_s'):.2f}",
                f"{m.median('cpu_s'):.2f}",
                f"{m.max('peak_rss') / MB:,.0f}",
                "n/a" if "outputs_s" not in m.runs[0] else f"{m.median('outputs_s'):.2f}",
                "n/a"
                if "peak_rss_outputs" not in m.runs[0]
                else f"{m.max('peak_rss_outputs') / MB:,.0f}",
            )
        )
    out.append("Details (medians of times, max of peaks; times in s, memory in MB)")
    out.append(
        _table(
            detail,
            (
                "configuration",
                "rows",
                "import",
                "build",
                "run",
                "build+run",
                "cpu",
                "peak RSS",
                "outputs",
                "peak w/ outputs",
            ),
        )
    )
    if errors := [f"{m.label}: {m.error}" for m in measures.values() if m.error]:
        out.append("")
        out.append("Errors")
        out.extend(f"  {e}" for e in errors)
    out.append("")
    out.append(
        "rows = population rows (initial stock + scheduled arrivals). Peak RSS is the child's"
        " VmHWM after run()."
    )
    out.append(
        "cpu = CPU time of build + run; well below build+run means the machine was busy"
        " (figures are then pessimistic)."
    )
    out.append(
        f"Repeats: {repeats} for 10k and 100k, {large_repeats} for 1M runs; each run in a fresh"
        " subprocess."
    )
    return "\n".join(out)


def main() -> None:
    """Parse the command line and run the benchmarks (or one child measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--child",
        nargs=3,
        metavar=("PERSONS", "MONTHS", "VIEWS"),
        help="internal: run one model in this process and print a JSON line",
    )
    parser.add_argument("--no-outputs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--quick", action="store_true", help="only the 10k and 100k runs, one run each"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per 10k/100k configuration (default 3)"
    )
    parser.add_argument(
        "--large-repeats", type=int, default=1, help="runs per 1M configuration (default 1)"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds before a run is abandoned"
    )
    args = parser.parse_args()

    if args.child:
        persons, months, views = (int(x) for x in args.child)
        result = child(persons, months, bool(views), outputs=not args.no_outputs)
        print(json.dumps(result), flush=True)
        return

    repeats = 1 if args.quick else max(1, args.repeats)
    large_repeats = max(1, args.large_repeats)
    print(f"{machine.describe()}; scenario {SCENARIO}")
    plan = [
        ("10k60", 10_000, 60, True, repeats),
        ("100k60", 100_000, 60, True, repeats),
    ]
    if not args.quick:
        plan += [
            ("1M60", 1_000_000, 60, False, large_repeats),
            ("1M120", 1_000_000, 120, False, large_repeats),
        ]
    measures = {}
    for key, persons, months, views, n in plan:
        measures[key] = measure(persons, months, views, n, outputs=True, timeout=args.timeout)
    print()
    print(report(measures, repeats, large_repeats))


if __name__ == "__main__":
    main()
