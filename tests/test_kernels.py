"""The compiled loops of sim/kernels.py give the numbers of the NumPy code they replace.

Each test sets a kernel beside a NumPy (or pure Python) statement of the same rule, on inputs
chosen to reach its edges: ties, values beyond a grid, empty structures, every benefit status.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import small_scenario

from sim import kernels
from sim.model import InsertionModel
from sim.pathways import Plan, decide
from sim.pathways.common import postpone
from sim.population import NEVER
from sim.rng import GAMMA, MASK, mix64, uniforms
from sim.states import (
    OB,
    SERVICE_OBSTACLES,
    Benefit,
    Household,
    Housing,
    Phase,
    Programme,
    ReferentKind,
    Service,
    Status,
    Track,
)
from sim.submodels import benefits, resources
from sim.submodels.benefits import current_age, end_rsa, monthly_earnings, table_kinds
from sim.submodels.capacity import allocate, among, choose_allowed, choose_weighted
from sim.submodels.matching import (
    FURTHEST_MIN_OBSTACLES,
    TAPAJ_MAX_AGE,
    WORK_RIGHT_MAX,
    job_seekers,
    may_work,
    not_done,
)


def test_keyed_uniforms_are_splitmix64_read_at_each_row():
    rng = np.random.default_rng(1)
    rows = np.concatenate([[0, 1, 2**31 - 1], rng.integers(0, 2**40, 200)])
    for key in (0, MASK, int(rng.integers(0, 2**63))):
        expected = [(mix64(key + int(r) * GAMMA) >> 40) * 2.0**-24 for r in rows]
        assert uniforms(key, rows).tolist() == expected
        assert uniforms(key, rows.astype(np.int32)[:3]).tolist() == expected[:3]


def test_weighted_choice_is_numpy_s_search_of_the_cumulated_weights():
    rng = np.random.default_rng(2)
    for _ in range(100):
        weights = rng.integers(0, 4, int(rng.integers(1, 300))).astype(float)  # zero weights
        if weights.sum() == 0:
            continue
        u = np.concatenate([rng.random(500).astype(np.float32), [0.0, 1 - 2**-24]])
        u = np.concatenate([u, np.cumsum(weights)[:20] / weights.sum()])  # values on an edge
        cum = np.cumsum(weights) / weights.sum()
        expected = np.minimum(np.searchsorted(cum, u, side="right"), weights.size - 1)
        assert np.array_equal(choose_weighted(u, weights), expected)
    outside = np.array([-0.5, 1.0, 3.0])  # beyond [0, 1): the plain search
    edges = np.array([0.25, 0.5, 1.0])
    assert kernels.bisect_right(edges, outside, 2).tolist() == [0, 2, 2]


def _amount_by_numpy(scale, column, household, housing, earnings):
    """The interpolation as BenefitScale.amount computed it with array operations."""
    grid = scale.earnings
    pos = (np.clip(earnings, grid[0], grid[-1]) - grid[0]) / (grid[1] - grid[0])
    i = np.minimum(pos.astype(np.int64), grid.size - 2)
    frac = pos - i
    v = scale.values[column]
    return v[household, housing, i] * (1.0 - frac) + v[household, housing, i + 1] * frac


def test_benefit_amounts_are_the_array_interpolation(baseline_run):
    scale = baseline_run.benefit_scale
    rng = np.random.default_rng(3)
    n_households, n_housing, _ = scale.values["rsa"].shape
    n = 5000
    household = rng.integers(0, n_households, n)
    housing = rng.integers(0, n_housing, n)
    grid = scale.earnings
    earnings = np.concatenate(
        [rng.uniform(-100, grid[-1] * 1.2, n - 100), grid[:50], [0.0] * 50]  # points, beyond
    )
    mask = rng.random(n) < 0.5
    for column in ("rsa", "ppa", "aah", "ass", "net_earnings"):
        expected = _amount_by_numpy(scale, column, household, housing, earnings)
        got = scale.amount(column, household, housing, earnings)
        assert np.array_equal(got, expected), column
        where = scale.amount_where(column, mask, household, housing, earnings)
        assert np.array_equal(where, np.where(mask, expected, 0.0)), column


def test_the_rent_rule_s_resources_are_net_earnings_plus_benefit_income(baseline_run):
    m = baseline_run
    expected = np.where(m.pop.present(), resources.earnings(m) + resources.benefit_income(m), 0.0)
    got = resources.monthly_resources(m)
    assert np.count_nonzero(got) > 100, "a run's end has persons with resources"
    assert np.array_equal(got, expected)


def _benefits_by_arrays(model) -> None:
    """The benefits phase as array operations over every person, step by step (module docstring
    of sim.submodels.benefits): the statement the compiled pass must reproduce."""
    pop, t, b, r = model.pop, model.t, model.behaviour, model.benefit_rules
    scale, (kind, housing) = model.benefit_scale, table_kinds(pop)
    present = pop.present()
    earned = (
        pop.earnings_1.astype(float) + pop.earnings_2.astype(float) + pop.earnings_3.astype(float)
    ) / 3.0
    age = current_age(pop, t)
    aah = np.flatnonzero(present & (pop.status == Status.INCAPACITY) & (pop.benefit != Benefit.AAH))
    end_rsa(pop, aah, Benefit.AAH)
    pop.t_benefit_end[aah] = NEVER
    lost = present & (pop.t_job_lost == t) & ~pop.employed() & (pop.benefit != Benefit.AAH)
    insured = np.flatnonzero(
        lost & (pop.months_last_job >= r["unemployment_insurance.min_months_worked"])
    )
    months = np.clip(
        np.round(r["unemployment_insurance.duration_ratio"] * pop.months_last_job[insured]),
        r["unemployment_insurance.min_months"],
        r["unemployment_insurance.max_months"],
    ).astype(np.int32)
    model.flows["rsa_exits"] += int(np.count_nonzero(pop.benefit[insured] == Benefit.RSA))
    end_rsa(pop, insured, Benefit.UNEMPLOYMENT)
    pop.t_benefit_end[insured] = t + months
    pop.are_amount[insured] = r["unemployment_insurance.replacement_rate"] * pop.earnings_1[insured]
    model.flows["unemployment_starts"] += insured.size
    over = np.flatnonzero(
        (pop.benefit == Benefit.UNEMPLOYMENT)
        & ((pop.t_benefit_end <= t) | pop.employed() | ~present)
    )
    pop.benefit[over] = Benefit.NONE
    pop.t_benefit_end[over] = NEVER
    pop.are_amount[over] = 0.0
    rsa = present & (pop.benefit == Benefit.RSA)
    due = _amount_by_numpy(scale, "rsa", kind, housing, earned)
    aged = rsa & (age >= r["rsa.age_max"])
    chance = model.streams.chance
    household = chance("benefits", rsa & ~aged, b.p_rsa_exit_household, "household exit")
    pop.rsa_household_eligible[household] = False
    means_tested = present & ((pop.benefit == Benefit.RSA) | (pop.benefit == Benefit.ASS))
    unpaid = means_tested & (due <= 0.0)
    tested = np.flatnonzero(means_tested)
    pop.months_rsa_unpaid[tested] = np.where(unpaid[tested], pop.months_rsa_unpaid[tested] + 1, 0)
    closed = unpaid & (pop.months_rsa_unpaid >= r["rsa.months_unpaid_before_closure"])
    leave = np.flatnonzero((aged | household | closed) & (pop.benefit == Benefit.RSA))
    end_rsa(pop, leave)
    pop.benefit[closed & (pop.benefit == Benefit.ASS)] = Benefit.NONE
    model.flows["rsa_exits"] += leave.size
    arise = present & ~pop.rsa_household_eligible & (pop.benefit != Benefit.AAH)
    pop.rsa_household_eligible[
        chance("benefits", arise, b.p_household_eligible, "household entry")
    ] = True
    entitled = (
        present
        & (pop.benefit == Benefit.NONE)
        & pop.rsa_household_eligible
        & (age >= r["rsa.age_min"])
        & (age < r["rsa.age_max"])
        & (pop.status != Status.INCAPACITY)
        & (due > 0.0)
    )
    claims = np.flatnonzero(chance("benefits", entitled, b.p_rsa_claim, "claim"))
    pop.benefit[claims] = Benefit.RSA
    pop.t_rsa_entry[claims] = t
    pop.months_rsa_unpaid[claims] = 0
    pop.n_rsa_entries[claims] += 1
    referent = pop.referent_kind[claims]
    pop.track[claims] = np.select(
        [referent == ReferentKind.FRANCE_TRAVAIL, referent >= 0],
        [Track.PROFESSIONAL, Track.SOCIAL],
        0,
    )
    model.flows["rsa_entries"] += claims.size
    rsa = present & (pop.benefit == Benefit.RSA)
    pop.rsa_amount[:] = np.where(rsa, due, 0.0)
    ppa_due = np.where(
        present & (earned > 0), _amount_by_numpy(scale, "ppa", kind, housing, earned), 0.0
    )
    pop.ppa_claimed &= ppa_due > 0.0
    pop.ppa_claimed |= (ppa_due > 0.0) & (
        rsa | chance("benefits", (ppa_due > 0.0) & ~rsa, b.p_ppa_claim, "ppa claim")
    )
    pop.ppa_amount[:] = np.where(pop.ppa_claimed, ppa_due, 0.0)
    at_entry = np.flatnonzero(present & (pop.benefit_at_entry == Benefit.RSA))
    pop.cost_rsa_reference[at_entry] += scale.values["rsa"][kind[at_entry], housing[at_entry], 0]
    pop.earnings_3[:] = pop.earnings_2
    pop.earnings_2[:] = pop.earnings_1
    pop.earnings_1[:] = np.where(present, monthly_earnings(model), 0.0)


@pytest.mark.parametrize("scenario", ["baseline", "iterative"])
def test_the_benefits_pass_is_the_phase_as_array_operations(scenario):
    """The phase applied again after each of 16 months, by both, from the same state."""
    model = InsertionModel(small_scenario(scenario, **{"run.persons": 3000}))
    flows = ("rsa_exits", "unemployment_starts", "rsa_entries")
    events = dict.fromkeys(flows, 0)
    for _ in range(16):
        model.step()
        twin = copy.deepcopy(model)
        model.streams.close_month()
        twin.streams.close_month()
        before = {f: model.flows[f] for f in flows}
        benefits.update(model)
        _benefits_by_arrays(twin)
        got, expected = model.pop.to_frame(), twin.pop.to_frame()
        for column in expected:
            assert np.array_equal(got[column], expected[column], equal_nan=True), column
        assert model.flows == twin.flows
        for f in flows:
            events[f] += model.flows[f] - before[f]
    assert min(events.values()) > 0, f"each rule was reached: {events}"


# The referents' work as array operations over the persons seen (the statement the compiled
# pass sim.kernels.pathway_month must match).
_SERVICE_ROWS = [[OB[o] for o in SERVICE_OBSTACLES[s]] for s in sorted(SERVICE_OBSTACLES)]


def _worst_service_by_arrays(pop, rows):
    best = np.zeros(rows.size, dtype=np.int8)
    worst = None
    for service, kinds in enumerate(_SERVICE_ROWS):
        sev = pop.obstacles[kinds[0], rows]
        for k in kinds[1:]:
            np.maximum(sev, pop.obstacles[k, rows], out=sev)
        if worst is None:
            worst = sev
        else:
            best[sev > worst] = service
            np.maximum(worst, sev, out=worst)
    best[worst == 0] = Service.NONE
    return best


def _iae_eligible_by_arrays(pop, rows, max_months):
    return (pop.months_siae[rows] < max_months) & (
        (pop.months_without_work[rows] >= 12)
        | (pop.benefit[rows] != Benefit.NONE)
        | ((pop.age[rows] < 26) & (pop.qualification[rows] == 0))
        | (pop.age[rows] >= 50)
        | pop.rqth[rows]
        | pop.refugee[rows]
        | (pop.housing[rows] <= Housing.CHRS)
        | pop.qpv[rows]
        | pop.justice[rows]
    )


def _staircase_by_arrays(model, rows, plan):
    pop, t, pr = model.pop, model.t, model.practices

    def in_phase(phase):
        return rows[pop.phase[rows] == phase]

    def due(r):
        return r[pop.t_phase_end[r] <= t]

    def passes_gates(r):
        return np.all(pop.obstacles[:, r] <= pr.gates[:, pop.logic[r]], axis=0)

    r = due(in_phase(Phase.DIAGNOSTIC))
    pop.phase[r] = Phase.OBSTACLES
    r = in_phase(Phase.OBSTACLES)
    ready = passes_gates(r) & (pop.wish[r] | ~pr.wish_first[pop.logic[r]])
    nxt = r[ready]
    pop.phase[nxt] = Phase.RESOCIALISATION
    pop.t_phase_end[nxt] = t + pr.dur_resocialisation[pop.logic[nxt]]
    plan.want_service[r[~ready]] = _worst_service_by_arrays(pop, r[~ready])
    r = in_phase(Phase.RESOCIALISATION)
    relapsed = ~passes_gates(r)
    pop.phase[r[relapsed]] = Phase.OBSTACLES
    r = due(r[~relapsed])
    passed = r[pop.confidence[r] >= pr.min_confidence[pop.logic[r]]]
    pop.phase[passed] = Phase.PROJECT
    pop.t_phase_end[passed] = t + pr.dur_project[pop.logic[passed]]
    r = due(in_phase(Phase.PROJECT))
    u = model.streams.uniform("pathway", r, "training")
    profile = pop.logic[r]
    train = (pop.qualification[r] < pr.training_below_qualification[profile]) & (
        u < pr.p_training[profile]
    )
    in_job = pr.training_in_job[profile]
    before = r[train & ~in_job]
    pop.phase[before] = Phase.TRAINING
    pop.t_phase_end[before] = t + pr.dur_training_wait[pop.logic[before]]
    pop.training_planned[r[train & in_job]] = True
    pop.phase[r[~train | in_job]] = Phase.JOB_SEARCH
    r = in_phase(Phase.TRAINING)
    pop.phase[due(r)] = Phase.JOB_SEARCH
    plan.want_training[r[pop.t_phase_end[r] > t]] = True


def _job_search_by_arrays(model, rows, plan):
    pop, pr = model.pop, model.practices
    profile = pop.logic[rows]
    ok = may_work(pop, rows)
    able = rows[ok]
    plan.search[able] = True
    plan.want_immersion[able] = True
    plan.mediation[able] = pr.mediation_share[profile[ok]] > 0
    prescriber = model.referents.prescribes_iae[pop.referent[rows]]
    eligible = _iae_eligible_by_arrays(pop, rows, model.iae_max_months)
    plan.want_iae[rows] = prescriber & ok & eligible
    parallel = rows[pr.obstacles_in_parallel[profile]]
    plan.want_service[parallel] = _worst_service_by_arrays(pop, parallel)


def _programmes_by_public_by_arrays(model, rows, plan):
    pop = model.pop
    shelter = pop.shelter[rows]
    sheltered = shelter >= 0
    runs_aava = np.zeros(rows.size, dtype=bool)
    runs_aava[sheltered] = model.shelter_aava_places[shelter[sheltered]] > 0
    homeless = pop.housing[rows] <= Housing.EMERGENCY_SHELTER
    public = homeless | runs_aava
    rows, homeless, runs_aava = rows[public], homeless[public], runs_aava[public]
    far = (pop.obstacles[:, rows] >= 1).sum(axis=0) >= FURTHEST_MIN_OBSTACLES
    paid = may_work(pop, rows) & pop.wish[rows]
    tapaj = homeless & paid & (pop.age[rows] < TAPAJ_MAX_AGE) & not_done(pop, Programme.TAPAJ, rows)
    phc = homeless & paid & far & not_done(pop, Programme.PHC, rows)
    no_papers = pop.obstacles[OB["right_to_work"], rows] > WORK_RIGHT_MAX
    aava = runs_aava & (far | no_papers)
    choice = np.select([tapaj, phc, aava], [Programme.TAPAJ, Programme.PHC, Programme.AAVA], -1)
    picked = choice >= 0
    plan.want_low_threshold[rows[picked]] = choice[picked]


def _decide_by_arrays(model):
    """:func:`sim.pathways.decide` with the referents' work written as array operations."""
    pop, t, pr = model.pop, model.t, model.practices
    h = model.spec.territory.staff.hours
    plan = Plan.empty(pop.n)
    followed = np.flatnonzero(pop.referent >= 0)
    pop.t_last_followed[followed] = t
    rows = followed[pop.status_in(Status.SUPPORTED, Status.JOB, Status.LOW_THRESHOLD)[followed]]
    status, phase = pop.status[rows], pop.phase[rows]
    need = np.select(
        [
            status == Status.JOB,
            status == Status.LOW_THRESHOLD,
            phase == Phase.DIAGNOSTIC,
            phase == Phase.JOB_SEARCH,
        ],
        [
            np.full(rows.size, h.follow_up_job),
            np.full(rows.size, h.follow_up_programme),
            np.full(rows.size, h.diagnostic),
            h.job_search + pr.obstacles_in_parallel[pop.logic[rows]] * h.obstacles,
        ],
        h.obstacles,
    )
    seen = model.staff.ration(model, rows, pop.referent[rows], need)
    postpone(pop, rows[~seen])
    rows = rows[seen]
    plan.seen[rows] = True
    status = pop.status[rows]
    supported = rows[status == Status.SUPPORTED]
    u = model.streams.uniform("pathway", supported, "wish")
    pop.wish[supported[u < model.behaviour.p_wish_arise * pop.confidence[supported]]] = True
    _staircase_by_arrays(model, supported, plan)
    _job_search_by_arrays(model, supported[pop.phase[supported] == Phase.JOB_SEARCH], plan)
    _programmes_by_public_by_arrays(model, supported[pop.phase[supported] != Phase.TRAINING], plan)
    r = rows[status == Status.LOW_THRESHOLD]
    work = r[pr.obstacles_in_parallel[pop.logic[r]] | (pop.phase[r] == Phase.OBSTACLES)]
    plan.want_service[work] = _worst_service_by_arrays(pop, work)
    r = rows[status == Status.JOB]
    profile = pop.logic[r]
    parallel = r[pr.obstacles_in_parallel[profile]]
    plan.want_service[parallel] = _worst_service_by_arrays(pop, parallel)
    train = pop.training_planned[r] & pr.training_in_job[profile]
    plan.want_training[r[train & (pop.t_job_training_end[r] == NEVER)]] = True
    pop.phase_reached[followed] = pop.phase[followed]
    model.flows["persons_seen"] += rows.size
    model.flows["coached_searches"] += int(np.count_nonzero(plan.search))
    return plan


