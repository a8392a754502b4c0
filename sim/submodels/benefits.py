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


def mean_earnings(pop: Population) -> np.ndarray:
    """Mean gross earnings of the last three months, as the RSA and the prime d'activité count."""
    return (
        pop.earnings_1.astype(float) + pop.earnings_2.astype(float) + pop.earnings_3.astype(float)
    ) / 3.0


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


def _start_rsa(pop: Population, rows: np.ndarray, t: int) -> None:
    pop.benefit[rows] = Benefit.RSA
    pop.t_rsa_entry[rows] = t
    pop.months_rsa_unpaid[rows] = 0
    pop.n_rsa_entries[rows] += 1
    # A recipient already followed keeps their referent: the track follows its kind.
    kind = pop.referent_kind[rows]
    pop.track[rows] = np.select(
        [kind == ReferentKind.FRANCE_TRAVAIL, kind >= 0], [Track.PROFESSIONAL, Track.SOCIAL], 0
    )


def update(model) -> None:
    """Benefit statuses and this month's amounts (see the module docstring, steps 1-7)."""
    pop, t, b, r = model.pop, model.t, model.behaviour, model.benefit_rules
    present = pop.present()
    earned = mean_earnings(pop)
    age = current_age(pop, t)
    scale, (kind, housing) = model.benefit_scale, table_kinds(pop)

    # 1. The incapacity route comes with the AAH.
    aah = np.flatnonzero(present & (pop.status == Status.INCAPACITY) & (pop.benefit != Benefit.AAH))
    end_rsa(pop, aah, Benefit.AAH)
    pop.t_benefit_end[aah] = NEVER

    # 2. Unemployment insurance after a job or CDDI long enough.
    lost = present & (pop.t_job_lost == t) & ~pop.employed() & (pop.benefit != Benefit.AAH)
    insured = np.flatnonzero(
        lost & (pop.months_last_job >= r["unemployment_insurance.min_months_worked"])
    )
    months = np.clip(
        np.round(r["unemployment_insurance.duration_ratio"] * pop.months_last_job[insured]),
        r["unemployment_insurance.min_months"],
        r["unemployment_insurance.max_months"],
    ).astype(np.int32)
    model.flows["rsa_exits"] += int(np.count_nonzero(pop.benefit[insured] == Benefit.RSA))
    end_rsa(pop, insured, Benefit.UNEMPLOYMENT)
    pop.t_benefit_end[insured] = t + months
    pop.are_amount[insured] = r["unemployment_insurance.replacement_rate"] * pop.earnings_1[insured]
    model.flows["unemployment_starts"] += insured.size
    over = np.flatnonzero(
        (pop.benefit == Benefit.UNEMPLOYMENT)
        & ((pop.t_benefit_end <= t) | pop.employed() | ~present)
    )
    pop.benefit[over] = Benefit.NONE
    pop.t_benefit_end[over] = NEVER
    pop.are_amount[over] = 0.0

    # 3. RSA exits: age, household resources, earnings too high for long enough.
    rsa = present & (pop.benefit == Benefit.RSA)
    due = scale.amount("rsa", kind, housing, earned)  # the RSA the table gives each person
    aged = rsa & (age >= r["rsa.age_max"])
    household = model.streams.chance(
        "benefits", rsa & ~aged, b.p_rsa_exit_household, "household exit"
    )
    pop.rsa_household_eligible[household] = False
    means_tested = present & ((pop.benefit == Benefit.RSA) | (pop.benefit == Benefit.ASS))
    unpaid = means_tested & (due <= 0.0)
    tested = np.flatnonzero(means_tested)
    pop.months_rsa_unpaid[tested] = np.where(unpaid[tested], pop.months_rsa_unpaid[tested] + 1, 0)
    closed = unpaid & (pop.months_rsa_unpaid >= r["rsa.months_unpaid_before_closure"])
    leave = np.flatnonzero((aged | household | closed) & (pop.benefit == Benefit.RSA))
    end_rsa(pop, leave)
    pop.benefit[closed & (pop.benefit == Benefit.ASS)] = Benefit.NONE
    model.flows["rsa_exits"] += leave.size

    # 4. Households that become entitled; 5. RSA claims.
    arise = present & ~pop.rsa_household_eligible & (pop.benefit != Benefit.AAH)
    pop.rsa_household_eligible[
        model.streams.chance("benefits", arise, b.p_household_eligible, "household entry")
    ] = True
    entitled = (
        present
        & (pop.benefit == Benefit.NONE)
        & pop.rsa_household_eligible
        & (age >= r["rsa.age_min"])
        & (age < r["rsa.age_max"])
        & (pop.status != Status.INCAPACITY)
        & (due > 0.0)
    )
    claims = np.flatnonzero(model.streams.chance("benefits", entitled, b.p_rsa_claim, "claim"))
    _start_rsa(pop, claims, t)
    model.flows["rsa_entries"] += claims.size

    # 6. This month's amounts.
    rsa = present & (pop.benefit == Benefit.RSA)
    kernels.where_else_zero(pop.rsa_amount, rsa, due)
    ppa_due = scale.amount_where("ppa", present & (earned > 0), kind, housing, earned)
    pop.ppa_claimed &= ppa_due > 0.0
    pop.ppa_claimed |= (ppa_due > 0.0) & (
        rsa | model.streams.chance("benefits", (ppa_due > 0.0) & ~rsa, b.p_ppa_claim, "ppa claim")
    )
    kernels.where_else_zero(pop.ppa_amount, pop.ppa_claimed, ppa_due)
    at_entry = np.flatnonzero(present & (pop.benefit_at_entry == Benefit.RSA))
    full = scale.amount("rsa", kind[at_entry], housing[at_entry], 0.0)
    pop.cost_rsa_reference[at_entry] += full

    # 7. The month's earnings enter the history.
    pop.earnings_3[:] = pop.earnings_2
    pop.earnings_2[:] = pop.earnings_1
    kernels.where_else_zero(pop.earnings_1, present, monthly_earnings(model))


def record_job_ends(pop: Population, rows: np.ndarray, t: int) -> None:
    """``rows`` lose their job or CDDI this month: how long it lasted opens unemployment insurance.

    Called before the contract is cleared (its start month is still known).
    """
    pop.t_job_lost[rows] = t
    pop.months_last_job[rows] = np.maximum(t - pop.t_contract_start[rows], 0)
