"""Unit tests: one rule at a time, on hand-built inputs."""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from conftest import run_small, small_scenario

from sim.agents import Person, Shelter, Siae
from sim.model import InsertionModel
from sim.pathways import decide
from sim.population import Population, create_population
from sim.rng import STREAMS, Streams
from sim.states import OB, Benefit, Household, Housing, Logic, Phase, Programme, Service, Status
from sim.submodels.capacity import (
    allocate,
    among,
    choose_weighted,
    group_starts,
    kinds_in,
    occupancy,
    stable_order,
)


def test_allocate_fills_each_group_in_key_order_up_to_its_free_slots():
    candidates = np.array([10, 11, 12, 13, 14, 15])
    group = np.array([0, 0, 0, 1, 1, 2])
    key = np.array([3.0, 1.0, 2.0, 5.0, 4.0, 0.0])
    free = np.array([2, 5, 0])
    admitted = allocate(candidates, group, free, key)
    assert sorted(admitted.tolist()) == [11, 12, 13, 14], "group 0 takes its 2 lowest keys"


def test_allocate_skips_unacceptable_candidates():
    candidates = np.array([1, 2, 3])
    acceptable = np.array([False, True, True])
    admitted = allocate(
        candidates, np.zeros(3, dtype=int), np.array([1]), np.arange(3.0), acceptable
    )
    assert admitted.tolist() == [2], "the first acceptable candidate takes the only slot"


def test_allocate_with_negative_free_slots_admits_nobody():
    admitted = allocate(np.array([1, 2]), np.array([0, 0]), np.array([-3]), np.zeros(2))
    assert admitted.size == 0


def test_allocate_refuses_fractional_free_places():
    with pytest.raises(TypeError, match="integer counts"):
        allocate(np.array([1, 2]), np.array([0, 0]), np.array([1.5]), np.zeros(2))


def test_allocate_refuses_structures_out_of_range_and_nan_keys():
    with pytest.raises(IndexError, match="from 0 to 0"):
        allocate(np.array([1, 2]), np.array([0, -1]), np.array([1]), np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        allocate(np.array([1, 2]), np.array([0, 0]), np.array([1]), np.array([0.0, np.nan]))


def _allocate_by_hand(candidates, group, free, key, acceptable, rank):
    """Each structure admits its first free acceptable candidates by (rank, key, position)."""
    admitted = []
    for g in range(free.size):
        mine = [
            (rank[i], key[i], i) for i in range(candidates.size) if group[i] == g and acceptable[i]
        ]
        admitted += [candidates[i] for _, _, i in sorted(mine)[: max(free[g], 0)]]
    return admitted


def test_allocate_admits_what_a_plain_sort_of_each_queue_admits():
    rng = np.random.default_rng(5)
    for _ in range(200):
        n, structures = int(rng.integers(0, 40)), int(rng.integers(1, 6))
        candidates = rng.permutation(1000)[:n]
        group = rng.integers(0, structures, n)
        free = rng.integers(-1, 4, structures)  # full structures, and a negative count
        key = rng.integers(0, 4, n).astype(float)  # ties, broken by position
        rank = rng.integers(0, 3, n)
        acceptable = rng.random(n) < 0.8
        got = allocate(candidates, group, free, key, acceptable, rank=rank)
        assert got.tolist() == _allocate_by_hand(candidates, group, free, key, acceptable, rank)
        # Without a priority, a queue over four times its free places is cut before the sort.
        got = allocate(candidates, group, free, key, acceptable)
        by_key = _allocate_by_hand(candidates, group, free, key, acceptable, np.zeros(n))
        assert got.tolist() == by_key


def test_the_row_helpers_give_what_numpy_gives():
    rng = np.random.default_rng(6)
    for _ in range(100):
        rows = np.sort(rng.choice(500, int(rng.integers(0, 60)), replace=False))
        chosen = rng.choice(500, int(rng.integers(0, 60)), replace=False)
        assert np.array_equal(among(rows, chosen), np.isin(rows, chosen))
        codes = rng.integers(0, 5, 30)
        kinds = rng.choice(5, int(rng.integers(1, 4)), replace=False)
        assert np.array_equal(kinds_in(codes, kinds, 5), np.isin(codes, kinds))
        g = np.sort(rng.integers(0, 8, int(rng.integers(1, 50))))
        assert np.array_equal(group_starts(g), np.searchsorted(g, g, side="left"))
        keys = rng.integers(0, 6, int(rng.integers(0, 50)))  # many ties
        assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))
    huge = np.array([2**62, 3, 2**62, 0])  # key x count would overflow: the stable argsort
    assert stable_order(huge).tolist() == [3, 1, 0, 2]


