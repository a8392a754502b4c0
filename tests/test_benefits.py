"""Benefits, the Département, the 2025 duties and the intensive support measure of seed 002.

Unit checks on hand-set persons (the amounts of the OpenFisca table, the rules in force, RSA
claims and exits, unemployment insurance, exemptions, suspension-remobilisation, the
Département's orientation rule, the measure's public, length and price), exact limit cases, and
paired directional checks (same seed, one rule changed). Expected values come from the law and
the table's inputs, never from a run's output.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import run_small, small_scenario
from test_limits import GROUPS

from sim.invariants import InvariantError, check_invariants
from sim.model import InsertionModel
from sim.parameters import benefit_rules
from sim.parameters.benefit_table import benefit_scale, load_benefit_table, table_provenance
from sim.population import NEVER
from sim.scenario import ScenarioError
from sim.states import (
    OB,
    Benefit,
    BenefitHousehold,
    Household,
    Housing,
    HousingCosts,
    Service,
    Status,
    Track,
)
from sim.submodels import benefits, duties, measure, orientation, resources
from sim.submodels.transitions import to_outside

ALONE, NO_COSTS = BenefitHousehold.ALONE, HousingCosts.NO_HOUSING_COSTS


def _one(value) -> np.ndarray:
    return np.array([value])


# ----------------------------------------------------------------------------- amounts
def test_the_table_gives_the_rsa_in_force():
    # C10: 608 EUR a month for a single person in September 2023 (607.75 from 1 April 2023);
    # revalued by 4.6% on 1 April 2024 (635.71) and 1.7% on 1 April 2025 (646.52).
    for date, expected in ((dt.date(2023, 9, 1), 607.75), (dt.date(2025, 6, 1), 646.52)):
        scale = benefit_scale(date)
        rsa = scale.amount("rsa", _one(ALONE), _one(NO_COSTS), _one(0.0))[0]
        assert rsa == pytest.approx(expected, abs=0.01), f"RSA for a single person on {date}"
    assert round(607.75) == 608, "C10"


def test_earnings_lower_the_rsa_one_for_one_and_open_the_prime_dactivite():
    # Since 2016 the RSA counts net earnings in full; the prime d'activité pays 61% of the net
    # earnings of the three months before at low earnings (its means test does not bite yet; the
    # net wage of those months may differ by a few cents from this month's), so it is positive as
    # soon as one works.
    scale = benefit_scale(dt.date(2025, 6, 1))
    kind, costs = np.full(3, ALONE), np.full(3, NO_COSTS)
    gross = np.array([0.0, 200.0, 500.0])
    rsa = scale.amount("rsa", kind, costs, gross)
    net = scale.amount("net_earnings", kind, costs, gross)
    ppa = scale.amount("ppa", kind, costs, gross)
    np.testing.assert_allclose(rsa[0] - rsa[1:], net[1:], atol=0.02, err_msg="RSA - net wage")
    np.testing.assert_allclose(ppa[1:], 0.61 * net[1:], rtol=0.03, err_msg="PPA = 61% of net")
    assert ppa[0] == 0, "no prime d'activité without earnings"


def test_amounts_are_interpolated_linearly_and_clamped_beyond_the_grid():
    scale = benefit_scale(dt.date(2025, 6, 1))
    grid = scale.earnings
    step = grid[1] - grid[0]
    at = np.array([grid[10], grid[10] + step / 4, grid[11], grid[-1] + 1000.0])
    v = scale.amount("ppa", np.full(4, ALONE), np.full(4, NO_COSTS), at)
    assert v[1] == pytest.approx(0.75 * v[0] + 0.25 * v[2]), "a quarter of the way between"
    last = scale.values["ppa"][ALONE, NO_COSTS, -1]
    assert v[3] == pytest.approx(last), "beyond the grid: its last value"


def test_tenants_have_housing_benefit_and_the_flat_rate_deduction():
    # A tenant receiving housing benefit has the RSA's flat-rate housing deduction taken off
    # (CASF R.262-9): 12% of the single-person amount, 77.58 EUR in June 2025.
    scale = benefit_scale(dt.date(2025, 6, 1))
    costs = np.array([NO_COSTS, HousingCosts.TENANT])
    rsa = scale.amount("rsa", np.full(2, ALONE), costs, np.zeros(2))
    housing = scale.amount("aide_logement", np.full(2, ALONE), costs, np.zeros(2))
    assert housing[0] == 0 and housing[1] > 0, "housing benefit only with housing costs"
    assert rsa[0] - rsa[1] == pytest.approx(0.12 * 646.52, abs=0.01), "forfait logement"


def test_the_table_carries_its_provenance():
    prov = table_provenance()
    assert prov["openfisca_france"], "the OpenFisca-France version that computed it"
    dates = sorted(load_benefit_table())
    assert [d.isoformat() for d in dates] == prov["legislation_dates"], "its legislation dates"
    assert prov["inputs"]["households"]["alone"]["adults"] == 1, "its inputs"


def test_a_start_before_the_table_is_refused_naming_run_start():
    with pytest.raises(ScenarioError) as err:
        benefit_scale(dt.date(2020, 1, 1))
    assert err.value.field == "run.start" and "2023-01-01" in str(err.value)


def test_a_broken_table_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "amounts.csv"
    header = "date,household,housing,earnings,rsa,ppa,aide_logement,aah,ass,net_earnings\n"
    path.write_text(header + "2025-01-01,trouple,tenant,0,1,1,1,1,1,0\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_benefit_table(path)
    assert "line 2: household" in err.value.field and "alone" in str(err.value)


# ----------------------------------------------------------------------------- rules in force
@pytest.mark.parametrize(
    ("start", "registration", "hours", "remobilisation"),
    [("2024-12-01", 0, 0, 0), ("2025-01-01", 1, 15, 0), ("2025-06-01", 1, 15, 1)],
)
def test_the_duties_in_force_follow_run_start(start, registration, hours, remobilisation):
    rules = benefit_rules(small_scenario(**{"run.start": start}))
    assert rules["duties.automatic_registration"] == registration, "loi 2023-1196, 1 Jan 2025"
    assert rules["duties.hours_per_week"] == hours, "15 hours from 1 January 2025"
    assert rules["duties.remobilisation"] == remobilisation, "decree of 30 May, from 1 June 2025"


def test_a_suspension_below_the_share_in_force_is_refused():
    scn = small_scenario("reform_2025", **{"policy.duties.suspension_share": 0.2})
    with pytest.raises(ScenarioError) as err:
        benefit_rules(scn)
    assert err.value.field == "policy.duties.suspension_share" and "0.3" in str(err.value)
    benefit_rules(small_scenario("pre_reform", **{"policy.duties.suspension_share": 0.2}))


def test_an_unknown_rule_override_is_refused_naming_it():
    scn = small_scenario(**{"policy.benefits.overrides": {"duties.hours_per_day": 3}})
    with pytest.raises(ScenarioError) as err:
        benefit_rules(scn)
    assert err.value.field == "policy.benefits.overrides.duties.hours_per_day"


# ----------------------------------------------------------------------------- benefit changes
@pytest.fixture
def model():
    """A small baseline model after one month, for hand-set persons."""
    m = InsertionModel(small_scenario(**{"run.persons": 300, "run.check_invariants": False}))
    m.step()
    return m


def _outside(m, rows, benefit=Benefit.NONE):
    """Set ``rows`` present, outside support, aged 30, alone, without earnings, on ``benefit``."""
    pop = m.pop
    to_outside(pop, rows)
    pop.shelter[rows] = -1
    pop.benefit[rows] = benefit
    pop.age[rows], pop.t_entry[rows] = 30.0, 0
    pop.household[rows], pop.children_under_3[rows] = Household.ALONE, 0
    pop.housing[rows] = Housing.STREET
    pop.rsa_household_eligible[rows] = True
    for k in (1, 2, 3):
        getattr(pop, f"earnings_{k}")[rows] = 0.0
    pop.t_job_lost[rows] = NEVER
    pop.t_rsa_entry[rows] = NEVER
    pop.months_rsa_unpaid[rows] = 0


def _behaviour(m, **values):
    m.behaviour = m.behaviour.model_copy(update=values)


def test_an_entitled_person_claims_the_rsa_and_gets_the_amount_of_the_table(model):
    m = model
    rows = np.arange(4)
    _outside(m, rows)
    m.pop.age[1] = 24.0  # under 25: not entitled (CASF L.262-4)
    m.pop.rsa_household_eligible[2] = False  # other household resources
    m.pop.age[3] = 70.0  # the ASPA's age
    _behaviour(m, p_rsa_claim=1.0, p_rsa_exit_household=0.0, p_household_eligible=0.0)
    benefits.update(m)
    assert list(m.pop.benefit[rows]) == [Benefit.RSA, Benefit.NONE, Benefit.NONE, Benefit.NONE]
    full = m.benefit_scale.values["rsa"][ALONE, NO_COSTS, 0]
    assert m.pop.rsa_amount[0] == pytest.approx(full), "the table's RSA without earnings"
    assert m.pop.t_rsa_entry[0] == m.t and m.pop.n_rsa_entries[0] >= 1


def test_earnings_too_high_for_four_months_close_the_rsa(model):
    # CASF R.262-40: the right ends after four consecutive months with nothing paid.
    m = model
    row = np.array([0])
    _outside(m, row, Benefit.RSA)
    _behaviour(m, p_rsa_exit_household=0.0)
    for month in range(1, 5):
        for k in (1, 2, 3):
            getattr(m.pop, f"earnings_{k}")[row] = 3000.0  # far above the RSA's ceiling
        benefits.update(m)
        expected = Benefit.RSA if month < 4 else Benefit.NONE
        assert m.pop.benefit[0] == expected, f"after {month} month(s) with nothing due"
        assert m.pop.rsa_amount[0] == 0.0, "nothing due"


@pytest.mark.parametrize(("worked", "months"), [(4, None), (12, 9), (30, 18), (7, 6)])
def test_a_job_that_ends_opens_unemployment_insurance_by_the_2023_rules(model, worked, months):
    # 6 months of work open a right of 0.75 month per month worked (décret 2023-33), at least
    # 6 months (182 days) and at most 18 under 53.
    m = model
    row = np.array([0])
    _outside(m, row, Benefit.RSA)
    m.pop.t_job_lost[row], m.pop.months_last_job[row] = m.t, worked
    m.pop.earnings_1[row] = 1800.0
    benefits.update(m)
    if months is None:
        assert m.pop.benefit[0] != Benefit.UNEMPLOYMENT, "4 months do not open a right"
    else:
        assert m.pop.benefit[0] == Benefit.UNEMPLOYMENT
        assert m.pop.t_benefit_end[0] == m.t + months
        assert m.pop.are_amount[0] == pytest.approx(0.57 * 1800.0), "57% of the last wage"


def test_the_incapacity_route_comes_with_the_aah(model):
    m = model
    row = np.array([0])
    _outside(m, row, Benefit.RSA)
    m.pop.status[row] = Status.INCAPACITY
    benefits.update(m)
    assert m.pop.benefit[0] == Benefit.AAH and m.pop.rsa_amount[0] == 0


def test_monthly_resources_add_wage_and_benefits(model):
    """The housing phase's resources are the benefit amounts of the month (and the net wage)."""
    m = model
    rows = np.arange(2)
    _outside(m, rows, Benefit.RSA)
    _behaviour(m, p_rsa_exit_household=0.0)
    benefits.update(m)
    assert m.pop.rsa_amount[0] > 0, "an RSA recipient without a wage is due the RSA"
    res = resources.monthly_resources(m)
    assert res[0] == pytest.approx(m.pop.rsa_amount[0]), "an RSA recipient without a wage"
    m.pop.suspension_share[1] = 0.5
    res = resources.monthly_resources(m)
    assert res[1] == pytest.approx(0.5 * m.pop.rsa_amount[1]), "a suspended half is not income"


