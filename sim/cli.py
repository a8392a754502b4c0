"""The ``parcours`` command line: a thin layer over :mod:`sim.runner` (DESIGN.md, decision 9).

The model and its dependencies are imported only by the commands that run it, so that
``parcours validate`` answers at once. Bad input (an invalid scenario, an existing output
directory) prints one message naming the file, the field and what is allowed, exits with code 2
and writes nothing.
"""

from __future__ import annotations

import json
import math
import sys

import click

from sim.results import OutputExistsError
from sim.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _fmt(name: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if name.startswith("cost"):
        return f"{value:,.0f} EUR"
    if name.startswith("median"):
        return f"{value:.1f} months"
    return f"{100 * value:.1f}%"


def indicator_table(indicators, by_public: bool = False) -> str:
    """The indicators as a text table: one row per indicator, for everyone or every public."""
    from sim.outcomes import INDICATORS

    pivot = indicators.pivot(index="indicator", columns="public", values="value")
    publics = list(dict.fromkeys(indicators["public"])) if by_public else ["all"]
    width = max(len(n) for n in INDICATORS)
    col = 16
    lines = [f"{'indicator':<{width}}  " + "".join(f"{p:>{col}}" for p in publics)]
    for name in INDICATORS:
        cells = "".join(f"{_fmt(name, pivot.loc[name, p]):>{col}}" for p in publics)
        lines.append(f"{name:<{width}}  {cells}")
    return "\n".join(lines)


@click.group()
@click.version_option(package_name="parcours")
def main() -> None:
    """Parcours: simulate insertion pathways in France under a policy scenario."""


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--seed", type=int, help="Override run.seed.")
@click.option("--persons", type=int, help="Override run.persons (stock at start).")
@click.option("--months", type=int, help="Override run.months.")
@click.option("--out", type=click.Path(file_okay=False), help="Results directory [results/<id>].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--by-public", is_flag=True, help="Show every public, not only everyone.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(scenario, seed, persons, months, out, as_json, by_public, quiet) -> None:
    """Run SCENARIO once and write its results directory."""
    from sim.runner import run_scenario

    progress = not (quiet or as_json) and sys.stdout.isatty()
    try:
        result = run_scenario(
            scenario,
            seed=seed,
            persons=persons,
            months=months,
            out=out or "auto",
            progress=progress,
        )
    except (ScenarioError, OutputExistsError) as err:
        _fail(str(err))
    if as_json:
        ind = result.indicators.astype({"value": object})
        ind.loc[ind["value"].map(lambda v: math.isnan(v)), "value"] = None
        by_public = {
            p: dict(zip(g["indicator"], g["value"], strict=True)) for p, g in ind.groupby("public")
        }
        values = by_public.pop("all")
        click.echo(
            json.dumps({"indicators": values, "by_public": by_public, "out": str(result.out)})
        )
        return
    click.echo(indicator_table(result.indicators, by_public))
    click.echo(f"\nresults written to {result.out}")


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario) -> None:
    """Check SCENARIO (and the files it extends) without running it."""
    try:
        scn = load_scenario(scenario)
    except ScenarioError as err:
        _fail(str(err))
    click.echo(
        f"{scenario}: valid scenario {scn.name!r} ({scn.run.persons} persons, "
        f"{scn.run.months} months, seed {scn.run.seed})"
    )


if __name__ == "__main__":
    main()