def test_choose_weighted_never_picks_zero_weights():
    u = np.linspace(0, 0.999, 1000)
    picks = choose_weighted(u, np.array([0.0, 1.0, 0.0, 3.0]))
    assert set(picks.tolist()) == {1, 3}
    assert np.mean(picks == 3) == pytest.approx(0.75, abs=0.01)
    assert np.all(choose_weighted(u, np.zeros(3)) == -1), "no structure when all weights are 0"


def test_occupancy_counts_per_structure_and_ignores_minus_one():
    assert occupancy(np.array([-1, 0, 2, 2, -1]), 3).tolist() == [1, 0, 2]


def test_streams_are_reproducible_and_independent_of_each_other():
    a, b = Streams(7), Streams(7)
    assert np.array_equal(a.uniform("arrivals", 5), b.uniform("arrivals", 5))
    b.uniform("siae_hiring", 100)  # b draws from another process first
    b.uniform("separations", 100, "other")  # and from the same process for another purpose
    assert np.array_equal(a.uniform("separations", 5), b.uniform("separations", 5)), (
        "draws of one process must not depend on draws made before them"
    )
    assert not np.array_equal(Streams(8).uniform("arrivals", 5), Streams(7).uniform("arrivals", 5))


def test_a_persons_draw_does_not_depend_on_who_else_draws():
    rows = np.array([3, 17, 40_000, 123_456])
    everyone, some = Streams(7), Streams(7)
    for s in (everyone, some):
        s.start_month(4)
    all_draws = everyone.uniform("separations", 200_000, "break")  # hashed in chunks
    assert np.array_equal(some.uniform("separations", rows, "break"), all_draws[rows])
    later = Streams(7)
    later.start_month(5)
    assert not np.array_equal(later.uniform("separations", rows, "break"), all_draws[rows]), (
        "another month, other draws"
    )
    with pytest.raises(RuntimeError, match="twice"):
        everyone.uniform("separations", rows, "break")  # one purpose, one draw a month


def test_draws_on_demand_give_each_row_its_keyed_uniform_whatever_the_groups_asked():
    on_demand, at_once = Streams(7), Streams(7)
    for s in (on_demand, at_once):
        s.start_month(3)
    expected = at_once.uniform("housing", 1_000, "placement")  # every row in one call
    draw = on_demand.draws("housing", "placement")
    first, then = np.array([5, 17, 400]), np.array([2, 17, 999])  # row 17 asked twice
    assert np.array_equal(draw(first), expected[first]), "a group gets its rows' uniforms"
    assert np.array_equal(draw(then), expected[then]), (
        "a later group of the same purpose gets the same numbers as if drawn with the first"
    )
    assert draw(np.array([], dtype=np.int64)).size == 0
    with pytest.raises(RuntimeError, match="twice"):
        on_demand.draws("housing", "placement")  # the purpose was drawn this month
    with pytest.raises(RuntimeError, match="twice"):
        on_demand.uniform("housing", first, "placement")


def test_keyed_draws_are_uniform_and_independent():
    s = Streams(11)
    u = s.uniform("obstacles", 400_000, "a").astype(float)
    v = s.uniform("obstacles", 400_000, "b").astype(float)
    # Mean 1/2 and variance 1/12 within 5 standard errors; deciles within 5 standard errors.
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / u.size)
    counts = np.bincount((u * 10).astype(int), minlength=10)
    assert np.all(np.abs(counts - u.size / 10) < 5 * np.sqrt(u.size * 0.09)), counts
    assert u.min() >= 0.0 and u.max() < 1.0
    # Neither two labels nor neighbouring rows are correlated (|r| < 5 / sqrt(n)).
    for x, y in ((u, v), (u[:-1], u[1:])):
        assert abs(np.corrcoef(x, y)[0, 1]) < 5 / np.sqrt(x.size)


