"""Linear logic, "lever les freins" (staircase, train-then-place; seed 003, section 2).

Phases in a fixed order: diagnostic -> obstacle removal -> re-socialisation -> professional
project -> training -> job search. The referent applies readiness gates: a person moves from
obstacle removal only when no obstacle (but justice, which is not the referent's to lift) is
above ``policy.readiness.max_severity``, and to the
professional project only with confidence of at least ``policy.readiness.min_confidence``.
Orientation to IAE comes only in job search (when judged ready). Obstacles are worked one at a
time, before any work situation. Support ends when a job starts.
"""

from __future__ import annotations

import numpy as np

from sim.pathways.common import iae_eligible, worst_service
from sim.states import OB, OBSTACLES, Housing, Phase, Programme, Status

GATED = np.array([OB[o] for o in OBSTACLES if o != "justice"])  # obstacles the gate looks at
# Qualification level below which the linear project includes a training (CAP/BEP = 1).
TRAINING_BELOW_QUALIFICATION = 2  # assumption: the baccalauréat level is the usual goal


def decide(model, rows: np.ndarray, plan) -> None:
    """Move ``rows`` (followed in the linear logic) through their phases; fill ``plan``."""
    if rows.size == 0:
        return
    pop, t, b = model.pop, model.t, model.behaviour
    gate = model.policy.readiness
    supported = rows[pop.status[rows] == Status.SUPPORTED]

    def in_phase(phase):
        return supported[pop.phase[supported] == phase]

    def due(r):
        return r[pop.t_phase_end[r] <= t]

    # 1. Diagnostic, for a fixed time.
    r = due(in_phase(Phase.DIAGNOSTIC))
    pop.phase[r] = Phase.OBSTACLES
    # 2. Obstacle removal until no obstacle the referent can work on is above the gate, one
    # service at a time (a justice measure is not the referent's to lift).
    r = in_phase(Phase.OBSTACLES)
    ready = pop.obstacles[GATED][:, r].max(axis=0) <= gate.max_severity
    nxt = r[ready]
    pop.phase[nxt] = Phase.RESOCIALISATION
    pop.t_phase_end[nxt] = t + int(round(b.dur_resocialisation))
    plan.want_service[r[~ready]] = worst_service(pop, r[~ready])
    # 3. Re-socialisation (AAVA for shelter residents), then the confidence gate.
    r = in_phase(Phase.RESOCIALISATION)
    relapsed = pop.obstacles[GATED][:, r].max(axis=0) > gate.max_severity
    pop.phase[r[relapsed]] = Phase.OBSTACLES
    r = r[~relapsed]
    in_shelter = pop.housing[r] == Housing.CHRS
    plan.want_low_threshold[r[in_shelter]] = Programme.AAVA
    passed = due(r)
    passed = passed[pop.confidence[passed] >= gate.min_confidence]
    pop.phase[passed] = Phase.PROJECT
    pop.t_phase_end[passed] = t + int(round(b.dur_project))
    # 4. Professional project; training if under-qualified, otherwise job search.
    r = due(in_phase(Phase.PROJECT))
    train = pop.qualification[r] < TRAINING_BELOW_QUALIFICATION
    pop.phase[r[train]] = Phase.TRAINING
    pop.phase[r[~train]] = Phase.JOB_SEARCH
    # 5. Training: wait for a training slot (the training itself is status TRAINING).
    plan.want_training[in_phase(Phase.TRAINING)] = True
    # 6. Only then, job search, immersions and IAE prescription.
    r = in_phase(Phase.JOB_SEARCH)
    plan.search[r] = True
    plan.want_immersion[r] = True
    prescriber = model.referents.prescribes_iae[pop.referent[r]]
    plan.want_iae[r] = prescriber & iae_eligible(pop, r, model.iae_max_months)
