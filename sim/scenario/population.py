"""The ``population`` section: who lives in or near the insertion system, their obstacles."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.base import (
    SHARE_TOLERANCE,
    Months,
    NonNeg,
    ObstacleName,
    Prob,
    Shares,
    Strict,
)
from sim.scenario.errors import unknown_names
from sim.states import OBSTACLES


class AgeShares(Shares):
    """Age groups at entry [share]."""

    young: Prob  # 16-25
    prime: Prob  # 26-49
    senior: Prob  # 50-64


class HouseholdShares(Shares):
    """Household composition [share]."""

    alone: Prob
    couple: Prob
    single_parent: Prob


class BenefitShares(Shares):
    """Minimum benefit received [share]."""

    rsa: Prob
    ass: Prob
    aah: Prob
    none: Prob


class HousingShares(Shares):
    """Housing status at entry [share]."""

    street: Prob
    emergency_shelter: Prob
    chrs: Prob
    adapted: Prob
    ordinary: Prob


class QualificationShares(Shares):
    """Qualification level [share]: none, CAP/BEP, baccalauréat, higher."""

    none: Prob
    cap_bep: Prob
    bac: Prob
    higher: Prob


class ObstacleSpec(Strict):
    """Prevalence of one obstacle at entry and how it varies by public."""

    p: list[Prob] = Field(
        min_length=3, max_length=3, description="shares with severity 1, 2, 3 [share]"
    )
    rel_homeless: NonNeg = Field(1.0, description="multiplier for homeless people [ratio]")
    rel_refugee: NonNeg = Field(1.0, description="multiplier for refugees [ratio]")
    rel_single_parent: NonNeg = Field(1.0, description="multiplier for single parents [ratio]")
    rel_senior: NonNeg = Field(1.0, description="multiplier for people aged 50+ [ratio]")
    rel_rqth: NonNeg = Field(1.0, description="multiplier for disabled people [ratio]")

    @model_validator(mode="after")
    def _at_most_one(self):
        if sum(self.p) > 1.0 + SHARE_TOLERANCE:
            raise ValueError(f"severity shares p must add up to at most 1 (got {sum(self.p):.6g})")
        return self


class PopulationSpec(Strict):
    """Who lives in or near the insertion system."""

    arrivals_per_month: float = Field(
        ge=0.0, le=1.0, description="new entrants per month [share of persons]"
    )
    p_leave: Prob = Field(description="probability of leaving the territory [per month]")
    age: AgeShares
    share_women: Prob
    household: HouseholdShares
    p_child_under_3: Prob = Field(description="share of parents with a child under 3 [share]")
    benefit: BenefitShares
    share_rsa_eligible_without_benefit: Prob = Field(
        description="share of persons without a benefit at entry whose household would be "
        "entitled to the RSA without earnings (the others have other household resources) [share]"
    )
    share_refugee: Prob
    share_rqth: Prob
    share_justice: Prob
    share_qpv: Prob
    share_ase_among_young: Prob
    housing: HousingShares
    qualification: QualificationShares
    mean_months_without_work: Months = Field(description="mean time out of work [month]")
    mean_experience: Months = Field(description="mean work experience [month]")
    confidence_mean: Prob
    p_wish_to_work: Prob
    obstacles: dict[ObstacleName, ObstacleSpec]

    @model_validator(mode="after")
    def _all_obstacles(self):
        missing = [k for k in OBSTACLES if k not in self.obstacles]
        unknown = [k for k in self.obstacles if k not in OBSTACLES]
        if missing or unknown:
            raise ValueError(
                f"obstacles must list exactly {', '.join(OBSTACLES)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {unknown_names(unknown, OBSTACLES)}" if unknown else "")
            )
        return self
