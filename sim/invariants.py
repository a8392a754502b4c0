"""Invariants that hold after every step (DESIGN.md, decisions 3 and 4).

Cheap checks: occupancy never exceeds capacity; every person has exactly one valid status and
holds a post, place or referent only while that status allows it; persons are conserved; the
ledger balances; the occupancy kept step by step for every structure equals a full recount;
nobody holds a place of a group they were not eligible for (see :func:`check_eligibility`); every
referent structure uses at most its staff hours and makes at most its mediation contacts, and the
ledger pays the contacts made; no low-threshold place (PHC, TAPAJ, AAVA: programmes that take
without selection) stays empty at the end of the month while a person who asked for it this month
still waits; every person has exactly one benefit status, allowances go only to recipients, and
the ledger's transfers equal what persons received. Enabled in any run with
``run.check_invariants: true``; the tests run them.
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER
from sim.states import Allocation, Benefit, Housing, Programme, Service, Status
from sim.submodels.benefits import current_age
from sim.submodels.capacity import occupancy
from sim.submodels.housing import place_capacity


class InvariantError(RuntimeError):
    """An invariant of the model does not hold."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantError(message)


def _check_staff(model) -> None:
    """Contacts <= mediation capacity, staff hours used <= hours available, per structure."""
    t, staff = model.t, model.staff
    over = np.flatnonzero(staff.contacts > staff.capacity)
    _require(
        over.size == 0,
        f"month {t}: referent structures {over.tolist()} made more employer contacts than their "
        "mediation capacity",
    )
    over = np.flatnonzero(staff.hours_used > staff.hours + 1e-6)
    _require(
        over.size == 0,
        f"month {t}: referent structures {over.tolist()} used more staff hours than they have",
    )


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
    later = pop.column("status")[pop.n :]
    _require(
        bool(np.all(later == Status.NOT_ARRIVED)),
        f"month {t}: a person not arrived yet (a row the month does not show) has a status",
    )

    ref = model.referents
    used = occupancy(pop.referent, ref.n)
    _require(bool(np.all(used <= ref.capacity)), f"month {t}: a caseload exceeds its capacity")
    places = occupancy(pop.shelter, model.n_shelters)
    _require(bool(np.all(places <= model.shelter_places)), f"month {t}: a shelter is over capacity")
    family = pop.recount("shelter_family")  # a full recount, as ``places``
    by_type = np.stack([places - family, family], axis=1)
    _require(
        bool(np.all(by_type <= place_capacity(model))),
        f"month {t}: a shelter has more single adults or families than places of that type",
    )
    held = pop.shelter >= 0
    _require(
        bool(np.all(model.shelter_housing[pop.shelter[held]] == pop.housing[held])),
        f"month {t}: a resident's housing status is not their shelter's",
    )
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
    # Posts and programme places are held only in their status, so that the counts kept per
    # structure (which read the holdings) are the occupancy checked above.
    _require(bool(np.array_equal(in_siae, pop.siae >= 0)), "a SIAE post held outside a SIAE")
    _require(
        bool(np.array_equal(low, pop.programme != Programme.NONE)),
        "a programme place held outside a low-threshold programme",
    )
    # The occupancy the rules read is kept step by step (Population.write): it must equal a
    # full recount of the persons in each structure.
    for name in pop.tracked():
        kept, recount = pop.count(name), pop.recount(name)
        _require(
            bool(np.array_equal(kept, recount)),
            f"month {t}: the {name} occupancy kept step by step ({kept.tolist()}) differs from"
            f" a full recount ({recount.tolist()}): a rule changed a holding without"
            " Population.write",
        )
    served = np.bincount(pop.service[pop.service >= 0], minlength=len(Service) - 1)
    _require(bool(np.all(served <= model.service_places)), f"month {t}: a service is over capacity")
    in_training = (st == Status.TRAINING) | (pop.t_job_training_end != NEVER)
    _require(
        bool(np.array_equal(in_training, pop.training_unit >= 0)),
        f"month {t}: a training place held outside a training, or the reverse",
    )
    _require(
        bool(np.all((pop.service >= 0) == (pop.service_unit >= 0))),
        f"month {t}: a service place is held without its group, or the reverse",
    )
    units = occupancy(pop.service_unit.astype(np.int64), model.service_unit_places.size)
    _require(
        bool(np.all(units <= model.service_unit_places)),
        f"month {t}: a group of service places is over capacity",
    )
    _require(
        np.count_nonzero(in_training) <= model.training_places,
        f"month {t}: training over capacity",
    )
    _require(
        not np.any((pop.t_job_training_end != NEVER) & (st != Status.JOB)),
        "someone out of a job holds a training in the job",
    )
    training_units = occupancy(
        np.where(in_training, pop.training_unit, -1).astype(np.int64),
        model.training_unit_places.size,
    )
    _require(
        bool(np.all(training_units <= model.training_unit_places)),
        f"month {t}: a group of training places is over capacity",
    )
    mediated = occupancy(pop.mediator.astype(np.int64), model.mediation_places.size)
    _require(
        bool(np.all(mediated <= model.mediation_places)),
        f"month {t}: a mediation team follows more job seekers than its places",
    )
    check_eligibility(model)
    _check_staff(model)

    _require(bool(np.all(in_siae <= (pop.siae >= 0))), "a SIAE employee has no SIAE")
    _require(bool(np.all((st == Status.JOB) <= (pop.employer >= 0))), "a job has no employer")
    gone = (st == Status.LEFT) | (st == Status.NOT_ARRIVED)
    _require(not np.any(gone & (pop.referent >= 0)), "someone absent holds a referent slot")
    _require(not np.any(gone & (pop.shelter >= 0)), "someone absent holds a shelter place")
    pending = pop.allocation != Allocation.NONE
    _require(not np.any(gone & pending), "someone absent holds a dwelling allocation")
    _require(
        not np.any(pending & (pop.housing == Housing.ORDINARY)),
        "someone in ordinary housing still waits to move into an allocated dwelling",
    )
    _require(
        bool(np.all(pending == (pop.t_housing_due != NEVER))),
        "an allocation without a due month to move in, or a due month without an allocation",
    )
    _require(
        not np.any(pop.housing_first & (pop.housing != Housing.ORDINARY)),
        "a Logement d'abord tenant is not in ordinary housing",
    )
    _require(
        not np.any((st == Status.WAITING) & (pop.referent >= 0)),
        "someone waiting for a referent already has one",
    )

    _no_empty_place_while_someone_waits(model)
    _check_benefits(model)

    ledger = model.ledger.frame()
    if len(ledger):
        month = ledger[ledger["month"] == t]
        mediation = month.loc[month["programme"] == "referent_mediation", "amount"].sum()
        owed = float(model.ledger.mediation_cost().sum())
        _require(
            bool(np.isclose(mediation, owed, rtol=1e-9, atol=1e-6)),
            f"month {t}: the ledger pays {mediation:.2f} EUR of employer mediation for contacts "
            f"worth {owed:.2f} EUR",
        )
        by_funder = month.groupby("funder")["amount"].sum().sum()
        by_programme = month.groupby("programme")["amount"].sum().sum()
        total = month["amount"].sum()
        _require(
            bool(np.isclose(by_funder, total) and np.isclose(by_programme, total)),
            f"month {t}: the ledger does not balance",
        )