# ----------------------------------------------------------------------------- duties
def test_exemptions_follow_the_scenario_fields(model):
    m = model
    rows = np.arange(5)
    _outside(m, rows, Benefit.RSA)
    pop = m.pop
    pop.obstacles[:, rows] = 0
    pop.housing[rows] = Housing.ORDINARY
    pop.obstacles[OB["mental_health"], 0] = 3  # health
    pop.household[1], pop.children_under_3[1] = Household.SINGLE_PARENT, 1  # no crèche
    pop.household[2], pop.children_under_3[2] = Household.SINGLE_PARENT, 1
    pop.service[2] = Service.CRECHE  # a crèche place: a childcare solution
    pop.housing[3] = Housing.STREET  # housing emergency
    assert list(duties.exempt(m)[rows]) == [True, True, False, True, False]
    m.policy = m.policy.model_copy(
        update={"duties": m.policy.duties.model_copy(update={"exempt_housing_emergency": False})}
    )
    assert not duties.exempt(m)[3], "without that field the street does not exempt"


def test_hours_a_person_can_do_fall_with_obstacles(model):
    m = model
    rows = np.arange(3)
    _outside(m, rows, Benefit.RSA)
    m.pop.obstacles[:, rows] = 0
    m.pop.obstacles[OB["debt"], 1] = 2
    m.pop.obstacles[OB["mobility"], 2], m.pop.obstacles[OB["french"], 2] = 3, 3
    m.pop.obstacles[OB["digital"], 2] = 3
    b = m.behaviour
    expected = [b.duty_hours_capacity - b.duty_hours_per_severity * s for s in (0, 2, 9)]
    np.testing.assert_allclose(duties.attainable_hours(m)[rows], expected)


