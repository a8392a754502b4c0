"""Commands that run experiments and print their results: run, compare, sweep, resume."""

from __future__ import annotations

from pathlib import Path

import click

from sim.experiments.limits import MAX_LHS
from sim.present.cli.common import (
    echo_results,
    experiment_options,
    fail,
    handles_errors,
    refuse_calibration,
    run_options,
    show_progress,
    status_quo_option,
)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@run_options
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Set a parameter by its dotted path (repeatable); '*' matches any group, "
    "xK multiplies: --set 'territory.siae.*.posts=x2'.",
)
@click.option("--by-public", is_flag=True, help="Show every public, not only everyone.")
@click.option(
    "--persons-tables/--no-persons-tables",
    default=None,
    help="Keep one row per person [only for a single replication].",
)
@experiment_options
@handles_errors
def run(
    scenario,
    replications,
    seed,
    persons,
    months,
    burn_in,
    out,
    as_json,
    sets,
    by_public,
    persons_tables,
    workers,
    backend,
    scheduler,
    quiet,
    with_report,
) -> None:
    """Run SCENARIO (REPLICATIONS times) and write its results directory."""
    from sim.experiments.runner import replicate
    from sim.experiments.sweeps import parse_override

    exp = replicate(
        scenario,
        replications,
        seed=seed,
        persons=persons,
        months=months,
        overrides=dict(parse_override(s) for s in sets) or None,
        burn_in=burn_in,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        persons_tables=persons_tables,
        progress=show_progress(quiet, as_json),
    )
    echo_results(exp, as_json, by_public, with_report)


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@run_options
@click.option("--by-public", is_flag=True, help="Also the paired differences for every public.")
@click.option(
    "--independent-seeds",
    is_flag=True,
    help="Give each scenario its own seeds (to measure what common seeds gain).",
)
@status_quo_option
@experiment_options
@handles_errors
def compare(
    scenarios,
    replications,
    seed,
    persons,
    months,
    burn_in,
    out,
    as_json,
    by_public,
    independent_seeds,
    from_status_quo,
    workers,
    backend,
    scheduler,
    quiet,
    with_report,
) -> None:
    """Run SCENARIOS on the same seeds; paired differences against the first."""
    from sim.experiments.runner import compare as compare_

    exp = compare_(
        list(scenarios),
        replications,
        seed=seed,
        persons=persons,
        months=months,
        burn_in=burn_in,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        common_seeds=not independent_seeds,
        progress=show_progress(quiet, as_json),
        from_status_quo=from_status_quo,
    )
    echo_results(exp, as_json, by_public, with_report)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="Grid values of a parameter (repeat for a full factorial grid).",
)
@click.option("--lhs", type=click.IntRange(min=1, max=MAX_LHS), help="Latin hypercube of N points.")
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="PATH=LOW:HIGH",
    help="Range of a parameter in the Latin hypercube.",
)
@run_options
@experiment_options
@handles_errors
def sweep(
    scenario,
    sets,
    lhs,
    ranges,
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
    """Run SCENARIO over a grid or a Latin hypercube of parameter values."""
    from sim.experiments.runner import sweep as sweep_

    exp = sweep_(
        scenario,
        list(sets),
        lhs,
        list(ranges),
        replications,
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
    echo_results(exp, as_json, with_report=with_report)


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@experiment_options
@handles_errors
def resume(run_dir, as_json, workers, backend, scheduler, quiet, with_report) -> None:
    """Complete an interrupted or damaged run: run its missing and damaged tasks again."""
    from sim.experiments.runner import resume as resume_

    if not Path(run_dir, "manifest.json").exists():
        fail(f"{run_dir}: not a run directory (no manifest.json)")
    refuse_calibration(run_dir, "parcours resume")
    exp = resume_(
        run_dir,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=show_progress(quiet, as_json),
        notify=lambda message: click.echo(message, err=True),
    )
    echo_results(exp, as_json, with_report=with_report)
