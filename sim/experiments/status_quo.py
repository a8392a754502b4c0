"""The shared status-quo start of comparisons and allocations (DESIGN.md decision 11).

With a status-quo start, an experiment runs the burn-in once per replication, under its first
scenario without any sweep point (the status quo: for ``compare`` the first scenario file, for
``allocate`` the scenario without the extra budget), and keeps the model's state on the eve of
month 0 in its run directory (``status_quo/r000.pkl``...). Every task of that replication then
starts from that state (:class:`sim.snapshot.ModelState`): every scenario begins at month 0 on the
same territory, and the burn-in is run once instead of once per scenario. The states are written
atomically before any task of their replication runs, so an interrupted run (``parcours resume``)
reuses those already written; they are removed once the run is complete.

The status-quo start needs common seeds (every scenario runs replication ``r`` on the same seed)
and scenarios that share the status quo's run settings, population and numbers of structures
(:mod:`sim.snapshot`); :func:`check_scenarios` refuses others before anything runs.
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.model import InsertionModel
from sim.scenario import Scenario, ScenarioError, scenario_from_dict
from sim.snapshot import ModelState

DIRECTORY = "status_quo"


def state_path(out: str | Path, replication: int) -> Path:
    """Where the status-quo state of ``replication`` is kept in run directory ``out``."""
    return Path(out) / DIRECTORY / f"r{replication:03d}.pkl"


def default_on(scenarios: list[Scenario], common_seeds: bool) -> bool:
    """Whether an experiment starts from the status quo by default: burn-in and common seeds."""
    return common_seeds and scenarios[0].run.burn_in > 0


def check_scenarios(scenarios: list[Scenario], common_seeds: bool) -> None:
    """Refuse a status-quo start that cannot work, before anything runs.

    Raises:
        ScenarioError: independent seeds, or a scenario whose run settings, population or
            numbers of structures differ from the status quo's.
    """
    first = scenarios[0]
    if not common_seeds:
        raise ScenarioError(
            first.name,
            "--from-status-quo",
            "the status-quo start needs common seeds (drop --independent-seeds)",
        )
    own = _static_basis(first)
    for scn in scenarios[1:]:
        theirs = _static_basis(scn)
        for part, value in own.items():
            if theirs[part] != value:
                raise ScenarioError(
                    scn.name,
                    "--from-status-quo",
                    f"a scenario starting from the status quo ({first.name}) must have the same "
                    f"{part}; run the comparison without it (--no-from-status-quo)",
                )


def _static_basis(scn: Scenario) -> dict[str, Any]:
    terr = scn.territory
    return {
        "run settings (persons, months, burn-in)": (
            scn.run.persons,
            scn.run.months,
            scn.run.burn_in,
        ),
        "population": scn.population.model_dump(mode="json"),
        "numbers of structures": (
            sum(g.n for g in terr.shelters.values()),
            terr.france_travail.agencies,
            sum(g.n for g in terr.siae.values()),
            sum(g.n for g in terr.employers.values()),
        ),
    }


def run_status_quo(task: dict[str, Any]) -> dict[str, Any]:
    """Run the burn-in of one replication under the status quo and keep its state.

    A task is a plain mapping: ``id``, ``out``, ``scenario`` (the status quo, as data),
    ``entropy``, ``spawn_key``, ``replication``. A state already on disk is kept.
    """
    path = state_path(task["out"], task["replication"])
    if path.exists():
        return {"id": task["id"], "duration_s": 0.0, "skipped": True}
    start = time.perf_counter()
    scn = scenario_from_dict(task["scenario"], task["id"])
    seed = np.random.SeedSequence(entropy=task["entropy"], spawn_key=tuple(task["spawn_key"]))
    model = InsertionModel(scn, seed=seed)
    model.warm_up()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        pickle.dump(model.state(), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # atomic: a state on disk is complete
    return {"id": task["id"], "duration_s": time.perf_counter() - start, "skipped": False}


def load_state(out: str | Path, replication: int) -> ModelState:
    """The status-quo state of ``replication`` kept in run directory ``out``."""
    with open(state_path(out, replication), "rb") as f:
        return pickle.load(f)


def remove_states(out: str | Path) -> None:
    """Remove the kept states (the run is complete: nothing will start from them again)."""
    folder = Path(out) / DIRECTORY
    if folder.is_dir():
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
