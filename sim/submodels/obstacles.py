"""Service queues and obstacle changes (phase 4 of the monthly step).

- Services with places (crèche, mobility aid, French courses, health and addiction care) take the
  persons their referent puts in the queue, in random order (employees of a SIAE with a health
  partnership first, :mod:`sim.submodels.iae`, then accompagnement global);
  in a service, the most severe of its obstacles drops one level with ``p_service_reduce`` a month.
  Places aimed at a public (``territory.service_groups``) take first the eligible persons who
  ask for their service, in the order of their priority list; the open places
  (``territory.services``) take the rest. Training places are shared out the same way.
- Referents work directly on digital skills, the right to work and debt (``p_referent_reduce``),
  in the months they see the person (their staff time, :mod:`sim.submodels.staff`).
- On the street, health obstacles worsen (``p_street_worsen``).
- Work feeds back on obstacles (seed 003, emploi d'abord): French improves at work
  (``p_french_at_work``), confidence rises with work and activity and falls when idle.
- Training has slots, shared by trainings before a job (status TRAINING) and trainings in a job
  (a person followed in a job whose project includes one, seed 003 L359); a completed training
  raises the qualification by one level.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER
from sim.states import (
    OB,
    REFERENT_OBSTACLES,
    SERVICE_OBSTACLES,
    Benefit,
    Housing,
    Phase,
    ReferentKind,
    Service,
    Status,
)
from sim.submodels import iae
from sim.submodels.capacity import allocate

WEEKS_PER_MONTH = 52 / 12


def cer_activity(model) -> np.ndarray:
    """RSA recipients whose contract of engagement sets hours of activity this month.

    Those followed by France Travail or the Département, when the rules in force require hours
    (``duties.hours_per_week``, from 2025).
    """
    pop = model.pop
    if not model.benefit_rules["duties.hours_per_week"] > 0:
        return np.zeros(pop.n, dtype=bool)
    kind = pop.referent_kind
    return (
        (pop.benefit == Benefit.RSA)
        & ((kind == ReferentKind.FRANCE_TRAVAIL) | (kind == ReferentKind.DEPARTEMENT))
        & (pop.status == Status.SUPPORTED)
    )


SERVICE_ROWS = {s: np.array([OB[o] for o in obs]) for s, obs in SERVICE_OBSTACLES.items()}
REFERENT_ROWS = np.array([OB[o] for o in REFERENT_OBSTACLES])
HEALTH_ROWS = SERVICE_ROWS[Service.HEALTH]
# The codes :func:`sim.kernels.confidence_month` reads: the statuses of activity and of
# idleness, no service, and the pathway phases spent with the referent.
_CONFIDENCE_CODES = tuple(
    int(code)
    for code in (
        Status.TRAINING,
        Status.IMMERSION,
        Status.LOW_THRESHOLD,
        Status.SUPPORTED,
        Status.OUTSIDE,
        Status.WAITING,
        Service.NONE,
        Phase.DIAGNOSTIC,
        Phase.RESOCIALISATION,
        Phase.PROJECT,
    )
)


def _lower_worst(model, rows: np.ndarray, obstacle_rows: np.ndarray, p: np.ndarray, label: str):
    """Lower by one, with probability ``p``, the most severe of ``obstacle_rows`` for ``rows``.

    Ties go to the first of ``obstacle_rows``; each row draws from stream ``obstacles`` under
    ``label`` (:func:`sim.kernels.lower_worst`).
    """
    kernels.lower_worst(
        model.pop.obstacles,
        obstacle_rows.astype(np.int64, copy=False),
        rows.astype(np.int64, copy=False),
        p.astype(np.float64, copy=False),
        np.uint64(model.streams.key("obstacles", label)),
    )


def _targeted_first(model, queue, kind, key, unit_kind, unit_places, unit_group, held):
    """Admit ``queue`` to the places aimed at a public, then return who is left.

    Args:
        model: the model (its month's eligibility and priority lists).
        queue: rows asking for a place.
        kind: per row, the kind of place asked.
        key: per row, the order within a priority rank (lowest first).
        unit_kind: per group of places, its kind.
        unit_places: per group of places, its places.
        unit_group: per group of places, its index in ``territory.service_groups`` (-1: the
            open places).
        held: the holding counted per group of places (``"service_unit"``, ``"training_unit"``).

    Returns:
        ``(admitted rows, their group of places, mask of the queue not admitted)``.
    """
    targeting, names = model.targeting, model.service_group_names
    free = unit_places - model.pop.count(held)
    left = np.ones(queue.size, dtype=bool)
    got_rows, got_units = [], []
    for unit in np.flatnonzero(unit_group >= 0):
        sel = np.flatnonzero(left & (kind == unit_kind[unit]))
        name = names[unit_group[unit]]
        mask = targeting.eligible("service", name, queue[sel])
        if mask is not None:
            sel = sel[mask]
        rank = targeting.rank("service", [name], np.zeros(sel.size, np.int64), queue[sel])
        got = allocate(
            queue[sel], np.zeros(sel.size, np.int64), free[unit : unit + 1], key[sel], rank=rank
        )
        left[np.isin(queue, got)] = False
        got_rows.append(got)
        got_units.append(np.full(got.size, unit, dtype=np.int64))
    if not got_rows:
        return queue[:0], queue[:0], left
    return np.concatenate(got_rows), np.concatenate(got_units), left


def services(model, plan) -> None:
    """Keep, free and fill service places; services lower the obstacles they work on."""
    pop, b, t = model.pop, model.behaviour, model.t
    # A place is kept only while the referent still asks for that service.
    leave = (pop.service != Service.NONE) & (pop.service != plan.want_service)
    pop.write(np.flatnonzero(leave), service=Service.NONE, service_unit=-1)
    pop.t_service_start[leave] = NEVER
    queue = np.flatnonzero((plan.want_service != Service.NONE) & (pop.service == Service.NONE))
    kind = plan.want_service[queue].astype(np.int64)
    tie = model.streams.uniform("services", queue, "queue")
    key = tie - pop.global_support[queue] - 2.0 * iae.health_partners(model)[queue]
    unit_kind, unit_group = model.service_unit_kind, model.service_unit_group
    targeted, units, left = _targeted_first(
        model, queue, kind, key, unit_kind, model.service_unit_places, unit_group, "service_unit"
    )
    # The open places of each kind take the rest.
    open_unit = np.full(len(Service) - 1, -1, dtype=np.int64)
    is_open = np.flatnonzero(unit_group < 0)
    open_unit[unit_kind[is_open]] = is_open
    free = np.where(
        open_unit >= 0,
        model.service_unit_places[open_unit] - pop.count("service_unit")[open_unit],
        0,
    )
    admitted = allocate(queue[left], kind[left], free, key[left])
    units = np.concatenate([units, open_unit[plan.want_service[admitted].astype(np.int64)]])
    admitted = np.concatenate([targeted, admitted])
    pop.write(admitted, service=plan.want_service[admitted], service_unit=units)
    pop.t_service_start[admitted] = t
    model.flows["service_starts"] += admitted.size
    model.queues["services"] = queue.size - admitted.size

    def rel(rows: np.ndarray) -> np.ndarray:  # accompagnement global works faster
        return np.where(pop.global_support[rows], b.rel_global_support, 1.0)

    in_service = np.flatnonzero(pop.service != Service.NONE)
    service = pop.service[in_service]
    for s, obstacle_rows in SERVICE_ROWS.items():
        rows = in_service[service == s]
        p = np.minimum(b.p_service_reduce * rel(rows), 1.0)
        _lower_worst(model, rows, obstacle_rows, p, f"service {int(s)}")
        solved = rows[pop.severities(obstacle_rows, rows).max(axis=0) == 0]
        pop.write(solved, service=Service.NONE, service_unit=-1)
        pop.t_service_start[solved] = NEVER
    # Referents (when they see the person), and SIAE insertion officers for their employees,
    # work on the other obstacles.
    seen = np.flatnonzero(plan.seen)
    in_siae = np.flatnonzero(pop.status == Status.SIAE)
    rows = np.concatenate([seen, in_siae])
    # The intensive support measure of seed 002 works faster.
    seen_coverage = rel(seen) * np.where(pop.measure[seen], b.rel_measure, 1.0)
    coverage = np.concatenate([seen_coverage, model.siae_cip_coverage[pop.siae[in_siae]]])
    rows, coverage = rows[coverage > 0], coverage[coverage > 0]
    p = np.minimum(b.p_referent_reduce * coverage, 1.0)
    _lower_worst(model, rows, REFERENT_ROWS, p, "referent")


def in_training(pop) -> np.ndarray:
    """Persons holding a training slot: in a training before a job, or in one in their job."""
    return (pop.status == Status.TRAINING) | (pop.t_job_training_end != NEVER)


def training(model, plan) -> None:
    """Trainings end (qualification + 1) and free slots are filled.

    A training before a job ends in job search; a training in the job ends the project's
    training. Those the plan asks for (waiting in phase TRAINING, or followed in a job) queue
    for the free slots, admitted in random order.
    """
    pop, t, b = model.pop, model.t, model.behaviour
    done = np.flatnonzero((pop.status == Status.TRAINING) & (pop.t_programme_end <= t))
    pop.qualification[done] = np.minimum(pop.qualification[done] + 1, 3)
    pop.status[done] = Status.SUPPORTED
    pop.phase[done] = Phase.JOB_SEARCH
    pop.t_programme_end[done] = NEVER
    pop.t_programme_start[done] = NEVER
    pop.write(done, training_unit=-1)
    in_job = np.flatnonzero((pop.t_job_training_end != NEVER) & (pop.t_job_training_end <= t))
    pop.qualification[in_job] = np.minimum(pop.qualification[in_job] + 1, 3)
    pop.t_job_training_end[in_job] = NEVER
    pop.t_programme_start[in_job] = NEVER
    pop.write(in_job, training_unit=-1)
    pop.training_planned[in_job] = False
    working = pop.status == Status.JOB
    queue = np.flatnonzero(plan.want_training & ((pop.status == Status.SUPPORTED) | working))
    tie = model.streams.uniform("services", queue, "training")
    unit_group, places = model.training_unit_group, model.training_unit_places
    kind = np.zeros(queue.size, dtype=np.int64)
    unit_kind = np.zeros(places.size, dtype=np.int64)
    targeted, units, left = _targeted_first(
        model, queue, kind, tie, unit_kind, places, unit_group, "training_unit"
    )
    open_unit = places.size - 1  # the open places come last
    free = np.array([places[open_unit] - pop.count("training_unit")[open_unit]])
    admitted = allocate(queue[left], np.zeros(int(left.sum()), dtype=np.int64), free, tie[left])
    units = np.concatenate([units, np.full(admitted.size, open_unit, dtype=np.int64)])
    admitted = np.concatenate([targeted, admitted])
    pop.write(admitted, training_unit=units)
    pop.t_programme_start[admitted] = t
    at_work = admitted[working[admitted]]
    pop.t_job_training_end[at_work] = t + int(round(b.dur_training))
    before = admitted[~working[admitted]]
    pop.status[before] = Status.TRAINING
    pop.t_programme_end[before] = t + int(round(b.dur_training))
    # A training extends the support measure to its end (the referent keeps the person).
    pop.t_support_end[before] = np.maximum(
        pop.t_support_end[before], pop.t_programme_end[before] + 1
    )
    model.flows["training_starts"] += before.size
    model.flows["training_in_job_starts"] += at_work.size
    model.queues["training"] = queue.size - admitted.size
    model.ledger.mobilised(before)


def obstacle_changes(model, plan) -> None:
    """Worsening on the street; feedback from work and activity on French and confidence.

    Confidence rises at work and in activity (a programme, a training, an immersion, or, while
    supported, job search, a service, a pathway phase with the referent, or the hours of activity
    of an RSA recipient's contract of engagement); it falls outside any support; a supported
    person only waiting for a service place neither gains nor loses. The intensive support
    measure of seed 002 adds ``confidence_gain_measure`` a month.
    """
    pop, b = model.pop, model.behaviour
    present = pop.present()
    street = np.flatnonzero(present & (pop.housing == Housing.STREET))
    for k in HEALTH_ROWS:
        u = model.streams.uniform("obstacles", street, f"street {int(k)}")
        worse = street[(u < b.p_street_worsen) & (pop.obstacles[k, street] < 3)]
        pop.obstacles[k, worse] += 1

    employed = pop.employed()
    working = employed | (pop.status == Status.LOW_THRESHOLD)
    w = np.flatnonzero(working)
    u = model.streams.uniform("obstacles", w, "french at work")
    french = pop.obstacles[OB["french"]]
    learn = w[(u < b.p_french_at_work) & (french[w] > 0)]
    french[learn] -= 1

    cer = cer_activity(model)
    hours = model.benefit_rules["duties.hours_per_week"]
    model.flows["cer_hours"] += float(cer.sum() * hours * WEEKS_PER_MONTH)
    f32 = np.float32
    kernels.confidence_month(
        pop.status,
        plan.search,
        pop.service,
        pop.phase,
        cer,
        pop.measure,
        working,
        pop.confidence,
        _CONFIDENCE_CODES,
        (
            f32(b.confidence_gain_work),
            f32(b.confidence_gain_activity),
            f32(-b.confidence_loss_idle),
            f32(b.confidence_gain_measure),
        ),
    )

    # A month of experience at work; time without work restarts at work, grows otherwise.
    pop.experience += employed
    pop.months_without_work *= ~employed
    pop.months_without_work += present & ~employed
