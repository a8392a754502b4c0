"""Benefits as a state that changes (phase 7 of the monthly step).

Each person has exactly one benefit status (:class:`~sim.states.Benefit`): none, the RSA, the
ASS, the AAH, or unemployment insurance (ARE). Amounts come from OpenFisca-France through the
table in force at ``run.start`` (``model.benefit_scale``), interpolated each month in each
person's gross earnings of the last three months, as the RSA and the prime d'activité count
them; the rules are the dated parameters of ``sim/parameters/benefits.yaml``
(``model.benefit_rules``). Each month, in order (stream ``benefits``, one draw per person and
process):

1. **AAH**: a person on the incapacity route receives the AAH (any other benefit ends).
2. **Unemployment insurance**: a job or CDDI of at least ``min_months_worked`` months that ends
   or breaks opens a right of max(``min_months``, ``duration_ratio`` x months worked) months, at
   most ``max_months``, paid at ``replacement_rate`` of the last gross wage; it replaces any RSA
   or ASS (assumption: no RSA complement) and ends at its due month or with a new job.
3. **RSA exits**: at ``rsa.age_max`` (the ASPA takes over); when the household's other
   resources end the right (``behaviour.p_rsa_exit_household``: DREES, Études et résultats
   1073: of 100 recipients at an end of year, 8 had left minimum benefits a year later for
   reasons other than a job or unemployment insurance, mostly a change of family situation:
   1 - 0.92^(1/12) a month); after ``rsa.months_unpaid_before_closure`` consecutive months with
   nothing due because earnings are too high (CASF R.262-40). The ASS ends by the same rule on
   earnings (assumption).
4. **Households that become entitled**: a household whose other resources closed the RSA to it
   becomes entitled with ``behaviour.p_household_eligible`` a month (assumption).
5. **RSA entries**: a present person aged ``rsa.age_min`` to ``rsa.age_max``, without a benefit,
   whose household is entitled and to whom the table gives an RSA above zero at their earnings,
   claims it with ``behaviour.p_rsa_claim`` a month: after an arrival, the end of a job, the end
   of unemployment insurance or of the ASS, a household change, or at 25. The rate comes from
   DREES, Dossiers 92 (2022): 34% of entitled households do not claim in a quarter and 20% in
   three quarters in a row, so a non-claimant stays one two quarters more with 20/34, a month
   with (20/34)^(1/6): 1 - (20/34)^(1/6) = 0.085.
6. **Amounts due this month**: the RSA (before any suspension, :mod:`sim.submodels.duties`);
   the prime d'activité for workers (RSA recipients get it with their RSA; others claim it with
   ``behaviour.p_ppa_claim`` a month, assumption); the unemployment benefit. Each present
   recipient of the RSA at entry also adds, to ``cost_rsa_reference``, the RSA they would get
   without earnings (the reference of ``rsa_saved``).
7. The month's gross earnings enter the three-month history.

The allowance and the prime d'activité are paid in the funding phase (the ledger's
``rsa_allowance``, funded by the Département, and ``prime_activite``, by the State).
:func:`sim.submodels.resources.monthly_resources` reads these amounts for the rent rule of the
housing phase (the net wage and the benefits of the month).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER, Population
from sim.states import (
    Benefit,
    BenefitHousehold,
    Household,
    Housing,
    HousingCosts,
    Programme,
    ReferentKind,
    Status,
    Track,
)

WEEKS_PER_MONTH = 52 / 12
FULL_TIME_HOURS = 35.0


# The benefit table's household kind by Household (rows) and child under 3 (columns: no, yes).
_HOUSEHOLD_KIND = np.zeros((len(Household), 2), dtype=np.int64)
_HOUSEHOLD_KIND[Household.ALONE] = BenefitHousehold.ALONE
_HOUSEHOLD_KIND[Household.COUPLE] = (
    BenefitHousehold.COUPLE,
    BenefitHousehold.COUPLE_YOUNG_CHILD,
)
_HOUSEHOLD_KIND[Household.SINGLE_PARENT] = (
    BenefitHousehold.SINGLE_PARENT,
    BenefitHousehold.SINGLE_PARENT_YOUNG_CHILD,
)


_HOUSEHOLD_KIND_FLAT = _HOUSEHOLD_KIND.reshape(-1)  # at household x 2 + (a child under 3)
# The benefit table's housing kind by Housing: a tenant in adapted or ordinary housing.
_HOUSING_COSTS = np.where(
    np.arange(max(Housing) + 1) >= Housing.ADAPTED,
    HousingCosts.TENANT,
    HousingCosts.NO_HOUSING_COSTS,
).astype(np.int64)


def table_kinds(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Each person's household kind and housing kind in the benefit table.

    The household kind counts a child under 3; the housing kind is a tenant's in adapted or
    ordinary housing, no housing costs otherwise.
    """
    return kernels.benefit_kinds(
        pop.household, pop.children_under_3, pop.housing, _HOUSEHOLD_KIND_FLAT, _HOUSING_COSTS
    )


