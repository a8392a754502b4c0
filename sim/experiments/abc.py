"""Calibration by approximate Bayesian computation (ABC-SMC, pyabc): a posterior of parameter sets.

The Optuna calibration (:mod:`sim.experiments.calibration`) finds one point; the targets fix
combinations of the behaviour parameters rather than each value, so many points fit as well.
``calibrate_abc`` keeps all of them: a weighted sample of parameter sets consistent with the
targets and their tolerances.

Algorithm (pyabc's ABC-SMC: Toni et al. 2009, Beaumont et al. 2009, with the adaptive thresholds
of Del Moral et al. 2012): the prior is uniform on each parameter's ``[low, high]`` of the targets
file (log-uniform for ``log: true``; an integer parameter is drawn on ``[low - 0.5, high + 0.5]``
and rounded). Generation 0 draws from the prior; each later generation perturbs particles of the
previous one (a multivariate normal kernel fitted to it) and keeps those whose distance to the
targets is below the threshold, the median distance of the previous generation. The distance is
the Optuna calibration's loss (:func:`sim.experiments.calibration.loss`)::

    d = sum_i w_i * ((s_i - value_i) / tolerance_i) ** 2 / sum_i w_i

on the means ``s_i`` of ``replications`` runs of the particle, so a threshold of 1 means the
targets are met within tolerance on average: the run stops at ``generations`` or once the threshold
falls to ``min_epsilon`` (default 1).

Parallel runs: a :class:`BackendSampler` hands the particles of a generation to the project's
backends (:func:`sim.experiments.backends.backend_session`: this process, local processes, Dask),
each task drawing until one particle is accepted. pyabc 0.13 takes no generator: it draws its
particles from NumPy's (and Python's) global generator. Task ``k`` of generation ``t`` therefore
runs with that state set from ``SeedSequence(seed, spawn_key=(ABC_KEY, t + 1, k))`` and restored
after it (:func:`_derived_global_state`), so a run is reproducible whatever the backend and the
number of workers. The model's runs of a particle are seeded from the scenario's seed and the
particle's values (:func:`particle_seeds`), never from global state.

Resume: pyabc stores every finished generation in its database (``<out>/abc.db`` by default). Giving
the same ``storage`` again continues the run up to ``generations`` in all; the finished generations
are kept as they are (a generation cut short is run again).

Outputs (:mod:`sim.experiments.abc_report`): ``posterior.parquet`` (one row per particle of the last
generation: its weight, distance and parameter values; the provenance and diagnostics in the
file's metadata), ``diagnostics.csv`` (per generation: threshold, acceptance rate, effective
sample size), ``identifiability.csv``, ``pairs.png``, and, as the Optuna calibration writes them,
``calibrated.yaml`` (the point estimate: the particle of the last generation closest to the
targets), ``fit.md``, ``fit.csv`` and ``fit.png`` (that point re-run on held-out seeds).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import hashlib
import json
import logging
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.abc_report import cast, prior_bounds
from sim.experiments.calibration import (
    HELD_OUT,
    _means,
    _run_batch,
    _tasks,
    loss,
    manifest_head,
    prepare,
    synthetic_targets,
)
from sim.experiments.calibration_targets import Parameter, TargetsFile
from sim.experiments.target_statistics import compute
from sim.model import InsertionModel
from sim.scenario import Scenario, ScenarioError, apply_overrides, scenario_from_dict

ABC_KEY = 30_000  # spawn keys of the ABC particles' seeds start with this
ACCEPTANCE_GUESS = 0.4  # [share] acceptance rate assumed by the cost estimate (printed)


# ----------------------------------------------------------------------------- prior
def _prior(parameters: list[Parameter]):
    import pyabc

    rvs = {}
    for i, p in enumerate(parameters):
        low, high = prior_bounds(p)
        rvs[f"p{i}"] = (
            pyabc.RV("loguniform", low, high) if p.log else pyabc.RV("uniform", low, high - low)
        )
    return pyabc.Distribution(**rvs)


# ----------------------------------------------------------------------------- the simulator
def simulate(
    par: dict,
    base: dict,
    parameters: list[Parameter],
    targets: list[tuple[str, str]],
    replications: int,
) -> dict[str, float]:
    """One particle: the targets' statistics, mean of ``replications`` runs (on any worker).

    The runs are seeded by :func:`particle_seeds` (the scenario's seed and the particle's values).
    """
    point = {p.path: cast(p, par[f"p{i}"]) for i, p in enumerate(parameters)}
    data = copy.deepcopy(base)
    apply_overrides(data, point, "<abc>")
    scn = scenario_from_dict(data, "<abc>")
    names = list(dict.fromkeys(stat for _, stat in targets))
    values = []
    for seed in particle_seeds(scn.run.seed, par, len(parameters), replications):
        model = InsertionModel(scn, seed=seed)
        model.run()
        values.append(compute(model, names))
    means = _means(values, names)
    return {name: means[stat] for name, stat in targets}


def particle_seeds(
    seed: int, par: dict, n_parameters: int, replications: int
) -> list[np.random.SeedSequence]:
    """The seeds of a particle's runs: spawned from the scenario's seed and the particle's values.

    The same particle gets the same runs on any worker; two particles get different runs.
    """
    values = np.array([par[f"p{i}"] for i in range(n_parameters)], dtype=np.float64)
    words = np.frombuffer(values.tobytes(), dtype=np.uint32)
    return np.random.SeedSequence([int(seed), ABC_KEY, *words.tolist()]).spawn(replications)


class Distance:
    """The calibration loss between a particle's statistics and the targets (by target name)."""

    def __init__(self, targets: list[tuple[str, float, float]]):
        """``targets``: (name, tolerance, weight) of each target."""
        self.targets = targets
        self.total = sum(w for _, _, w in targets)

    def __call__(self, x: dict, x0: dict) -> float:
        """The weighted mean squared distance in tolerances (infinite if a statistic is NaN)."""
        value = sum(w * ((x[n] - x0[n]) / tol) ** 2 for n, tol, w in self.targets) / self.total
        return float(value) if np.isfinite(value) else float("inf")


