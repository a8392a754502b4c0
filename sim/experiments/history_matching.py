"""Calibration by history matching with Gaussian-process emulators: a posterior of parameter sets.

ABC-SMC (:mod:`sim.experiments.abc`) needs one model run per proposed particle. With fifteen
parameters and runs of several seconds, its importance weights collapse before the thresholds
get near the tolerances (ESS 5 of 100 particles after 412 runs, ``calibration/runs/
abc-baseline-20261130c``). History matching (Craig et al. 1997; Vernon, Goldstein and Bower 2010;
Andrianakis et al. 2015 for an agent-based model) spends the runs on a *design* instead, and
replaces the model, between runs, by a statistical emulator of each statistic:

1. **Emulators.** For each statistic of the targets, a Gaussian process on the unit cube of the
   parameters (log scale for ``log: true``; scikit-learn, a Matérn 5/2 kernel with one length per
   parameter plus a white-noise term for the runs' own noise). It predicts the statistic's mean
   ``m(x)`` at any point with a variance ``v(x)`` (the noise term excluded: the published figures
   are national, the model's seed noise is not part of what is compared).
2. **Implausibility** of a point for target ``i`` (value ``z``, tolerance ``tol``)::

       I_i(x) = |m_i(x) - z_i| / sqrt(v_i(x) + tol_i^2)

   The tolerance is read as the standard deviation of the published figure's error plus the
   model's discrepancy. A point is *non-implausible* when ``max_i I_i(x) <= cutoff`` (3:
   Pukelsheim's three-sigma rule, as in Vernon et al. 2010).
3. **Waves.** Each wave draws ``runs`` new design points uniformly in the space not yet ruled out
   (:func:`non_implausible_points`), runs the model there (one run each, independent seeds
   ``(HM_KEY + j)`` for the design's ``j``-th point), and fits the emulators again on the runs
   in the space not yet ruled out (at most :data:`TRAIN_MAX`, the most recent first). Runs of
   earlier calibrations can start the design (``design``: a ``design.csv`` of this method or the
   ``trials.csv`` of an Optuna calibration, at the same targets' parameters).
4. **Posterior.** With the last emulators, the posterior of the parameters given the targets::

       log p(x | z) = log prior(x) - 1/2 sum_i w_i (m_i(x) - z_i)^2 / (v_i(x) + tol_i^2)

   (``w_i``: the target's weight, a precision factor; the prior is the targets file's uniform or
   log-uniform bounds). It is sampled by adaptive importance sampling: a first batch from the
   prior, then batches from a mixture of the prior (a tenth) and normal kernels around the
   particles resampled from the previous batch (:func:`sample_posterior`). The last batch, with
   its normalised weights, is the posterior written (particles of negligible weight left out).
5. **Checks against the model itself.** ``check`` parameter sets drawn from the posterior are run
   (one run each): their statistics give the fit report's posterior range and their losses are
   compared with the emulators' prediction; the point estimate (the particle of highest posterior
   density) is re-run on held-out seeds, as the Optuna calibration does.

Leave-one-target-out (:func:`leave_one_target_out`) reuses the emulators: no further run.

Outputs are those of the ABC method (``posterior.parquet``, ``calibrated.yaml``, ``fit.md``,
``fit.csv``, ``fit.png``, ``diagnostics.csv`` (per wave), ``identifiability.csv``, ``pairs.png``)
and ``design.csv``: every run of the design with its statistics, written after each wave. An
interrupted calibration continues from it (``design=[<run>/design.csv]``, another ``out``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.abc_report import cast, prior_bounds
from sim.experiments.calibration_targets import Parameter, Target
from sim.scenario import ScenarioError

HM_KEY = 50_000  # spawn keys of the design's runs start here (one per design point)
CHECK_KEY = 60_000  # spawn keys of the posterior check's runs
CUTOFF = 3.0  # [implausibility] three-sigma rule (Pukelsheim 1994; Vernon et al. 2010)
TRAIN_MAX = 300  # [runs] most runs an emulator is fitted on (the fit costs their cube)
CANDIDATES = 20_000  # [points] uniform draws per search of the non-implausible space
PARTICLES = 2_000  # [particles] of the emulated posterior (tempered SMC)
MOVES = 5  # Metropolis moves of every particle after each tempering step
LOO_PARTICLES = 500  # [particles] of each leave-one-target-out posterior (medians and widths)
SEARCH_ROUNDS = 6  # rounds of draws around the points found, when few are non-implausible


# ----------------------------------------------------------------------------- the unit cube
def to_unit(values: pd.DataFrame | dict, params: list[Parameter]) -> np.ndarray:
    """Parameter values (columns named by path) mapped to the prior's unit cube, shape (n, d)."""
    cols = []
    for p in params:
        v = np.atleast_1d(np.asarray(values[p.path], dtype=float))
        low, high = prior_bounds(p)
        if p.log:
            cols.append((np.log(v) - math.log(low)) / (math.log(high) - math.log(low)))
        else:
            cols.append((v - low) / (high - low))
    return np.column_stack(cols)


