"""Wildcards and multipliers in dotted-path overrides.

An override path may use ``*`` for any key of a mapping (or any item of a list), and a value may
be a multiplier ``xK`` of the current value (``x2``, ``x0.5``, ``x1.25``)::

    territory.siae.*.posts=x2          # doubles the posts of every SIAE group
    territory.employers.*.openness=0.5 # sets every employer group's openness

Each override expands to the concrete paths it matches, in the order of the scenario's keys; a
multiplier is applied to each matched value (an integer field stays an integer, rounded to the
nearest). A path that matches nothing, a key that does not exist, or a multiplier on a value
that is not a number is a :class:`~sim.scenario.errors.ScenarioError` naming the file and the
override. The concrete values are then validated like any other override.
"""

from __future__ import annotations

import re
from typing import Any

from sim.scenario.errors import ScenarioError, shown, suggestion

WILDCARD = "*"
MULTIPLIER = re.compile(r"^\s*[xX]\s*(\d+(?:\.\d*)?|\.\d+)\s*$")


def multiplier(value: Any) -> float | None:
    """The factor of a multiplier value (``"x2"`` -> 2.0), or None if it is not one."""
    if not isinstance(value, str):
        return None
    match = MULTIPLIER.match(value)
    return float(match.group(1)) if match else None


def _children(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [(str(k), v) for k, v in node.items()]
    if isinstance(node, list):
        return [(str(i), v) for i, v in enumerate(node)]
    return []


def _child(node: Any, key: str) -> tuple[bool, Any]:
    if isinstance(node, list) and key.isdigit() and int(key) < len(node):
        return True, node[int(key)]
    if isinstance(node, dict) and key in node:
        return True, node[key]
    return False, None


def expand_path(data: dict, path: str, file) -> list[str]:
    """The concrete dotted paths ``path`` names in ``data`` (itself if it has no wildcard).

    Raises:
        ScenarioError: a key that does not exist, or a wildcard that matches nothing.
    """
    keys = path.split(".")
    found: list[str] = []

    def walk(node: Any, i: int, prefix: list[str]) -> None:
        if i == len(keys):
            found.append(".".join(prefix))
            return
        key = keys[i]
        if key == WILDCARD:
            for name, child in _children(node):
                if i + 1 == len(keys) or _children(child):
                    walk(child, i + 1, [*prefix, name])
            return
        ok, child = _child(node, key)
        if ok:
            walk(child, i + 1, [*prefix, key])
        elif WILDCARD not in keys[:i]:
            where = ".".join(prefix) or "the scenario"
            known = [name for name, _ in _children(node)]
            raise ScenarioError(
                file,
                path,
                f"unknown parameter path ({shown(key)} not in {where}{suggestion(key, known)})",
            )

    walk(data, 0, [])
    if not found:
        raise ScenarioError(
            file, path, "the wildcard matches no parameter (no group has this field)"
        )
    return found


def value_of(data: dict, path: str) -> Any:
    """The value at a concrete dotted ``path`` (it must exist)."""
    node: Any = data
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def expand_overrides(data: dict, overrides: dict[str, Any], file) -> list[tuple[str, Any]]:
    """Concrete ``(path, value)`` pairs: wildcards expanded, multipliers applied to ``data``.

    Args:
        data: the scenario data the overrides apply to (read, not changed).
        overrides: values by dotted path; paths may hold ``*``, values may be ``xK``.
        file: the file named in errors.

    Raises:
        ScenarioError: an unknown path, a wildcard matching nothing, or a multiplier of a value
            that is not a number.
    """
    out = []
    for path, value in overrides.items():
        factor = multiplier(value)
        for concrete in expand_path(data, path, file):
            if factor is None:
                out.append((concrete, value))
                continue
            current = value_of(data, concrete)
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise ScenarioError(
                    file,
                    concrete,
                    f"a multiplier ({value}) applies to a number; the value here is {current!r}",
                )
            scaled = current * factor
            out.append((concrete, int(round(scaled)) if isinstance(current, int) else scaled))
    return out
