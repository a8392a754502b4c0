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

The machinery is in three modules below this one: :mod:`sim.experiments.backends` (where tasks
run), :mod:`sim.experiments.execution` (planning, running and assembling an experiment) and
:mod:`sim.experiments.allocation_run` (allocation runs). This module re-exports their public
names, and :func:`resume` finishes a run of any kind, allocation, sensitivity and explain
included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import status_quo, store
from sim.experiments.allocation_run import allocate, allocation_outputs
from sim.experiments.backends import backend_session
from sim.experiments.execution import (
    Experiment,
    Finish,
    check_scenario,
    check_size,
    child_seed,
    execute,
    resolve,
    start_experiment,
)
from sim.experiments.explain import write_outputs as explain_outputs
from sim.experiments.limits import MAX_SCENARIOS
from sim.experiments.sensitivity_report import write_outputs as sensitivity_outputs
from sim.experiments.sweeps import (
    grid,
    grid_size,
    latin_hypercube,
    parse_range,
    parse_set,
    validate_points,
)
from sim.experiments.trial import trial, trial_outputs
from sim.model import InsertionModel
from sim.scenario import Scenario, ScenarioError

__all__ = [
    "FINISH",
    "Experiment",
    "RunResult",
    "allocate",
    "backend_session",
    "check_scenario",
    "child_seed",
    "compare",
    "replicate",
    "resolve",
    "resume",
    "run_scenario",
    "sweep",
    "trial",
]

FINISH: dict[str, Finish] = {
    "allocate": allocation_outputs,
    "sensitivity": sensitivity_outputs,
    "explain": explain_outputs,
    "trial": trial_outputs,
}
"""The ``finish`` function of each kind of run that has outputs of its own."""


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


def run_scenario(
    scenario: str | Path | Scenario,
    seed: int | np.random.SeedSequence | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    burn_in: int | None = None,
    progress=None,
    events: bool = False,
) -> RunResult:
    """Run one scenario in memory (nothing written) and return the model and its indicators.

    Args:
        scenario: a YAML path or a validated :class:`Scenario`.
        seed: overrides ``run.seed`` (an int), or a ``SeedSequence`` to run with.
        persons: overrides ``run.persons`` (capacities scale with it).
        months: overrides ``run.months``.
        overrides: other values to set, by dotted path (``{"policy.housing_first": True}``).
        burn_in: overrides ``run.burn_in``.
        progress: called after each month.
        events: keep the events table (``result.model.events.frame()``, :mod:`sim.events`) and
            add the indicators computed from it.
    """
    as_int = seed if isinstance(seed, int) else None
    scn = resolve(scenario, as_int, persons, months, overrides, burn_in)
    model = InsertionModel(
        scn, seed=seed if isinstance(seed, np.random.SeedSequence) else None, events=events
    )
    model.run(progress=progress)
    return RunResult(model=model, indicators=model.indicators())


# ----------------------------------------------------------------------------- experiments
def replicate(
    scenario: str | Path | Scenario,
    replications: int = 1,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    burn_in: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    persons_tables: bool | None = None,
    progress: bool = False,
) -> Experiment:
    """Run ``replications`` replications of one scenario (``parcours run``)."""
    scn = resolve(scenario, seed, persons, months, overrides, burn_in)
    return start_experiment(
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
    burn_in: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    common_seeds: bool = True,
    progress: bool = False,
    from_status_quo: bool | None = None,
) -> Experiment:
    """Run every scenario on the same seeds; paired differences against the first.

    ``from_status_quo``: run the burn-in once per replication under the first scenario (the
    status quo) and start every scenario from its state at month 0
    (:mod:`sim.experiments.status_quo`); by default on when the scenarios have a burn-in and
    run on common seeds.
    """
    if len(scenarios) < 2:
        raise ScenarioError("compare", "scenarios", "give at least two scenarios to compare")
    if len(scenarios) > MAX_SCENARIOS:
        raise ScenarioError(
            "compare", "scenarios", f"{len(scenarios)} scenarios; at most {MAX_SCENARIOS}"
        )
    resolved = [resolve(s, seed, persons, months, burn_in=burn_in) for s in scenarios]
    if seed is None:
        seed = resolved[0].run.seed
        resolved = [resolve(s, seed) for s in resolved]
    label = "-vs-".join(s.name for s in resolved)
    if from_status_quo is None:
        from_status_quo = status_quo.default_on(resolved, common_seeds)
    return start_experiment(
        "compare",
        resolved,
        [{}],
        replications,
        out,
        label,
        common_seeds,
        status_quo=from_status_quo,
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
    burn_in: int | None = None,
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
    scn = resolve(scenario, seed, persons, months, burn_in=burn_in)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    parsed = [parse_set(s) for s in sets or []]
    check_size(1, (lhs or 1) * grid_size(parsed), replications)
    if lhs:
        if not ranges:
            raise ScenarioError(file, "--range", "a Latin hypercube needs at least one --range")
        points = latin_hypercube([parse_range(r) for r in ranges], lhs, scn.run.seed, scn)
        if sets:
            points = [{**g, **p} for g in grid(parsed) for p in points]
    elif sets:
        points = grid(parsed)
    else:
        raise ScenarioError(file, "--set", "a sweep needs --set PATH=V1,V2 or --lhs N --range")
    validate_points(scn, points, file)
    return start_experiment(
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
    notify=None,
) -> Experiment:
    """Complete an interrupted run: run only its missing tasks, then assemble its tables.

    Tasks found damaged (:func:`sim.experiments.store.task_problem`) are run again, and
    ``notify(message)`` (if given) is told which and why; the temporary files an interrupted
    run leaves are removed. An allocation or a sensitivity run also gets its own outputs
    (:data:`FINISH`, by the manifest's kind).
    """
    finish = FINISH.get(store.read_manifest(out).get("kind", "run"))
    return execute(
        out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        finish=finish,
        notify=notify,
    )
