"""The ``territory`` section: institutions, their capacities, employers, services, housing.

Every group of structures may say whom it takes (``eligible``) and whom it serves first
(``priority``): see :mod:`sim.scenario.targeting`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import (
    MAX_STRUCTURES,
    Count,
    Months,
    NonNeg,
    Prob,
    Shares,
    Strict,
    Structures,
)
from sim.scenario.practice import Practice, check_practice
from sim.scenario.targeting import Condition, PracticeByPublic, Priority, Targeted

HOURS_IN_MONTH = 744.0  # 31 days x 24 h: no staff time per month can exceed it
Hours = Annotated[float, Field(ge=0.0, le=HOURS_IN_MONTH)]
IAE_MAX_MONTHS = 24  # an IAE pathway lasts at most 24 months (seed 003; Code du travail L5132)
IAE_EXTENDED_MAX_MONTHS = 60  # legal extensions (50+, disabled) and CVG pathways up to 5 years


def _practice(value):
    check_practice(value, value if isinstance(value, dict) else (), "practice")
    return value


class ShelterGroup(Targeted):
    """A group of identical AHI structures (its name is its key in ``territory.shelters``).

    ``kind: hotel`` is the hotel rooms the SIAO books night by night: no social workers, no
    insertion officers, no AAVA, and rooms for any household (``family_places: null``); its
    ``places`` are the most rooms booked at once.
    """

    kind: Literal["chu", "chrs", "iml", "oacas", "hotel"]
    n: Structures = Field(description="number of structures")
    places: Count = Field(description="places per structure [person]")
    family_places: Prob | None = Field(
        description="share of the places suited to families (couples, parents); the others are "
        "for single adults [share]; null for hotels, whose rooms suit any household"
    )
    social_workers: float = Field(
        ge=0.0, le=10_000.0, description="social workers (TS) per structure [FTE]"
    )
    caseload: float = Field(
        ge=0.0, le=1000.0, description="persons supported per social worker [person/FTE]"
    )
    practice: Practice = Field(
        description="share of iterative practice (0 linear, 1 iterative), or shares of the "
        "profiles of policy.practices"
    )
    employment_support: Literal["every_ts", "employment_referent", "insertion_officers"]
    insertion_officer_fte: NonNeg = Field(description="dedicated insertion officers [FTE]")
    prescribes_iae: bool
    aava_places: Count = Field(description="AAVA places per structure [person]")
    practice_by_public: PracticeByPublic = Field(
        default_factory=dict,
        description="degree of iterative practice for persons of a public (first listed applies)",
    )

    _check_practice = field_validator("practice")(_practice)

    @model_validator(mode="after")
    def _hotels_have_no_staff(self):
        if self.kind == "hotel":
            staffed = {
                k: getattr(self, k)
                for k in ("social_workers", "insertion_officer_fte", "aava_places")
                if getattr(self, k)
            }
            if staffed or self.prescribes_iae:
                raise ValueError(
                    "a hotel has no social workers, insertion officers, AAVA or IAE "
                    f"prescriptions; set them to 0/false (got {staffed or 'prescribes_iae'})"
                )
            if self.family_places is not None:
                raise ValueError("hotel rooms suit any household: family_places must be null")
        elif self.family_places is None:
            raise ValueError(f"a {self.kind} group must give family_places (a share, 0 to 1)")
        return self


class FranceTravailSpec(Strict):
    """France Travail agencies of the territory."""

    agencies: int = Field(
        ge=1,
        le=MAX_STRUCTURES,
        description="agencies; at least one: every person has a home agency [structure]",
    )
    advisers_per_agency: float = Field(ge=0.0, le=10_000.0, description="advisers in support [FTE]")
    caseload: float = Field(ge=0.0, le=1000.0, description="persons per adviser [person/FTE]")
    practice: Practice = Field(
        description="share of iterative practice (0 linear, 1 iterative), or shares of the "
        "profiles of policy.practices"
    )
    global_support_places: Count = Field(
        description="places in 'accompagnement global' with a social worker, per agency [person]"
    )
    practice_by_public: PracticeByPublic = Field(
        default_factory=dict,
        description="degree of iterative practice for persons of a public (first listed applies)",
    )

    _check_practice = field_validator("practice")(_practice)


class DepartementSpec(Strict):
    """The Département: its social referents (social track), its orientation rule, the measure.

    The orientation rule (CASF L.262-29): a new RSA recipient goes to France Travail when
    available for work, to the Département's social referents when housing or health stand in
    the way for now: here, a health obstacle (mental, physical, addiction) of at least
    ``social_track_min_health``, or, if ``social_track_homeless``, living on the street or in an
    emergency shelter.
    """

    social_referents: float = Field(
        ge=0.0, le=10_000.0, description="social referents of the social track [FTE]"
    )
    caseload: float = Field(
        ge=0.0, le=1000.0, description="persons per social referent [person/FTE]"
    )
    practice: Practice = Field(
        description="share of iterative practice (0 linear, 1 iterative), or shares of the "
        "profiles of policy.practices"
    )
    social_track_min_health: int = Field(
        ge=1, le=3, description="health severity from which a recipient goes to the social track"
    )
    social_track_homeless: bool = Field(
        description="whether recipients on the street or in an emergency shelter go to it"
    )
    measure_places: Count = Field(
        description="persons in the intensive support measure of seed 002 at once [person]"
    )

    _check_practice = field_validator("practice")(_practice)


class StaffHours(Strict):
    """Staff time each activity of a referent takes [h per person-month].

    Every value is at most :data:`HOURS_IN_MONTH` (a month has no more hours).
    """

    diagnostic: Hours = Field(description="a month of diagnostic [h per person-month]")
    obstacles: Hours = Field(
        description="a month of work on obstacles, re-socialisation or project, or obstacles "
        "worked in parallel with job search [h per person-month]"
    )
    job_search: Hours = Field(description="job-search coaching [h per person-month]")
    follow_up_job: Hours = Field(description="follow-up in the job [h per person-month]")
    follow_up_programme: Hours = Field(
        description="follow-up during PHC, TAPAJ or AAVA [h per person-month]"
    )
    mediation_contact: float = Field(
        gt=0.0,
        le=HOURS_IN_MONTH,
        description="one contact with an employer on a person's behalf [h per contact]",
    )


class StaffSpec(Strict):
    """Staff time of the referent structures (shelters, agencies, teams, the Département's).

    Each structure has ``FTE x hours_per_fte x share_in_support`` hours a month for the persons
    it follows, whatever its practice; every activity draws from them at the cost in ``hours``.
    """

    hours_per_fte: Hours = Field(description="paid hours of one full-time employee [h/month]")
    share_in_support: Prob = Field(
        description="share of staff time spent with or for the persons followed [share]"
    )
    hours: StaffHours


class SiaeGroup(Targeted):
    """A group of identical insertion employers (named by its key in ``territory.siae``).

    The reinforced pathway fields (Convergence/CVG, seed 003 L933-957; legal extensions of the
    24-month cap, Code du travail L5132-5, L5132-11-1, L5132-15-1; CDI inclusion at 57+, seed
    003 L763) default to the ordinary IAE pathway.
    """

    type: Literal["aci", "ei", "ai", "etti"]
    n: Structures
    posts: Count = Field(description="funded posts per structure [person]")
    weekly_hours: float = Field(ge=1.0, le=35.0, description="hours of the CDDI [h/week]")
    selection: Literal["open", "screening", "performance"]
    insertion_officers: float = Field(
        ge=0.0, le=10_000.0, description="insertion officers per structure [FTE]"
    )
    phc_places: Count = Field(description="PHC places hosted [person]")
    active_mediation: bool
    dur_mean: Months = Field(description="mean pathway length [month]")
    max_months: int = Field(
        IAE_MAX_MONTHS,
        ge=1,
        le=IAE_EXTENDED_MAX_MONTHS,
        description="longest IAE pathway of its employees, over every SIAE [month]; 24 by law, "
        "up to 60 in reinforced pathways (CVG, seed 003 L956)",
    )
    extension_50_plus: bool = Field(
        False, description="extends the cap to 60 months for employees aged 50+ (legal extension)"
    )
    extension_disabled: bool = Field(
        False, description="extends the cap to 60 months for disabled employees (RQTH)"
    )
    extension_training_months: Months = Field(
        0.0,
        le=24,
        description="months added to the cap to finish a qualifying training in progress, for "
        "employees without a qualification (legal extension) [month]",
    )
    cdi_inclusion: bool = Field(
        False,
        description="an employee aged 57+ with 12 months of IAE pathway whose CDDI ends without a "
        "job gets a CDI inclusion (seed 003 L763)",
    )
    follow_up_months: Months = Field(
        0.0, le=60, description="follow-up after an exit to a job, lowering breaks [month]"
    )
    partnership_staff: NonNeg = Field(
        0.0,
        description="partnership officers (housing, health, employment) per structure [FTE], "
        "counted with its insertion officers and paid in the ledger (CVG, seed 003 L941, L955)",
    )
    services_during_contract: list[Literal["health", "housing"]] = Field(
        default_factory=list,
        description="support that stays open to its employees during the contract: health care "
        "places; social housing allocations wherever they live (CVG, seed 003 L941, L954-955)",
    )


class LowThresholdSpec(Strict):
    """Low-threshold programmes outside the SIAE (PHC places are hosted by ACI)."""

    tapaj_places: Count
    dur_phc: Months = Field(description="PHC duration before the CDDI [month]")
    phc_hours_start: float = Field(
        ge=0.0, le=48.0, description="PHC hours in the first month [h/week]"
    )
    phc_hours_end: float = Field(
        ge=0.0, le=48.0, description="PHC hours in the last month [h/week]"
    )
    dur_tapaj: Months
    p_tapaj_drop: Prob = Field(description="leaving TAPAJ without commitment [per month]")
    dur_aava: float = Field(
        ge=0.0,
        le=6.0,
        description="AAVA period, at most 6 (CASF R.345-3, seed 003; the préfet's renewal "
        "is not modelled) [month]",
    )
    aava_hours_per_month: float = Field(ge=0.0, le=80.0, description="AAVA hours [h/month]")
    eligible: dict[Literal["phc", "tapaj", "aava"], Condition] = Field(
        default_factory=dict,
        description="who each programme takes, beyond its own public (PHC: homeless people; "
        "TAPAJ: aged 16-25)",
    )
    priority: dict[Literal["phc", "tapaj", "aava"], Priority] = Field(
        default_factory=dict, description="publics each programme serves first"
    )
    phc_reserved_share: Prob = Field(
        0.0,
        description="share of a PHC host's posts reserved to its PHC completers, hired without "
        "its selection floor (0: completers go through the host's hiring rule) [share]",
    )


class EmployerGroup(Targeted):
    """Identical ordinary employers of one sector (its key in ``territory.employers``).

    ``eligible`` reserves its vacancies to a public (clauses sociales d'insertion, seed 004 fiche
    28); ``rel_women_apply`` is how often women apply there relative to men, for sectors whose
    jobs draw mostly male applications (seed 004 L526, L1058).
    """

    n: Structures
    vacancies_per_month: float = Field(
        ge=0.0, le=100_000.0, description="vacancies open to this public [per month]"
    )
    weekly_hours: float = Field(ge=1.0, le=48.0)
    contracts: ContractShares
    max_french: int = Field(ge=0, le=3, description="highest French obstacle accepted")
    requires_licence: bool
    needs_licence: bool = Field(description="whether the job itself needs a licence")
    min_experience: Months = Field(description="experience required [month]")
    needs_experience: bool = Field(description="whether the job itself needs that experience")
    openness: Prob = Field(description="probability of hiring a suitable applicant")
    rel_women_apply: NonNeg = Field(
        1.0, description="women's applications here relative to men's [ratio]"
    )


class ContractShares(Shares):
    """Contract mix of an employer's hires [share]."""

    cdi: Prob
    cdd_long: Prob
    short: Prob


EmployerGroup.model_rebuild()


class ServiceCapacity(Strict):
    """Places in services that reduce obstacles, and training slots [person], open to all."""

    creche: Count
    mobility: Count
    french: Count
    health: Count
    training: Count


class ServiceGroup(Targeted):
    """Places of one service or of training beside the open ones, usually aimed at a public.

    A person whose referent asks for the service takes a place of the first group, in the
    order of ``territory.service_groups``, that is eligible and has one free, then an open one.
    """

    service: Literal["creche", "mobility", "french", "health", "training"]
    places: Count = Field(description="places [person]")


class ReferentGroup(Targeted):
    """A group of support teams beside shelters and France Travail (a programme's referents).

    Persons waiting for a referent who are eligible are taken by such a group first, where its
    caseload allows; with ``p_outreach`` it also reaches eligible persons outside any support
    ("aller vers": street educators, seed 004 fiche 4).
    """

    n: int = Field(ge=0, le=MAX_STRUCTURES, description="number of teams")
    staff: NonNeg = Field(description="referents per team [FTE]")
    caseload: float = Field(ge=0.0, le=1000.0, description="persons per referent [person/FTE]")
    practice: Practice = Field(
        description="share of iterative practice (0 linear, 1 iterative), or shares of the "
        "profiles of policy.practices"
    )
    practice_by_public: PracticeByPublic = Field(default_factory=dict)
    employment_support: Literal["every_ts", "employment_referent", "insertion_officers"] = (
        "insertion_officers"
    )
    prescribes_iae: bool = True
    p_outreach: Prob = Field(
        0.0, description="an eligible person outside any support is reached [per month]"
    )
    dur_support: Months | None = Field(
        None, description="length of its support [month]; default behaviour.dur_support"
    )

    _check_practice = field_validator("practice")(_practice)


class MediationGroup(Targeted):
    """Job developers working the employer side for the job seekers they take on.

    A person in job search with a referent who is eligible takes a place while it is free:
    employers then drop prerequisites the job does not need and are more open to them, as with
    any mediation (seed 003, SEVE; seed 004 fiche 36).
    """

    n: int = Field(ge=0, le=MAX_STRUCTURES, description="number of teams")
    staff: NonNeg = Field(description="job developers per team [FTE]")
    caseload: float = Field(
        ge=0.0, le=1000.0, description="job seekers per job developer [person/FTE]"
    )


class HousingSupply(Strict):
    """Supply of ordinary housing for this public, and the rules of access to it."""

    social_housing_per_month: float = Field(
        ge=0.0, le=100_000.0, description="allocations [dwelling/month]"
    )
    housing_first_per_month: float = Field(
        ge=0.0,
        le=100_000.0,
        description="direct allocations with support under Logement d'abord [dwelling/month]",
    )
    dur_search_social: Months = Field(
        description="from the allocation of a social dwelling to moving in [month]"
    )
    dur_search_housing_first: Months = Field(
        description="from a Logement d'abord allocation to moving in (finding the dwelling) [month]"
    )
    dur_resources_required: Months = Field(
        description="months in a row the resources must meet the rent rule before a social "
        "housing allocation [month]"
    )
    rent_single: NonNeg = Field(
        description="rent and charges left to pay after the housing benefit, dwelling for a "
        "single adult [EUR/month]"
    )
    rent_family: NonNeg = Field(description="the same for a family dwelling [EUR/month]")
    max_effort_rate: float = Field(
        gt=0.0, le=1.0, description="highest share of the resources the rent may take [share]"
    )


class TerritorySpec(Strict):
    """Institutions of the territory and their capacities.

    Capacities (places, staff, posts, vacancies, allocations) are stated for
    ``reference_persons`` persons; a run with another ``run.persons`` scales them all in
    proportion, so that the number of persons changes the size of the territory, not its tension.
    """

    reference_persons: int = Field(
        ge=1, le=5_000_000, description="persons the capacities are stated for"
    )
    region_category: Literal["more_developed", "transition", "outermost"] = Field(
        description="EU cohesion-policy category of the region; sets the ESF+ rate"
    )
    shelters: dict[str, ShelterGroup] = Field(max_length=1000)
    france_travail: FranceTravailSpec
    staff: StaffSpec
    departement: DepartementSpec
    siae: dict[str, SiaeGroup] = Field(max_length=1000)
    low_threshold: LowThresholdSpec
    employers: dict[str, EmployerGroup] = Field(max_length=1000)
    vacancy_scale: float = Field(
        default=1.0,
        gt=0.0,
        le=100.0,
        description=(
            "multiplier of every employer group's vacancies: the level of the labour demand "
            "open to this public, the groups' values giving its mix across sectors [ratio]"
        ),
    )
    services: ServiceCapacity
    housing: HousingSupply
    service_groups: dict[str, ServiceGroup] = Field(
        default_factory=dict,
        max_length=1000,
        description="service and training places aimed at a public",
    )
    referent_groups: dict[str, ReferentGroup] = Field(
        default_factory=dict,
        max_length=1000,
        description="support teams beside shelters and France Travail",
    )
    mediation: dict[str, MediationGroup] = Field(
        default_factory=dict, max_length=1000, description="job developers working with employers"
    )
