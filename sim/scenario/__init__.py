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
Everything is imported from here: ``from sim.scenario import Scenario, load_scenario``. Each name
is imported from its module when first asked for (PEP 562), so that ``from sim.scenario import
ScenarioError`` does not load the schema (pydantic models) for a command that only catches it.
"""

from __future__ import annotations

import importlib

_MODULES = {
    "base": (
        "MAX_CAPACITY",
        "MAX_EUROS",
        "MAX_STRUCTURES",
        "SHARE_TOLERANCE",
        "Count",
        "Euros",
        "Months",
        "NonNeg",
        "Prob",
        "Shares",
        "Strict",
        "Structures",
        "Weight",
        "check_shares",
    ),
    "behaviour": (
        "Behaviour",
        "Employability",
    ),
    "errors": (
        "ScenarioError",
        "validation_error",
    ),
    "loading": (
        "Source",
        "apply_overrides",
        "deep_merge",
        "file_of",
        "load_scenario",
        "scenario_from_dict",
        "scenario_to_dict",
        "source_of",
        "with_source",
    ),
    "policy": (
        "BenefitsSpec",
        "Cofinancing",
        "DutiesSpec",
        "Funder",
        "FundingSpec",
        "MeasureRule",
        "MeasureSpec",
        "Modulation",
        "PolicySpec",
    ),
    "population": (
        "AgeShares",
        "BenefitShares",
        "HouseholdShares",
        "HousingShares",
        "ObstacleSpec",
        "PopulationSpec",
        "QualificationShares",
    ),
    "practice": (
        "PracticeProfile",
        "iterative_share",
        "practice_shares",
    ),
    "reading": (
        "allow_dirs",
        "allowing",
        "read_yaml",
    ),
    "schema": (
        "RunSettings",
        "Scenario",
    ),
    "territory": (
        "ContractShares",
        "DepartementSpec",
        "EmployerGroup",
        "FranceTravailSpec",
        "HousingSupply",
        "LowThresholdSpec",
        "ServiceCapacity",
        "ShelterGroup",
        "SiaeGroup",
        "StaffHours",
        "StaffSpec",
        "TerritorySpec",
    ),
}
"""Each module of this package and the names it exports from here."""

_WHERE = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """``name`` from its module, imported on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's own names and every name it exports."""
    return sorted({*globals(), *_WHERE})