@pytest.mark.parametrize("scenario", ["baseline", "iterative"])
def test_the_referents_pass_is_their_work_as_array_operations(scenario):
    """The referents' logic applied again after each of 16 months, by both, from one state."""
    model = InsertionModel(small_scenario(scenario, **{"run.persons": 3000}))
    reached = dict.fromkeys(Plan._fields, 0)
    reached["phases"] = reached["training_planned"] = 0
    for _ in range(16):
        model.step()
        twin = copy.deepcopy(model)
        model.streams.close_month()
        twin.streams.close_month()
        phase, planned = model.pop.phase.copy(), model.pop.training_planned.copy()
        got, expected = decide(model), _decide_by_arrays(twin)
        for field in Plan._fields:
            assert np.array_equal(getattr(got, field), getattr(expected, field)), field
        left, right = model.pop.to_frame(), twin.pop.to_frame()
        for column in right:
            assert np.array_equal(left[column], right[column], equal_nan=True), column
        assert model.flows == twin.flows
        assert np.array_equal(model.staff.hours_needed, twin.staff.hours_needed)
        for field in Plan._fields:
            values = getattr(got, field)
            reached[field] += int(np.count_nonzero(values if values.dtype == bool else values >= 0))
        reached["phases"] += int(np.count_nonzero(model.pop.phase != phase))
        reached["training_planned"] += int(np.count_nonzero(model.pop.training_planned != planned))
    assert min(reached.values()) > 0, f"each rule was reached: {reached}"


