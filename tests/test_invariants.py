"""Invariants at every step, on the shipped scenarios and on random policy settings."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_small, small_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.invariants import InvariantError, check_invariants
from sim.model import InsertionModel
from sim.states import Programme, Status
from sim.submodels.capacity import allocate, spill_over
from sim.submodels.transitions import to_waiting


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
    phc_places=st.integers(0, 80),
    dur_phc=st.integers(1, 8),
)
def test_invariants_hold_for_any_policy(
    practice, posts, places, advisers, modulation, housing_first, phc_places, dur_phc
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
            "territory.siae.aci_phc_hosts.phc_places": phc_places,
            "territory.low_threshold.dur_phc": dur_phc,
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
    # Marked arrived before their entry month: the month shows only the rows arrived by then,
    # so the row is changed in its whole column.
    pop = model.pop
    pop.column("status")[pop.column("t_entry") > model.t] = Status.OUTSIDE
    with pytest.raises(InvariantError, match="not arrived"):
        check_invariants(model)


def test_the_checks_catch_an_occupancy_count_gone_stale():
    """Rules read the occupancy kept step by step; a write behind its back is caught."""
    model = InsertionModel(small_scenario(**{"run.check_invariants": False}))
    model.step()
    check_invariants(model)  # the counts kept equal a full recount
    pop = model.pop
    sheltered = np.flatnonzero(pop.shelter >= 0)
    pop.shelter[sheltered[0]] = -1  # leaves a place without Population.write
    with pytest.raises(InvariantError, match="shelter occupancy kept step by step"):
        check_invariants(model)


# ----------------------------------------------------------------------------- empty places
PHC_CASE = {"run.persons": 5000, "run.months": 16}  # 2 hosts x round(6 x 0.25) = 4 PHC places


@pytest.fixture(scope="module")
def phc_run():
    model = run_small(**PHC_CASE)  # invariants on: no place empty while a candidate waits
    return model


def test_phc_places_stay_full_while_people_wait_for_them(phc_run):
    # Dozens of homeless people ask for PHC every month and there are 4 places of 4 months: a
    # place freed by a PHC that ends is taken the same month, so occupancy never dips (it used
    # to fall to 0 one month in 5, the month the places freed after admissions).
    frame = phc_run.recorder.frame()
    assert (frame["cap_places_phc"] == 4).all(), frame["cap_places_phc"].unique()
    assert (frame["queue_low_threshold"] > 4).all(), "premise: more candidates than places"
    assert (frame["used_places_phc"] == 4).all(), frame["used_places_phc"].tolist()
    assert frame["flow_phc_starts"].sum() > 4, "places are refilled as programmes end"


def test_the_checks_catch_a_place_freed_after_admissions(phc_run):
    # As the model did before: a PHC ending after the month's admissions leaves its place empty
    # while this month's candidates wait.
    model = InsertionModel(phc_run.spec)
    model.step()
    pop = model.pop
    waiting = model.unserved[Programme.PHC]
    assert waiting.size, "premise: candidates were left without a PHC place"
    ending = np.flatnonzero((pop.status == Status.LOW_THRESHOLD) & (pop.programme == Programme.PHC))
    to_waiting(pop, ending[:1], model.t)
    with pytest.raises(InvariantError, match="1 PHC places empty while"):
        check_invariants(model)


def test_those_a_host_turns_away_take_the_places_another_host_has_left():
    # Host 0 has 2 free places, host 1 has 1; the three candidates all asked host 0. The first
    # round admits rows 10 and 11 (lowest keys) at host 0; row 12 takes host 1's place.
    cand = np.array([10, 11, 12])
    host = np.array([0, 0, 0])
    free = np.array([2, 1])
    key = np.array([0.1, 0.2, 0.3])
    got = allocate(cand, host, free, key)
    assert got.tolist() == [10, 11]
    more, where = spill_over(cand, key, got, host[np.searchsorted(cand, got)], free)
    assert more.tolist() == [12] and where.tolist() == [1]
    # No free place left: nobody more.
    more, where = spill_over(cand, key, cand, np.array([0, 0, 1]), free)
    assert more.size == 0 and where.size == 0


def test_a_public_served_first_is_served_first_from_the_places_left():
    # One place at each of two hosts; all four candidates asked host 0. Row 13 belongs to the
    # public the programme serves first (rank 0), the others do not (rank 1): it takes host 0's
    # place although its key is the highest. Among the rest, by key, row 10 takes host 1's place,
    # and rows 11 and 12 are left waiting.
    cand = np.array([10, 11, 12, 13])
    host = np.zeros(4, dtype=np.int64)
    free = np.array([1, 1])
    key = np.array([0.1, 0.2, 0.3, 0.9])
    rank = np.array([1, 1, 1, 0])
    got = allocate(cand, host, free, key, rank=rank)
    assert got.tolist() == [13]
    more, where = spill_over(cand, key, got, np.array([0]), free, rank=rank)
    assert more.tolist() == [10] and where.tolist() == [1]
    # A priority over the key: were row 12 of the public too, it would come before row 10.
    rank = np.array([1, 1, 0, 0])
    more, where = spill_over(cand, key, got, np.array([0]), free, rank=rank)
    assert more.tolist() == [12] and where.tolist() == [1]
