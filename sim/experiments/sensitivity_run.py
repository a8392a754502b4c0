"""Running a global sensitivity analysis (``parcours sensitivity``) through the experiments runner.

The design, the sample and the analysis are in :mod:`sim.experiments.sensitivity`; the outputs of
a finished run (``sensitivity.csv``/``.md``/``.png``) in :mod:`sim.experiments.sensitivity_report`,
which the runner calls when the last task is done (also after ``parcours resume``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.experiments.execution import check_size, resolve, start_experiment
from sim.experiments.sensitivity import (
    CONF_LEVEL,
    DEFAULT_INDICATOR,
    NUM_LEVELS,
    NUM_RESAMPLES,
    RULES,
    SensitivityResult,
    check_indicator,
    check_method,
    design_points,
    parse_params,
    read_indices,
    sample,
)
from sim.experiments.sensitivity_report import write_outputs
from sim.scenario import Scenario, ScenarioError


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
    burn_in: int | None = None,
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
        burn_in: overrides ``run.burn_in``.
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
    scn = resolve(scenario, seed, persons, months, burn_in=burn_in)
    file = str(scenario) if not isinstance(scenario, Scenario) else "<scenario>"
    samples = check_method(method, samples, file)
    check_indicator(indicator, public, scn.run.months, file)
    if replications < 1:
        raise ScenarioError(file, "--replications", "must be at least 1")
    parsed = parse_params(list(params), scn, file)
    k = len(parsed)
    n_points = samples * (k + 1 if method == "morris" else k + 2)
    check_size(1, n_points, replications)  # before sampling
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
    exp = start_experiment(
        "sensitivity",
        [scn],
        points,
        replications,
        out,
        f"{scn.name}-sensitivity",
        extra={"sensitivity": spec},
        finish=write_outputs,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=progress,
    )
    return SensitivityResult(exp.out, read_indices(exp.out), exp.manifest, exp)
