"""Running scenarios: single runs, replications, comparisons, sweeps, on local processes or Dask.

Everything the command line does is a function here, with the same arguments:

>>> from sim.experiments.runner import run_scenario, replicate, compare, sweep, resume
>>> one = run_scenario("scenarios/baseline.yaml", persons=2000, months=24)   # in memory
>>> exp = replicate("scenarios/baseline.yaml", replications=10, workers=2)  # writes results/
>>> cmp = compare(["scenarios/baseline.yaml", "scenarios/more_phc.yaml"], replications=10)
>>> swp = sweep("scenarios/baseline.yaml", sets=["policy.practice_override=0,0.5,1"])

An experiment is a set of tasks (scenario x sweep point x replication). Replication ``r`` of every
scenario and point runs with the child seed ``numpy.random.SeedSequence(seed).spawn(N)[r]``, so
scenarios compared and points swept share common random numbers (with ``common_seeds=False``
each scenario gets its own independent seeds instead, to measure what common seeds gain). A
task's result depends only on its scenario and its seed: results are bit-identical whatever the
backend and the number of workers.

Backends: local worker processes (``workers``, default: the number of cores; one worker runs in
this process), an existing Dask cluster (``scheduler="tcp://host:8786"``; its workers need
Parcours installed and the run directory on a shared file system), or a local Dask cluster
started for the run (``backend="dask"`` without a scheduler).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed as futures_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.budget import apply_budgets
from sim.experiments import store
from sim.experiments.allocation import (
    allocation_table,
    best_allocation,
    check_programmes,
    lower_is_better,
    plot_frontier,
    point_for,
    simplex_grid,
    softmax_shares,
    unit_costs,
)
from sim.experiments.summaries import paired_differences, summarise
from sim.experiments.sweeps import grid, latin_hypercube, parse_range, parse_set, validate_points
from sim.model import InsertionModel
from sim.parameters import funding_values
from sim.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
)

BACKENDS = ("local", "dask")


# ----------------------------------------------------------------------------- single runs
@dataclass
class RunResult:
    """One run in memory: the model after the run and its indicators."""

    model: InsertionModel
    indicators: pd.DataFrame

    def value(self, indicator: str, public: str = "all") -> float:
        """One indicator's value, for everyone or one public."""
        ind = self.indicators
        sel = ind[(ind["indicator"] == indicator) & (ind["public"] == public)]
        if sel.empty:
            raise KeyError(f"no indicator {indicator!r} for public {public!r}")
        return float(sel["value"].iloc[0])


def resolve(
    scenario: str | Path | Scenario,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
) -> Scenario:
    """Load and validate a scenario with the command-line overrides applied."""
    extra = dict(overrides or {})
    for key, value in (("run.seed", seed), ("run.persons", persons), ("run.months", months)):
        if value is not None:
            extra[key] = value
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, extra)
    if not extra:
        return scenario
    data = scenario.model_dump()
    apply_overrides(data, extra, "<scenario>")
    return scenario_from_dict(data, "<scenario>")


def run_scenario(
    scenario: str | Path | Scenario,
    seed: int | np.random.SeedSequence | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    progress=None,
) -> RunResult:
    """Run one scenario in memory (nothing written) and return the model and its indicators.

    Args:
        scenario: a YAML path or a validated :class:`Scenario`.
        seed: overrides ``run.seed`` (an int), or a ``SeedSequence`` to run with.
        persons: overrides ``run.persons`` (capacities scale with it).
        months: overrides ``run.months``.
        overrides: other values to set, by dotted path (``{"policy.housing_first": True}``).
        progress: called after each month.
    """
    as_int = seed if isinstance(seed, int) else None
    scn = resolve(scenario, as_int, persons, months, overrides)
    model = InsertionModel(scn, seed=seed if isinstance(seed, np.random.SeedSequence) else None)
    model.run(progress=progress)
    return RunResult(model=model, indicators=model.indicators())