def _job_seekers_by_arrays(model, plan):
    """The first steps of employer hiring as array operations (sim.kernels.job_seekers)."""
    pop, t, b = model.pop, model.t, model.behaviour
    status = pop.status
    siae_search = (
        (status == Status.SIAE)
        & (pop.t_contract_end != NEVER)
        & (pop.t_contract_end - t <= b.siae_search_months)
    )
    coached = plan.search & (status == Status.SUPPORTED)
    alone = pop.status_in(Status.OUTSIDE, Status.WAITING, Status.SUPPORTED) & pop.wish & ~coached
    rows = np.flatnonzero(coached | siae_search | alone)
    rel = model.referents.rel_search[np.maximum(pop.referent[rows], 0)]
    p_apply = np.where(
        coached[rows], b.p_apply * rel, np.where(siae_search[rows], b.p_apply, b.p_search_alone)
    )
    applies = rows[model.streams.uniform("employer_hiring", rows, "apply") < p_apply]
    seeking = status == Status.IMMERSION
    seeking[applies] = True
    seekers = np.flatnonzero(seeking)
    groups = {
        "coached": coached[applies],
        "near a CDDI's end": siae_search[applies],
        "alone": alone[applies],
        "immersed": (status == Status.IMMERSION)[seekers],
        "without the right to work": ~may_work(pop, seekers),
    }
    return seekers[may_work(pop, seekers)], int(np.count_nonzero(alone[applies])), groups


