"""An experiment on disk: its plan (the manifest), its tasks, running them, assembling the tables.

An experiment is a set of tasks (scenario x sweep point x replication) planned into a run
directory (:func:`start_experiment`), run on a backend (:func:`execute`, which skips the tasks
already done, so that an interrupted run resumes) and assembled into the run's tables
(:func:`finalize`). Replication ``r`` of every scenario and point runs with the child seed
``numpy.random.SeedSequence(seed).spawn(N)[r]``, so scenarios compared and points swept share
common random numbers (with ``common_seeds=False`` each scenario gets its own independent seeds
instead, to measure what common seeds gain). A task's result depends only on its scenario and its
seed: results are bit-identical whatever the backend and the number of workers.

Kinds of experiment with outputs of their own (an allocation's table and frontier, a sensitivity
analysis) pass a ``finish`` function, called on the assembled run before it is marked complete.
This module knows none of them: :func:`sim.experiments.runner.resume` picks a run's ``finish``
by its kind. The public functions are in :mod:`sim.experiments.runner`.

Before anything is written, every scenario and point is checked as ``parcours validate`` checks
it (:func:`sim.preflight.check_runnable`: funding parameters, budgets, memory for the tasks that
run at once), the number of tasks is bounded (:data:`MAX_TASKS`), the output directory and the
scheduler address are checked. On resuming, the manifest's scenarios are checked again, the
temporary files of a killed run are removed, and every task found damaged (see
:mod:`sim.experiments.store`) is run again, said on the ``notify`` callback.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.events import siae_frame
from sim.experiments import ensemble, store
from sim.experiments import status_quo as sq
from sim.experiments.backends import MAX_WORKERS, backend_session, check_scheduler
from sim.experiments.limits import MAX_REPLICATIONS, MAX_TASKS
from sim.experiments.summaries import paired_differences, summarise
from sim.model import InsertionModel
from sim.preflight import check_runnable
from sim.scenario import (
    Scenario,
    ScenarioError,
    Source,
    apply_overrides,
    file_of,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
    source_of,
    with_source,
)

Finish = Callable[[Path, dict, pd.DataFrame], Any]
"""``finish(out, manifest, indicators)``: a kind's own outputs, written once the tables are."""

FINISHED_BY_HOOK = ("allocate", "sensitivity", "explain", "trial")
"""Kinds whose run is incomplete without their ``finish`` function."""


# ----------------------------------------------------------------------------- scenarios
def resolve(
    scenario: str | Path | Scenario,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    burn_in: int | None = None,
) -> Scenario:
    """Load and validate a scenario with the command-line overrides applied."""
    extra = dict(overrides or {})
    run = (("run.seed", seed), ("run.persons", persons), ("run.months", months))
    for key, value in (*run, ("run.burn_in", burn_in)):
        if value is not None:
            extra[key] = value
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, extra)
    if not extra:
        return scenario
    data = scenario.model_dump()
    file = file_of(scenario)
    apply_overrides(data, extra, file)
    return scenario_from_dict(data, file, source_of(scenario))


def check_scenario(scenario: Scenario, file: str | None = None, concurrent: int = 1) -> list[dict]:
    """Everything a run checks before it starts (:func:`sim.preflight.check_runnable`).

    Args:
        scenario: a validated scenario.
        file: the file errors name (by default, the file that set the field at fault).
        concurrent: tasks that run at once on this machine (memory is checked for them all).

    Returns:
        The budget report.
    """
    return check_runnable(scenario, file, concurrent)


def with_point(scenario: Scenario, point: dict, file: str | None = None) -> Scenario:
    """The scenario with one design point's values set, validated (errors name ``file``)."""
    if not point:
        return scenario
    file = file or file_of(scenario)
    data = scenario_to_dict(scenario)
    apply_overrides(data, point, file)
    src = source_of(scenario)
    return scenario_from_dict(data, file, Source(file, src.origins) if src else None)


# ----------------------------------------------------------------------------- tasks
def child_seed(entropy: int, spawn_key: tuple[int, ...]) -> np.random.SeedSequence:
    """The child seed ``SeedSequence(entropy).spawn(...)`` gives at ``spawn_key``."""
    return np.random.SeedSequence(entropy=entropy, spawn_key=tuple(spawn_key))


