"""Shelters, hotels and housing: resources and the rent rule, refill delays, hotels, allocations
with a lag and a search time, tenancy loss (docs/ODD.md 7.8).

Unit tests on hand-built populations, exact limit cases and paired directional checks on the
small baseline (same seed, one parameter changed).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import run_small, small_scenario

from sim.invariants import InvariantError, check_invariants
from sim.model import InsertionModel
from sim.population import NEVER, Population
from sim.scenario import ScenarioError
from sim.states import (
    OB,
    Benefit,
    Household,
    Housing,
    PlaceType,
    Programme,
    ReferentKind,
    ShelterKind,
    Status,
)
from sim.submodels import housing
from sim.submodels.benefits import BenefitHousehold, HousingCosts
from sim.submodels.resources import affordable, benefit_income, earnings, monthly_resources

WEEKS = 52 / 12


def _people(n: int) -> Population:
    pop = Population(n)
    pop.status[:] = Status.OUTSIDE
    return pop


# --------------------------------------------------------------------------- resources
def _model(pop: Population) -> SimpleNamespace:
    """A stand-in for the model: the population, the baseline's parameters and benefit table."""
    real = InsertionModel(small_scenario())
    return SimpleNamespace(
        pop=pop, funding_values=real.funding_values, benefit_scale=real.benefit_scale
    )


def _table(model, amount: str, gross: float, household=BenefitHousehold.ALONE) -> float:
    return float(
        model.benefit_scale.amount(
            amount,
            np.array([household]),
            np.array([HousingCosts.NO_HOUSING_COSTS]),
            np.array([gross]),
        )[0]
    )


def test_earnings_are_the_net_wage_of_hours_at_the_smic_and_aava_pays_its_stipend():
    pop = _people(4)
    pop.status[:] = [Status.JOB, Status.SIAE, Status.LOW_THRESHOLD, Status.SUPPORTED]
    pop.hours[:] = [35.0, 26.0, 20.0, 10.0]
    pop.programme[2] = Programme.AAVA
    model = _model(pop)
    got = earnings(model)
    smic, share = (
        model.funding_values["smic_hourly"],
        model.funding_values["aava.stipend_share_smic"],
    )
    gross = [35 * WEEKS * smic, 26 * WEEKS * smic, 20 * WEEKS * smic * share]
    expected = [_table(model, "net_earnings", g) for g in gross] + [0.0]
    np.testing.assert_allclose(got, expected, err_msg="the table's net wage of hours x SMIC")
    # Employee contributions take about a fifth of a gross wage at the SMIC.
    assert 0.7 * gross[0] < got[0] < 0.9 * gross[0], (got[0], gross[0])
    assert got[3] == 0.0, "no hours paid, no earnings"


def test_benefit_income_is_the_month_s_amounts_without_the_housing_benefit():
    pop = _people(6)
    pop.household[:] = Household.ALONE
    pop.benefit[:] = [
        Benefit.RSA,
        Benefit.AAH,
        Benefit.ASS,
        Benefit.UNEMPLOYMENT,
        Benefit.NONE,
        Benefit.NONE,
    ]
    pop.rsa_amount[0] = 500.0
    pop.suspension_share[0] = 0.5  # half suspended for duties not met: not received
    pop.are_amount[3] = 900.0
    pop.ppa_amount[4] = 100.0
    model = _model(pop)
    got = benefit_income(model)
    expected = [250.0, _table(model, "aah", 0.0), _table(model, "ass", 0.0), 900.0, 100.0, 0.0]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert expected[1] > 900 and 500 < expected[2] < 700, "AAH and ASS full rates (2025)"


