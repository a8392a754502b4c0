"""A model between two months, for runs to continue from it: the shared status-quo start.

A reform is evaluated on today's territory (DESIGN.md decision 11): a comparison runs the burn-in
once per replication under the status quo (its first scenario), keeps the model's state on the
eve of month 0 (:class:`ModelState`, from :meth:`sim.model.InsertionModel.state`), and starts
every scenario from that state (``InsertionModel(scenario, seed, start=state)``): the same
persons, in the same places, posts, caseloads and contracts, at month 0.

The state holds everything later months read that the scenario does not rebuild: the population
(every row, the persons still to arrive included, with what they hold), the SIAE's results so
far and the month. The institutions are rebuilt from the scenario that starts, with its own
capacities and practices; draws depend only on the seed, the process, the month and the person
(:mod:`sim.rng`), so a run from the state draws what it would have drawn had it run the burn-in.

A scenario can start from a state if it shares with the run that made it what the state was
drawn from and is indexed by: the seed, the run settings (persons, months, burn-in), the
population section, and the numbers of agencies and employers (matched by position). Shelters,
SIAE, referent teams, mediation teams and groups of service and training places are matched by
name (:func:`remap`): a reform may add some, and a person keeps the structure of the same name;
a shelter or SIAE that a reform moves to another group is matched with a structure of the same
kind left over; a reform that removes one that people hold at month 0 cannot start from it.
Its capacities may differ, as long as every
structure can hold the persons it holds at month 0: a reform that removes places people occupy
cannot start from the status quo (:func:`check_start` and the model say which).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.population import Population
from sim.scenario import Scenario, ScenarioError
from sim.states import Programme


@dataclass
class ModelState:
    """What a model needs to continue from the end of a month (see the module docstring).

    Attributes:
        t: the last month simulated (-1: the eve of month 0).
        pop: the population, every row.
        siae_results: per SIAE, cumulative hires, hires of the furthest, exits, positive exits.
        seed: the run's ``SeedSequence`` as (entropy, spawn key).
        basis: what a scenario must share with the run to start from the state (:func:`basis`).
        units: per holding indexed by named structures (``shelter``, ``siae``, ``referent``,
            ``service_unit``, ``training_unit``, ``mediator``), the name of each index
            (:func:`remap`).
        vacancies: shelter places freed in the last months and not yet filled again
            (``month``: the month of each slot; ``freed``: places by slot, shelter and type).
        carried_offers: dwellings refused last month and offered again, by kind of allocation.
    """

    t: int
    pop: Population
    siae_results: dict[str, np.ndarray]
    seed: tuple
    basis: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    vacancies: dict = field(default_factory=dict)
    carried_offers: dict = field(default_factory=dict)


def _match(theirs: list, mine: list, kinds: bool) -> np.ndarray:
    """For each structure named in ``theirs``, its index in ``mine`` (-1: none).

    By name first. Shelters and SIAE, named ``(group, rank, kind)``, are then matched by kind:
    the structures left unmatched take, in order, those of the same kind left over (a worksite a
    reform moves to another group of ACI keeps its employees).
    """
    name = (lambda k: k[:2]) if kinds else (lambda k: k)
    where = {name(key): i for i, key in enumerate(mine)}
    table = np.array([where.get(name(key), -1) for key in theirs], dtype=np.int64)
    if kinds and np.any(table < 0):
        taken = set(table[table >= 0].tolist())
        left: dict[int, list[int]] = {}
        for i, key in enumerate(mine):
            if i not in taken:
                left.setdefault(key[2], []).append(i)
        for j in np.flatnonzero(table < 0):
            spare = left.get(theirs[j][2])
            if spare:
                table[j] = spare.pop(0)
    return table


def remap(state: ModelState, units: dict[str, list], name: str) -> None:
    """Index the holdings of ``state`` by the structures of a model whose names are ``units``.

    Each structure of the state is found by its name among ``units`` (for example the second
    team of the referent group ``perle``); the hosts of PHC and AAVA places follow their SIAE
    and shelter, the SIAE's results theirs. A person holding a structure that the model does not
    have cannot start from the state.

    Raises:
        ScenarioError: a structure held at the start does not exist in the model.
    """
    pop = state.pop
    tables = {}
    for holding, theirs in state.units.items():
        tables[holding] = _match(theirs, units[holding], holding in ("shelter", "siae"))
    columns = [(h, h, True) for h in tables]
    programme = pop.column("programme")
    for kind, host in ((Programme.PHC, "siae"), (Programme.AAVA, "shelter")):
        if host in tables:
            columns.append((host, "programme_host", programme == kind))
    for holding, field_name, rows in columns:
        table, column = tables[holding], pop.column(field_name)
        if table.size == len(units[holding]) and np.array_equal(table, np.arange(table.size)):
            continue  # the same structures in the same order
        held = np.flatnonzero((column >= 0) & rows)
        new = table[column[held]]
        if np.any(new < 0):
            gone = ", ".join(str(state.units[holding][i]) for i in np.unique(column[held][new < 0]))
            raise ScenarioError(
                name,
                "--from-status-quo",
                f"persons hold a {holding} ({gone}) that this scenario does not have; run the"
                " comparison without the status-quo start (--no-from-status-quo)",
            )
        column[held] = new
    if "shelter" in tables and state.vacancies:
        table = tables["shelter"]
        kept = table >= 0
        freed = state.vacancies["freed"]
        moved = np.zeros((freed.shape[0], len(units["shelter"]), freed.shape[2]), freed.dtype)
        moved[:, table[kept]] = freed[:, kept]
        state.vacancies["freed"] = moved
    if "siae" in tables:
        kept = tables["siae"] >= 0
        for key, values in state.siae_results.items():
            moved = np.zeros(len(units["siae"]), dtype=values.dtype)
            moved[tables["siae"][kept]] = values[kept]
            state.siae_results[key] = moved


def basis(scenario: Scenario, structures: dict[str, int]) -> dict:
    """What the state of a run of ``scenario`` is drawn from and indexed by."""
    run = scenario.run
    return {
        "run": {"persons": run.persons, "months": run.months, "burn_in": run.burn_in},
        "population": scenario.population.model_dump(mode="json"),
        "structures": dict(structures),
    }


def seed_of(seed_sequence: np.random.SeedSequence) -> tuple:
    """A ``SeedSequence`` as (entropy, spawn key), comparable and storable."""
    entropy = seed_sequence.entropy
    entropy = int(entropy) if np.ndim(entropy) == 0 else tuple(int(e) for e in entropy)
    return entropy, tuple(int(k) for k in seed_sequence.spawn_key)


def check_start(state: ModelState, name: str, own_basis: dict, seed: tuple) -> None:
    """Refuse to start scenario ``name`` from ``state`` unless they share seed and basis.

    Raises:
        ScenarioError: naming what differs, with the way out (``--no-from-status-quo``).
    """
    way_out = "run the comparison without the status-quo start (--no-from-status-quo)"
    if seed != state.seed:
        raise ScenarioError(
            name, "--from-status-quo", f"the status quo ran on another seed; {way_out}"
        )
    for part in ("run", "structures", "population"):
        mine, theirs = own_basis[part], state.basis[part]
        if mine != theirs:
            keys = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise ScenarioError(
                name,
                "--from-status-quo",
                f"a scenario starting from the status quo must have the same {part} "
                f"(differs in {', '.join(keys)}); {way_out}",
            )
