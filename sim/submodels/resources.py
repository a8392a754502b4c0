"""Monthly resources of each person, and the rent rule that decides whether housing is affordable.

Resources are earnings plus benefit income, in euros a month (seed 003 L222-224: people who work
in shelters often lack the resources to access or keep a dwelling, so hours and wages matter, and
benefits count):

- **Earnings**: weekly hours x 52/12 x the hourly SMIC (``smic_hourly``) x its net share
  (``smic_net_share``), for a job, a CDDI or a low-threshold programme; the AAVA pays its stipend
  (``aava.stipend_share_smic`` of the SMIC) instead. Every job is assumed paid at the SMIC.
- **Benefit income** (:func:`benefit_income`): the amounts in force at the run's start. The RSA is
  differential (CASF L.262-2): the household's amount minus its earnings; the AAH (also for the
  incapacity route) and the ASS add to earnings.

The rent rule (:func:`affordable`): the rent left to pay after the housing benefit, for a dwelling
suited to the household (``territory.housing.rent_single`` or ``rent_family``), is at most
``max_effort_rate`` of the resources (the effort rate that social-housing commissions compute,
CCH R.441-3-1).
"""

from __future__ import annotations

import numpy as np

from sim.population import Population
from sim.states import Benefit, Household, PlaceType, Programme, Status

WEEKS_PER_MONTH = 52 / 12
# RSA amount by household, as multiples of the single person's amount: +50% for a second person
# (CASF R.262-1). A single parent is counted with one child and without the isolated-parent
# increase: an approximation until the amounts by household composition are tabulated.
RSA_SCALE = {Household.ALONE: 1.0, Household.COUPLE: 1.5, Household.SINGLE_PARENT: 1.5}
PAID_STATUSES = (Status.JOB, Status.SIAE, Status.LOW_THRESHOLD)


def earnings(pop: Population, values: dict[str, float]) -> np.ndarray:
    """Net monthly earnings of each person (EUR): hours x wage, or the AAVA stipend."""
    paid = pop.status_in(*PAID_STATUSES)
    hourly = values["smic_hourly"] * values["smic_net_share"]
    rate = np.where(pop.programme == Programme.AAVA, values["aava.stipend_share_smic"], 1.0)
    return np.where(paid, pop.hours * WEEKS_PER_MONTH * hourly * rate, 0.0)


def benefit_income(pop: Population, values: dict[str, float], earned: np.ndarray) -> np.ndarray:
    """Monthly benefit income of each person (EUR), given their earnings."""
    scale = np.array([RSA_SCALE[h] for h in sorted(RSA_SCALE)])[pop.household]
    rsa = np.maximum(values["rsa_single_person"] * scale - earned, 0.0)
    aah = (pop.benefit == Benefit.AAH) | (pop.status == Status.INCAPACITY)
    income = np.where(pop.benefit == Benefit.RSA, rsa, 0.0)
    income = np.where(pop.benefit == Benefit.ASS, values["ass_monthly"], income)
    return np.where(aah, values["aah_full_rate"], income)


def monthly_resources(model) -> np.ndarray:
    """Earnings plus benefit income of each person this month (EUR; 0 for the absent).

    The interface the rent rule uses: a function of the model's population and dated parameters.
    """
    pop, values = model.pop, model.funding_values
    earned = earnings(pop, values)
    return np.where(pop.present(), earned + benefit_income(pop, values, earned), 0.0)


def affordable(pop: Population, resources: np.ndarray, housing) -> np.ndarray:
    """Whether each person's resources meet the rent rule of ``housing`` (territory.housing)."""
    rent = np.where(pop.place_type() == PlaceType.FAMILY, housing.rent_family, housing.rent_single)
    return rent <= housing.max_effort_rate * resources