def _holders(model) -> list[tuple[str, list[str], np.ndarray, np.ndarray]]:
    """Per kind of capacity: its group names, and the rows admitted this month with their group.

    Admission months: ``t_shelter_since`` (shelters), ``t_contract_start`` (SIAE, employers),
    ``t_service_start`` (services), ``t_programme_start`` (training, low-threshold
    programmes), ``t_support_start`` (referent teams), ``t_mediation_start`` (mediation).
    """
    pop, t, ref = model.pop, model.t, model.referents
    st = pop.status
    out = []
    rows = np.flatnonzero((pop.shelter >= 0) & (pop.t_shelter_since == t))
    out.append(("shelter", model.shelter_group_names, rows, model.shelter_group[pop.shelter[rows]]))
    rows = np.flatnonzero((st == Status.SIAE) & (pop.t_contract_start == t))
    out.append(("siae", model.siae_group_names, rows, model.siae_group[pop.siae[rows]]))
    rows = np.flatnonzero((st == Status.JOB) & (pop.t_contract_start == t))
    out.append(
        ("employer", model.employer_group_names, rows, model.employer_group[pop.employer[rows]])
    )
    rows = np.flatnonzero((pop.service_unit >= 0) & (pop.t_service_start == t))
    out.append(
        (
            "service",
            model.service_group_names,
            rows,
            model.service_unit_group[pop.service_unit[rows]],
        )
    )
    in_training = (st == Status.TRAINING) | (pop.t_job_training_end != NEVER)
    rows = np.flatnonzero(in_training & (pop.t_programme_start == t))
    out.append(
        (
            "service",
            model.service_group_names,
            rows,
            model.training_unit_group[pop.training_unit[rows]],
        )
    )
    rows = np.flatnonzero((st == Status.LOW_THRESHOLD) & (pop.t_programme_start == t))
    out.append(("programme", ["phc", "tapaj", "aava"], rows, pop.programme[rows].astype(np.int64)))
    teams = (pop.referent >= ref.first_team) & (pop.referent < ref.departement)
    rows = np.flatnonzero(teams & (pop.t_support_start == t))
    out.append(
        ("referent", ref.team_names, rows, ref.team_group[pop.referent[rows] - ref.first_team])
    )
    rows = np.flatnonzero((pop.mediator >= 0) & (pop.t_mediation_start == t))
    out.append(
        ("mediation", model.mediation_group_names, rows, model.mediation_group[pop.mediator[rows]])
    )
    return out


