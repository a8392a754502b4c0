"""Paired directional checks: two scenarios, the same seed, one policy difference.

Common random numbers make these comparisons sharp: both runs draw the same persons and the
same random numbers for every process the policy does not touch.
"""

from __future__ import annotations

import numpy as np
from conftest import run_small
from test_limits import GROUPS

from sim.states import OBSTACLES

PAIRED = {"run.persons": 3000, "run.months": 24, "run.seed": 11}


def _siae_mean_obstacles(model):
    monthly = model.recorder.frame()
    applicants = (
        monthly["flow_siae_applicant_obstacles"].sum() / monthly["flow_siae_applicants"].sum()
    )
    hires = monthly["flow_siae_hire_obstacles"].sum() / monthly["flow_siae_hires"].sum()
    return applicants, hires


def test_more_siae_posts_give_at_least_as_many_siae_hires():
    base = run_small(**PAIRED)
    more = run_small(**PAIRED, **{f"territory.siae.{g}.posts": 56 for g in GROUPS["siae"]})
    hires = [m.recorder.frame()["flow_siae_hires"].sum() for m in (base, more)]
    assert hires[1] >= hires[0], f"doubling SIAE posts gave fewer hires: {hires}"
    assert hires[1] > hires[0], "doubling posts should add hires in a territory with queues"


def test_the_vacancy_scale_multiplies_every_employers_vacancies_and_adds_hires():
    base = run_small(**PAIRED)
    tighter = run_small(**PAIRED, **{"territory.vacancy_scale": "x0.5"})
    np.testing.assert_allclose(tighter.employer_vacancies, 0.5 * base.employer_vacancies)
    hires = [m.recorder.frame()["flow_job_hires"].sum() for m in (tighter, base)]
    assert hires[0] < hires[1], f"half the vacancies should give fewer hires: {hires}"


def test_modulation_rewarding_exits_makes_hires_less_obstructed_than_applicants():
    on = {
        "policy.funding.modulation.enabled": True,
        "policy.funding.modulation.reward": "exits",
        "policy.funding.modulation.share": 0.10,
    }
    base = run_small(**PAIRED)
    modulated = run_small(**PAIRED, **on)
    applicants, hires = _siae_mean_obstacles(modulated)
    assert hires < applicants, (
        f"under modulation SIAE hires ({hires:.2f} obstacles) should be less obstructed than "
        f"applicants ({applicants:.2f})"
    )
    _, base_hires = _siae_mean_obstacles(base)
    assert hires < base_hires, (
        f"modulation should select less obstructed hires than without it ({hires:.2f} vs "
        f"{base_hires:.2f})"
    )


def test_modulation_rewarding_the_furthest_reverses_the_selection():
    on = {"policy.funding.modulation.enabled": True, "policy.funding.modulation.share": 0.10}
    exits = run_small(**PAIRED, **on, **{"policy.funding.modulation.reward": "exits"})
    furthest = run_small(**PAIRED, **on, **{"policy.funding.modulation.reward": "furthest"})
    _, hires_exits = _siae_mean_obstacles(exits)
    _, hires_furthest = _siae_mean_obstacles(furthest)
    assert hires_furthest > hires_exits, (
        f"rewarding the furthest should hire more obstructed people ({hires_furthest:.2f}) than "
        f"rewarding exits ({hires_exits:.2f})"
    )


def test_a_stricter_readiness_gate_delays_first_jobs():
    def first_job_within_12(model):
        pop = model.pop
        cohort = pop.t_entry == 0
        months = pop.t_first_job[cohort] - pop.t_entry[cohort]
        return np.mean((pop.t_first_job[cohort] >= 0) & (months <= 12))

    def gates(level, confidence):
        profile = "policy.practices.applied"
        out = {f"{profile}.gates.{o}": level for o in OBSTACLES if o != "justice"}
        return {**out, f"{profile}.min_confidence": confidence}

    strict = run_small("linear", **PAIRED, **gates(0, 0.7))
    loose = run_small("linear", **PAIRED, **gates(2, 0.3))
    s, lo = first_job_within_12(strict), first_job_within_12(loose)
    assert s < lo, f"a stricter gate should delay first jobs: {s:.3f} within 12 months vs {lo:.3f}"


def test_more_phc_places_reduce_the_homeless_never_reached():
    short = {**PAIRED, "run.months": 18}
    base = run_small(**short)
    more = run_small(**short, **{"territory.siae.aci_phc_hosts.phc_places": 60})

    def never_reached_homeless(model):
        ind = model.indicators()
        sel = (ind.indicator == "never_reached_share") & (ind.public == "homeless_at_entry")
        return float(ind[sel]["value"].iloc[0])

    b, m = never_reached_homeless(base), never_reached_homeless(more)
    assert m < b, f"more PHC places should reach more homeless people: {m:.3f} vs {b:.3f}"
