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
ranking, the negligible parameters and the replication noise). The manifest records the method,
the parameters, the indicator and the SALib sample: ``parcours resume`` completes an interrupted
run and then does the analysis.
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
            f"unknown indicator {indicator!r}; allowed: {', '.join(INDICATORS)}",
        )
    names = public_names()
    if public not in names:
        raise ScenarioError(
            file, "--public", f"unknown public {public!r}; allowed: {', '.join(names)}"
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
def sensitivity(
    scenario: str | Path | Scenario,
    method: str = "morris",
    params: Sequence[str] = (),
    indicator: str = DEFAULT_INDICATOR,
    public: str = "all",
    samples: int | None = None,
    replications: int = 1,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
) -> SensitivityResult:
    """Morris screening or Sobol' indices of one indicator of the model (``parcours sensitivity``).

    Every input is checked before anything runs or is written. Then every distinct sample point
    runs ``replications`` times through the experiments runner (common seeds across points); the
    analysis uses, per point, the mean over replications of ``indicator`` for ``public``.

    Args:
        scenario: a YAML path or a validated :class:`Scenario`.
        method: ``"morris"`` or ``"sobol"``.
        params: ``PATH=LOW:HIGH`` specs, at least two.
        indicator: one of :data:`sim.outcomes.INDICATORS`.
        public: one of the publics (:func:`public_names`).
        samples: Morris trajectories r (r(k + 1) points) or Sobol' base points N, a power of 2
            (N(k + 2) points); default :data:`DEFAULT_SAMPLES`.
        replications: runs per point (at least 2 to measure the replication noise).
        seed: overrides ``run.seed``; seeds the sample, the runs and the bootstrap.
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        out: the run directory (``"auto"``: ``results/<scenario>-sensitivity-<time>-s<seed>``).
        workers: worker processes (default: the number of cores).
        backend: ``"local"`` or ``"dask"``.
        scheduler: address of an existing Dask scheduler.
        progress: show a progress bar.

    Returns:
        The run directory and the indices table.

    Raises:
        ScenarioError: an invalid input, naming the field.
    """
    from sim.experiments.runner import _start, resolve

    scn = resolve(scenario, seed, persons, months)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    samples = check_method(method, samples, file)
    check_indicator(indicator, public, scn.run.months, file)
    if replications < 1:
        raise ScenarioError(file, "--replications", "must be at least 1")
    parsed = parse_params(list(params), scn, file)
    X = sample(parsed, method, samples, scn.run.seed)
    points, rows = design_points(parsed, X)
    spec = {
        "method": method,
        "params": [
            {"path": p.path, "low": p.low, "high": p.high, "integer": p.integer} for p in parsed
        ],
        "indicator": indicator,
        "public": public,
        "samples": samples,
        "num_levels": NUM_LEVELS if method == "morris" else None,
        "calc_second_order": False if method == "sobol" else None,
        "seed": scn.run.seed,
        "conf_level": CONF_LEVEL,
        "num_resamples": NUM_RESAMPLES,
        "negligible_rule": RULES[method],
        "rows": rows,
        "sample": X.tolist(),
    }
    exp = _start(
        "sensitivity",
        [scn],
        points,
        replications,
        out,
        f"{scn.name}-sensitivity",
        extra={"sensitivity": spec},
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
    )
    return SensitivityResult(exp.out, read_indices(exp.out), exp.manifest, exp)


def read_indices(out: str | Path) -> pd.DataFrame:
    """The indices table of a finished sensitivity run (``sensitivity.csv``)."""
    return pd.read_csv(Path(out) / "sensitivity.csv")


def load_sensitivity(out: str | Path) -> SensitivityResult:
    """A finished sensitivity run read back from its directory."""
    from sim.experiments.store import read_manifest

    out = Path(out)
    return SensitivityResult(out, read_indices(out), read_manifest(out))


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


def write_outputs(out: str | Path, manifest: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    """Analyse a sensitivity run whose tasks are done; write its three files (atomically).

    Called by :func:`sim.experiments.runner.finalize`, so that ``parcours resume`` also does the
    analysis. Records the ranking, the negligible parameters and the replication noise in
    ``manifest["sensitivity"]["result"]``.

    Raises:
        ScenarioError: when the indicator is undefined at some point (e.g. no one found a job
            for ``median_months_to_first_job``); the runs are kept.
    """
    out = Path(out)
    spec = manifest["sensitivity"]
    params = [Param(p["path"], p["low"], p["high"], p["integer"]) for p in spec["params"]]
    X = np.asarray(spec["sample"], dtype=float)
    Y, means, sds = point_values(manifest, indicators)
    if not np.isfinite(means).all():
        bad = int(np.count_nonzero(~np.isfinite(means)))
        raise ScenarioError(
            out,
            "--indicator",
            f"{spec['indicator']} ({spec['public']}) is undefined (NaN) at {bad} of {means.size} "
            "points (e.g. nobody observed long enough, or no one in the public); choose another "
            "indicator or public, or longer runs. The runs are kept in this directory.",
        )
    table = analyse(params, spec["method"], X, Y, spec["seed"])
    replications = manifest["replications"]
    noise_sd = float(np.nanmean(sds)) if replications > 1 else float("nan")
    var_y = float(np.var(Y))
    noise_share = noise_sd**2 / replications / var_y if var_y > 0 else float("nan")
    key = "mu_star" if spec["method"] == "morris" else "ST"
    spec["result"] = {
        "ranking": list(table["parameter"]),
        key: [float(v) for v in table[key]],
        "negligible": list(table.loc[table["negligible"], "parameter"]),
        "noise_sd": None if math.isnan(noise_sd) else noise_sd,
        "noise_variance_share": None if math.isnan(noise_share) else noise_share,
        "output_mean": float(np.mean(Y)),
        "output_sd": float(np.std(Y)),
        "files": list(FILES),
    }
    store.write_text(out / "sensitivity.csv", table.to_csv(index=False))
    fig = plot_indices(table, spec["method"], spec["indicator"], spec["public"])
    store.write_figure(out / "sensitivity.png", fig, dpi=110)
    store.write_text(out / "sensitivity.md", markdown(table, manifest))
    return table


# ----------------------------------------------------------------------------- text and plot
def _num(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def _rows(table: pd.DataFrame, method: str) -> tuple[list[str], list[list[str]]]:
    if method == "morris":
        header = ["rank", "parameter", "range", "mu_star", "95% CI", "mu", "sigma", "negligible"]
    else:
        header = ["rank", "parameter", "range", "S1", "95% CI", "ST", "95% CI", "negligible"]
    rows = []
    for r in table.to_dict("records"):
        span = f"{_num(r['low'])}:{_num(r['high'])}" + (" (int)" if r["integer"] else "")
        if method == "morris":
            cells = [
                _num(r["mu_star"]),
                f"[{_num(r['mu_star_low'])}, {_num(r['mu_star_high'])}]",
                _num(r["mu"]),
                _num(r["sigma"]),
            ]
        else:
            cells = [
                f"{r['S1']:.3f}",
                f"[{r['S1_low']:.3f}, {r['S1_high']:.3f}]",
                f"{r['ST']:.3f}",
                f"[{r['ST_low']:.3f}, {r['ST_high']:.3f}]",
            ]
        rows.append(
            [str(r["rank"]), r["parameter"], span, *cells, "yes" if r["negligible"] else "no"]
        )
    return header, rows


def indices_text(table: pd.DataFrame, method: str) -> str:
    """The indices as a plain-text table (most influential first)."""
    header, rows = _rows(table, method)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [
        "  ".join(
            h.ljust(w) if i == 1 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    for r in rows:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 1 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame, method: str) -> str:
    header, rows = _rows(table, method)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(f"`{c}`" if i == 1 else c for i, c in enumerate(r)) + " |" for r in rows
    ]
    return "\n".join(lines)


def noise_text(manifest: dict) -> str:
    """What the replication noise is, in words."""
    spec, reps = manifest["sensitivity"], manifest["replications"]
    res = spec.get("result", {})
    if res.get("noise_sd") is None:
        return (
            "replication noise: not measured (one replication per point; run with "
            "--replications 2 or more to see whether effects stand out of the model's noise)"
        )
    share = res.get("noise_variance_share")
    share_text = (
        f"; the noise variance of a point's mean (sd^2 / {reps}) is {_num(100 * share, 3)}% of "
        "the variance of the analysed outputs"
        if share is not None
        else ""
    )
    return (
        f"replication noise: the indicator's standard deviation across the {reps} replications "
        f"of a point is {_num(res['noise_sd'])} on average (outputs: mean "
        f"{_num(res['output_mean'])}, sd {_num(res['output_sd'])} across the sample){share_text}"
    )


def summary_text(result: SensitivityResult) -> str:
    """What the command line prints: the table, the negligible parameters, the noise, the files."""
    m = result.manifest
    spec = m["sensitivity"]
    negligible = ", ".join(result.negligible) or "none"
    n_rows = len(spec["rows"])
    return "\n".join(
        [
            f"{spec['method']} sensitivity of {spec['indicator']} ({spec['public']}): "
            f"{n_rows} sample rows, {len(m['points'])} distinct points x {m['replications']} "
            f"replication{'s' if m['replications'] > 1 else ''} = {len(m['tasks'])} runs",
            "",
            indices_text(result.indices, spec["method"]),
            "",
            f"negligible ({spec['negligible_rule']}): {negligible}",
            noise_text(m),
            "",
            "written to " + ", ".join(str(Path(result.out) / f) for f in FILES),
        ]
    )


def markdown(table: pd.DataFrame, manifest: dict) -> str:
    """The text of ``sensitivity.md``."""
    spec = manifest["sensitivity"]
    method = spec["method"]
    scn_name, scn = next(iter(manifest["scenarios"].items()))
    k = len(spec["params"])
    reps = manifest["replications"]
    n_rows, n_points = len(spec["rows"]), len(manifest["points"])
    if method == "morris":
        design = (
            f"Morris elementary effects (SALib), r = {spec['samples']} trajectories on "
            f"{spec['num_levels']} levels: r(k + 1) = {n_rows} sample rows"
        )
        reading = (
            "`mu_star` is the mean absolute elementary effect: the change of the indicator over a "
            "step of 2/3 of the parameter's range, divided by 2/3 (a change per whole range, in "
            "the indicator's units); it ranks the parameters. `mu` close to `mu_star` in size "
            "means the effect has one sign; `sigma` large against `mu_star` means the effect "
            "depends on where the other parameters are (nonlinearity or interactions). Morris "
            "screens: it ranks and separates the negligible parameters at low cost, it does not "
            "apportion the variance."
        )
    else:
        design = (
            f"Sobol' indices (SALib, Saltelli's scheme without second-order indices), "
            f"N = {spec['samples']} base points: N(k + 2) = {n_rows} sample rows"
        )
        reading = (
            "`S1` is the share of the indicator's variance (over the ranges) due to the parameter "
            "alone; `ST` the share involving it, interactions included; `ST - S1` is what it "
            "contributes through interactions. Parameters with `ST` near zero can be fixed "
            "anywhere in their range. Intervals wider than the indices mean N is too small."
        )
    negligible = [f"`{p}`" for p in table.loc[table["negligible"], "parameter"]]
    ranking = " > ".join(f"`{p}`" for p in table["parameter"])
    params = "\n".join(
        f"- `{p['path']}` in [{_num(p['low'])}, {_num(p['high'])}]"
        + (" (whole numbers; rounded for the runs)" if p["integer"] else "")
        for p in spec["params"]
    )
    return "\n".join(
        [
            f"# Sensitivity of {spec['indicator']} ({spec['public']})",
            "",
            f"- scenario: `{scn_name}` ({scn['run']['persons']} persons, {scn['run']['months']} "
            f"months, seed {manifest['seed']})",
            f"- method: {design}",
            f"- runs: {n_points} distinct points x {reps} replication{'s' if reps > 1 else ''} "
            f"(common seeds across points) = {len(manifest['tasks'])} runs",
            f"- indicator: `{spec['indicator']}` for the public `{spec['public']}`, mean over "
            "the replications of each point",
            f"- {k} parameters:",
            "",
            params,
            "",
            "## Indices (most influential first)",
            "",
            _markdown_table(table, method),
            "",
            f"Confidence intervals: {int(100 * spec['conf_level'])}%, bootstrap "
            f"({spec['num_resamples']} resamples).",
            "",
            f"Ranking: {ranking}",
            "",
            f"## Negligible parameters ({spec['negligible_rule']})",
            "",
            ", ".join(negligible) if negligible else "None.",
            "",
            "## Replication noise",
            "",
            noise_text(manifest) + ".",
            "",
            "Effects of the size of this noise cannot be told from it: even with common seeds, a "
            "small change of a parameter can reroute the random draws of a run.",
            "",
            "## How to read it",
            "",
            reading,
            "",
        ]
    )


def plot_indices(table: pd.DataFrame, method: str, indicator: str, public: str = "all"):
    """Horizontal bars of the indices with their 95% intervals (and mu_star vs sigma for Morris).

    Okabe-Ito colours; negligible parameters and total-order bars are also hatched, and each bar
    carries its value, so that the plot reads in greyscale.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    from sim.present.plots import MARKERS, OKABE_ITO

    table = table.sort_values("rank", ascending=False)  # most influential on top
    y = np.arange(len(table))
    labels = [
        f"{n}\n(negligible)" if g else n
        for n, g in zip(table["parameter"], table["negligible"], strict=True)
    ]
    height = max(3.2, 1.4 + 0.6 * len(table))
    if method == "morris":
        fig = Figure(figsize=(12, height))
        bars, scatter = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        influential = Patch(facecolor=OKABE_ITO[5], edgecolor="0.2", label="influential")
        negligible = Patch(facecolor=OKABE_ITO[2], edgecolor="0.2", hatch="..", label="negligible")
        drawn = bars.barh(
            y,
            table["mu_star"],
            xerr=[table["mu_star"] - table["mu_star_low"], table["mu_star_conf"]],
            color=[OKABE_ITO[2] if n else OKABE_ITO[5] for n in table["negligible"]],
            edgecolor="0.2",
            capsize=3,
        )
        for bar, flag in zip(drawn, table["negligible"], strict=True):
            bar.set_hatch(".." if flag else "")
        _values(bars, y, table["mu_star"], table["mu_star_high"], _span(table["mu_star_high"]))
        threshold = MORRIS_RELATIVE * float(table["mu_star"].max())
        line = bars.axvline(threshold, color="0.3", ls="--", lw=1)
        line.set_label(f"{MORRIS_RELATIVE:.0%} of the largest mu*")
        bars.set_yticks(y, labels, fontsize=8)
        bars.set_xlabel(f"mu*: mean |elementary effect| on {indicator}, per whole range")
        bars.set_title("Morris mu* with its 95% CI")
        bars.legend(handles=[influential, negligible, line], fontsize=7, loc="lower right")
        for i, r in enumerate(table[::-1].to_dict("records")):
            scatter.plot(
                r["mu_star"],
                r["sigma"],
                MARKERS[i % len(MARKERS)],
                color=OKABE_ITO[(i + 5) % len(OKABE_ITO)],
                markeredgecolor="black",
                label=r["parameter"],
            )
        top = float(max(table["mu_star"].max(), table["sigma"].max(), 1e-12))
        scatter.plot([0, top], [0, top], color="0.5", ls=":", lw=1, label="sigma = mu*")
        scatter.set_xlabel("mu*")
        scatter.set_ylabel("sigma (nonlinearity, interactions)")
        scatter.set_title("mu* against sigma")
        scatter.legend(fontsize=7)
        axes = (bars, scatter)
    else:
        fig = Figure(figsize=(9, height))
        bars = fig.subplots()
        h = 0.38
        bars.barh(
            y + h / 2,
            table["S1"],
            h,
            xerr=table["S1_conf"],
            color=OKABE_ITO[5],
            edgecolor="0.2",
            capsize=3,
            label="S1 (first order)",
        )
        bars.barh(
            y - h / 2,
            table["ST"],
            h,
            xerr=table["ST_conf"],
            color=OKABE_ITO[1],
            edgecolor="0.2",
            hatch="//",
            capsize=3,
            label="ST (total order)",
        )
        span = _span(pd.concat([table["S1_high"], table["ST_high"]]), SOBOL_THRESHOLD)
        _values(bars, y + h / 2, table["S1"], table["S1_high"], span, "{:.3f}")
        _values(bars, y - h / 2, table["ST"], table["ST_high"], span, "{:.3f}")
        bars.axvline(
            SOBOL_THRESHOLD,
            color="0.3",
            ls="--",
            lw=1,
            label=f"ST + CI below {SOBOL_THRESHOLD:g}: negligible",
        )
        bars.axvline(0, color="0.2", lw=0.8)
        bars.set_yticks(y, labels, fontsize=8)
        bars.set_xlabel(f"share of the variance of {indicator}")
        bars.set_title("Sobol' indices with their 95% CI")
        bars.legend(fontsize=7, loc="lower right")
        axes = (bars,)
    for ax in axes:
        ax.set_axisbelow(True)
        ax.grid(True, color="0.9")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    fig.suptitle(f"Sensitivity of {indicator} ({public})")
    fig.tight_layout()
    return fig


def _span(ends: pd.Series, at_least: float = 1e-12) -> float:
    """The largest bar end (value plus its interval): where the x axis must reach."""
    return float(max(np.nanmax(ends.to_numpy(dtype=float)), at_least))


def _values(
    ax, y: np.ndarray, values: pd.Series, ends: pd.Series, span: float, fmt: str = "{:.3g}"
) -> None:
    """Write each bar's value just right of its error bar; the x axis reaches past ``span``."""
    for yi, v, end in zip(y, values, ends, strict=True):
        ax.text(max(end, v, 0) + 0.01 * span, yi, fmt.format(v), va="center", fontsize=7)
    ax.set_xlim(right=1.18 * span)
