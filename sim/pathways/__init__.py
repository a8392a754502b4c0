"""The two support logics and what a referent puts each supported person on this month.

Linear "lever les freins" (:mod:`sim.pathways.linear`) and iterative "emploi d'abord"
(:mod:`sim.pathways.iterative`) are strategies: each reads a person's state and fills a
:class:`Plan` (job search, employer mediation, which obstacle service, training, immersion, IAE
prescription, low-threshold programme). A structure's practice is a degree of iterative practice:
each person starting support with it is followed in the iterative logic with that probability
(stream ``logic``), and in the linear logic otherwise. Nothing in either strategy says which logic
does better: outcomes differ through gates, timing, in-job support, mediation and feedback
from work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.pathways import iterative, linear
from sim.states import Logic, Programme, Service, Status


@dataclass
class Plan:
    """What each person is put on this month (one entry per population row)."""

    search: np.ndarray  # searches a job with their referent
    mediation: np.ndarray  # the referent works the employer side (prerequisites, openness)
    want_service: np.ndarray  # Service to queue for, or Service.NONE
    want_training: np.ndarray
    want_immersion: np.ndarray
    want_iae: np.ndarray  # prescribed to a SIAE
    want_low_threshold: np.ndarray  # Programme to queue for, or Programme.NONE

    @classmethod
    def empty(cls, n: int) -> Plan:
        """A plan that puts nobody on anything."""
        no = np.zeros(n, dtype=bool)
        return cls(
            search=no.copy(),
            mediation=no.copy(),
            want_service=np.full(n, Service.NONE, dtype=np.int8),
            want_training=no.copy(),
            want_immersion=no.copy(),
            want_iae=no.copy(),
            want_low_threshold=np.full(n, Programme.NONE, dtype=np.int8),
        )


def decide(model) -> Plan:
    """Apply each supported person's logic; return the month's plan."""
    pop = model.pop
    plan = Plan.empty(pop.n)
    followed = pop.referent >= 0
    active = followed & pop.status_in(Status.SUPPORTED, Status.JOB, Status.LOW_THRESHOLD)
    linear.decide(model, np.flatnonzero(active & (pop.logic == Logic.LINEAR)), plan)
    iterative.decide(model, np.flatnonzero(active & (pop.logic == Logic.ITERATIVE)), plan)
    return plan
