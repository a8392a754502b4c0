"""Commands that look at a scenario without writing results: validate, explore."""

from __future__ import annotations

import click

from sim.present.cli.common import handles_errors
from sim.scenario import load_scenario


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@handles_errors
def validate(scenario) -> None:
    """Check SCENARIO (and the files it extends) without running it."""
    from sim.experiments.runner import check_scenario

    scn = load_scenario(scenario)
    check_scenario(scn, scenario)  # dated parameters in force, benefit amounts, budgets
    click.echo(
        f"{scenario}: valid scenario {scn.name!r} ({scn.run.persons} persons, "
        f"{scn.run.months} months, seed {scn.run.seed})"
    )


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to serve on (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@handles_errors
def explore(scenario, port, host, no_browser) -> None:
    """Move policy levers and watch SCENARIO [baseline] run, in a web page (Mesa SolaraViz)."""
    from sim.present.explore import serve

    serve(scenario, port=port, host=host, open_browser=not no_browser)
