"""What each indicator is: its unit, kind, bounds, definition and direction (one table for all).

Every output (the command line's tables and ``--json``, ``results show``, the reports, the plots,
the allocation planner) reads an indicator's unit and meaning from :data:`METADATA` instead of
guessing it from its name. Kinds:

- ``rate``: a share of persons, between 0 and 1; printed as a percentage, and a difference of two
  rates in percentage points (``pts``);
- ``months``: a duration in months, never negative;
- ``eur``: euros; a cost is never negative, a net cost may be;
- ``count``: a number of persons, never negative.

Formatting helpers (:func:`format_value`, :func:`format_difference`, :func:`format_interval`)
give every output the same text for the same value. A new indicator is computed in
:mod:`sim.outcomes` and described here; ``tests/test_units.py`` checks that every indicator the
model computes has a unit and a definition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = ("rate", "months", "eur", "count")
UNITS = {"rate": "share of persons", "months": "months", "eur": "EUR", "count": "persons"}


@dataclass(frozen=True)
class Indicator:
    """One indicator's metadata.

    Attributes:
        name: the indicator's name in every table (``employment_rate_12m``).
        kind: ``rate``, ``months``, ``eur`` or ``count`` (see the module docstring).
        label: a short phrase for plot titles and axis labels.
        definition: what it measures, for whom, over which period, in one or two sentences.
        higher_is_better: whether a higher value is better (``None``: neither, e.g. a total).
        lower: the lowest possible value (``None``: unbounded).
        upper: the highest possible value (``None``: unbounded).
    """

    name: str
    kind: str
    label: str
    definition: str
    higher_is_better: bool | None
    lower: float | None = 0.0
    upper: float | None = None

    @property
    def unit(self) -> str:
        """The unit of a value (``share of persons``, ``months``, ``EUR``, ``persons``)."""
        return UNITS[self.kind]

    @property
    def difference_unit(self) -> str:
        """The unit of a difference of two values (percentage points for rates)."""
        return "percentage points" if self.kind == "rate" else self.unit

    def bounds(self) -> tuple[float, float]:
        """The range of possible values, infinite where unbounded."""
        low = -math.inf if self.lower is None else self.lower
        high = math.inf if self.upper is None else self.upper
        return low, high


def _rate(name: str, label: str, definition: str, higher: bool = True) -> Indicator:
    return Indicator(name, "rate", label, definition, higher, 0.0, 1.0)


def _eur(name: str, label: str, definition: str, higher=False, lower=0.0) -> Indicator:
    return Indicator(name, "eur", label, definition, higher, lower, None)


def _present(k: int) -> str:
    return f"among the persons present {k} months after their own entry"


_EMPLOYED = "employed (an ordinary job or a SIAE contract)"
_DURABLE = "in a durable job (an ordinary CDI, or a CDD of 6 months or more)"
_COST = (
    "cost_total (for a public, the costs attributed to its members) divided by the number of "
    "persons who "
)

METADATA: dict[str, Indicator] = {
    i.name: i
    for i in (
        _rate(
            "employment_rate_6m",
            "employed at 6 months",
            f"Share {_EMPLOYED} 6 months after entry, {_present(6)}.",
        ),
        _rate(
            "employment_rate_12m",
            "employed at 12 months",
            f"Share {_EMPLOYED} 12 months after entry, {_present(12)}.",
        ),
        _rate(
            "employment_rate_24m",
            "employed at 24 months",
            f"Share {_EMPLOYED} 24 months after entry, {_present(24)}.",
        ),
        _rate(
            "durable_employment_rate_12m",
            "durable job at 12 months",
            f"Share {_DURABLE} 12 months after entry, {_present(12)}.",
        ),
        _rate(
            "durable_employment_rate_24m",
            "durable job at 24 months",
            f"Share {_DURABLE} 24 months after entry, {_present(24)}.",
        ),
        _rate(
            "ever_durable_employment_24m",
            "durable job within 24 months",
            f"Share who held a durable job (an ordinary CDI, or a CDD of 6 months or more) at "
            f"some month-end within 24 months of entry, {_present(24)}.",
        ),
        _rate(
            "positive_exit_rate_12m",
            "job or training at 12 months",
            f"Share employed or in training 12 months after entry, {_present(12)}.",
        ),
        _rate(
            "paid_activity_rate_12m",
            "paid activity at 12 months",
            f"Share {_EMPLOYED}, or in TAPAJ (paid by the day) or AAVA (a stipend), 12 months "
            f"after entry, {_present(12)}: the low-threshold programmes' paid activity counts.",
        ),
        Indicator(
            "median_months_to_first_job",
            "months",
            "months to a first job",
            "Median number of months from entry to a first job (ordinary or SIAE), among the "
            "persons who found one during the run.",
            False,
            0.0,
            None,
        ),
        _rate(
            "never_reached_share",
            "never reached",
            "Share never supported by a referent or a programme by 12 months after entry, among "
            "the persons present 12 months after their own entry.",
            higher=False,
        ),
        _rate(
            "housing_access_rate_24m",
            "housed at 24 months (homeless at entry)",
            "Share in ordinary housing 24 months after entry, among the persons homeless at entry "
            "present 24 months after their own entry.",
        ),
        _eur(
            "cost_total",
            "cost over the run",
            "Public spending on support over the whole run (every month of it, not per year), "
            "EUR: for everyone the whole ledger without the transfers to persons (RSA, prime "
            "d'activité), places, posts, measures, staff and vacant capacity included; for a "
            "public, the costs attributed to its members.",
            higher=None,
        ),
        _eur(
            "cost_per_year",
            "cost per year",
            "cost_total divided by the run's length in years (months / 12), EUR a year: the "
            "figure to set against a yearly budget.",
            higher=None,
        ),
        _eur(
            "cost_per_durable_job",
            "cost per durable job",
            _COST + "reached a durable job during the run, EUR (over the whole run).",
        ),
        _eur(
            "cost_per_person_supported",
            "cost per person supported",
            _COST + "were supported by a referent or a programme, EUR (over the whole run).",
        ),
        _eur(
            "cost_per_job",
            "cost per job",
            _COST + "found a job (ordinary or SIAE) during the run, EUR (over the whole run).",
        ),
        _eur(
            "cost_per_positive_exit",
            "cost per positive exit",
            _COST + "were employed or in training 12 months after entry, EUR (over the whole run).",
        ),
        _eur(
            "rsa_saved",
            "RSA no longer paid",
            "RSA no longer paid over the whole run, EUR: the RSA the recipients at entry would "
            "have received had they stayed on the full allowance (no earnings) every month "
            "present, minus the RSA allowance the ledger paid to them and to anyone entering the "
            "RSA later.",
            higher=True,
            lower=None,
        ),
        _eur(
            "net_public_cost",
            "net public cost",
            "cost_total minus rsa_saved plus the prime d'activité paid, over the whole run, EUR "
            "(negative when the RSA saved exceeds the cost and the prime d'activité).",
            lower=None,
        ),
        _rate(
            "rsa_exit_rate_12m",
            "off the RSA at 12 months (RSA at entry)",
            "Share no longer on the RSA 12 months after entry, among the RSA recipients at entry "
            "present 12 months after their own entry.",
        ),
        _rate(
            "rsa_months_share",
            "share of months on the RSA",
            "Months on the RSA with an amount due over months present since entry (all months "
            "of the persons in the group summed).",
            higher=False,
        ),
        # From the events table (sim.events), in runs that keep it (single runs).
        _rate(
            "asi_positive_exit_rate",
            "positive ends of support (ASI)",
            "Share of the ends of a support measure (a referent left, the Département's social "
            "referents included) to a job, a SIAE contract or PHC, a training or another "
            "support, among all ends over the run (seed 001, C11). Single runs only: computed "
            "from the events table.",
        ),
        _rate(
            "insertion_rate",
            "ends of support to a job",
            "Share of the ends of a support measure to a job (ordinary, SIAE or PHC) at the end "
            "of the month of the end, among all ends over the run (seed 001). Single runs only: "
            "computed from the events table.",
        ),
        _rate(
            "iae_exit_durable_rate",
            "SIAE exits to a durable job",
            "Share of the exits from a SIAE (every type) to an ordinary CDI or a CDD of 6 months "
            "or more at the end of the month of exit, among all SIAE exits over the run (DGEFP "
            "category). Single runs only: computed from the events table.",
        ),
        _rate(
            "iae_exit_transitional_rate",
            "SIAE exits to a transitional job",
            "Share of the exits from a SIAE to a shorter ordinary contract at the end of the "
            "month of exit, among all SIAE exits over the run (DGEFP category). Single runs "
            "only: computed from the events table.",
        ),
        _rate(
            "iae_exit_other_positive_rate",
            "SIAE exits to another positive exit",
            "Share of the exits from a SIAE to a training, another SIAE or a low-threshold "
            "programme at the end of the month of exit, among all SIAE exits over the run (DGEFP "
            "category). Single runs only: computed from the events table.",
        ),
    )
}
"""Every indicator the model computes, in the order tables show them (the last five only in
runs that keep their events: :data:`EVENT_INDICATORS`)."""

EVENT_INDICATORS = (
    "asi_positive_exit_rate",
    "insertion_rate",
    "iae_exit_durable_rate",
    "iae_exit_transitional_rate",
    "iae_exit_other_positive_rate",
)
"""Indicators computed from the events table (:mod:`sim.events`), added to a run's indicators
when it keeps them."""

STATE_DEFINITIONS = {
    "outside": "in the territory, outside any support (not oriented, or support ended)",
    "waiting": "oriented towards a referent, on a waiting list (the caseloads are full)",
    "supported": "followed by a referent (a shelter's social worker or a France Travail "
    "adviser): diagnostic, work on obstacles, project, job search",
    "low_threshold": "in a low-threshold programme: PHC (a few hours a week in an ACI), TAPAJ "
    "(paid day work for young people) or AAVA (paid activity in a CHRS)",
    "training": "in a pre-hire training place",
    "immersion": "a one-month immersion (PMSMP) in a firm",
    "siae": "employed by an insertion employer (SIAE: ACI, EI, AI, ETTI) on a CDDI or a mission",
    "job": "employed in an ordinary job (CDI, CDD, temporary work)",
    "incapacity": "oriented to the disability route (AAH, ESAT), out of the labour market",
    "left": "left the territory",
}
"""What each status of the chronogram and sequence plots means (``sim.states.Status``)."""


def indicator(name: str) -> Indicator:
    """The metadata of ``name``; a ``KeyError`` naming the known indicators otherwise."""
    try:
        return METADATA[name]
    except KeyError:
        raise KeyError(f"unknown indicator {name!r}; known: {', '.join(METADATA)}") from None


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(name: str, value, unit: bool = True) -> str:
    """A value of ``name`` as text: ``45.3%``, ``12.0 months``, ``1,234,567 EUR``.

    ``unit=False`` leaves out the unit words (``months``, ``EUR``, ``persons``) for a table
    whose header gives them; a rate keeps its ``%``. A missing value is ``n/a``.
    """
    if _missing(value):
        return "n/a"
    kind = indicator(name).kind
    if kind == "rate":
        return f"{100 * value:.1f}%"
    if kind == "months":
        return f"{value:.1f}" + (" months" if unit else "")
    if kind == "eur":
        return f"{value:,.0f}" + (" EUR" if unit else "")
    return f"{value:,.0f}" + (" persons" if unit else "")


def format_difference(name: str, value, unit: bool = True) -> str:
    """A difference of two values of ``name``, signed: ``+3.2 pts``, ``-0.5 months``, ``+120 EUR``.

    A difference of two rates is in percentage points (``pts``), never in per cent.
    """
    if _missing(value):
        return "n/a"
    kind = indicator(name).kind
    if kind == "rate":
        points = round(100 * value, 1) + 0.0  # no "-0.0"
        return f"{points:+.1f}" + (" pts" if unit else "")
    if kind == "months":
        return f"{round(value, 1) + 0.0:+.1f}" + (" months" if unit else "")
    if kind == "eur":
        return f"{round(value) + 0.0:+,.0f}" + (" EUR" if unit else "")
    return f"{round(value) + 0.0:+,.0f}" + (" persons" if unit else "")


def format_interval(name: str, low, high, difference: bool = False, unit: bool = False) -> str:
    """A confidence interval as text, ``[40.1%, 47.9%]`` (``[+1.0, +5.2] pts`` for a difference).

    Empty when a bound is missing (one replication).
    """
    if _missing(low) or _missing(high):
        return ""
    if difference:
        text = f"[{format_difference(name, low, False)}, {format_difference(name, high, False)}]"
        suffix = {"rate": " pts", "months": " months", "eur": " EUR", "count": " persons"}
        return text + (suffix[indicator(name).kind] if unit else "")
    return f"[{format_value(name, low, unit)}, {format_value(name, high, unit)}]"


def column_unit(name: str, difference: bool = False) -> str:
    """The unit to print beside a column of unit-less values of ``name`` (``%``, ``pts``...)."""
    kind = indicator(name).kind
    if kind == "rate":
        return "pts" if difference else "%"
    return {"months": "months", "eur": "EUR", "count": "persons"}[kind]


def clip_to_bounds(name: str, low: float, high: float) -> tuple[float, float]:
    """An interval of ``name``'s value clipped to its possible range (a rate stays in [0, 1])."""
    lo, hi = indicator(name).bounds()
    if not _missing(low):
        low = min(max(low, lo), hi)
    if not _missing(high):
        high = min(max(high, lo), hi)
    return low, high
