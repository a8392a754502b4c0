"""The warm start (``run.burn_in``, DESIGN.md decision 11): month 0 is a territory in its steady
state, and nothing of the burn-in is counted."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_small, small_scenario

from sim.model import InsertionModel
from sim.population import NEVER
from sim.states import Status
from sim.submodels.funding import TRANSFERS

# 3,000 persons: about 100 SIAE posts and 300 places, so one person is about a third of a point
# of occupancy and occupancy moves by 1-2 points from month to month.
WARM = {"run.persons": 3000, "run.months": 13, "run.seed": 5, "run.check_invariants": False}
TOLERANCE = 0.03  # [share] twice the month-to-month noise of occupancy at this size


def occupancy(model, kind: str) -> np.ndarray:
    """Occupied share of the capacities of a kind (``posts``, ``places``, ``caseload``) by month."""
    monthly = model.recorder.frame()
    used = monthly.filter(regex=f"^used_{kind}").sum(axis=1)
    cap = monthly.filter(regex=f"^cap_{kind}").sum(axis=1)
    return (used / cap).to_numpy()


def posts_and_places(model) -> np.ndarray:
    """Occupied share of SIAE posts and of every kind of place, pooled, by month."""
    monthly = model.recorder.frame()
    used = monthly.filter(regex="^used_(posts|places)").sum(axis=1)
    cap = monthly.filter(regex="^cap_(posts|places)").sum(axis=1)
    return (used / cap).to_numpy()


def staff_time(model) -> np.ndarray:
    """Share of the referents' staff hours used (activities and mediation contacts), by month."""
    monthly = model.recorder.frame()
    used = monthly.filter(regex="^used_staff_hours").sum(axis=1)
    cap = monthly.filter(regex="^cap_staff_hours").sum(axis=1)
    return (used / cap).to_numpy()


@pytest.fixture(scope="module")
def warm():
    """The baseline with its own burn-in (36 months), and from an empty start."""
    return {b: run_small(**WARM, **{"run.burn_in": b}) for b in (36, 0)}


def test_month_0_occupancy_is_the_level_it_keeps_afterwards(warm):
    model = warm[36]
    for name, series in (
        ("posts and places", posts_and_places(model)),
        ("caseloads", occupancy(model, "caseload")),
        ("staff time", staff_time(model)),
    ):
        later = series[1:].mean()
        assert abs(series[0] - later) <= TOLERANCE, (
            f"{name}: month-0 occupancy {series[0]:.3f} should be within {TOLERANCE} of the "
            f"level of months 1-12 ({later:.3f}) after a 36-month burn-in"
        )
    empty = warm[0]
    posts = occupancy(empty, "posts")
    assert posts[0] < posts[1:].mean() - 0.3, (
        f"from an empty start SIAE posts fill up over the first months ({posts[0]:.2f} at month "
        f"0 vs {posts[1:].mean():.2f} later): the check above would see an empty start"
    )


def test_a_longer_burn_in_changes_month_0_occupancy_by_less_than_the_tolerance():
    """Past the default 36 months, 12 more months of burn-in change month 0 by little.

    Means over four seeds: one seed's month-0 occupancy moves by 1-2 points with the draws.
    """
    month_0 = {}
    for burn_in in (36, 48):
        runs = [
            run_small(**{**WARM, "run.months": 1, "run.seed": seed, "run.burn_in": burn_in})
            for seed in range(1, 5)
        ]
        month_0[burn_in] = {
            "posts and places": np.mean([posts_and_places(m)[0] for m in runs]),
            "caseloads": np.mean([occupancy(m, "caseload")[0] for m in runs]),
            "staff time": np.mean([staff_time(m)[0] for m in runs]),
        }
    for name, default in month_0[36].items():
        more = month_0[48][name]
        assert abs(more - default) <= TOLERANCE, (
            f"{name}: month-0 occupancy {default:.3f} after 36 months of burn-in, {more:.3f} "
            f"after 48 (means over 4 seeds): a longer burn-in should change it by at most "
            f"{TOLERANCE}"
        )


