"""Levers aimed at a public: eligibility, priority, practice by public, wildcards in overrides."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_small, small_scenario

from sim.invariants import InvariantError, check_invariants
from sim.model import InsertionModel
from sim.population import Population
from sim.scenario import ScenarioError
from sim.scenario.targeting import Condition
from sim.states import OB, Benefit, Housing, Logic, ReferentKind, Sex, Status
from sim.submodels.capacity import allocate, choose_allowed, choose_weighted
from sim.submodels.eligibility import PUBLICS, eligible_mask, priority_rank


def _people() -> Population:
    """Six hand-built persons (rows 0-5)."""
    pop = Population(6)
    pop.status[:] = Status.WAITING
    pop.age[:] = [20, 28, 35, 52, 58, 45]
    pop.sex[:] = [Sex.WOMAN, Sex.MAN, Sex.WOMAN, Sex.MAN, Sex.WOMAN, Sex.MAN]
    pop.housing[:] = [
        Housing.STREET,
        Housing.ORDINARY,
        Housing.CHRS,
        Housing.ORDINARY,
        Housing.ADAPTED,
        Housing.EMERGENCY_SHELTER,
    ]
    pop.benefit[:] = [
        Benefit.NONE,
        Benefit.RSA,
        Benefit.RSA,
        Benefit.ASS,
        Benefit.NONE,
        Benefit.RSA,
    ]
    pop.months_without_work[:] = [3, 14, 30, 6, 40, 12]
    pop.qpv[:] = [False, True, False, False, True, False]
    pop.obstacles[OB["mental_health"]] = [0, 2, 3, 1, 0, 2]
    pop.obstacles[OB["french"]] = [0, 0, 2, 0, 0, 1]
    pop.obstacles[OB["debt"]] = [1, 1, 1, 0, 0, 1]
    return pop


def _cond(**fields) -> Condition:
    return Condition.model_validate(fields)


# ----------------------------------------------------------------------------- publics
def test_publics_read_the_persons_state():
    pop = _people()
    expected = {
        "homeless": [True, False, True, False, False, True],  # street, CHRS, CHU; not IML
        "young": [True, False, False, False, False, False],  # under 26
        "young_under_30": [True, True, False, False, False, False],  # ESF+: under 30
        "senior": [False, False, False, True, True, False],  # 50+
        "senior_57": [False, False, False, False, True, False],
        "long_term_unemployed": [False, True, True, False, True, True],  # 12 months or more
        "very_long_term_unemployed": [False, False, True, False, True, False],
        "three_plus_obstacles": [False, False, True, False, False, True],
        "women": [True, False, True, False, True, False],
        "qpv": [False, True, False, False, True, False],
    }
    for name, mask in expected.items():
        got = PUBLICS[name][1](pop, 0, slice(None)).tolist()
        assert got == mask, f"public {name}: expected {mask}, got {got}"


def test_a_condition_requires_every_stated_part():
    pop = _people()
    cases = [
        ("homeless", [True, False, True, False, False, True]),
        (["rsa", "qpv"], [False, True, True, False, True, True]),  # at least one of them
        (
            {"publics": ["rsa"], "not_publics": ["homeless"]},
            [False, True, False, False, False, False],
        ),
        ({"all_publics": ["rsa", "long_term_unemployed"]}, [False, True, True, False, False, True]),
        ({"age": [26, 50]}, [False, True, True, False, False, True]),  # 26 included, 50 excluded
        (
            {"min_months_without_work": 12, "max_months_without_work": 30},
            [False, True, True, False, False, True],
        ),
        ({"obstacles": {"mental_health": 2}}, [False, True, True, False, False, True]),
        (
            {"obstacles": {"mental_health": 2, "french": 1}},
            [False, False, True, False, False, True],
        ),
        ({"min_obstacles": 3}, [False, False, True, False, False, True]),
        ({"benefit": ["ass", "none"]}, [True, False, False, True, True, False]),
        ({"housing": ["street", "adapted"]}, [True, False, False, False, True, False]),
        ({"sex": "woman", "publics": ["homeless"]}, [True, False, True, False, False, False]),
    ]
    for spec, mask in cases:
        got = eligible_mask(Condition.model_validate(spec), pop, 0).tolist()
        assert got == mask, f"condition {spec}: expected {mask}, got {got}"
    assert eligible_mask(None, pop, 0).all(), "no condition: everyone is eligible"
    rows = np.array([5, 0])
    assert eligible_mask(_cond(publics=["homeless"], sex="man"), pop, 0, rows).tolist() == [
        True,
        False,
    ], "rows are judged in the order given"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"publics": ["homles"]}, ["unknown public", "'homles'", "did you mean `homeless`?"]),
        ({"age": [30, 26]}, ["lowest < highest"]),
        ({"obstacles": {"frech": 2}}, ["unknown obstacle", "did you mean `french`?"]),
        ({"obstacles": {"french": 4}}, ["less than or equal to 3"]),
        ({"publics": ["rsa"], "not_publics": ["rsa"]}, ["both required and excluded"]),
        ({"sex": "female"}, ["'man' or 'woman'"]),
        ({"publcs": ["rsa"]}, ["Extra inputs"]),
    ],
)
def test_a_bad_condition_is_refused_naming_what_is_allowed(spec, words):
    with pytest.raises(ValueError) as err:
        Condition.model_validate(spec)
    for word in words:
        assert word in str(err.value), f"{word!r} should be in: {err.value}"


def test_a_bad_condition_in_a_scenario_names_the_field():
    with pytest.raises(ScenarioError) as err:
        small_scenario(**{"territory.siae.ei.eligible": "homles"})
    assert "territory.siae.ei.eligible" in str(err.value), str(err.value)
    assert "unknown public; did you mean `homeless`?" in str(err.value), str(err.value)
    assert "(got 'homles')" in str(err.value), str(err.value)
    with pytest.raises(ScenarioError) as err:
        small_scenario(**{"territory.shelters.emergency.priority": ["rsa", "rsa"]})
    assert "listed twice" in str(err.value), str(err.value)


# ----------------------------------------------------------------------------- priority
def test_priority_serves_listed_publics_first_then_the_discipline():
    """Hand-built queue: 6 candidates for 3 places, priority [homeless, rsa], then first come."""
    pop = _people()
    candidates = np.arange(6)
    waiting_since = np.array([5.0, 0.0, 4.0, 1.0, 2.0, 3.0])  # row 1 came first, then 3, 4...
    rank = priority_rank(["homeless", "rsa"], pop, 0, candidates)
    # homeless: rows 0, 2, 5 -> rank 0; rsa and not homeless: row 1 -> 1; others (3, 4) -> 2.
    assert rank.tolist() == [0, 1, 0, 2, 2, 0]
    group = np.zeros(6, dtype=np.int64)
    got = allocate(candidates, group, np.array([3]), waiting_since, rank=rank)
    assert sorted(got.tolist()) == [0, 2, 5], "three places: the three homeless persons first"
    got = allocate(candidates, group, np.array([4]), waiting_since, rank=rank)
    assert got.tolist() == [5, 2, 0, 1], "then the RSA recipient; within a rank, first come"
    got = allocate(candidates, group, np.array([6]), waiting_since, rank=rank)
    assert got.tolist()[-2:] == [3, 4], "the unlisted come last, first come first served"
    no_rank = allocate(candidates, group, np.array([3]), waiting_since)
    assert no_rank.tolist() == [1, 3, 4], "without a priority list: first come first served"
    assert priority_rank([], pop, 0).tolist() == [0] * 6, "an empty list ranks everyone alike"


def test_priority_applies_within_each_structure():
    pop = _people()
    candidates = np.arange(6)
    group = np.array([0, 0, 0, 1, 1, 1])  # two structures, two places each
    key = np.arange(6, dtype=float)[::-1].copy()  # later rows came first
    rank = np.where(group == 0, priority_rank(["rsa"], pop, 0, candidates), 0)
    got = allocate(candidates, group, np.array([2, 2]), key, rank=rank)
    assert sorted(got[:2].tolist()) == [1, 2], "structure 0 takes its two RSA recipients first"
    assert sorted(got[2:].tolist()) == [4, 5], "structure 1 has no list: first come (rows 5, 4)"


def test_choose_allowed_keeps_candidates_to_the_structures_that_take_them():
    u = np.linspace(0.01, 0.99, 200)
    weights = np.array([5.0, 5.0, 5.0])
    structure_group = np.array([0, 1, 1])  # structure 0 alone in group 0
    allowed = {0: np.arange(200) % 2 == 0}  # odd candidates may not ask group 0
    got = choose_allowed(u, weights, structure_group, allowed)
    assert np.all(got[1::2] != 0), "a candidate outside group 0's public never asks it"
    assert np.any(got[0::2] == 0), "its public does ask it"
    assert np.array_equal(
        choose_allowed(u, weights, structure_group, {}), choose_weighted(u, weights)
    )
    none = choose_allowed(u, np.array([5.0, 0.0, 0.0]), structure_group, allowed)
    assert np.all(none[1::2] == -1), "no structure open to them: -1"


# ----------------------------------------------------------------------------- in the model
WOMEN_ONLY_EI = {"territory.siae.ei.eligible": {"sex": "woman"}}


def test_a_siae_group_reserved_to_women_hires_only_women():
    model = run_small(**WOMEN_ONLY_EI)  # the invariants are checked every month
    pop = model.pop
    ei = np.flatnonzero(np.array(model.siae_group_names)[model.siae_group] == "ei")
    hired = np.isin(pop.siae, ei) & (pop.status == Status.SIAE)
    assert hired.any(), "the EI still hire"
    assert np.all(pop.sex[hired] == Sex.WOMAN), "every EI employee is a woman"


def test_the_invariant_catches_a_person_outside_the_eligible_public():
    model = InsertionModel(small_scenario(**WOMEN_ONLY_EI, **{"run.check_invariants": False}))
    for _ in range(3):
        model.step()
    check_invariants(model)
    pop = model.pop
    man = np.flatnonzero((pop.status == Status.OUTSIDE) & (pop.sex == Sex.MAN))[0]
    # An EI with a free post (in the burn-in's first months posts fill up), so that only the
    # eligibility check can fail.
    room = model.siae_posts - pop.count("siae") > 0
    ei = int(np.flatnonzero((np.array(model.siae_group_names)[model.siae_group] == "ei") & room)[0])
    pop.status[man], pop.t_contract_start[man] = Status.SIAE, model.t
    pop.write(np.array([man]), siae=ei)  # the post counted as held (Population.write)
    with pytest.raises(InvariantError, match="outside the eligible public of siae group 'ei'"):
        check_invariants(model)


@pytest.mark.parametrize(
    "overrides",
    [
        {"territory.shelters.emergency.eligible": "women"},
        {"territory.shelters.chrs_case_by_case.eligible": {"age": [16, 30]}},
        {"territory.employers.construction.eligible": "long_term_unemployed"},
        {"territory.low_threshold.eligible": {"tapaj": "street"}},
        {"territory.services.training": 50},
    ],
)
def test_eligibility_on_other_levers_keeps_every_invariant(overrides):
    model = run_small(**overrides, **{"run.persons": 1000, "run.months": 18})
    assert model.t == 17


def test_service_groups_referent_teams_and_mediation_serve_only_their_public():
    model = run_small(
        **{
            "run.persons": 2000,
            "territory.service_groups": {
                "mobijob": {
                    "service": "mobility",
                    "places": 60,
                    "eligible": "long_term_unemployed",
                },
                "poei_refugees": {"service": "training", "places": 40, "eligible": "refugees"},
            },
            "territory.referent_groups": {
                "perle": {
                    "n": 1,
                    "staff": 4,
                    "caseload": 25,
                    "practice": 1.0,
                    "eligible": "sheltered",
                    "priority": ["homeless"],
                }
            },
            "territory.mediation": {
                "atout": {"n": 1, "staff": 2, "caseload": 30, "eligible": "rsa"}
            },
        }
    )
    pop = model.pop
    flows = model.recorder.frame()
    assert flows["flow_mediation_starts"].sum() > 0, "the mediation team took on job seekers"
    ref = model.referents  # teams follow shelters and agencies; the Département comes last
    team = (pop.referent >= ref.first_team) & (pop.referent < ref.departement)
    assert team.any(), "the referent team supports persons"
    assert np.all(pop.referent_kind[team] == ReferentKind.GROUP)
    assert np.all(pop.logic[team] == Logic.ITERATIVE), "its practice is fully iterative"
    assert np.all(pop.benefit[pop.mediator >= 0] == Benefit.RSA), "mediation: RSA recipients only"


def test_practice_by_public_sets_the_logic_of_that_public():
    model = run_small(
        **{
            "territory.france_travail.practice": 0.0,
            "territory.france_travail.practice_by_public": {"young": 1.0},
        }
    )
    pop = model.pop
    ft = pop.referent_kind == ReferentKind.FRANCE_TRAVAIL
    young = pop.age < 26
    assert np.all(pop.logic[ft & young] == Logic.ITERATIVE), "young people: iterative"
    assert np.all(pop.logic[ft & ~young] == Logic.LINEAR), "everyone else: linear"


def test_a_practice_override_for_shelters_leaves_france_travail_alone():
    def practice(**overrides):  # cumulative shares of the practice profiles, per structure
        return InsertionModel(small_scenario(**overrides)).referents.practice

    own = practice()
    ref = InsertionModel(small_scenario(**{"policy.practice_override_by_kind.shelters": 1.0}))
    ref = ref.referents
    shelters, others = slice(0, ref.n_shelters), slice(ref.n_shelters, None)
    iterative = practice(**{"policy.practice_override": 1.0})[0]
    linear = practice(**{"policy.practice_override": 0.0})[0]
    assert not np.array_equal(iterative, linear), "the two practices differ"
    assert (ref.practice[shelters] == iterative).all(), "every shelter is iterative"
    np.testing.assert_array_equal(
        ref.practice[others], own[others], err_msg="France Travail and teams unchanged"
    )
    both = practice(
        **{"policy.practice_override": 0.0, "policy.practice_override_by_kind.shelters": 1.0}
    )
    assert (both[shelters] == iterative).all(), "the override by kind wins for its kind"
    assert (both[others] == linear).all(), "the general one for the others"
