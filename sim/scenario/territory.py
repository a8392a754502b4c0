"""The ``territory`` section: institutions, their capacities, employers, services, housing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.base import Count, Months, NonNeg, Prob, Shares, Strict


class ShelterGroup(Strict):
    """A group of identical AHI structures (its name is its key in ``territory.shelters``)."""

    kind: Literal["chu", "chrs", "iml", "oacas"]
    n: int = Field(ge=0, description="number of structures")
    places: Count = Field(description="places per structure [person]")
    social_workers: NonNeg = Field(description="social workers (TS) per structure [FTE]")
    caseload: NonNeg = Field(description="persons supported per social worker [person/FTE]")
    practice: Prob = Field(description="degree of iterative practice, 0 linear, 1 iterative")
    employment_support: Literal["every_ts", "employment_referent", "insertion_officers"]
    insertion_officer_fte: NonNeg = Field(description="dedicated insertion officers [FTE]")
    prescribes_iae: bool
    aava_places: Count = Field(description="AAVA places per structure [person]")


class FranceTravailSpec(Strict):
    """France Travail agencies of the territory."""

    agencies: int = Field(ge=0)
    advisers_per_agency: NonNeg = Field(description="advisers in support [FTE]")
    caseload: NonNeg = Field(description="persons per adviser [person/FTE]")
    practice: Prob = Field(description="degree of iterative practice, 0 linear, 1 iterative")
    global_support_places: Count = Field(
        description="places in 'accompagnement global' with a social worker, per agency [person]"
    )
    cer_hours_per_week: NonNeg = Field(description="activity hours of the RSA CER [h/week]")


class SiaeGroup(Strict):
    """A group of identical insertion employers (named by its key in ``territory.siae``)."""

    type: Literal["aci", "ei", "ai", "etti"]
    n: int = Field(ge=0)
    posts: Count = Field(description="funded posts per structure [person]")
    weekly_hours: float = Field(ge=1.0, le=35.0, description="hours of the CDDI [h/week]")
    selection: Literal["open", "screening", "performance"]
    insertion_officers: NonNeg = Field(description="insertion officers per structure [FTE]")
    phc_places: Count = Field(description="PHC places hosted [person]")
    active_mediation: bool
    dur_mean: Months = Field(description="mean pathway length [month]")


class LowThresholdSpec(Strict):
    """Low-threshold programmes outside the SIAE (PHC places are hosted by ACI)."""

    tapaj_places: Count
    dur_phc: Months = Field(description="PHC duration before the CDDI [month]")
    phc_hours_start: NonNeg = Field(description="PHC hours in the first month [h/week]")
    phc_hours_end: NonNeg = Field(description="PHC hours in the last month [h/week]")
    dur_tapaj: Months
    p_tapaj_drop: Prob = Field(description="leaving TAPAJ without commitment [per month]")
    dur_aava: Months = Field(description="AAVA period, at most 6 (CASF R.345-3) [month]", le=6)
    aava_hours_per_month: float = Field(ge=0.0, le=80.0, description="AAVA hours [h/month]")


class EmployerGroup(Strict):
    """Identical ordinary employers of one sector (its key in ``territory.employers``)."""

    n: int = Field(ge=0)
    vacancies_per_month: NonNeg = Field(description="vacancies open to this public [per month]")
    weekly_hours: float = Field(ge=1.0, le=48.0)
    contracts: ContractShares
    max_french: int = Field(ge=0, le=3, description="highest French obstacle accepted")
    requires_licence: bool
    needs_licence: bool = Field(description="whether the job itself needs a licence")
    min_experience: Months = Field(description="experience required [month]")
    needs_experience: bool = Field(description="whether the job itself needs that experience")
    openness: Prob = Field(description="probability of hiring a suitable applicant")


class ContractShares(Shares):
    """Contract mix of an employer's hires [share]."""

    cdi: Prob
    cdd_long: Prob
    short: Prob


EmployerGroup.model_rebuild()


class ServiceCapacity(Strict):
    """Places in services that reduce obstacles, and training slots [person]."""

    creche: Count
    mobility: Count
    french: Count
    health: Count
    training: Count


class HousingSupply(Strict):
    """Supply of ordinary housing for this public."""

    social_housing_per_month: NonNeg = Field(description="allocations [dwelling/month]")
    housing_first_per_month: NonNeg = Field(
        description="direct allocations with support under Logement d'abord [dwelling/month]"
    )


class TerritorySpec(Strict):
    """Institutions of the territory and their capacities.

    Capacities (places, staff, posts, vacancies, allocations) are stated for
    ``reference_persons`` persons; a run with another ``run.persons`` scales them all in
    proportion, so that the number of persons changes the size of the territory, not its tension.
    """

    reference_persons: int = Field(ge=1, description="persons the capacities are stated for")
    shelters: dict[str, ShelterGroup]
    france_travail: FranceTravailSpec
    siae: dict[str, SiaeGroup]
    low_threshold: LowThresholdSpec
    employers: dict[str, EmployerGroup]
    services: ServiceCapacity
    housing: HousingSupply