def test_the_rent_rule_in_the_baseline_takes_the_rsa_and_not_the_ass_or_a_few_hours():
    scn = small_scenario()
    rules = scn.territory.housing
    pop = _people(4)
    pop.household[:] = Household.ALONE
    pop.benefit[:] = [Benefit.RSA, Benefit.ASS, Benefit.NONE, Benefit.NONE]
    pop.status[2:] = Status.JOB
    pop.hours[2:] = [10.0, 20.0]
    model = _model(pop)
    pop.rsa_amount[0] = _table(model, "rsa", 0.0)  # as the benefits phase sets it
    resources = monthly_resources(model)
    threshold = rules.rent_single / rules.max_effort_rate
    assert affordable(pop, resources, rules).tolist() == [True, False, False, True], (
        f"a single adult needs {threshold:.0f} EUR: the RSA alone meets it, the ASS alone does "
        f"not, nor 10 hours a week at the SMIC without a benefit, 20 hours do: {resources}"
    )
    pop.household[0] = Household.COUPLE  # the RSA of a couple with a child, a family dwelling
    pop.rsa_amount[0] = _table(model, "rsa", 0.0, BenefitHousehold.COUPLE)
    assert affordable(pop, monthly_resources(model), rules)[0]


# --------------------------------------------------------------------------- refill delays
def test_a_freed_place_is_held_back_for_the_refill_delay():
    vac = housing.Vacancies(n_structures=2, dur_refill=1.5)
    vac.record(10, np.array([0, 0, 0, 0]), np.array([PlaceType.SINGLE] * 4))
    vac.record(10, np.array([1, 1]), np.array([PlaceType.FAMILY] * 2))
    # The month it is freed counts in full, the next one for half the places (1.5 months).
    assert vac.blocked(10)[0, PlaceType.SINGLE] == 4
    assert vac.blocked(11)[0, PlaceType.SINGLE] == 2
    assert vac.blocked(12)[0, PlaceType.SINGLE] == 0
    assert vac.blocked(10)[1].tolist() == [0, 2], "family places of structure 1"
    assert vac.blocked(11)[1].tolist() == [0, 1], "half of 2 family places"
    assert housing.Vacancies(2, 0.0).blocked(10).sum() == 0


def test_longer_refill_delays_leave_more_shelter_places_empty():
    occupancy = {}
    for dur in (0.0, 2.0):
        model = run_small(**{"behaviour.dur_refill": dur})
        monthly = model.recorder.frame().iloc[6:]
        used = monthly["used_places_chu"].sum() + monthly["used_places_chrs"].sum()
        cap = monthly["cap_places_chu"].sum() + monthly["cap_places_chrs"].sum()
        occupancy[dur] = used / cap
    assert occupancy[2.0] < occupancy[0.0] - 0.02, (
        f"places empty two months between occupants must lower occupancy: {occupancy}"
    )


# --------------------------------------------------------------------------- hotels
NO_SHELTER_PLACES = {
    f"territory.shelters.{g}.places": 0
    for g in ("emergency", "chrs_case_by_case", "chrs_with_cip", "iml", "oacas")
}


def test_hotel_rooms_go_to_families_first_and_hotels_have_no_social_workers():
    # 200 rooms for 20,000 persons: 15 for the 1,500 of the small run, against about 30
    # families among the ~67 people who arrive in emergency accommodation.
    scn = small_scenario(**NO_SHELTER_PLACES, **{"territory.shelters.hotels.places": 200})
    model = InsertionModel(scn)
    model.step()
    pop = model.pop
    rooms = int(model.shelter_places[model.shelter_is_hotel].sum())
    assert rooms == 15, rooms
    in_hotel = np.flatnonzero(pop.shelter >= 0)
    assert np.all(model.shelter_kind[pop.shelter[in_hotel]] == ShelterKind.HOTEL)
    assert in_hotel.size == rooms, "more families ask than there are rooms: every room is taken"
    assert np.all(pop.place_type()[in_hotel] == PlaceType.FAMILY), (
        "families first: while families wait, no single adult gets a room"
    )
    caseloads = model.referents.capacity[: model.referents.n_shelters][model.shelter_is_hotel]
    assert np.all(caseloads == 0), "a hotel has no social workers"
    assert not np.any(pop.referent_kind[in_hotel] == ReferentKind.SHELTER), (
        "hotel residents have no shelter referent"
    )


def test_a_hotel_with_social_workers_is_refused():
    with pytest.raises(ScenarioError, match="hotel has no social workers") as info:
        small_scenario(**{"territory.shelters.hotels.social_workers": 2})
    assert info.value.field == "territory.shelters.hotels", info.value.field


