"""Limit cases with exact answers (DESIGN.md, "How a model is checked")."""

from __future__ import annotations

import numpy as np
from conftest import run_small, small_scenario

from sim.model import InsertionModel
from sim.states import OB, Housing, Status

GROUPS = {
    "siae": ("aci_worksites", "aci_screening", "aci_phc_hosts", "ei", "ai", "etti"),
    "shelters": ("emergency", "chrs_case_by_case", "chrs_with_cip", "iml", "oacas", "hotels"),
    "employers": (
        "construction",
        "cleaning",
        "home_care",
        "logistics",
        "hospitality",
        "retail",
        "industry",
        "agriculture",
    ),
}


def _each(section: str, field: str, value) -> dict:
    return {f"territory.{section}.{g}.{field}": value for g in GROUPS[section]}


def test_no_siae_posts_no_siae_hires():
    model = run_small(**_each("siae", "posts", 0), **_each("siae", "phc_places", 0))
    monthly = model.recorder.frame()
    assert monthly["flow_siae_hires"].sum() == 0
    assert np.count_nonzero(model.pop.months_siae) == 0


def test_no_shelter_places_nobody_sheltered():
    model = run_small(**_each("shelters", "places", 0))
    monthly = model.recorder.frame()
    assert monthly["flow_shelter_admissions"].sum() == 0
    assert np.all(model.pop.shelter == -1)
    homeless = model.pop.homeless_at_entry
    assert not np.any(
        np.isin(model.pop.housing[homeless], (Housing.EMERGENCY_SHELTER, Housing.CHRS))
    ), "without places, homeless people stay on the street or find housing"


def test_no_referents_nobody_supported_and_everyone_waits_or_is_reached_by_programmes():
    model = run_small(
        **_each("shelters", "social_workers", 0),
        **{
            "territory.france_travail.advisers_per_agency": 0,
            "territory.departement.social_referents": 0,
        },
    )
    monthly = model.recorder.frame()
    assert monthly["flow_support_starts"].sum() == 0
    assert monthly["n_supported"].max() == 0
    pop = model.pop
    reached = pop.t_first_support >= 0
    assert np.all(np.isin(pop.programme[reached], (-1, 0, 1))), "only PHC/TAPAJ outreach reaches"


def test_closed_population_is_constant():
    model = InsertionModel(
        small_scenario(
            **{
                "population.arrivals_per_month": 0.0,
                "population.p_leave": 0.0,
                "behaviour.p_incapacity": 0.0,
            }
        )
    )
    n = model.spec.run.persons
    assert model.pop.n == n, "no arrival is scheduled"
    for _ in range(model.months):
        model.step()
        assert model.pop.present().sum() == n
        assert np.count_nonzero(model.pop.status == Status.LEFT) == 0


def test_leaving_with_probability_one_empties_the_territory_each_month():
    model = InsertionModel(small_scenario(**{"population.p_leave": 1.0}))
    for _ in range(6):
        model.step()
        assert model.pop.present().sum() == 0, "everyone who arrives this month leaves"
    arrived = model.pop.t_entry <= model.t
    assert np.all(model.pop.status[arrived] == Status.LEFT)


def test_hire_probability_one_hires_everyone_eligible_in_the_first_month():
    free_jobs = {}
    for g in GROUPS["employers"]:
        free_jobs.update(
            {
                f"territory.employers.{g}.openness": 1.0,
                f"territory.employers.{g}.vacancies_per_month": 10_000.0,
                f"territory.employers.{g}.max_french": 3,
                f"territory.employers.{g}.requires_licence": False,
                f"territory.employers.{g}.min_experience": 0.0,
            }
        )
    model = InsertionModel(
        small_scenario(
            **free_jobs,
            **{
                "behaviour.employability.intercept": 60.0,  # sigmoid(score) = 1 for everyone
                "behaviour.p_search_alone": 1.0,
                "behaviour.p_orientation_rsa": 0.0,
                "behaviour.p_orientation_other": 0.0,
                # nobody oriented: no automatic registration of RSA recipients either
                "policy.benefits.overrides": {"duties.automatic_registration": 0},
                "population.p_wish_to_work": 1.0,
                "population.p_leave": 0.0,
                "behaviour.p_incapacity": 0.0,
                "population.housing": {
                    "street": 0.0,
                    "emergency_shelter": 0.0,
                    "chrs": 0.0,
                    "adapted": 0.0,
                    "ordinary": 1.0,
                },
            },
        )
    )
    model.step()
    pop = model.pop
    arrived = pop.t_entry == 0
    may_work = pop.obstacles[OB["right_to_work"]] <= 1
    assert np.all(pop.status[arrived & may_work] == Status.JOB), "every eligible applicant hired"
    assert not np.any(pop.status[arrived & ~may_work] == Status.JOB), "no right to work, no job"
