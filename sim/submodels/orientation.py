"""Orientation, waiting lists and referents' caseloads (phase 2 of the monthly step).

Referents are the social workers of shelters (for their residents) and France Travail advisers
(for everyone else, at their home agency). Each structure supports at most its caseload capacity
(staff x caseload); the others wait, first come first served (but see :func:`queue_key`: a
results-based RSA measure changes whom France Travail takes first). RSA recipients are oriented
faster than others (the orientation is an obligation attached to the RSA); shelter residents are
oriented by their shelter at once. Some people are never oriented: the non-take-up the seeds report.
A support measure lasts ``behaviour.dur_support`` months (6 months renewable once, seeds 001, 002),
after which a person without a job is outside support again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import NEVER
from sim.states import (
    Benefit,
    EmploymentSupport,
    Logic,
    Phase,
    ReferentKind,
    Status,
)
from sim.submodels.capacity import allocate, occupancy
from sim.submodels.matching import employability
from sim.submodels.transitions import to_outside


@dataclass
class Referents:
    """Referent structures in one index space: shelters first, then France Travail agencies."""

    n_shelters: int
    capacity: np.ndarray  # persons each can support at once
    practice: np.ndarray  # degree of iterative practice
    prescribes_iae: np.ndarray
    rel_search: np.ndarray  # job-search intensity from how employment support is organised
    global_places: np.ndarray  # places in accompagnement global (agencies only)

    @classmethod
    def build(cls, shelters, agencies, behaviour) -> Referents:
        """Gather the referent structures' characteristics from their agents."""
        rel = {
            EmploymentSupport.EVERY_TS: 1.0,
            EmploymentSupport.EMPLOYMENT_REFERENT: behaviour.rel_search_employment_referent,
            EmploymentSupport.INSERTION_OFFICERS: behaviour.rel_search_insertion_officers,
        }
        return cls(
            n_shelters=len(shelters),
            capacity=np.array(
                [s.caseload_capacity for s in shelters] + [a.caseload_capacity for a in agencies],
                dtype=np.int64,
            ),
            practice=np.array([s.practice for s in shelters] + [a.practice for a in agencies]),
            prescribes_iae=np.array(
                [s.prescribes_iae for s in shelters] + [True] * len(agencies), dtype=bool
            ),
            rel_search=np.array(
                [rel[s.employment_support] for s in shelters] + [1.0] * len(agencies)
            ),
            global_places=np.array(
                [0] * len(shelters) + [a.global_support_places for a in agencies], dtype=np.int64
            ),
        )

    @property
    def n(self) -> int:
        """Number of referent structures."""
        return self.capacity.size


def end_of_support(model) -> None:
    """Support measures that reach their end leave persons without a job outside support.

    A measure that ended while the person was in a programme, a training or an immersion ends
    when they come back to their referent.
    """
    pop, t = model.pop, model.t
    ended = (pop.t_support_end != NEVER) & (pop.t_support_end <= t) & (pop.referent >= 0)
    ended &= pop.status == Status.SUPPORTED
    rows = np.flatnonzero(ended)
    to_outside(pop, rows)
    model.flows["support_ends"] += rows.size


def orient(model) -> None:
    """Persons outside support are oriented to a referent (and wait if caseloads are full)."""
    pop, b, t = model.pop, model.behaviour, model.t
    outside = pop.status == Status.OUTSIDE
    u = model.streams.uniform("orientation", pop.n)
    p = np.where(pop.benefit == Benefit.RSA, b.p_orientation_rsa, b.p_orientation_other)
    p = np.where(pop.shelter >= 0, 1.0, p)  # residents are oriented by their shelter
    rows = np.flatnonzero(outside & (u < p))
    pop.status[rows] = Status.WAITING
    pop.t_waiting_since[rows] = t
    model.flows["oriented"] += rows.size