def _suspended(m, row, withheld):
    _outside(m, row, Benefit.RSA)
    m.pop.t_suspension_end[row] = m.t + 2
    m.pop.suspension_share[row] = 0.5
    m.pop.rsa_withheld[row] = withheld


@pytest.mark.parametrize(("start", "repaid"), [("2025-01-01", 0.0), ("2025-06-01", 100.0)])
def test_remobilisation_pays_back_a_suspension_only_under_the_2025_decree(start, repaid):
    m = InsertionModel(small_scenario(**{"run.persons": 300, "run.start": start}))
    m.step()
    row = np.array([0])
    _suspended(m, row, 100.0)
    _behaviour(m, p_remobilise=1.0)
    before = float(m.pop.cost_rsa[0])
    duties.update(m)
    assert m.pop.t_suspension_end[0] == NEVER, "remobilised: the suspension is lifted"
    assert m.ledger._events["rsa_allowance"] == pytest.approx(repaid)
    assert m.pop.cost_rsa[0] - before == pytest.approx(repaid)


def test_a_suspended_recipient_may_give_up_the_rsa(model):
    m = model
    row = np.array([0])
    _suspended(m, row, 50.0)
    _behaviour(m, p_remobilise=0.0, p_rsa_drop_suspended=1.0)
    duties.update(m)
    assert m.pop.benefit[0] == Benefit.NONE and m.pop.suspension_share[0] == 0