def run_task(task: dict[str, Any], progress=None) -> dict[str, Any]:
    """Run one task and write its tables into its directory (atomically); return its timing.

    A task is a plain mapping (it travels to worker processes and Dask workers): ``id``,
    ``out`` (the run directory), ``scenario`` (resolved, as data), ``entropy`` and ``spawn_key``
    (its seed), ``persons_table`` (whether to keep the persons table and the events table),
    ``status_quo`` (start from the replication's status-quo state,
    :mod:`sim.experiments.status_quo`), and optionally ``events`` (record events, for the
    indicators computed from them, even without writing their table; default:
    ``persons_table``) and ``trial`` (a trial run in the territory, :mod:`sim.submodels.trial`:
    its persons' and capacity tables are written).
    """
    out = Path(task["out"])
    if store.task_done(out, task["id"]):
        return {"id": task["id"], "duration_s": 0.0, "skipped": True}
    start = time.perf_counter()
    file = task.get("source") or str(out / store.MANIFEST)
    scn = with_source(scenario_from_dict(task["scenario"], file), Source(file))
    state = sq.load_state(out, task["replication"]) if task.get("status_quo") else None
    model = InsertionModel(
        scn,
        seed=child_seed(task["entropy"], task["spawn_key"]),
        start=state,
        events=task.get("events", task["persons_table"]),
        trial=task.get("trial"),
    )
    model.run(progress=progress)
    tables = {
        "indicators": model.indicators(),
        "monthly": model.recorder.frame(),
        "ledger": model.ledger.frame(),
        "cohort": model.cohort_frame(),
        "siae": siae_frame(model),
    }
    if task["persons_table"]:
        tables["persons"] = model.persons_frame()
    if model.events is not None and task["persons_table"]:
        tables["events"] = model.events.frame()
    if model.trial is not None:
        tables["trial"] = model.trial.frame(model.pop)
        tables["trial_capacity"] = model.trial.capacity_frame()
    store.write_task(out, task["id"], tables, store.task_meta(task, task["scenario"]))
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
    status_quo: bool = False,
) -> dict:
    """The manifest of a new experiment: its scenarios, points and every task."""
    check_size(len(scenarios), len(points), replications)
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
        "sources": {k: file_of(s) for k, s in zip(keys, scenarios, strict=True)},
        "points": [{"index": i, "values": p} for i, p in enumerate(points)],
        "persons_tables": persons_tables,
        # The scenario whose burn-in every task of a replication starts from (the first one,
        # without sweep point), or None: each task runs its own burn-in.
        "status_quo": {"scenario": keys[0]} if status_quo else None,
        "versions": store.versions(),
        "git_commit": store.git_commit(),
        "command": " ".join(sys.argv),
        "out": str(out),
        "tasks": tasks,
        "task_status": {},
        "timings": {},
    }


def check_size(n_scenarios: int, n_points: int, replications: int) -> None:
    """Refuse an experiment of more than :data:`MAX_TASKS` tasks, before it is planned."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ScenarioError(
            "--replications",
            "",
            f"{replications:,}: give between 1 and {MAX_REPLICATIONS:,} replications",
        )
    n = n_scenarios * n_points * replications
    if n > MAX_TASKS:
        raise ScenarioError(
            "--replications",
            "",
            f"{n_scenarios:,} scenarios x {n_points:,} points x {replications:,} replications "
            f"make {n:,} tasks; at most {MAX_TASKS:,}",
        )


task_scenario = store.task_scenario


def _check_manifest_scenarios(out: Path, manifest: dict) -> None:
    """Check a planned run's scenarios and points as a new run checks them (on resuming)."""
    file = str(out / store.MANIFEST)
    checked = set()
    for task in manifest["tasks"]:
        key = (task["scenario_key"], task["point"])
        if key in checked:
            continue
        checked.add(key)
        data = task_scenario(manifest, task)
        check_scenario(with_source(scenario_from_dict(data, file), Source(file)), file)


def _executor(
    tasks: list[dict],
    workers: int,
    backend: str,
    scheduler: str | None,
    pool=None,
    before: list[dict] | None = None,
):
    """Yield each task's result as it completes, on the chosen backend (or a given ``pool``).

    ``before``: status-quo burn-ins, run (on the same backend) before any task.
    """
    with backend_session(workers, backend, scheduler, pool) as run:
        if before:
            for _ in run(sq.run_status_quo, before):
                pass
        yield from run(run_task, tasks)


