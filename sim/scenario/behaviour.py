"""The ``behaviour`` section: the rates and durations of the mechanisms (calibrated)."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.base import Months, NonNeg, ObstacleName, Prob, Strict, Weight
from sim.scenario.errors import unknown_names
from sim.states import OBSTACLES


class Employability(Strict):
    """Weights of the employability score used by employers and SIAE (logit scale)."""

    intercept: Weight
    qualification: Weight
    experience_per_year: Weight
    years_without_work: Weight
    confidence: Weight
    obstacle: dict[ObstacleName, Weight] = Field(
        description="weight per severity level, by obstacle"
    )
    visibility: dict[ObstacleName, Prob] = Field(
        description="share of each obstacle's weight an ordinary employer applies at hiring, "
        "from what it sees of the obstacle (1: all of it) [share]"
    )

    @model_validator(mode="after")
    def _known_obstacles(self):
        unknown = [k for k in self.obstacle if k not in OBSTACLES]
        if unknown:
            raise ValueError(
                f"unknown obstacles {unknown_names(unknown, OBSTACLES)}; allowed: "
                + ", ".join(OBSTACLES)
            )
        missing = [k for k in OBSTACLES if k not in self.visibility]
        unknown = [k for k in self.visibility if k not in OBSTACLES]
        if missing or unknown:
            raise ValueError(
                f"visibility must give a share for each of {', '.join(OBSTACLES)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {unknown_names(unknown, OBSTACLES)}" if unknown else "")
            )
        return self


class Behaviour(Strict):
    """Rates and durations of the mechanisms (calibrated; see docs/ODD.md)."""

    p_orientation_rsa: Prob = Field(description="[per month]")
    p_orientation_other: Prob = Field(description="[per month]")
    p_search_alone: Prob = Field(description="application without support [per month]")
    p_apply: Prob = Field(description="application while in job search [per month]")
    p_immersion: Prob = Field(description="PMSMP immersion while in job search [per month]")
    p_immersion_hire: Prob = Field(description="hire after an immersion [per immersion]")
    dur_training: Months
    dur_support: Months = Field(description="one period of a support measure [month]")
    n_support_renewals: int = Field(
        ge=0, le=10, description="renewals of a support measure at most [count]"
    )
    p_support_renewal: Prob = Field(
        description="a measure due to end is renewed for a person still supported [share]"
    )
    dur_real_break: Months = Field(
        description="months without a referent after which a new support starts with a new "
        "diagnostic; after a shorter gap it resumes the phase reached [month]"
    )
    dur_cdd_long: Months
    dur_short: Months
    p_service_reduce: Prob = Field(description="a service lowers severity by one [per month]")
    p_referent_reduce: Prob = Field(description="a referent lowers severity by one [per month]")
    rel_global_support: NonNeg = Field(description="accompagnement global multiplier")
    p_street_worsen: Prob = Field(description="a health obstacle worsens on the street")
    p_french_at_work: Prob = Field(description="French improves by one level at work")
    confidence_gain_work: Prob = Field(description="confidence gained per month at work")
    confidence_gain_activity: Prob = Field(description="per month in activity or support")
    confidence_loss_idle: Prob = Field(description="per month without activity")
    p_wish_arise: Prob = Field(description="wish to work appears, times confidence [per month]")
    employability: Employability
    p_break: Prob = Field(description="break of a job or CDDI, no obstacle [per month]")
    p_renewal: Prob = Field(
        description="an ordinary fixed-term contract due to end is renewed, or followed by the "
        "next contract or mission with the same employer [share]"
    )
    rel_break_per_severity: NonNeg = Field(description="added per severity level [ratio]")
    rel_break_in_job_support: NonNeg = Field(
        description="multiplier of the break probability in a month of follow-up in the job"
    )
    rel_penalty_mediation: Prob = Field(
        description="multiplier of the obstacles' weight in an employer's judgement when a "
        "referent mediates the application [ratio]"
    )
    rel_penalty_follow_up: Prob = Field(
        description="further multiplier when the mediated person will be followed in the job "
        "(the hire is secured) [ratio]"
    )
    siae_floor_screening: Weight = Field(description="employability floor, screening SIAE")
    siae_floor_performance: Weight = Field(description="employability floor, performance SIAE")
    siae_cip_caseload: float = Field(
        ge=0.0, le=1000.0, description="SIAE employees one insertion officer follows"
    )
    siae_search_months: Months = Field(description="job search in the last months of a CDDI")
    rel_search_employment_referent: NonNeg
    rel_search_insertion_officers: NonNeg
    mediation_openness_gain: Prob = Field(
        description="share of an employer's reluctance that mediation removes"
    )
    p_incapacity: Prob = Field(description="AAH/ESAT route at health severity 3 [per month]")
    p_shelter_request: Prob = Field(description="a street person asks the SIAO [per month]")
    p_move_on: Prob = Field(description="staircase step to the next shelter kind [per month]")
    p_emergency_exit: Prob = Field(
        description="a stay in a CHU or a hotel ends without a housing solution [per month]"
    )
    dur_refill: float = Field(
        ge=0.0,
        le=12.0,
        description="a shelter place that frees up stays empty this long before the SIAO fills "
        "it again [month]",
    )
    p_housing_refusal: Prob = Field(description="an offered dwelling is refused [per offer]")
    p_tenancy_loss: Prob = Field(
        description="a tenant whose resources meet the rent rule loses the dwelling [per month]"
    )
    rel_tenancy_loss_unaffordable: NonNeg = Field(
        description="multiplier when the resources do not meet the rent rule [ratio]"
    )
    rel_tenancy_loss_debt: NonNeg = Field(
        description="multiplier per severity level of the debt obstacle [ratio per level]"
    )
    rel_tenancy_loss_support: NonNeg = Field(
        description="multiplier while Logement d'abord supports the tenant, or a social worker "
        "(shelter, accompagnement global) saw them this month [ratio]"
    )
    p_rsa_claim: Prob = Field(description="an entitled person claims the RSA [per month]")
    p_rsa_exit_household: Prob = Field(
        description="the household's other resources end the RSA (a partner's income) [per month]"
    )
    p_household_eligible: Prob = Field(
        description="a household's other resources fall so that it would be entitled to the RSA "
        "(separation, a partner's income lost...) [per month]"
    )
    p_ppa_claim: Prob = Field(
        description="an entitled worker not on the RSA claims the prime d'activité [per month]"
    )
    duty_hours_capacity: NonNeg = Field(
        description="hours of activity a week a person without obstacle can commit [h/week]"
    )
    duty_hours_per_severity: NonNeg = Field(
        description="hours a week one level of obstacle severity takes off it [h/week]"
    )
    p_sanction: Prob = Field(
        description="duties not met lead to a suspension of the RSA [per month]"
    )
    p_remobilise: Prob = Field(description="a suspended recipient remobilises [per month]")
    p_rsa_drop_suspended: Prob = Field(
        description="a suspended recipient gives up the RSA [per month]"
    )
    confidence_gain_measure: Prob = Field(
        description="confidence gained per month in the intensive support measure"
    )
    rel_measure: NonNeg = Field(
        description="multiplier of obstacle work and of the wish arising in the measure [ratio]"
    )