def test_nothing_of_the_burn_in_is_counted(warm):
    model = warm[36]
    pop = model.pop
    assert model.recorder.frame()["month"].tolist() == list(range(13)), "months 0-12 recorded"
    assert model.ledger.frame()["month"].min() == 0, "no burn-in cost in the ledger"
    observed = (pop.status != Status.NOT_ARRIVED) & (pop.t_entry >= 0)
    left_before = (pop.status == Status.LEFT) & (pop.t_entry < 0)
    assert left_before.any(), "some persons left during the 36 months of burn-in"
    persons = model.persons_frame()
    assert len(persons) == observed.sum(), "persons who left during the burn-in are not observed"
    assert (persons["t_entry"] >= 0).all()
    for name in ("t_first_support", "t_first_job", "t_first_durable", "t_housed"):
        months = getattr(pop, name)[observed]
        assert np.all((months >= 0) | (months == NEVER)), f"{name}: a month of the burn-in"
        assert (persons[name] >= -1).all(), f"{name}: never is written -1"
    ind = model.indicators().set_index(["indicator", "public"])["value"]
    ledger = model.ledger.frame()
    support = ledger[~ledger["programme"].isin(TRANSFERS)]  # cost_total: support, not benefits
    assert ind[("cost_total", "all")] == pytest.approx(support["amount"].sum())
    assert pop.cost[~observed].sum() == 0, "costs of the burn-in are attributed to nobody"
    # Benefit transfers too: what persons received is what the ledger paid from month 0.
    for programme, paid in (("rsa_allowance", pop.cost_rsa), ("prime_activite", pop.cost_ppa)):
        total = ledger.loc[ledger["programme"] == programme, "amount"].sum()
        assert paid.sum() == pytest.approx(total), f"{programme}: the burn-in's transfers counted"
        assert paid[~observed].sum() == 0, f"{programme} of the burn-in attributed to someone"


def test_the_month_0_cohort_enters_at_month_0_as_the_burn_in_left_it():
    model = InsertionModel(small_scenario(**WARM, **{"run.burn_in": 24}))
    model.warm_up()
    assert model.t == -1, "the burn-in ends on the eve of month 0"
    pop = model.pop
    present = pop.present()
    homeless, obstacles = pop.homeless().copy(), pop.n_obstacles().copy()
    supported = pop.referent >= 0
    employed = pop.employed()
    assert employed[present].mean() > 0.05, "contracts are under way at the end of the burn-in"
    benefit = pop.benefit.copy()
    model.step()  # month 0; the rows of its arrivals come after those of the burn-in
    cohort = np.flatnonzero(present)
    assert np.all(pop.t_entry[cohort] == 0), "the persons present enter at month 0"
    assert np.array_equal(pop.homeless_at_entry[cohort], homeless[cohort])
    assert np.array_equal(pop.n_obstacles_at_entry[cohort], obstacles[cohort])
    assert np.array_equal(pop.benefit_at_entry[cohort], benefit[cohort]), (
        "the month-0 cohort's benefit at entry is the benefit the burn-in left them on"
    )
    assert np.all(pop.t_first_support[cohort[supported[cohort]]] == 0), "supported from month 0"
    kept = cohort[employed[cohort] & pop.employed()[cohort] & (pop.t_contract_start[cohort] < 0)]
    assert kept.size and np.all(pop.t_first_job[kept] == NEVER), (
        "a job held since the burn-in was found before the observation: no first job yet"
    )
    in_siae = cohort[(pop.status[cohort] == Status.SIAE) & (pop.t_contract_start[cohort] < -1)]
    assert in_siae.size and np.all(pop.months_siae[in_siae] >= 2), (
        "months in a SIAE during the burn-in count towards the 24-month IAE cap"
    )