def test_the_checks_catch_more_families_than_family_places():
    model = InsertionModel(small_scenario(**{"run.check_invariants": False}))
    model.step()
    pop = model.pop
    chu = int(np.flatnonzero(model.shelter_kind == ShelterKind.CHU)[0])
    families = np.flatnonzero(pop.present() & (pop.place_type() == PlaceType.FAMILY))
    pop.shelter[pop.shelter == chu] = -1
    extra = families[: model.shelter_family_places[chu] + 1]
    pop.shelter[extra] = chu
    pop.housing[extra] = Housing.EMERGENCY_SHELTER
    assert extra.size <= model.shelter_places[chu], "within the total, over the family places"
    with pytest.raises(InvariantError, match="more single adults or families than places"):
        check_invariants(model)


# --------------------------------------------------------------------------- allocations
def test_no_one_moves_in_before_the_search_time_and_a_longer_search_delays_housing():
    exits = {}
    for dur in (0.0, 6.0):
        # Many allocations, so that the comparison rests on hundreds of moves.
        model = run_small(
            **{
                "territory.housing.dur_search_social": dur,
                "territory.housing.social_housing_per_month": 300,
                "run.burn_in": 0,  # allocations from an empty start at month 0
            }
        )
        exits[dur] = model.recorder.frame()["flow_housing_exits"].to_numpy()
    assert exits[0.0][:6].sum() > 0, "without a search time, allocations are moved into at once"
    assert exits[6.0][:6].sum() == 0, (
        "an allocation made in month 0 is moved into in month 6 at the earliest"
    )
    by_12 = {dur: int(e[:12].sum()) for dur, e in exits.items()}
    assert by_12[6.0] < 0.8 * by_12[0.0], f"a 6-month search houses fewer within a year: {by_12}"


def test_logement_d_abord_tenants_also_wait_for_their_dwelling():
    hf = {"policy.housing_first": True, "territory.housing.housing_first_per_month": 40}
    model = run_small(**hf, **{"territory.housing.dur_search_housing_first": 4.0, "run.burn_in": 0})
    monthly = model.recorder.frame()
    pop = model.pop
    assert pop.housing_first.any(), "Logement d'abord dwellings were moved into"
    moved = pop.t_housed[pop.housing_first]
    assert moved.min() >= 4, "a Logement d'abord allocation of month 0 is moved into in month 4"
    assert monthly["flow_housing_refusals"].sum() > 0, "some offers are refused (p = 0.2)"


def test_social_housing_follows_resources_with_the_stated_lag():
    lag = 3
    scn = small_scenario(
        **{
            "territory.housing.dur_resources_required": float(lag),
            "territory.housing.dur_search_social": 0.0,
        }
    )
    model = InsertionModel(scn)
    pop = model.pop
    checked = 0
    while model.t + 1 < scn.run.months:  # the burn-in months included
        before = pop.column("housing").copy()  # every row (each month shows those arrived)
        model.step()
        now = pop.column("housing")
        moved = np.flatnonzero((before != Housing.ORDINARY) & (now == Housing.ORDINARY))
        moved = moved[~pop.housing_first[moved]]
        since = pop.t_affordable_since[moved]
        assert np.all((since != NEVER) & (model.t - since >= lag)), (
            f"month {model.t}: someone moved into social housing whose resources met the rent "
            f"rule for less than {lag} months: {(model.t - since).tolist()}"
        )
        checked += moved.size
    assert checked > 0, "the run housed nobody: the check saw nothing"


def test_employed_chrs_residents_are_seen_in_their_shelter_at_month_end():
    scn = small_scenario()
    model = InsertionModel(scn)
    pop = model.pop
    seen = 0
    for _ in range(scn.run.months):
        model.step()
        seen += np.count_nonzero(pop.present() & (pop.housing == Housing.CHRS) & pop.employed())
    assert seen > 0, (
        "housing follows employment with a lag and a search time, so employed CHRS residents "
        "are still sheltered at the end of some months (DREES: about 3 in 10 CHRS adults work)"
    )


# --------------------------------------------------------------------------- tenancy loss
# The tenancy-loss rates the hazard reads, at values that make each multiplier visible.
TENANCY_RATES = SimpleNamespace(
    p_tenancy_loss=0.01,
    rel_tenancy_loss_unaffordable=3.0,
    rel_tenancy_loss_debt=2.0,
    rel_tenancy_loss_support=0.5,
)


