"""Arrivals and departures (phase 1 of the monthly step).

Scheduled arrivals enter the territory outside any support (their shelter place, if they arrive
sheltered, is taken by capacity in :mod:`sim.submodels.housing`). Each month a person present and
not on the incapacity route leaves the territory with probability ``population.p_leave`` (stream
``departures``); a person whose mental or physical health obstacle is at its most severe is oriented
to the incapacity route (AAH, ESAT) with probability ``behaviour.p_incapacity``.
"""

from __future__ import annotations

import numpy as np

from sim.states import OB, Status
from sim.submodels.housing import leave_shelter
from sim.submodels.transitions import leave_territory


def arrivals(model) -> np.ndarray:
    """Persons whose entry month is now become present, outside any support."""
    pop = model.pop
    new = np.flatnonzero((pop.status == Status.NOT_ARRIVED) & (pop.t_entry == model.t))
    pop.status[new] = Status.OUTSIDE
    return new


def departures(model) -> None:
    """Departures from the territory and orientation to the incapacity route."""
    pop, b = model.pop, model.behaviour
    active = np.flatnonzero(pop.present() & (pop.status != Status.INCAPACITY))
    u = model.streams.uniform("departures", active, "leave")
    leave = active[u < model.spec.population.p_leave]
    leave_shelter(model, leave)
    leave_territory(pop, leave, Status.LEFT)
    model.flows["departures"] += leave.size

    severe = (pop.obstacles[OB["mental_health"]] == 3) | (pop.obstacles[OB["physical_health"]] == 3)
    at_risk = np.flatnonzero(pop.present() & (pop.status != Status.INCAPACITY) & severe)
    v = model.streams.uniform("departures", at_risk, "incapacity")
    incapacity = at_risk[v < b.p_incapacity]
    leave_territory(pop, incapacity, Status.INCAPACITY)
    model.flows["incapacity"] += incapacity.size
