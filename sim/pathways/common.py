"""Rules every profile shares: staff time asked for, job search, programmes by public, services.

- **Hours asked for** (:func:`hours_needed`): a month of diagnostic, of obstacle work (also
  re-socialisation, project and waiting for a training), of job-search coaching (plus obstacle
  work when the profile works obstacles in parallel), of follow-up in a programme or in a job, at
  the costs of ``territory.staff.hours``.
- **The wish to work** may arise with the referent's work, with probability
  ``behaviour.p_wish_arise`` x confidence a month (seed 002: "la reprise de confiance en soi ...
  le repositionnement dans une perspective emploi").
- **Job search**: coaching, immersions, an IAE prescription (prescribing structures, IAE-eligible
  persons) and, when the profile spends hours on mediation, a request for a contact with the
  employer; none of them for a person without the right to work, who cannot be hired (Code du
  travail L5221-5). Obstacles are worked in parallel if the profile does it, by the service of
  the most severe service-addressable obstacle (ties to the first service in ``Service`` order).
- **IAE eligibility** (simplified from the national criteria for a prescription): long-term
  unemployed (12 months or more), minimum-benefit recipients, young people without
  qualification, people aged 50+, disabled people, refugees, homeless people, residents of
  priority areas and people under justice; and some of the IAE pathway left: of its 24 months,
  or of the longest pathway a SIAE of the territory offers (``model.iae_max_months``, see
  :mod:`sim.submodels.iae`; which SIAE may then hire them is the hiring rule's concern).
- **Programmes by public**, whatever the profile, within places
  (seed 003): TAPAJ for people aged 16-25 on the street or in an emergency shelter (L971-975, "en
  errance"); PHC for homeless people (street or CHU) far from work, three or more obstacles
  (L912-926: "qui ne pourraient pas accéder directement aux Chantiers d'Insertion"); both pay
  wages, so the right to work and the wish to work are needed. AAVA for residents of a shelter
  that runs AAVA places who are too far from the IAE (three or more obstacles) or, in
  particular, without a work authorisation (L629-644).
- **In a programme**, obstacles are worked if the profile works them in parallel or the person
  was in obstacle work.

Each person seen is taken through these rules and the staircase in one compiled pass
(:func:`sim.kernels.pathway_month`).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER, Population
from sim.states import Phase, Status

_HOURS_CODES = tuple(
    int(c) for c in (Status.JOB, Status.LOW_THRESHOLD, Phase.DIAGNOSTIC, Phase.JOB_SEARCH)
)


def hours_needed(model, rows: np.ndarray) -> np.ndarray:
    """Staff hours each of ``rows`` (persons with a referent) needs this month.

    Follow-up in a job or in a programme, else by phase: the diagnostic, job search (plus
    obstacle work for a profile that works obstacles in parallel), obstacle work in any other
    phase (:func:`sim.kernels.hours_needed`).
    """
    pop, h = model.pop, model.spec.territory.staff.hours
    return kernels.hours_needed(
        pop.status,
        pop.phase,
        pop.logic,
        rows.astype(np.int64, copy=False),
        model.practices.obstacles_in_parallel,
        (h.follow_up_job, h.follow_up_programme, h.diagnostic, h.job_search, h.obstacles),
        _HOURS_CODES,
    )


def postpone(pop: Population, rows: np.ndarray) -> None:
    """``rows`` were not seen this month: the due month of their phase moves on by one."""
    timed = rows[pop.t_phase_end[rows] != NEVER]
    pop.t_phase_end[timed] += 1