def current_age(pop: Population, t: int) -> np.ndarray:
    """Each person's age now (``age`` is their age at entry), in years."""
    return pop.age + np.maximum(t - pop.t_entry, 0) / 12.0


def monthly_earnings(model) -> np.ndarray:
    """Each person's gross earnings this month [EUR].

    A job, a CDDI, PHC and TAPAJ pay their weekly hours at the SMIC (assumption: the jobs open
    to this public pay the minimum wage); the AAVA pays its stipend (a share of the SMIC).
    """
    pop, v = model.pop, model.funding_values
    codes = (int(Status.JOB), int(Status.SIAE), int(Status.LOW_THRESHOLD), int(Programme.AAVA))
    smic = v["smic_hourly"]
    aava = smic * v["aava.stipend_share_smic"]
    hours, status, programme = pop.hours, pop.status, pop.programme
    return kernels.gross_earnings(hours, status, programme, codes, smic, aava, WEEKS_PER_MONTH)


def end_rsa(pop: Population, rows: np.ndarray, benefit: Benefit = Benefit.NONE) -> None:
    """``rows`` leave the RSA for ``benefit``: amounts, counters and any suspension end."""
    pop.benefit[rows] = benefit
    pop.rsa_amount[rows] = 0.0
    pop.months_rsa_unpaid[rows] = 0
    pop.t_rsa_entry[rows] = NEVER
    pop.t_suspension_end[rows] = NEVER
    pop.suspension_share[rows] = 0.0
    pop.rsa_withheld[rows] = 0.0
    pop.track[rows] = Track.NONE


def update(model) -> None:
    """Benefit statuses and this month's amounts (see the module docstring, steps 1-7).

    Computed person by person in one compiled pass (:func:`sim.kernels.benefits_month`).
    """
    pop, t, b, r = model.pop, model.t, model.behaviour, model.benefit_rules
    scale, streams = model.benefit_scale, model.streams
    chances = tuple(
        (np.uint64(streams.key("benefits", label)), float(p))
        for label, p in (
            ("household exit", b.p_rsa_exit_household),
            ("household entry", b.p_household_eligible),
            ("claim", b.p_rsa_claim),
            ("ppa claim", b.p_ppa_claim),
        )
    )
    rules = tuple(
        float(r[name])
        for name in (
            "rsa.age_min",
            "rsa.age_max",
            "rsa.months_unpaid_before_closure",
            "unemployment_insurance.min_months_worked",
            "unemployment_insurance.duration_ratio",
            "unemployment_insurance.min_months",
            "unemployment_insurance.max_months",
            "unemployment_insurance.replacement_rate",
        )
    )
    columns = tuple(getattr(pop, name) for name in _COLUMNS)
    rsa_exits, unemployment_starts, rsa_entries = kernels.benefits_month(
        columns,
        monthly_earnings(model),
        (scale.values["rsa"], scale.values["ppa"]),
        scale.earnings,
        (_HOUSEHOLD_KIND_FLAT, _HOUSING_COSTS),
        _CODES,
        rules,
        chances,
        t,
        NEVER,
    )
    model.flows["rsa_exits"] += rsa_exits
    model.flows["unemployment_starts"] += unemployment_starts
    model.flows["rsa_entries"] += rsa_entries


# The population's columns benefits_month reads and writes, in its order.
_COLUMNS = (
    "status",
    "programme",
    "household",
    "children_under_3",
    "housing",
    "age",
    "t_entry",
    "earnings_1",
    "earnings_2",
    "earnings_3",
    "t_job_lost",
    "months_last_job",
    "referent_kind",
    "benefit",
    "t_benefit_end",
    "are_amount",
    "rsa_household_eligible",
    "months_rsa_unpaid",
    "t_rsa_entry",
    "t_suspension_end",
    "suspension_share",
    "rsa_withheld",
    "track",
    "n_rsa_entries",
    "rsa_amount",
    "ppa_claimed",
    "ppa_amount",
    "benefit_at_entry",
    "cost_rsa_reference",
)
_CODES = tuple(
    int(code)
    for code in (
        Status.NOT_ARRIVED,
        Status.LEFT,
        Status.INCAPACITY,
        Status.JOB,
        Status.SIAE,
        Status.LOW_THRESHOLD,
        Programme.PHC,
        Benefit.NONE,
        Benefit.RSA,
        Benefit.ASS,
        Benefit.AAH,
        Benefit.UNEMPLOYMENT,
        Track.PROFESSIONAL,
        Track.SOCIAL,
        ReferentKind.FRANCE_TRAVAIL,
    )
)


def record_job_ends(pop: Population, rows: np.ndarray, t: int) -> None:
    """``rows`` lose their job or CDDI this month: how long it lasted opens unemployment insurance.

    Called before the contract is cleared (its start month is still known).
    """
    pop.t_job_lost[rows] = t
    pop.months_last_job[rows] = np.maximum(t - pop.t_contract_start[rows], 0)