def from_unit(x: np.ndarray, params: list[Parameter]) -> pd.DataFrame:
    """Points of the unit cube as parameter values (integers rounded, bounds kept)."""
    out = {}
    for k, p in enumerate(params):
        low, high = prior_bounds(p)
        u = np.clip(x[:, k], 0.0, 1.0)
        v = (
            np.exp(math.log(low) + u * (math.log(high) - math.log(low)))
            if p.log
            else (low + u * (high - low))
        )
        out[p.path] = [cast(p, value) for value in v]
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- emulators
class Emulator:
    """One Gaussian process per statistic on the unit cube (scikit-learn)."""

    def __init__(self, x: np.ndarray, y: pd.DataFrame, seed: int, jobs: int = 1):
        """Fit on points ``x`` (n, d) with statistics ``y`` (n rows, one column each).

        ``jobs``: statistics fitted at once (processes; the fits are independent).
        """
        from joblib import Parallel, delayed

        self.names = list(y.columns)
        self.dimension = x.shape[1]
        fitted = Parallel(n_jobs=min(jobs, len(self.names)))(
            delayed(_fit_gp)(x, y[name].to_numpy(float), seed) for name in self.names
        )
        self.models = [gp for gp, _ in fitted]
        self.noise = [noise for _, noise in fitted]

    def predict(self, x: np.ndarray, chunk: int = 5_000) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of each statistic's mean at ``x``: two arrays (n, statistics)."""
        mean = np.empty((len(x), len(self.names)))
        var = np.empty_like(mean)
        for start in range(0, len(x), chunk):
            part = x[start : start + chunk]
            for k, gp in enumerate(self.models):
                m, sd = gp.predict(part, return_std=True)
                mean[start : start + chunk, k] = m
                var[start : start + chunk, k] = np.maximum(sd**2 - self.noise[k], 0.0)
        return mean, var