def test_the_tenancy_loss_hazard_combines_its_multipliers():
    pop = _people(4)
    pop.obstacles[OB["debt"], 2] = 2
    pop.housing_first[3] = True
    model = SimpleNamespace(pop=pop, behaviour=TENANCY_RATES)
    ok = np.array([True, False, True, True])
    nobody_seen = np.zeros(4, dtype=bool)
    got = housing.tenancy_hazard(model, ok, nobody_seen)
    np.testing.assert_allclose(
        got,
        [0.01, 0.03, 0.01 * 2.0**2, 0.005],
        err_msg="base, x3 unaffordable, x2 per debt level, x0.5 for a Logement d'abord tenant",
    )
    pop.referent_kind[0] = ReferentKind.SHELTER  # followed by a shelter's social worker...
    assert housing.tenancy_hazard(model, ok, nobody_seen)[0] == pytest.approx(0.01), (
        "a social worker with no hours left for the tenant this month (not seen) does not lower "
        "the hazard"
    )
    seen = np.array([True, False, False, False])  # ...who gave them time this month
    assert housing.tenancy_hazard(model, ok, seen)[0] == pytest.approx(0.005), (
        "a tenant seen by their shelter's social worker this month is supported (x0.5)"
    )
    pop.referent_kind[0] = ReferentKind.FRANCE_TRAVAIL
    assert housing.tenancy_hazard(model, ok, seen)[0] == pytest.approx(0.01), (
        "an adviser alone is no social support in the dwelling"
    )
    pop.global_support[0] = True
    assert housing.tenancy_hazard(model, ok, seen)[0] == pytest.approx(0.005), (
        "accompagnement global pairs the adviser with a social worker: supported when seen"
    )
    pop.logic[:] = 1  # the practice profile plays no part
    np.testing.assert_allclose(
        housing.tenancy_hazard(model, ok, seen),
        [0.005, 0.03, 0.01 * 2.0**2, 0.005],
        err_msg="the hazard reads the support state, never the practice profile",
    )


def test_the_tenancy_hazard_of_some_rows_is_theirs_in_the_hazard_of_everyone():
    pop = _people(5)
    pop.obstacles[OB["debt"], [1, 4]] = [1, 3]
    pop.housing_first[2] = True
    pop.referent_kind[3] = ReferentKind.SHELTER
    model = SimpleNamespace(pop=pop, behaviour=TENANCY_RATES)
    ok = np.array([True, False, True, True, False])
    seen = np.array([False, False, False, True, True])
    rows = np.array([1, 3, 4])
    np.testing.assert_array_equal(
        housing.tenancy_hazard(model, ok, seen, rows),
        housing.tenancy_hazard(model, ok, seen)[rows],
        err_msg="the hazard computed for some tenants only must be theirs, bit for bit",
    )
    np.testing.assert_allclose(
        housing.tenancy_hazard(model, ok, seen, rows),
        [0.03 * 2.0, 0.005, 0.03 * 2.0**3],
        err_msg="x3 unaffordable and x2 per debt level; x0.5 when seen by a shelter's worker",
    )


def test_no_tenancy_hazard_exceeds_the_bound_below_which_losses_are_drawn():
    # Every combination of the factors: the bound is the largest hazard, reached by one tenant.
    combos = [(ok, debt, hf) for ok in (True, False) for debt in range(4) for hf in (True, False)]
    pop = _people(len(combos))
    for i, (_, debt, hf) in enumerate(combos):
        pop.obstacles[OB["debt"], i] = debt
        pop.housing_first[i] = hf
    ok = np.array([c[0] for c in combos])
    seen = np.zeros(len(combos), dtype=bool)
    for rates in (TENANCY_RATES, SimpleNamespace(**{**vars(TENANCY_RATES), "p_tenancy_loss": 0.2})):
        model = SimpleNamespace(pop=pop, behaviour=rates)
        hazard = housing.tenancy_hazard(model, ok, seen)
        bound = housing._largest_tenancy_hazard(rates)
        assert hazard.max() == bound, "the bound is the hazard of the least protected tenant"
        assert bound == pytest.approx(min(rates.p_tenancy_loss * 3.0 * 2.0**3, 1.0))


