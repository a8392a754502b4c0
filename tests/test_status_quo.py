"""The shared status-quo start (DESIGN.md decision 11): every scenario of a comparison starts from
the same territory at month 0, the burn-in run once per replication and kept for resume."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, small_scenario

from sim.experiments import status_quo as sq
from sim.experiments import store
from sim.experiments.execution import start_experiment, status_quo_tasks
from sim.experiments.runner import compare, resume
from sim.model import InsertionModel
from sim.population import FIELDS
from sim.scenario import ScenarioError, load_scenario

SMALL = {"run.persons": 1200, "run.months": 13, "run.burn_in": 12, "run.seed": 3}


def _status_quo():
    model = InsertionModel(small_scenario(**SMALL))
    model.warm_up()
    return model.state()


def _same_population(a, b) -> list[str]:
    """The fields (and obstacles, and occupancy counts) in which two populations differ."""
    differ = [f for f in FIELDS if not np.array_equal(a.column(f), b.column(f))]
    if not np.array_equal(a.column("obstacles"), b.column("obstacles")):
        differ.append("obstacles")
    differ += [h for h in a.tracked() if not np.array_equal(a.count(h), b.count(h))]
    return differ


def test_two_scenarios_started_from_the_same_state_are_identical_at_month_0():
    state = _status_quo()
    starts = {
        name: InsertionModel(small_scenario(name, **SMALL), start=state)
        for name in ("baseline", "iterative", "more_phc")
    }
    base = starts["baseline"]
    for name, model in starts.items():
        assert model.t == -1, f"{name} starts on the eve of month 0"
        differ = _same_population(base.pop, model.pop)
        # more_phc moves four ACI worksites to the PHC hosts' group: their employees and PHC
        # participants stay in the same worksites, now indexed among the hosts.
        moved = {"siae", "programme_host", "phc"} if name == "more_phc" else set()
        assert set(differ) <= moved, (
            f"{name} starts from another territory than the status quo: {differ}"
        )
        if moved:
            held = base.pop.siae >= 0
            assert np.array_equal(model.pop.siae >= 0, held), "the same persons hold a post"
            assert np.array_equal(
                base.siae_type[base.pop.siae[held]], model.siae_type[model.pop.siae[held]]
            ), "each employee stays in a SIAE of the same type"
            assert np.array_equal(base.pop.count("siae").sum(), model.pop.count("siae").sum())
            continue
        assert all(
            np.array_equal(model.siae_results[k], state.siae_results[k]) for k in state.siae_results
        )
    # Without the shared start, each scenario's own burn-in leaves another territory.
    own = {}
    for name in ("baseline", "iterative"):
        own[name] = InsertionModel(small_scenario(name, **SMALL))
        own[name].warm_up()
    assert _same_population(own["baseline"].pop, own["iterative"].pop), (
        "burn-ins under two practices should leave different territories"
    )
    assert not _same_population(own["baseline"].pop, starts["iterative"].pop), (
        "the shared start is the status quo's own burn-in"
    )


def test_a_run_from_its_own_state_equals_the_run_straight_through():
    """The state keeps everything later months read: continuing from it changes nothing."""
    straight = InsertionModel(small_scenario(**SMALL))
    straight.warm_up()
    state = pickle.loads(pickle.dumps(straight.state()))  # as kept on disk
    straight.run()
    resumed = InsertionModel(small_scenario(**SMALL), start=state)
    resumed.run()
    pd.testing.assert_frame_equal(straight.indicators(), resumed.indicators())
    pd.testing.assert_frame_equal(straight.recorder.frame(), resumed.recorder.frame())
    pd.testing.assert_frame_equal(straight.ledger.frame(), resumed.ledger.frame())


REFORM = """
name: more_structures
extends: {baseline}
territory:
  referent_groups:
    perle:
      n: 1
      staff: 4
      caseload: 25
      practice: 1.0
      eligible: {{publics: [sheltered], all_publics: [wish_to_work]}}
  service_groups:
    health_first:
      service: health
      places: 10
      eligible: homeless
    formations_seniors:
      service: training
      places: 20
      eligible: {{age: [50, 57]}}
  mediation:
    forums_inverses:
      n: 1
      staff: 0.5
      caseload: 40