# ----------------------------------------------------------------------------- the Département
def test_the_departement_orients_by_health_and_housing(model):
    m = model
    rows = np.arange(4)
    _outside(m, rows, Benefit.RSA)
    pop = m.pop
    pop.obstacles[:, rows] = 0
    pop.housing[rows] = Housing.ORDINARY
    pop.obstacles[OB["addiction"], 0] = 2  # health in the way (threshold 2 in the baseline)
    pop.obstacles[OB["physical_health"], 1] = 1  # below it
    pop.housing[2] = Housing.EMERGENCY_SHELTER  # no housing
    social = m.departement.orients_to_social_track(pop, rows)
    assert list(social) == [True, False, True, False]


def test_social_track_recipients_go_to_the_departements_referents():
    roomy = {
        "run.persons": 300,
        "territory.departement.social_referents": 2000.0,
        "territory.france_travail.advisers_per_agency": 2000.0,
    }
    m = InsertionModel(small_scenario(**roomy))
    m.step()
    rows = np.arange(2)
    _outside(m, rows, Benefit.RSA)
    pop = m.pop
    pop.shelter[rows] = -1
    pop.obstacles[:, rows] = 0
    pop.housing[rows] = Housing.ORDINARY
    pop.obstacles[OB["mental_health"], 0] = 3
    pop.status[rows] = Status.WAITING
    pop.t_waiting_since[rows] = -100  # first in every queue
    orientation.decide_track(m, rows)
    assert list(pop.track[rows]) == [Track.SOCIAL, Track.PROFESSIONAL]
    orientation.assign_referents(m)
    ref = m.referents
    assert pop.referent[0] == ref.departement, "the social track: the Département"
    assert ref.n_shelters <= pop.referent[1] < ref.departement, "the professional track: an agency"


