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

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.indicators import METADATA, indicator

if TYPE_CHECKING:  # pandas is imported by the functions on tables: the warnings need none
    import pandas as pd

CONFIDENCE = 0.95
MIN_REPLICATIONS = 5
"""Fewer replications than this: the outputs warn that the intervals are rough."""


def _t_quantile(p: float, df: int) -> float:
    """Student's t quantile (``scipy.stats.t.ppf``, from scipy.special: a lighter import)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


def _t_cdf(t: float, df: int) -> float:
    """Student's t distribution function at ``t >= 0`` for a whole ``df``, in closed form.

    Abramowitz and Stegun (1964), 26.7.3 (odd ``df``) and 26.7.4 (even ``df``): a finite
    series in ``cos(theta)``, ``theta = atan(t / sqrt(df))``.
    """
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    term = total = 1.0
    if df % 2:
        if df == 1:
            return 0.5 + theta / math.pi
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        a = 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    else:
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        a = math.sin(theta) * total
    return 0.5 + a / 2


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile for ``0.5 <= p < 1`` and a whole ``df >= 1``, without scipy.

    Closed forms for 1 and 2 degrees of freedom; otherwise Newton's method on :func:`_t_cdf`
    from the normal quantile, which lies below the root: the distribution function is concave
    there, so the steps rise monotonically to it, until they stop shrinking near it (the
    rounding of the series). Agrees with ``scipy.stats.t.ppf`` to about 1e-11 (relative); the
    warnings use it so that printing a stored run does not load scipy.
    """
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    from statistics import NormalDist

    t = NormalDist().inv_cdf(p)
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    previous = math.inf
    for _ in range(100):
        density = math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))
        step = (p - _t_cdf(t, df)) / density
        t += step
        if abs(step) <= 1e-14 * t or (abs(step) >= previous and abs(step) <= 1e-9 * t):
            break
        previous = abs(step)
    return t


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
    from statistics import NormalDist

    # Normal approximation as a start, then up by one until Student's t agrees (computed
    # without scipy: `parcours results show` prints this for a run of few replications).
    q = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = max(2, math.ceil((q * sd / half_width) ** 2))
    while t_quantile(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) > half_width:
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
    import pandas as pd

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
    import pandas as pd

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