def _fit_gp(x: np.ndarray, y: np.ndarray, seed: int):
    """A Gaussian process of one statistic, and its white-noise variance (the statistic's scale)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(x.shape[1], 0.5), length_scale_bounds=(0.05, 100.0), nu=2.5
    ) + WhiteKernel(0.1, (1e-6, 1.0))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
    with warnings.catch_warnings():  # a length at its bound: the statistic ignores that parameter
        warnings.simplefilter("ignore")
        gp.fit(x, y)
    # normalize_y fits the kernel to the standardised statistic: scale its noise back.
    return gp, float(gp.kernel_.k2.noise_level) * float(gp._y_train_std) ** 2


@dataclass
class Fit:
    """The targets as arrays over the emulator's statistics."""

    index: np.ndarray  # per target: the column of its statistic in the emulator
    value: np.ndarray
    tolerance: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, targets: list[Target], names: list[str]) -> Fit:
        """The targets' values, tolerances and weights; ``names``: the emulator's statistics."""
        return cls(
            np.array([names.index(t.statistic) for t in targets]),
            np.array([t.value for t in targets], dtype=float),
            np.array([t.tolerance for t in targets], dtype=float),
            np.array([t.weight for t in targets], dtype=float),
        )

    def implausibility(self, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        """``I_i(x)`` per point and target, shape (n, targets)."""
        m, v = mean[:, self.index], var[:, self.index]
        return np.abs(m - self.value) / np.sqrt(v + self.tolerance**2)

    def log_likelihood(self, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
        """The posterior's log density up to a constant (uniform prior on the cube), per point."""
        m, v = mean[:, self.index], var[:, self.index]
        return -0.5 * np.sum(self.weight * (m - self.value) ** 2 / (v + self.tolerance**2), axis=1)

    def loss(self, mean: np.ndarray) -> np.ndarray:
        """The Optuna calibration's loss (:func:`sim.experiments.calibration.loss`) per point."""
        m = mean[:, self.index]
        terms = self.weight * ((m - self.value) / self.tolerance) ** 2
        return terms.sum(axis=1) / self.weight.sum()


# ----------------------------------------------------------------------------- sampling
def _uniform(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random((n, d))


def _kernel_draws(centres: np.ndarray, cov: np.ndarray, n: int, rng) -> np.ndarray:
    picks = centres[rng.integers(len(centres), size=n)]
    return picks + rng.multivariate_normal(np.zeros(centres.shape[1]), cov, size=n)


def not_ruled_out(
    emulators: list[Emulator], fit: Fit, x: np.ndarray, cutoff: float = CUTOFF
) -> np.ndarray:
    """Whether each point of ``x`` is non-implausible under every wave's emulators."""
    keep = np.ones(len(x), dtype=bool)
    for emulator in emulators:
        rows = np.flatnonzero(keep)
        if rows.size == 0:
            break
        keep[rows] = fit.implausibility(*emulator.predict(x[rows])).max(axis=1) <= cutoff
    return keep


def non_implausible_points(
    emulators: list[Emulator], fit: Fit, n: int, rng: np.random.Generator, cutoff: float = CUTOFF
) -> tuple[np.ndarray, float]:
    """``n`` points drawn uniformly in the space no wave ruled out, and its share of the prior.

    A first batch of :data:`CANDIDATES` uniform points gives the share; if fewer than ``n`` of them
    are non-implausible, points are drawn around those found (normal kernels of their covariance)
    and kept when non-implausible, for up to :data:`SEARCH_ROUNDS` rounds. Fewer than ``n``
    points are returned when no more are found.
    """
    d = emulators[0].dimension
    x = _uniform(CANDIDATES, d, rng)
    keep = not_ruled_out(emulators, fit, x, cutoff)
    share = float(keep.mean())
    found = x[keep]
    for _ in range(SEARCH_ROUNDS):
        if len(found) >= n or len(found) == 0:
            break
        cov = np.cov(found.T) if len(found) > d else np.eye(d) * 0.01
        draws = _kernel_draws(found, cov * 0.25 + np.eye(d) * 1e-6, 4 * n, rng)
        draws = draws[((draws >= 0) & (draws <= 1)).all(axis=1)]
        ok = not_ruled_out(emulators, fit, draws, cutoff)
        found = np.vstack([found, draws[ok]])
    if len(found) > n:
        found = found[rng.choice(len(found), size=n, replace=False)]
    return found, share


def sample_posterior(
    emulators: list[Emulator],
    fit: Fit,
    rng: np.random.Generator,
    n: int = PARTICLES,
    cutoff: float = CUTOFF,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """A sample of the emulated posterior on the unit cube, by tempered SMC.

    The target is ``prior(x) 1{no wave rules x out} L(x)``, ``L`` the last emulators' likelihood
    (the earlier waves cut; the last emulators, fitted in the space left, know nothing of the
    rest). Sequential Monte Carlo with tempering (Del Moral, Doucet and Jasra 2006): ``n``
    particles start uniform in the space not ruled out (:func:`non_implausible_points`, then
    moves at temperature 0); each step raises the exponent ``beta`` of ``L`` as far as keeps the
    effective sample size of the reweighted particles at half of ``n``, resamples them and moves
    each by :data:`MOVES` random-walk Metropolis steps (normal proposals of the particles'
    covariance times ``2.38^2 / d``), until ``beta`` is 1. Returns the particles (equal weights),
    the emulated means and log-likelihoods at them, and the sampler's diagnostics (tempering
    steps, the last moves' acceptance rate, distinct particles).
    """
    d = emulators[-1].dimension

    def log_target(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ll = np.full(len(x), -np.inf)
        mean = np.full((len(x), len(emulators[-1].names)), np.nan)
        inside = np.flatnonzero(((x >= 0) & (x <= 1)).all(axis=1))
        inside = inside[not_ruled_out(emulators[:-1], fit, x[inside], cutoff)]
        if inside.size:
            m, v = emulators[-1].predict(x[inside])
            ll[inside], mean[inside] = fit.log_likelihood(m, v), m
        return ll, mean

    def move(x, ll, mean, beta):
        scale = 2.38**2 / d
        cov = np.atleast_2d(np.cov(x.T)) * scale + np.eye(d) * 1e-10
        accepted = 0
        for _ in range(MOVES):
            prop = x + rng.multivariate_normal(np.zeros(d), cov, size=len(x))
            ll_p, mean_p = log_target(prop)
            log_a = np.full(len(x), -np.inf)
            live = np.isfinite(ll_p)
            log_a[live] = beta * (ll_p[live] - ll[live])
            ok = np.log(rng.random(len(x))) < log_a
            x = np.where(ok[:, None], prop, x)
            ll = np.where(ok, ll_p, ll)
            mean = np.where(ok[:, None], mean_p, mean)
            accepted += int(ok.sum())
        return x, ll, mean, accepted / (MOVES * len(x))

    start, _ = non_implausible_points(emulators, fit, n, rng, cutoff)
    x = start[rng.integers(len(start), size=n)] if len(start) < n else start
    ll, mean = log_target(x)
    if not np.isfinite(ll).all():  # found by the last emulators' cut but out by an earlier one
        good = np.flatnonzero(np.isfinite(ll))
        pick = good[rng.integers(good.size, size=n)]
        x, ll, mean = x[pick], ll[pick], mean[pick]
    x, ll, mean, rate = move(x, ll, mean, 0.0)
    beta, steps = 0.0, 0
    while beta < 1.0:
        delta = _next_step(ll, 1.0 - beta)
        w = np.exp(delta * (ll - ll.max()))
        pick = _systematic(w / w.sum(), rng)
        x, ll, mean = x[pick], ll[pick], mean[pick]
        beta = min(1.0, beta + delta)
        x, ll, mean, rate = move(x, ll, mean, beta)
        steps += 1
    distinct = len(np.unique(x, axis=0))
    return x, mean, ll, {"tempering_steps": steps, "acceptance": rate, "distinct": distinct}


def _next_step(ll: np.ndarray, most: float) -> float:
    """The rise of the exponent that keeps the reweighted ESS at half the particles (bisection)."""

    def ess_share(delta: float) -> float:
        w = np.exp(delta * (ll - ll.max()))
        return float(w.sum() ** 2 / np.sum(w**2) / len(w))

    if ess_share(most) >= 0.5:
        return most
    low, high = 0.0, most
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if ess_share(mid) >= 0.5 else (low, mid)
    return max(low, 1e-6)


def _systematic(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: indices of ``len(w)`` draws in proportion to ``w``."""
    positions = (rng.random() + np.arange(len(w))) / len(w)
    return np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)


# ----------------------------------------------------------------------------- the design
def read_design(path: str | Path, params: list[Parameter], names: list[str]) -> pd.DataFrame:
    """Runs of an earlier calibration: a ``design.csv`` of this method or an Optuna ``trials.csv``.

    Returns one row per run with ``wave`` (the wave of this method's design, -1 for a trial),
    the parameters' paths and the statistics' names as columns (an Optuna trial's statistics are
    the means of its replications). Points outside the prior are left out.

    Raises:
        ScenarioError: the file is missing, or lacks a parameter or a statistic of the targets.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, "", "design file not found (design.csv or trials.csv)")
    frame = pd.read_csv(path)
    if "state" in frame.columns:  # Optuna's trials.csv: finished trials, statistics as mean_*
        frame = frame[frame["state"] == "COMPLETE"]
        frame = frame.rename(columns={f"mean_{n}": n for n in names})
    for column in [p.path for p in params] + names:
        if column not in frame.columns:
            raise ScenarioError(
                path, column, "column missing: a design must hold every parameter of the "
                "targets file and every statistic of its targets",
            )  # fmt: skip
    frame = frame.dropna(subset=[p.path for p in params] + names)
    inside = np.ones(len(frame), dtype=bool)
    for p in params:
        inside &= frame[p.path].between(p.low, p.high).to_numpy()
    out = frame.loc[inside, [p.path for p in params] + names].reset_index(drop=True)
    wave = frame.loc[inside, "wave"] if "wave" in frame.columns else -1
    out.insert(0, "wave", np.asarray(wave, dtype=int) if "wave" in frame.columns else wave)
    return out


# ----------------------------------------------------------------------------- the algorithm
class NothingLeft(Exception):
    """Every parameter set of the prior is ruled out: no set reaches every target."""

    def __init__(self, wave: int, closest: dict[str, float]):
        """``closest``: per target name, its smallest implausibility over the prior."""
        super().__init__(wave, closest)
        self.wave, self.closest = wave, closest


@dataclass
class Matching:
    """What the waves leave: the design, the last emulators, per-wave diagnostics."""

    design: pd.DataFrame
    emulators: list[Emulator]  # one per wave that had runs to fit on, the last fitted after all
    waves: pd.DataFrame
    train: np.ndarray  # rows of the design the last emulators were fitted on


def _training_rows(x: np.ndarray, emulators: list[Emulator], fit: Fit, cutoff: float):
    """Design rows no wave ruled out (all if too few), the newest :data:`TRAIN_MAX`."""
    rows = np.arange(len(x))
    keep = not_ruled_out(emulators, fit, x, cutoff)
    if keep.sum() >= 2 * x.shape[1]:
        rows = rows[keep]
    return rows[::-1][:TRAIN_MAX][::-1]


def history_match(
    simulate: Callable[[pd.DataFrame, int], pd.DataFrame],
    params: list[Parameter],
    targets: list[Target],
    waves: int,
    runs: int,
    seed: int,
    design: pd.DataFrame | None = None,
    cutoff: float = CUTOFF,
    on_wave: Callable[[pd.DataFrame], None] | None = None,
    jobs: int = 1,
) -> Matching:
    """Run the waves: design points in the space not ruled out, model runs, emulators again.

    ``simulate(points, first)`` runs the model once at each row of ``points`` (parameter values
    by path; ``first``: the design index of the first row, for the seeds) and returns their
    statistics (one row each, columns by statistic name). ``design`` holds earlier runs: rows of
    ``wave`` -1 start the design; rows of waves 0, 1... (a ``design.csv`` of this method) are
    *replayed*: their emulators are fitted again and the same candidates drawn, without running
    the model, so that ``waves`` more waves continue the earlier run as if it had not stopped.
    ``on_wave(design)`` is called after each wave's runs (to write the design). ``jobs``:
    emulators fitted at once.
    """
    names = list(dict.fromkeys(t.statistic for t in targets))
    fit = Fit.of(targets, names)
    rng = np.random.default_rng(np.random.SeedSequence([seed, HM_KEY]))
    columns = ["wave", *[p.path for p in params], *names]
    if design is None:
        design = pd.DataFrame(columns=columns)
    else:
        design = design.assign(wave=design.get("wave", -1))[columns]
        design = design.sort_values("wave", kind="stable").reset_index(drop=True)
    replayed = int(design["wave"].max()) + 1 if len(design) else 0
    emulators: list[Emulator] = []
    rows = []
    for wave in range(replayed + waves):
        before = design[design["wave"] < wave]
        x_before = to_unit(before, params) if len(before) else np.empty((0, len(params)))
        n_new = int((design["wave"] == wave).sum()) if wave < replayed else runs
        if len(before) >= 2 * len(params):
            train = _training_rows(x_before, emulators, fit, cutoff)
            emulators.append(Emulator(x_before[train], before.iloc[train][names], seed, jobs))
            new_x, share = non_implausible_points(emulators, fit, n_new, rng, cutoff)
            if len(new_x) == 0:
                x = _uniform(CANDIDATES, len(params), rng)
                closest = fit.implausibility(*emulators[-1].predict(x)).min(axis=0)
                raise NothingLeft(
                    wave, {t.name: float(i) for t, i in zip(targets, closest, strict=True)}
                )
        else:
            train, share = np.arange(len(before)), 1.0
            new_x = _uniform(n_new, len(params), rng)
        if wave < replayed:  # an earlier run's wave: its runs are in the design already
            new = design[design["wave"] == wave]
            points = new[[p.path for p in params]].reset_index(drop=True)
            stats = new[names].reset_index(drop=True)
        else:
            points = from_unit(new_x, params)
            stats = simulate(points, len(design))
        if emulators:  # the last emulators' forecast of the new runs
            mean, var = emulators[-1].predict(to_unit(points, params))
            noise = np.array(emulators[-1].noise)
            z = np.abs(stats[names].to_numpy(float) - mean) / np.sqrt(var + noise)
            within = float(np.mean(z <= 3))
        else:
            within = float("nan")
        if wave >= replayed:
            new = pd.concat([points, stats[names]], axis=1).assign(wave=wave)[columns]
            design = new if not len(design) else pd.concat([design, new], ignore_index=True)
        rows.append(
            {
                "wave": wave,
                "replayed": wave < replayed,
                "runs": len(new),
                "runs_in_all": int((design["wave"] <= wave).sum()),
                "training_runs": len(train),
                "non_implausible_share": share,
                "forecast_within_3sd": within,
            }
        )
        if on_wave is not None and wave >= replayed:
            on_wave(design)
    x_design = to_unit(design, params)
    train = _training_rows(x_design, emulators, fit, cutoff)
    emulators.append(Emulator(x_design[train], design.iloc[train][names], seed, jobs))
    return Matching(design, emulators, pd.DataFrame(rows), train)


def posterior_frame(
    matching: Matching,
    params: list[Parameter],
    targets: list[Target],
    seed: int,
    cutoff: float = CUTOFF,
    particles: int = PARTICLES,
) -> tuple[pd.DataFrame, dict]:
    """The emulated posterior's particles and the sampler's diagnostics.

    One row per particle: ``weight`` (equal), ``distance`` (the emulated loss),
    ``log_likelihood`` (emulated), the values by path; the highest likelihood first (the point
    estimate: under a uniform prior, the particle of highest posterior density).
    """
    fit = Fit.of(targets, matching.emulators[-1].names)
    rng = np.random.default_rng(np.random.SeedSequence([seed, HM_KEY, 1]))
    x, mean, ll, info = sample_posterior(matching.emulators, fit, rng, particles, cutoff)
    frame = from_unit(x, params)
    frame.insert(0, "log_likelihood", ll)
    frame.insert(0, "distance", fit.loss(mean))
    frame.insert(0, "weight", 1.0 / len(frame))
    frame = frame.sort_values("log_likelihood", ascending=False, kind="stable")
    frame.insert(0, "particle", np.arange(len(frame)))
    return frame.reset_index(drop=True), info


def draw_sets(particles: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` particles drawn by weight (with replacement), seeded."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, CHECK_KEY]))
    w = particles["weight"].to_numpy(float)
    return particles.iloc[rng.choice(len(particles), size=n, p=w / w.sum())].reset_index(drop=True)


# ----------------------------------------------------------------------------- the calibration
@dataclass
class HistoryMatch:
    """A finished history matching: the posterior and what describes it (as ABC's Posterior)."""

    out: Path
    particles: pd.DataFrame
    diagnostics: pd.DataFrame  # one row per wave
    identifiability: pd.DataFrame
    parameters: dict[str, float]  # the point estimate
    fit: pd.DataFrame
    matching: Matching
    params: list[Parameter]
    targets: list[Target]  # as fitted (the model's own statistics for a synthetic truth)
    cutoff: float
    seed: int
    recovery: pd.DataFrame | None = None


def calibrate_hm(
    scenario,
    targets: str | Path,
    waves: int = 3,
    runs: int = 100,
    design: list[str | Path] | None = None,
    cutoff: float = CUTOFF,
    check: int = 20,
    check_replications: int = 5,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    truth: dict[str, float] | None = None,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    burn_in: int | None = None,
    out: str | Path | None = "auto",
    echo=None,
    drop_targets: list[str] | None = None,
) -> HistoryMatch:
    """History matching of the targets file's parameters; write the run directory.

    Args:
        scenario: a YAML path or a validated scenario.
        targets: the targets file (its parameters' bounds are the prior).
        waves: waves of ``runs`` new design runs each.
        runs: model runs per wave (one seed each).
        design: earlier runs to start from (``design.csv`` of this method, ``trials.csv`` of the
            Optuna calibration) at the same scenario, size and targets' parameters.
        cutoff: the implausibility above which a point is ruled out.
        check: posterior draws run through the model to check the emulated fit.
        check_replications: held-out runs of the point estimate for the fit report.
        truth: ``{path: value}``: fit the model's own statistics at these values.
        drop_targets: target ids or names left out of the fit.
        workers: runs at once (default: the number of cores).
        backend: ``"local"`` processes or ``"dask"``, as for experiments.
        scheduler: the address of an existing Dask scheduler.
        seed: overrides ``run.seed`` (every run's seed derives from it).
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        burn_in: overrides ``run.burn_in``.
        out: the run directory (never overwritten); ``"auto"``: ``results/<id>``.
        echo: called with a line of text before the runs start (the cost estimate).
    """
    from sim.experiments.abc import observe, select_targets
    from sim.experiments.abc_report import (
        identifiability_table,
        posterior_markdown,
        weighted_quantile,
        write_abc_outputs,
    )
    from sim.experiments.backends import backend_session
    from sim.experiments.calibration import (
        HELD_OUT,
        _means,
        _run_batch,
        _tasks,
        loss,
        manifest_head,
        prepare,
    )
    from sim.experiments.calibration_report import fit_table, recovery_table

    if waves < 1 or runs < 2 or check < 1 or cutoff <= 0:
        raise ScenarioError(
            "--waves", "waves", "waves >= 1, runs >= 2, check >= 1 and a positive cut-off"
        )
    setup = prepare(
        scenario, targets, truth, seed, persons, months, burn_in, out, "hm", workers, scheduler
    )
    spec = select_targets(setup.spec, drop_targets)
    params, base, seed_value = spec.parameters, setup.base, setup.scn.run.seed
    names = list(dict.fromkeys(t.statistic for t in spec.targets))
    earlier = [read_design(path, params, names) for path in design or []]
    with_waves = [
        path for path, d in zip(design or [], earlier, strict=True) if d["wave"].max() >= 0
    ]
    if len(with_waves) > 1:
        raise ScenarioError(
            with_waves[1], "wave", "only one design of this method can be continued at a time "
            f"(its waves are replayed); {with_waves[0]} is one already",
        )  # fmt: skip
    start_design = pd.concat(earlier, ignore_index=True) if earlier else None
    out_dir = setup.out_dir
    manifest = {
        **manifest_head("calibration-history-matching", setup, targets, backend, scheduler),
        "targets": spec.model_dump(),
        "waves": waves,
        "runs": runs,
        "cutoff": cutoff,
        "design_files": [str(p) for p in design or []],
    }
    store.create_run_dir(out_dir, manifest)
    (out_dir / store.TASKS).rmdir()
    started = time.perf_counter()

    def run_points(run, points: pd.DataFrame, label: str, spawn0: int) -> pd.DataFrame:
        """One run at each row of ``points`` (seed ``spawn0 + row``): their statistics."""
        tasks, labels = [], []
        for i, row in enumerate(points[[p.path for p in params]].to_dict("records")):
            labels.append(f"{label}{spawn0 + i}")
            tasks += _tasks(base, row, labels[-1], [spawn0 + i], seed_value, names)
        got = _run_batch(run, tasks, labels)
        return pd.DataFrame([got[label][0] for label in labels])

    with backend_session(setup.workers, backend, scheduler) as run:
        fit_spec, per_run = observe(run, setup, spec, names, 1)
        if echo is not None:
            echo(
                f"history matching: {waves} wave(s) x {runs} runs of {setup.scn.run.persons} "
                f"persons x {setup.scn.run.months} months; one run took {per_run:.2f} s; "
                f"estimated wall time ~{waves * runs * per_run / setup.workers / 60:.0f} min "
                f"on {setup.workers} worker(s), emulator fits apart"
            )
        try:
            matching = history_match(
                lambda points, first: run_points(run, points, "d", HM_KEY + first),
                params, fit_spec.targets, waves, runs, seed_value, start_design, cutoff,
                on_wave=lambda d: store.write_text(out_dir / "design.csv", d.to_csv(index=False)),
                jobs=setup.workers,
            )  # fmt: skip
        except NothingLeft as err:
            far = {k: round(v, 1) for k, v in err.closest.items() if v > cutoff}
            raise ScenarioError(
                targets, ", ".join(far) or "targets", f"after wave {err.wave}, every parameter "
                f"set of the prior is ruled out (implausibility above {cutoff:g}): no set brings "
                f"these targets within {cutoff:g} tolerances together; the smallest "
                f"implausibility each reaches alone: {far or err.closest}. The runs so far are "
                f"in {out_dir / 'design.csv'}",
            ) from None  # fmt: skip
        particles, sampler = posterior_frame(matching, params, fit_spec.targets, seed_value, cutoff)
        point = {p.path: p.cast(particles.iloc[0][p.path]) for p in params}
        checked = run_points(run, draw_sets(particles, check, seed_value), "check", CHECK_KEY)
        spawn = list(range(HELD_OUT, HELD_OUT + check_replications))
        held = _run_batch(run, _tasks(base, point, "fit", spawn, seed_value, names), ["fit"])
    held = held["fit"]
    real_losses = Fit.of(fit_spec.targets, names).loss(checked[names].to_numpy(float))
    ranges = pd.DataFrame(
        {
            "target": [t.name for t in fit_spec.targets],
            "posterior_p05": [checked[t.statistic].quantile(0.05) for t in fit_spec.targets],
            "posterior_p95": [checked[t.statistic].quantile(0.95) for t in fit_spec.targets],
        }
    )
    fit = fit_table(fit_spec, held, {}).merge(ranges, on="target", how="left")
    ident = identifiability_table(particles, params)
    recovery = recovery_table(spec, truth, point) if truth else None
    diagnostics = matching.waves.copy()
    w = particles["weight"].to_numpy(float)
    provenance = {
        "run_id": out_dir.name,
        "method": "history-matching",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": setup.file,
        "targets_file": str(targets),
        "targets_sha256": manifest["targets_sha256"],
        "targets_used": [f"{t.id} {t.name}" for t in spec.targets if t.weight > 0],
        "synthetic_truth": truth,
        "waves": waves,
        "runs_per_wave": runs,
        "design_runs": len(matching.design),
        "design_files": manifest["design_files"],
        "emulator_training_runs": len(matching.train),
        "cutoff": cutoff,
        "non_implausible_share": float(diagnostics["non_implausible_share"].iloc[-1]),
        "persons": setup.scn.run.persons,
        "months": setup.scn.run.months,
        "seed": seed_value,
        "total_simulations": int(waves * runs + check + check_replications),
        "particles": len(particles),
        "distinct_particles": sampler["distinct"],
        "tempering_steps": sampler["tempering_steps"],
        "acceptance_last_moves": sampler["acceptance"],
        "emulated_loss_median": weighted_quantile(particles["distance"], w, 0.5),
        "check_runs": check,
        "check_loss_median": float(np.median(real_losses)),
        "check_loss_p90": float(np.quantile(real_losses, 0.9)),
        "point_estimate": "the particle of highest posterior density",
        "loss": float(particles["distance"].iloc[0]),
        "loss_held_out": loss(_means(held, names), fit_spec.targets),
        "posterior_statistics": f"the 5-95% range of {check} model runs at posterior draws",
        "git_commit": manifest["git_commit"],
    }
    head = _report_head(provenance, diagnostics)
    write_abc_outputs(
        out_dir, provenance, particles, diagnostics, ident, point, fit, recovery, params,
        report=posterior_markdown(head, provenance, ident, fit, recovery),
    )  # fmt: skip
    manifest["timings"]["seconds_per_run"] = round(per_run, 3)
    manifest["timings"]["total_s"] = round(time.perf_counter() - started, 1)
    manifest["status"] = "done"
    manifest["best"] = {"loss": provenance["loss"], "params": point}
    store.write_manifest(out_dir, manifest)
    return HistoryMatch(
        out_dir, particles, diagnostics, ident, point, fit, matching, params, fit_spec.targets,
        cutoff, seed_value, recovery,
    )  # fmt: skip


def leave_one_target_out(result: HistoryMatch) -> pd.DataFrame:
    """The posterior again without each published figure (target id) in turn, from the emulators.

    No model run: the waves' emulators are reused with the other targets (both for what they
    rule out and for the likelihood). The space the design explored is the one all targets left,
    so a target whose absence opens other regions is judged only within the waves' space; the
    first wave, fitted over the whole prior, bounds that. Writes ``leave_one_out.csv`` into the
    run directory (columns of :func:`sim.experiments.abc_report.posterior_shift`).
    """
    from sim.experiments.abc_report import posterior_shift

    params = [(p.path, (p.low, p.high)) for p in result.params]
    rows = []
    for target_id in dict.fromkeys(t.id for t in result.targets):
        kept = [t for t in result.targets if t.id != target_id]
        if not kept:
            continue
        part, _ = posterior_frame(
            result.matching, result.params, kept, result.seed, result.cutoff, LOO_PARTICLES
        )
        rows += posterior_shift(target_id, result.particles, part, params)
    table = pd.DataFrame(rows)
    store.write_text(result.out / "leave_one_out.csv", table.to_csv(index=False))
    return table


def _report_head(p: dict, diagnostics: pd.DataFrame) -> list[str]:
    """The method's part of the fit report: what was run, the waves, the check on the model."""
    lines = [
        f"# History matching {p['run_id']}",
        "",
        f"Scenario `{p['scenario']}`, targets `{p['targets_file']}` (sha256 "
        f"{p['targets_sha256'][:12]}); {len(diagnostics)} wave(s) of runs of {p['persons']} "
        f"persons x {p['months']} months, {p['waves']} run here ({p['runs_per_wave']} runs each), "
        f"{int(diagnostics['replayed'].sum())} replayed from an earlier design; "
        f"{p['design_runs']} design runs in all, from {len(p['design_files'])} earlier design "
        f"file(s) and this run; seed {p['seed']}; cut-off "
        f"{p['cutoff']:g}. Space not ruled out at the last wave: {p['non_implausible_share']:.2%} "
        f"of the prior. Posterior: {p['particles']} particles of the emulators' posterior "
        f"({p['distinct_particles']} distinct) by tempered SMC in {p['tempering_steps']} steps, "
        f"the last moves accepted at {p['acceptance_last_moves']:.0%}.",
        "",
        "## Waves",
        "",
        "| wave | runs | runs in all | emulators fitted on | not ruled out (share of prior) "
        "| new runs within 3 sd of the forecast |",
        "|---|---|---|---|---|---|",
    ]
    for r in diagnostics.itertuples():
        within = "n/a" if not np.isfinite(r.forecast_within_3sd) else f"{r.forecast_within_3sd:.0%}"
        lines.append(
            f"| {r.wave}{' (replayed)' if r.replayed else ''} | {r.runs} | {r.runs_in_all} | "
            f"{r.training_runs} | "
            f"{r.non_implausible_share:.2%} | {within} |"
        )
    lines += [
        "",
        "## The emulated posterior against the model",
        "",
        f"{p['check_runs']} parameter sets drawn from the posterior, one model run each: loss "
        f"median {p['check_loss_median']:.3g}, 90th percentile {p['check_loss_p90']:.3g}; the "
        f"emulators predict a median of {p['emulated_loss_median']:.3g} (the runs add the seed "
        "noise the emulated means leave out).",
    ]
    return lines
