"""Scenario files: schema, loading, ``extends`` and overrides, validation.

A scenario is a YAML file with four sections (DESIGN.md, decision 6): ``run`` (settings),
``population`` (who lives in the territory and their obstacles), ``territory`` (institutions and
their capacities), ``policy`` (practice mix, housing logic, readiness gates, funding rules) and
``behaviour`` (the rates of the mechanisms). A file may ``extends: other.yaml`` and override only
what changes: mappings are merged key by key, lists are replaced whole.

Validation is strict (STYLE.md habit 4): an unknown key, a wrong type, a value out of range, shares
that do not add up or a missing ``extends`` file raise :class:`ScenarioError`, whose message names
the file, the field (as a dotted path) and what is allowed. Units are given in each field's
description; sources are cited beside each value in the scenario files.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.states import OBSTACLES
from sim.submodels.funding import PROGRAMMES

SHARE_TOLERANCE = 1e-6

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Count = Annotated[int, Field(ge=0)]
Months = Annotated[float, Field(ge=0.0, le=600.0)]


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the file, the field and the rule."""

    def __init__(self, file: str | Path, field: str, message: str):
        """Build the error from the file, the dotted field path and what is allowed."""
        self.file = str(file)
        self.field = field
        self.message = message
        where = f"{self.file}: {field}: " if field else f"{self.file}: "
        super().__init__(where + message)

    def __reduce__(self):
        """Pickle with the three fields (errors travel back from worker processes)."""
        return (type(self), (self.file, self.field, self.message))


class Strict(BaseModel):
    """Base of every schema block: frozen, unknown keys refused, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} shares must add up to 1 (they add up to {total:.6g})")


class Shares(Strict):
    """Base for a set of shares that must add up to 1."""

    @model_validator(mode="after")
    def _adds_up(self):
        _check_shares(self.model_dump(), "the")
        return self


# --------------------------------------------------------------------------- run settings
class RunSettings(Strict):
    """Run settings."""

    months: int = Field(ge=1, le=600, description="simulated months [month]")
    persons: int = Field(ge=1, le=5_000_000, description="persons present at start [person]")
    seed: int = Field(ge=0, description="seed of numpy.random.SeedSequence")
    start: dt.date = Field(strict=False, description="calendar date of month 0 (YYYY-MM-DD)")
    person_views: bool = Field(description="create one mesa.Agent view per person")
    check_invariants: bool = Field(description="check invariants after every step")


# --------------------------------------------------------------------------- population
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

    arrivals_per_month: NonNeg = Field(description="new entrants per month [share of persons]")
    p_leave: Prob = Field(description="probability of leaving the territory [per month]")
    age: AgeShares
    share_women: Prob
    household: HouseholdShares
    p_child_under_3: Prob = Field(description="share of parents with a child under 3 [share]")
    benefit: BenefitShares
    share_refugee: Prob
    share_rqth: Prob
    share_justice: Prob
    share_qpv: Prob
    share_ase_among_young: Prob
    housing: HousingShares
    qualification: QualificationShares
    mean_months_without_work: NonNeg = Field(description="mean time out of work [month]")
    mean_experience: NonNeg = Field(description="mean work experience [month]")
    confidence_mean: Prob
    p_wish_to_work: Prob
    obstacles: dict[str, ObstacleSpec]

    @model_validator(mode="after")
    def _all_obstacles(self):
        missing = [k for k in OBSTACLES if k not in self.obstacles]
        unknown = [k for k in self.obstacles if k not in OBSTACLES]
        if missing or unknown:
            raise ValueError(
                f"obstacles must list exactly {', '.join(OBSTACLES)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        return self


# --------------------------------------------------------------------------- territory
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


# --------------------------------------------------------------------------- policy
class ReadinessGate(Strict):
    """Gates a linear referent applies before job search (seed 003, section 2)."""

    max_severity: int = Field(ge=0, le=3, description="highest obstacle allowed to move on")
    min_confidence: Prob


Funder = Literal["state", "departement", "esf", "france_travail", "other"]


class Cofinancing(Strict):
    """Shares of a programme's cost paid by each funder [share].

    Either explicit shares that add up to 1, or ``esf_with: FUNDER``: the ESF pays its
    co-financing rate (parameter ``esf.cofinancing_rate``, seed 001) and FUNDER the rest.
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
        _check_shares(shares, "co-financing")
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
    overrides: dict[str, float] = Field(default_factory=dict)
    modulation: Modulation
    measure: MeasureRule
    cofinancing: dict[str, Cofinancing]

    @model_validator(mode="after")
    def _every_programme_financed(self):
        missing = [p for p in PROGRAMMES if p not in self.cofinancing]
        unknown = [p for p in self.cofinancing if p not in PROGRAMMES]
        if missing or unknown:
            raise ValueError(
                "cofinancing must give the funders' shares of every programme"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (
                    f"; unknown: {', '.join(unknown)} (allowed: {', '.join(PROGRAMMES)})"
                    if unknown
                    else ""
                )
            )
        return self


class PolicySpec(Strict):
    """Policy levers."""

    practice_override: Prob | None = Field(
        None, description="if set, every structure's degree of iterative practice"
    )
    housing_first: bool = Field(description="Logement d'abord instead of the staircase")
    readiness: ReadinessGate
    funding: FundingSpec
    budget: dict[str, dict[Funder, NonNeg]] | None = Field(
        None,
        description="yearly envelopes by programme and funder [EUR/year]; the programme's "
        "capacity follows from budget / unit cost (see sim/budget.py)",
    )
    extra_budget: dict[str, NonNeg] = Field(
        default_factory=dict,
        description="extra yearly euros by programme, adding capacity [EUR/year]",
    )