def test_the_departements_referents_draw_on_a_staff_budget_like_every_referent_structure():
    scn = small_scenario(**{"run.persons": 2000, "run.months": 12})
    m = InsertionModel(scn)
    m.run()
    staff, ref = scn.territory.staff, m.referents
    expected = m.departement.social_referents * staff.hours_per_fte * staff.share_in_support
    assert expected > 0, "the baseline's Département has social referents"
    assert m.staff.hours[ref.departement] == pytest.approx(expected), (
        "one budget of hours: FTE x hours_per_fte x share_in_support, as for agencies"
    )
    assert m.staff.hours.size == ref.n, "one budget per referent structure, the Département last"
    monthly = m.recorder.frame()
    used, cap = monthly.used_staff_hours_departement, monthly.cap_staff_hours_departement
    assert (used <= cap + 1e-9).all(), "the social referents never use more hours than they have"
    assert used.iloc[-1] > 0, "the social referents spend hours on the social track"
    # Without staff hours, nobody the social referents follow is seen.
    m0 = InsertionModel(
        small_scenario(
            **{"run.persons": 2000, "run.months": 6, "territory.staff.share_in_support": 0.0}
        )
    )
    m0.run()
    assert (m0.recorder.frame().used_staff_hours_departement == 0).all()


# ----------------------------------------------------------------------------- the measure
def test_the_measure_goes_to_its_public_lasts_six_months_and_is_renewed_once(monkeypatch):
    starts = []
    original = measure._start

    def spy(model, rows, end):
        assert np.all(measure.public(model)[rows]), "only the public of seed 002 L13, L47"
        starts.append((model.t, rows.copy(), end))
        original(model, rows, end)

    monkeypatch.setattr(measure, "_start", spy)
    m = run_small(**{"run.persons": 3000, "territory.departement.measure_places": 400})
    assert sum(r.size for _, r, _ in starts) > 0, "measures start"
    counts: dict[int, int] = {}
    for t, rows, end in starts:
        assert end == t + 6, "6 months (seed 002 L27)"
        for r in rows:
            counts[r] = counts.get(r, 0) + 1
    assert np.all(m.pop.n_measures <= 2), "renewable once (L27)"
    assert max(counts.values()) >= 2, "some measures are renewed"


def test_the_measure_is_priced_per_six_month_measure(monkeypatch):
    def measure_cost(variable_part):
        m = run_small(
            **{
                "run.persons": 3000,
                "territory.departement.measure_places": 400,
                "policy.funding.measure.variable_part": variable_part,
            }
        )
        ledger = m.ledger.frame()
        total = float(ledger.loc[ledger["programme"] == "rsa_measure", "amount"].sum())
        flows = m.recorder.frame()
        measures = flows["flow_measure_starts"].sum() + flows["flow_measure_renewals"].sum()
        return total, measures, flows["flow_measure_mobilised"].sum(), m.funding_values

    total, measures, mobilised, v = measure_cost(True)
    assert 0 < mobilised <= measures, "a variable part at most once per measure"
    # seed 002 L51-53: 800 to 1,200 EUR per 6-month measure, fixed + variable part
    assert v["measure.price_fixed"] + v["measure.price_variable"] == 1200
    expected = v["measure.price_fixed"] * measures + v["measure.price_variable"] * mobilised
    assert total == pytest.approx(expected), "fixed part per measure, variable part if mobilised"
    total, measures, _, v = measure_cost(False)
    assert total == pytest.approx(v["measure.price_fixed"] * measures), "fixed part only"


def test_prioritising_the_mobilisable_is_off_by_default_and_selects_when_on(monkeypatch):
    from sim.submodels.matching import employability

    scores: dict[bool, list[float]] = {False: [], True: []}
    original = measure._start

    def run(on):
        def spy(model, rows, end):
            fresh = rows[model.pop.n_measures[rows] == 0]
            scores[on].extend(employability(model, fresh).tolist())
            original(model, rows, end)

        monkeypatch.setattr(measure, "_start", spy)
        return run_small(
            **{
                "run.persons": 3000,
                "run.seed": 11,
                "policy.funding.measure.prioritise_mobilisable": on,
            }
        )

    assert not small_scenario().policy.funding.measure.prioritise_mobilisable, "off by default"
    base = run(False)
    assert base.recorder.frame()["queue_measure"].max() > 0, "the setting needs a queue"
    run(True)
    off, on = np.mean(scores[False]), np.mean(scores[True])
    assert on > off, f"prioritising should start more employable people: {on:.2f} vs {off:.2f}"


# ----------------------------------------------------------------------------- checks
def test_the_checks_catch_an_allowance_paid_to_a_non_recipient(model):
    m = model
    row = np.array([0])
    _outside(m, row, Benefit.NONE)
    m.pop.rsa_amount[row] = 500.0
    with pytest.raises(InvariantError, match="not a present recipient"):
        check_invariants(m)