# ----------------------------------------------------------------------------- the sampler
@contextlib.contextmanager
def _derived_global_state(seq: np.random.SeedSequence):
    """Set the global generators pyabc draws from (it takes none of its own) from ``seq``.

    NumPy's and Python's global states are set for the block and restored after it.
    """
    import random

    saved_numpy, saved_python = np.random.get_state(), random.getstate()
    np.random.set_state(np.random.RandomState(np.random.MT19937(seq)).get_state())
    random.setstate(random.Random(int(seq.generate_state(1)[0])).getstate())
    try:
        yield
    finally:
        np.random.set_state(saved_numpy)
        random.setstate(saved_python)


def _sample_task(task: dict) -> dict:
    """Draw particles until one is accepted (or the cap is reached); runs on any worker."""
    import cloudpickle

    simulate_one, factory = cloudpickle.loads(task["payload"])
    seq = np.random.SeedSequence(entropy=task["entropy"], spawn_key=tuple(task["spawn_key"]))
    sample = factory()
    evaluations = 0
    with _derived_global_state(seq):
        while evaluations < task["cap"]:
            particle = simulate_one()
            evaluations += 1
            sample.append(particle)
            if particle.accepted:
                break
    return {"id": task["id"], "k": task["k"], "sample": sample, "evaluations": evaluations}


def make_sampler(run, seed: int, progress: bool = False):
    """A pyabc sampler running each generation's particles through a backend's ``run``."""
    import cloudpickle
    from pyabc.sampler import Sampler

    class BackendSampler(Sampler):
        """pyabc sampler on the project's backends: one task per particle to accept."""

        def sample_until_n_accepted(
            self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
        ):
            payload = cloudpickle.dumps((simulate_one, self.sample_factory))
            cap = int(math.ceil(max_eval / n)) if np.isfinite(max_eval) else 10**9
            tasks = [
                {
                    "id": f"abc-t{t}-k{k}",
                    "k": k,
                    "payload": payload,
                    "entropy": seed,
                    "spawn_key": [ABC_KEY, t + 1, k],
                    "cap": cap,
                }
                for k in range(n)
            ]
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=n, unit="particle", desc=f"generation {t}", file=sys.stdout)
            results = []
            for result in run(_sample_task, tasks):
                results.append(result)
                if bar is not None:
                    bar.update()
            if bar is not None:
                bar.close()
            results.sort(key=lambda r: r["k"])  # the same sample whatever the completion order
            sample = self._create_empty_sample()
            for r in results:
                sample += r["sample"]
            self.nr_evaluations_ = sum(r["evaluations"] for r in results)
            if sample.n_accepted < n:  # a task reached its cap: pyabc stops there
                sample.ok = False
            return sample

    return BackendSampler()


# ----------------------------------------------------------------------------- the run
@dataclass
class Posterior:
    """A finished ABC calibration: the last generation's particles and what describes them."""

    out: Path
    particles: pd.DataFrame  # one row per particle: weight, distance, one column per path
    diagnostics: pd.DataFrame  # one row per generation
    identifiability: pd.DataFrame
    parameters: dict[str, float]  # the point estimate
    fit: pd.DataFrame
    recovery: pd.DataFrame | None = None


