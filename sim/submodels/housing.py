"""Shelters, hotels and housing (phase 7 of the monthly step; docs/ODD.md, section 7.8).

Places. A shelter's places suit either single adults or families (couples, parents), in the
proportion ``family_places`` of its group; a person takes only a place of their type
(:meth:`Population.place_type`). A place that frees up stays empty ``behaviour.dur_refill`` months
before the SIAO fills it again (:class:`Vacancies`: the vacancy between two occupants). Hotel
rooms (``kind: hotel``) are booked night by night by the SIAO when no shelter place is free: any
household, no refill delay, no social workers, paid only while occupied.

Each month, in this order:

1. **Rent rule**: each person's resources (:mod:`sim.submodels.resources`: hours x wage plus
   benefits) meet the rent rule or not; ``t_affordable_since`` records since when.
2. **Emergency stays that end**: a resident of a CHU or a hotel leaves without a housing
   solution (to the street, to family or friends) with probability ``p_emergency_exit`` a month
   (DREES Études et résultats 1184: half the people in permanent emergency places in early 2017
   had been there under 4.5 months).
3. **SIAO admissions**: a person on the street asks for a place if they have a referent, or with
   probability ``p_shelter_request``; they get a free CHU place of their type, then hotel
   residents move to the CHU places left, then those still asking get a hotel room (families
   first) while the hotels' rooms last.
4. **Staircase** (``policy.housing_first: false``): residents of a CHU or a hotel (then of a
   CHRS) for at least 3 months ask to move up with probability ``p_move_on``, to a CHRS (then to
   adapted housing, IML or OACAS), and move if a place of their type is free.
5. **Social housing allocations**: Poisson(``social_housing_per_month``) new dwellings a month,
   plus the dwellings refused the month before, go to the homeless or sheltered persons whose
   resources have met the rent rule for ``dur_resources_required`` months in a row (the housing
   decision follows employment with that lag), highest housing status first; under the
   staircase only residents of a CHRS or of adapted housing. Each offer is refused with
   ``p_housing_refusal`` (the dwelling is offered again next month).
6. **Logement d'abord** (``policy.housing_first: true``; seed 003 L36-40): Poisson
   (``housing_first_per_month``) dwellings with support go to homeless persons, street first,
   without the rent rule; offers are refused as above.
7. **Moving in**: an accepted offer is moved into ``dur_search_social`` (or
   ``dur_search_housing_first``) months after the allocation; until then the person keeps their
   place or stays where they are.
8. **Tenancy loss**: every tenant in ordinary housing, Logement d'abord tenants included, loses
   the dwelling with a monthly hazard ``p_tenancy_loss``, multiplied by
   ``rel_tenancy_loss_unaffordable`` when their resources do not meet the rent rule, by
   ``rel_tenancy_loss_debt`` per severity level of the debt obstacle, and by
   ``rel_tenancy_loss_support`` while supported: a Logement d'abord tenant, or one whose social
   worker (their shelter's, or accompagnement global) gave them time this month (the staff
   budget's ``Plan.seen``, :mod:`sim.submodels.staff`).

Each candidate for a place asks a structure drawn in proportion to its places offered (of their
type), among the structures whose group takes them (``eligible``); each structure admits by its
group's ``priority`` list first; those who find it full ask again, up to ``PLACEMENT_ROUNDS``
times a month. SIAE whose support stays open to their employees for housing
(``services_during_contract``, CVG, seed 003 L941, L954-955) put their homeless employees first in
the queue for social housing, wherever they live (:mod:`sim.submodels.iae`).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER
from sim.states import (
    OB,
    SEVERITIES,
    SHELTER_HOUSING,
    Allocation,
    Housing,
    PlaceType,
    ReferentKind,
    ShelterKind,
)
from sim.submodels import iae
from sim.submodels.capacity import allocate, among, kinds_in
from sim.submodels.resources import affordable, monthly_resources

STAIRCASE = (
    (ShelterKind.CHU, ShelterKind.HOTEL),
    ShelterKind.CHRS,
    (ShelterKind.IML, ShelterKind.OACAS),
)
MIN_MONTHS_BEFORE_MOVE_ON = 3  # assumption: a first evaluation after three months
PLACEMENT_ROUNDS = 4  # asking again when the drawn structure is full (no per-person loop)
GOLDEN = 0.6180339887498949  # shifts a uniform draw to a new, equally uniform one each round
N_TYPES = len(PlaceType)
# Hotel rooms go to families first when they run short (assumption: families with children are
# sheltered first; hotels mostly house families, Sénat report 20-632).
HOTEL_ORDER = (PlaceType.FAMILY, PlaceType.SINGLE)


class Vacancies:
    """Places freed in the last months, by structure and place type, still waiting to be filled.

    A place freed in month ``t`` is unavailable for ``dur_refill`` months: whole months count in
    full and the fraction of the last one counts for that share of the places (rounded), so that
    the blocked places are ``sum_k min(max(dur_refill - k, 0), 1) x freed[t - k]``.
    """

    def __init__(self, n_structures: int, dur_refill: float):
        """Keep the places freed in the last ``floor(dur_refill) + 1`` months."""
        self.dur = float(dur_refill)
        self.horizon = int(np.floor(self.dur)) + 1
        self.freed = np.zeros((self.horizon, n_structures, N_TYPES), dtype=np.int64)
        self.month = np.full(self.horizon, NEVER, dtype=np.int64)

    def slot(self, t: int) -> int:
        """The slot of month ``t`` (emptied when it last held an older month)."""
        slot = t % self.horizon
        if self.month[slot] != t:
            self.freed[slot] = 0
            self.month[slot] = t
        return slot

    def record(self, t: int, shelter: np.ndarray, place_type: np.ndarray) -> None:
        """Places of ``shelter`` (one entry per place freed) of ``place_type`` free up in ``t``."""
        if shelter.size == 0 or self.dur == 0.0:
            return
        freed = self.freed[self.slot(t)]
        flat = np.bincount(shelter * N_TYPES + place_type, minlength=freed.size)
        freed += flat.reshape(freed.shape)

    def blocked(self, t: int) -> np.ndarray:
        """Places freed recently and not yet available, by structure and place type."""
        return kernels.blocked_places(self.freed, self.month, self.dur, t)


def used_places(model) -> np.ndarray:
    """Residents by structure and place type.

    Read from the counts the population keeps up to date (residents and family residents of
    each shelter, :meth:`sim.population.Population.count`), not from a scan of every person.
    """
    pop = model.pop
    family = pop.count("shelter_family")
    return np.stack([pop.count("shelter") - family, family], axis=1)


def place_capacity(model) -> np.ndarray:
    """Places by structure and place type (a hotel's rooms count for both types)."""
    family = model.shelter_family_places
    cap = np.stack([model.shelter_places - family, family], axis=1)
    cap[model.shelter_is_hotel] = model.shelter_places[model.shelter_is_hotel, None]
    return cap


def free_places(model, delayed: bool = True) -> np.ndarray:
    """Places that can be filled now, by structure and place type.

    ``delayed`` holds back the places freed within the last ``dur_refill`` months. A hotel's free
    rooms are shared by both types (fill one type, then ask again for the other).
    """
    pop, vacancies = model.pop, model.vacancies
    return kernels.free_places(
        pop.count("shelter"),
        pop.count("shelter_family"),
        model.shelter_places,
        model.shelter_family_places,
        model.shelter_is_hotel,
        vacancies.freed,
        vacancies.month,
        vacancies.dur if delayed else 0.0,
        model.t,
    )


def leave_shelter(model, rows: np.ndarray) -> None:
    """``rows`` give up their shelter place (it is filled again after ``dur_refill``)."""
    pop = model.pop
    held = rows[pop.shelter[rows] >= 0]
    shelter = pop.shelter[held]
    keep = ~model.shelter_is_hotel[shelter]
    model.vacancies.record(model.t, shelter[keep], pop.place_type(held)[keep])
    pop.write(rows, shelter=-1, t_shelter_since=NEVER)


def _enter_shelter(model, rows: np.ndarray, shelter: np.ndarray) -> None:
    pop = model.pop
    pop.write(rows, shelter=shelter)
    pop.housing[rows] = model.shelter_housing[shelter]
    pop.t_shelter_since[rows] = model.t


def _place(
    model, rows: np.ndarray, kinds, key: np.ndarray, u: np.ndarray, delayed: bool = True
) -> np.ndarray:
    """Give ``rows`` a free place of their type in a structure of one of ``kinds``.

    Returns the rows placed. ``key`` orders the candidates of each structure (lowest first);
    ``u`` draws the structure each asks (one uniform each, shifted for each new round).
    """
    if rows.size == 0:
        return rows
    pop = model.pop
    eligible = kinds_in(model.shelter_kind, kinds, len(ShelterKind))
    hotels_only = bool(np.all(model.shelter_is_hotel[eligible])) if eligible.any() else False
    ptype = pop.place_type(rows)
    if not hotels_only:  # each type has its own places: both in one pass
        return _place_in_rounds(model, rows, ptype, key, u, eligible, delayed)
    placed = []
    for typ in HOTEL_ORDER:  # a hotel's rooms serve both types: count them again after each
        mine = ptype == typ
        if mine.any():
            placed.append(
                _place_in_rounds(
                    model, rows[mine], ptype[mine], key[mine], u[mine], eligible, delayed
                )
            )
    return np.sort(np.concatenate(placed)) if placed else rows[:0]


def _place_in_rounds(
    model, rows: np.ndarray, ptype, key, u, eligible: np.ndarray, delayed: bool = True
) -> np.ndarray:
    """:func:`_place` for ``rows`` of place types ``ptype`` among the ``eligible`` structures."""
    names, targeting = model.shelter_group_names, model.targeting
    offer = np.where(eligible[:, None], free_places(model, delayed), 0).astype(np.int64)
    at, where = kernels.place_in_rounds(
        u.astype(np.float32, copy=False),
        key.astype(np.float64, copy=False),
        ptype.astype(np.int64),
        offer,
        model.shelter_group,
        targeting.allowed_matrix("shelter", names, rows),
        *targeting.rank_matrix("shelter", names, rows),
        PLACEMENT_ROUNDS,
        GOLDEN,
    )
    placed = rows[at]
    _enter_shelter(model, placed, where)
    return np.sort(placed)


def initial_shelter(model, rows: np.ndarray) -> None:
    """Arrivals who come sheltered take a place of their kind; without one, the street.

    They already live there: the refill delay does not hold them back. Emergency arrivals take a
    CHU place of their type, else a hotel room.
    """
    pop = model.pop
    draw = model.streams.draws("housing", "arrival")  # for the arrivals who come sheltered
    for housing in (Housing.EMERGENCY_SHELTER, Housing.CHRS, Housing.ADAPTED):
        want = rows[pop.housing[rows] == housing]
        kinds = [k for k, h in SHELTER_HOUSING.items() if h == housing and k != ShelterKind.HOTEL]
        placed = _place(model, want, kinds, pop.t_entry[want].astype(float), draw(want), False)
        if housing == Housing.EMERGENCY_SHELTER:
            left = np.setdiff1d(want, placed, assume_unique=True)
            t_entry = pop.t_entry[left].astype(float)
            hotel = _place(model, left, ShelterKind.HOTEL, t_entry, draw(left))
            placed = np.union1d(placed, hotel)
        pop.housing[np.setdiff1d(want, placed, assume_unique=True)] = Housing.STREET


def admissions_and_exits(model, plan) -> None:
    """The month's housing phase: the eight steps of the module docstring, in order.

    ``plan`` is the month's :class:`sim.pathways.Plan`; its ``seen`` (who got their referent's
    time) decides who is supported in their tenancy.
    """
    pop, t = model.pop, model.t
    streams = model.streams
    # One keyed uniform per person and purpose (sim.rng), drawn only for the rows that need it
    # (Streams.draws): a person's draw is the same whoever else draws and whichever housing
    # logic runs. "exit": residents of a CHU or a hotel; "ask": street persons without a
    # referent; "placement": each candidate for a place or a dwelling (the structure they ask,
    # their place in the queue); "move": residents who may move up the staircase; "refuse":
    # those offered a dwelling; "loss": tenants.
    u_ask, u_place, u_move, u_refuse, u_loss, u_exit = (
        streams.draws("housing", label)
        for label in ("ask", "placement", "move", "refuse", "loss", "exit")
    )
    n_social = streams.generator("housing", "social").poisson(model.housing_per_month["social"])
    n_housing_first = streams.generator("housing", "housing first").poisson(
        model.housing_per_month["housing_first"]
    )
    present = pop.present()
    gone = ~present & (pop.allocation != Allocation.NONE)
    pop.allocation[gone] = Allocation.NONE
    pop.t_housing_due[gone] = NEVER

    ok = affordable(pop, monthly_resources(model), model.housing_rules, month=t)
    tenants = present & (pop.housing == Housing.ORDINARY)

    left = _emergency_exits(model, present, u_exit)
    _siao(model, present & ~left, u_ask, u_place)
    if not model.policy.housing_first:
        _staircase(model, present, u_move, u_place)
    _allocate_social(model, present, n_social, u_place, u_refuse)
    if model.policy.housing_first:
        _allocate_housing_first(model, present, n_housing_first, u_place, u_refuse)
    _move_in(model, present)
    _tenancy_loss(model, tenants, ok, plan.seen, u_loss)


def _residents(model, present: np.ndarray, kinds) -> np.ndarray:
    """The present residents (rows) of a structure of one of ``kinds``."""
    pop = model.pop
    rows = np.flatnonzero(pop.shelter >= 0)  # the few residents, then those present
    rows = rows[present[rows]]
    return rows[kinds_in(model.shelter_kind[pop.shelter[rows]], kinds, len(ShelterKind))]


def _emergency_exits(model, present: np.ndarray, u_exit) -> np.ndarray:
    """Stays in a CHU or a hotel that end without a housing solution: back to the street.

    Returns a mask of those who left (they do not ask the SIAO again this month).
    """
    pop = model.pop
    emergency = _residents(model, present, STAIRCASE[0])
    emergency = emergency[pop.allocation[emergency] == Allocation.NONE]  # a dwelling is coming
    rows = emergency[u_exit(emergency) < model.behaviour.p_emergency_exit]
    leave_shelter(model, rows)
    pop.housing[rows] = Housing.STREET
    model.flows["emergency_exits"] += rows.size
    left = np.zeros(pop.n, dtype=bool)
    left[rows] = True
    return left


def _siao(model, present: np.ndarray, u_ask, u_place) -> None:
    """Street persons who ask: a CHU place of their type, then hotel rooms (hotel -> CHU first).

    ``present`` leaves out those whose emergency stay ended this month.
    """
    pop, b = model.pop, model.behaviour
    street = np.flatnonzero(present & (pop.housing == Housing.STREET))
    ask = pop.referent[street] >= 0  # with a referent; the others ask with p_shelter_request
    ask[~ask] = u_ask(street[~ask]) < b.p_shelter_request
    asks = street[ask]
    u = u_place(asks)
    to_chu = _place(model, asks, ShelterKind.CHU, u, u)
    in_hotel = _residents(model, present, ShelterKind.HOTEL)
    since = pop.t_shelter_since[in_hotel].astype(float)
    transfers = _place(model, in_hotel, ShelterKind.CHU, since, u_place(in_hotel))
    left = np.setdiff1d(asks, to_chu, assume_unique=True)
    u = u_place(left)
    to_hotel = _place(model, left, ShelterKind.HOTEL, u, u)
    model.flows["shelter_admissions"] += to_chu.size + to_hotel.size
    model.flows["hotel_admissions"] += to_hotel.size
    model.flows["hotel_to_chu"] += transfers.size
    model.queues["shelter"] = asks.size - to_chu.size - to_hotel.size


def _staircase(model, present: np.ndarray, u_move, u_place) -> None:
    """Moves up the staircase: CHU or hotel -> CHRS, then CHRS -> adapted housing."""
    pop, t, b = model.pop, model.t, model.behaviour
    steps = ((STAIRCASE[0], STAIRCASE[1]), (STAIRCASE[1], STAIRCASE[2]))
    for lower, upper in steps:
        here = _residents(model, present, lower)
        here = here[
            (t - pop.t_shelter_since[here] >= MIN_MONTHS_BEFORE_MOVE_ON)
            & (pop.allocation[here] == Allocation.NONE)
        ]
        movers = here[u_move(here) < b.p_move_on]
        old = pop.shelter[movers].copy()
        pop.write(movers, shelter=-1)  # free the place they leave only if they get the next
        since = pop.t_shelter_since[movers].astype(float)
        moved = _place(model, movers, upper, since, u_place(movers))
        stay = ~among(movers, moved)
        pop.write(movers[stay], shelter=old[stay])
        left_from = old[~stay]
        keep = ~model.shelter_is_hotel[left_from]
        model.vacancies.record(t, left_from[keep], pop.place_type(movers[~stay])[keep])
        model.flows["staircase_moves"] += moved.size


def _offer(
    model,
    kind: Allocation,
    cand: np.ndarray,
    key: np.ndarray,
    n_new: int,
    u_refuse,
    dur_search: float,
) -> None:
    """Offer ``n_new`` dwellings (plus last month's refused ones) to ``cand`` by ``key``."""
    pop, t = model.pop, model.t
    offers = n_new + model.carried_offers[kind]
    offered = allocate(cand, np.zeros(cand.size, dtype=np.int64), np.array([offers]), key)
    refused = u_refuse(offered) < model.behaviour.p_housing_refusal
    accepted = offered[~refused]
    model.carried_offers[kind] = int(np.count_nonzero(refused))
    pop.allocation[accepted] = kind
    pop.t_housing_due[accepted] = t + int(round(dur_search))
    model.flows["housing_offers"] += offered.size
    model.flows["housing_refusals"] += offered.size - accepted.size


def _allocate_social(model, present, n_new: int, u_place, u_refuse) -> None:
    """Social housing for those whose resources met the rent rule long enough.

    Furthest up the staircase first, after the homeless employees of SIAE whose housing
    partnership opens social housing to them wherever they live.
    """
    pop, t, rules = model.pop, model.t, model.housing_rules
    long_enough = (pop.t_affordable_since != NEVER) & (
        t - pop.t_affordable_since >= rules.dur_resources_required
    )
    partners = iae.housing_partners(model)
    cand = present & (pop.housing != Housing.ORDINARY) & (pop.allocation == Allocation.NONE)
    cand &= long_enough
    if not model.policy.housing_first:
        cand &= (pop.housing >= Housing.CHRS) | partners  # the last step of the staircase
    rows = np.flatnonzero(cand)
    key = -pop.housing[rows].astype(float) + u_place(rows) - 10.0 * partners[rows]
    _offer(model, Allocation.SOCIAL, rows, key, n_new, u_refuse, rules.dur_search_social)


def _allocate_housing_first(model, present, n_new: int, u_place, u_refuse) -> None:
    """Logement d'abord dwellings for homeless persons, street first, without the rent rule."""
    pop = model.pop
    rows = np.flatnonzero(present & pop.homeless() & (pop.allocation == Allocation.NONE))
    key = pop.housing[rows].astype(float) + u_place(rows)
    dur = model.housing_rules.dur_search_housing_first
    _offer(model, Allocation.HOUSING_FIRST, rows, key, n_new, u_refuse, dur)


def _move_in(model, present: np.ndarray) -> None:
    """Accepted offers whose search time is over are moved into."""
    pop, t = model.pop, model.t
    due = present & (pop.allocation != Allocation.NONE) & (pop.t_housing_due <= t)
    rows = np.flatnonzero(due)
    housing_first = pop.allocation[rows] == Allocation.HOUSING_FIRST
    leave_shelter(model, rows)
    pop.housing[rows] = Housing.ORDINARY
    pop.housing_first[rows] = housing_first
    pop.allocation[rows] = Allocation.NONE
    pop.t_housing_due[rows] = NEVER
    first = rows[pop.t_housed[rows] == NEVER]
    pop.t_housed[first] = t
    model.flows["housing_exits"] += rows.size


def housing_support(model, seen: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Tenants supported in their housing this month (of ``rows`` only if given).

    Logement d'abord tenants (the programme's support team, paid per tenant), and those a social
    worker gave time to this month: ``seen`` (``Plan.seen``, the staff budget's rationing of
    :mod:`sim.submodels.staff`) by a shelter's social worker or in accompagnement global (an
    adviser with a social worker). Being followed is not enough: a referent with no hours left
    for the person this month does not lower the hazard. Whatever the support is made of (in-job
    follow-up included), only the state counts, never the practice profile.
    """
    pop = model.pop
    at = slice(None) if rows is None else rows
    social_worker = (pop.referent_kind[at] == ReferentKind.SHELTER) | pop.global_support[at]
    return pop.housing_first[at] | (seen[at] & social_worker)


def _debt_factors(b) -> np.ndarray:
    """The hazard's factor for each severity of the debt obstacle: ``rel ** severity``.

    Read from these powers, not a power per tenant (the same numbers).
    """
    return b.rel_tenancy_loss_debt ** np.arange(SEVERITIES, dtype=float)


def tenancy_hazard(
    model, ok: np.ndarray, seen: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """Monthly probability that each person (of ``rows``), if a tenant, loses their dwelling.

    Args:
        model: the model (its population and behaviour).
        ok: whether each person's resources meet the rent rule this month.
        seen: whether each person's referent gave them time this month (``Plan.seen``).
        rows: the persons whose hazard is wanted (default: every person).
    """
    pop, b = model.pop, model.behaviour
    at = slice(None) if rows is None else rows
    p_loss = b.p_tenancy_loss
    hazard = np.where(ok[at], p_loss, p_loss * b.rel_tenancy_loss_unaffordable)
    hazard = hazard * _debt_factors(b)[pop.obstacles[OB["debt"]][at]]
    supported = housing_support(model, seen, rows)
    hazard = np.where(supported, hazard * b.rel_tenancy_loss_support, hazard)
    return np.minimum(hazard, 1.0)


def _largest_tenancy_hazard(b) -> float:
    """The largest value :func:`tenancy_hazard` can take: its products of the largest factors.

    Floating-point products are monotone in their factors, so no hazard exceeds this bound.
    """
    hazard = max(b.p_tenancy_loss, b.p_tenancy_loss * b.rel_tenancy_loss_unaffordable)
    hazard = hazard * float(np.max(_debt_factors(b)))
    return min(max(hazard, hazard * b.rel_tenancy_loss_support), 1.0)


def _tenancy_loss(model, tenants: np.ndarray, ok: np.ndarray, seen: np.ndarray, u_loss) -> None:
    """Tenants who lose their dwelling go to the street (Logement d'abord tenants included)."""
    pop = model.pop
    lost = np.flatnonzero(tenants & (pop.housing == Housing.ORDINARY))
    u = u_loss(lost)
    # Only a draw below the largest hazard can lose: the hazard is computed for those only.
    near = u < _largest_tenancy_hazard(model.behaviour)
    lost, u = lost[near], u[near]
    lost = lost[u < tenancy_hazard(model, ok, seen, lost)]
    pop.housing[lost] = Housing.STREET
    model.flows["housing_losses"] += lost.size
    model.flows["housing_first_losses"] += int(np.count_nonzero(pop.housing_first[lost]))
    pop.housing_first[lost] = False
