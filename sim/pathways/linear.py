"""The staircase seed 003 attributes to the linear logic, "lever les freins" (L300-311, L356-360).

Phases in a fixed order, each held for its profile's duration: diagnostic -> obstacle removal ->
re-socialisation -> professional project -> training -> job search ("il importe dans un premier
temps de lever les freins, de « socialiser » les personnes, puis de les amener à élaborer un
projet professionnel ... de les « outiller » par de la formation technique et enfin ... de les
aider à chercher un travail", L307-311). The referent applies readiness gates: a person leaves
obstacle removal only when every obstacle is at most the profile's gate for it (``gates``), and
starts the project only with confidence of at least ``min_confidence``. A profile with zero
durations and open gates (the iterative one) passes every step in the first month.

The gates govern what the referent prescribes (immersions, IAE, contacts with employers), not
the person's own job search, which goes on (:mod:`sim.submodels.matching`).
"""

from __future__ import annotations

import numpy as np

from sim.kernels import within_gates
from sim.pathways import iterative
from sim.pathways.common import worst_service
from sim.states import Phase


def passes_gates(model, rows: np.ndarray) -> np.ndarray:
    """Whether every obstacle of ``rows`` is at most their profile's gate for it."""
    pop = model.pop
    rows = np.asarray(rows).astype(np.int64, copy=False)
    return within_gates(pop.obstacles, model.practices.gates, pop.logic, rows)


def staircase(model, rows: np.ndarray, plan) -> None:
    """Move ``rows`` (supported, seen) through the staircase's phases; fill ``plan``."""
    pop, t, pr = model.pop, model.t, model.practices

    def in_phase(phase):
        return rows[pop.phase[rows] == phase]

    def due(r):
        return r[pop.t_phase_end[r] <= t]

    # 1. Diagnostic, for the profile's time.
    r = due(in_phase(Phase.DIAGNOSTIC))
    pop.phase[r] = Phase.OBSTACLES
    # 2. Obstacle removal, one service at a time, until the gates (and, for a profile whose
    # entry is the wish, the wish to work) let the person move on.
    r = in_phase(Phase.OBSTACLES)
    ready = passes_gates(model, r) & iterative.wish_allows(model, r)
    nxt = r[ready]
    pop.phase[nxt] = Phase.RESOCIALISATION
    pop.t_phase_end[nxt] = t + pr.dur_resocialisation[pop.logic[nxt]]
    plan.want_service[r[~ready]] = worst_service(pop, r[~ready])
    # 3. Re-socialisation, then the confidence gate; back to obstacles on a relapse.
    r = in_phase(Phase.RESOCIALISATION)
    relapsed = ~passes_gates(model, r)
    pop.phase[r[relapsed]] = Phase.OBSTACLES
    r = due(r[~relapsed])
    passed = r[pop.confidence[r] >= pr.min_confidence[pop.logic[r]]]
    pop.phase[passed] = Phase.PROJECT
    pop.t_phase_end[passed] = t + pr.dur_project[pop.logic[passed]]
    # 4. Professional project: it may include a training, before the job or in it.
    r = due(in_phase(Phase.PROJECT))
    u = model.streams.uniform("pathway", r, "training")
    profile = pop.logic[r]
    train = (pop.qualification[r] < pr.training_below_qualification[profile]) & (
        u < pr.p_training[profile]
    )
    in_job = pr.training_in_job[profile]
    before = r[train & ~in_job]
    pop.phase[before] = Phase.TRAINING
    pop.t_phase_end[before] = t + pr.dur_training_wait[pop.logic[before]]
    pop.training_planned[r[train & in_job]] = True
    pop.phase[r[~train | in_job]] = Phase.JOB_SEARCH
    # 5. Waiting for a training slot (the training itself is status TRAINING), at most the
    # profile's wait; then job search.
    r = in_phase(Phase.TRAINING)
    over = due(r)
    pop.phase[over] = Phase.JOB_SEARCH
    plan.want_training[r[pop.t_phase_end[r] > t]] = True
