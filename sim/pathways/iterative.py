"""Iterative logic, "emploi d'abord" (place-then-train; IPS, SEVE, PERLE; seed 003, section 2).

Entry by the person's wish to work: whoever wishes to work searches from the first month, with
immersions, IAE prescription without a readiness gate, low-threshold work for homeless people (PHC,
TAPAJ) and mediation with employers (unnecessary prerequisites dropped, openness raised).
Obstacles are worked in parallel, while searching and once in the job; support continues in the
job (``Phase.IN_JOB``) and a break is followed by an immediate new search with the same referent.
Without a wish yet, the referent works on obstacles and confidence until the wish appears.
"""

from __future__ import annotations

import numpy as np

from sim.pathways.common import iae_eligible, worst_service
from sim.states import Housing, Phase, Programme, Status
from sim.submodels.matching import TAPAJ_MAX_AGE, not_done


def decide(model, rows: np.ndarray, plan) -> None:
    """Move ``rows`` (followed in the iterative logic) through their phases; fill ``plan``."""
    if rows.size == 0:
        return
    pop, b = model.pop, model.behaviour
    supported = rows[pop.status[rows] == Status.SUPPORTED]
    # Diagnostic is done while acting: the wish decides the first month.
    r = supported[pop.phase[supported] == Phase.DIAGNOSTIC]
    pop.phase[r] = np.where(pop.wish[r], Phase.JOB_SEARCH, Phase.OBSTACLES)
    # Without a wish yet: obstacles, activity without commitment (AAVA), until the wish appears.
    r = supported[pop.phase[supported] == Phase.OBSTACLES]
    u = model.streams.uniform("pathway", pop.n)[r]
    arises = pop.wish[r] | (u < b.p_wish_arise * pop.confidence[r])
    pop.wish[r[arises]] = True
    pop.phase[r[arises]] = Phase.JOB_SEARCH
    waiting = r[~arises]
    plan.want_service[waiting] = worst_service(pop, waiting)
    plan.want_low_threshold[waiting[pop.housing[waiting] == Housing.CHRS]] = Programme.AAVA
    # Job search from the first month, obstacles in parallel.
    r = supported[pop.phase[supported] == Phase.JOB_SEARCH]
    plan.search[r] = True
    plan.mediation[r] = True
    plan.want_immersion[r] = True
    plan.want_service[r] = worst_service(pop, r)
    prescriber = model.referents.prescribes_iae[pop.referent[r]]
    plan.want_iae[r] = prescriber & iae_eligible(pop, r, model.iae_max_months)
    homeless = pop.housing[r] <= Housing.EMERGENCY_SHELTER
    young = pop.age[r] < TAPAJ_MAX_AGE
    first_step = homeless & not_done(pop, Programme.PHC, r) & not_done(pop, Programme.TAPAJ, r)
    plan.want_low_threshold[r[first_step & ~young]] = Programme.PHC
    plan.want_low_threshold[r[first_step & young]] = Programme.TAPAJ
    # Obstacles are still worked during a low-threshold programme.
    r = rows[pop.status[rows] == Status.LOW_THRESHOLD]
    plan.want_service[r] = worst_service(pop, r)
    # Support continues in the job: obstacles still worked (in-job support also lowers the
    # risk of a break, see sim.submodels.contracts).
    r = rows[(pop.status[rows] == Status.JOB) & (pop.phase[rows] == Phase.IN_JOB)]
    plan.want_service[r] = worst_service(pop, r)