def _fingerprint(base, spec, truth, replications, seed, population) -> str:
    what = [base, spec.model_dump(), truth, replications, seed, population]
    blob = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def estimate_seconds(
    seconds_per_run: float, population: int, generations: int, replications: int, workers: int
) -> float:
    """Rough wall time of an ABC calibration, in seconds.

    A calibration sample and generation 0 run at full acceptance, later generations at
    :data:`ACCEPTANCE_GUESS`; ``workers`` runs at once.
    """
    evaluations = population * (2 + max(generations - 1, 0) / ACCEPTANCE_GUESS)
    return evaluations * replications * seconds_per_run / max(workers, 1)


def _find_run(storage: str, fingerprint: str) -> int | None:
    """The id of the run with this fingerprint in a pyabc database (None if there is none)."""
    import pyabc

    history = pyabc.History(storage, create=False) if _db_exists(storage) else None
    if history is None:
        return None
    runs = history.all_runs()
    for run in runs:
        if fingerprint in str(run.json_parameters):
            return int(run.id)
    raise ScenarioError(
        "--storage",
        storage,
        "holds ABC runs of another scenario, targets file, replications, population or seed; "
        "give another --storage",
    )


def _db_exists(storage: str) -> bool:
    if not storage.startswith("sqlite:///"):
        return True
    path = Path(storage.removeprefix("sqlite:///"))
    return path.exists() and path.stat().st_size > 0


def select_targets(spec: TargetsFile, drop_targets: list[str] | None) -> TargetsFile:
    """The targets file without the targets ``drop_targets`` names (by id or name).

    Raises:
        ScenarioError: a name is not a target id or name, or no target would be left.
    """
    if not drop_targets:
        return spec
    kept = [t for t in spec.targets if t.id not in drop_targets and t.name not in drop_targets]
    unknown = set(drop_targets) - {t.id for t in spec.targets} - {t.name for t in spec.targets}
    if unknown or not kept:
        raise ScenarioError(
            "--drop-target",
            sorted(unknown or drop_targets)[0],
            "not a target id or name of the targets file (or no target left)",
        )
    return spec.model_copy(update={"targets": kept})


def observe(run, setup, spec: TargetsFile, names: list[str], replications: int):
    """A pilot run (its wall time) and the targets to fit: published, or the model's at a truth.

    Returns ``(targets file to fit, seconds of the pilot run)``.

    Raises:
        ScenarioError: a statistic has no value on the pilot run (the run is too small).
    """
    base, truth, seed = setup.base, setup.truth, setup.scn.run.seed
    started = time.perf_counter()
    pilot = _run_batch(
        run, _tasks(base, truth or setup.start, "pilot", [2 * HELD_OUT], seed, names), ["pilot"]
    )["pilot"]
    per_run = time.perf_counter() - started
    nan = [n for n in names if not np.isfinite(_means(pilot, names)[n])]
    if nan:
        raise ScenarioError(
            setup.file,
            "run",
            f"the statistics {', '.join(nan)} have no value on this run (no person in "
            "their population): use more persons or months",
        )
    if not truth:
        return spec, per_run
    spawn = list(range(2 * HELD_OUT + 1, 2 * HELD_OUT + 1 + max(replications, 5)))
    got = _run_batch(run, _tasks(base, truth, "truth", spawn, seed, names), ["truth"])
    return synthetic_targets(spec, truth, _means(pilot + got["truth"], names)), per_run