def test_population_composition_follows_the_scenario_shares():
    scn = small_scenario(**{"run.persons": 40_000})
    s = Streams(1)
    pop = create_population(scn, 5, s["population"], s["arrivals"])
    initial = pop.t_entry == -scn.run.burn_in  # the stock enters at the start of the burn-in
    assert initial.sum() == scn.run.persons
    spec = scn.population
    assert np.mean(pop.household[initial] == Household.SINGLE_PARENT) == pytest.approx(
        spec.household.single_parent, abs=0.01
    )
    assert np.mean(pop.refugee) == pytest.approx(spec.share_refugee, abs=0.01)
    assert not np.any((pop.benefit == Benefit.RSA) & (pop.age < 25)), "RSA opens at 25"
    no_child = pop.children_under_3 == 0
    assert not np.any(pop.obstacles[OB["childcare"], no_child]), "childcare only for parents"
    assert not np.any(pop.obstacles[OB["justice"], ~pop.justice]), "justice only under justice"
    # Arrivals every month after the first simulated one, burn-in included.
    simulated = scn.run.burn_in + scn.run.months
    expected_arrivals = spec.arrivals_per_month * scn.run.persons * (simulated - 1)
    assert (~initial).sum() == pytest.approx(expected_arrivals, rel=0.05)


def test_building_a_model_makes_no_person_view():
    model = InsertionModel(small_scenario(**{"run.persons": 200}))
    assert Person not in model.agents_by_type or len(model.agents_by_type[Person]) == 0, (
        "views are made on demand, none up front"
    )
    assert len(model.agents_by_type[Shelter]) == len(model.shelters) > 0
    assert len(model.agents_by_type[Siae]) == model.n_siae > 0


def test_a_view_made_on_demand_reads_and_writes_its_row():
    model = InsertionModel(small_scenario(**{"run.persons": 200}))
    model.run()
    pop = model.pop
    row = int(np.flatnonzero(pop.present())[5])
    person = model.person(row)
    assert isinstance(person, mesa.Agent) and person.model is model and person.row == row
    assert list(model.agents_by_type[Person]) == [person], "registered with the model when made"
    assert model.person(row) is person, "the same view when asked again"
    # Reads the row as the arrays hold it, at any time...
    assert person.status == pop.status[row] and person.age == pytest.approx(pop.age[row])
    assert person.obstacle_french == pop.obstacles[OB["french"], row]
    # ...and writes it.
    person.confidence = 0.9
    assert pop.confidence[row] == pytest.approx(0.9)
    pop.obstacles[OB["french"], row] = 2
    assert person.obstacle_french == 2
    person.status = Status.TRAINING
    assert pop.status[row] == Status.TRAINING
    with pytest.raises(ValueError, match="0-3"):
        person.obstacle_debt = 7
    assert person.pathway()[-1]["month"] == model.t, "its month-by-month record"
    cohort = np.flatnonzero(pop.t_entry == 0)[:3]
    views = model.persons(cohort)
    assert [p.row for p in views] == cohort.tolist() and model.person(int(cohort[0])) in views
    with pytest.raises(IndexError, match="no person at row"):
        model.person(pop.n)


def test_person_view_gives_names_as_well_as_codes():
    model = InsertionModel(small_scenario(**{"run.persons": 200}))
    person = model.person(5)
    model.pop.status[5] = Status.SUPPORTED
    model.pop.housing[5] = Housing.CHRS
    assert person.status is Status.SUPPORTED, repr(person.status)
    assert person.status.name == "SUPPORTED" and person.status == 3, "a name and its code"
    assert person.housing is Housing.CHRS
    assert isinstance(person.age, float) and isinstance(person.refugee, bool), "others stay"
    person.status = Status.JOB
    assert model.pop.status[5] == Status.JOB
    assert repr(person) == "Person(row=5, status=JOB)"


def test_a_practice_profile_added_by_a_scenario_reads_as_its_index_and_its_name():
    # iterative.yaml adds a third profile, "applied", after linear (0) and iterative (1), and
    # gives it to every referent: a followed person's logic is index 2, which Logic has no
    # member for, so it reads as the number; its name comes from the model's profiles.
    model = run_small("iterative", **{"run.persons": 300, "run.months": 3})
    rows = np.flatnonzero(model.pop.logic >= 0)
    assert rows.size, "premise: some persons have a referent after 3 months"
    person = model.person(int(rows[0]))
    assert person.logic == 2 and not isinstance(person.logic, Logic), repr(person.logic)
    assert person.practice == "applied"
    outside = model.person(int(np.flatnonzero(model.pop.logic < 0)[0]))
    assert outside.logic is Logic.NONE and outside.practice is None


