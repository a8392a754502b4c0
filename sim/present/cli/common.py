"""What the commands share: the option groups, error handling and exit codes, progress, printing.

Bad input (an invalid scenario, an unknown sweep path, an existing output directory) prints one
message naming the file, the field and what is allowed, exits with code 2 and writes nothing. An
interrupted run (Ctrl-C) keeps its finished tasks and says how to complete it with
``parcours resume``.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from sim.experiments.store import OutputExistsError
from sim.present.cli.tables import (
    allocation_report,
    difference_table,
    explain_table,
    json_result,
    summary_table,
)
from sim.scenario import ScenarioError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def fail(message: str) -> None:
    """Print ``error: MESSAGE`` on stderr and exit with code 2 (bad input)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _options(*options):
    """A decorator applying click ``options`` in the order given (as they show in --help)."""

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


backend_options = _options(
    click.option(
        "--workers", type=click.IntRange(min=1), help="Worker processes [number of cores]."
    ),
    click.option(
        "--backend",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="local processes, or a Dask cluster.",
    ),
    click.option("--scheduler", help="Address of an existing Dask scheduler (tcp://...)."),
    click.option("--quiet", is_flag=True, help="No progress bar."),
)
"""Where tasks run: shared by every command that runs the model."""

experiment_options = _options(
    backend_options,
    click.option(
        "--report",
        "with_report",
        is_flag=True,
        help="Also write report.html and report.md into the results directory.",
    ),
)
"""Backend options and ``--report``."""

scenario_options = _options(
    click.option("--seed", type=int, help="Override run.seed."),
    click.option("--persons", type=int, help="Override run.persons (capacities scale)."),
    click.option("--months", type=int, help="Override run.months."),
    click.option(
        "--out",
        type=click.Path(file_okay=False),
        help="Results directory [results/<id>]; never overwritten.",
    ),
)
"""Overrides of a scenario's run settings, and the output directory."""

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)

run_options = _options(
    click.option(
        "--replications",
        type=int,
        default=1,
        show_default=True,
        help="Replications, each with its own child seed.",
    ),
    scenario_options,
    json_option,
)
"""Replications, scenario overrides and ``--json``."""


def handles_errors(func):
    """Bad input: exit 2 with one message; Ctrl-C: keep finished tasks, say how to resume."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ScenarioError, OutputExistsError, FileNotFoundError) as err:
            fail(str(err))
        except KeyboardInterrupt:
            out = kwargs.get("out") or kwargs.get("run_dir")
            where = f" parcours resume {out}" if out else " parcours resume RUN-DIR"
            click.echo(f"\ninterrupted: finished tasks are kept; complete with{where}", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def refuse_calibration(run_dir, what: str) -> None:
    """A calibration's directory holds a study, not tasks: say what to do instead of ``what``."""
    path = Path(run_dir, "manifest.json")
    if path.exists() and json.loads(path.read_text()).get("kind") == "calibration":
        fail(
            f"{run_dir} is a calibration: {what} does not apply; its report is fit.md and "
            "fit.png there, and an interrupted calibration continues with parcours calibrate "
            f"SCENARIO --trials N --storage sqlite:///{Path(run_dir) / 'study.db'}"
        )


def show_progress(quiet: bool, as_json: bool = False) -> bool:
    """Whether to draw a progress bar: not asked away, no JSON, and stdout is a terminal."""
    return not (quiet or as_json) and sys.stdout.isatty()


def echo_results(exp, as_json: bool, by_public: bool = False, with_report: bool = False) -> None:
    """Print a finished experiment's results (tables, or JSON) and where they were written.

    Args:
        exp: A finished experiment (``sim.experiments.runner.Experiment``).
        as_json: Print one JSON object instead of the tables.
        by_public: For a run, one table per public instead of everyone only.
        with_report: Also write report.html and report.md into the results directory.
    """
    if with_report:
        from sim.present.report import write_report

        html_path, _ = write_report(exp.out)
        if not as_json:
            click.echo(f"report: {html_path}")
    if as_json:
        click.echo(json.dumps(json_result(exp)))
        return
    m = exp.manifest
    if m["kind"] == "compare":
        for name in m["scenarios"]:
            click.echo(f"\n{name}:")
            click.echo(summary_table(exp.summary, scenario=name))
        click.echo("\n" + difference_table(exp.differences, exp.summary))
    elif m["kind"] == "allocate":
        click.echo(allocation_report(exp))
    elif m["kind"] == "sensitivity":
        from sim.experiments.sensitivity import load_sensitivity
        from sim.experiments.sensitivity_report import summary_text

        click.echo(summary_text(load_sensitivity(exp.out)))
    elif m["kind"] == "explain":
        from sim.experiments.explain import load_explain

        result = load_explain(exp.out)
        click.echo(explain_table(result.table, result.spec))
    elif m["kind"] == "sweep":
        for p in m["points"]:
            values = ", ".join(f"{k}={v}" for k, v in p["values"].items())
            click.echo(f"\npoint {p['index']}: {values}")
            click.echo(summary_table(exp.summary, point=p["index"]))
    else:
        publics = list(dict.fromkeys(exp.summary["public"])) if by_public else ["all"]
        click.echo(summary_table(exp.summary, publics))
    n = len(m["tasks"])
    click.echo(
        f"\n{n} task{'s' if n > 1 else ''} ({m['replications']} replication"
        f"{'s' if m['replications'] > 1 else ''}); results written to {exp.out}"
    )
