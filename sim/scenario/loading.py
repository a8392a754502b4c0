"""Reading scenario files: YAML, ``extends`` merges, dotted-path overrides, validation.

A file may ``extends: other.yaml`` (relative to itself) and override only what changes:
mappings are merged key by key, lists are replaced whole. A file may also hold ``overrides:``, a
mapping of dotted paths to values applied once its own values are merged, where paths may use
wildcards and values multipliers (``territory.siae.*.posts: x2``, see
:mod:`sim.scenario.wildcards`). A missing or circular ``extends``, a chain of more than
:data:`MAX_EXTENDS` files, a file that is not YAML or not a mapping, an unknown override path or
an invalid value raise :class:`~sim.scenario.errors.ScenarioError` naming the file and the
field. Files are read by :mod:`sim.scenario.reading` (its limits, and the folders an
``extends`` or a parameter file may reach).

Overrides (a file's ``overrides:`` section, or those given to :func:`load_scenario`) apply to the
validated scenario with every default filled in, so that any field of the schema can be set by
its path, even one the file leaves at its default.

Every field remembers the file that set it last: a defect in a parent file is reported against
the parent, one in the extending file against that file, and a value set on the command line
against the scenario file given (:class:`Source`, kept on the validated scenario).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.scenario.errors import ScenarioError, shown, suggestion, validation_error
from sim.scenario.reading import allowed_roots, check_reachable, read_yaml
from sim.scenario.wildcards import expand_overrides

if TYPE_CHECKING:  # the schema is loaded by validation only: overrides on plain data need none
    from sim.scenario.schema import Scenario

OVERRIDES_KEY = "overrides"
MAX_EXTENDS = 16
"""Longest chain of ``extends`` (a file, its parent, the parent's parent...)."""
SECTIONS = ("name", "description", "extends", "run", "population", "territory", "policy")
SECTIONS += ("behaviour", OVERRIDES_KEY)
PLAIN_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Source:
    """Where a scenario comes from: its file and, for each field, the file that set it."""

    file: str
    origins: dict[tuple[str, ...], str] = field(default_factory=dict)

    def file_of(self, loc: tuple | str) -> str:
        """The file that set the field at ``loc`` (a dotted path or a tuple of keys)."""
        keys = tuple(str(k) for k in (loc.split(".") if isinstance(loc, str) else loc))
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.origins:
                return self.origins[keys[:n]]
        return self.file


def source_of(scenario: Scenario) -> Source | None:
    """The :class:`Source` of a scenario loaded from a file (None if built otherwise)."""
    return getattr(scenario, "_source", None)


def file_of(scenario: Scenario, loc: tuple | str = "") -> str:
    """The file that set ``loc`` in ``scenario`` (``<scenario NAME>`` if it has no file)."""
    src = source_of(scenario)
    if src is None:
        return f"<scenario {scenario.name}>"
    return src.file_of(loc) if loc else src.file


def with_source(scenario: Scenario, source: Source | None) -> Scenario:
    """``scenario`` with its :class:`Source` set (returned for chaining)."""
    if source is not None:
        scenario._source = source
    return scenario


def _record(origins: dict, data: Any, file: str, prefix: tuple = ()) -> None:
    """Note ``file`` as the origin of every path in ``data``."""
    stack = [(data, prefix)]
    while stack:
        node, where = stack.pop()
        if where:
            origins[where] = file
        if isinstance(node, dict):
            stack.extend((v, (*where, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*where, str(i))) for i, v in enumerate(node))


def _shown_path(resolved: Path) -> Path:
    """A resolved path, relative to the working directory when it lies below it (for messages)."""
    try:
        return resolved.relative_to(Path.cwd())
    except ValueError:
        return resolved


def _check_top(path: Path, data: Any) -> None:
    """A scenario is a mapping of known sections; name nothing else a file holds."""
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of sections")
    keys = [str(k) for k in data]
    if keys and not any(k in SECTIONS for k in keys):
        raise ScenarioError(
            path, "", "not a scenario file: none of its keys is a section (" + ", ".join(SECTIONS)
            + ")"
        )  # fmt: skip
    for k in keys:
        if not PLAIN_KEY.match(k):
            raise ScenarioError(path, "", f"the key {shown(k)} is not a plain name")


def _read_yaml(
    path: Path,
    chain: tuple[Path, ...],
    roots: tuple[Path, ...],
    origins: dict,
    referrer: tuple[str | Path, str] | None = None,
) -> dict[str, Any]:
    data = read_yaml(path, referrer, "extends" if referrer else "file")
    _check_top(path, data)
    funding = (
        data.get("policy", {}).get("funding", {}) if isinstance(data.get("policy"), dict) else {}
    )
    if isinstance(funding, dict) and isinstance(funding.get("parameters"), str):
        target = path.parent / funding["parameters"]
        funding["parameters"] = str(  # absolute: tasks may run elsewhere (resume, Dask)
            check_reachable(target, roots, path, "policy.funding.parameters", "parameter file")
        )
    benefits = data["policy"].get("benefits") if isinstance(data.get("policy"), dict) else None
    for key, what in (("parameters", "parameter file"), ("table", "benefit table")):
        if isinstance(benefits, dict) and isinstance(benefits.get(key), str):
            target = path.parent / benefits[key]
            benefits[key] = str(
                check_reachable(target, roots, path, f"policy.benefits.{key}", what)
            )
    parent = data.pop("extends", None)
    own_overrides = data.pop(OVERRIDES_KEY, None)
    if parent is not None:
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(path, "extends", "must be the path of another scenario file")
        if len(chain) + 1 >= MAX_EXTENDS:
            raise ScenarioError(
                path, "extends", f"a chain of more than {MAX_EXTENDS} files extending each other"
            )
        parent_path = check_reachable(path.parent / parent, roots, path, "extends", "extends")
        me = path.resolve()
        if parent_path in chain or parent_path == me:
            raise ScenarioError(path, "extends", f"circular extends through {parent_path}")
        base = _read_yaml(_shown_path(parent_path), (*chain, me), roots, origins, (path, "extends"))
        _record(origins, data, str(path))
        data = deep_merge(base, data)
    else:
        _record(origins, data, str(path))
    if own_overrides is not None:
        if not isinstance(own_overrides, dict) or not all(
            isinstance(k, str) for k in own_overrides
        ):
            raise ScenarioError(
                path, OVERRIDES_KEY, "must map dotted parameter paths to values (path: value)"
            )
        data = _with_defaults(data, path, origins)
        _apply_recorded(data, own_overrides, path, origins)
    return data


def _with_defaults(data: dict[str, Any], file: str | Path, origins: dict) -> dict[str, Any]:
    """The scenario data validated and dumped back, every default filled in."""
    return scenario_from_dict(data, file, Source(str(file), origins)).model_dump()


def _apply_recorded(data: dict, overrides: dict, file: Path, origins: dict) -> None:
    """Apply ``overrides`` and note ``file`` as the origin of every path they set."""
    concrete = expand_overrides(data, overrides, file)
    apply_overrides(data, overrides, file)
    for key, value in concrete:
        _record(origins, value, str(file), tuple(str(key).split(".")))


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
        keys = str(path).split(".")
        for i, key in enumerate(keys):
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                key = int(key)
            elif not isinstance(node, dict) or key not in node:
                where = ".".join(keys[:i]) or "the scenario"
                known = list(node) if isinstance(node, dict) else []
                raise ScenarioError(
                    file,
                    path,
                    f"unknown parameter path ({shown(key)} not in {where}{suggestion(key, known)})",
                )
            if i == len(keys) - 1:
                node[key] = value
            else:
                node = node[key]


def load_scenario(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    allow: Iterable[str | Path] = (),
) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: values to set before validation, by dotted path (``{"run.seed": 3}``).
        allow: further folders its ``extends`` and parameter file may reach (see
            :mod:`sim.scenario.reading`).

    Returns:
        The validated, frozen scenario (its :class:`Source` attached).

    Raises:
        ScenarioError: naming the file, the field and what is allowed.
    """
    path = Path(path)
    origins: dict[tuple[str, ...], str] = {}
    data = _read_yaml(path, (), allowed_roots(path, allow), origins)
    if overrides:
        data = _with_defaults(data, path, origins)
        _apply_recorded(data, overrides, path, origins)
    return scenario_from_dict(data, path, Source(str(path), origins))


def scenario_from_dict(
    data: dict[str, Any], file: str | Path = "<scenario>", source: Source | None = None
) -> Scenario:
    """Validate an already merged scenario mapping.

    Args:
        data: the scenario as plain data.
        file: the file named by errors.
        source: where each field comes from (errors then name the file that set the field).
    """
    from pydantic import ValidationError

    from sim.scenario.schema import Scenario

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        origin = source.file_of if source is not None else None
        raise validation_error(Path(file), err, Scenario, origin) from None
    return with_source(scenario, source)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain data (for the manifest and for ``extends`` merges)."""
    return scenario.model_dump(mode="json")
