"""The command that says why one scenario differs from another: explain."""

from __future__ import annotations

import json

import click

from sim.present.cli.common import (
    experiment_options,
    handles_errors,
    scenario_options,
    show_progress,
)


@click.command()
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="NAME=PATH,PATH",
    help="Gather the differing fields at or under these paths into one; repeat.",
)
@click.option(
    "--by-field",
    is_flag=True,
    help="Keep apart the fields under one key of a practice profile [grouped].",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "exact", "sampled"]),
    default="auto",
    show_default=True,
    help="Exact Shapley values (2^k coalitions) or sampled orders; auto: exact up to 8 fields.",
)
@click.option(
    "--permutations",
    type=click.IntRange(min=1),
    help="Orders sampled per replication by the sampled method [32].",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Replications of every coalition, on common seeds.",
)
@click.option("--public", default="all", show_default=True, help="Public shown in the table.")
@click.option(
    "--indicator",
    "indicators",
    multiple=True,
    help="Indicator shown in the table; repeat [every indicator].",
)
@scenario_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@experiment_options
@handles_errors
def explain(
    a, b, groups, by_field, method, permutations, replications, public, indicators, seed,
    persons, months, burn_in, out, as_json, workers, backend, scheduler, quiet, with_report,
) -> None:  # fmt: skip
    """Say why scenario B differs from scenario A, field by field (Shapley values)."""
    from sim.experiments.explain import explain as explain_
    from sim.experiments.sensitivity import public_names
    from sim.outcomes import INDICATORS
    from sim.present.cli.tables import explain_json, explain_table
    from sim.scenario import ScenarioError
    from sim.scenario.errors import suggestion

    for name in indicators:
        if name not in INDICATORS:
            allowed = ", ".join(INDICATORS)
            raise ScenarioError(
                b,
                "--indicator",
                f"unknown indicator {name!r}{suggestion(name, INDICATORS)}; allowed: {allowed}",
            )
    if public not in public_names():
        allowed = ", ".join(public_names())
        raise ScenarioError(
            b,
            "--public",
            f"unknown public {public!r}{suggestion(public, public_names())}; allowed: {allowed}",
        )
    result = explain_(
        a, b, list(groups), by_field, method, permutations, replications, seed=seed,
        persons=persons, months=months, burn_in=burn_in, out=out, workers=workers, backend=backend,
        scheduler=scheduler, progress=show_progress(quiet, as_json),
    )  # fmt: skip
    if with_report:
        from sim.present.report import write_report

        html_path, _ = write_report(result.out)
        if not as_json:
            click.echo(f"report: {html_path}")
    if as_json:
        click.echo(json.dumps(explain_json(result)))
        return
    click.echo(explain_table(result.table, result.spec, public, list(indicators) or None))
    click.echo(f"\nresults written to {result.out} (explain.parquet)")