def queue_key(model, rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Order of the waiting lists (lowest first).

    First come, first served; but when the RSA measure pays a variable part on results,
    France Travail referents take first whom it rewards (funding shapes behaviour, seed 003):
    the most employable when it rewards exits, the most obstructed when it rewards the furthest.
    """
    pop = model.pop
    tie = model.streams.uniform("orientation", pop.n)[rows]
    key = pop.t_waiting_since[rows] + tie
    rule = model.policy.funding.measure
    if rule.variable_part:
        at_ft = target >= model.referents.n_shelters
        if rule.reward == "exits":
            rank = -employability(model, rows)
        else:
            rank = -pop.n_obstacles()[rows].astype(float)
        key = np.where(at_ft, rank + tie * 1e-3, key)
    return key


def assign_referents(model) -> None:
    """Waiting persons get a referent where caseload allows (see :func:`queue_key`)."""
    pop, t, ref = model.pop, model.t, model.referents
    waiting = np.flatnonzero(pop.status == Status.WAITING)
    in_shelter = pop.shelter[waiting] >= 0
    has_staff = ref.capacity[np.maximum(pop.shelter[waiting], 0)] > 0
    target = np.where(
        in_shelter & has_staff, pop.shelter[waiting], ref.n_shelters + pop.home_agency[waiting]
    )
    free = ref.capacity - occupancy(pop.referent, ref.n)
    rows = allocate(waiting, target, free, queue_key(model, waiting, target))
    referent = target[np.searchsorted(waiting, rows)] if rows.size else rows
    start_support(model, rows, referent)
    model.flows["support_starts"] += rows.size
    model.flows["support_start_obstacles"] += float(pop.n_obstacles()[rows].sum())
    model.flows["waiting_months"] += float(np.sum(t - pop.t_waiting_since[rows]))


def start_support(model, rows: np.ndarray, referent: np.ndarray) -> None:
    """``rows`` start a support with ``referent`` (unified index); their logic is drawn."""
    pop, t, b, ref = model.pop, model.t, model.behaviour, model.referents
    pop.referent[rows] = referent
    is_shelter = referent < ref.n_shelters
    pop.referent_kind[rows] = np.where(
        is_shelter, ReferentKind.SHELTER, ReferentKind.FRANCE_TRAVAIL
    )
    pop.status[rows] = Status.SUPPORTED
    pop.phase[rows] = Phase.DIAGNOSTIC
    pop.t_phase_end[rows] = t + int(round(b.dur_diagnostic))
    pop.t_support_end[rows] = t + int(round(b.dur_support))
    pop.t_waiting_since[rows] = NEVER
    u = model.streams.uniform("logic", pop.n)[rows]
    pop.logic[rows] = np.where(u < ref.practice[referent], Logic.ITERATIVE, Logic.LINEAR)
    first = rows[pop.t_first_support[rows] == NEVER]
    pop.t_first_support[first] = t
    # The RSA support measure (seed 002) for RSA recipients followed by France Travail.
    measure = rows[~is_shelter & (pop.benefit[rows] == Benefit.RSA)]
    pop.measure[measure] = True
    pop.measure_paid_variable[measure] = False
    model.ledger.measure_starts(measure)
    _global_support(model, rows[~is_shelter])


GLOBAL_SUPPORT_MIN_SEVERE = 2  # two obstacles of severity 2+ (assumption: "cumulative obstacles")


def _global_support(model, rows: np.ndarray) -> None:
    """Accompagnement global (adviser + social worker) for cumulative obstacles, by capacity."""
    pop, ref = model.pop, model.referents
    severe = (pop.obstacles[:, rows] >= 2).sum(axis=0) >= GLOBAL_SUPPORT_MIN_SEVERE
    cand = rows[severe]
    used = occupancy(np.where(pop.global_support, pop.referent, -1), ref.n)
    free = ref.global_places - used
    admitted = allocate(cand, pop.referent[cand], free, pop.t_entry[cand].astype(float))
    pop.global_support[admitted] = True
