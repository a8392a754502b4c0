"""The duties of RSA recipients and "suspension-remobilisation" (phase 8 of the monthly step).

The rules are dated parameters (``sim/parameters/benefits.yaml``, in force at ``run.start``):
from 1 January 2025 (loi n° 2023-1196 pour le plein emploi) every recipient is registered with
France Travail (``duties.automatic_registration``, used in :mod:`sim.submodels.orientation`) and
their contract of engagement requires ``duties.hours_per_week`` hours of activity a week (15),
adapted or waived; from 1 June 2025 a suspension is paid back if the recipient remobilises
(``duties.remobilisation``). Before 2025 no hours are required, so no suspension for duties is
modelled (sanctions for missed appointments are not).

Each month (stream ``duties``):

1. **Ongoing suspensions**: a suspended recipient remobilises with ``behaviour.p_remobilise``
   (the suspension is lifted; under suspension-remobilisation the withheld allowance is paid
   back); otherwise the suspension ends at its due month (the withheld part is lost), or the
   recipient gives up the RSA with ``behaviour.p_rsa_drop_suspended`` (non-take-up after a
   sanction; assumption).
2. **Who must meet the hours**: RSA recipients with a contract of engagement (followed by a
   referent) or a job, unless exempted (``policy.duties``): a health obstacle of at least
   ``exempt_health_min_severity``; a single parent of a child under 3 without a crèche place;
   living on the street or in an emergency shelter (Code du travail L.5411-6-1: health,
   disability, childcare; the housing emergency is the Département's choice).
3. **Duties not met**: the hours a person can do are the larger of their hours in activity (a
   job, a CDDI or a programme at its hours, a training or an immersion full time) and what they
   can commit, ``behaviour.duty_hours_capacity`` minus ``duty_hours_per_severity`` per level of
   obstacle severity (assumptions). Below the required hours, duties are not met, and the
   Département suspends ``policy.duties.suspension_share`` of the allowance with
   ``behaviour.p_sanction`` a month, for ``dur_suspension_first`` months the first time and
   ``dur_suspension_repeat`` after (the decree of 30 May 2025: 30% to 100%, 1 to 2 months, up
   to 4 on repetition).
4. The suspended part of this month's allowance is withheld (paid back on remobilisation).
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER, Population
from sim.states import OB, Benefit, Household, Housing, Service, Status
from sim.submodels.benefits import FULL_TIME_HOURS, end_rsa

HEALTH = (OB["mental_health"], OB["physical_health"], OB["addiction"])


def required_hours(model) -> float:
    """Hours of activity a week the rules in force require (0: no hours, before 2025)."""
    return float(model.benefit_rules["duties.hours_per_week"])


def exempt(model) -> np.ndarray:
    """Whether each person is exempted from the hours (``policy.duties``)."""
    pop, d = model.pop, model.policy.duties
    out = np.zeros(pop.n, dtype=bool)
    if d.exempt_health:
        out |= pop.obstacles[list(HEALTH)].max(axis=0) >= d.exempt_health_min_severity
    if d.exempt_childcare:
        out |= (
            (pop.household == Household.SINGLE_PARENT)
            & (pop.children_under_3 > 0)
            & (pop.service != Service.CRECHE)
        )
    if d.exempt_housing_emergency:
        out |= pop.housing <= Housing.EMERGENCY_SHELTER
    return out


def attainable_hours(model, rows: np.ndarray | None = None) -> np.ndarray:
    """Hours of activity a week each person can do: their activity's, or what they can commit.

    For ``rows`` only if given: those the duties concern, not every person.
    """
    pop, b = model.pop, model.behaviour
    at = slice(None) if rows is None else rows
    status = pop.status[at]
    activity = np.where(
        (status == Status.JOB) | (status == Status.SIAE) | (status == Status.LOW_THRESHOLD),
        pop.hours[at],
        0.0,
    )
    activity = np.where(
        (status == Status.TRAINING) | (status == Status.IMMERSION), FULL_TIME_HOURS, activity
    )
    severity = pop.total_severity(rows)
    capacity = np.maximum(b.duty_hours_capacity - b.duty_hours_per_severity * severity, 0.0)
    return np.maximum(activity, capacity)


def subject_to_hours(model) -> np.ndarray:
    """RSA recipients who must do the hours this month: a contract of engagement, not exempted."""
    pop = model.pop
    rsa = pop.present() & (pop.benefit == Benefit.RSA)
    return rsa & ((pop.referent >= 0) | pop.employed()) & ~exempt(model)


def lift(pop: Population, rows: np.ndarray) -> None:
    """The suspension of ``rows`` ends (what was withheld is cleared)."""
    pop.t_suspension_end[rows] = NEVER
    pop.suspension_share[rows] = 0.0
    pop.rsa_withheld[rows] = 0.0


def update(model) -> None:
    """Suspensions end, start and withhold this month's allowance (module docstring, 1-4)."""
    pop, t, b, d = model.pop, model.t, model.behaviour, model.policy.duties
    rsa = pop.present() & (pop.benefit == Benefit.RSA)
    lift(pop, np.flatnonzero((pop.t_suspension_end != NEVER) & ~rsa))  # left the territory

    # 1. Ongoing suspensions.
    suspended = rsa & (pop.t_suspension_end != NEVER)
    remobilised = np.flatnonzero(
        model.streams.chance("duties", suspended, b.p_remobilise, "remobilise")
    )
    if model.benefit_rules["duties.remobilisation"]:
        model.ledger.repay(remobilised)
    lift(pop, remobilised)
    model.flows["remobilisations"] += remobilised.size
    still = suspended & (pop.t_suspension_end != NEVER)
    lift(pop, np.flatnonzero(still & (pop.t_suspension_end <= t)))
    dropped = np.flatnonzero(
        model.streams.chance(
            "duties", still & (pop.t_suspension_end > t), b.p_rsa_drop_suspended, "drop"
        )
    )
    end_rsa(pop, dropped)
    model.flows["rsa_exits"] += dropped.size
    model.flows["rsa_drops_after_suspension"] += dropped.size

    # 2-3. Duties not met, suspensions decided.
    hours = required_hours(model)
    if hours > 0:
        subject = np.flatnonzero(subject_to_hours(model) & (pop.t_suspension_end == NEVER))
        breach = np.zeros(pop.n, dtype=bool)
        breach[subject[attainable_hours(model, subject) < hours]] = True
        model.flows["duties_not_met"] += int(np.count_nonzero(breach))
        new = np.flatnonzero(model.streams.chance("duties", breach, b.p_sanction, "sanction"))
        months = np.where(pop.n_breaches[new] == 0, d.dur_suspension_first, d.dur_suspension_repeat)
        pop.t_suspension_end[new] = t + np.maximum(np.round(months), 1).astype(np.int32)
        pop.suspension_share[new] = d.suspension_share
        pop.n_breaches[new] += 1
        model.flows["suspensions"] += new.size

    # 4. The suspended part of this month's allowance is withheld.
    on = (pop.benefit == Benefit.RSA) & (pop.t_suspension_end != NEVER)
    pop.rsa_withheld[on] += pop.rsa_amount[on] * pop.suspension_share[on]