def calibrate_abc(
    scenario: str | Path | Scenario,
    targets: str | Path,
    population: int = 100,
    generations: int = 6,
    replications: int = 1,
    min_epsilon: float = 1.0,
    check_replications: int = 5,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    storage: str | None = None,
    truth: dict[str, float] | None = None,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    progress: bool = False,
    echo=None,
    burn_in: int | None = None,
    drop_targets: list[str] | None = None,
    max_simulations: int | None = None,
) -> Posterior:
    """Draw a posterior of the targets file's parameters by ABC-SMC; write the run directory.

    Args:
        scenario: a YAML path or a validated scenario (its other values stay as they are).
        targets: the targets file (its parameters' bounds are the uniform prior).
        population: particles per generation.
        generations: generations in all (a continued run runs only the missing ones).
        replications: runs averaged per particle.
        min_epsilon: stop once the distance threshold is at or below this (1: within
            tolerance on average).
        check_replications: held-out runs of the point estimate for the fit report.
        workers: particles drawn at once (default: the number of cores).
        backend: ``"local"`` processes or ``"dask"``, as for experiments.
        scheduler: the address of an existing Dask scheduler.
        storage: the pyabc database URL, to continue a run (default ``sqlite:///<out>/abc.db``).
        truth: ``{path: value}``: fit the model's own statistics at these values instead of the
            published ones (identifiability and coverage checks).
        seed: overrides ``run.seed`` (every particle's seed derives from it).
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        out: the run directory (never overwritten); ``"auto"``: ``results/<id>``.
        progress: show a progress bar per generation.
        echo: called with a line of text before the run starts (the cost estimate).
        drop_targets: target ids (``C3``) or names left out of the fit (leave-one-target-out).
        max_simulations: no new generation once this many particles were simulated in all (a
            bound on the wall time; the generation under way finishes).
        burn_in: overrides ``run.burn_in``.
    """
    import pyabc

    from sim.experiments.abc_report import (
        diagnostics_table,
        identifiability_table,
        write_abc_outputs,
    )
    from sim.experiments.backends import backend_session
    from sim.experiments.calibration_report import fit_table, recovery_table

    if population < 2 or generations < 1 or replications < 1:
        raise ScenarioError(
            "--population", "population", "population >= 2, generations and replications >= 1"
        )
    setup = prepare(
        scenario, targets, truth, seed, persons, months, burn_in, out, "abc", workers, scheduler
    )
    file, scn, spec, truth, base = setup.file, setup.scn, setup.spec, setup.truth, setup.base
    out_dir, workers, seed_value = setup.out_dir, setup.workers, scn.run.seed
    spec = select_targets(spec, drop_targets)
    names = list(dict.fromkeys(t.statistic for t in spec.targets))
    params = spec.parameters
    fingerprint = _fingerprint(base, spec, truth, replications, seed_value, population)
    run_id = _find_run(storage, fingerprint) if storage else None  # refuses a foreign database
    manifest = {
        **manifest_head("calibration-abc", setup, targets, backend, scheduler),
        "targets": spec.model_dump(),  # without the targets left out
        "population": population,
        "generations": generations,
        "replications": replications,
        "min_epsilon": min_epsilon,
        "max_simulations": max_simulations,
    }
    store.create_run_dir(out_dir, manifest)
    (out_dir / store.TASKS).rmdir()
    storage = storage or f"sqlite:///{(out_dir / 'abc.db').resolve()}"
    manifest["storage"] = storage
    store.write_manifest(out_dir, manifest)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    started = time.perf_counter()
    target_stats = [(t.name, t.statistic) for t in spec.targets]
    model = functools.partial(
        simulate, base=base, parameters=params, targets=target_stats, replications=replications
    )
    distance = Distance([(t.name, t.tolerance, t.weight) for t in spec.targets])

    with backend_session(workers, backend, scheduler) as run:
        fit_spec, per_run = observe(run, setup, spec, names, replications)
        observed = {t.name: t.value for t in fit_spec.targets}
        estimate = estimate_seconds(per_run, population, generations, replications, workers)
        manifest["timings"]["seconds_per_run"] = round(per_run, 3)
        manifest["timings"]["estimate_s"] = round(estimate, 1)
        if echo is not None:
            echo(
                f"ABC-SMC: {population} particles x up to {generations} generations x "
                f"{replications} run(s) of {scn.run.persons} persons x {scn.run.months} months; "
                f"one run took {per_run:.2f} s; estimated wall time ~{estimate / 60:.0f} min on "
                f"{workers} worker(s) (assuming {ACCEPTANCE_GUESS:.0%} acceptance)"
            )
        sampler = make_sampler(run, seed_value, progress)
        abc = pyabc.ABCSMC(
            model, _prior(params), distance, population_size=population, sampler=sampler,
            transitions=pyabc.MultivariateNormalTransition(),
            eps=pyabc.MedianEpsilon(median_multiplier=1),
        )  # fmt: skip
        if run_id is not None:
            history = abc.load(storage, run_id)
            done = history.max_t + 1
        else:
            history = abc.new(storage, observed, meta_info={"fingerprint": fingerprint})
            done = 0
        if done < generations and not (done and _last_epsilon(history) <= min_epsilon):
            history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=generations - done)
        sampler.stop()
        particles = posterior_particles(history, params)
        diagnostics = diagnostics_table(history)
        ident = identifiability_table(particles, params)
        best_row = particles.sort_values(["distance", "particle"]).iloc[0]
        point = {p.path: p.cast(best_row[p.path]) for p in params}
        spawn = list(range(HELD_OUT, HELD_OUT + check_replications))
        check = _run_batch(run, _tasks(base, point, "fit", spawn, seed_value, names), ["fit"])[
            "fit"
        ]
    stats_table = posterior_statistics(history, spec)
    fit = fit_table(fit_spec, check, {})
    fit = fit.merge(stats_table, on="target", how="left")
    recovery = recovery_table(spec, truth, point) if truth else None
    manifest["timings"]["total_s"] = round(time.perf_counter() - started, 1)
    provenance = {
        "run_id": out_dir.name,
        "method": "abc",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": file,
        "targets_file": str(targets),
        "targets_sha256": manifest["targets_sha256"],
        "targets_used": [f"{t.id} {t.name}" for t in spec.targets if t.weight > 0],
        "synthetic_truth": truth,
        "population": population,
        "generations": int(history.max_t + 1),
        "replications": replications,
        "persons": scn.run.persons,
        "months": scn.run.months,
        "seed": seed_value,
        "total_simulations": int(history.total_nr_simulations),
        "final_epsilon": float(diagnostics["epsilon"].iloc[-1]),
        "ess": float(diagnostics["ess"].iloc[-1]),
        "point_estimate": "the last generation's particle closest to the targets",
        "loss": float(best_row["distance"]),
        "loss_held_out": loss(_means(check, names), fit_spec.targets),
        "storage": storage,
        "abc_id": int(history.id),
        "git_commit": manifest["git_commit"],
    }
    write_abc_outputs(
        out_dir, provenance, particles, diagnostics, ident, point, fit, recovery, params
    )
    manifest["status"] = "done"
    manifest["best"] = {"loss": provenance["loss"], "params": point}
    store.write_manifest(out_dir, manifest)
    return Posterior(out_dir, particles, diagnostics, ident, point, fit, recovery)


