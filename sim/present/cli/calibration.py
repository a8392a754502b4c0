"""Commands that fit and probe the model's uncertain parameters: calibrate, sensitivity."""

from __future__ import annotations

import json
import sys

import click

from sim.experiments.limits import MAX_REPLICATIONS, MAX_TASKS
from sim.present.cli.common import (
    EXIT_INTERRUPTED,
    backend_options,
    fail,
    handles_errors,
    json_option,
    scenario_options,
    show_progress,
)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--method",
    type=click.Choice(["optimise", "abc", "history-matching"]),
    default="optimise",
    show_default=True,
    help="optimise: one best point (Optuna); abc: a posterior of plausible sets (ABC-SMC); "
    "history-matching: the same from emulators of the model, in waves of runs.",
)
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    default="calibration/targets.yaml",
    show_default=True,
    help="Targets and parameters to fit.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=1, max=MAX_TASKS),
    help="optimise: trials in all (required).",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    help="Runs per trial (optimise, common seeds) [5] or per particle (abc) [1].",
)
@click.option(
    "--population", type=click.IntRange(min=2), default=100, show_default=True,
    help="abc: particles per generation.",
)  # fmt: skip
@click.option(
    "--generations", type=click.IntRange(min=1), default=6, show_default=True,
    help="abc: generations in all (a continued run adds the missing ones).",
)  # fmt: skip
@click.option(
    "--min-epsilon", type=float, default=1.0, show_default=True,
    help="abc: stop once the distance threshold is this low (1 = within tolerance on average).",
)  # fmt: skip
@click.option(
    "--max-simulations", type=click.IntRange(min=1),
    help="abc: start no new generation past this many simulations in all (bounds the time).",
)  # fmt: skip
@click.option(
    "--waves", type=click.IntRange(min=1), default=3, show_default=True,
    help="history-matching: waves of runs (each rules out more of the parameter space).",
)  # fmt: skip
@click.option(
    "--runs", type=click.IntRange(min=2), default=100, show_default=True,
    help="history-matching: model runs per wave.",
)  # fmt: skip
@click.option(
    "--design", multiple=True, type=click.Path(dir_okay=False),
    help="history-matching: earlier runs to start from (design.csv of an interrupted run, "
    "trials.csv of an Optuna calibration); repeatable.",
)  # fmt: skip
@click.option(
    "--cutoff", type=click.FloatRange(min=0, min_open=True), default=3.0, show_default=True,
    help="history-matching: implausibility above which a parameter set is ruled out.",
)  # fmt: skip
@click.option(
    "--leave-one-out", is_flag=True,
    help="abc: also rerun without each target id in turn (cost: one ABC run per id); "
    "history-matching: the posterior without each target id, from the emulators (no run).",
)  # fmt: skip
@click.option(
    "--storage",
    help="optimise: Optuna storage URL [<out>/study.db]; abc: pyabc database [<out>/abc.db]; "
    "give it again to continue an interrupted calibration.",
)
@click.option("--study", help="optimise: study name in the storage [<scenario>-calibration].")
@click.option(
    "--truth",
    multiple=True,
    metavar="PATH=VALUE",
    help="Identifiability check: fit the model's own statistics at these values.",
)
@scenario_options
@backend_options
@handles_errors
def calibrate(
    scenario, method, targets, trials, replications, population, generations, min_epsilon,
    max_simulations, waves, runs, design, cutoff, leave_one_out, storage, study, truth, seed,
    persons, months, burn_in, out, workers, backend, scheduler, quiet,
) -> None:  # fmt: skip
    """Fit SCENARIO's uncertain parameters to published figures (Optuna point or ABC posterior)."""
    from sim.experiments.calibration import calibrate as calibrate_
    from sim.experiments.calibration_targets import parse_truth

    if method == "history-matching":
        _calibrate_hm(
            scenario, targets, waves, runs, list(design), cutoff, leave_one_out,
            parse_truth(list(truth)), seed, persons, months, burn_in, out, workers, backend,
            scheduler,
        )  # fmt: skip
        return
    if method == "abc":
        _calibrate_abc(
            scenario, targets, replications or 1, population, generations, min_epsilon,
            max_simulations, leave_one_out, storage, parse_truth(list(truth)), seed, persons,
            months, burn_in, out, workers, backend, scheduler, quiet,
        )  # fmt: skip
        return
    if trials is None:
        fail("--trials is required with --method optimise")
    try:
        result = calibrate_(
            scenario, targets, trials, replications or 5, workers=workers, backend=backend,
            scheduler=scheduler, storage=storage, study=study, truth=parse_truth(list(truth)),
            seed=seed, persons=persons, months=months, burn_in=burn_in, out=out,
            progress=show_progress(quiet),
        )  # fmt: skip
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: finished trials are kept in the study; continue with the same "
            "command and --storage sqlite:///<run directory>/study.db (and another --out)",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    click.echo((result.out / "fit.md").read_text())
    click.echo("calibrated parameters:")
    for path, value in result.parameters.items():
        click.echo(f"  {path}: {value:.6g}")
    click.echo(f"\nresults written to {result.out} (calibrated.yaml, fit.md, fit.png, trials.csv)")


