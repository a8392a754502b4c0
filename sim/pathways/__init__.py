"""The support logics and what a referent puts each supported person on this month.

Each logic of seed 003 (section 2, L300-360) is a *practice profile*, a named set of scenario
fields (``policy.practices``, read as arrays by :mod:`sim.pathways.profiles`): the linear "lever
les freins" and the iterative "emploi d'abord", and any other (a hybrid practice). A structure's
practice is a mix of profiles; each person starting support with it is followed under one profile,
drawn with those shares (stream ``logic``, :mod:`sim.submodels.orientation`).

Every profile runs through the same steps, and its fields decide how long each step holds a
person: :mod:`sim.pathways.linear` states the staircase that seed 003 attributes to the linear
logic (diagnostic, obstacle removal behind readiness gates, re-socialisation, professional
project, training before the job), :mod:`sim.pathways.iterative` what it attributes to the
iterative logic (entry by the wish to work, support and training in the job),
:mod:`sim.pathways.common` what both do (job search, prescriptions of programmes by public,
obstacle services). The steps are computed for each person seen in one compiled pass
(:func:`sim.kernels.pathway_month`): none looks at another person. The linear profile sets
long phases and closed gates; the iterative one zero durations and open gates. Nothing tests a
profile's name, so two profiles with the same fields give the same pathways (the symmetry test,
``tests/test_symmetry.py``).

Each month a referent first gives its staff time (:mod:`sim.submodels.staff`): only the persons
it sees move on in their pathway and get prescriptions; the others keep their own job search.
Nothing in either profile says which logic does better: outcomes differ through gates, timing,
staff time, in-job support, mediation and feedback from work.
"""

from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple

import numpy as np

from sim import kernels
from sim.pathways import common
from sim.pathways.profiles import Practices
from sim.population import NEVER
from sim.states import OB, SERVICE_OBSTACLES, Benefit, Housing, Phase, Programme, Service, Status
from sim.submodels.matching import FURTHEST_MIN_OBSTACLES, TAPAJ_MAX_AGE, WORK_RIGHT_MAX

__all__ = ["Plan", "Practices", "decide"]


class Plan(NamedTuple):
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


# What sim.kernels.pathway_month reads: the population's columns, the profiles' fields, and the
# state codes and limits of the rules (passed, not read as globals, so that the compiled code
# never holds a stale value).
_Columns = namedtuple(
    "_Columns",
    "status phase logic t_phase_end wish confidence qualification training_planned"
    " t_job_training_end referent months_siae months_without_work benefit age rqth refugee"
    " housing qpv justice shelter programmes_done",
)
_Profiles = namedtuple(
    "_Profiles",
    "gates wish_first dur_resocialisation min_confidence dur_project"
    " training_below_qualification p_training training_in_job dur_training_wait"
    " mediation_share obstacles_in_parallel",
)
_SERVICE_OBSTACLES = np.full(
    (len(SERVICE_OBSTACLES), max(len(v) for v in SERVICE_OBSTACLES.values())), -1, dtype=np.int64
)
for _service, _names in SERVICE_OBSTACLES.items():
    _SERVICE_OBSTACLES[_service, : len(_names)] = [OB[o] for o in _names]
_Codes = namedtuple(
    "_Codes",
    "supported job low_threshold diagnostic obstacles resocialisation project training"
    " job_search no_service no_benefit chrs emergency_shelter tapaj phc aava never right_to_work"
    " work_right_max furthest_min_obstacles tapaj_max_age service_obstacles",
)
_CODES = _Codes(
    *(
        int(code)
        for code in (
            Status.SUPPORTED,
            Status.JOB,
            Status.LOW_THRESHOLD,
            Phase.DIAGNOSTIC,
            Phase.OBSTACLES,
            Phase.RESOCIALISATION,
            Phase.PROJECT,
            Phase.TRAINING,
            Phase.JOB_SEARCH,
            Service.NONE,
            Benefit.NONE,
            Housing.CHRS,
            Housing.EMERGENCY_SHELTER,
            Programme.TAPAJ,
            Programme.PHC,
            Programme.AAVA,
            NEVER,
            OB["right_to_work"],
            WORK_RIGHT_MAX,
            FURTHEST_MIN_OBSTACLES,
            TAPAJ_MAX_AGE,
        )
    ),
    _SERVICE_OBSTACLES,
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

    streams = model.streams
    draws = (
        np.uint64(streams.key("pathway", "wish")),
        np.float32(model.behaviour.p_wish_arise),  # as NumPy multiplies it with a float32
        np.uint64(streams.key("pathway", "training")),
    )
    kernels.pathway_month(
        rows.astype(np.int64, copy=False),
        _Columns._make(getattr(pop, name) for name in _Columns._fields),
        pop.obstacles,
        _Profiles._make(getattr(model.practices, name) for name in _Profiles._fields),
        plan,
        (model.referents.prescribes_iae, model.shelter_aava_places, model.iae_max_months),
        _CODES,
        t,
        draws,
    )
    pop.phase_reached[followed] = pop.phase[followed]
    model.flows["persons_seen"] += rows.size
    model.flows["coached_searches"] += int(np.count_nonzero(plan.search))
    return plan
