"""The ``policy`` section: practice profiles, housing logic, funding, budgets, benefits, duties."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Euros, Months, NonNeg, Prob, Strict, check_shares
from sim.scenario.errors import unknown_names
from sim.scenario.practice import REQUIRED_PROFILES, Practice, PracticeProfile, check_practice
from sim.submodels.funding import COFINANCED_PROGRAMMES

Funder = Literal["state", "departement", "esf", "france_travail", "other"]


class Cofinancing(Strict):
    """Shares of a programme's cost paid by each funder [share].

    Either explicit shares that add up to 1, or ``esf_with: FUNDER``: the ESF+ pays its
    co-financing rate for the territory's category of region (parameter
    ``esf.cofinancing_rate.<territory.region_category>``) and FUNDER the rest.
    """

    state: Prob = 0.0
    departement: Prob = 0.0
    esf: Prob = 0.0
    france_travail: Prob = 0.0
    other: Prob = 0.0
    esf_with: Funder | None = None

    @model_validator(mode="after")
    def _adds_up(self):
        shares = self.model_dump(exclude={"esf_with"})
        if self.esf_with is not None:
            if any(shares.values()):
                raise ValueError("give either esf_with or explicit shares, not both")
            return self
        check_shares(shares, "co-financing")
        return self


class Modulation(Strict):
    """Modulated part of the aide au poste, tied to results (C7: 0-10%)."""

    enabled: bool
    share: float = Field(ge=0.0, le=1.0, description="modulated part of the base [share]")
    reward: Literal["exits", "furthest"]
    selectivity: NonNeg = Field(
        description="rise of the SIAE employability floor per 10% of aide at stake [score]"
    )


class MeasureRule(Strict):
    """How the intensive support measure of seed 002 is paid (L51-53), and what that does.

    A price per 6-month measure: a fixed part (engineering) and, with ``variable_part``, a
    variable part when the person is mobilised onto an employment or training action.
    """

    variable_part: bool
    prioritise_mobilisable: bool = Field(
        False,
        description="assumption, off by default (no source): while a variable part is paid, the "
        "measure's provider takes first from its waiting list the most employable recipients",
    )


class MeasureSpec(Strict):
    """Who the intensive support measure of seed 002 is for, and how long it lasts.

    Public (L13, L47): RSA recipients on the social track (PSSI), or discouraged (confidence
    below ``discouraged_below``) after ``min_past_referents`` referents or more. Prescribed by
    their referent, within the Département's places; 6 months, renewable once (L27).
    """

    enabled: bool
    discouraged_below: Prob = Field(description="confidence under which a person is discouraged")
    min_past_referents: int = Field(ge=0, le=100, description="supports started, this one included")
    dur_measure: Months = Field(description="length of one measure [month]")
    max_renewals: int = Field(ge=0, le=10, description="renewals of a measure")


class BenefitsSpec(Strict):
    """Benefit rules and amounts: the dated rule file, overrides, the amounts table.

    Rules (``sim/parameters/benefits.yaml``) are dated parameters in force at ``run.start``;
    amounts come from OpenFisca-France through ``sim/parameters/benefit_amounts.csv``.
    """

    parameters: str | None = Field(
        None, description="rule file (relative to the scenario file) [default: shipped]"
    )
    overrides: dict[str, float] = Field(default_factory=dict)
    table: str | None = Field(
        None, description="benefit amounts table (relative to the scenario file) [default: shipped]"
    )


class DutiesSpec(Strict):
    """What a Département does with the duties of RSA recipients (hours are dated parameters).

    Exemptions from the hours of activity (Code du travail L.5411-6-1: health, disability,
    childcare; housing emergency), and the suspension it decides when duties are not met.
    """

    exempt_health: bool = Field(description="a health obstacle exempts from the hours")
    exempt_health_min_severity: int = Field(ge=1, le=3, description="from this severity")
    exempt_childcare: bool = Field(
        description="a single parent of a child under 3 without a crèche place is exempted"
    )
    exempt_housing_emergency: bool = Field(
        description="living on the street or in an emergency shelter exempts"
    )
    suspension_share: Prob = Field(description="share of the allowance suspended [share]")
    dur_suspension_first: Months = Field(description="length of a first suspension [month]")
    dur_suspension_repeat: Months = Field(description="length of a later suspension [month]")


class FundingSpec(Strict):
    """Funding rules: the dated parameters to use, overrides, results-based parts, co-financing.

    Unit costs and prices are dated parameters (``sim/parameters/funding.yaml``); a run uses the
    values in force at ``run.start`` and ``overrides`` replaces any of them by name.
    """

    parameters: str | None = Field(
        None, description="parameter file (relative to the scenario file) [default: shipped]"
    )
    overrides: dict[str, Annotated[float, Field(ge=0.0, le=1e9)]] = Field(
        default_factory=dict, description="values replacing dated parameters, by name"
    )
    modulation: Modulation
    measure: MeasureRule
    cofinancing: dict[str, Cofinancing]

    @model_validator(mode="after")
    def _every_programme_financed(self):
        missing = [p for p in COFINANCED_PROGRAMMES if p not in self.cofinancing]
        unknown = [p for p in self.cofinancing if p not in COFINANCED_PROGRAMMES]
        if missing or unknown:
            raise ValueError(
                "cofinancing must give the funders' shares of every programme"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (
                    f"; unknown: {unknown_names(unknown, COFINANCED_PROGRAMMES)} (allowed: "
                    f"{', '.join(COFINANCED_PROGRAMMES)})"
                    if unknown
                    else ""
                )
            )
        return self


class PracticeOverrideByKind(Strict):
    """The practice set for one kind of referent structure only.

    A kind left at null keeps its structures' own practice (or ``practice_override``); a kind
    given here takes this value whatever ``practice_override`` says: a share of iterative
    practice, or shares of the profiles of ``policy.practices`` (checked by the scenario).
    """

    shelters: Practice | None = Field(None, description="every AHI structure's social workers")
    france_travail: Practice | None = Field(None, description="every France Travail agency")
    referent_groups: Practice | None = Field(
        None, description="every team of territory.referent_groups"
    )


class PolicySpec(Strict):
    """Policy levers."""

    practice_override: Practice | None = Field(
        None,
        description="if set, every structure's practice (a share of iterative practice, or "
        "shares of the profiles)",
    )
    practices: dict[str, PracticeProfile] = Field(
        max_length=100,
        description="the practice profiles by name: linear, iterative, and any other (a hybrid)",
    )
    practice_override_by_kind: PracticeOverrideByKind = Field(
        default_factory=PracticeOverrideByKind,
        description="the same, for one kind of structure only (shelters, France Travail, "
        "referent groups)",
    )
    housing_first: bool = Field(description="Logement d'abord instead of the staircase")
    funding: FundingSpec
    benefits: BenefitsSpec = Field(default_factory=BenefitsSpec)
    duties: DutiesSpec
    measure: MeasureSpec
    budget: dict[str, dict[Funder, Euros]] | None = Field(
        None,
        description="yearly envelopes by programme and funder [EUR/year]; the programme's "
        "capacity follows from budget / unit cost (see sim/budget.py)",
    )
    extra_budget: dict[str, Euros] = Field(
        default_factory=dict,
        description="extra yearly euros by programme, adding capacity [EUR/year]",
    )

    @model_validator(mode="after")
    def _profiles(self):
        missing = [p for p in REQUIRED_PROFILES if p not in self.practices]
        if missing:
            raise ValueError(
                f"practices must define the profiles {', '.join(REQUIRED_PROFILES)}"
                f" (missing: {', '.join(missing)})"
            )
        if self.practice_override is not None:
            check_practice(self.practice_override, self.practices, "practice_override")
        return self
