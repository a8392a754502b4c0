"""Dated parameters: funding and benefit rules with their values by date, unit and reference.

Parameters live in YAML files, in the spirit of OpenFisca's parameters: a tree whose leaves have
a ``description``, a ``unit``, a ``reference`` and ``values`` by start date. Two files ship:
``funding.yaml`` (unit costs and prices, :func:`funding_values`) and ``benefits.yaml`` (the rules
of the RSA, of its recipients' duties and of unemployment insurance, :func:`benefit_rules`).
:func:`values_at` gives, for each parameter (named by its dotted path, e.g. ``aide_au_poste.aci``),
the value in force at a date, with a scenario's overrides. Benefit amounts come from
OpenFisca-France through a table (:mod:`sim.parameters.benefit_table`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.scenario import ScenarioError

FUNDING_FILE = Path(__file__).with_name("funding.yaml")
BENEFITS_FILE = Path(__file__).with_name("benefits.yaml")
LEAF_KEYS = {"description", "unit", "reference", "values"}


@dataclass(frozen=True)
class Parameter:
    """One parameter: its values by start date, sorted."""

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[tuple[dt.date, float], ...]

    def at(self, date: dt.date, file: str | Path = FUNDING_FILE) -> float:
        """The value in force at ``date`` (the last one whose start is not after it)."""
        current = None
        for start, value in self.values:
            if start <= date:
                current = value
        if current is None:
            first = self.values[0][0]
            raise ScenarioError(
                file, self.name, f"no value in force on {date} (the first starts on {first})"
            )
        return current


def _leaves(node: Any, prefix: str, file: Path) -> dict[str, Parameter]:
    if not isinstance(node, dict):
        raise ScenarioError(file, prefix, "a parameter group must be a mapping")
    if "values" in node:
        missing = LEAF_KEYS - set(node)
        extra = set(node) - LEAF_KEYS
        if missing or extra:
            raise ScenarioError(
                file,
                prefix,
                f"a parameter has exactly {sorted(LEAF_KEYS)}; "
                f"missing {sorted(missing)}, unknown {sorted(extra)}",
            )
        values = node["values"]
        if not isinstance(values, dict) or not values:
            raise ScenarioError(file, f"{prefix}.values", "must map start dates to values")
        parsed = []
        for start, value in values.items():
            if not isinstance(start, dt.date):
                raise ScenarioError(file, f"{prefix}.values", f"{start!r} is not a date YYYY-MM-DD")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(file, f"{prefix}.values.{start}", f"{value!r} is not a number")
            parsed.append((start, float(value)))
        return {
            prefix: Parameter(
                prefix,
                str(node["description"]),
                str(node["unit"]),
                str(node["reference"]),
                tuple(sorted(parsed)),
            )
        }
    out: dict[str, Parameter] = {}
    for key, child in node.items():
        out.update(_leaves(child, f"{prefix}.{key}" if prefix else str(key), file))
    return out


def load_parameters(path: str | Path = FUNDING_FILE) -> dict[str, Parameter]:
    """Every parameter of a file, by dotted name."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(path, "", "parameter file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScenarioError(path, "", f"not valid YAML: {err}") from err
    return _leaves(data, "", path)


def funding_values(scenario, file: str | Path = "<scenario>") -> dict[str, float]:
    """The funding parameters of a scenario: in force at ``run.start``, with its overrides.

    Raises:
        ScenarioError: an unknown override, no value in force, or a modulated part of the aide
            au poste above the highest the rules allow.
    """
    funding = scenario.policy.funding
    path = funding.parameters or FUNDING_FILE
    values = values_at(scenario.run.start, funding.overrides, path, file, "policy.funding")
    highest = values["aide_au_poste.modulated_share_max"]
    if funding.modulation.share > highest:
        raise ScenarioError(
            file,
            "policy.funding.modulation.share",
            f"{funding.modulation.share} is above the highest modulated part in force "
            f"({highest}, parameter aide_au_poste.modulated_share_max)",
        )
    return values


def benefit_rules(scenario, file: str | Path = "<scenario>") -> dict[str, float]:
    """The benefit rules of a scenario: in force at ``run.start``, with its overrides.

    Raises:
        ScenarioError: an unknown override, no value in force, or a suspension the rules in
            force do not allow (a share below the lowest, a length above the longest).
    """
    spec = scenario.policy.benefits
    path = spec.parameters or BENEFITS_FILE
    values = values_at(scenario.run.start, spec.overrides, path, file, "policy.benefits")
    duties = scenario.policy.duties
    lowest = values["duties.suspension_share_min"]
    if duties.suspension_share < lowest:
        raise ScenarioError(
            file,
            "policy.duties.suspension_share",
            f"{duties.suspension_share} is below the lowest share in force on "
            f"{scenario.run.start} ({lowest}, parameter duties.suspension_share_min)",
        )
    longest = values["duties.suspension_months_max"]
    for name in ("dur_suspension_first", "dur_suspension_repeat"):
        if getattr(duties, name) > longest:
            raise ScenarioError(
                file,
                f"policy.duties.{name}",
                f"{getattr(duties, name)} months is above the longest suspension in force "
                f"({longest}, parameter duties.suspension_months_max)",
            )
    return values


def values_at(
    date: dt.date,
    overrides: dict[str, float] | None = None,
    path: str | Path = FUNDING_FILE,
    file: str | Path = "<scenario>",
    section: str = "policy.funding",
) -> dict[str, float]:
    """The value in force at ``date`` of every parameter, with ``overrides`` by name.

    ``section`` is where the scenario gives the file and its overrides (for error messages).
    """
    params = load_parameters(path)
    values = {name: p.at(date, path) for name, p in params.items()}
    for name, value in (overrides or {}).items():
        if name not in values:
            raise ScenarioError(
                file,
                f"{section}.overrides.{name}",
                f"unknown parameter of {Path(path).name}; known: {', '.join(sorted(values))}",
            )
        values[name] = float(value)
    return values
