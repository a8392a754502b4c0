"""Summaries across replications: means with confidence intervals, paired differences.

For each indicator, over the replications of one scenario (and sweep point): the mean, the
median, the 10-90% band of the replications, and a 95% confidence interval of the mean,
``mean ± t(0.975, n-1) * sd / sqrt(n)`` (Student's t; no interval with one replication),
clipped to the indicator's possible values (:mod:`sim.indicators`: a rate's interval stays within
[0, 1], a cost's is never below 0). With fewer than :data:`MIN_REPLICATIONS` replications the
interval rests on too few values to be trusted: the outputs warn, and
:func:`replications_needed` says how many would give an interval of a stated half-width, from
the spread of the replications at hand. Paired differences between two scenarios run on the
same seeds are computed replication by replication, then summarised the same way; a difference
is *distinguishable from noise* when its interval excludes zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.indicators import METADATA, indicator

CONFIDENCE = 0.95
MIN_REPLICATIONS = 5
"""Fewer replications than this: the outputs warn that the intervals are rough."""


def _t_quantile(p: float, df: int) -> float:
    """Student's t quantile (``scipy.stats.t.ppf``, from scipy.special: a lighter import)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


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
    half = _t_quantile(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def replications_needed(sd: float, half_width: float, confidence: float = CONFIDENCE) -> int:
    """The fewest replications whose mean has a confidence interval of ``± half_width``.

    The smallest ``n >= 2`` with ``t(0.5 + confidence / 2, n - 1) * sd / sqrt(n) <= half_width``,
    for a spread ``sd`` across replications (estimated from the replications at hand: with few of
    them, a rough figure). 1 when ``sd`` is 0 (every replication equal).

    Raises:
        ValueError: if ``half_width`` is not positive or ``sd`` is not a finite number.
    """
    if not half_width > 0:
        raise ValueError(f"the half-width must be positive, got {half_width!r}")
    if not np.isfinite(sd):
        raise ValueError(f"the spread must be a finite number, got {sd!r}")
    if sd == 0:
        return 1
    from scipy.special import ndtri

    # Normal approximation as a start, then up by one until Student's t agrees.
    q = float(ndtri(0.5 + confidence / 2))
    n = max(2, int(np.ceil((q * sd / half_width) ** 2)))
    while _t_quantile(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n) > half_width:
        n += 1
    return n


def target_half_width(name: str, mean: float) -> tuple[float, str]:
    """The stated precision for ``name``: its half-width and how to say it.

    ±1 percentage point for a rate, ±0.5 month for a duration, ±2% of the mean for euros and
    counts.
    """
    kind = indicator(name).kind
    if kind == "rate":
        return 0.01, "±1 pt"
    if kind == "months":
        return 0.5, "±0.5 months"
    return 0.02 * abs(mean), "±2% of the mean"


def summarise(
    indicators: pd.DataFrame, by: tuple[str, ...] = ("scenario", "point"), bounded: bool = True
) -> pd.DataFrame:
    """Aggregate per-replication indicators: one row per group, indicator and public.

    Columns ``n`` (replications with a value), ``mean``, ``sd``, ``median``, ``p10``, ``p90``
    (linear interpolation, as ``numpy.percentile``), ``ci_low``, ``ci_high`` (as :func:`mean_ci`),
    all groups at once. ``bounded`` clips each interval to the indicator's possible values (not
    for differences).
    """
    keys = [*by, "indicator", "public"]
    values = indicators.groupby(keys, sort=False)["value"]
    out = pd.DataFrame(
        {
            "n": values.count(),
            "mean": values.mean(),
            "sd": values.std(ddof=1),
            "median": values.median(),
            "p10": values.quantile(0.10),
            "p90": values.quantile(0.90),
        }
    ).reset_index()
    n = out["n"].to_numpy()
    from scipy.special import stdtrit

    with np.errstate(invalid="ignore", divide="ignore"):
        t = stdtrit(np.where(n >= 2, n - 1, np.nan), 0.5 + CONFIDENCE / 2)
        half = t * out["sd"].to_numpy() / np.sqrt(n)
    low, high = out["mean"].to_numpy() - half, out["mean"].to_numpy() + half
    if bounded:
        names = out["indicator"].to_numpy()
        bounds = {name: indicator(name).bounds() for name in set(names) if name in METADATA}
        lo = np.array([bounds.get(name, (-np.inf, np.inf))[0] for name in names], dtype=float)
        hi = np.array([bounds.get(name, (-np.inf, np.inf))[1] for name in names], dtype=float)
        low, high = np.clip(low, lo, hi), np.clip(high, lo, hi)  # NaN stays NaN
    out["ci_low"], out["ci_high"] = low, high
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
    out = summarise(diffs, by=("scenario", "point"), bounded=False)
    out.insert(1, "base", base)
    out["distinguishable"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out
