"""Rules every profile shares: staff time asked for, job search, programmes by public, services.

- **Hours asked for** (:func:`hours_needed`): a month of diagnostic, of obstacle work (also
  re-socialisation, project and waiting for a training), of job-search coaching (plus obstacle
  work when the profile works obstacles in parallel), of follow-up in a programme or in a job, at
  the costs of ``territory.staff.hours``.
- **The wish to work** may arise with the referent's work, with probability
  ``behaviour.p_wish_arise`` x confidence a month (seed 002: "la reprise de confiance en soi ...
  le repositionnement dans une perspective emploi").
- **Job search** (:func:`job_search`): coaching, immersions, an IAE prescription (prescribing
  structures, IAE-eligible persons) and, when the profile spends hours on mediation, a request for
  a contact with the employer; none of them for a person without the right to work, who cannot
  be hired (Code du travail L5221-5).
- **Programmes by public** (:func:`programmes_by_public`), whatever the profile, within places
  (seed 003): TAPAJ for people aged 16-25 on the street or in an emergency shelter (L971-975, "en
  errance"); PHC for homeless people (street or CHU) far from work, three or more obstacles
  (L912-926: "qui ne pourraient pas accéder directement aux Chantiers d'Insertion"); both pay
  wages, so the right to work and the wish to work are needed. AAVA for residents of a shelter
  that runs AAVA places who are too far from the IAE (three or more obstacles) or, in
  particular, without a work authorisation (L629-644).
"""

from __future__ import annotations

import numpy as np

from sim.agents.siae import MAX_MONTHS as IAE_MAX_MONTHS
from sim.population import NEVER, Population
from sim.states import OB, SERVICE_OBSTACLES, Benefit, Housing, Phase, Programme, Service, Status
from sim.submodels.matching import (
    FURTHEST_MIN_OBSTACLES,
    TAPAJ_MAX_AGE,
    WORK_RIGHT_MAX,
    may_work,
    not_done,
)

# The obstacles each service works on, in Service order.
_SERVICE_ROWS = [[OB[o] for o in SERVICE_OBSTACLES[s]] for s in sorted(SERVICE_OBSTACLES)]


def worst_service(pop: Population, rows: np.ndarray) -> np.ndarray:
    """The service that works on each person's most severe service-addressable obstacle.

    Ties go to the first service in ``Service`` order; persons with none get ``Service.NONE``.
    """
    best = np.zeros(rows.size, dtype=np.int8)
    worst = None  # the worst severity seen so far, over the services before
    for service, kinds in enumerate(_SERVICE_ROWS):
        sev = pop.obstacles[kinds[0], rows]
        for k in kinds[1:]:
            np.maximum(sev, pop.obstacles[k, rows], out=sev)
        if worst is None:
            worst = sev
        else:
            best[sev > worst] = service  # strictly worse: ties stay with the first service
            np.maximum(worst, sev, out=worst)
    best[worst == 0] = Service.NONE
    return best


def iae_eligible(pop: Population, rows: np.ndarray, max_months: int = IAE_MAX_MONTHS) -> np.ndarray:
    """IAE eligibility criteria (simplified from the national criteria for a prescription).

    Long-term unemployed (12 months or more), minimum-benefit recipients, young people without
    qualification, people aged 50+, disabled people, refugees, homeless people, residents of
    priority areas and people under justice; and some of the IAE pathway left: of its 24
    months, or of the longest pathway a SIAE of the territory offers (``max_months``, see
    :mod:`sim.submodels.iae`; which SIAE may then hire them is the hiring rule's concern).
    """
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


def hours_needed(model, rows: np.ndarray) -> np.ndarray:
    """Staff hours each of ``rows`` (persons with a referent) needs this month."""
    pop, h = model.pop, model.spec.territory.staff.hours
    status, phase = pop.status[rows], pop.phase[rows]
    parallel = model.practices.obstacles_in_parallel[pop.logic[rows]]
    return np.select(
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
            h.job_search + parallel * h.obstacles,
        ],
        h.obstacles,
    )


def postpone(pop: Population, rows: np.ndarray) -> None:
    """``rows`` were not seen this month: the due month of their phase moves on by one."""
    timed = rows[pop.t_phase_end[rows] != NEVER]
    pop.t_phase_end[timed] += 1


def wish_arises(model, rows: np.ndarray) -> None:
    """The wish to work arises for some of ``rows`` (supported, seen) who had none."""
    pop, b = model.pop, model.behaviour
    u = model.streams.uniform("pathway", rows, "wish")
    pop.wish[rows[u < b.p_wish_arise * pop.confidence[rows]]] = True


def job_search(model, rows: np.ndarray, plan) -> None:
    """``rows`` (supported, seen, in job search) are coached; prescriptions by their profile."""
    pop, pr = model.pop, model.practices
    profile = pop.logic[rows]
    ok = may_work(pop, rows)
    able = rows[ok]
    plan.search[able] = True
    plan.want_immersion[able] = True
    plan.mediation[able] = pr.mediation_share[profile[ok]] > 0
    prescriber = model.referents.prescribes_iae[pop.referent[rows]]
    plan.want_iae[rows] = prescriber & ok & iae_eligible(pop, rows, model.iae_max_months)
    parallel = rows[pr.obstacles_in_parallel[profile]]
    plan.want_service[parallel] = worst_service(pop, parallel)


def programmes_by_public(model, rows: np.ndarray, plan) -> None:
    """Prescribe TAPAJ, PHC or AAVA to ``rows`` of each programme's public (see module doc)."""
    pop = model.pop
    shelter = pop.shelter[rows]
    sheltered = shelter >= 0  # none in a territory without shelters
    runs_aava = np.zeros(rows.size, dtype=bool)
    runs_aava[sheltered] = model.shelter_aava_places[shelter[sheltered]] > 0
    homeless = pop.housing[rows] <= Housing.EMERGENCY_SHELTER
    public = homeless | runs_aava  # no one else is any programme's public
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


def in_programme(model, rows: np.ndarray, plan) -> None:
    """``rows`` (seen, in PHC, TAPAJ or AAVA): obstacles worked if the profile does it then."""
    pop = model.pop
    work = model.practices.obstacles_in_parallel[pop.logic[rows]] | (
        pop.phase[rows] == Phase.OBSTACLES
    )
    plan.want_service[rows[work]] = worst_service(pop, rows[work])