def test_the_places_in_use_by_type_are_kept_as_persons_move_and_equal_a_full_count():
    model = InsertionModel(small_scenario(**{"run.check_invariants": False}))
    pop = model.pop
    for _ in range(8):  # arrivals, admissions, staircase moves, exits, moves into housing
        model.step()
        rows = np.flatnonzero(pop.shelter >= 0)
        family = pop.household[rows] != Household.ALONE
        expected = np.zeros((model.n_shelters, 2), dtype=np.int64)
        np.add.at(expected, (pop.shelter[rows], family.astype(int)), 1)
        got = housing.used_places(model)
        assert np.array_equal(got, expected), (
            f"month {model.t}: residents by shelter and place type (single, family) should be "
            f"{expected.tolist()}, the counts kept give {got.tolist()}"
        )
    assert expected[:, 1].sum() > 0 and expected[:, 0].sum() > 0, "premise: both types housed"
    # A change outside Population.write leaves the kept count behind: the invariants see it. A
    # single resident of a shelter with a family place free becomes a couple (within capacity).
    spare = (housing.place_capacity(model) - got)[:, 1] > 0
    single = rows[~family & spare[pop.shelter[rows]]]
    assert single.size, "premise: a single adult lives in a shelter with a family place free"
    pop.household[single[0]] = Household.COUPLE
    with pytest.raises(InvariantError, match="shelter_family occupancy kept step by step"):
        check_invariants(model)


def test_a_zero_tenancy_loss_hazard_means_nobody_loses_housing():
    hf = {"policy.housing_first": True, "territory.housing.housing_first_per_month": 40}
    scn = small_scenario(**hf, **{"behaviour.p_tenancy_loss": 0.0})
    model = InsertionModel(scn)
    pop = model.pop
    while model.t + 1 < scn.run.months:  # the burn-in months included
        tenants = pop.present() & (pop.housing == Housing.ORDINARY)
        tenants = np.pad(tenants, (0, pop.size - pop.n))  # every row: each month shows the arrived
        model.step()
        still = tenants[: pop.n] & pop.present()
        assert np.all(pop.housing[still] == Housing.ORDINARY), (
            f"month {model.t}: a tenant lost their dwelling with a zero hazard"
        )
    monthly = model.recorder.frame()
    assert monthly["flow_housing_losses"].sum() == 0
    assert monthly["flow_housing_first_losses"].sum() == 0
    assert pop.housing_first.any(), "Logement d'abord tenants were there to lose nothing"


def test_a_certain_tenancy_loss_empties_ordinary_housing_in_the_first_month():
    certain = {"behaviour.p_tenancy_loss": 1.0, "behaviour.rel_tenancy_loss_support": 1.0}
    model = InsertionModel(small_scenario(**certain, **{"run.burn_in": 0}))  # month 0 first
    pop = model.pop
    arriving = np.count_nonzero((pop.t_entry == 0) & (pop.housing == Housing.ORDINARY))
    model.step()
    assert np.count_nonzero(pop.present() & (pop.housing == Housing.ORDINARY)) == 0, (
        "a hazard of 1 takes every tenant's dwelling in the month (no one moves in in month 0: "
        "the resources must meet the rent rule for 3 months first)"
    )
    lost = model.recorder.frame()["flow_housing_losses"].iloc[0]
    assert 0.98 * arriving <= lost <= arriving, (
        f"{lost} losses for {arriving} tenants at start, less the month's few departures"
    )


def test_support_lowers_tenancy_loss():
    common = {
        "policy.housing_first": True,
        "territory.housing.housing_first_per_month": 40,
        "behaviour.p_tenancy_loss": 0.02,
    }
    losses = {}
    for rel in (1.0, 0.2):
        model = run_small(**common, **{"behaviour.rel_tenancy_loss_support": rel})
        losses[rel] = model.recorder.frame()["flow_housing_first_losses"].sum()
    assert losses[1.0] > 15, f"enough Logement d'abord losses to compare: {losses}"
    assert losses[0.2] < 0.6 * losses[1.0], (
        f"support dividing the hazard by 5 must cut Logement d'abord tenants' losses: {losses}"
    )
