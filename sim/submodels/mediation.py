"""Mediation teams take on job seekers of their public (phase 5, before employers hire).

The job developers of ``territory.mediation`` (seed 003: SEVE active mediation; seed 004 fiche
36: a team prospecting "hidden" vacancies for RSA recipients) work for job seekers up to their
places. Each month, persons in job search with a referent who are eligible for a team and not yet
followed take its free places, in the order of its priority list then at random (stream
``targeting``); they keep the place while they search and give it up when they stop (a job, a
programme, the end of their support). For them, employers drop the prerequisites the job does
not need and are more open (:func:`sim.submodels.matching.employer_hiring`).
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER
from sim.states import Status
from sim.submodels.capacity import admitted, choose_allowed


def assign(model, plan) -> None:
    """Release places of those no longer searching, fill free places, mark mediation."""
    if not model.mediation_teams:
        return
    pop, t = model.pop, model.t
    searching = (pop.status == Status.SUPPORTED) & plan.search
    leave = (pop.mediator >= 0) & ~searching
    pop.write(np.flatnonzero(leave), mediator=-1)
    pop.t_mediation_start[leave] = NEVER
    cand = np.flatnonzero(searching & (pop.mediator < 0))
    free = model.mediation_places - pop.count("mediator")
    u = model.streams.uniform("targeting", cand, "mediation")
    names = model.mediation_group_names
    team = choose_allowed(
        u,
        np.maximum(free, 0).astype(float),
        model.mediation_group,
        model.targeting.allowed("mediation", names, cand),
    )
    ok = team >= 0
    cand, team, u = cand[ok], team[ok], u[ok]
    rank = model.targeting.rank("mediation", names, model.mediation_group[team], cand)
    at = admitted(team, free, u, rank=rank)
    got = cand[at]
    if got.size:
        pop.write(got, mediator=team[at])
        pop.t_mediation_start[got] = t
    model.flows["mediation_starts"] += got.size
    plan.mediation[pop.mediator >= 0] = True
