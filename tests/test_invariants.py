"""Invariants at every step, on the shipped scenarios and on random policy settings."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_small, small_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.invariants import InvariantError, check_invariants
from sim.model import InsertionModel
from sim.states import Status


@pytest.mark.parametrize(
    "name", ["baseline", "linear", "iterative", "more_phc", "pre_reform", "reform_2025"]
)
def test_shipped_scenarios_keep_every_invariant(name):
    model = run_small(name)  # run.check_invariants is on: any violation raises
    assert model.t == model.months - 1
    monthly = model.recorder.frame()
    counts = monthly.filter(regex="^n_").sum(axis=1)
    assert (counts == model.pop.n).all(), "every row has exactly one status every month"
    present = counts - monthly["n_not_arrived"] - monthly["n_left"]
    benefits = monthly.filter(regex="^benefit_").sum(axis=1)
    assert (benefits == present).all(), "every person present has exactly one benefit status"


def test_housing_first_keeps_every_invariant_and_houses_without_income():
    model = run_small(
        **{"policy.housing_first": True, "territory.housing.housing_first_per_month": 40}
    )
    pop = model.pop
    assert pop.housing_first.any(), "Logement d'abord allocations happened"
    assert not np.all(pop.employed()[pop.housing_first]), "housing first needs no income"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    practice=st.one_of(st.none(), st.floats(0, 1)),
    posts=st.integers(0, 60),
    places=st.integers(0, 150),
    advisers=st.floats(0, 40),
    modulation=st.booleans(),
    housing_first=st.booleans(),
)
def test_invariants_hold_for_any_policy(
    practice, posts, places, advisers, modulation, housing_first
):
    scn = small_scenario(
        **{
            "run.persons": 600,
            "run.months": 12,
            "policy.practice_override": practice,
            "territory.siae.aci_worksites.posts": posts,
            "territory.shelters.emergency.places": places,
            "territory.france_travail.advisers_per_agency": advisers,
            "policy.funding.modulation.enabled": modulation,
            "policy.housing_first": housing_first,
            "territory.housing.housing_first_per_month": 20.0,
        }
    )
    model = InsertionModel(scn)
    model.run()
    assert model.recorder.frame().shape[0] == 12


def test_the_checks_catch_an_overfilled_shelter():
    model = InsertionModel(small_scenario(**{"run.check_invariants": False}))
    model.step()
    pop = model.pop
    present = np.flatnonzero(pop.present())
    pop.shelter[present] = 0  # everyone in shelter 0
    with pytest.raises(InvariantError, match="shelter is over capacity"):
        check_invariants(model)


def test_the_checks_catch_a_person_without_arrival():
    model = InsertionModel(small_scenario(**{"run.check_invariants": False}))
    model.step()
    model.pop.status[model.pop.t_entry > model.t] = Status.OUTSIDE
    with pytest.raises(InvariantError, match="not arrived"):
        check_invariants(model)