def test_the_checks_catch_a_ledger_that_pays_more_than_persons_received(model):
    m = model
    m.ledger.rows.append((m.t, "rsa_allowance", "departement", 1000.0))
    with pytest.raises(InvariantError, match="rsa_allowance"):
        check_invariants(m)


def test_rsa_indicators_follow_their_definitions():
    m = run_small(**{"run.persons": 2000})
    pop = m.pop
    ind = m.indicators().set_index(["indicator", "public"])["value"]
    at_entry = (pop.benefit_at_entry == Benefit.RSA) & (pop.rsa_12 >= 0)
    assert at_entry.sum() > 0, "RSA recipients observed at 12 months"
    exit_rate = float(np.mean(pop.rsa_12[at_entry] == 0))
    assert ind["rsa_exit_rate_12m", "all"] == pytest.approx(exit_rate)
    months = m.recorder.benefit_history  # months x persons
    paid = pop.months_rsa.sum()
    assert paid <= np.count_nonzero(months == Benefit.RSA), "paid months are months on the RSA"
    share = paid / pop.months_present.sum()
    assert ind["rsa_months_share", "all"] == pytest.approx(share)


# ----------------------------------------------------------------------------- limit cases
def test_without_exits_and_jobs_the_rsa_stock_only_grows_by_entries():
    closed = {f"territory.employers.{g}.vacancies_per_month": 0.0 for g in GROUPS["employers"]}
    closed.update({f"territory.siae.{g}.posts": 0 for g in GROUPS["siae"]})
    closed.update({f"territory.siae.{g}.phc_places": 0 for g in GROUPS["siae"]})
    closed.update({f"territory.shelters.{g}.aava_places": 0 for g in GROUPS["shelters"]})
    m = run_small(
        **closed,
        **{
            "territory.low_threshold.tapaj_places": 0,
            "population.arrivals_per_month": 0.0,
            "population.p_leave": 0.0,
            "behaviour.p_incapacity": 0.0,
            "behaviour.p_rsa_exit_household": 0.0,
            "behaviour.p_rsa_drop_suspended": 0.0,
            "policy.benefits.overrides": {"rsa.age_max": 200},
        },
    )
    f = m.recorder.frame()
    assert f["flow_rsa_exits"].sum() == 0, "no exit when no rule lets one happen"
    assert f["flow_rsa_entries"].sum() > 0, "entitled persons still claim"
    stock = f["benefit_rsa"].to_numpy()
    np.testing.assert_array_equal(
        np.diff(stock), f["flow_rsa_entries"].to_numpy()[1:], err_msg="stock = stock + entries"
    )


# ----------------------------------------------------------------------------- directional
PAIRED = {"run.persons": 3000, "run.months": 24, "run.seed": 11}


def test_more_hours_and_a_higher_sanction_probability_give_more_suspensions():
    def suspensions(hours, p):
        m = run_small(
            "reform_2025",
            **PAIRED,
            **{
                "policy.benefits.overrides": {"duties.hours_per_week": hours},
                "behaviour.p_sanction": p,
            },
        )
        return m.recorder.frame()["flow_suspensions"].sum()

    low, high = suspensions(15, 0.05), suspensions(25, 0.2)
    assert high > low, f"25 h and p 0.2 should suspend more than 15 h and p 0.05: {high} vs {low}"


def test_before_2025_rsa_recipients_are_not_registered_automatically():
    # With no voluntary orientation at all, only automatic registration orients anyone.
    none = {
        "behaviour.p_orientation_rsa": 0.0,
        "behaviour.p_orientation_other": 0.0,
        "run.persons": 1000,
    }
    for name, expected in (("pre_reform", False), ("reform_2025", True)):
        m = InsertionModel(small_scenario(name, **none))
        m.step()
        pop = m.pop
        # recipients at entry still on it, in ordinary housing (outreach reaches the street)
        rsa = (pop.benefit_at_entry == Benefit.RSA) & (pop.benefit == Benefit.RSA)
        rsa &= pop.present() & (pop.housing == Housing.ORDINARY)
        oriented = pop.status_in(Status.WAITING, Status.SUPPORTED) | (pop.t_first_support >= 0)
        share = float(np.mean(oriented[rsa]))
        if expected:
            assert share == 1.0, "every RSA recipient registered and oriented in the first month"
        else:
            assert share == 0.0, f"no one oriented without automatic registration ({share:.2f})"