def check_eligibility(model) -> None:
    """No person holds a place of a group whose ``eligible`` condition they did not meet.

    Eligibility is judged at admission, once a month (:class:`sim.submodels.eligibility.
    Targeting`): every person admitted this month to a group with a condition must be in the
    month's eligible mask of that group. Checked at every step from the first month, this covers
    every holder: a person admitted in an earlier month was checked that month.
    """
    targeting, t = model.targeting, model.t
    if targeting.month != t:
        return  # the month's eligibility was not judged (a model built but not stepped)
    for kind, names, rows, group in _holders(model):
        for g, name in enumerate(names):
            mask = targeting.eligible(kind, name)
            if mask is None:
                continue
            mine = rows[group == g]
            bad = mine[~mask[mine]]
            _require(
                bad.size == 0,
                f"month {t}: {bad.size} person(s) outside the eligible public of {kind} "
                f"group {name!r} took one of its places (rows {bad[:5].tolist()})",
            )
    pop = model.pop
    _require(
        bool(np.all((pop.mediator >= 0) <= (pop.t_mediation_start != NEVER))),
        f"month {t}: a mediation place is held without its admission month",
    )


def _no_empty_place_while_someone_waits(model) -> None:
    """No PHC, TAPAJ or AAVA place is empty while a candidate of this month still waits for it.

    The candidates are those of this month's admissions (``model.unserved``: asked, and were
    left without a place); one still waits if they are still supported, waiting for a referent
    or outside support (not hired, trained or gone since). PHC candidates may take any host's
    place, AAVA candidates only their own shelter's.
    """
    unserved = getattr(model, "unserved", None)
    if not unserved:
        return
    pop, t = model.pop, model.t
    st = pop.status
    waiting_status = (st == Status.SUPPORTED) | (st == Status.OUTSIDE) | (st == Status.WAITING)
    low = st == Status.LOW_THRESHOLD

    def still(programme):
        rows = unserved.get(programme, np.empty(0, dtype=np.int64))
        return rows[waiting_status[rows]]

    host = pop.programme_host
    phc = occupancy(np.where(low & (pop.programme == Programme.PHC), host, -1), model.n_siae)
    free = int(np.maximum(model.siae_phc_places - phc, 0).sum())
    waiting = still(Programme.PHC).size
    _require(
        not (free and waiting),
        f"month {t}: {free} PHC places empty while {waiting} candidates wait",
    )
    tapaj = model.tapaj_places - np.count_nonzero(low & (pop.programme == Programme.TAPAJ))
    waiting = still(Programme.TAPAJ).size
    _require(
        not (tapaj > 0 and waiting),
        f"month {t}: {tapaj} TAPAJ places empty while {waiting} candidates wait",
    )
    aava = occupancy(np.where(low & (pop.programme == Programme.AAVA), host, -1), model.n_shelters)
    free = model.shelter_aava_places - aava
    rows = still(Programme.AAVA)
    rows = rows[pop.shelter[rows] >= 0]
    stuck = rows[free[pop.shelter[rows]] > 0]
    _require(
        stuck.size == 0,
        f"month {t}: {stuck.size} residents wait for an AAVA place their shelter has free",
    )


def _check_benefits(model) -> None:
    """One benefit status each; allowances only to recipients; transfers as the ledger says."""
    pop, t, rules = model.pop, model.t, model.benefit_rules
    b = pop.benefit
    _require(bool(np.all((b >= 0) & (b <= max(Benefit)))), f"month {t}: a benefit is out of range")
    present = pop.present()
    rsa = present & (b == Benefit.RSA)
    _require(
        not np.any((pop.rsa_amount > 0) & ~rsa),
        f"month {t}: an RSA amount is due to someone who is not a present recipient",
    )
    _require(
        not np.any((pop.suspension_share > 0) & ~rsa),
        f"month {t}: a suspension holds for someone who is not a present recipient",
    )
    _require(
        not np.any((pop.ppa_amount > 0) & ~present),
        f"month {t}: a prime d'activité paid to someone absent",
    )
    age = current_age(pop, t)
    _require(
        not np.any(rsa & ((age < rules["rsa.age_min"]) | (age >= rules["rsa.age_max"]))),
        f"month {t}: an RSA recipient is outside the RSA's ages",
    )
    _require(
        not np.any((b == Benefit.UNEMPLOYMENT) & present & (pop.t_benefit_end < t)),
        f"month {t}: unemployment insurance paid beyond its end",
    )
    _require(
        np.count_nonzero(pop.measure) <= model.departement.measure_places,
        f"month {t}: the intensive support measure is over capacity",
    )
    _require(not np.any(pop.measure & (pop.referent < 0)), f"month {t}: a measure without referent")
    if t < 0:
        return  # burn-in months pay nothing in the ledger; transfers count from month 0
    ledger = model.ledger.frame()
    for programme, paid in (("rsa_allowance", pop.cost_rsa), ("prime_activite", pop.cost_ppa)):
        total = float(ledger.loc[ledger["programme"] == programme, "amount"].sum())
        _require(
            bool(np.isclose(total, float(paid.sum()), rtol=1e-9, atol=1e-6)),
            f"month {t}: the ledger's {programme} ({total:,.2f}) differs from what persons "
            f"received ({float(paid.sum()):,.2f})",
        )
