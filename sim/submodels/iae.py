"""Reinforced IAE pathways and the legal limits of a pathway (Convergence/CVG, seed 003 L933-957).

A SIAE group may offer more than the ordinary pathway:

- **Longer pathways.** ``max_months`` (24 by law, up to 60 in CVG: "une durée d'accompagnement
  adaptée jusqu'à 5 ans", seed 003 L956) caps the months of IAE pathway its employees may have in
  all. The legal extensions of the 24-month cap (Code du travail L5132-15-1 for ACI, and its
  equivalents for EI and AI; loi n° 2016-1088, art. 53) are fields: 60 months for employees
  aged 50+ (``extension_50_plus``) or disabled (``extension_disabled``), and
  ``extension_training_months`` to finish a qualifying training in progress, counted for
  employees without a qualification (the model has no training during a CDDI: assumption).
- **Support that stays open during the contract** (``services_during_contract``, seed 003
  L941, L954-955: "accompagnement global et concerté", "chargés de partenariats dédiés (logement,
  santé, emploi)"): ``health``: its employees with a health or addiction obstacle ask for health
  care places, first in the queue (after accompagnement global); ``housing``: its homeless
  employees are candidates for social housing wherever they live, first in the queue.
- **Follow-up after exit** (``follow_up_months``, seed 003 L957: "suivi prolongé après la sortie
  pendant une durée d'un an"): an employee who leaves for an ordinary job is followed for that
  long, which lowers the risk of a break like in-job support.
- **Partnership staff** (``partnership_staff``, FTE): counted with its insertion officers in the
  support of its employees, and paid in the ledger (programme ``siae_partnership_staff``).
- **CDI inclusion** (``cdi_inclusion``, seed 003 L763): an employee aged 57+ with 12 months or
  more of IAE pathway whose CDDI ends without a job gets a CDI inclusion: the contract goes on
  without an end (the post stays taken; the person still counts as a SIAE employee, not in a
  durable ordinary job).
"""

from __future__ import annotations

import numpy as np

from sim.agents.siae import EXTENDED_MAX_MONTHS, MAX_MONTHS
from sim.population import NEVER
from sim.states import OB, SERVICE_OBSTACLES, Contract, Housing, Service, Status
from sim.submodels.eligibility import Targeting

CDI_INCLUSION_MIN_AGE = 57  # seed 003 L763
CDI_INCLUSION_MIN_MONTHS = 12  # seed 003 L763: "au moins déjà 12 mois d'ancienneté"
EXTENSION_MIN_AGE = 50  # Code du travail L5132-15-1
HEALTH_ROWS = np.array([OB[o] for o in SERVICE_OBSTACLES[Service.HEALTH]])


def build(model, groups) -> None:
    """The SIAE's reinforced-pathway arrays, in the order of ``model.siaes``."""
    s = model.siaes
    model.siae_max_months = np.array([x.max_months for x in s], dtype=np.int64)
    model.siae_ext50 = np.array([x.extension_50_plus for x in s], dtype=bool)
    model.siae_extdis = np.array([x.extension_disabled for x in s], dtype=bool)
    model.siae_ext_training = np.array([x.extension_training_months for x in s], dtype=float)
    model.siae_cdi_inclusion = np.array([x.cdi_inclusion for x in s], dtype=bool)
    model.siae_follow_up = np.array([x.follow_up_months for x in s], dtype=float)
    model.siae_partnership_fte = np.array([x.partnership_staff for x in s], dtype=float)
    model.siae_health_open = np.array(["health" in x.services_during_contract for x in s], bool)
    model.siae_housing_open = np.array(["housing" in x.services_during_contract for x in s], bool)
    # Partnership officers follow the employees with the insertion officers.
    officers = np.array([x.insertion_officers for x in s], dtype=float) + model.siae_partnership_fte
    posts = model.siae_posts.astype(float)
    model.siae_cip_coverage = np.minimum(
        1.0,
        np.divide(
            officers * model.behaviour.siae_cip_caseload,
            posts,
            out=np.zeros_like(posts),
            where=posts > 0,
        ),
    )
    extended = np.where(model.siae_ext50 | model.siae_extdis, EXTENDED_MAX_MONTHS, 0)
    longest = np.maximum(model.siae_max_months, extended)
    model.iae_max_months = int(np.max(longest + model.siae_ext_training, initial=MAX_MONTHS))
    model.iae_default_caps = bool(
        np.all(model.siae_max_months == MAX_MONTHS)
        and not model.siae_ext50.any()
        and not model.siae_extdis.any()
        and not model.siae_ext_training.any()
    )