def test_person_views_can_be_turned_off():
    model = InsertionModel(small_scenario(**{"run.persons": 200, "run.person_views": False}))
    model.step()
    assert model.pop.present().sum() > 0
    with pytest.raises(ValueError, match="person views are off"):
        model.person(0)


def _supported_model(logic: Logic, wish: bool, phase: Phase):
    """A model after one month with every present person forced into one support state."""
    model = InsertionModel(small_scenario(**{"run.persons": 300}))
    model.step()
    model.staff.hours[:] = 1e9  # staff time is not what these tests look at
    model.streams.start_month(model.t)  # the phases called again below draw this month again
    pop = model.pop
    rows = np.flatnonzero(pop.present())
    pop.status[rows] = Status.SUPPORTED
    pop.referent[rows] = model.referents.n_shelters  # an agency
    pop.logic[rows] = logic
    pop.phase[rows] = phase
    pop.t_phase_end[rows] = model.t + 5
    pop.wish[rows] = wish
    pop.obstacles[:, rows] = 0
    pop.obstacles[OB["mental_health"], rows] = 3
    return model, rows


def test_obstacle_work_goes_to_the_service_of_the_most_severe_obstacle():
    model, rows = _supported_model(Logic.LINEAR, wish=True, phase=Phase.OBSTACLES)
    pop = model.pop
    r = rows[:4]
    pop.obstacles[:, r] = 0
    pop.obstacles[OB["french"], r[0]] = 2
    pop.obstacles[OB["mobility"], r[0]] = 1
    pop.obstacles[OB["addiction"], r[1]] = 3  # health service
    pop.obstacles[OB["debt"], r[2]] = 3  # worked by the referent (no service), above the gate
    pop.obstacles[OB["mobility"], r[3]] = 2  # a tie: the first service in Service order
    pop.obstacles[OB["french"], r[3]] = 2
    plan = decide(model)
    assert np.all(pop.phase[r] == Phase.OBSTACLES), "each is held back by a gate"
    expected = [Service.FRENCH, Service.HEALTH, Service.NONE, Service.MOBILITY]
    assert plan.want_service[r].tolist() == expected


def test_linear_logic_keeps_severe_obstacles_away_from_job_search():
    model, rows = _supported_model(Logic.LINEAR, wish=True, phase=Phase.OBSTACLES)
    plan = decide(model)
    assert not plan.search[rows].any(), "the readiness gate holds severe obstacles back"
    assert np.all(plan.want_service[rows] == Service.HEALTH), "obstacles first, one at a time"
    assert np.all(model.pop.phase[rows] == Phase.OBSTACLES)


def test_iterative_logic_searches_from_the_first_month_with_obstacles_in_parallel():
    model, rows = _supported_model(Logic.ITERATIVE, wish=True, phase=Phase.DIAGNOSTIC)
    model.pop.t_phase_end[rows] = model.t  # the iterative profile's diagnostic takes 0 months
    plan = decide(model)
    assert plan.search[rows].all(), "whoever wishes to work searches at once"
    assert plan.mediation[rows].all(), "the employer side is worked on"
    assert np.all(plan.want_service[rows] == Service.HEALTH), "obstacles worked in parallel"


def test_iterative_logic_without_wish_works_on_obstacles_first():
    model, rows = _supported_model(Logic.ITERATIVE, wish=False, phase=Phase.DIAGNOSTIC)
    model.pop.t_phase_end[rows] = model.t
    model.pop.confidence[rows] = 0.0  # the wish cannot arise this month
    plan = decide(model)
    assert not plan.search[rows].any()
    assert np.all(model.pop.phase[rows] == Phase.OBSTACLES)