# --------------------------------------------------------------------------- behaviour
class Employability(Strict):
    """Weights of the employability score used by employers and SIAE (logit scale)."""

    intercept: float
    qualification: float
    experience_per_year: float
    years_without_work: float
    confidence: float
    obstacle: dict[str, float] = Field(description="weight per severity level, by obstacle")

    @model_validator(mode="after")
    def _known_obstacles(self):
        unknown = [k for k in self.obstacle if k not in OBSTACLES]
        if unknown:
            raise ValueError(f"unknown obstacles {unknown}; allowed: {', '.join(OBSTACLES)}")
        return self


class Behaviour(Strict):
    """Rates and durations of the mechanisms (calibrated; see docs/ODD.md)."""

    p_orientation_rsa: Prob = Field(description="[per month]")
    p_orientation_other: Prob = Field(description="[per month]")
    p_search_alone: Prob = Field(description="application without support [per month]")
    p_apply: Prob = Field(description="application while in job search [per month]")
    p_immersion: Prob = Field(description="PMSMP immersion while in job search [per month]")
    p_immersion_hire: Prob = Field(description="hire after an immersion [per immersion]")
    dur_diagnostic: Months
    dur_resocialisation: Months
    dur_project: Months
    dur_training: Months
    dur_support: Months = Field(description="support measure length, renewals included")
    dur_in_job_support: Months
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
    p_place_refilled: Prob = Field(
        description="a free shelter place is offered to a new person within the month [per month]"
    )
    p_renewal: Prob = Field(
        description="an ordinary fixed-term contract due to end is renewed, or followed by the "
        "next contract or mission with the same employer [share]"
    )
    rel_break_per_severity: NonNeg = Field(description="added per severity level [ratio]")
    rel_break_in_job_support: NonNeg = Field(description="multiplier with in-job support")
    siae_floor_screening: float = Field(description="employability floor, screening SIAE")
    siae_floor_performance: float = Field(description="employability floor, performance SIAE")
    siae_cip_caseload: NonNeg = Field(description="SIAE employees one insertion officer follows")
    siae_search_months: Months = Field(description="job search in the last months of a CDDI")
    rel_search_employment_referent: NonNeg
    rel_search_insertion_officers: NonNeg
    mediation_openness_gain: Prob = Field(
        description="share of an employer's reluctance that mediation removes"
    )
    p_incapacity: Prob = Field(description="AAH/ESAT route at health severity 3 [per month]")
    p_shelter_request: Prob = Field(description="a street person asks the SIAO [per month]")
    p_move_on: Prob = Field(description="staircase step to the next shelter kind [per month]")
    p_housing_loss: Prob = Field(description="ordinary housing lost without income [per month]")


class Scenario(Strict):
    """A whole scenario, validated."""

    name: str
    description: str = ""
    run: RunSettings
    population: PopulationSpec
    territory: TerritorySpec
    policy: PolicySpec
    behaviour: Behaviour

    def practice_of(self, practice: float) -> float:
        """Degree of iterative practice of a structure, after the policy override."""
        override = self.policy.practice_override
        return practice if override is None else override


# --------------------------------------------------------------------------- loading
def _read_yaml(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    if not path.exists():
        origin = chain[-1] if chain else path
        raise ScenarioError(origin, "extends" if chain else "", f"file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScenarioError(path, "", f"not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of sections")
    funding = (
        data.get("policy", {}).get("funding", {}) if isinstance(data.get("policy"), dict) else {}
    )
    if isinstance(funding, dict) and isinstance(funding.get("parameters"), str):
        funding["parameters"] = str((path.parent / funding["parameters"]).resolve())
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "must be the path of another scenario file")
    parent_path = (path.parent / parent).resolve()
    if parent_path in chain or parent_path == path.resolve():
        raise ScenarioError(path, "extends", f"circular extends through {parent_path}")
    base = _read_yaml(parent_path, (*chain, path.resolve()))
    return deep_merge(base, data)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``: mappings key by key, other values replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], file: str | Path) -> None:
    """Set values addressed by dotted paths (``run.persons``); an unknown path is an error."""
    for path, value in overrides.items():
        node: Any = data
        keys = path.split(".")
        for i, key in enumerate(keys):
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                key = int(key)
            elif not isinstance(node, dict) or key not in node:
                where = ".".join(keys[:i]) or "the scenario"
                raise ScenarioError(file, path, f"unknown parameter path ({key!r} not in {where})")
            if i == len(keys) - 1:
                node[key] = value
            else:
                node = node[key]


def validation_error(file: Path, err: ValidationError) -> ScenarioError:
    """A pydantic validation error as a :class:`ScenarioError` naming the file and first field."""
    first = err.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "required field is missing"
    if first.get("input") is not None and first["type"] not in ("missing", "extra_forbidden"):
        if not isinstance(first["input"], dict | list):
            msg += f" (got {first['input']!r})"
    extra = len(err.errors()) - 1
    if extra:
        msg += f" [and {extra} more error{'s' if extra > 1 else ''}]"
    return ScenarioError(file, field, msg)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: values to set before validation, by dotted path (``{"run.seed": 3}``).

    Returns:
        The validated, frozen scenario.

    Raises:
        ScenarioError: naming the file, the field and what is allowed.
    """
    path = Path(path)
    data = _read_yaml(path, ())
    if overrides:
        apply_overrides(data, overrides, path)
    return scenario_from_dict(data, path)


def scenario_from_dict(data: dict[str, Any], file: str | Path = "<scenario>") -> Scenario:
    """Validate an already merged scenario mapping."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise validation_error(Path(file), err) from None


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain data (for the manifest and for ``extends`` merges)."""
    return scenario.model_dump(mode="json")