def status_quo_tasks(out: Path, manifest: dict, tasks: list[dict]) -> list[dict]:
    """The status-quo burn-ins the ``tasks`` need whose state is not kept yet."""
    spec = manifest.get("status_quo")
    if not spec or not tasks:
        return []
    scenario = manifest["scenarios"][spec["scenario"]]
    replications = sorted({t["replication"] for t in tasks})
    return [
        {
            "id": f"status-quo-r{rep:03d}",
            "out": str(out),
            "scenario": store.with_parameter_set(manifest, scenario, {"replication": rep}),
            "entropy": manifest["seed"],
            "spawn_key": [rep],
            "replication": rep,
        }
        for rep in replications
        if not sq.state_path(out, rep).exists()
    ]


def execute(
    out: str | Path,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    assemble: bool = True,
    pool=None,
    finish: Finish | None = None,
    notify: Callable[[str], None] | None = None,
    checked: bool = False,
) -> Experiment | None:
    """Run every task of the run directory ``out`` that is not done yet, then assemble tables.

    ``pool`` (a ``concurrent.futures`` executor) runs the tasks instead of a new backend;
    ``finish`` is passed to :func:`finalize`. A task whose directory is damaged is run again,
    and ``notify`` (if given) is told so; unless ``checked`` (a run just planned), the
    manifest's scenarios are checked first, and the temporary files of dead processes are
    removed before and after the tasks run.
    """
    out = Path(out)
    manifest = store.read_manifest(out)
    if not checked:
        if scheduler:
            check_scheduler(scheduler)
        _check_manifest_scenarios(out, manifest)
        for name in store.clean_leftovers(out):
            if notify:
                notify(f"removed {name}, left by an interrupted run")
    sources = manifest.get("sources") or {}
    run_spec = {k: manifest[k] for k in ("events", "trial") if manifest.get(k) is not None}
    todo = []
    for t in manifest["tasks"]:
        problem = store.task_problem(out, t, manifest)
        if problem is None:
            continue
        if problem != "missing":
            if notify:
                notify(f"task {t['id']} is damaged ({problem}): running it again")
            shutil.rmtree(store.task_path(out, t["id"]), ignore_errors=True)
            manifest["task_status"].pop(t["id"], None)
        scenario = task_scenario(manifest, t)
        todo.append(
            {
                **t,
                **run_spec,
                "out": str(out),
                "scenario": scenario,
                "source": sources.get(t["scenario_key"]),
                "status_quo": bool(manifest.get("status_quo")),
            }
        )
    tasks = todo
    if tasks and (manifest["status"] != "running" or "tables" in manifest):
        manifest["status"] = "running"  # complete again only once the tables are reassembled
        manifest.pop("tables", None)
        store.write_manifest(out, manifest)
    before = status_quo_tasks(out, manifest, tasks)
    workers = min(workers or os.cpu_count() or 1, MAX_WORKERS)
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
            run = tasks[0]["scenario"]["run"]
            bar.reset(total=run["months"] + run["burn_in"])
            bar.unit = "month"
            for burn_in in before:
                sq.run_status_quo(burn_in)
            done = iter([run_task(tasks[0], progress=bar.update)])
        else:
            n = min(workers, max(len(tasks), len(before), 1))
            done = _executor(tasks, n, backend, scheduler, pool, before)
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
    if not checked:  # a worker of the killed run still dying at the start has died by now
        for name in store.clean_leftovers(out):
            if notify:
                notify(f"removed {name}, left by an interrupted run")
    return finalize(out, manifest, finish) if assemble else None