def test_linear_gate_passes_once_obstacles_are_low_and_confidence_high():
    model, rows = _supported_model(Logic.LINEAR, wish=True, phase=Phase.OBSTACLES)
    pop = model.pop
    pop.obstacles[:, rows] = 0
    decide(model)
    assert np.all(pop.phase[rows] == Phase.RESOCIALISATION)
    pop.t_phase_end[rows] = model.t
    pop.confidence[rows] = 1.0
    model.streams.start_month(model.t)  # the same month decided again: its draws again
    decide(model)
    assert np.all(pop.phase[rows] == Phase.PROJECT)


def test_ledger_balances_and_attributes_costs_to_persons(baseline_run):
    ledger = baseline_run.ledger.frame()
    by_month = ledger.groupby("month")["amount"].sum()
    assert len(by_month) == baseline_run.months
    total = ledger["amount"].sum()
    assert ledger.groupby("funder")["amount"].sum().sum() == pytest.approx(total)
    assert ledger.groupby("programme")["amount"].sum().sum() == pytest.approx(total)
    attributed = baseline_run.pop.cost.sum()
    assert 0 < attributed <= total * (1 + 1e-9), "attributed costs are part of the ledger"
    esf = ledger[(ledger.programme == "rsa_measure")]
    shares = esf.groupby("funder")["amount"].sum() / esf["amount"].sum()
    assert shares["esf"] == pytest.approx(0.6), (
        "ESF+ pays 60% of the measure: the 2021-2027 rate of a transition region (CPR art. 112)"
    )


def test_aide_au_poste_follows_c7_per_full_time_post():
    model = InsertionModel(small_scenario(**{"run.persons": 300}))
    model.warm_up()
    model.step()  # month 0: the first month whose costs are in the ledger
    model.staff.hours[:] = 1e9  # staff time is not what these tests look at
    pop = model.pop
    in_siae = pop.status == Status.SIAE
    ledger = model.ledger.frame()
    aci = ledger[ledger.programme == "aide_au_poste_aci"]["amount"].sum()
    aci_rows = in_siae & (model.siae_type[np.maximum(pop.siae, 0)] == 0)
    expected = (pop.hours[aci_rows] / 35).sum() * 23921 / 12
    assert aci == pytest.approx(expected), "ACI base of 23,921 EUR per full-time post-year"


def test_programme_hosts_are_tracked_for_aava_and_phc(baseline_run):
    pop = baseline_run.pop
    low = pop.status == Status.LOW_THRESHOLD
    phc = low & (pop.programme == Programme.PHC)
    assert np.all(pop.programme_host[phc] >= 0)
    assert np.all(baseline_run.siae_phc_places[pop.programme_host[phc]] > 0)


def test_streams_leave_the_seed_sequence_untouched():
    seed = np.random.SeedSequence(5, spawn_key=(3,))
    first = Streams(seed)["arrivals"].random(4, np.float32)
    again = Streams(seed)["arrivals"].random(4, np.float32)
    assert np.array_equal(again, first), "reusing a seed object"
    keyed = [Streams(seed).uniform("orientation", 4) for _ in range(2)]
    assert np.array_equal(*keyed), "reusing a seed object, keyed draws"
    fresh = np.random.SeedSequence(5, spawn_key=(3,)).spawn(len(STREAMS))
    expected = np.random.default_rng(fresh[STREAMS.index("arrivals")]).random(4, np.float32)
    assert np.array_equal(first, expected), "children equal those spawn() gives a fresh seed"


def test_occupancy_is_kept_per_structure_as_holdings_are_written():
    pop = Population(6)
    pop.keep_count("shelter", 3)
    pop.keep_count("phc", 2)
    pop.write(np.array([0, 1, 4]), shelter=np.array([2, 2, 0]))
    assert pop.count("shelter").tolist() == [1, 0, 2]
    pop.write(np.array([1, 3]), shelter=np.array([-1, 1]))  # one leaves, one enters
    assert pop.count("shelter").tolist() == [1, 1, 1] == pop.recount("shelter").tolist()
    # A PHC place depends on the programme and its host: both are written together.
    pop.write(np.array([2, 5]), programme=Programme.PHC, programme_host=np.array([1, 1]))
    assert pop.count("phc").tolist() == [0, 2]
    pop.write(np.array([5]), programme=Programme.TAPAJ, programme_host=-1)
    assert pop.count("phc").tolist() == [0, 1] == pop.recount("phc").tolist()