def _last_epsilon(history) -> float:
    pops = history.get_all_populations()
    return float(pops["epsilon"].iloc[-1])


def posterior_particles(history, params: list[Parameter], t: int | None = None) -> pd.DataFrame:
    """The particles of generation ``t`` (the last by default): weight, distance, values."""
    frame, weights = history.get_distribution(m=0, t=t)
    distances = history.get_weighted_distances(t=t)
    out = pd.DataFrame({"particle": np.arange(len(frame))})
    out["weight"] = np.asarray(weights, dtype=float) / float(np.sum(weights))
    out["distance"] = distances["distance"].to_numpy(dtype=float)
    for i, p in enumerate(params):
        out[p.path] = [cast(p, v) for v in frame[f"p{i}"].to_numpy()]
    out["generation"] = int(history.max_t if t is None else t)
    return out


def posterior_statistics(history, spec: TargetsFile) -> pd.DataFrame:
    """Per target: the 5-95% weighted range of the last generation's simulated statistics."""
    from sim.experiments.abc_report import weighted_quantile

    weights, stats = history.get_weighted_sum_stats()
    weights = np.asarray(weights, dtype=float)
    rows = []
    for t in spec.targets:
        values = np.array([s[t.name] for s in stats], dtype=float)
        rows.append(
            {
                "target": t.name,
                "posterior_p05": weighted_quantile(values, weights, 0.05),
                "posterior_p95": weighted_quantile(values, weights, 0.95),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- leave one out
def leave_one_out(
    scenario: str | Path,
    targets: str | Path,
    out: str | Path,
    **kwargs: Any,
) -> pd.DataFrame:
    """Rerun the ABC calibration without each published figure (target id) in turn.

    Cost: (number of target ids + 1) ABC calibrations of the same size. Writes
    ``<out>/all`` and ``<out>/without-<id>`` run directories and ``<out>/leave_one_out.csv``:
    per left-out id and parameter, the shift of the posterior median in prior widths and the
    ratio of the 90% interval widths (without / with).
    """
    from sim.experiments.abc_report import posterior_shift

    out = Path(out)
    store.check_free(out)
    out.mkdir(parents=True)
    full = calibrate_abc(scenario, targets, out=out / "all", **kwargs)
    ids = list(dict.fromkeys(row["id"] for row in full.fit.to_dict("records")))
    params = [p for p in _parameters_of(full)]
    rows = []
    for target_id in ids:
        part = calibrate_abc(
            scenario, targets, out=out / f"without-{target_id}", drop_targets=[target_id],
            **kwargs,
        )  # fmt: skip
        rows += posterior_shift(target_id, full.particles, part.particles, params)
    table = pd.DataFrame(rows)
    store.write_text(out / "leave_one_out.csv", table.to_csv(index=False))
    return table


def _parameters_of(post: Posterior) -> list[tuple[str, tuple[float, float]]]:
    return [(r.parameter, (r.prior_low, r.prior_high)) for r in post.identifiability.itertuples()]