@pytest.mark.parametrize("scenario", ["baseline", "iterative"])
def test_job_seekers_are_the_applicants_as_array_operations(scenario):
    model = InsertionModel(small_scenario(scenario, **{"run.persons": 3000}))
    reached = {}
    for _ in range(12):
        model.step()
        model.streams.close_month()
        plan = decide(model)
        twin = copy.deepcopy(model)
        got = job_seekers(model, plan)
        expected, alone, groups = _job_seekers_by_arrays(twin, plan)
        assert np.array_equal(got[0], expected)
        assert got[1] == alone
        for name, rows in groups.items():
            reached[name] = reached.get(name, 0) + int(np.count_nonzero(rows))
    assert min(reached.values()) > 0, f"each group was reached: {reached}"


def test_lowering_the_worst_obstacle_is_the_array_statement():
    rng = np.random.default_rng(8)
    key = np.uint64(123456789)
    for kinds in (np.array([4]), np.array([7, 8, 9]), np.array([0, 1, 2])):
        grid = np.zeros((10, 700), dtype=np.int8)[:, :600]  # the population's columns are views
        grid[:] = rng.choice(np.array([0, 0, 1, 2, 3], dtype=np.int8), (10, 600))
        rows = rng.permutation(600)[:250]  # unique, in no particular order
        p = rng.random(250)
        expected = grid.copy()
        sub = expected[np.ix_(kinds, rows)]
        worst = kinds[sub.argmax(axis=0)]  # the first of the most severe
        hit = (uniforms(int(key), rows) < p) & (sub.max(axis=0) > 0)
        expected[worst[hit], rows[hit]] -= 1
        assert 0 < hit.sum() < rows.size
        kernels.lower_worst(grid, kinds, rows, p, key)
        assert np.array_equal(grid, expected)


