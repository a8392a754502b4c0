"""Summaries across replications: means with confidence intervals, paired differences.

For each indicator, over the replications of one scenario (and sweep point): the mean, the
median, the 10-90% band of the replications, and a 95% confidence interval of the mean,
``mean ± t(0.975, n-1) * sd / sqrt(n)`` (Student's t; no interval with one replication).
Paired differences between two scenarios run on the same seeds are computed replication by
replication, then summarised the same way; a difference is *distinguishable from noise* when its
interval excludes zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


def mean_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and the bounds of its confidence interval (NaN bounds below two values)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def summarise(
    indicators: pd.DataFrame, by: tuple[str, ...] = ("scenario", "point")
) -> pd.DataFrame:
    """Aggregate per-replication indicators: one row per group, indicator and public.

    Columns ``n`` (replications with a value), ``mean``, ``median``, ``p10``, ``p90`` (linear
    interpolation, as ``numpy.percentile``), ``ci_low``, ``ci_high`` (as :func:`mean_ci`), all
    groups at once.
    """
    keys = [*by, "indicator", "public"]
    values = indicators.groupby(keys, sort=False)["value"]
    out = pd.DataFrame(
        {
            "n": values.count(),
            "mean": values.mean(),
            "median": values.median(),
            "p10": values.quantile(0.10),
            "p90": values.quantile(0.90),
        }
    )
    n = out["n"].to_numpy()
    sd = values.std(ddof=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + CONFIDENCE / 2, np.where(n >= 2, n - 1, np.nan))
        half = t * sd / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out = out.reset_index()
    out["n"] = out["n"].astype(int)
    return out


def paired_differences(indicators: pd.DataFrame, base: str) -> pd.DataFrame:
    """Each scenario minus ``base``, replication by replication, summarised with a 95% CI."""
    keys = ["point", "replication", "indicator", "public"]
    ref = indicators[indicators["scenario"] == base].set_index(keys)["value"]
    rows = []
    for name, group in indicators[indicators["scenario"] != base].groupby("scenario", sort=False):
        diff = group.set_index(keys)["value"] - ref.reindex(group.set_index(keys).index)
        diff = diff.reset_index().assign(scenario=name)
        rows.append(diff)
    if not rows:
        return pd.DataFrame()
    diffs = pd.concat(rows, ignore_index=True)
    out = summarise(diffs, by=("scenario", "point"))
    out.insert(1, "base", base)
    out["distinguishable"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out
