"""Scenario files: schema, loading, ``extends`` and overrides, validation.

A scenario is a YAML file with four sections (DESIGN.md, decision 6): ``run`` (settings),
``population`` (who lives in the territory and their obstacles), ``territory`` (institutions,
their capacities and staff time), ``policy`` (practice profiles and mix, housing logic, funding
rules) and ``behaviour`` (the rates of the mechanisms). A file may ``extends: other.yaml`` and
override only what changes: mappings are merged key by key, lists are replaced whole.

Validation is strict (STYLE.md habit 4): an unknown key, a wrong type, a value out of range, shares
that do not add up or a missing ``extends`` file raise :class:`ScenarioError`, whose message names
the file, the field (as a dotted path) and what is allowed; every error of a file is listed, and
an unknown key comes with the nearest valid name. Files are read within stated limits (size,
depth, encoding, duplicate keys) by :mod:`~sim.scenario.reading`, which also says which folders a
scenario may reach. Units are given in each field's
description; sources are cited beside each value in the scenario files.

The schema has one module per section (:mod:`~sim.scenario.population`,
:mod:`~sim.scenario.territory`, :mod:`~sim.scenario.policy` with the practice profiles of
:mod:`~sim.scenario.practice`, :mod:`~sim.scenario.behaviour`),
built on :mod:`~sim.scenario.base` and put together in :mod:`~sim.scenario.schema`;
:mod:`~sim.scenario.loading` reads the files and :mod:`~sim.scenario.errors` holds the error.
Everything is imported from here: ``from sim.scenario import Scenario, load_scenario``.
"""

from sim.scenario.base import (
    MAX_CAPACITY,
    MAX_EUROS,
    MAX_STRUCTURES,
    SHARE_TOLERANCE,
    Count,
    Euros,
    Months,
    NonNeg,
    Prob,
    Shares,
    Strict,
    Structures,
    Weight,
    check_shares,
)
from sim.scenario.behaviour import Behaviour, Employability
from sim.scenario.errors import ScenarioError, validation_error
from sim.scenario.loading import (
    Source,
    apply_overrides,
    deep_merge,
    file_of,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
    source_of,
    with_source,
)
from sim.scenario.policy import (
    BenefitsSpec,
    Cofinancing,
    DutiesSpec,
    Funder,
    FundingSpec,
    MeasureRule,
    MeasureSpec,
    Modulation,
    PolicySpec,
)
from sim.scenario.population import (
    AgeShares,
    BenefitShares,
    HouseholdShares,
    HousingShares,
    ObstacleSpec,
    PopulationSpec,
    QualificationShares,
)
from sim.scenario.practice import (
    PracticeProfile,
    iterative_share,
    practice_shares,
)
from sim.scenario.reading import allow_dirs, allowing, read_yaml
from sim.scenario.schema import RunSettings, Scenario
from sim.scenario.territory import (
    ContractShares,
    DepartementSpec,
    EmployerGroup,
    FranceTravailSpec,
    HousingSupply,
    LowThresholdSpec,
    ServiceCapacity,
    ShelterGroup,
    SiaeGroup,
    StaffHours,
    StaffSpec,
    TerritorySpec,
)

__all__ = [
    "MAX_CAPACITY",
    "MAX_EUROS",
    "MAX_STRUCTURES",
    "SHARE_TOLERANCE",
    "AgeShares",
    "Behaviour",
    "BenefitShares",
    "BenefitsSpec",
    "Cofinancing",
    "ContractShares",
    "Count",
    "DepartementSpec",
    "DutiesSpec",
    "Employability",
    "Euros",
    "EmployerGroup",
    "FranceTravailSpec",
    "Funder",
    "FundingSpec",
    "HouseholdShares",
    "HousingShares",
    "HousingSupply",
    "LowThresholdSpec",
    "MeasureRule",
    "MeasureSpec",
    "Modulation",
    "Months",
    "NonNeg",
    "ObstacleSpec",
    "PolicySpec",
    "PopulationSpec",
    "Prob",
    "PracticeProfile",
    "QualificationShares",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "ServiceCapacity",
    "Shares",
    "ShelterGroup",
    "Source",
    "SiaeGroup",
    "StaffHours",
    "StaffSpec",
    "Strict",
    "Structures",
    "TerritorySpec",
    "Weight",
    "allow_dirs",
    "allowing",
    "apply_overrides",
    "check_shares",
    "deep_merge",
    "file_of",
    "iterative_share",
    "load_scenario",
    "practice_shares",
    "read_yaml",
    "scenario_from_dict",
    "scenario_to_dict",
    "source_of",
    "validation_error",
    "with_source",
]