def _placements_by_arrays(u, key, offer, structure_group, allowed, rank, rounds, shift):
    """The shelter placements' rounds as array operations (choose_allowed, then allocate)."""
    cand = np.arange(u.size)
    placed, where = [], []
    for round_ in range(rounds):
        if cand.size == 0 or offer.sum() == 0:
            break
        target = choose_allowed(
            (u[cand] + round_ * shift) % 1.0,  # float32, as the draws
            offer.astype(float),
            structure_group,
            {g: m[cand] for g, m in allowed.items()},
        )
        asking, target = cand[target >= 0], target[target >= 0]
        order = None if rank is None else rank[structure_group[target], asking]
        got = allocate(asking, target, offer, key[asking], rank=order)
        at = target[np.searchsorted(asking, got)]
        offer = offer - np.bincount(at, minlength=offer.size)
        placed.append(got)
        where.append(at)
        cand = cand[~among(cand, got)]
    return np.concatenate(placed or [cand[:0]]), np.concatenate(where or [cand[:0]])


def test_placements_in_rounds_are_the_array_statement():
    """Random queues of two kinds of places (ties, full structures, conditions, priorities).

    The kernel places both kinds in one pass; the array statement places each kind in turn.
    """
    rng = np.random.default_rng(11)
    reached = {"several rounds": False, "someone left out": False, "ranked": False}
    no_rank = np.zeros((0, 0), np.int64)
    for case in range(300):
        n_structures = int(rng.integers(1, 12))
        structure_group = rng.integers(0, 3, n_structures)
        n_groups = int(structure_group.max()) + 1
        offer = rng.integers(0, 6, (n_structures, 2)).astype(np.int64)
        n = int(rng.integers(0, 120))
        u = rng.random(n).astype(np.float32)
        key = rng.integers(0, 5, n).astype(float)  # ties in the queues
        kind = rng.integers(0, 2, n)
        allowed = {g: rng.random(n) < 0.6 for g in range(n_groups) if rng.random() < 0.4}
        rank = rng.integers(0, 3, (n_groups, n)) if case % 2 else None
        matrix = np.ones((n_groups if allowed else 0, n), dtype=bool)
        for g, mask in allowed.items():
            matrix[g] = mask
        ranks = no_rank[:, :n] if rank is None else rank
        args = (u, key, kind, offer, structure_group, matrix, ranks, rank is not None)
        placed, where = kernels.place_in_rounds(*args, 4, 0.6180339887498949)
        expected = {}
        for k in (0, 1):
            mine = np.flatnonzero(kind == k)
            got = _placements_by_arrays(
                u[mine],
                key[mine],
                offer[:, k].copy(),
                structure_group,
                {g: m[mine] for g, m in allowed.items()},
                None if rank is None else rank[:, mine],
                4,
                0.6180339887498949,
            )
            expected.update(zip(mine[got[0]].tolist(), got[1].tolist(), strict=True))
        assert dict(zip(placed.tolist(), where.tolist(), strict=True)) == expected
        for k in (0, 1):
            taken = np.bincount(where[kind[placed] == k], minlength=n_structures)
            assert np.all(taken <= offer[:, k]), "no structure takes more than its places"
        first = kernels.place_in_rounds(*args, 1, 0.5)
        reached["several rounds"] |= placed.size > first[0].size
        reached["someone left out"] |= 0 < placed.size < n
        reached["ranked"] |= rank is not None and placed.size > 0
    assert all(reached.values()), reached