def cap(model, rows: np.ndarray, siae: np.ndarray) -> np.ndarray:
    """Months of IAE pathway each of ``rows`` may have in all, as an employee of ``siae``."""
    pop = model.pop
    base = model.siae_max_months[siae].astype(float)
    extended = (model.siae_ext50[siae] & (pop.age[rows] >= EXTENSION_MIN_AGE)) | (
        model.siae_extdis[siae] & pop.rqth[rows]
    )
    base = np.where(extended, np.maximum(base, EXTENDED_MAX_MONTHS), base)
    return base + model.siae_ext_training[siae] * (pop.qualification[rows] == 0)


def allowed(model, rows: np.ndarray) -> dict[int, np.ndarray]:
    """For each SIAE group that restricts whom it takes, which of ``rows`` it may hire.

    A group restricts by its ``eligible`` condition (judged this month,
    :class:`~sim.submodels.eligibility.Targeting`) and, when caps differ between groups, by the
    months of pathway a person has left there.
    """
    targeting: Targeting = model.targeting
    out = targeting.allowed("siae", model.siae_group_names, rows)
    if model.iae_default_caps:
        return out
    first = np.searchsorted(model.siae_group, np.arange(len(model.siae_group_names)))
    for g, s in enumerate(first):
        if s >= model.n_siae or model.siae_group[s] != g:
            continue  # a group with no structure
        room = model.pop.months_siae[rows] < cap(model, rows, np.full(rows.size, s))
        out[g] = out[g] & room if g in out else room
    return out


def services_during_contract(model, plan) -> None:
    """Employees of SIAE that keep health care open to them ask for it while they need it."""
    if not model.siae_health_open.any():
        return
    pop = model.pop
    employees = np.flatnonzero(health_partners(model))
    needs = pop.obstacles[HEALTH_ROWS][:, employees].max(axis=0) > 0
    plan.want_service[employees[needs]] = Service.HEALTH


def health_partners(model) -> np.ndarray:
    """Employees of SIAE whose health partnership opens care to them (first in its queue)."""
    pop = model.pop
    partner = np.zeros(pop.n, dtype=bool)
    if not model.siae_health_open.any():
        return partner
    employed = pop.status == Status.SIAE
    partner[employed] = model.siae_health_open[pop.siae[employed]]
    return partner


def housing_partners(model) -> np.ndarray:
    """Homeless employees of SIAE whose partnership opens social housing to them."""
    pop = model.pop
    if not model.siae_housing_open.any():
        return np.zeros(pop.n, dtype=bool)
    employed = pop.status == Status.SIAE
    partner = np.zeros(pop.n, dtype=bool)
    partner[employed] = model.siae_housing_open[pop.siae[employed]]
    return partner & (pop.housing <= Housing.CHRS)


def cdi_inclusion(model, rows: np.ndarray) -> np.ndarray:
    """Of ``rows`` (SIAE employees whose CDDI ends), those who get a CDI inclusion instead."""
    pop = model.pop
    if rows.size == 0 or not model.siae_cdi_inclusion.any():
        return rows[:0]
    ok = (
        model.siae_cdi_inclusion[pop.siae[rows]]
        & (pop.age[rows] >= CDI_INCLUSION_MIN_AGE)
        & (pop.months_siae[rows] >= CDI_INCLUSION_MIN_MONTHS)
    )
    kept = rows[ok]
    pop.t_contract_end[kept] = NEVER
    pop.contract[kept] = Contract.CDI
    model.flows["cdi_inclusions"] += kept.size
    return kept


def start_follow_up(model, rows: np.ndarray, siae: np.ndarray) -> None:
    """``rows`` leave ``siae`` for an ordinary job: its follow-up after exit starts."""
    months = model.siae_follow_up[siae]
    followed = months > 0
    model.pop.t_follow_up_end[rows[followed]] = model.t + np.round(months[followed]).astype(
        np.int16
    )


def followed_up(model) -> np.ndarray:
    """Persons in an ordinary job whose SIAE still follows them after their exit."""
    pop = model.pop
    due = pop.t_follow_up_end
    return (pop.status == Status.JOB) & (due != NEVER) & (due > model.t)
