"""Shelter admissions and exits to housing (phase 7 of the monthly step).

Two logics, chosen per scenario (``policy.housing_first``):

- **Staircase**: a street person who asks the SIAO (``p_shelter_request``, or at once if they
  have a referent) gets an emergency place (CHU) when one is free, in random order; then moves
  up to a CHRS, then to adapted housing (IML, OACAS) when a place is free (``p_move_on``);
  ordinary social housing goes only to residents of a CHRS or of adapted housing with an income
  (a job, a CDDI, the AAH or the incapacity route), adapted housing first: the last step of
  the staircase.
- SIAE whose support stays open to their employees for housing (``services_during_contract``,
  CVG, seed 003 L941, L954-955) put their homeless employees first in the queue for social housing,
  wherever they live (:mod:`sim.submodels.iae`).
- **Logement d'abord** (seed 003): the same social-housing allocations are open to homeless
  people with an income wherever they are (adapted housing first, then CHRS, CHU, the street),
  and ``housing_first_per_month`` dwellings with support go directly to homeless people, street
  first, without an income condition.

A place that frees up is offered to a new person within the month with ``p_place_refilled``
(vacancy between occupants: the SIAO's procedure, a place suited to a household's make-up);
arrivals who come sheltered keep the place they have. Each candidate for a place asks a
structure drawn in proportion to its places offered, among the structures whose group takes them
(``eligible``); each structure admits by its group's ``priority`` list first; those who find it
full ask again, up to ``PLACEMENT_ROUNDS`` times a month.

People in ordinary housing without an income and with heavy debt may lose it
(``p_housing_loss``); housing-first tenants are protected from it (their support is counted as
the ``housing_first`` cost; it is not modelled further).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from sim.population import NEVER, Population
from sim.states import OB, SHELTER_HOUSING, Benefit, Housing, ShelterKind, Status
from sim.submodels import iae
from sim.submodels.capacity import allocate, choose_allowed, occupancy

STAIRCASE = (ShelterKind.CHU, ShelterKind.CHRS, (ShelterKind.IML, ShelterKind.OACAS))
MIN_MONTHS_BEFORE_MOVE_ON = 3  # assumption: a first evaluation after three months
PLACEMENT_ROUNDS = 4  # asking again when the drawn structure is full (no per-person loop)
GOLDEN = 0.6180339887498949  # shifts a uniform draw to a new, equally uniform one each round


def leave_shelter(pop: Population, rows: np.ndarray) -> None:
    """``rows`` give up their shelter place."""
    pop.shelter[rows] = -1
    pop.t_shelter_since[rows] = NEVER


def _enter_shelter(model, rows: np.ndarray, shelter: np.ndarray) -> None:
    pop = model.pop
    pop.shelter[rows] = shelter
    pop.housing[rows] = model.shelter_housing[shelter]
    pop.t_shelter_since[rows] = model.t


def _place(
    model,
    rows: np.ndarray,
    kinds,
    key: np.ndarray,
    u: np.ndarray,
    vacancy: np.ndarray | None = None,
) -> np.ndarray:
    """Give ``rows`` a free place in a shelter of one of ``kinds``; return those placed.

    With ``vacancy`` (one uniform draw per structure), each free place is offered this month with
    ``p_place_refilled``: the number offered is Binomial(free places, p), drawn by inversion so
    that every call uses one draw per structure whatever the scenario (common random numbers).
    Without it, every free place is offered.
    """
    pop = model.pop
    eligible = np.isin(model.shelter_kind, np.atleast_1d(kinds))
    free = np.maximum(model.shelter_places - occupancy(pop.shelter, model.n_shelters), 0)
    if vacancy is not None:
        free = np.maximum(binom.ppf(vacancy, free, model.behaviour.p_place_refilled), 0)
    offer = np.where(eligible, free, 0).astype(np.int64)
    names, targeting = model.shelter_group_names, model.targeting
    allowed = targeting.allowed("shelter", names, rows)
    placed_all = []
    for round_ in range(PLACEMENT_ROUNDS):
        if rows.size == 0 or offer.sum() == 0:
            break
        target = choose_allowed(
            (u + round_ * GOLDEN) % 1.0, offer.astype(float), model.shelter_group, allowed
        )
        ok = target >= 0
        asking, target = rows[ok], target[ok]
        rank = targeting.rank("shelter", names, model.shelter_group[target], asking)
        placed = allocate(asking, target, offer, key[ok], rank=rank)
        where = target[np.searchsorted(asking, placed)] if placed.size else placed
        _enter_shelter(model, placed, where)
        offer = offer - np.bincount(where, minlength=offer.size)
        placed_all.append(placed)
        keep = ~np.isin(rows, placed)
        rows, u, key = rows[keep], u[keep], key[keep]
        allowed = {g: m[keep] for g, m in allowed.items()}
    return np.sort(np.concatenate(placed_all)) if placed_all else rows[:0]


def initial_shelter(model, rows: np.ndarray) -> None:
    """Arrivals who come sheltered take a place of their kind; without one, the street."""
    pop = model.pop
    u = model.streams.uniform("housing", pop.n)
    for housing in (Housing.EMERGENCY_SHELTER, Housing.CHRS, Housing.ADAPTED):
        want = rows[pop.housing[rows] == housing]
        kinds = [k for k, h in SHELTER_HOUSING.items() if h == housing]
        placed = _place(model, want, kinds, pop.t_entry[want].astype(float), u[want])
        pop.housing[np.setdiff1d(want, placed, assume_unique=True)] = Housing.STREET


def has_income(pop: Population) -> np.ndarray:
    """Income that opens ordinary housing: a job, a CDDI, or the AAH (incapacity route)."""
    return pop.employed() | (pop.benefit == Benefit.AAH) | (pop.status == Status.INCAPACITY)


def admissions_and_exits(model) -> None:
    """SIAO admissions, staircase moves, allocations of ordinary housing, housing loss."""
    pop, t, b = model.pop, model.t, model.behaviour
    g = model.streams["housing"]
    u_ask, u_place, u_move, u_loss = g.random((4, pop.n), dtype=np.float32)
    u_vacancy = model.streams["vacancies"].random((3, model.n_shelters))
    present = pop.present()
    street = np.flatnonzero(present & (pop.housing == Housing.STREET))
    asks = street[(pop.referent[street] >= 0) | (u_ask[street] < b.p_shelter_request)]
    admitted = _place(model, asks, ShelterKind.CHU, u_place[asks], u_place[asks], u_vacancy[0])
    model.flows["shelter_admissions"] += admitted.size
    model.queues["shelter"] = asks.size - admitted.size

    if not model.policy.housing_first:
        steps = ((STAIRCASE[0], STAIRCASE[1]), (STAIRCASE[1], STAIRCASE[2]))
        for step, (lower, upper) in enumerate(steps, start=1):
            here = np.flatnonzero(
                present
                & (pop.shelter >= 0)
                & np.isin(model.shelter_kind[np.maximum(pop.shelter, 0)], np.atleast_1d(lower))
                & (t - pop.t_shelter_since >= MIN_MONTHS_BEFORE_MOVE_ON)
            )
            movers = here[u_move[here] < b.p_move_on]
            old = pop.shelter[movers].copy()
            pop.shelter[movers] = -1  # free the place they leave only if they get the next
            since = pop.t_shelter_since[movers].astype(float)
            moved = _place(model, movers, upper, since, u_place[movers], u_vacancy[step])
            stay = np.setdiff1d(movers, moved, assume_unique=True)
            pop.shelter[stay] = old[np.searchsorted(movers, stay)]
            model.flows["staircase_moves"] += moved.size

    # Ordinary social housing: needs an income; priority to those furthest up the staircase,
    # after the employees of SIAE whose housing partnership opens it to them wherever they live.
    homeless = present & (pop.housing != Housing.ORDINARY)
    partners = iae.housing_partners(model)
    cand = np.flatnonzero(homeless & has_income(pop))
    if not model.policy.housing_first:
        cand = cand[(pop.housing[cand] >= Housing.CHRS) | partners[cand]]
    n_alloc = g.poisson(model.housing_per_month["social"])
    n_hf = g.poisson(model.housing_per_month["housing_first"])  # drawn in both logics (CRN)
    key = -pop.housing[cand].astype(float) + u_place[cand] - 10.0 * partners[cand]
    housed = allocate(cand, np.zeros(cand.size, dtype=np.int64), np.array([n_alloc]), key)
    _housed(model, housed, housing_first=False)

    if model.policy.housing_first:
        cand = np.flatnonzero(present & (pop.housing <= Housing.CHRS))
        key = pop.housing[cand].astype(float) + u_place[cand]  # street first
        housed = allocate(cand, np.zeros(cand.size, dtype=np.int64), np.array([n_hf]), key)
        _housed(model, housed, housing_first=True)

    at_risk = (
        present
        & (pop.housing == Housing.ORDINARY)
        & ~has_income(pop)
        & ~pop.housing_first
        & (pop.obstacles[OB["debt"]] >= 2)
    )
    lost = np.flatnonzero(at_risk & (u_loss < b.p_housing_loss))
    pop.housing[lost] = Housing.STREET
    model.flows["housing_losses"] += lost.size


def _housed(model, rows: np.ndarray, housing_first: bool) -> None:
    pop = model.pop
    leave_shelter(pop, rows)
    pop.housing[rows] = Housing.ORDINARY
    pop.housing_first[rows] = housing_first
    first = rows[pop.t_housed[rows] == NEVER]
    pop.t_housed[first] = model.t
    model.flows["housing_exits"] += rows.size