def test_the_rent_rule_and_its_months_are_the_array_statement():
    rng = np.random.default_rng(12)
    household = rng.integers(0, 4, 2000).astype(np.int8)
    resources = rng.choice([0.0, 500.0, 900.0, 1200.0, 2000.0], 2000)  # some on the bound
    single, family, rate = 300.0, 450.0, 0.375
    since = rng.choice(np.array([NEVER, -5, 0, 3], dtype=np.int32), 2000)
    rent = np.where(household != Household.ALONE, family, single)
    ok = rent <= rate * resources
    expected = since.copy()
    expected[~ok] = NEVER
    expected[ok & (expected == NEVER)] = 7
    alone = Household.ALONE.value
    got = kernels.rent_rule(resources, household, alone, (single, family), rate, since, 7, NEVER)
    assert np.array_equal(got, ok) and np.array_equal(since, expected)
    assert 0 < ok.sum() < ok.size and (rent == rate * resources).any(), "both sides, a tie"
    assert (expected == 7).any() and (expected == -5).any(), "newly met, and met before"
    pure = kernels.rent_rule(resources, household, alone, (single, family), rate, None, 0, NEVER)
    assert np.array_equal(pure, ok)


def test_the_month_s_confidence_is_the_array_statement():
    """Random statuses, phases and flags; confidences near both bounds."""
    from sim.submodels.obstacles import _CONFIDENCE_CODES

    rng = np.random.default_rng(13)
    n = 5000
    status = rng.integers(0, len(Status), n).astype(np.int8)
    phase = rng.integers(0, len(Phase), n).astype(np.int8)
    service = rng.choice(np.array([Service.NONE, 0, 1], dtype=np.int8), n)
    search, cer, measure, working = rng.random((4, n)) < 0.3
    confidence = rng.choice(np.array([0.0, 0.01, 0.5, 0.99, 1.0], dtype=np.float32), n)
    f32 = np.float32
    gains = (f32(0.05), f32(0.02), f32(-0.03), f32(0.015))
    supported = status == Status.SUPPORTED
    active = np.isin(status, [Status.TRAINING, Status.IMMERSION, Status.LOW_THRESHOLD]) | (
        supported
        & (
            search
            | (service != Service.NONE)
            | np.isin(phase, [Phase.DIAGNOSTIC, Phase.RESOCIALISATION, Phase.PROJECT])
            | cer
        )
    )
    idle = np.isin(status, [Status.OUTSIDE, Status.WAITING])
    gain = np.where(working, gains[0], f32(0.0))
    gain = np.where(active, gains[1], gain)
    gain = np.where(idle, gains[2], gain)
    gain += np.where(measure, gains[3], f32(0.0))
    expected = np.clip(confidence + gain, 0.0, 1.0)
    got = confidence.copy()
    args = (status, search, service, phase, cer, measure, working, got)
    kernels.confidence_month(*args, _CONFIDENCE_CODES, gains)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    for mask in (idle, active & working, working & ~active & ~idle, (gain == 0) & ~measure):
        assert mask.any(), "each case of the gain is reached"
    assert (expected == 0).any() and (expected == 1).any(), "both bounds reached"