# ----------------------------------------------------------------------------- tasks
def child_seed(entropy: int, spawn_key: tuple[int, ...]) -> np.random.SeedSequence:
    """The child seed ``SeedSequence(entropy).spawn(...)`` gives at ``spawn_key``."""
    return np.random.SeedSequence(entropy=entropy, spawn_key=tuple(spawn_key))


def run_task(task: dict[str, Any], progress=None) -> dict[str, Any]:
    """Run one task and write its tables into its directory (atomically); return its timing.

    A task is a plain mapping (it travels to worker processes and Dask workers): ``id``,
    ``out`` (the run directory), ``scenario`` (resolved, as data), ``entropy`` and ``spawn_key``
    (its seed), ``persons_table`` (whether to keep the persons table).
    """
    out = Path(task["out"])
    if store.task_done(out, task["id"]):
        return {"id": task["id"], "duration_s": 0.0, "skipped": True}
    start = time.perf_counter()
    scn = scenario_from_dict(task["scenario"], task["id"])
    model = InsertionModel(scn, seed=child_seed(task["entropy"], task["spawn_key"]))
    model.run(progress=progress)
    tables = {
        "indicators": model.indicators(),
        "monthly": model.recorder.frame(),
        "ledger": model.ledger.frame(),
        "cohort": model.cohort_frame(),
    }
    if task["persons_table"]:
        tables["persons"] = model.persons_frame()
    store.write_task(out, task["id"], tables)
    return {"id": task["id"], "duration_s": time.perf_counter() - start, "skipped": False}


# ----------------------------------------------------------------------------- experiments
@dataclass
class Experiment:
    """A finished experiment: where it is and its assembled tables."""

    out: Path
    manifest: dict
    indicators: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame | None = None

    def mean(self, indicator: str, public: str = "all", scenario: str | None = None) -> float:
        """Mean over replications of one indicator (first scenario and point by default)."""
        s = self.summary
        scenario = scenario or next(iter(self.manifest["scenarios"]))
        sel = s[(s.indicator == indicator) & (s.public == public) & (s.scenario == scenario)]
        return float(sel["mean"].iloc[0])


def _scenario_keys(scenarios: list[Scenario]) -> list[str]:
    keys: list[str] = []
    for scn in scenarios:
        key, i = scn.name, 2
        while key in keys:
            key, i = f"{scn.name}_{i}", i + 1
        keys.append(key)
    return keys


def _plan(
    kind: str,
    scenarios: list[Scenario],
    points: list[dict],
    replications: int,
    seed: int,
    common_seeds: bool,
    persons_tables: bool,
    out: Path,
) -> dict:
    """The manifest of a new experiment: its scenarios, points and every task."""
    if replications < 1:
        raise ScenarioError("--replications", "replications", "must be at least 1")
    keys = _scenario_keys(scenarios)
    tasks = []
    for s_index, key in enumerate(keys):
        for p_index in range(len(points)):
            for rep in range(replications):
                spawn_key = [rep] if common_seeds else [s_index, rep]
                tasks.append(
                    {
                        "id": f"{key}-p{p_index:03d}-r{rep:03d}",
                        "scenario_key": key,
                        "point": p_index,
                        "replication": rep,
                        "entropy": seed,
                        "spawn_key": spawn_key,
                        "persons_table": persons_tables,
                    }
                )
    return {
        "kind": kind,
        "status": "running",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "replications": replications,
        "common_seeds": common_seeds,
        "scenarios": {k: scenario_to_dict(s) for k, s in zip(keys, scenarios, strict=True)},
        "points": [{"index": i, "values": p} for i, p in enumerate(points)],
        "persons_tables": persons_tables,
        "versions": store.versions(),
        "git_commit": store.git_commit(),
        "command": " ".join(sys.argv),
        "out": str(out),
        "tasks": tasks,
        "task_status": {},
        "timings": {},
    }


