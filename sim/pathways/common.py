"""Rules both logics share: which service an obstacle needs, IAE eligibility."""

from __future__ import annotations

import numpy as np

from sim.agents.siae import MAX_MONTHS as IAE_MAX_MONTHS
from sim.population import Population
from sim.states import OB, SERVICE_OBSTACLES, Benefit, Housing, Service

_SERVICE_ROWS = [[OB[o] for o in SERVICE_OBSTACLES[s]] for s in sorted(SERVICE_OBSTACLES)]


def worst_service(pop: Population, rows: np.ndarray) -> np.ndarray:
    """The service that works on each person's most severe service-addressable obstacle.

    Ties go to the first service in ``Service`` order; persons with none get ``Service.NONE``.
    """
    sev = np.stack([pop.obstacles[r][:, rows].max(axis=0) for r in _SERVICE_ROWS])
    best = sev.argmax(axis=0).astype(np.int8)
    best[sev.max(axis=0) == 0] = Service.NONE
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