def finalize(out: Path, manifest: dict, finish: Finish | None = None) -> Experiment:
    """Assemble the tables of a run whose tasks are all done; mark it complete.

    ``finish(out, manifest, indicators)``, given for the kinds in :data:`FINISHED_BY_HOOK`,
    writes that kind's own outputs once the tables are written; it may record results in the
    manifest, which is written after it.
    """
    if finish is None and manifest["kind"] in FINISHED_BY_HOOK:
        raise ValueError(
            f"a {manifest['kind']} run needs its finish function: complete it with "
            "sim.experiments.runner.resume (parcours resume)"
        )
    problems = store.task_problems(out, manifest)
    if problems:
        raise store.RunDirError(
            store.damaged_message(out, problems, f"parcours resume {out} runs it again"), problems
        )
    tasks = manifest["tasks"]
    for task in tasks:  # done on disk before a kill could record it: its timing is unknown
        manifest["task_status"].setdefault(task["id"], {"status": "done", "duration_s": None})
    indicators = store.read_tasks(out, tasks, "indicators")
    summary = summarise(indicators)
    # A run may keep the detailed tables (monthly, ledger, cohort, persons) of some points only
    # (an explain run: those of A and B, not of every coalition); each task's are on disk.
    detail = manifest.get("detail_points")
    if detail is not None:
        tasks = [t for t in tasks if t["point"] in detail]
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
    if manifest["kind"] in ("sweep", "sensitivity", "explain"):
        tables["points"] = pd.DataFrame(
            [
                {"point": p["index"], **{k: str(v) for k, v in p["values"].items()}}
                for p in manifest["points"]
            ]
        )
    tables["cohort"] = store.read_tasks(out, tasks, "cohort")
    tables["siae"] = store.read_tasks(out, tasks, "siae")
    if manifest["persons_tables"]:
        tables["persons"] = store.read_tasks(out, tasks, "persons")
        events = store.read_tasks(out, tasks, "events")
        if len(events):
            tables["events"] = events
    tables.update(ensemble.tables(indicators, manifest))
    store.write_tables(out, tables)
    if finish is not None:  # also when parcours resume finishes the run
        finish(out, manifest, indicators)
    store.record_tables(out, manifest)
    manifest["status"] = "complete"
    store.write_manifest(out, manifest)
    sq.remove_states(out)  # nothing will start from them again
    return Experiment(out, manifest, indicators, summary, differences)


def _auto_out(label: str, seed: int) -> Path:
    return store.RESULTS_DIR / store.new_run_id(label, seed)


def start_experiment(
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
    finish: Finish | None = None,
    status_quo: bool = False,
    **run,
) -> Experiment | Path:
    """Check every scenario and point, create the run directory, then (by default) run it.

    Args:
        kind: the manifest's kind (``run``, ``compare``, ``sweep``, ``allocate``, ...).
        scenarios: the resolved scenarios; the first one's ``run.seed`` seeds every task.
        points: the sweep points (``{dotted path: value}``; ``[{}]`` for none).
        replications: replications of each scenario and point.
        out: the run directory; ``None`` or ``"auto"``: ``results/<label>-<time>-s<seed>``.
        label: names the automatic run directory.
        common_seeds: the same seeds for every scenario (common random numbers).
        persons_tables: keep the persons tables (default: only for a single task).
        extra: entries added to the manifest (a kind's own specification).
        execute_now: run the tasks now; otherwise return the run directory, planned.
        finish: the kind's own outputs (see :func:`finalize`).
        status_quo: start every task from the status quo's burn-in, run once per replication
            (:mod:`sim.experiments.status_quo`); the scenarios are checked for it first.
        **run: passed to :func:`execute` (``workers``, ``backend``, ``scheduler``, ...).

    Returns:
        The finished experiment, or the run directory with ``execute_now=False``.
    """
    seed = scenarios[0].run.seed
    out_dir = _auto_out(label, seed) if out in (None, "auto") else Path(out)
    store.check_free(out_dir)
    check_size(len(scenarios), len(points), replications)
    n_tasks = len(scenarios) * len(points) * replications
    backend, scheduler = run.get("backend", "local"), run.get("scheduler")
    local = backend == "local" and not scheduler
    workers = min(run.get("workers") or os.cpu_count() or 1, MAX_WORKERS, n_tasks)
    for scn in scenarios:
        for point in points:
            check_scenario(with_point(scn, point), concurrent=workers if local else 1)
    if scheduler:
        check_scheduler(scheduler)
    if status_quo:
        sq.check_scenarios(scenarios, common_seeds)
    keep = n_tasks == 1 if persons_tables is None else persons_tables
    manifest = _plan(
        kind, scenarios, points, replications, seed, common_seeds, keep, out_dir, status_quo
    )
    manifest.update(extra or {})
    drawn = ensemble.plan(replications, seed)  # inside ensemble.over(...): parameter sets
    if drawn:
        manifest["ensemble"] = drawn
        for values in drawn["sets"]:
            data = scenario_to_dict(scenarios[0])
            apply_overrides(data, values, drawn["file"])
            scenario_from_dict(data, drawn["file"])
    store.create_run_dir(out_dir, manifest)
    return execute(out_dir, finish=finish, checked=True, **run) if execute_now else out_dir