def _calibrate_abc(
    scenario, targets, replications, population, generations, min_epsilon, max_simulations,
    leave_one_out, storage, truth, seed, persons, months, burn_in, out, workers, backend,
    scheduler, quiet,
) -> None:  # fmt: skip
    from sim.experiments.abc import calibrate_abc
    from sim.experiments.abc import leave_one_out as loo

    kwargs = dict(
        population=population, generations=generations, replications=replications,
        min_epsilon=min_epsilon, max_simulations=max_simulations, workers=workers,
        backend=backend, scheduler=scheduler,
        truth=truth or None, seed=seed, persons=persons, months=months, burn_in=burn_in,
        progress=show_progress(quiet), echo=lambda line: click.echo(line, err=True),
    )  # fmt: skip
    try:
        if leave_one_out:
            if storage:
                fail("--leave-one-out runs several calibrations: it takes no --storage")
            if out in (None, "auto"):
                fail("--leave-one-out needs --out DIR (one run directory per calibration)")
            table = loo(scenario, targets, out, **kwargs)
            click.echo(table.to_string(index=False))
            click.echo(f"\nresults written to {out} (leave_one_out.csv, all/, without-*/)")
            return
        result = calibrate_abc(scenario, targets, storage=storage, out=out, **kwargs)
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: finished generations are kept in the pyabc database; continue with "
            "the same command and --storage sqlite:///<run directory>/abc.db (and another --out)",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    click.echo((result.out / "fit.md").read_text())
    click.echo(
        f"results written to {result.out} (posterior.parquet, calibrated.yaml, fit.md, "
        "diagnostics.csv, identifiability.csv, pairs.png)"
    )


def _calibrate_hm(
    scenario, targets, waves, runs, design, cutoff, leave_one_out, truth, seed, persons, months,
    burn_in, out, workers, backend, scheduler,
) -> None:  # fmt: skip
    from sim.experiments.history_matching import calibrate_hm, leave_one_target_out

    try:
        result = calibrate_hm(
            scenario, targets, waves=waves, runs=runs, design=design, cutoff=cutoff,
            workers=workers, backend=backend, scheduler=scheduler, truth=truth or None,
            seed=seed, persons=persons, months=months, burn_in=burn_in, out=out,
            echo=lambda line: click.echo(line, err=True),
        )  # fmt: skip
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: the finished waves' runs are in <run directory>/design.csv; continue "
            "with the same command, --design <run directory>/design.csv and another --out",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    click.echo((result.out / "fit.md").read_text())
    if leave_one_out:
        table = leave_one_target_out(result)
        click.echo(table.to_string(index=False))
    click.echo(
        f"results written to {result.out} (posterior.parquet, design.csv, calibrated.yaml, "
        "fit.md, diagnostics.csv, identifiability.csv, pairs.png"
        + (", leave_one_out.csv)" if leave_one_out else ")")
    )


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="Morris screening (elementary effects) or Sobol' indices.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH=LOW:HIGH",
    help="A parameter (dotted path) and its range; repeat, at least two.",
)
@click.option(
    "--indicator", default="employment_rate_12m", show_default=True, help="Indicator analysed."
)
@click.option("--public", default="all", show_default=True, help="Public of that indicator.")
@click.option(
    "--samples",
    type=int,
    help="Morris trajectories r [10], or Sobol' base points N, a power of 2 [64].",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=2,
    show_default=True,
    help="Runs per point (common seeds); 2 or more measure the replication noise.",
)
@scenario_options
@json_option
@backend_options
@handles_errors
def sensitivity(
    scenario,
    method,
    params,
    indicator,
    public,
    samples,
    replications,
    seed,
    persons,
    months,
    burn_in,
    out,
    as_json,
    workers,
    backend,
    scheduler,
    quiet,
) -> None:
    """Morris screening or Sobol' indices of one indicator over SCENARIO's parameters."""
    from sim.experiments.sensitivity_report import summary_text
    from sim.experiments.sensitivity_run import sensitivity as sensitivity_

    result = sensitivity_(
        scenario,
        method,
        list(params),
        indicator,
        public,
        samples=samples,
        replications=replications,
        seed=seed,
        persons=persons,
        months=months,
        burn_in=burn_in,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=show_progress(quiet, as_json),
    )
    if as_json:
        spec = result.manifest["sensitivity"]
        payload = {
            "method": method,
            "indicator": indicator,
            "public": public,
            "indices": result.indices.to_dict("records"),
            "negligible": result.negligible,
            "noise_sd": spec["result"]["noise_sd"],
            "out": str(result.out),
        }
        click.echo(json.dumps(payload, default=float))
        return
    click.echo(summary_text(result))
