"""Where the time goes: wall time of each phase of the monthly step, and of the build.

Runs one model of ``scenarios/baseline.yaml`` (default 100,000 persons x 60 months, with the
scenario's burn-in, person views on) with a timer around each function ``InsertionModel.step``
calls, and prints a table (markdown): seconds over the run, milliseconds per simulated month and
share of the run. Cross-cutting rows (random draws, occupancy counts, allocations) are time spent
inside the phases, also counted in them. Each row gives wall seconds and CPU seconds (of the
thread): on a busy machine wall times include waiting for a core, CPU times do not. Functions a
version of the model does not have are left out, so the same command profiles another checkout:

    .venv/bin/python benchmarks/phases.py                      # make profile
    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/phases.py   # another checkout

Options: ``--persons``, ``--months``, ``--burn-in`` (default: the scenario's), ``--views 0|1``.
Times are wall times in one process: on a busy machine they are pessimistic (the CPU time of the
run is printed for comparison).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import time
from collections import defaultdict
from pathlib import Path

import machine

TIMES: dict[str, float] = defaultdict(float)  # wall seconds
CPU: dict[str, float] = defaultdict(float)  # CPU seconds of this thread
CALLS: dict[str, int] = defaultdict(int)

# (label, module, attribute): every function ``InsertionModel.step`` calls, in its order; the
# numbers are the step's phases (sim/model.py). Some run only in some runs (the events table, a
# trial, the invariants' check) or some months (month 0, the burn-in): a row without calls is
# left out of the table.
PHASES = [
    ("0. month's draw keys", "sim.rng", "Streams.start_month"),
    ("0. rows of the arrived", "sim.population", "Population.activate"),
    ("0. start of the observation", "sim.model", "start_observation"),
    ("0. events table: start", "sim.events", "EventLog.start"),
    ("1. arrivals", "sim.submodels.demography", "arrivals"),
    ("1. trial enrolment", "sim.submodels.trial", "Trial.enrol"),
    ("1. targeting refresh", "sim.submodels.eligibility", "Targeting.refresh"),
    ("1. initial shelter", "sim.submodels.housing", "initial_shelter"),
    ("1. departures", "sim.submodels.demography", "departures"),
    ("2. programme ends", "sim.submodels.contracts", "programmes"),
    ("2. end of support", "sim.submodels.orientation", "end_of_support"),
    ("2. orientation", "sim.submodels.orientation", "orient"),
    ("2. referents", "sim.submodels.orientation", "assign_referents"),
    ("2. intensive support measure", "sim.submodels.measure", "update"),
    ("3. referents' logic", "sim.pathways", "decide"),
    ("4. SIAE services during contracts", "sim.submodels.iae", "services_during_contract"),
    ("4. services", "sim.submodels.obstacles", "services"),
    ("4. training", "sim.submodels.obstacles", "training"),
    ("4. obstacle changes", "sim.submodels.obstacles", "obstacle_changes"),
    ("5. low threshold", "sim.submodels.matching", "low_threshold"),
    ("5. SIAE hiring", "sim.submodels.matching", "siae_hiring"),
    ("5. mediation", "sim.submodels.mediation", "assign"),
    ("5. employer hiring", "sim.submodels.matching", "employer_hiring"),
    ("5. immersions", "sim.submodels.matching", "immersions"),
    ("6. breaks and ends", "sim.submodels.contracts", "breaks_and_ends"),
    ("7. benefits", "sim.submodels.benefits", "update"),
    ("8. duties", "sim.submodels.duties", "update"),
    ("9. housing", "sim.submodels.housing", "admissions_and_exits"),
    ("10. counting months", "sim.outcomes", "Recorder.count_months"),
    ("10. funding", "sim.submodels.funding", "Ledger.close_month"),
    ("11. recording", "sim.outcomes", "Recorder.record"),
    ("11. events table", "sim.events", "EventLog.record"),
    ("11. trial table", "sim.submodels.trial", "Trial.record"),
    ("10. funding: burn-in month discarded", "sim.submodels.funding", "Ledger.discard_month"),
    ("11. invariants", "sim.model", "check_invariants"),
    ("11. end of the month's draws", "sim.rng", "Streams.close_month"),
]
# Time spent inside the phases by helpers that several phases call.
INSIDE = {
    # keyed uniforms (sim.rng.uniforms: by Streams.uniform, chance and draws) and generators
    "random draws": [("sim.rng", "uniforms"), ("sim.rng", "Streams.generator")],
    "occupancy counts": [("sim.submodels.capacity", "occupancy")],
    "allocations (sort and rank)": [("sim.submodels.capacity", "allocate")],
}
BUILD = [
    ("population", "sim.model", "create_population"),
    ("institutions", "sim.model", "InsertionModel._build_institutions"),
]


def _timed(label: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - t0
            CPU[label] += time.thread_time() - c0
            CALLS[label] += 1

    return wrapper


def _patch(label: str, module: str, attribute: str) -> bool:
    """Wrap ``module.attribute`` (``Class.method`` allowed) and every import of it by name."""
    mod = importlib.import_module(module)
    owner, name = mod, attribute
    if "." in attribute:
        cls, name = attribute.split(".")
        owner = getattr(mod, cls, None)
    if owner is None or not hasattr(owner, name):
        return False
    original = getattr(owner, name)
    wrapped = _timed(label, original)
    setattr(owner, name, wrapped)
    if owner is mod:  # modules that imported the function by name
        import sys

        for other in list(sys.modules.values()):
            if getattr(other, "__name__", "").startswith("sim") and other is not mod:
                if getattr(other, name, None) is original:
                    setattr(other, name, wrapped)
    return True


def main() -> None:
    """Profile one run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--burn-in", type=int, default=None)
    parser.add_argument("--views", type=int, default=1)
    args = parser.parse_args()

    import sim
    import sim.model  # noqa: F401  (imports every submodule the step calls)
    from sim.scenario import RunSettings, load_scenario

    for label, items in INSIDE.items():
        for module, attribute in items:
            _patch(label, module, attribute)
    phases = [(label, m, a) for label, m, a in PHASES if _patch(label, m, a)]
    build = [(label, m, a) for label, m, a in BUILD if _patch(label, m, a)]
    from sim.model import InsertionModel

    root = Path(sim.__file__).resolve().parent.parent
    overrides = {
        "run.persons": args.persons,
        "run.months": args.months,
        "run.person_views": bool(args.views),
    }
    if args.burn_in is not None and "burn_in" in RunSettings.model_fields:
        overrides["run.burn_in"] = args.burn_in
    scenario = load_scenario(root / "scenarios" / "baseline.yaml", overrides)
    t0 = time.perf_counter()
    model = InsertionModel(scenario)
    t1 = time.perf_counter()
    build_times = {label: TIMES[label] for label, _, _ in build}
    TIMES.clear()
    CPU.clear()
    CALLS.clear()
    c1 = time.thread_time()
    model.run()
    t2, c2 = time.perf_counter(), time.thread_time()
    simulated = args.months + getattr(model, "burn_in", 0)
    run_s = t2 - t1
    print(
        f"{machine.describe()}; {machine.load()}\n{root}: {args.persons:,} persons x "
        f"{simulated} simulated months ({getattr(model, 'burn_in', 0)} of burn-in), views "
        f"{'on' if args.views else 'off'}: build {t1 - t0:.2f} s, run {run_s:.2f} s "
        f"(CPU {c2 - c1:.2f} s; on a busy machine the CPU times are the better guide)\n"
    )
    cpu_s = c2 - c1
    print("| phase | wall s | CPU s | CPU ms per month | share of run's CPU |")
    print("|---|---:|---:|---:|---:|")
    accounted, accounted_cpu = 0.0, 0.0
    for label, _, _ in phases:
        if CALLS[label]:
            s, c = TIMES[label], CPU[label]
            accounted, accounted_cpu = accounted + s, accounted_cpu + c
            print(f"| {label} | {s:.2f} | {c:.2f} | {1000 * c / simulated:.1f} | {c / cpu_s:.0%} |")
    other, other_cpu = run_s - accounted, cpu_s - accounted_cpu
    print(f"| other (step's own code) | {other:.2f} | {other_cpu:.2f} | "
          f"{1000 * other_cpu / simulated:.1f} | {other_cpu / cpu_s:.0%} |")  # fmt: skip
    print(f"| **run** | **{run_s:.2f}** | **{cpu_s:.2f}** | **{1000 * cpu_s / simulated:.1f}**"
          " | 100% |")  # fmt: skip
    for label in INSIDE:
        if CALLS[label]:
            s, c = TIMES[label], CPU[label]
            print(
                f"| of which {label} ({CALLS[label]:,} calls) | {s:.2f} | {c:.2f} | "
                f"{1000 * c / simulated:.1f} | {c / cpu_s:.0%} |"
            )
    print(f"| **build** | **{t1 - t0:.2f}** | | | |")
    for label, s in build_times.items():
        print(f"| of which {label} | {s:.2f} | | | |")
    rest = t1 - t0 - sum(build_times.values())
    print(f"| of which the rest (person views, ledger, recorder) | {rest:.2f} | | | |")


if __name__ == "__main__":
    main()
