"""Reading scenario files: YAML, ``extends`` merges, dotted-path overrides, validation.

A file may ``extends: other.yaml`` (relative to itself) and override only what changes:
mappings are merged key by key, lists are replaced whole. A file may also hold ``overrides:``, a
mapping of dotted paths to values applied once its own values are merged, where paths may use
wildcards and values multipliers (``territory.siae.*.posts: x2``, see
:mod:`sim.scenario.wildcards`). A missing or circular ``extends``, a file that is not YAML or not
a mapping, an unknown override path or an invalid value raise
:class:`~sim.scenario.errors.ScenarioError` naming the file and the field.

Overrides (a file's ``overrides:`` section, or those given to :func:`load_scenario`) apply to the
validated scenario with every default filled in, so that any field of the schema can be set by
its path, even one the file leaves at its default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import ScenarioError, validation_error
from sim.scenario.schema import Scenario
from sim.scenario.wildcards import expand_overrides

OVERRIDES_KEY = "overrides"


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
    policy = data.get("policy") if isinstance(data.get("policy"), dict) else {}
    for section, key in (
        ("funding", "parameters"),
        ("benefits", "parameters"),
        ("benefits", "table"),
    ):
        node = policy.get(section)
        if isinstance(node, dict) and isinstance(node.get(key), str):
            node[key] = str((path.parent / node[key]).resolve())
    parent = data.pop("extends", None)
    own_overrides = data.pop(OVERRIDES_KEY, None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(path, "extends", "must be the path of another scenario file")
        parent_path = (path.parent / parent).resolve()
        if parent_path in chain or parent_path == path.resolve():
            raise ScenarioError(path, "extends", f"circular extends through {parent_path}")
        base = _read_yaml(parent_path, (*chain, path.resolve()))
        data = deep_merge(base, data)
    if own_overrides is not None:
        if not isinstance(own_overrides, dict) or not all(
            isinstance(k, str) for k in own_overrides
        ):
            raise ScenarioError(
                path, OVERRIDES_KEY, "must map dotted parameter paths to values (path: value)"
            )
        data = _with_defaults(data, path)
        apply_overrides(data, own_overrides, path)
    return data


def _with_defaults(data: dict[str, Any], file: str | Path) -> dict[str, Any]:
    """The scenario data validated and dumped back, every default filled in."""
    return scenario_from_dict(data, file).model_dump()


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
    """Set values addressed by dotted paths (``run.persons``); an unknown path is an error.

    Paths may use the wildcard ``*`` and values may be multipliers ``xK`` of the current value
    (:func:`sim.scenario.wildcards.expand_overrides`); every concrete path is set in turn.
    """
    for path, value in expand_overrides(data, overrides, file):
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
        data = _with_defaults(data, path)
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
