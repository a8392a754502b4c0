"""Allocation runs (``parcours allocate``): a simplex grid of budget splits, or Nelder-Mead.

The allocations themselves (the grid, the shares, the table, the best allocation, the frontier)
are in :mod:`sim.experiments.allocation`; this module runs them as an experiment of kind
``allocate``, whose :func:`allocation_outputs` writes ``allocations.parquet`` and
``frontier.png`` once the tables are assembled.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import status_quo, store
from sim.experiments.allocation import (
    REFERENCE,
    TABLE_INDICATORS,
    TABLE_PUBLICS,
    allocation_table,
    best_allocation,
    check_programmes,
    differences_to_reference,
    lower_is_better,
    plot_frontier,
    point_for,
    reference_point,
    simplex_grid,
    softmax_shares,
    unit_costs,
    units_bought,
)
from sim.experiments.backends import local_pool
from sim.experiments.execution import (
    Experiment,
    check_scenario,
    execute,
    finalize,
    resolve,
    start_experiment,
    with_point,
)
from sim.experiments.limits import MAX_ALLOCATIONS, MAX_TASKS
from sim.experiments.summaries import summarise
from sim.scenario import MAX_EUROS, Scenario, ScenarioError
from sim.scenario.errors import suggestion


def allocation_outputs(out: Path, manifest: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    """The allocation table and frontier plot, written; the best allocation, into the manifest.

    The ``finish`` function of an ``allocate`` run (see :func:`sim.experiments.execution.finalize`).
    The table needs the summary of the indicators and publics it shows only. A run planned
    before the reference existed (no ``reference`` in its specification) is read without one.
    """
    spec = manifest["allocation"]
    reference = spec.get("reference")
    shown = indicators["indicator"].isin(TABLE_INDICATORS) & indicators["public"].isin(
        TABLE_PUBLICS
    )
    summary = summarise(indicators[shown])
    differences = None
    if reference is not None:
        differences = differences_to_reference(
            indicators, TABLE_INDICATORS, TABLE_PUBLICS, reference
        )
    scenario = next(iter(manifest["scenarios"].values()))
    bought = units_bought(scenario, manifest["points"])
    spec["units"] = {
        prog: next((b[prog]["unit"] for b in bought.values() if prog in b), "")
        for prog in spec["programmes"]
    }
    table = allocation_table(
        summary,
        manifest["points"],
        spec["programmes"],
        spec["budget"],
        differences,
        bought,
        reference,
    )
    best = best_allocation(indicators, spec["indicator"], spec["public"], reference)
    spec["best"] = best
    plot_frontier(table, spec["indicator"], best, spec["programmes"], Path(out) / "frontier.png")
    store.write_tables(out, {"allocations": table})
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
    burn_in: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    max_allocations: int = MAX_ALLOCATIONS,
    from_status_quo: bool | None = None,
) -> Experiment:
    """Explore ways of splitting ``budget`` (EUR a year) across ``programmes``.

    With ``steps``, every allocation of a simplex grid; with ``optimise``, Nelder-Mead on the
    shares for that indicator (at most ``max_evaluations`` allocations). Point 0 is the
    reference, the scenario without any extra budget; every allocation runs the same
    ``replications`` seeds. ``budget`` is stated for the territory at
    ``territory.reference_persons`` and scales with ``persons`` like every capacity. See
    :mod:`sim.experiments.allocation`. A grid of more than ``max_allocations`` allocations is
    refused, stating how many it has (the command line's ``--yes`` raises the limit to the
    number of tasks a run may hold). ``from_status_quo``: run the burn-in once per replication
    under the scenario without the extra budget and start every allocation from it
    (:mod:`sim.experiments.status_quo`; default: when it has a burn-in).
    """
    from sim.experiments.sensitivity import public_names
    from sim.outcomes import INDICATORS

    scn = resolve(scenario, seed, persons, months, burn_in=burn_in)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    check_programmes(programmes, file)
    if not (math.isfinite(budget) and 0 < budget <= MAX_EUROS):
        raise ScenarioError(
            "--budget",
            "",
            f"{budget:g}: the budget must be a positive number of euros, at most {MAX_EUROS:g}",
        )
    if (steps is None) == (optimise is None):
        raise ScenarioError(file, "--steps", "give either --steps K or --optimise INDICATOR")
    if steps is not None and steps < 1:
        raise ScenarioError("--steps", "", f"{steps}: must be at least 1")
    if max_evaluations < 1:
        raise ScenarioError("--max-evaluations", "", f"{max_evaluations}: must be at least 1")
    indicator = optimise or indicator or "durable_employment_rate_12m"
    if indicator not in INDICATORS:
        raise ScenarioError(
            file,
            "--indicator",
            f"unknown indicator {indicator!r}{suggestion(indicator, INDICATORS)}; allowed: "
            + ", ".join(INDICATORS),
        )
    if public not in public_names():
        raise ScenarioError(
            "--public",
            "",
            f"unknown public {public!r}{suggestion(public, public_names())}; allowed: "
            + ", ".join(public_names()),
        )
    if steps is not None:
        n = math.comb(steps + len(programmes) - 1, len(programmes) - 1)
        if n > max_allocations:
            raise ScenarioError(
                "--steps",
                "",
                f"{len(programmes)} programmes in steps of 1/{steps} make {n:,} allocations "
                f"({n * replications:,} runs); at most {max_allocations:,} without --yes "
                f"(and {MAX_TASKS:,} runs with it): use fewer steps or programmes",
            )
    scale = scn.run.persons / scn.territory.reference_persons
    spec = {
        "budget": budget,
        "programmes": programmes,
        "indicator": indicator,
        "public": public,
        "method": "grid" if steps else "nelder-mead",
        "steps": steps,
        "reference": REFERENCE,
        "reference_persons": scn.territory.reference_persons,
        "persons": scn.run.persons,
        "scale": scale,
        "budget_run": budget * scale,
    }
    run = {"workers": workers, "backend": backend, "scheduler": scheduler, "progress": progress}
    label = f"{scn.name}-allocate"
    if from_status_quo is None:
        from_status_quo = status_quo.default_on([scn], common_seeds=True)
    if steps:
        grid = simplex_grid(len(programmes), steps)
        points = [reference_point()] + [point_for(budget, programmes, s) for s in grid]
        return start_experiment(
            "allocate",
            [scn],
            points,
            replications,
            out,
            label,
            extra={"allocation": spec},
            finish=allocation_outputs,
            status_quo=from_status_quo,
            **run,
        )
    return _optimise(scn, spec, replications, max_evaluations, out, label, run, from_status_quo)


def _optimise(
    scn, spec, replications, max_evaluations, out, label, run, from_status_quo
) -> Experiment:
    from scipy.optimize import minimize

    programmes, budget = spec["programmes"], spec["budget"]
    costs = unit_costs(scn, programmes)
    equal = [1.0 / len(programmes)] * len(programmes)
    out_dir = start_experiment(
        "allocate",
        [scn],
        [reference_point(), point_for(budget, programmes, equal)],
        replications,
        out,
        label,
        extra={"allocation": spec},
        execute_now=False,
        status_quo=from_status_quo,
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
            check_scenario(with_point(scn, point))
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
        execute(out_dir, assemble=False, checked=True, **run)  # its points checked above
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
    return finalize(out_dir, store.read_manifest(out_dir), allocation_outputs)


def _initial_simplex(d: int) -> np.ndarray:
    """Start around equal shares, each vertex favouring one programme."""
    return np.vstack([np.zeros(d), *(np.eye(d)[i] * 1.5 for i in range(d))])
