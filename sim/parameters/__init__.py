"""Dated parameters: funding and benefit rules with their values by date, unit and reference.

Parameters live in YAML files, in the spirit of OpenFisca's parameters: a tree whose leaves have
a ``description``, a ``unit``, a ``reference`` and ``values`` by start date. Two files ship:
``funding.yaml`` (unit costs and prices, :func:`funding_values`) and ``benefits.yaml`` (the rules
of the RSA, of its recipients' duties and of unemployment insurance, :func:`benefit_rules`).
:func:`values_at` gives, for each parameter (named by its dotted path, e.g. ``aide_au_poste.aci``),
the value in force at a date, with a scenario's overrides. Benefit amounts come from
OpenFisca-France through a table (:mod:`sim.parameters.benefit_table`).

A parameter file is read within the limits of :mod:`sim.scenario.reading`; its start dates are
``YYYY-MM-DD``, its values finite numbers between 0 and :data:`MAX_VALUE`, and a file other than
a shipped one must define every parameter the shipped one of its kind defines (the model uses
them all). A date with no value in force is reported against ``run.start``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError, file_of, read_yaml
from sim.scenario.errors import shown, unknown_names

FUNDING_FILE = Path(__file__).with_name("funding.yaml")
BENEFITS_FILE = Path(__file__).with_name("benefits.yaml")
LEAF_KEYS = {"description", "unit", "reference", "values"}
MAX_VALUE = 1e9
"""Largest value of a parameter (euros, hours, shares)."""
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Parameter:
    """One parameter: its values by start date, sorted."""

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[tuple[dt.date, float], ...]

    def at(
        self, date: dt.date, file: str | Path = "<scenario>", path: str | Path = FUNDING_FILE
    ) -> float:
        """The value in force at ``date`` (the last one whose start is not after it).

        Raises:
            ScenarioError: on ``file: run.start`` when no value is in force at ``date``.
        """
        current = None
        for start, value in self.values:
            if start <= date:
                current = value
        if current is None:
            first = self.values[0][0]
            raise ScenarioError(
                file,
                "run.start",
                f"no value of the funding parameter {self.name} is in force on {date} (in "
                f"{path}, the first starts on {first}); start on {first} or later",
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
            date = _date(start)
            if date is None:
                raise ScenarioError(
                    file, f"{prefix}.values", f"{shown(start)} is not a date YYYY-MM-DD"
                )
            where = f"{prefix}.values.{start}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(file, where, f"{shown(value)} is not a number")
            if not (math.isfinite(value) and 0 <= value <= MAX_VALUE):
                raise ScenarioError(
                    file, where, f"{value} is not a number between 0 and {MAX_VALUE:g}"
                )
            parsed.append((date, float(value)))
        return {
            prefix: Parameter(
                prefix,
                str(node["description"]),
                str(node["unit"]),
                str(node["reference"]),
                tuple(sorted(parsed)),
            )
        }
    if not node:
        raise ScenarioError(file, prefix, "an empty parameter group")
    out: dict[str, Parameter] = {}
    for key, child in node.items():
        out.update(_leaves(child, f"{prefix}.{key}" if prefix else str(key), file))
    return out


def _date(text) -> dt.date | None:
    if not isinstance(text, str) or not DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def load_parameters(
    path: str | Path = FUNDING_FILE,
    referrer: tuple[str | Path, str] | None = None,
    shipped: Path = FUNDING_FILE,
) -> dict[str, Parameter]:
    """Every parameter of a file, by dotted name.

    Args:
        path: the parameter file.
        referrer: ``(scenario file, field)`` naming it: named by the error if the file cannot be
            read at all.
        shipped: the shipped file of the same kind (funding or benefits), whose every parameter
            another file must define.

    Raises:
        ScenarioError: the file cannot be read, is not a tree of parameters, or lacks one the
            model needs.
    """
    path = Path(path)
    try:
        info = path.stat()
    except OSError:
        info = None
    if info is not None and path.is_file():
        key = (str(path.resolve()), info.st_mtime_ns, info.st_size)
        if key in _CACHE:
            return dict(_CACHE[key])
    data = read_yaml(path, referrer, "parameter file")
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a parameter file is a YAML mapping of parameters")
    params = _leaves(data, "", path)
    if Path(path).resolve() not in (FUNDING_FILE.resolve(), BENEFITS_FILE.resolve()):
        missing = sorted(set(_shipped(shipped)) - set(params))
        if missing:
            raise ScenarioError(
                path,
                missing[0],
                f"missing parameter (every parameter of {shipped.name} is needed; "
                f"{len(missing)} missing: {', '.join(missing[:5])}"
                + (", ..." if len(missing) > 5 else "")
                + ")",
            )
    if info is not None and path.is_file():
        _CACHE[(str(path.resolve()), info.st_mtime_ns, info.st_size)] = dict(params)
        while len(_CACHE) > 16:
            _CACHE.pop(next(iter(_CACHE)))
    return params


_CACHE: dict[tuple, dict[str, Parameter]] = {}
"""Parameter files already read, by path, modification time and size (a run reads its file
several times: checks, budgets, each task)."""


@functools.cache
def _shipped(path: Path) -> dict[str, Parameter]:
    return load_parameters(path, shipped=path)


def funding_values(scenario, file: str | Path | None = None) -> dict[str, float]:
    """The funding parameters of a scenario: in force at ``run.start``, with its overrides.

    Args:
        scenario: a validated scenario.
        file: the file errors name; by default, the file that set the field at fault.

    Raises:
        ScenarioError: an unreadable parameter file, an unknown override, no value in force at
            ``run.start``, or a modulated part of the aide au poste above the highest the rules
            allow.
    """

    def named(field: str) -> str:
        return str(file) if file is not None else file_of(scenario, field)

    funding = scenario.policy.funding
    path = funding.parameters or FUNDING_FILE
    params = load_parameters(
        path, (named("policy.funding.parameters"), "policy.funding.parameters")
    )
    start, start_file = scenario.run.start, named("run.start")
    values = {name: p.at(start, start_file, path) for name, p in params.items()}
    for name, value in funding.overrides.items():
        if name not in values:
            raise ScenarioError(
                named(f"policy.funding.overrides.{name}"),
                f"policy.funding.overrides.{name}",
                f"unknown funding parameter {unknown_names([name], list(values))}; known: "
                + ", ".join(sorted(values)),
            )
        values[name] = float(value)
    highest = values["aide_au_poste.modulated_share_max"]
    if funding.modulation.share > highest:
        raise ScenarioError(
            named("policy.funding.modulation.share"),
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
    shipped = BENEFITS_FILE if section == "policy.benefits" else FUNDING_FILE
    params = load_parameters(path, (file, f"{section}.parameters"), shipped)
    values = {name: p.at(date, file, path) for name, p in params.items()}
    for name, value in (overrides or {}).items():
        if name not in values:
            raise ScenarioError(
                file,
                f"{section}.overrides.{name}",
                f"unknown parameter of {Path(path).name}; known: {', '.join(sorted(values))}",
            )
        values[name] = float(value)
    return values
