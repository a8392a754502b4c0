"""The practice profiles' mechanisms on hand-built states (unit tests).

Each test forces a few persons into a state, runs one rule, and checks what the rule must do by
the profile's fields, never by the profile's name.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from conftest import small_scenario

from sim.model import InsertionModel
from sim.outcomes import indicators
from sim.pathways import Plan, decide
from sim.population import NEVER, Population
from sim.states import OB, OBSTACLES, Housing, Logic, Phase, Programme, Status
from sim.submodels import contracts, matching, obstacles, orientation


def _model(**overrides) -> InsertionModel:
    # Month 0 without burn-in: the persons present are observed (indicators count them).
    model = InsertionModel(small_scenario(**{"run.persons": 300, "run.burn_in": 0, **overrides}))
    model.step()
    model.staff.hours[:] = 1e9  # staff time is not what these tests look at
    return model


def _supported(model, logic: Logic, phase: Phase, n: int = 40) -> np.ndarray:
    """``n`` present persons followed by an agency under ``logic``, obstacle-free, in ``phase``."""
    pop = model.pop
    rows = np.flatnonzero(pop.present())[:n]
    pop.status[rows] = Status.SUPPORTED
    pop.referent[rows] = model.referents.n_shelters  # an agency
    pop.shelter[rows] = -1
    pop.housing[rows] = Housing.ORDINARY
    pop.logic[rows] = logic
    pop.phase[rows] = phase
    pop.t_phase_end[rows] = model.t
    pop.t_support_end[rows] = model.t + 6
    pop.wish[rows] = True
    pop.confidence[rows] = 1.0
    pop.obstacles[:, rows] = 0
    pop.qualification[rows] = 0
    pop.retrack()  # holdings set by hand: count them again
    return rows


def test_gates_are_set_per_obstacle():
    # A mental-health obstacle of 3 passes a gate of 3 on it, and is held back by a gate of 2.
    path = "policy.practices.linear.gates.mental_health"
    for gate, moves_on in ((3, True), (2, False)):
        model = _model(**{path: gate})
        rows = _supported(model, Logic.LINEAR, Phase.OBSTACLES)
        model.pop.obstacles[OB["mental_health"], rows] = 3
        decide(model)
        moved = model.pop.phase[rows] != Phase.OBSTACLES
        assert moved.all() if moves_on else not moved.any(), (
            f"gate {gate} on mental health, severity 3: expected moving on = {moves_on}"
        )


def test_the_project_includes_a_training_before_or_in_the_job_by_the_profiles_fields():
    profile = "policy.practices.linear"
    for timing, p, phase, planned in (
        ("before_job", 1.0, Phase.TRAINING, False),
        ("in_job", 1.0, Phase.JOB_SEARCH, True),
        ("before_job", 0.0, Phase.JOB_SEARCH, False),
    ):
        model = _model(**{f"{profile}.training": timing, f"{profile}.p_training": p})
        rows = _supported(model, Logic.LINEAR, Phase.PROJECT)
        plan = decide(model)
        pop = model.pop
        assert (pop.phase[rows] == phase).all(), f"{timing}, p={p}: expected phase {phase.name}"
        assert (pop.training_planned[rows] == planned).all(), f"{timing}, p={p}: planned"
        assert plan.want_training[rows].all() == (phase == Phase.TRAINING)


def test_supported_persons_keep_their_own_job_search_whatever_the_gate():
    # Persons held by the linear gates are not coached, yet apply on their own with the
    # probability of their own search: 1 here, so every one of them applies.
    model = _model(**{"behaviour.p_search_alone": 1.0})
    rows = _supported(model, Logic.LINEAR, Phase.OBSTACLES)
    model.pop.obstacles[OB["addiction"], rows] = 3
    plan = decide(model)
    assert not plan.search[rows].any(), "the gate holds coaching and prescriptions back"
    model.flows = dict.fromkeys(model.flows, 0.0)
    matching.employer_hiring(model, plan)
    assert model.flows["own_search_applicants"] >= rows.size, (
        "each person held by the gates who wishes to work applies on their own"
    )


def test_support_is_renewed_once_and_continues_the_phase():
    model = _model(**{"behaviour.p_support_renewal": 1.0})
    rows = _supported(model, Logic.LINEAR, Phase.RESOCIALISATION)
    pop, t = model.pop, model.t
    pop.t_support_end[rows] = t
    orientation.end_of_support(model)
    assert (pop.status[rows] == Status.SUPPORTED).all(), "a first end is renewed"
    assert (pop.t_support_end[rows] == t + 6).all(), "for another 6 months (seeds 001, 002)"
    assert (pop.phase[rows] == Phase.RESOCIALISATION).all(), "the renewal continues the phase"
    pop.t_support_end[rows] = t
    model.streams.close_month()  # the same month's renewals drawn again
    orientation.end_of_support(model)
    assert (pop.status[rows] == Status.OUTSIDE).all(), "renewable once: the second end ends it"


def test_a_new_diagnostic_only_after_a_real_break():
    model = _model()
    pop, t = model.pop, model.t
    gap = int(model.behaviour.dur_real_break)
    rows = np.flatnonzero(pop.present())[:20]
    pop.status[rows] = Status.WAITING
    pop.referent[rows] = -1
    pop.phase_reached[rows] = Phase.JOB_SEARCH
    short, long = rows[:10], rows[10:]
    pop.t_last_followed[short] = t - gap
    pop.t_last_followed[long] = t - gap - 1
    orientation.start_support(model, rows, np.full(rows.size, model.referents.n_shelters))
    assert (pop.phase[short] == Phase.JOB_SEARCH).all(), "after a short gap the phase resumes"
    assert (pop.phase[long] == Phase.DIAGNOSTIC).all(), "after a real break: a new diagnostic"


def test_follow_up_after_a_hire_follows_the_profile_not_its_name():
    for months in (0, 4):
        model = _model(**{"policy.practices.linear.dur_follow_up": months})
        rows = _supported(model, Logic.LINEAR, Phase.JOB_SEARCH, n=10)
        matching.hire_into_job(model, rows, np.zeros(rows.size, dtype=np.int64))
        pop = model.pop
        if months:
            assert (pop.referent[rows] >= 0).all() and (pop.phase[rows] == Phase.IN_JOB).all()
            assert (pop.t_in_job_support_end[rows] == model.t + months).all()
        else:
            assert (pop.referent[rows] == -1).all(), "no follow-up: the support ends at hire"


def test_after_a_job_that_did_not_work_out_the_profile_sets_where_the_pathway_resumes():
    for resume, phase in (("job_search", Phase.JOB_SEARCH), ("obstacles", Phase.OBSTACLES)):
        model = _model(
            **{
                "policy.practices.linear.after_failed_job": resume,
                "behaviour.p_break": 1.0,
                "population.p_leave": 0.0,
            }
        )
        rows = _supported(model, Logic.LINEAR, Phase.JOB_SEARCH, n=10)
        matching.hire_into_job(model, rows, np.zeros(rows.size, dtype=np.int64))
        model.t += 1
        contracts.breaks_and_ends(model, Plan.empty(model.pop.n))
        pop = model.pop
        assert (pop.status[rows] == Status.SUPPORTED).all(), "back with the same referent"
        assert (pop.phase[rows] == phase).all(), f"{resume}: expected phase {phase.name}"


def test_programmes_are_prescribed_to_their_public_whatever_the_profile():
    for logic in (Logic.LINEAR, Logic.ITERATIVE):
        model = _model()
        rows = _supported(model, logic, Phase.OBSTACLES, n=30)
        pop = model.pop
        young, far, other = rows[:10], rows[10:20], rows[20:]
        pop.housing[rows] = Housing.STREET
        pop.age[young] = 20.0
        pop.age[rows[10:]] = 40.0
        pop.obstacles[:3, far] = 2  # three obstacles: far from work
        pop.obstacles[OB["debt"], other] = 2  # one obstacle: not PHC's public
        plan = decide(model)
        assert (plan.want_low_threshold[young] == Programme.TAPAJ).all(), f"{logic.name}: TAPAJ"
        assert (plan.want_low_threshold[far] == Programme.PHC).all(), f"{logic.name}: PHC"
        assert (plan.want_low_threshold[other] == Programme.NONE).all(), f"{logic.name}: none"


def test_aava_goes_to_residents_without_a_work_authorisation():
    model = _model(**{"territory.shelters.chrs_with_cip.aava_places": 400})
    pop = model.pop
    host = int(np.flatnonzero(model.shelter_aava_places > 0)[0])
    rows = _supported(model, Logic.ITERATIVE, Phase.JOB_SEARCH, n=10)
    pop.shelter[rows] = host
    pop.referent[rows] = host
    pop.housing[rows] = Housing.CHRS
    pop.obstacles[OB["right_to_work"], rows[:5]] = 3
    plan = decide(model)
    assert (plan.want_low_threshold[rows[:5]] == Programme.AAVA).all(), "AAVA without papers"
    assert not plan.search[rows[:5]].any(), "no job-search coaching for a person who cannot work"
    assert (plan.want_low_threshold[rows[5:]] == Programme.NONE).all(), "not AAVA's public"


def _phc_completers(model, n: int = 3):
    pop = model.pop
    host = int(np.flatnonzero(model.siae_phc_places > 0)[0])
    rows = np.flatnonzero(pop.present())[:n]
    pop.status[rows] = Status.LOW_THRESHOLD
    pop.programme[rows] = Programme.PHC
    pop.programme_host[rows] = host
    pop.t_programme_end[rows] = model.t
    pop.referent[rows] = -1
    return rows


def test_phc_completers_go_through_the_hosts_hiring_rule():
    # The host screens with a floor no one reaches: completers are not hired, unless a share of
    # its posts is reserved to them (then they are, without the floor).
    host_group = "territory.siae.aci_phc_hosts"
    tight = {
        f"{host_group}.selection": "screening",
        f"{host_group}.phc_places": 400,  # 300 persons: 6 places, 15 posts per host
        f"{host_group}.posts": 1000,
        "behaviour.siae_floor_screening": 50.0,
    }
    for share, hired in ((0.0, False), (0.5, True)):
        model = _model(**tight, **{"territory.low_threshold.phc_reserved_share": share})
        rows = _phc_completers(model)
        contracts.programmes(model)
        got = model.pop.status[rows] == Status.SIAE
        assert got.all() if hired else not got.any(), (
            f"reserved share {share}: PHC completers hired = {hired} expected"
        )


def test_phc_counts_as_employment_and_tapaj_aava_as_paid_activity():
    model = _model()
    pop = model.pop
    rows = np.flatnonzero(pop.present())[:4]
    pop.status[rows] = Status.LOW_THRESHOLD
    pop.programme[rows] = [Programme.PHC, Programme.TAPAJ, Programme.AAVA, Programme.PHC]
    assert pop.employed()[rows].tolist() == [True, False, False, True], "PHC is a CDDI"
    assert pop.in_paid_activity()[rows].all()
    # Hand-built snapshots: of 4 persons observed at 12 months, 1 employed, 1 in TAPAJ.
    pop.paid_activity_12[:] = -1
    pop.employed_12[:] = -1
    pop.paid_activity_12[rows] = [1, 1, 0, 0]
    pop.employed_12[rows] = [1, 0, 0, 0]
    pop.status[pop.status != Status.NOT_ARRIVED] = Status.OUTSIDE
    ledger = pd.DataFrame(columns=["month", "programme", "funder", "amount"])
    ind = indicators(pop, ledger, model.t + 1).set_index(["indicator", "public"])["value"]
    assert ind["paid_activity_rate_12m", "all"] == 0.5
    assert ind["employment_rate_12m", "all"] == 0.25


def test_mediation_and_follow_up_offset_the_obstacles_an_employer_sees():
    model = _model()
    pop = model.pop
    rows = np.flatnonzero(pop.present())[:3]
    pop.obstacles[:, rows] = 0
    pop.obstacles[OB["mental_health"], rows] = 2
    e, b = model.behaviour.employability, model.behaviour
    no = np.zeros(3, dtype=bool)
    alone = matching.employer_score(model, rows, no, no)
    mediated = matching.employer_score(model, rows, ~no, no)
    secured = matching.employer_score(model, rows, ~no, ~no)
    seen = e.obstacle["mental_health"] * 2 * e.visibility["mental_health"]
    np.testing.assert_allclose(mediated - alone, seen * (b.rel_penalty_mediation - 1))
    np.testing.assert_allclose(
        secured - alone, seen * (b.rel_penalty_mediation * b.rel_penalty_follow_up - 1)
    )
    full = matching.employability(model, rows)
    np.testing.assert_allclose(
        full - alone, e.obstacle["mental_health"] * 2 * (1 - e.visibility["mental_health"])
    )


def test_a_persons_scores_do_not_depend_on_who_else_is_scored():
    # Employer hiring scores only the applicants whose draw can lead to a hire: their scores
    # must be those they would have among every applicant, to the last bit. (A matrix product
    # over the obstacles rounds differently for a few persons in thousands, by the number of
    # persons scored: hence a large population and weights whose sums round.)
    rng = np.random.default_rng(2)
    pop = Population(20_000)
    pop.obstacles[:] = rng.integers(0, 4, pop.obstacles.shape)
    pop.qualification[:] = rng.integers(0, 4, pop.n)
    pop.experience[:] = rng.random(pop.n) * 100
    pop.months_without_work[:] = rng.random(pop.n) * 100
    pop.confidence[:] = rng.random(pop.n)
    behaviour = _model().behaviour
    e = behaviour.employability
    for name in OBSTACLES:
        e.obstacle[name], e.visibility[name] = -rng.random(), rng.random()
    model = SimpleNamespace(pop=pop, behaviour=behaviour)
    rows = np.arange(pop.n)
    mediated, secured = rng.random(pop.n) < 0.3, rng.random(pop.n) < 0.2
    everyone = matching.employer_score(model, rows, mediated, secured)
    siae = matching.employability(model, rows)  # the SIAE's score, every obstacle known
    for size in (1, 7, 640, 6_001):
        some = np.sort(rng.choice(pop.n, size, replace=False))
        np.testing.assert_array_equal(
            matching.employer_score(model, rows[some], mediated[some], secured[some]),
            everyone[some],
        )
        np.testing.assert_array_equal(matching.employability(model, rows[some]), siae[some])


def test_training_in_the_job_uses_the_territorys_slots_and_raises_qualification():
    model = _model(
        **{
            "policy.practices.iterative.training_below_qualification": 3,
            "territory.services.training": 2000,  # 30 slots for 300 persons
        }
    )
    pop = model.pop
    rows = _supported(model, Logic.ITERATIVE, Phase.JOB_SEARCH, n=5)
    pop.training_planned[rows] = True
    matching.hire_into_job(model, rows, np.zeros(rows.size, dtype=np.int64))
    plan = decide(model)
    assert plan.want_training[rows].all(), "followed in the job, the planned training is asked"
    obstacles.training(model, plan)
    assert (pop.t_job_training_end[rows] != NEVER).all() and (pop.status[rows] == Status.JOB).all()
    model.t = int(pop.t_job_training_end[rows].max())
    model.streams.start_month(model.t)
    obstacles.training(model, Plan.empty(pop.n))
    assert (pop.qualification[rows] == 1).all(), "a completed training adds a level"
    assert not pop.training_planned[rows].any()


def test_every_profile_gates_every_obstacle():
    model = _model()
    assert model.practices.gates.shape == (len(OBSTACLES), model.practices.n + 1)
    assert model.practices.names[:2] == ("linear", "iterative")
