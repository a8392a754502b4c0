"""Calibration of a scenario's uncertain parameters to published figures, with Optuna.

The targets file (``calibration/targets.yaml``) lists the published figures the model can reproduce
(each with its value, tolerance, weight, source and the named statistic of
:mod:`sim.experiments.target_statistics` that computes the model's counterpart), and the parameters
to fit (dotted scenario paths with bounds, a starting value and why they are uncertain); its
schema and loading are in :mod:`sim.experiments.calibration_targets`.

Each trial runs the scenario with the trial's parameter values for ``replications`` child seeds
``SeedSequence(seed).spawn(R)[r]``, the same for every trial (common random numbers: two trials
differ by their parameters only). Its loss is the weighted mean of the squared distances to the
published values, in tolerances::

    loss = sum_i w_i * ((mean_i - value_i) / tolerance_i) ** 2 / sum_i w_i

so a loss below 1 means that, on average, targets are within their tolerance. The sampler is
Optuna's multivariate TPE, seeded from the scenario's seed; ``workers`` trials run at once (each
with all its replications), on local processes or Dask. The first trial is the starting point.

The study lives in an Optuna storage (by default ``study.db`` in the run directory): giving the
same ``--storage`` again continues an interrupted calibration up to ``--trials`` in all (trials
cut short are marked failed and run again). A continued calibration is not bit-identical to an
uninterrupted one (the sampler restarts), but every finished trial is kept.

At the end the best parameters are run again on fresh seeds (held out from the fit), and the fit
report (:mod:`sim.experiments.calibration_report`) compares, per target, the published value with
the simulated mean and its 95% interval.

Identifiability: with ``truth`` (``{path: value}``) the published values are replaced by the
model's own means at those values (on other seeds), and the report says how far each fitted
parameter lands from the truth.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.calibration_report import (
    fit_table,
    recovery_table,
    trials_table,
    write_outputs,
)
from sim.experiments.calibration_targets import Target, TargetsFile, check_truth, load_targets
from sim.experiments.target_statistics import compute
from sim.model import InsertionModel
from sim.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    scenario_from_dict,
    scenario_to_dict,
)

HELD_OUT = 10_000  # spawn keys of the fit check (and 2x this: synthetic targets) start here


# ----------------------------------------------------------------------------- tasks
def evaluate_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one replication of one trial and compute its statistics (runs on any worker)."""
    start = time.perf_counter()
    scn = scenario_from_dict(task["scenario"], task["id"])
    seed = np.random.SeedSequence(entropy=task["entropy"], spawn_key=tuple(task["spawn_key"]))
    model = InsertionModel(scn, seed=seed)
    model.run()
    return {
        "id": task["id"],
        "trial": task["trial"],
        "replication": task["replication"],
        "values": compute(model, task["statistics"]),
        "duration_s": time.perf_counter() - start,
    }


def _tasks(
    base: dict, params: dict, label: Any, spawn: list[int], seed: int, names: list[str]
) -> list[dict]:
    data = copy.deepcopy(base)
    apply_overrides(data, params, "<calibration>")
    return [
        {
            "id": f"{label}-r{r:03d}",
            "trial": label,
            "replication": i,
            "scenario": data,
            "entropy": seed,
            "spawn_key": [r],
            "statistics": names,
        }
        for i, r in enumerate(spawn)
    ]


def loss(means: dict[str, float], targets: list[Target]) -> float:
    """Weighted mean squared distance to the published values, in tolerances (NaN if any NaN)."""
    total = sum(t.weight for t in targets)
    terms = [t.weight * ((means[t.statistic] - t.value) / t.tolerance) ** 2 for t in targets]
    return float(sum(terms) / total) if total else float("nan")


# ----------------------------------------------------------------------------- calibration
@dataclass
class Calibration:
    """A finished calibration: where it is, the best parameters and the fit report."""

    out: Path
    parameters: dict[str, float]
    fit: pd.DataFrame
    trials: pd.DataFrame
    recovery: pd.DataFrame | None = None


