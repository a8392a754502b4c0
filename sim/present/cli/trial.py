"""``parcours trial``: a randomised controlled trial inside the simulated territory."""

from __future__ import annotations

import json

import click

from sim.present.cli.common import (
    experiment_options,
    handles_errors,
    run_options,
    show_progress,
)
from sim.present.cli.trial_tables import trial_text


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--eligible",
    metavar="PUBLIC-OR-CONDITION",
    help="Who may be enrolled: a public (rsa), a list ([rsa, homeless]) or a condition "
    "({publics: [rsa], age: [25, 50]}) [everyone].",
)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="An arm file (repeat; the first is the reference arm): capacity groups it adds, "
    "reserved to its persons.",
)
@click.option("--size", type=click.IntRange(min=1), required=True, help="Persons to enrol.")
@click.option(
    "--enrol-months",
    type=click.IntRange(min=1),
    required=True,
    help="Months during which eligible persons are enrolled, from month 0.",
)
@click.option(
    "--horizon",
    type=click.IntRange(min=1),
    help="Months after enrolment over which outcomes are measured [run.months - enrol-months].",
)
@click.option(
    "--strata",
    default="sex,age,homeless,rsa",
    show_default=True,
    help="Stratification attributes, comma-separated (sex, age, homeless, rsa, "
    "three_plus_obstacles).",
)
@click.option("--power", is_flag=True, help="Show the power of a real trial of SIZE persons.")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Significance level.")
@click.option(
    "--reference/--no-reference",
    default=True,
    show_default=True,
    help="Also run the territory without the arms' groups (spill-overs; twice the runs).",
)
@run_options
@experiment_options
@handles_errors
def trial(
    scenario,
    eligible,
    arms,
    size,
    enrol_months,
    horizon,
    strata,
    power,
    alpha,
    reference,
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
    """Run a randomised trial of ARM files among eligible persons of SCENARIO's territory."""
    from sim.experiments.trial import load_trial
    from sim.experiments.trial import trial as trial_

    exp = trial_(
        scenario,
        eligible,
        list(arms),
        size,
        enrol_months,
        horizon=horizon,
        replications=replications,
        strata=[s.strip() for s in strata.split(",") if s.strip()],
        alpha=alpha,
        reference=reference,
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
    result = load_trial(exp.out)
    if with_report:
        from sim.present.report import write_report

        write_report(exp.out)
    if as_json:
        out = {"effects": _records(result["effects"]), "out": str(exp.out)}
        if result["ensemble"] is not None:
            out["ensemble"] = _records(result["ensemble"])
        click.echo(json.dumps(out))
        return
    click.echo(trial_text(result, power))
    click.echo(f"\nresults written to {exp.out}")


def _records(frame) -> list[dict]:
    """A table as JSON records, NaN as null."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
