"""The ``policy`` section: practice profiles, housing logic, funding rules, budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Euros, NonNeg, Prob, Strict, check_shares
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
    """The variable part of the RSA support measure's price (seed 002)."""

    variable_part: bool
    reward: Literal["exits", "furthest"] = Field(
        description="exits: paid when the person reaches employment or training; furthest: "
        "paid for each person with three or more obstacles who starts the measure"
    )


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