def test_obstacle_counts_and_sums_are_the_array_statements():
    from sim.population import Population

    rng = np.random.default_rng(14)
    pop = Population(900)
    pop.obstacles[:] = rng.integers(0, 4, pop.obstacles.shape)
    pop.show(700)  # the obstacles are a view of the visible rows
    rows = np.sort(rng.choice(700, 300, replace=False))
    mask = np.zeros(700, dtype=bool)
    mask[rows] = True
    for at in (rows, mask):
        for m in (1, 2, 3):
            expected = (pop.obstacles[:, at] >= m).sum(axis=0)
            assert np.array_equal(pop.n_obstacles(m, at), expected)
        total = pop.total_severity(at)
        assert total.dtype == np.int16
        assert np.array_equal(total, pop.obstacles[:, at].sum(axis=0, dtype=np.int16))
    assert np.array_equal(pop.n_obstacles(), (pop.obstacles >= 1).sum(axis=0))
    assert pop.total_severity().size == 700
    assert np.array_equal(pop.obstacles_of(rows), pop.obstacles[:, rows])


def test_free_shelter_places_are_the_array_statement():
    rng = np.random.default_rng(15)
    for dur in (0.0, 0.5, 1.0, 2.7):
        horizon, n = int(np.floor(dur)) + 1, 9
        freed = rng.integers(0, 4, (horizon, n, 2))
        month = np.zeros(horizon, dtype=np.int64)
        for k in range(horizon):
            month[(10 - k) % horizon] = 10 - k
        if horizon > 2:
            month[(10 - 2) % horizon] = 4  # a slot last used long ago: not counted
        places = rng.integers(0, 20, n)
        family_places = rng.integers(0, places + 1)
        family = rng.integers(0, 8, n)
        residents = family + rng.integers(0, 12, n)  # some structures over their free places
        is_hotel = rng.random(n) < 0.3
        blocked = np.zeros((n, 2))
        for k in range(horizon):  # Vacancies.blocked as array operations
            weight = min(max(dur - k, 0.0), 1.0)
            slot = (10 - k) % horizon
            if weight and month[slot] == 10 - k:
                blocked += weight * freed[slot]
        blocked = np.rint(blocked).astype(np.int64)
        used = np.stack([residents - family, family], axis=1)
        free = np.stack([places - family_places, family_places], axis=1) - used - blocked
        free[is_hotel] = (places[is_hotel] - used[is_hotel].sum(axis=1))[:, None]
        expected = np.maximum(free, 0)
        assert np.array_equal(kernels.blocked_places(freed, month, dur, 10), blocked)
        args = (residents, family, places, family_places, is_hotel, freed, month, dur, 10)
        assert np.array_equal(kernels.free_places(*args), expected)
        assert (free < 0).any() and (expected > 0).any() and is_hotel.any()
        assert blocked.any() == (dur > 0), "places held back when there is a refill delay"
