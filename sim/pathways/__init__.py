"""The support logics and what a referent puts each supported person on this month.

Each logic of seed 003 (section 2, L300-360) is a *practice profile*, a named set of scenario
fields (``policy.practices``, read as arrays by :mod:`sim.pathways.profiles`): the linear "lever
les freins" and the iterative "emploi d'abord", and any other (a hybrid practice). A structure's
practice is a mix of profiles; each person starting support with it is followed under one profile,
drawn with those shares (stream ``logic``, :mod:`sim.submodels.orientation`).

Every profile runs through the same steps, and its fields decide how long each step holds a
person: :mod:`sim.pathways.linear` holds the staircase that seed 003 attributes to the linear logic
(diagnostic, obstacle removal behind readiness gates, re-socialisation, professional project,
training before the job), :mod:`sim.pathways.iterative` what it attributes to the iterative logic
(entry by the wish to work, support and training in the job), :mod:`sim.pathways.common` what both
do (job search, prescriptions of programmes by public, obstacle services). The linear profile sets
long phases and closed gates; the iterative one zero durations and open gates. Nothing tests a
profile's name, so two profiles with the same fields give the same pathways (the symmetry test,
``tests/test_symmetry.py``).

Each month a referent first gives its staff time (:mod:`sim.submodels.staff`): only the persons
it sees move on in their pathway and get prescriptions; the others keep their own job search.
Nothing in either profile says which logic does better: outcomes differ through gates, timing,
staff time, in-job support, mediation and feedback from work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.pathways import common, iterative, linear
from sim.pathways.profiles import Practices
from sim.states import Phase, Programme, Service, Status

__all__ = ["Plan", "Practices", "decide"]


@dataclass
class Plan:
    """What each person is put on this month (one entry per population row)."""

    seen: np.ndarray  # the referent gave the person time this month
    search: np.ndarray  # searches a job with their referent's coaching
    mediation: np.ndarray  # asks for a contact of the referent with the employer applied to
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
            seen=no.copy(),
            search=no.copy(),
            mediation=no.copy(),
            want_service=np.full(n, Service.NONE, dtype=np.int8),
            want_training=no.copy(),
            want_immersion=no.copy(),
            want_iae=no.copy(),
            want_low_threshold=np.full(n, Programme.NONE, dtype=np.int8),
        )


def decide(model) -> Plan:
    """Give the referents' staff time, move the persons seen through their pathway; the plan.

    In order: the persons who need their referent this month (supported, in a programme, or
    followed in a job) ask for the hours of their month; the staff budget decides who is seen;
    for those, the wish to work may arise, the staircase steps run, then job search,
    programmes by public, follow-up in programmes and in the job. Persons not seen keep their
    phase, whose due month moves on by one.
    """
    pop, t = model.pop, model.t
    plan = Plan.empty(pop.n)
    followed = np.flatnonzero(pop.referent >= 0)
    pop.t_last_followed[followed] = t
    rows = followed[pop.status_in(Status.SUPPORTED, Status.JOB, Status.LOW_THRESHOLD)[followed]]
    need = common.hours_needed(model, rows)
    seen = model.staff.ration(model, rows, pop.referent[rows], need)
    common.postpone(pop, rows[~seen])
    rows = rows[seen]
    plan.seen[rows] = True

    status = pop.status[rows]
    supported = rows[status == Status.SUPPORTED]
    common.wish_arises(model, supported)
    linear.staircase(model, supported, plan)
    common.job_search(model, supported[pop.phase[supported] == Phase.JOB_SEARCH], plan)
    common.programmes_by_public(model, supported[pop.phase[supported] != Phase.TRAINING], plan)
    common.in_programme(model, rows[status == Status.LOW_THRESHOLD], plan)
    iterative.in_job(model, rows[status == Status.JOB], plan)
    pop.phase_reached[followed] = pop.phase[followed]
    model.flows["persons_seen"] += rows.size
    model.flows["coached_searches"] += int(np.count_nonzero(plan.search))
    return plan
