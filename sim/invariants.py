"""Invariants that hold after every step (DESIGN.md, decision 4).

Cheap checks: occupancy never exceeds capacity; every person has exactly one valid status and
holds a post, place or referent only while that status allows it; persons are conserved; the
ledger balances. Enabled in any run with ``run.check_invariants: true``; the tests run them.
"""

from __future__ import annotations

import numpy as np

from sim.states import Programme, Service, Status
from sim.submodels.capacity import occupancy


class InvariantError(RuntimeError):
    """An invariant of the model does not hold."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantError(message)


def check_invariants(model) -> None:
    """Raise :class:`InvariantError` naming the first invariant that fails."""
    pop, t = model.pop, model.t
    st = pop.status
    _require(bool(np.all((st >= 0) & (st <= max(Status)))), "a status is out of range")
    arrived = np.count_nonzero(pop.t_entry <= t)
    counts = np.bincount(st, minlength=len(Status))
    _require(
        counts[Status.NOT_ARRIVED] == pop.n - arrived,
        f"month {t}: {counts[Status.NOT_ARRIVED]} not arrived, expected {pop.n - arrived}",
    )
    _require(int(counts.sum()) == pop.n, "persons are not conserved")

    ref = model.referents
    used = occupancy(pop.referent, ref.n)
    _require(bool(np.all(used <= ref.capacity)), f"month {t}: a caseload exceeds its capacity")
    places = occupancy(pop.shelter, model.n_shelters)
    _require(bool(np.all(places <= model.shelter_places)), f"month {t}: a shelter is over capacity")
    in_siae = st == Status.SIAE
    posts = occupancy(np.where(in_siae, pop.siae, -1), model.n_siae)
    _require(
        bool(np.all(posts <= model.siae_posts)), f"month {t}: a SIAE has more staff than posts"
    )
    low = st == Status.LOW_THRESHOLD
    host = pop.programme_host
    phc = occupancy(np.where(low & (pop.programme == Programme.PHC), host, -1), model.n_siae)
    _require(bool(np.all(phc <= model.siae_phc_places)), f"month {t}: PHC over capacity")
    aava = occupancy(np.where(low & (pop.programme == Programme.AAVA), host, -1), model.n_shelters)
    _require(bool(np.all(aava <= model.shelter_aava_places)), f"month {t}: AAVA over capacity")
    tapaj = np.count_nonzero(low & (pop.programme == Programme.TAPAJ))
    _require(
        tapaj <= model.tapaj_places,
        f"month {t}: TAPAJ over capacity",
    )
    served = np.bincount(pop.service[pop.service >= 0], minlength=len(Service) - 1)
    _require(bool(np.all(served <= model.service_places)), f"month {t}: a service is over capacity")
    _require(
        np.count_nonzero(st == Status.TRAINING) <= model.training_places,
        f"month {t}: training over capacity",
    )

    _require(bool(np.all(in_siae <= (pop.siae >= 0))), "a SIAE employee has no SIAE")
    _require(bool(np.all((st == Status.JOB) <= (pop.employer >= 0))), "a job has no employer")
    gone = (st == Status.LEFT) | (st == Status.NOT_ARRIVED)
    _require(not np.any(gone & (pop.referent >= 0)), "someone absent holds a referent slot")
    _require(not np.any(gone & (pop.shelter >= 0)), "someone absent holds a shelter place")
    _require(
        not np.any((st == Status.WAITING) & (pop.referent >= 0)),
        "someone waiting for a referent already has one",
    )

    ledger = model.ledger.frame()
    if len(ledger):
        month = ledger[ledger["month"] == t]
        by_funder = month.groupby("funder")["amount"].sum().sum()
        by_programme = month.groupby("programme")["amount"].sum().sum()
        total = month["amount"].sum()
        _require(
            bool(np.isclose(by_funder, total) and np.isclose(by_programme, total)),
            f"month {t}: the ledger does not balance",
        )
