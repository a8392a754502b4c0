"""Why scenario B differs from scenario A: Shapley values of the changes, on common seeds.

``parcours explain A.yaml B.yaml`` takes the fields in which the two resolved scenarios differ
(after ``extends``, as dotted paths; the ``run`` settings, ``name`` and ``description`` are not
changes: every run uses A's run settings), optionally gathered into groups, and attributes the
difference B - A of every indicator, for every public, to each field or group.

**Players and coalitions.** The k fields or groups are the players. A coalition S is scenario A
with the fields of S set to B's values; the empty coalition is A, the full one is B. A field is a
leaf of the resolved scenario: mappings are compared key by key, lists and values as a whole; a
key that only one of the two scenarios holds (a group of structures, a funding override) is a
field of its own (added or removed). Groups: ``--group NAME=PATH,PATH`` gathers every differing
field at or under the paths into one player; by default, the fields under one key of a practice
profile (``...practices.<profile>.<key>.*``, e.g. the readiness gate of every obstacle) form one
group named after that key (``--by-field`` keeps them apart). Every coalition must be a valid
scenario: fields that only make sense together (shares that must add up to 1) must be grouped.

**Shapley values.** The contribution of player j is its marginal effect averaged over the orders
in which the changes can be made, ``phi_j = sum over S not holding j of |S|! (k - |S| - 1)! / k!
(v(S + j) - v(S))``, where v(S) is the indicator in coalition S. The values are linear in v, so
they are computed replication by replication, on the coalitions' common seeds (replication r of
every coalition runs with the same child seed), and summarised across replications: the mean and
the 95% confidence interval of the per-replication contributions (Student's t,
:func:`sim.experiments.summaries.mean_ci`). They add up to the paired difference B - A in every
replication (efficiency), hence also in the mean.

- **Exact** (k <= :data:`MAX_EXACT` fields, or ``method="exact"`` up to :data:`EXACT_LIMIT`):
  all 2^k coalitions run, ``2^k x replications`` runs.
- **Sampled permutations** (more fields, or ``method="sampled"``): each replication draws its
  own ``permutations`` random orders of the players (seeded from the scenario seed and the
  replication) and averages the marginal effects along them (Castro, Gomez & Tejada 2009,
  "Polynomial calculation of the Shapley value based on sampling", Computers & Operations
  Research 36(5)). Each replication needs the coalitions on its orders' paths, at most
  ``permutations x (k - 1) + 2``. Because the orders differ between replications, the
  confidence interval across replications covers the sampling of the orders as well as the
  model's noise. Efficiency still holds exactly (the marginal effects along one order add up
  to v(B) - v(A)).

The coalitions run through the experiments runner as the points of one experiment of kind
``explain`` (``workers``, ``backend``, ``scheduler`` and ``parcours resume`` apply). When they are
done, :func:`write_outputs` writes ``explain.parquet``: one row per indicator, public and field
(or group) with ``contribution``, ``ci_low``, ``ci_high`` and ``n`` (replications used), plus one
row per indicator and public whose field is ``total``: the paired difference B - A. A replication
in which some coalition leaves an indicator undefined (NaN) is left out of that indicator's rows,
total included. Only the runs of A and B keep their monthly, ledger and cohort tables in the
assembled run (every coalition's are in its task directory).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.execution import execute, resolve, start_experiment
from sim.experiments.summaries import mean_ci
from sim.outcomes import INDICATORS
from sim.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict

MAX_EXACT = 8
"""Above this many fields or groups, ``method="auto"`` samples permutations."""
EXACT_LIMIT = 12
"""The most fields or groups an exact decomposition accepts (2^12 = 4,096 coalitions)."""
DEFAULT_PERMUTATIONS = 32
"""Orders drawn per replication by the sampled method (about as many coalitions as 2^8)."""
DEFAULT_REPLICATIONS = 5
METHODS = ("auto", "exact", "sampled")
TOTAL = "total"
PROFILES = "practices"
"""The key of the practice profiles: fields under one key of a profile are grouped by default."""
NOT_CHANGES = ("name", "description", "run")
"""Top-level keys that are not policy changes (every run takes A's run settings)."""
PERMUTATION_STREAM = 2**31 - 1
"""Spawn key of the orders' generator (replication seeds use ``(r,)``; this never collides)."""
_ABSENT = "<absent>"


# ----------------------------------------------------------------------------- changes
@dataclass(frozen=True)
class Change:
    """One field in which A and B differ.

    Attributes:
        keys: the keys leading to the field in the resolved scenario (a key may hold a dot, as
            the names of funding overrides do: ``place_per_month.tapaj``).
        a: its value in A (``None`` when A does not hold the key).
        b: its value in B (``None`` when B does not hold the key).
        kind: ``"changed"``, ``"added"`` (only B holds the key) or ``"removed"`` (only A does).
    """

    keys: tuple[str, ...]
    a: Any
    b: Any
    kind: str = "changed"

    @property
    def path(self) -> str:
        """The field's dotted path."""
        return ".".join(self.keys)

    @property
    def set_path(self) -> str:
        """The dotted path a coalition's overrides set.

        The field itself, or the mapping holding it when the key is added or removed, or when
        a key on the way holds a dot (a dotted path cannot address it).
        """
        dotted = [i for i, key in enumerate(self.keys) if "." in key]
        end = len(self.keys) if self.kind == "changed" else len(self.keys) - 1
        return ".".join(self.keys[: min([end, *dotted])])

    def describe(self, width: int = 60) -> str:
        """``path: A -> B``, values shortened to ``width`` characters."""
        a = _ABSENT if self.kind == "added" else _short(self.a, width)
        b = _ABSENT if self.kind == "removed" else _short(self.b, width)
        return f"{self.path}: {a} -> {b}"

    def to_dict(self) -> dict:
        """Plain data for the manifest."""
        return {"path": self.path, "keys": list(self.keys), "a": self.a, "b": self.b,
                "kind": self.kind}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        """The change recorded in a manifest."""
        return cls(tuple(data["keys"]), data["a"], data["b"], data["kind"])


@dataclass(frozen=True)
class Player:
    """A field or a group of fields whose contribution is measured (a Shapley player).

    Attributes:
        name: the field's path, or the group's name.
        changes: the fields that change together.
    """

    name: str
    changes: tuple[Change, ...]

    def to_dict(self) -> dict:
        """Plain data for the manifest."""
        return {"name": self.name, "changes": [c.to_dict() for c in self.changes]}

    @classmethod
    def from_dict(cls, data: dict) -> Player:
        """The player recorded in a manifest."""
        return cls(data["name"], tuple(Change.from_dict(c) for c in data["changes"]))


def _short(value: Any, width: int) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def differences(a: dict, b: dict, keys: tuple[str, ...] = ()) -> list[Change]:
    """Every leaf in which the resolved scenario data ``a`` and ``b`` differ, in file order.

    Mappings are compared key by key (a key only one side holds is an added or removed field);
    lists and other values are compared whole. At the top level, :data:`NOT_CHANGES` are
    skipped.
    """
    changes: list[Change] = []
    for key in [*a, *(k for k in b if k not in a)]:
        here = (*keys, str(key))
        if not keys and key in NOT_CHANGES:
            continue
        if key not in b:
            changes.append(Change(here, a[key], None, "removed"))
        elif key not in a:
            changes.append(Change(here, None, b[key], "added"))
        elif isinstance(a[key], dict) and isinstance(b[key], dict):
            changes += differences(a[key], b[key], here)
        elif a[key] != b[key] or type(a[key]) is not type(b[key]):
            changes.append(Change(here, a[key], b[key]))
    return changes


def parse_group(spec: str) -> tuple[str, list[str]]:
    """``NAME=PATH,PATH`` -> (name, paths).

    Raises:
        ScenarioError: naming ``--group`` when the spec is malformed or the name is reserved.
    """
    name, sep, paths = spec.partition("=")
    name = name.strip()
    items = [p.strip() for p in paths.split(",") if p.strip()]
    if not sep or not name or not items:
        raise ScenarioError(
            "--group", spec, "expected NAME=PATH,PATH (e.g. gates=policy.readiness)"
        )
    if name == TOTAL:
        raise ScenarioError("--group", spec, f"{TOTAL!r} is reserved for the difference B - A")
    return name, items


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def profile_group(path: str) -> str | None:
    """The default group of a field: ``...practices.<profile>.<key>`` for a field below it."""
    keys = path.split(".")
    if PROFILES in keys:
        i = keys.index(PROFILES)
        if len(keys) > i + 3:
            return ".".join(keys[: i + 3])
    return None


def players_of(
    changes: list[Change], groups: list[tuple[str, list[str]]] = (), by_field: bool = False
) -> list[Player]:
    """The players: the groups given, then the default profile groups, then single fields.

    Players come in the order of their first field in the scenario.

    Raises:
        ScenarioError: naming ``--group`` when a group's path matches no differing field, a field
            falls in two groups, or two groups share a name.
    """
    owner: dict[str, str] = {}
    names: list[str] = []
    for name, paths in groups:
        if name in names:
            raise ScenarioError("--group", name, "two groups have this name; give each its own")
        names.append(name)
        for prefix in paths:
            hits = [c.path for c in changes if _under(c.path, prefix)]
            if not hits:
                differing = ", ".join(c.path for c in changes[:8])
                raise ScenarioError(
                    "--group",
                    f"{name}={prefix}",
                    f"no field at or under {prefix!r} differs between A and B (they differ in "
                    f"{differing}{', ...' if len(changes) > 8 else ''})",
                )
            for path in hits:
                if owner.get(path, name) != name:
                    raise ScenarioError(
                        "--group",
                        name,
                        f"{path} is already in group {owner[path]!r}; a field belongs to one group",
                    )
                owner[path] = name
    members: dict[str, list[Change]] = {}
    for change in changes:
        key = owner.get(change.path)
        if key is None and not by_field:
            key = profile_group(change.path)
        members.setdefault(key or change.path, []).append(change)
    return [Player(name, tuple(items)) for name, items in members.items()]


# ----------------------------------------------------------------------------- coalitions
def _set(data: dict, change: Change, to_b: bool) -> None:
    node = data
    for key in change.keys[:-1]:
        node = node[key]
    last = change.keys[-1]
    holds = change.kind == "changed" or (change.kind == "added") == to_b
    if holds:
        node[last] = copy.deepcopy(change.b if to_b else change.a)
    else:
        node.pop(last, None)


def coalition_data(base: dict, players: list[Player], mask: int) -> dict:
    """Scenario A's data with the fields of the players in ``mask`` (bit j: player j) set to B."""
    data = copy.deepcopy(base)
    for j, player in enumerate(players):
        if mask >> j & 1:
            for change in player.changes:
                _set(data, change, True)
    return data


def coalition_point(base: dict, players: list[Player], mask: int) -> dict[str, Any]:
    """The overrides (dotted path -> value) that turn A into the coalition ``mask``.

    An added or removed key (or a key holding a dot) is set through the mapping that holds it,
    which :func:`sim.scenario.apply_overrides` can address (:attr:`Change.set_path`).
    """
    data = coalition_data(base, players, mask)
    point: dict[str, Any] = {}
    for j, player in enumerate(players):
        if mask >> j & 1:
            for change in player.changes:
                node: Any = data
                for key in change.set_path.split("."):
                    node = node[key]
                point[change.set_path] = copy.deepcopy(node)
    return point


def members(mask: int, players: list[Player]) -> list[str]:
    """The names of the players in a coalition."""
    return [p.name for j, p in enumerate(players) if mask >> j & 1]


# ----------------------------------------------------------------------------- Shapley
Terms = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A Shapley estimator as marginal-effect terms: player, coalition with it, without it, weight.

``phi_j = sum over the terms of player j of weight * (v(with) - v(without))``: a field whose
change never moves the indicator gets exactly 0, whatever the rounding.
"""


def exact_terms(k: int) -> Terms:
    """The terms of the exact Shapley value of ``k`` players (coalitions as bit masks).

    For each player j and coalition S without j: weight ``|S|! (k - |S| - 1)! / k!`` on
    ``v(S + j) - v(S)``; ``k 2^(k-1)`` terms.
    """
    if k < 1:
        raise ValueError("a Shapley decomposition needs at least one player")
    weight = [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    masks = np.arange(2**k)
    size = np.array([m.bit_count() for m in range(2**k)])
    players, plus, minus, weights = [], [], [], []
    for j in range(k):
        without = masks[(masks >> j & 1) == 0]
        players.append(np.full(without.size, j))
        plus.append(without | 1 << j)
        minus.append(without)
        weights.append(np.asarray(weight)[size[without]])
    return tuple(np.concatenate(x) for x in (players, plus, minus, weights))  # type: ignore[return-value]


def draw_permutations(k: int, m: int, seed: int, replication: int) -> np.ndarray:
    """``m`` random orders of ``k`` players for one replication (seeded; rows are orders)."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(PERMUTATION_STREAM, replication))
    rng = np.random.default_rng(ss)
    return np.array([rng.permutation(k) for _ in range(m)], dtype=int).reshape(m, k)


def permutation_terms(k: int, orders: np.ndarray) -> Terms:
    """The terms of the sampled estimator: the marginal effects along each order, averaged.

    ``phi_j = mean over orders of v(before j + j) - v(before j)``; repeated terms are merged.
    """
    merged: dict[tuple[int, int, int], float] = {}
    m = len(orders)
    for order in np.asarray(orders, dtype=int):
        mask = 0
        for j in order:
            key = (int(j), mask | 1 << int(j), mask)
            merged[key] = merged.get(key, 0.0) + 1.0 / m
            mask |= 1 << int(j)
    keys = np.array(list(merged), dtype=np.int64).reshape(-1, 3)
    return keys[:, 0], keys[:, 1], keys[:, 2], np.array(list(merged.values()))


def coalitions_of(terms: Terms) -> set[int]:
    """The coalitions (bit masks) an estimator reads."""
    return {int(x) for x in np.concatenate([terms[1], terms[2]])}


def apply_terms(values: np.ndarray, terms: Terms, k: int) -> np.ndarray:
    """Contributions from coalition values: ``values[..., c]`` is v of column c.

    Args:
        values: coalition values, the last axis indexed as the terms' coalitions.
        terms: player, column with it, column without it, weight (see :data:`Terms`).
        k: the number of players.

    Returns:
        ``values.shape[:-1] + (k,)`` contributions (NaN where a value read is NaN).
    """
    player, plus, minus, weight = terms
    effects = (values[..., plus] - values[..., minus]) * weight
    out = np.zeros((*values.shape[:-1], k))
    for j in range(k):
        out[..., j] = effects[..., player == j].sum(axis=-1)
    return out


def exact_shapley(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values from ``values[..., mask]`` for every one of the 2^k coalitions."""
    k = int(round(math.log2(values.shape[-1])))
    if 2**k != values.shape[-1]:
        raise ValueError(f"expected 2^k coalition values, got {values.shape[-1]}")
    return apply_terms(values, exact_terms(k), k)


def sampled_shapley(values: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Shapley values estimated along ``orders`` from ``values[..., mask]`` (2^k columns)."""
    k = np.asarray(orders).shape[1]
    return apply_terms(values, permutation_terms(k, orders), k)


def replication_terms(spec: dict) -> list[Terms]:
    """Per replication, the estimator's terms with coalitions given as the run's points."""
    k = len(spec["players"])
    index = {mask: p for p, mask in enumerate(spec["coalitions"])}

    def as_points(terms: Terms) -> Terms:
        player, plus, minus, weight = terms
        to_point = np.vectorize(index.__getitem__, otypes=[int])
        return player, to_point(plus), to_point(minus), weight

    if spec["method"] == "exact":
        shared = as_points(exact_terms(k))
        return [shared] * spec["replications"]
    return [as_points(permutation_terms(k, np.asarray(orders))) for orders in spec["orders"]]


def contributions(indicators: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """The explain table of a finished run's indicators (see the module's docstring).

    Args:
        indicators: the run's ``indicators`` table (point, replication, indicator, public, value).
        spec: the manifest's ``explain`` entry (players, coalitions, method, orders...).

    Returns:
        One row per indicator, public and player, then ``total``: ``indicator``, ``public``,
        ``field``, ``contribution``, ``ci_low``, ``ci_high``, ``n``.
    """
    names = [p["name"] for p in spec["players"]]
    k = len(names)
    reps = spec["replications"]
    n_points = len(spec["coalitions"])
    full = spec["coalitions"].index(2**k - 1)
    empty = spec["coalitions"].index(0)
    terms = replication_terms(spec)
    order = {name: i for i, name in enumerate(INDICATORS)}
    keys = indicators[["indicator", "public"]].drop_duplicates()
    keys = keys.assign(_o=keys["indicator"].map(order).fillna(len(order))).sort_values(
        ["_o"], kind="stable"
    )
    values = np.full((len(keys), reps, n_points), np.nan)
    row_of = {key: i for i, key in enumerate(zip(keys["indicator"], keys["public"], strict=True))}
    rows_idx = np.array(
        [row_of[key] for key in zip(indicators["indicator"], indicators["public"], strict=True)]
    )
    values[
        rows_idx,
        indicators["replication"].to_numpy(int),
        indicators["point"].to_numpy(int),
    ] = indicators["value"].to_numpy(float)
    phi = np.stack([apply_terms(values[:, r, :], terms[r], k) for r in range(reps)], axis=1)
    total = values[:, :, full] - values[:, :, empty]
    bad = ~np.isfinite(phi).all(axis=2) | ~np.isfinite(total)
    phi[bad] = np.nan
    total[bad] = np.nan
    rows = []
    for g, (indicator, public) in enumerate(zip(keys["indicator"], keys["public"], strict=True)):
        for name, per_rep in [*zip(names, phi[g].T, strict=True), (TOTAL, total[g])]:
            mean, low, high = mean_ci(per_rep)
            rows.append(
                {
                    "indicator": indicator,
                    "public": public,
                    "field": name,
                    "contribution": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": int(np.isfinite(per_rep).sum()),
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- the design
def design(
    a: Scenario,
    b: Scenario,
    groups: list[str] = (),
    by_field: bool = False,
    method: str = "auto",
    permutations: int | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    files: tuple[str, str] = ("A", "B"),
) -> tuple[dict, list[dict]]:
    """The explain specification and the coalitions' points, every coalition validated.

    Args:
        a: scenario A (its run settings are used for every run).
        b: scenario B.
        groups: ``NAME=PATH,PATH`` specs.
        by_field: do not group the fields of a practice profile's key.
        method: ``"auto"``, ``"exact"`` or ``"sampled"``.
        permutations: orders per replication for the sampled method.
        replications: replications (common seeds across coalitions).
        files: the two files, for messages.

    Returns:
        ``(spec, points)``: the manifest's ``explain`` entry and one point per coalition.

    Raises:
        ScenarioError: naming the field or option when A and B do not differ, a group is
            invalid, the method or its numbers are refused, or a coalition is not a valid
            scenario.
    """
    if method not in METHODS:
        raise ScenarioError(
            files[1], "--method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}"
        )
    if replications < 1:
        raise ScenarioError(files[1], "--replications", "must be at least 1")
    base, other = scenario_to_dict(a), scenario_to_dict(b)
    changes = differences(base, other)
    if not changes:
        raise ScenarioError(
            files[1],
            "",
            f"does not differ from {files[0]} (outside the run settings, name and description): "
            "there is nothing to explain",
        )
    players = players_of(changes, [parse_group(g) for g in groups], by_field)
    k = len(players)
    if method == "auto":
        method = "exact" if k <= MAX_EXACT else "sampled"
    if method == "exact" and k > EXACT_LIMIT:
        raise ScenarioError(
            files[1],
            "--method",
            f"exact Shapley values over {k} fields need 2^{k} coalitions; at most "
            f"{EXACT_LIMIT} fields are accepted: group fields (--group) or use --method sampled",
        )
    orders = None
    if method == "exact":
        masks = list(range(2**k))
        n_orders = None
    else:
        n_orders = DEFAULT_PERMUTATIONS if permutations is None else int(permutations)
        if n_orders < 1:
            raise ScenarioError(files[1], "--permutations", f"must be at least 1 (got {n_orders})")
        orders = [draw_permutations(k, n_orders, a.run.seed, r) for r in range(replications)]
        used = {0, 2**k - 1}
        for per_rep in orders:
            used |= coalitions_of(permutation_terms(k, per_rep))
        masks = sorted(used, key=lambda m: (bin(m).count("1"), m))
    points = []
    for mask in masks:
        data = coalition_data(base, players, mask)
        try:
            scenario_from_dict(data, files[1])
        except ScenarioError as err:
            raise ScenarioError(
                err.file,
                err.field,
                f"{err.message} (in the scenario where only {', '.join(members(mask, players))} "
                "take B's values: fields that must change together need one --group)",
            ) from None
        points.append(coalition_point(base, players, mask))
    ignored = [c.describe() for c in differences(base["run"], other["run"], ("run",))]
    spec = {
        "a": {"name": a.name, "file": str(files[0])},
        "b": {"name": b.name, "file": str(files[1])},
        "players": [p.to_dict() for p in players],
        "method": method,
        "permutations": n_orders,
        "orders": None if orders is None else [o.tolist() for o in orders],
        "coalitions": masks,
        "replications": replications,
        "run_settings_of_b_ignored": ignored,
        "seed": a.run.seed,
    }
    return spec, points


def needed_tasks(spec: dict) -> set[tuple[int, int]]:
    """The (point, replication) pairs the decomposition uses (every pair for the exact method)."""
    reps = spec["replications"]
    if spec["method"] == "exact":
        return {(p, r) for p in range(len(spec["coalitions"])) for r in range(reps)}
    point_of = {mask: p for p, mask in enumerate(spec["coalitions"])}
    k = len(spec["players"])
    pairs = set()
    for r in range(reps):
        terms = permutation_terms(k, np.asarray(spec["orders"][r]))
        for mask in {0, 2**k - 1, *coalitions_of(terms)}:
            pairs.add((point_of[mask], r))
    return pairs


def cost(k: int, replications: int, method: str, permutations: int | None = None) -> int:
    """Upper bound of the number of runs: ``2^k x R`` exact, ``(M (k - 1) + 2) x R`` sampled."""
    if method == "exact":
        return 2**k * replications
    m = DEFAULT_PERMUTATIONS if permutations is None else permutations
    return min(2**k, m * (k - 1) + 2) * replications


# ----------------------------------------------------------------------------- the run
@dataclass
class ExplainResult:
    """A finished explain run.

    Attributes:
        out: the run directory (with ``explain.parquet``).
        table: the explain table (see :func:`contributions`).
        manifest: the run's manifest (``manifest["explain"]`` holds the design).
        experiment: the runner's experiment (indicators of every coalition), when just run.
    """

    out: Path
    table: pd.DataFrame
    manifest: dict
    experiment: Any = None

    @property
    def spec(self) -> dict:
        """The manifest's ``explain`` entry."""
        return self.manifest["explain"]

    @property
    def fields(self) -> list[str]:
        """The players' names, in order."""
        return [p["name"] for p in self.spec["players"]]

    def contribution(self, indicator: str, field: str, public: str = "all") -> pd.Series:
        """One row of the table: ``contribution``, ``ci_low``, ``ci_high``, ``n``."""
        t = self.table
        sel = t[(t.indicator == indicator) & (t.public == public) & (t.field == field)]
        if sel.empty:
            raise KeyError(f"no row for {indicator!r}, {public!r}, {field!r}")
        return sel.iloc[0]


def explain(
    a: str | Path | Scenario,
    b: str | Path | Scenario,
    groups: list[str] = (),
    by_field: bool = False,
    method: str = "auto",
    permutations: int | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    burn_in: int | None = None,
) -> ExplainResult:
    """Attribute each indicator's difference B - A to the fields that differ (parcours explain).

    Args:
        a: scenario A (a YAML path or a validated scenario); its run settings are used.
        b: scenario B.
        groups: ``NAME=PATH,PATH`` specs gathering fields into one player.
        by_field: keep the fields under a practice profile's key apart.
        method: ``"auto"`` (exact up to :data:`MAX_EXACT` players), ``"exact"``, ``"sampled"``.
        permutations: orders per replication for the sampled method
            (default :data:`DEFAULT_PERMUTATIONS`).
        replications: replications of every coalition, on common seeds.
        seed: overrides ``run.seed``.
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        out: the run directory (``"auto"``: ``results/<A>-explain-<B>-<time>-s<seed>``).
        workers: worker processes (default: the number of cores).
        backend: ``"local"`` or ``"dask"``.
        scheduler: address of an existing Dask scheduler.
        progress: show a progress bar.
        burn_in: overrides ``run.burn_in``.

    Returns:
        The run directory and the explain table.

    Raises:
        ScenarioError: an invalid input, naming the field; nothing is written.
    """
    sa = resolve(a, seed, persons, months, burn_in=burn_in)
    sb = resolve(b, seed, persons, months, burn_in=burn_in)
    files = tuple(str(x) if not isinstance(x, Scenario) else x.name for x in (a, b))
    spec, points = design(sa, sb, groups, by_field, method, permutations, replications, files)
    k = len(spec["players"])
    spec["detail_points"] = [spec["coalitions"].index(0), spec["coalitions"].index(2**k - 1)]
    run_dir = start_experiment(
        "explain",
        [sa],
        points,
        replications,
        out,
        f"{sa.name}-explain-{sb.name}",
        extra={"explain": spec, "detail_points": spec["detail_points"]},
        execute_now=False,
    )
    manifest = store.read_manifest(run_dir)
    keep = needed_tasks(spec)
    manifest["tasks"] = [t for t in manifest["tasks"] if (t["point"], t["replication"]) in keep]
    spec["runs"] = len(manifest["tasks"])
    manifest["explain"] = spec
    store.write_manifest(run_dir, manifest)
    exp = execute(
        run_dir,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
        finish=write_outputs,
        checked=True,  # start_experiment checked every point
    )
    return ExplainResult(exp.out, read_table(exp.out), exp.manifest, exp)


def write_outputs(out: str | Path, manifest: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    """Compute the contributions of a finished explain run; write ``explain.parquet``.

    The ``finish`` function of an explain run, called by
    :func:`sim.experiments.execution.finalize` (also when ``parcours resume`` completes it).
    """
    table = contributions(indicators, manifest["explain"])
    store.write_tables(Path(out), {"explain": table})
    return table


def read_table(out: str | Path) -> pd.DataFrame:
    """The explain table of a finished run."""
    return pd.read_parquet(Path(out) / "explain.parquet")


def load_explain(out: str | Path) -> ExplainResult:
    """A finished explain run read back from its directory."""
    out = Path(out)
    return ExplainResult(out, read_table(out), store.read_manifest(out))
