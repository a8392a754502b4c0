"""Experiments over a posterior: every replication runs one plausible parameter set.

A posterior calibration (history matching, :mod:`sim.experiments.history_matching`, or ABC,
:mod:`sim.experiments.abc`) leaves a sample of parameter sets that fit the published figures
about as well. An experiment run *over the posterior* (``parcours run / compare / sweep /
allocate / trial / explain --ensemble POSTERIOR``) carries that uncertainty into its results:

- ``sets`` parameter sets are drawn from the posterior in proportion to their weights (with
  replacement), with the generator ``SeedSequence(seed, spawn_key=(ENSEMBLE_KEY,))`` of the run's
  seed: the same draws for the same posterior, seed and number of sets;
- each set runs ``seeds_per_set`` replications: replication ``r`` uses set ``r // seeds_per_set``
  and the run's usual seed ``r``. Every scenario and point of the experiment uses the same set and
  the same seed in replication ``r``, so paired differences stay paired;
- the set's values replace the scenario's at the posterior's paths (a sweep point's values are
  applied after them: a sweep over a calibrated parameter wins); with a shared status-quo start,
  the status quo's burn-in of replication ``r`` runs on set ``r // seeds_per_set`` too;
- a trial (``parcours trial --ensemble``) reports each arm's effect over the sets
  (:func:`sim.experiments.trial.ensemble_effects`, ``trial_ensemble.parquet``).

Reported, per scenario (and point), indicator and public (:func:`ensemble_summary`), and per
difference to the first scenario of a comparison (:func:`ensemble_differences`):

- ``low``/``high``: the 2.5% and 97.5% quantiles of the per-set means: the interval of the
  indicator (or difference) including parameter uncertainty;
- ``share_parameters``: the share of the variance due to the parameters, from the one-way
  random-effects decomposition of the replications into sets (between) and seeds (within)::

      var_params = max(0, var(set means) - var_within / seeds_per_set)
      share_parameters = var_params / (var_params + var_within)

  (it needs two seeds per set or more; NaN with one);
- for a difference: ``share_sign_holds``, the share of sets whose mean difference has the sign
  of the overall mean ("robust in 97% of plausible sets"), and ``robust`` when that share is at
  least :data:`ROBUST_SHARE`. A difference zero in every set is reported as zero
  (``share_sign_holds`` NaN, ``share_zero`` 1).

The library use is a context: ``with ensemble.over("posterior.parquet", seeds_per_set=2):
runner.compare([...], replications=100)``; :func:`sim.experiments.execution.start_experiment`
reads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import ScenarioError

ENSEMBLE_KEY = 40_000  # spawn key of the draws of parameter sets
ROBUST_SHARE = 0.95  # [share] of plausible sets in which a difference's sign must hold
_ACTIVE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ensemble", default=None)


@contextlib.contextmanager
def over(posterior: str | Path, seeds_per_set: int = 2):
    """Run the experiments started inside this context over ``posterior``'s parameter sets."""
    if seeds_per_set < 1:
        raise ScenarioError("--seeds-per-set", "seeds_per_set", "must be at least 1")
    frame, info = read_posterior(posterior)
    path = Path(posterior)
    path = path / "posterior.parquet" if path.is_dir() else path
    spec = {
        "file": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "calibration": info.get("provenance", {}).get("run_id"),
        "parameters": info["parameters"],
        "frame": frame,
        "seeds_per_set": seeds_per_set,
    }
    token = _ACTIVE.set(spec)
    try:
        yield spec
    finally:
        _ACTIVE.reset(token)


def active() -> dict | None:
    """The posterior of the enclosing :func:`over` context (None outside one)."""
    return _ACTIVE.get()


def draw_sets(frame: pd.DataFrame, parameters: list[str], sets: int, seed: int) -> tuple:
    """``sets`` particles drawn with replacement in proportion to their weights (seeded).

    Returns:
        The particles' row numbers and their parameter values (``[{path: value}]``).
    """
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(ENSEMBLE_KEY,)))
    w = frame["weight"].to_numpy(float)
    rows = rng.choice(len(frame), size=sets, replace=True, p=w / w.sum())
    values = [{p: _plain(frame[p].iloc[int(i)]) for p in parameters} for i in rows]
    return [int(i) for i in rows], values


def _plain(value):
    return int(value) if isinstance(value, np.integer) else float(value)


