"""Global sensitivity analysis of one indicator: Morris screening or Sobol' indices (SALib).

``parcours sensitivity SCENARIO --method morris|sobol --param PATH=LOW:HIGH ... --indicator NAME``
samples the chosen parameters (dotted paths of the scenario) over their ranges, runs every sample
point through the experiments runner (``replications`` common seeds per point, as in a sweep),
takes at each point the mean over replications of the indicator for one public, and analyses it:

- **Morris** (``SALib.sample.morris``, ``samples`` = r trajectories on a grid of
  :data:`NUM_LEVELS` levels; r(k + 1) points for k parameters). For each parameter: ``mu`` (mean
  elementary effect), ``mu_star`` (mean absolute elementary effect) with its bootstrap 95%
  confidence interval, and ``sigma`` (standard deviation of the elementary effects: nonlinearity
  or interactions). An elementary effect is the change of the indicator over one step of 2/3 of
  the parameter's range, divided by 2/3: a change per whole range, in the indicator's units.
- **Sobol'** (``SALib.sample.sobol``, Saltelli's scheme without second-order indices;
  ``samples`` = N base points, a power of 2; N(k + 2) points). For each parameter: ``S1`` (share
  of the indicator's variance due to the parameter alone) and ``ST`` (share involving it,
  interactions included), with bootstrap 95% confidence intervals.

Negligible parameters (column ``negligible``): those the indicator hardly depends on, judged on
the upper bound of the confidence interval so that a parameter is called negligible only when
its plausible effect is small too:

- Morris: ``mu_star + mu_star_conf <= 0.10 * max(mu_star)`` (:data:`MORRIS_RELATIVE`): at most a
  tenth of the most influential parameter's effect. ``mu_star`` has the indicator's units, so
  the threshold is relative; if no parameter moves the indicator at all, every one is negligible.
- Sobol': ``ST + ST_conf < 0.05`` (:data:`SOBOL_THRESHOLD`): fixing the parameter anywhere in
  its range would remove less than 5% of the indicator's variance (``ST`` close to zero is the
  condition for "factor fixing", Saltelli et al. 2008, *Global Sensitivity Analysis: The
  Primer*).

Integer parameters (posts, places, agencies) are rounded to the nearest whole number for the
runs, as in a Latin hypercube sweep; their bounds must be whole numbers. The analysis uses the
unrounded sample, so effects of integer parameters with narrow ranges are approximate. Sample
points that coincide (after rounding, or because Morris trajectories share points) run once.

Everything is reproducible: the sample and the bootstrap are seeded from the scenario's seed, and
every point runs on the same child seeds (common random numbers), so a parameter that does not
enter the model at all has exactly zero effect.

The run directory (a usual results directory, kind ``sensitivity``) gets ``sensitivity.csv``
(the indices), ``sensitivity.png`` (the plot) and ``sensitivity.md`` (what was run, the
ranking, the negligible parameters and the replication noise), written by
:mod:`sim.experiments.sensitivity_report` when the runs are done. The manifest records the
method, the parameters, the indicator and the SALib sample: ``parcours resume`` completes an
interrupted run and then does the analysis.

This module holds the design (parameters, checks), the sample, the analysis and the run.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.sweeps import parse_range, validate_points, value_at
from sim.outcomes import INDICATORS
from sim.scenario import Scenario, ScenarioError, apply_overrides
from sim.scenario.errors import suggestion

METHODS = ("morris", "sobol")
NUM_LEVELS = 4
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
CONF_LEVEL = 0.95
NUM_RESAMPLES = 100  # bootstrap resamples of the confidence intervals (SALib's default)
MORRIS_RELATIVE = 0.10
SOBOL_THRESHOLD = 0.05
DEFAULT_INDICATOR = "employment_rate_12m"
FILES = ("sensitivity.csv", "sensitivity.png", "sensitivity.md")
RULES = {
    "morris": f"mu_star + mu_star_conf <= {MORRIS_RELATIVE:g} x the largest mu_star",
    "sobol": f"ST + ST_conf < {SOBOL_THRESHOLD:g}",
}


@dataclass(frozen=True)
class Param:
    """One parameter of the analysis: a dotted path and its range.

    Attributes:
        path: the dotted path in the scenario (``behaviour.p_search_alone``).
        low: lower bound of the range.
        high: upper bound of the range (above ``low``).
        integer: whether the field holds whole numbers (values are rounded for the runs).
    """

    path: str
    low: float
    high: float
    integer: bool = False

    def value(self, x: float) -> int | float:
        """The value a run uses for the sampled ``x`` (rounded for an integer field)."""
        return int(round(x)) if self.integer else float(x)


@dataclass
class SensitivityResult:
    """A finished sensitivity analysis of the model.

    Attributes:
        out: the run directory (with ``sensitivity.csv``, ``.png`` and ``.md``).
        indices: the indices table, one row per parameter, most influential first.
        manifest: the run's manifest (``manifest["sensitivity"]`` holds the design and result).
        experiment: the runner's :class:`~sim.experiments.runner.Experiment` (indicators of
            every run).
    """

    out: Path
    indices: pd.DataFrame
    manifest: dict
    experiment: Any = None

    @property
    def negligible(self) -> list[str]:
        """The parameters the indicator hardly depends on."""
        return list(self.indices.loc[self.indices["negligible"], "parameter"])


# ----------------------------------------------------------------------------- problem
def public_names() -> tuple[str, ...]:
    """The publics indicators are given for: the keys of :func:`sim.outcomes.publics`.

    Read from the function itself on an empty population stand-in, so that the list never
    drifts from the indicators.
    """
    from sim.outcomes import publics

    class _Empty:
        def __getattr__(self, name: str) -> np.ndarray:
            return np.zeros(0, dtype=bool)

    return tuple(publics(_Empty()))  # type: ignore[arg-type]


def check_method(method: str, samples: int | None, file: str = "<sensitivity>") -> int:
    """Check the method and its number of samples; return the samples (a default if None).

    Raises:
        ScenarioError: an unknown method, fewer than 2 samples, or a Sobol' N that is not a
            power of 2.
    """
    if method not in METHODS:
        raise ScenarioError(
            file, "--method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}"
        )
    samples = DEFAULT_SAMPLES[method] if samples is None else int(samples)
    if samples < 2:
        raise ScenarioError(file, "--samples", f"must be at least 2 (got {samples})")
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise ScenarioError(
            file,
            "--samples",
            f"Sobol' sampling needs N a power of 2 (got {samples}; e.g. {lower} or {2 * lower})",
        )
    return samples


def check_indicator(
    indicator: str, public: str, months: int | None = None, file: str = "<sensitivity>"
) -> None:
    """Check that the indicator and the public exist and that the run is long enough.

    Raises:
        ScenarioError: naming ``--indicator`` or ``--public``.
    """
    if indicator not in INDICATORS:
        raise ScenarioError(
            file,
            "--indicator",
            f"unknown indicator {indicator!r}{suggestion(indicator, INDICATORS)}; allowed: "
            + ", ".join(INDICATORS),
        )
    names = public_names()
    if public not in names:
        raise ScenarioError(
            file,
            "--public",
            f"unknown public {public!r}{suggestion(public, names)}; allowed: " + ", ".join(names),
        )
    horizon = indicator.rsplit("_", 1)[-1]
    if months is not None and horizon.endswith("m") and horizon[:-1].isdigit():
        k = int(horizon[:-1])
        if months <= k:
            raise ScenarioError(
                file,
                "--indicator",
                f"{indicator} is observed {k} months after entry: the run needs more than {k} "
                f"months (it has {months}; see --months)",
            )


def parse_params(
    specs: Sequence[str], scenario: Scenario, file: str = "<sensitivity>"
) -> list[Param]:
    """``PATH=LOW:HIGH`` specs -> parameters, every path validated against ``scenario``.

    The low corner (every parameter at its low bound) and the high corner are validated as
    scenarios before anything runs.

    Raises:
        ScenarioError: naming the field when a spec is malformed, a bound is not a number,
            LOW >= HIGH, a path is unknown or not numeric, a path repeats, fewer than two
            parameters are given, or a corner is not a valid scenario.
    """
    if len(specs) < 2:
        raise ScenarioError(
            file,
            "--param",
            f"give at least two parameters (--param PATH=LOW:HIGH, repeated); got {len(specs)}",
        )
    data, scratch = scenario.model_dump(), scenario.model_dump()
    params: list[Param] = []
    for spec in specs:
        path, _, bounds = spec.partition("=")
        numbers = bounds.split(":")
        if len(numbers) == 2 and all(_is_number(n) for n in numbers):
            low, high = float(numbers[0]), float(numbers[1])
            if path.strip() and not low < high:
                raise ScenarioError(
                    file, path.strip(), f"LOW must be below HIGH (got {low:g}:{high:g})"
                )
        try:
            path, low, high = parse_range(spec)
        except ScenarioError:
            raise ScenarioError(
                file, "--param", f"{spec!r}: expected PATH=LOW:HIGH with numbers, LOW < HIGH"
            ) from None
        if any(p.path == path for p in params):
            raise ScenarioError(file, path, "given twice; give each parameter once")
        apply_overrides(scratch, {path: low}, file)  # an unknown path raises, naming it
        current = value_at(data, path)
        if isinstance(current, bool):
            raise ScenarioError(
                file, path, f"is true/false ({current}), not a number: it cannot be varied"
            )
        if current is not None and not isinstance(current, int | float):
            raise ScenarioError(
                file, path, f"is not a number (it holds {type(current).__name__}): cannot be varied"
            )
        integer = isinstance(current, int)
        if integer and not (low.is_integer() and high.is_integer()):
            raise ScenarioError(
                file, path, f"holds whole numbers: give whole-number bounds (got {low:g}:{high:g})"
            )
        params.append(Param(path, low, high, integer))
    corners = [{p.path: p.value(p.low) for p in params}, {p.path: p.value(p.high) for p in params}]
    validate_points(scenario, corners, file)
    return params


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def as_params(params: Sequence[Param | tuple[str, float, float]]) -> list[Param]:
    """Parameters given as :class:`Param` or ``(name, low, high)`` tuples (function analyses)."""
    out = [
        p if isinstance(p, Param) else Param(str(p[0]), float(p[1]), float(p[2])) for p in params
    ]
    if len(out) < 2:
        raise ValueError("give at least two parameters")
    for p in out:
        if not p.low < p.high:
            raise ValueError(f"{p.path}: LOW must be below HIGH (got {p.low:g}:{p.high:g})")
    return out


def problem_of(params: Sequence[Param]) -> dict:
    """The SALib problem of the parameters."""
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [[p.low, p.high] for p in params],
    }


# ----------------------------------------------------------------------------- sample, analyse
def sample(params: Sequence[Param], method: str, samples: int, seed: int) -> np.ndarray:
    """The SALib sample (one row per model evaluation, one column per parameter).

    Morris: ``samples`` trajectories on :data:`NUM_LEVELS` levels, r(k + 1) rows. Sobol':
    Saltelli's scheme on a scrambled Sobol' sequence without second-order indices, N(k + 2) rows
    (``samples`` = N, a power of 2).
    """
    problem = problem_of(params)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=NUM_LEVELS, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")


def analyse(
    params: Sequence[Param], method: str, X: np.ndarray, Y: np.ndarray, seed: int
) -> pd.DataFrame:
    """Sensitivity indices of the outputs ``Y`` of the sample ``X``, one row per parameter.

    Columns: ``parameter``, ``low``, ``high``, ``integer``, then for Morris ``mu``, ``mu_star``,
    ``mu_star_conf`` (half-width of the 95% interval), ``mu_star_low``, ``mu_star_high``,
    ``sigma``; for Sobol' ``S1``, ``S1_conf``, ``S1_low``, ``S1_high``, ``ST``, ``ST_conf``,
    ``ST_low``, ``ST_high``; then ``rank`` (1: most influential, by ``mu_star`` or ``ST``) and
    ``negligible`` (see the module's rule). Sorted by rank. The bootstrap is seeded with ``seed``.

    Raises:
        ValueError: when ``Y`` has a value that is not finite.
    """
    Y = np.asarray(Y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if not np.isfinite(Y).all():
        bad = int(np.count_nonzero(~np.isfinite(Y)))
        raise ValueError(f"{bad} of {Y.size} outputs are not finite numbers (NaN or infinite)")
    problem = problem_of(params)
    base = pd.DataFrame(
        {
            "parameter": [p.path for p in params],
            "low": [p.low for p in params],
            "high": [p.high for p in params],
            "integer": [p.integer for p in params],
        }
    )
    constant = np.ptp(Y) == 0
    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            X,
            Y,
            num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL,
            num_levels=NUM_LEVELS,
            seed=seed,
        )
        table = base.assign(
            mu=np.asarray(res["mu"], dtype=float),
            mu_star=np.asarray(res["mu_star"], dtype=float),
            mu_star_conf=np.nan_to_num(np.asarray(res["mu_star_conf"], dtype=float)),
            sigma=np.asarray(res["sigma"], dtype=float),
        )
        table.insert(7, "mu_star_low", (table["mu_star"] - table["mu_star_conf"]).clip(lower=0))
        table.insert(8, "mu_star_high", table["mu_star"] + table["mu_star_conf"])
        key = "mu_star"
        threshold = MORRIS_RELATIVE * float(table["mu_star"].max())
        negligible = table["mu_star_high"] <= threshold
    elif method == "sobol":
        if constant:  # SALib divides by the output's standard deviation
            zeros = np.zeros(len(params))
            res = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            from SALib.analyze import sobol

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = sobol.analyze(
                    problem,
                    Y,
                    calc_second_order=False,
                    num_resamples=NUM_RESAMPLES,
                    conf_level=CONF_LEVEL,
                    seed=seed,
                )
        table = base.copy()
        for name in ("S1", "ST"):
            value = np.asarray(res[name], dtype=float)
            conf = np.nan_to_num(np.asarray(res[f"{name}_conf"], dtype=float))
            table[name] = value
            table[f"{name}_conf"] = conf
            table[f"{name}_low"] = value - conf
            table[f"{name}_high"] = value + conf
        key = "ST"
        negligible = table["ST_high"] < SOBOL_THRESHOLD
    else:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    table["rank"] = table[key].rank(ascending=False, method="first").astype(int)
    table["negligible"] = negligible.to_numpy(dtype=bool)
    return table.sort_values("rank", kind="stable").reset_index(drop=True)


def analyse_function(
    func: Callable[[np.ndarray], np.ndarray],
    params: Sequence[Param | tuple[str, float, float]],
    method: str = "morris",
    samples: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Sample, evaluate a Python function on the sample, analyse: the pipeline without the model.

    Args:
        func: takes the sample matrix (one row per evaluation, one column per parameter, in the
            order of ``params``) and returns one output per row.
        params: :class:`Param` or ``(name, low, high)`` tuples (at least two).
        method: ``"morris"`` or ``"sobol"``.
        samples: Morris trajectories or Sobol' base points N (a power of 2); default
            :data:`DEFAULT_SAMPLES`.
        seed: seeds the sample and the bootstrap.

    Returns:
        The indices table of :func:`analyse`.
    """
    params = as_params(params)
    samples = check_method(method, samples, "<function>")
    X = sample(params, method, samples, seed)
    Y = np.asarray(func(X), dtype=float).ravel()
    if Y.size != X.shape[0]:
        raise ValueError(f"func returned {Y.size} outputs for {X.shape[0]} sample rows")
    return analyse(params, method, X, Y, seed)


def design_points(params: Sequence[Param], X: np.ndarray) -> tuple[list[dict], list[int]]:
    """The distinct scenario points of a sample, and the point each sample row runs as.

    Integer parameters are rounded; rows that give the same values share one point.
    """
    points: list[dict] = []
    index: dict[tuple, int] = {}
    rows: list[int] = []
    for x in X:
        values = tuple(p.value(v) for p, v in zip(params, x, strict=True))
        if values not in index:
            index[values] = len(points)
            points.append(dict(zip((p.path for p in params), values, strict=True)))
        rows.append(index[values])
    return points, rows


# ----------------------------------------------------------------------------- the model
def read_indices(out: str | Path) -> pd.DataFrame:
    """The indices table of a finished sensitivity run (``sensitivity.csv``)."""
    return pd.read_csv(Path(out) / "sensitivity.csv")


def load_sensitivity(out: str | Path) -> SensitivityResult:
    """A finished sensitivity run read back from its directory."""
    out = Path(out)
    return SensitivityResult(out, read_indices(out), store.read_manifest(out))


def point_values(
    manifest: dict, indicators: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sample row, the indicator's mean over replications; per point, its mean and sd.

    Returns:
        ``(Y, means, sds)``: Y has one value per sample row; ``means`` and ``sds`` (across
        replications, NaN with one replication) one per distinct point.
    """
    spec = manifest["sensitivity"]
    n_points = len(manifest["points"])
    sel = indicators[
        (indicators["indicator"] == spec["indicator"]) & (indicators["public"] == spec["public"])
    ]
    grouped = sel.groupby("point")["value"]
    means = grouped.mean().reindex(range(n_points)).to_numpy(dtype=float)
    sds = grouped.std(ddof=1).reindex(range(n_points)).to_numpy(dtype=float)
    return means[np.asarray(spec["rows"], dtype=int)], means, sds
