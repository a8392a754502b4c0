"""State changes shared by several mechanisms, so that every exit from a state is complete.

Each function takes the population and the rows concerned and leaves every affected array
consistent (one status per person; a person holds a referent slot, a post, a place or a service
slot only while the status says so).
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER, Population
from sim.states import Contract, Logic, Phase, Programme, ReferentKind, Service, Status


def release_referent(pop: Population, rows: np.ndarray) -> None:
    """End the support of ``rows``: their referent's caseload slot, service and mediation are freed.

    The intensive support measure (seed 002) ends with the support: its variable part is no
    longer due.
    """
    pop.referent[rows] = -1
    pop.measure[rows] = False
    pop.measure_mobilised[rows] = False
    pop.t_measure_end[rows] = NEVER
    pop.referent_kind[rows] = ReferentKind.NONE
    pop.logic[rows] = Logic.NONE
    pop.phase[rows] = Phase.NONE
    pop.global_support[rows] = False
    pop.service[rows] = Service.NONE
    pop.service_unit[rows] = -1
    pop.t_service_start[rows] = NEVER
    pop.mediator[rows] = -1
    pop.t_mediation_start[rows] = NEVER
    pop.t_support_start[rows] = NEVER
    pop.t_support_end[rows] = NEVER
    pop.t_phase_end[rows] = NEVER
    pop.t_in_job_support_end[rows] = NEVER


def leave_activity(pop: Population, rows: np.ndarray) -> None:
    """End the contract, programme or training of ``rows`` (their post or place is freed)."""
    pop.siae[rows] = -1
    pop.employer[rows] = -1
    pop.contract[rows] = Contract.NONE
    pop.hours[rows] = 0.0
    pop.programme[rows] = Programme.NONE
    pop.programme_host[rows] = -1
    pop.t_contract_end[rows] = NEVER
    pop.t_programme_end[rows] = NEVER
    pop.t_programme_start[rows] = NEVER
    pop.training_unit[rows] = -1
    pop.t_contract_start[rows] = NEVER
    pop.t_job_training_end[rows] = NEVER


def to_outside(pop: Population, rows: np.ndarray) -> None:
    """``rows`` are outside any support (support ended, linear exit from a job that ended)."""
    release_referent(pop, rows)
    leave_activity(pop, rows)
    pop.status[rows] = Status.OUTSIDE


def to_waiting(pop: Population, rows: np.ndarray, t: int) -> None:
    """``rows`` are oriented and wait for a referent from month ``t``."""
    release_referent(pop, rows)
    leave_activity(pop, rows)
    pop.status[rows] = Status.WAITING
    pop.t_waiting_since[rows] = t


def back_to_search(pop: Population, rows: np.ndarray, phase=Phase.JOB_SEARCH) -> None:
    """``rows`` keep their referent after a job that did not work out, in ``phase``.

    ``phase`` (one per row, or one for all) is where their profile resumes: job search with
    goals revised, or obstacle work.
    """
    leave_activity(pop, rows)
    pop.status[rows] = Status.SUPPORTED
    pop.phase[rows] = phase
    pop.t_in_job_support_end[rows] = NEVER


def leave_territory(pop: Population, rows: np.ndarray, status: Status) -> None:
    """``rows`` leave the territory or the labour market (``LEFT`` or ``INCAPACITY``)."""
    release_referent(pop, rows)
    leave_activity(pop, rows)
    pop.status[rows] = status
