"""Monthly resources of each person, and the rent rule that decides whether housing is affordable.

Resources are the net wage plus benefit income, in euros a month (seed 003 L222-224: people who
work in shelters often lack the resources to access or keep a dwelling, so hours and wages
matter, and benefits count). They are read from the benefit amounts of the month, set in the
benefits phase (phase 7, :mod:`sim.submodels.benefits`) before the housing phase (phase 9):

- **Earnings** (:func:`earnings`): the net wage of the month's gross earnings
  (:func:`sim.submodels.benefits.monthly_earnings`: weekly hours x 52/12 x the hourly SMIC for a
  job, a CDDI, PHC or TAPAJ; the AAVA stipend), converted to net by the OpenFisca table
  (``net_earnings``). Every job is assumed paid at the SMIC.
- **Benefit income** (:func:`benefit_income`): the RSA paid this month (the amount of the table,
  differential by construction, less any part suspended for duties not met), the prime
  d'activité paid, unemployment insurance, and the AAH and the ASS of the table for their
  holders (the incapacity route gives the AAH). The housing benefit is not counted: the rent
  rule uses rents net of it.

The rent rule (:func:`affordable`): the rent left to pay after the housing benefit, for a dwelling
suited to the household (``territory.housing.rent_single`` or ``rent_family``), is at most
``max_effort_rate`` of the resources (the effort rate that social-housing commissions compute,
CCH R.441-3-1).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER, Population
from sim.states import Benefit, Household
from sim.submodels.benefits import monthly_earnings, table_kinds


def earnings(model) -> np.ndarray:
    """Net earnings of each person this month (EUR): the table's net wage of the gross earned."""
    pop = model.pop
    return _net_earnings(model, monthly_earnings(model), *table_kinds(pop))


def _net_earnings(model, gross: np.ndarray, kind: np.ndarray, housing: np.ndarray) -> np.ndarray:
    """The table's net wage of ``gross`` for those paid (0 for the others)."""
    return model.benefit_scale.amount_where("net_earnings", gross > 0, kind, housing, gross)


def benefit_income(model) -> np.ndarray:
    """Benefit income of each person this month (EUR), the housing benefit excepted.

    The RSA paid (``rsa_amount`` less its suspended share), the prime d'activité
    (``ppa_amount``), unemployment insurance (``are_amount``), and the table's AAH or ASS for
    their holders (at the month's gross earnings).
    """
    pop = model.pop
    gross, (kind, housing) = monthly_earnings(model), table_kinds(pop)
    return _benefit_income(model, slice(None), gross, kind, housing)


def _benefit_income(model, rows, gross, kind, housing) -> np.ndarray:
    """:func:`benefit_income` of ``rows`` (indices or a slice), from their earnings and kinds."""
    pop, scale = model.pop, model.benefit_scale
    benefit = pop.benefit[rows]
    paid = pop.rsa_amount[rows] * (1.0 - pop.suspension_share[rows])
    rsa = np.where(benefit == Benefit.RSA, paid, 0.0)
    aah = scale.amount_where("aah", benefit == Benefit.AAH, kind, housing, gross)
    ass = scale.amount_where("ass", benefit == Benefit.ASS, kind, housing, gross)
    are = np.where(benefit == Benefit.UNEMPLOYMENT, pop.are_amount[rows], 0.0)
    return rsa + pop.ppa_amount[rows] + are + aah + ass


def monthly_resources(model) -> np.ndarray:
    """Net earnings plus benefit income of each person this month (EUR; 0 for the absent).

    The interface the rent rule uses: a function of the model's population and of the benefit
    amounts of the month (:mod:`sim.submodels.benefits`). The table is read only for those it
    concerns (the paid, the holders of the AAH or the ASS).
    """
    pop, scale = model.pop, model.benefit_scale
    tables = tuple(scale.values[c] for c in ("net_earnings", "aah", "ass"))
    codes = tuple(int(b) for b in (Benefit.RSA, Benefit.AAH, Benefit.ASS, Benefit.UNEMPLOYMENT))
    return kernels.monthly_resources(
        pop.present(),
        monthly_earnings(model),
        *table_kinds(pop),
        pop.benefit,
        pop.rsa_amount,
        pop.suspension_share,
        pop.ppa_amount,
        pop.are_amount,
        tables,
        scale.earnings,
        codes,
    )


def affordable(
    pop: Population, resources: np.ndarray, housing, month: int | None = None
) -> np.ndarray:
    """Whether each person's resources meet the rent rule of ``housing`` (territory.housing).

    With ``month``, also keeps ``pop.t_affordable_since``: that month for those who meet the
    rule now and did not, never for those who do not. One compiled pass
    (:func:`sim.kernels.rent_rule`).
    """
    return kernels.rent_rule(
        resources,
        pop.household,
        Household.ALONE.value,  # a single adult's place (Population.place_type), else a family's
        (float(housing.rent_single), float(housing.rent_family)),
        float(housing.max_effort_rate),
        None if month is None else pop.t_affordable_since,
        NEVER if month is None else month,
        NEVER,
    )