def plan(replications: int, seed: int) -> dict | None:
    """The manifest's ``ensemble`` entry for an experiment started in an :func:`over` context."""
    spec = active()
    if spec is None:
        return None
    k = spec["seeds_per_set"]
    if replications % k:
        raise ScenarioError(
            "--replications",
            "replications",
            f"{replications} is not a multiple of --seeds-per-set {k}: with an ensemble, "
            "replications = parameter sets x seeds per set",
        )
    rows, values = draw_sets(spec["frame"], spec["parameters"], replications // k, seed)
    return {
        "file": spec["file"],
        "sha256": spec["sha256"],
        "calibration": spec["calibration"],
        "parameters": spec["parameters"],
        "seeds_per_set": k,
        "particles": rows,
        "sets": values,
    }


def set_values(manifest: dict, replication: int) -> dict:
    """The parameter values of replication ``replication`` (``{}`` without an ensemble)."""
    ens = manifest.get("ensemble")
    if not ens:
        return {}
    return ens["sets"][replication // ens["seeds_per_set"]]


# ----------------------------------------------------------------------------- summaries
def _decompose(values: pd.DataFrame, k: int) -> pd.Series:
    """One group's replications (columns ``set``, ``value``): interval and variance shares."""
    v = values.dropna(subset=["value"])
    set_means = v.groupby("set")["value"].mean().to_numpy(float)
    if set_means.size == 0:
        nan = float("nan")
        fields = ("mean", "low", "high", "var_parameters", "var_chance", "share_parameters")
        return pd.Series({"n_sets": 0, **dict.fromkeys(fields, nan)})
    within = v.groupby("set")["value"].var(ddof=1).dropna()
    var_chance = float(within.mean()) if k > 1 and within.size else float("nan")
    var_means = float(np.var(set_means, ddof=1)) if set_means.size > 1 else float("nan")
    var_params = max(0.0, var_means - var_chance / k) if np.isfinite(var_chance) else float("nan")
    total = var_params + var_chance
    if np.isfinite(total) and total > 0:
        share = var_params / total
    else:
        share = float("nan")
    return pd.Series(
        {
            "n_sets": int(set_means.size),
            "mean": float(set_means.mean()),
            "low": float(np.quantile(set_means, 0.025)),
            "high": float(np.quantile(set_means, 0.975)),
            "var_parameters": var_params,
            "var_chance": var_chance,
            "share_parameters": share,
        }
    )


def _with_sets(indicators: pd.DataFrame, k: int) -> pd.DataFrame:
    return indicators.assign(set=indicators["replication"] // k)


def ensemble_summary(indicators: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Per scenario, point, indicator and public: the interval over sets and variance shares."""
    k = manifest["ensemble"]["seeds_per_set"]
    keys = ["scenario", "point", "indicator", "public"]
    frame = _with_sets(indicators, k)
    out = frame.groupby(keys, sort=False)[["set", "value"]].apply(lambda g: _decompose(g, k))
    out = out.reset_index()
    out["n_sets"] = out["n_sets"].astype(int)
    return out


def difference_row(diff: pd.DataFrame, k: int) -> dict:
    """A difference over the sets, from its replications (columns ``set``, ``value``).

    The interval and variance shares (:func:`_decompose`), the shares of sets with each sign,
    and whether its sign is robust.
    """
    row = _decompose(diff, k).to_dict()
    set_means = diff.dropna(subset=["value"]).groupby("set")["value"].mean().to_numpy()
    sign = np.sign(row["mean"]) if np.isfinite(row["mean"]) else 0.0
    holds = float(np.mean(np.sign(set_means) == sign)) if sign != 0 else float("nan")
    shares = {"positive": set_means > 0, "negative": set_means < 0, "zero": set_means == 0}
    for name, mask in shares.items():
        row[f"share_{name}"] = float(np.mean(mask)) if set_means.size else float("nan")
    row["share_sign_holds"] = holds
    row["robust"] = bool(np.isfinite(holds) and holds >= ROBUST_SHARE)
    return row


def ensemble_differences(indicators: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Each scenario minus the first, per set: interval, variance shares and sign robustness."""
    k = manifest["ensemble"]["seeds_per_set"]
    base = next(iter(manifest["scenarios"]))
    keys = ["point", "replication", "indicator", "public"]
    ref = indicators[indicators["scenario"] == base].set_index(keys)["value"]
    rows = []
    for name, group in indicators[indicators["scenario"] != base].groupby("scenario", sort=False):
        g = group.set_index(keys)["value"]
        diff = (g - ref.reindex(g.index)).reset_index()
        diff = _with_sets(diff, k)
        for (point, ind, pub), d in diff.groupby(["point", "indicator", "public"], sort=False):
            row = {"scenario": name, "base": base, "point": point, "indicator": ind}
            rows.append({**row, "public": pub, **difference_row(d, k)})
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame(rows)
    first = ["scenario", "base", "point", "indicator", "public"]
    return out[first + [c for c in out.columns if c not in first]]


def tables(indicators: pd.DataFrame, manifest: dict) -> dict[str, pd.DataFrame]:
    """The ensemble tables of a finished run (empty without an ensemble)."""
    if not manifest.get("ensemble"):
        return {}
    out = {"ensemble": ensemble_summary(indicators, manifest)}
    if len(manifest["scenarios"]) > 1:
        out["ensemble_differences"] = ensemble_differences(indicators, manifest)
    return out


def robustness_text(row) -> str:
    """One difference's robustness in words, e.g. ``robust in 97% of plausible sets``."""
    holds = row["share_sign_holds"]
    if not np.isfinite(holds):
        return "zero in every set" if row.get("share_zero", 0) == 1 else "no sign"
    word = "robust" if holds >= ROBUST_SHARE else "NOT robust"
    return f"{word}: sign holds in {holds:.0%} of plausible sets"


# ----------------------------------------------------------------------------- reading
def read_posterior(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """A posterior file (or a run directory holding ``posterior.parquet``): particles, metadata.

    Raises:
        ScenarioError: the file is missing or is not a posterior written by ``calibrate_abc``.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if path.is_dir():
        path = path / "posterior.parquet"
    if not path.exists():
        raise ScenarioError(
            path, "", "posterior file not found (parcours calibrate --method history-matching)"
        )
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several kinds for a file that is not Parquet
        raise ScenarioError(path, "", f"not a Parquet file ({err})") from None
    meta = table.schema.metadata or {}
    if b"parcours" not in meta:
        raise ScenarioError(path, "", "not a posterior written by parcours calibrate")
    info = json.loads(meta[b"parcours"])
    frame = table.to_pandas()
    missing = [c for c in ("weight", *info["parameters"]) if c not in frame.columns]
    if missing:
        raise ScenarioError(path, missing[0], "column missing from the posterior")
    if not (frame["weight"] >= 0).all() or frame["weight"].sum() <= 0:
        raise ScenarioError(path, "weight", "weights must be non-negative with a positive sum")
    return frame, info
