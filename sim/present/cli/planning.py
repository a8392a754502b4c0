"""The command that compares ways of splitting one budget across programmes: allocate."""

from __future__ import annotations

import json

import click

from sim.experiments.limits import MAX_ALLOCATIONS, MAX_EVALUATIONS, MAX_TASKS
from sim.present.cli.common import (
    FiniteFloat,
    echo_results,
    experiment_options,
    handles_errors,
    run_options,
    show_progress,
    status_quo_option,
)
from sim.present.cli.tables import json_result
from sim.scenario import MAX_EUROS


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--budget",
    type=FiniteFloat(0.01, MAX_EUROS),
    required=True,
    help="Budget to split [EUR a year].",
)
@click.option(
    "--programmes",
    required=True,
    metavar="P1,P2,...",
    help="Programmes to split it across (e.g. aide_au_poste_aci,phc,creche).",
)
@click.option(
    "--steps", type=click.IntRange(min=1), help="Simplex grid with shares in steps of 1/K."
)
@click.option("--optimise", metavar="INDICATOR", help="Optimise the shares for INDICATOR.")
@click.option(
    "--indicator",
    help="Indicator that names the best grid allocation [durable_employment_rate_12m].",
)
@click.option("--public", default="all", show_default=True, help="Public of that indicator.")
@click.option(
    "--yes",
    "many",
    is_flag=True,
    help="Run a grid of more than 1,000 allocations (up to the 100,000 runs a run may hold).",
)
@click.option(
    "--max-evaluations",
    type=click.IntRange(min=1, max=MAX_EVALUATIONS),
    default=30,
    show_default=True,
    help="Allocations the optimiser may try.",
)
@run_options
@status_quo_option
@experiment_options
@handles_errors
def allocate(
    scenario,
    budget,
    programmes,
    steps,
    optimise,
    indicator,
    public,
    many,
    max_evaluations,
    from_status_quo,
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
    with_report,
) -> None:
    """Compare ways of splitting one budget across programmes (added to SCENARIO)."""
    from sim.experiments.runner import allocate as allocate_

    exp = allocate_(
        scenario,
        budget,
        [p.strip() for p in programmes.split(",") if p.strip()],
        steps=steps,
        optimise=optimise,
        indicator=indicator,
        public=public,
        replications=replications,
        max_evaluations=max_evaluations,
        seed=seed,
        persons=persons,
        months=months,
        burn_in=burn_in,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=show_progress(quiet, as_json),
        max_allocations=MAX_TASKS if many else MAX_ALLOCATIONS,
        from_status_quo=from_status_quo,
    )
    if as_json:
        if with_report:
            from sim.present.report import write_report

            write_report(exp.out)
        result = json_result(exp)
        result["allocation"] = exp.manifest["allocation"]
        click.echo(json.dumps(result, default=float))
        return
    echo_results(exp, as_json, with_report=with_report)