"""


def test_a_reform_adding_teams_and_groups_of_places_starts_from_the_same_holdings(tmp_path):
    """A reform that adds a referent team, groups of service and training places and a mediation
    team (which come first in their index spaces) starts with each person in the structure of the
    same name: indices are matched by name, not by position."""
    base = InsertionModel(small_scenario(**SMALL))
    base.warm_up()
    state, names = base.state(), base.units()
    path = tmp_path / "more_structures.yaml"
    path.write_text(REFORM.format(baseline=SCENARIOS / "baseline.yaml"))
    reform = InsertionModel(
        load_scenario(path, {**SMALL, "run.check_invariants": True}), start=state
    )
    mine = reform.units()
    added = ("referent", "service_unit", "training_unit", "mediator")
    for holding in names:
        if holding in added:
            assert mine[holding] != names[holding], f"the reform adds {holding} structures"
        before, after = state.pop.column(holding), reform.pop.column(holding)
        held = np.flatnonzero(before >= 0)
        assert held.size or holding == "mediator", f"someone holds a {holding} at the start"
        assert np.array_equal(after >= 0, before >= 0), f"{holding}: nobody gains or loses one"
        assert [names[holding][i] for i in before[held]] == [
            mine[holding][i] for i in after[held]
        ], f"{holding}: each person keeps the structure of the same name"
    for name in reform.pop.tracked():
        assert np.array_equal(reform.pop.count(name), reform.pop.recount(name)), name
    reform.step()  # month 0 runs from there, invariants checked


def test_a_reform_that_removes_structures_held_at_the_start_is_refused():
    """Without any ACI worksite left, the employees of the status quo's worksites have no
    structure of their name or kind to start in."""
    base = InsertionModel(small_scenario(**SMALL))
    base.warm_up()
    state = base.state()
    held = {base.units()["siae"][i][:2] for i in state.pop.column("siae") if i >= 0}
    assert ("aci_worksites", 0) in held, "someone works in the first open worksite at month 0"
    fewer = {"territory.siae.aci_worksites.n": 0, "territory.siae.aci_phc_hosts.n": 0}
    with pytest.raises(ScenarioError, match=r"siae \(.*'aci_worksites', 0"):
        InsertionModel(small_scenario(**SMALL, **fewer), start=state)


def test_a_start_that_cannot_hold_is_refused_naming_why():
    state = _status_quo()
    fewer = small_scenario(**SMALL, **{"territory.shelters.emergency.places": 1})
    with pytest.raises(ScenarioError, match="removes places people occupy"):
        InsertionModel(fewer, start=state)
    other = small_scenario(**{**SMALL, "run.persons": 1300})
    with pytest.raises(ScenarioError, match="same run"):
        InsertionModel(other, start=state)
    with pytest.raises(ScenarioError, match="another seed"):
        InsertionModel(small_scenario(**SMALL), seed=4, start=state)
    with pytest.raises(ScenarioError, match="common seeds"):
        compare(
            [SCENARIOS / "baseline.yaml", SCENARIOS / "iterative.yaml"],
            replications=1,
            common_seeds=False,
            from_status_quo=True,
            out=None,
        )


def test_compare_starts_every_scenario_from_the_status_quo_and_resume_reuses_it(
    tmp_path, monkeypatch
):
    scenarios = [small_scenario(n, **SMALL) for n in ("baseline", "iterative")]
    out = tmp_path / "cmp"
    start_experiment(
        "compare", scenarios, [{}], 2, out, "x", status_quo=True, execute_now=False, workers=1
    )
    # Interrupted after the burn-ins: the states are kept in the run directory.
    manifest = store.read_manifest(out)
    assert manifest["status_quo"] == {"scenario": "baseline"}
    for task in status_quo_tasks(out, manifest, manifest["tasks"]):
        sq.run_status_quo(task)
    kept = {r: sq.state_path(out, r).read_bytes() for r in (0, 1)}
    burn_ins = []
    monkeypatch.setattr(sq, "run_status_quo", lambda task: burn_ins.append(task))
    exp = resume(out, workers=1)
    assert burn_ins == [], "resume starts from the kept states, no burn-in runs again"
    monkeypatch.undo()
    assert not (out / sq.DIRECTORY).exists(), "the states are removed once the run is complete"
    # Each task started from its replication's state: the month-0 cohort is the same size in
    # both scenarios, and equal to that of a run straight through under the status quo.
    for rep, data in kept.items():
        state = pickle.loads(data)
        straight = InsertionModel(scenarios[0], seed=np.random.SeedSequence(3, spawn_key=(rep,)))
        straight.warm_up()
        assert not _same_population(state.pop, straight.pop), "the state is the burn-in's"
    # The result is that of a run never interrupted.
    whole = start_experiment(
        "compare", scenarios, [{}], 2, tmp_path / "whole", "x", status_quo=True, workers=1
    )
    pd.testing.assert_frame_equal(exp.indicators, whole.indicators)