def _fingerprint(base: dict, spec: TargetsFile, truth, replications: int, seed: int) -> str:
    what = [base, spec.model_dump(), truth, replications, seed]
    blob = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _open_study(storage: str, name: str, fingerprint: str, seed: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    try:
        study = optuna.create_study(
            storage=storage, study_name=name, direction="minimize", sampler=sampler,
            load_if_exists=True,
        )  # fmt: skip
    except Exception as err:  # optuna and SQLAlchemy raise many kinds for a bad URL
        raise ScenarioError(
            "--storage", storage, f"cannot open this Optuna storage ({type(err).__name__}: "
            f"{err}); expected e.g. sqlite:///results/study.db"
        ) from None  # fmt: skip
    found = study.user_attrs.get("fingerprint")
    if found is None:
        study.set_user_attr("fingerprint", fingerprint)
    elif found != fingerprint:
        raise ScenarioError(
            "--storage",
            "study",
            f"{storage} holds a study {name!r} for another scenario, targets file, number of "
            "replications or seed; give another --study name or --storage",
        )
    cut_short = [t.number for t in study.trials if t.state.name == "RUNNING"]
    for number in cut_short:  # interrupted: run them again
        study.tell(number, state=optuna.trial.TrialState.FAIL)
    return study


def _suggest(trial, spec: TargetsFile) -> dict[str, float | int]:
    out = {}
    for p in spec.parameters:
        if p.integer:
            out[p.path] = trial.suggest_int(p.path, int(p.low), int(p.high), log=p.log)
        else:
            out[p.path] = trial.suggest_float(p.path, p.low, p.high, log=p.log)
    return out


def _run_batch(run, tasks: list[dict], labels: list) -> dict[Any, list[dict[str, float]]]:
    """Run ``tasks``; per label, the statistics of each replication in replication order."""
    got: dict[Any, dict[int, dict]] = {label: {} for label in labels}
    for result in run(evaluate_task, tasks):
        got[result["trial"]][result["replication"]] = result["values"]
    return {label: [reps[i] for i in sorted(reps)] for label, reps in got.items()}


def _means(values: list[dict[str, float]], names: list[str]) -> dict[str, float]:
    return {n: float(np.mean([v[n] for v in values])) for n in names}


def synthetic_targets(
    spec: TargetsFile, truth: dict[str, float], means: dict[str, float]
) -> TargetsFile:
    """The targets with their values replaced by the model's own means at ``truth``."""
    targets = [t.model_copy(update={"value": means[t.statistic]}) for t in spec.targets]
    return spec.model_copy(update={"targets": targets})


@dataclass
class Setup:
    """What both calibration methods check and derive before writing anything."""

    file: str  # the scenario's file, for messages
    scn: Scenario
    spec: TargetsFile
    truth: dict[str, float] | None
    base: dict  # the scenario as data (what every task starts from)
    start: dict[str, float | int]  # the parameters' starting values
    out_dir: Path
    workers: int


def prepare(
    scenario, targets, truth, seed, persons, months, burn_in, out, label, workers, scheduler
) -> Setup:
    """Resolve, check and place a calibration run; refuse bad input before anything is written.

    The scenario at the parameters' starting values (and at ``truth``) must be valid, the run
    directory free (``out``; ``"auto"``: ``results/<scenario>-<label>-...``), the run as a run
    is checked (funding parameters, budgets, memory), the Dask scheduler reachable.
    """
    from sim.experiments.backends import check_scheduler
    from sim.experiments.execution import check_scenario, resolve

    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    scn = resolve(scenario, seed, persons, months, {"run.person_views": False}, burn_in)
    spec = load_targets(targets, scn)
    if truth:
        truth = check_truth(truth, spec.parameters)
    base = scenario_to_dict(scn)
    start_point = {p.path: p.cast(p.start) for p in spec.parameters}
    for point in (start_point, truth or {}):
        data = copy.deepcopy(base)
        apply_overrides(data, point, file)
        scenario_from_dict(data, file)
    out_dir = (
        store.RESULTS_DIR / store.new_run_id(f"{scn.name}-{label}", scn.run.seed)
        if out in (None, "auto")
        else Path(out)
    )
    store.check_free(out_dir)
    check_scenario(scn)
    if scheduler:
        check_scheduler(scheduler)
    return Setup(file, scn, spec, truth, base, start_point, out_dir, workers or os.cpu_count() or 1)


def manifest_head(kind: str, setup: Setup, targets, backend: str, scheduler) -> dict:
    """The manifest fields both calibration methods write (provenance, targets, backend)."""
    return {
        "kind": kind,
        "status": "running",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario_file": setup.file,
        "scenario": setup.base,
        "targets_file": str(targets),
        "targets_sha256": hashlib.sha256(Path(targets).read_bytes()).hexdigest(),
        "targets": setup.spec.model_dump(),
        "truth": setup.truth,
        "seed": setup.scn.run.seed,
        "versions": store.versions(),
        "git_commit": store.git_commit(),
        "command": " ".join(sys.argv),
        "backend": {"backend": "dask" if scheduler else backend, "workers": setup.workers},
        "tasks": [],
        "timings": {},
    }


def calibrate(
    scenario: str | Path | Scenario,
    targets: str | Path,
    trials: int,
    replications: int = 5,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    storage: str | None = None,
    study: str | None = None,
    truth: dict[str, float] | None = None,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    burn_in: int | None = None,
    out: str | Path | None = "auto",
    progress: bool = False,
) -> Calibration:
    """Fit the targets file's parameters to its targets; write the run directory ``out``.

    Args:
        scenario: a YAML path or a validated scenario (its other values stay as they are).
        targets: the targets file.
        trials: trials in all (a continued study runs only the missing ones).
        replications: replications per trial (common random numbers across trials).
        workers: trials evaluated at once (default: the number of cores).
        backend: ``"local"`` processes or ``"dask"`` (a local cluster), as for experiments.
        scheduler: the address of an existing Dask scheduler.
        storage: an Optuna storage URL (default: ``sqlite:///<out>/study.db``).
        study: the study's name in the storage (default: ``<scenario name>-calibration``).
        truth: ``{path: value}``: fit the model's own statistics at these values instead of
            the published ones (identifiability check).
        seed: overrides ``run.seed`` (the fit's common seeds derive from it).
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        burn_in: overrides ``run.burn_in``.
        out: the run directory (never overwritten); ``"auto"``: ``results/<id>``.
        progress: show a progress bar.
    """
    from sim.experiments.backends import backend_session

    if trials < 1 or replications < 1:
        raise ScenarioError("--trials", "trials", "trials and replications must be at least 1")
    setup = prepare(
        scenario, targets, truth, seed, persons, months, burn_in, out, "calibration", workers,
        scheduler,
    )  # fmt: skip
    file, scn, spec, truth, base = setup.file, setup.scn, setup.spec, setup.truth, setup.base
    out_dir, workers, seed_value = setup.out_dir, setup.workers, scn.run.seed
    names = list(dict.fromkeys(t.statistic for t in spec.targets))  # statistics to compute
    manifest = {
        **manifest_head("calibration", setup, targets, backend, scheduler),
        "trials": trials,
        "replications": replications,
    }
    study_name = study or f"{scn.name}-calibration"
    fingerprint = _fingerprint(base, spec, truth, replications, seed_value)
    if storage:  # a bad or foreign storage is refused before anything is written
        optuna_study = _open_study(storage, study_name, fingerprint, seed_value)
    store.create_run_dir(out_dir, manifest)
    (out_dir / store.TASKS).rmdir()  # trials live in the study, not in task directories
    own_storage = not storage
    if not storage:
        storage = f"sqlite:///{out_dir / 'study.db'}"
        optuna_study = _open_study(storage, study_name, fingerprint, seed_value)
    manifest.update({"storage": storage, "study": study_name})
    store.write_manifest(out_dir, manifest)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    started = time.perf_counter()

    try:
        with backend_session(workers, backend, scheduler) as run:
            fit_spec = spec
            if truth:
                spawn = list(range(2 * HELD_OUT, 2 * HELD_OUT + replications))
                truth_tasks = _tasks(base, truth, "truth", spawn, seed_value, names)
                got = _run_batch(run, truth_tasks, ["truth"])
                fit_spec = synthetic_targets(spec, truth, _means(got["truth"], names))
            if not optuna_study.trials:
                optuna_study.enqueue_trial(setup.start)
            done = sum(t.state.name == "COMPLETE" for t in optuna_study.trials)
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=trials, initial=min(done, trials), unit="trial", file=sys.stdout)
            spawn = list(range(replications))
            while done < trials:
                batch = [optuna_study.ask() for _ in range(min(workers, trials - done))]
                params = {t.number: _suggest(t, fit_spec) for t in batch}
                tasks = [
                    task
                    for number, point in params.items()
                    for task in _tasks(base, point, number, spawn, seed_value, names)
                ]
                got = _run_batch(run, tasks, list(params))
                for trial in batch:
                    values = got[trial.number]
                    means = _means(values, names)
                    trial.set_user_attr("means", means)
                    value = loss(means, fit_spec.targets)
                    if np.isfinite(value):
                        optuna_study.tell(trial, value)
                        done += 1
                    else:
                        nan = [n for n in names if not np.isfinite(means[n])] or ["(the loss)"]
                        trial.set_user_attr("failed", f"statistics without a value: {nan}")
                        optuna_study.tell(trial, state=_fail())
                        if not any(t.state.name == "COMPLETE" for t in optuna_study.trials):
                            raise ScenarioError(
                                file,
                                "run",
                                f"the statistics {', '.join(nan)} have no value on this run "
                                "(no person in their population): use more persons or months",
                            )
                    if bar is not None:
                        bar.update(np.isfinite(value))
            if bar is not None:
                bar.close()
            best = optuna_study.best_trial
            best_params = {p.path: p.cast(best.params[p.path]) for p in spec.parameters}
            spawn = list(range(HELD_OUT, HELD_OUT + replications))
            check = _run_batch(
                run, _tasks(base, best_params, "fit", spawn, seed_value, names), ["fit"]
            )["fit"]
    except (ScenarioError, store.WriteError):
        if own_storage:  # nothing worth keeping: the study holds no complete trial
            shutil.rmtree(out_dir, ignore_errors=True)
        raise

    first = optuna_study.trials[0]
    fit = fit_table(fit_spec, check, first.user_attrs.get("means", {}))
    table = trials_table(optuna_study)
    recovery = recovery_table(spec, truth, best_params) if truth else None
    manifest["timings"]["total_s"] = round(time.perf_counter() - started, 1)
    provenance = {
        "run_id": out_dir.name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": file,
        "targets_file": str(targets),
        "targets_sha256": manifest["targets_sha256"],
        "targets_used": [f"{t.id} {t.name}" for t in spec.targets if t.weight > 0],
        "synthetic_truth": truth,
        "trials_complete": int((table["state"] == "COMPLETE").sum()),
        "replications": replications,
        "seed": seed_value,
        "best_trial": best.number,
        "loss": float(best.value),
        "loss_held_out": loss(_means(check, names), fit_spec.targets),
        "study": study_name,
        "storage": storage,
        "git_commit": manifest["git_commit"],
    }
    write_outputs(out_dir, provenance, best_params, fit, table, recovery)
    manifest["status"] = "done"
    manifest["best"] = {"trial": best.number, "loss": float(best.value), "params": best_params}
    store.write_manifest(out_dir, manifest)
    return Calibration(out_dir, best_params, fit, table, recovery)


def _fail():
    import optuna

    return optuna.trial.TrialState.FAIL
