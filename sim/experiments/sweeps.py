"""Sweep designs over scenario parameters addressed by their dotted path.

A full factorial grid (``--set PATH=V1,V2,...``, values parsed as YAML scalars) or a Latin
hypercube sample (``--lhs N --range PATH=LOW:HIGH``, :class:`scipy.stats.qmc.LatinHypercube`,
seeded from the experiment's seed). Each design point is a mapping ``{path: value}`` applied to
the scenario before validation; :func:`validate_points` checks every point before anything runs.
Paths may use the wildcard ``*`` and grid values may be multipliers of the scenario's value
(``--set 'territory.siae.*.posts=x1,x2'``): see :mod:`sim.scenario.wildcards`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import yaml
from scipy.stats import qmc

from sim.scenario import Scenario, ScenarioError, apply_overrides, scenario_from_dict


def parse_set(spec: str) -> tuple[str, list[Any]]:
    """``PATH=V1,V2`` -> (path, [values]); values are read as YAML scalars (0.5, true, aci)."""
    path, sep, values = spec.partition("=")
    if not sep or not path or not values:
        raise ScenarioError(
            "--set", spec, "expected PATH=V1,V2,... (e.g. policy.housing_first=true,false)"
        )
    parsed = []
    for v in values.split(","):
        try:
            parsed.append(yaml.safe_load(v))
        except yaml.YAMLError:
            raise ScenarioError("--set", spec, f"{v!r} is not a value") from None
    return path.strip(), parsed


def parse_override(spec: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value); the value is read as one YAML scalar (``x2``, 0.5, true)."""
    path, sep, value = spec.partition("=")
    if not sep or not path.strip() or not value.strip():
        raise ScenarioError("--set", spec, "expected PATH=VALUE (e.g. 'territory.siae.*.posts=x2')")
    return path.strip(), yaml.safe_load(value)


def parse_range(spec: str) -> tuple[str, float, float]:
    """``PATH=LOW:HIGH`` -> (path, low, high)."""
    path, sep, bounds = spec.partition("=")
    low, colon, high = bounds.partition(":")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        lo = hi = float("nan")
    if not sep or not colon or not path or not np.isfinite(lo) or not np.isfinite(hi) or lo > hi:
        raise ScenarioError("--range", spec, "expected PATH=LOW:HIGH with numbers, LOW <= HIGH")
    return path.strip(), lo, hi


def grid_size(sets: list[tuple[str, list[Any]]]) -> int:
    """Points of the full factorial grid of ``sets`` (without building it)."""
    return math.prod(len(v) for _, v in sets)


def grid(sets: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """Every combination of the values of each path (a full factorial design)."""
    paths = [p for p, _ in sets]
    return [
        dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in sets))
    ]


def latin_hypercube(
    ranges: list[tuple[str, float, float]], n: int, seed: int, base: Scenario
) -> list[dict[str, Any]]:
    """``n`` points of a Latin hypercube over the ranges; integer parameters are rounded."""
    sample = qmc.LatinHypercube(d=len(ranges), seed=np.random.default_rng(seed)).random(n)
    data = base.model_dump()
    points = []
    for row in sample:
        point = {}
        for (path, low, high), u in zip(ranges, row, strict=True):
            value = float(low + u * (high - low))
            current = value_at(data, path)
            is_int = isinstance(current, int) and not isinstance(current, bool)
            point[path] = int(round(value)) if is_int else value
        points.append(point)
    return points


def value_at(data: dict, path: str) -> Any:
    """The value at a dotted ``path`` of nested scenario data, or None if there is none.

    A wildcard ``*`` follows the first key that has the rest of the path.
    """
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys):
        if key == "*":
            children = node.values() if isinstance(node, dict) else node
            if not isinstance(children, list) and not isinstance(node, dict):
                return None
            for child in children:
                found = value_at(child, ".".join(keys[i + 1 :])) if i + 1 < len(keys) else child
                if found is not None:
                    return found
            return None
        node = (
            node[int(key)]
            if isinstance(node, list) and key.isdigit() and int(key) < len(node)
            else node.get(key)
            if isinstance(node, dict)
            else None
        )
        if node is None:
            return None
    return node


def apply_point(base: Scenario, point: dict[str, Any], file: str = "<sweep>") -> Scenario:
    """The scenario with one design point's values set, validated."""
    data = base.model_dump()
    apply_overrides(data, point, file)
    return scenario_from_dict(data, file)


def validate_points(base: Scenario, points: list[dict[str, Any]], file: str) -> list[Scenario]:
    """Every point's scenario, validated; the first invalid one raises naming its path."""
    return [apply_point(base, p, file) for p in points]