def task_scenario(manifest: dict, task: dict) -> dict:
    """The resolved scenario of a task: its scenario with its sweep point's values set."""
    import copy

    data = copy.deepcopy(manifest["scenarios"][task["scenario_key"]])
    point = manifest["points"][task["point"]]["values"]
    if point:
        apply_overrides(data, point, task["scenario_key"])
    return data


def local_pool(workers: int):
    """A pool of ``workers`` local processes (started with "spawn"), to reuse across calls."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def backend_session(
    workers: int, backend: str = "local", scheduler: str | None = None, pool=None
) -> Iterator[Callable[[Callable, list[dict]], Iterator]]:
    """One backend kept open across batches: yields ``run(fn, tasks)``, an iterator of results.

    ``run`` applies ``fn`` to each task (a mapping with a unique ``id``) and yields the results
    as they complete: in this process (one worker), on local processes (or a given ``pool``),
    or on Dask (``backend="dask"`` starts a local cluster; ``scheduler`` joins an existing one).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    if pool is None and (backend == "dask" or scheduler):
        with _dask_client(workers, scheduler) as client:
            from dask.distributed import as_completed

            def run_dask(fn, tasks):
                keys = [f"parcours-{t['id']}-{uuid.uuid4().hex[:8]}" for t in tasks]
                for future in as_completed(client.map(fn, tasks, pure=False, key=keys)):
                    yield future.result()

            yield run_dask
        return
    if pool is None and workers <= 1:
        yield lambda fn, tasks: (fn(t) for t in tasks)
        return
    own = pool is None
    pool = local_pool(workers) if own else pool

    def run_local(fn, tasks):
        futures = [pool.submit(fn, t) for t in tasks]
        try:
            for future in futures_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    try:
        yield run_local
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


