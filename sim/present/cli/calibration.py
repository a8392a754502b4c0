"""Commands that fit and probe the model's uncertain parameters: calibrate, sensitivity."""

from __future__ import annotations

import json
import sys

import click

from sim.experiments.limits import MAX_REPLICATIONS, MAX_TASKS
from sim.present.cli.common import (
    EXIT_INTERRUPTED,
    backend_options,
    handles_errors,
    json_option,
    scenario_options,
    show_progress,
)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    default="calibration/targets.yaml",
    show_default=True,
    help="Targets and parameters to fit.",
)
@click.option(
    "--trials", type=click.IntRange(min=1, max=MAX_TASKS), required=True, help="Trials in all."
)
@click.option(
    "--replications",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=5,
    show_default=True,
    help="Replications per trial (common random numbers across trials).",
)
@click.option("--storage", help="Optuna storage URL, to continue a study [<out>/study.db].")
@click.option("--study", help="Study name in the storage [<scenario>-calibration].")
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
    scenario, targets, trials, replications, storage, study, truth, seed, persons, months,
    burn_in, out, workers, backend, scheduler, quiet,
) -> None:  # fmt: skip
    """Fit SCENARIO's uncertain parameters to published figures (Optuna)."""
    from sim.experiments.calibration import calibrate as calibrate_
    from sim.experiments.calibration_targets import parse_truth

    try:
        result = calibrate_(
            scenario, targets, trials, replications, workers=workers, backend=backend,
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