@contextmanager
def _dask_client(workers: int, scheduler: str | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(
            n_workers=max(workers, 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _executor(tasks: list[dict], workers: int, backend: str, scheduler: str | None, pool=None):
    """Yield each task's result as it completes, on the chosen backend (or a given ``pool``)."""
    with backend_session(workers, backend, scheduler, pool) as run:
        yield from run(run_task, tasks)


def execute(
    out: str | Path,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    assemble: bool = True,
    pool=None,
) -> Experiment | None:
    """Run every task of the run directory ``out`` that is not done yet, then assemble tables.

    ``pool`` (a ``concurrent.futures`` executor) runs the tasks instead of a new backend.
    """
    out = Path(out)
    manifest = store.read_manifest(out)
    tasks = [
        {**t, "out": str(out), "scenario": task_scenario(manifest, t)}
        for t in manifest["tasks"]
        if not store.task_done(out, t["id"])
    ]
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=len(manifest["tasks"]),
            initial=len(manifest["tasks"]) - len(tasks),
            unit="task",
            file=sys.stdout,
        )
    single = len(tasks) == 1 and workers <= 1 and backend == "local" and not scheduler
    try:
        if single and progress:
            bar.reset(total=tasks[0]["scenario"]["run"]["months"])
            bar.unit = "month"
            done = iter([run_task(tasks[0], progress=bar.update)])
        else:
            done = _executor(tasks, min(workers, max(len(tasks), 1)), backend, scheduler, pool)
        for result in done:
            manifest["task_status"][result["id"]] = {
                "status": "done",
                "duration_s": round(result["duration_s"], 3),
            }
            store.write_manifest(out, manifest)
            if bar is not None and not single:
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    manifest["timings"]["tasks_s"] = manifest["timings"].get("tasks_s", 0) + (
        time.perf_counter() - started
    )
    manifest["backend"] = {
        "backend": "dask" if scheduler else backend,
        "workers": workers,
        "scheduler": scheduler,
    }
    store.write_manifest(out, manifest)
    return finalize(out, manifest) if assemble else None


def finalize(out: Path, manifest: dict) -> Experiment:
    """Assemble the tables of a run whose tasks are all done; mark it complete."""
    missing = [t["id"] for t in manifest["tasks"] if not store.task_done(out, t["id"])]
    if missing:
        raise RuntimeError(f"{len(missing)} tasks are not done yet, e.g. {missing[0]}")
    tasks = manifest["tasks"]
    for task in tasks:  # done on disk before a kill could record it: its timing is unknown
        manifest["task_status"].setdefault(task["id"], {"status": "done", "duration_s": None})
    indicators = store.read_tasks(out, tasks, "indicators")
    summary = summarise(indicators)
    ledger = store.read_tasks(out, tasks, "ledger")
    keys = ["scenario", "point", "replication", "programme", "funder"]
    tables = {
        "indicators": indicators,
        "summary": summary,
        "monthly": store.read_tasks(out, tasks, "monthly"),
        "ledger": ledger,
        "costs": ledger.groupby(keys, as_index=False)["amount"].sum() if len(ledger) else ledger,
    }
    differences = None
    if manifest["kind"] == "compare":
        differences = paired_differences(indicators, next(iter(manifest["scenarios"])))
        tables["differences"] = differences
    if manifest["kind"] in ("sweep", "sensitivity"):
        tables["points"] = pd.DataFrame(
            [
                {"point": p["index"], **{k: str(v) for k, v in p["values"].items()}}
                for p in manifest["points"]
            ]
        )
    if manifest["kind"] == "allocate":
        tables["allocations"] = _allocation_outputs(out, manifest, indicators, summary)
    tables["cohort"] = store.read_tasks(out, tasks, "cohort")
    if manifest["persons_tables"]:
        tables["persons"] = store.read_tasks(out, tasks, "persons")
    store.write_tables(out, tables)
    if manifest["kind"] == "sensitivity":  # the analysis (also when parcours resume finishes)
        from sim.experiments.sensitivity_report import write_outputs

        write_outputs(out, manifest, indicators)
    manifest["status"] = "complete"
    store.write_manifest(out, manifest)
    return Experiment(out, manifest, indicators, summary, differences)


def check_scenario(scenario: Scenario, file: str = "<scenario>") -> list[dict]:
    """Check a scenario's funding parameters and budgets before anything runs; the budget report."""
    _, report = apply_budgets(scenario, funding_values(scenario, file), file)
    return report


def _auto_out(label: str, seed: int) -> Path:
    return store.RESULTS_DIR / store.new_run_id(label, seed)


def _start(
    kind: str,
    scenarios: list[Scenario],
    points: list[dict],
    replications: int,
    out: str | Path | None,
    label: str,
    common_seeds: bool = True,
    persons_tables: bool | None = None,
    extra: dict | None = None,
    execute_now: bool = True,
    **run,
) -> Experiment | Path:
    seed = scenarios[0].run.seed
    out_dir = _auto_out(label, seed) if out in (None, "auto") else Path(out)
    store.check_free(out_dir)
    for scn in scenarios:
        for point in points:
            data = scenario_to_dict(scn) if point else None
            if data is not None:
                apply_overrides(data, point, scn.name)
            check_scenario(scenario_from_dict(data, scn.name) if data else scn, scn.name)
    n_tasks = len(scenarios) * len(points) * replications
    keep = n_tasks == 1 if persons_tables is None else persons_tables
    manifest = _plan(kind, scenarios, points, replications, seed, common_seeds, keep, out_dir)
    manifest.update(extra or {})
    store.create_run_dir(out_dir, manifest)
    return execute(out_dir, **run) if execute_now else out_dir


def replicate(
    scenario: str | Path | Scenario,
    replications: int = 1,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    persons_tables: bool | None = None,
    progress: bool = False,
) -> Experiment:
    """Run ``replications`` replications of one scenario (``parcours run``)."""
    scn = resolve(scenario, seed, persons, months, overrides)
    return _start(
        "run",
        [scn],
        [{}],
        replications,
        out,
        scn.name,
        persons_tables=persons_tables,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
    )


def compare(
    scenarios: list[str | Path | Scenario],
    replications: int = 10,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    common_seeds: bool = True,
    progress: bool = False,
) -> Experiment:
    """Run every scenario on the same seeds; paired differences against the first."""
    if len(scenarios) < 2:
        raise ScenarioError("compare", "scenarios", "give at least two scenarios to compare")
    resolved = [resolve(s, seed, persons, months) for s in scenarios]
    if seed is None:
        seed = resolved[0].run.seed
        resolved = [resolve(s, seed) for s in resolved]
    label = "-vs-".join(s.name for s in resolved)
    return _start(
        "compare",
        resolved,
        [{}],
        replications,
        out,
        label,
        common_seeds,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
    )


def sweep(
    scenario: str | Path | Scenario,
    sets: list[str] | None = None,
    lhs: int | None = None,
    ranges: list[str] | None = None,
    replications: int = 1,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
) -> Experiment:
    """Run a grid (``sets``: ``PATH=V1,V2``) or a Latin hypercube (``lhs`` points, ``ranges``).

    Every point is validated before anything runs: an unknown path or an invalid value raises
    :class:`ScenarioError` naming the path.
    """
    scn = resolve(scenario, seed, persons, months)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    if lhs:
        if not ranges:
            raise ScenarioError(file, "--range", "a Latin hypercube needs at least one --range")
        points = latin_hypercube([parse_range(r) for r in ranges], lhs, scn.run.seed, scn)
        if sets:
            points = [{**g, **p} for g in grid([parse_set(s) for s in sets]) for p in points]
    elif sets:
        points = grid([parse_set(s) for s in sets])
    else:
        raise ScenarioError(file, "--set", "a sweep needs --set PATH=V1,V2 or --lhs N --range")
    validate_points(scn, points, file)
    return _start(
        "sweep",
        [scn],
        points,
        replications,
        out,
        f"{scn.name}-sweep",
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
    )


def resume(
    out: str | Path,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
) -> Experiment:
    """Complete an interrupted run: run only its missing tasks, then assemble its tables."""
    return execute(out, workers=workers, backend=backend, scheduler=scheduler, progress=progress)


# ----------------------------------------------------------------------------- allocation
def _allocation_outputs(out: Path, manifest: dict, indicators, summary) -> pd.DataFrame:
    """The allocation table, the best allocation (into the manifest) and the frontier plot."""
    spec = manifest["allocation"]
    table = allocation_table(summary, manifest["points"], spec["programmes"], spec["budget"])
    best = best_allocation(indicators, spec["indicator"], spec["public"])
    spec["best"] = best
    plot_frontier(table, spec["indicator"], best, spec["programmes"], Path(out) / "frontier.png")
    return table


def allocate(
    scenario: str | Path | Scenario,
    budget: float,
    programmes: list[str],
    steps: int | None = None,
    optimise: str | None = None,
    indicator: str | None = None,
    public: str = "all",
    replications: int = 5,
    max_evaluations: int = 30,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
) -> Experiment:
    """Explore ways of splitting ``budget`` (EUR a year) across ``programmes``.

    With ``steps``, every allocation of a simplex grid; with ``optimise``, Nelder-Mead on the
    shares for that indicator (at most ``max_evaluations`` allocations). Every allocation runs the
    same ``replications`` seeds. See :mod:`sim.experiments.allocation`.
    """
    from sim.outcomes import INDICATORS

    scn = resolve(scenario, seed, persons, months)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    check_programmes(programmes, file)
    if budget <= 0:
        raise ScenarioError(file, "--budget", "the budget must be a positive number of euros")
    if (steps is None) == (optimise is None):
        raise ScenarioError(file, "--steps", "give either --steps K or --optimise INDICATOR")
    indicator = optimise or indicator or "durable_employment_rate_12m"
    if indicator not in INDICATORS:
        raise ScenarioError(
            file,
            "--indicator",
            f"unknown indicator {indicator!r}; allowed: " + ", ".join(INDICATORS),
        )
    spec = {
        "budget": budget,
        "programmes": programmes,
        "indicator": indicator,
        "public": public,
        "method": "grid" if steps else "nelder-mead",
        "steps": steps,
    }
    run = {"workers": workers, "backend": backend, "scheduler": scheduler, "progress": progress}
    label = f"{scn.name}-allocate"
    if steps:
        if steps < 1:
            raise ScenarioError(file, "--steps", "must be at least 1")
        points = [point_for(budget, programmes, s) for s in simplex_grid(len(programmes), steps)]
        return _start(
            "allocate", [scn], points, replications, out, label, extra={"allocation": spec}, **run
        )
    return _optimise(scn, spec, replications, max_evaluations, out, label, run)


def _optimise(scn, spec, replications, max_evaluations, out, label, run) -> Experiment:
    from scipy.optimize import minimize

    programmes, budget = spec["programmes"], spec["budget"]
    costs = unit_costs(scn, programmes)
    equal = [1.0 / len(programmes)] * len(programmes)
    out_dir = _start(
        "allocate",
        [scn],
        [point_for(budget, programmes, equal)],
        replications,
        out,
        label,
        extra={"allocation": spec},
        execute_now=False,
    )
    sign = 1.0 if lower_is_better(spec["indicator"]) else -1.0
    cache: dict[tuple, float] = {}

    def evaluate(z: np.ndarray) -> float:
        shares = softmax_shares(z)
        point = point_for(budget, programmes, np.round(shares, 2), costs)
        key = tuple(sorted(point["policy.extra_budget"].items()))
        if key in cache:
            return cache[key]
        manifest = store.read_manifest(out_dir)
        index = next((p["index"] for p in manifest["points"] if p["values"] == point), None)
        if index is None:
            check_scenario(_with_point(scn, point), scn.name)
            index = len(manifest["points"])
            manifest["points"].append({"index": index, "values": point})
            key_name = next(iter(manifest["scenarios"]))
            for rep in range(replications):
                manifest["tasks"].append(
                    {
                        "id": f"{key_name}-p{index:03d}-r{rep:03d}",
                        "scenario_key": key_name,
                        "point": index,
                        "replication": rep,
                        "entropy": manifest["seed"],
                        "spawn_key": [rep],
                        "persons_table": False,
                    }
                )
            store.write_manifest(out_dir, manifest)
        execute(out_dir, assemble=False, **run)
        manifest = store.read_manifest(out_dir)
        tasks = [t for t in manifest["tasks"] if t["point"] == index]
        ind = store.read_tasks(out_dir, tasks, "indicators")
        sel = ind[(ind.indicator == spec["indicator"]) & (ind.public == spec["public"])]
        value = float(sel["value"].mean())
        cache[key] = sign * value if np.isfinite(value) else np.inf
        return cache[key]

    # One pool of local workers serves every evaluation (starting one each time costs more
    # than a small evaluation).
    workers = run["workers"] or os.cpu_count() or 1
    local = run["backend"] == "local" and not run["scheduler"] and workers > 1
    pool = local_pool(min(workers, replications)) if local else None
    run = {**run, "pool": pool}
    try:
        minimize(
            evaluate,
            np.zeros(len(programmes) - 1),
            method="Nelder-Mead",
            options={
                "maxfev": max_evaluations,
                "xatol": 0.05,
                "fatol": 1e-6,
                "initial_simplex": _initial_simplex(len(programmes) - 1),
            },
        )
    finally:
        if pool is not None:
            pool.shutdown()
    return finalize(out_dir, store.read_manifest(out_dir))


def _initial_simplex(d: int) -> np.ndarray:
    """Start around equal shares, each vertex favouring one programme."""
    return np.vstack([np.zeros(d), *(np.eye(d)[i] * 1.5 for i in range(d))])


def _with_point(scn: Scenario, point: dict) -> Scenario:
    data = scn.model_dump()
    apply_overrides(data, point, scn.name)
    return scenario_from_dict(data, scn.name)
