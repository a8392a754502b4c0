"""What the commands share: the option groups, error handling and exit codes, progress, printing.

Bad input (an invalid scenario, an unknown sweep path, an existing or unusable output directory,
a damaged run directory, a scheduler that does not answer, an argument out of its range) prints
one message naming the file, the field and what is allowed, exits with code 2 and writes
nothing. A write that fails during a run (a full disk) exits with code 1, keeps what was done and
says how to complete the run with ``parcours resume``; so does an interrupted run (Ctrl-C, code
130).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path

import click

from sim.experiments.backends import MAX_WORKERS, BackendError
from sim.experiments.limits import MAX_REPLICATIONS
from sim.experiments.store import (
    MANIFEST,
    OutputError,
    OutputExistsError,
    RunDirError,
    WriteError,
    read_manifest,
)
from sim.present.cli.tables import (
    allocation_report,
    difference_table,
    explain_table,
    json_result,
    summary_table,
)
from sim.scenario import ScenarioError

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
BAD_INPUT = (
    ScenarioError,
    OutputExistsError,
    OutputError,
    RunDirError,
    BackendError,
    FileNotFoundError,
)
"""Errors that are bad input: exit 2, nothing written."""


class FiniteFloat(click.ParamType):
    """A finite number between ``low`` and ``high`` (``inf`` and ``nan`` refused)."""

    name = "number"

    def __init__(self, low: float, high: float):
        """The bounds, both included."""
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        """The number, or a usage error stating the range."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (math.isfinite(number) and self.low <= number <= self.high):
            self.fail(f"{value} is not a finite number between {self.low:g} and {self.high:g}")
        return number


def _allow(ctx, param, value) -> None:
    from sim.scenario import allow_dirs

    allow_dirs(value or ())


allow_dir_option = click.option(
    "--allow-dir",
    multiple=True,
    type=click.Path(file_okay=False),
    expose_value=False,
    callback=_allow,
    help="Another folder the scenario's extends and parameter file may read (repeat).",
)
"""Folders a scenario may reach besides its own folder and the shipped scenarios."""


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
        "--workers",
        type=click.IntRange(min=1, max=MAX_WORKERS),
        help="Worker processes [number of cores].",
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
    click.option("--burn-in", type=int, help="Override run.burn_in (months before month 0)."),
    click.option(
        "--out",
        type=click.Path(file_okay=False),
        help="Results directory [results/<id>]; never overwritten.",
    ),
    allow_dir_option,
)
"""Overrides of a scenario's run settings, the output directory and the folders allowed."""

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)

run_options = _options(
    click.option(
        "--replications",
        type=click.IntRange(min=1, max=MAX_REPLICATIONS),
        default=1,
        show_default=True,
        help="Replications, each with its own child seed.",
    ),
    scenario_options,
    json_option,
)
"""Replications, scenario overrides and ``--json``."""

status_quo_option = click.option(
    "--from-status-quo/--no-from-status-quo",
    "from_status_quo",
    default=None,
    help="Run the burn-in once per replication under the first scenario (the status quo) and "
    "start every scenario from it at month 0 [default: on when the scenario has a burn-in].",
)
"""The shared status-quo start of ``compare`` and ``allocate``."""


def _resumable(path: Path) -> Path | None:
    """The run directory holding ``path`` (a file being written), if it has a manifest."""
    for folder in (path, *path.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def handles_errors(func):
    """Exit codes and messages: bad input 2, a failed write 1, Ctrl-C 130; never a traceback.

    Bad input prints one ``error:`` line (and, for a scenario with several errors, one indented
    line for each further error). A failed write or Ctrl-C keeps the finished tasks and says how
    to complete the run.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except BAD_INPUT as err:
            fail(str(err))
        except WriteError as err:
            run_dir = _resumable(err.path)
            then = (
                f"; finished tasks are kept: make room, then complete it with parcours resume "
                f"{run_dir}"
                if run_dir
                else "; nothing was kept"
            )
            click.echo(f"error: {err}{then}", err=True)
            sys.exit(EXIT_FAILED)
        except MemoryError:
            click.echo("error: out of memory: use fewer persons, months or --workers", err=True)
            sys.exit(EXIT_FAILED)
        except OSError as err:
            name = f" ({err.filename})" if getattr(err, "filename", None) else ""
            click.echo(f"error: {err.strerror or err}{name}", err=True)
            sys.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            out = kwargs.get("out") or kwargs.get("run_dir")
            where = f" parcours resume {out}" if out else " parcours resume RUN-DIR"
            click.echo(f"\ninterrupted: finished tasks are kept; complete with{where}", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def refuse_calibration(run_dir, what: str) -> None:
    """A calibration's directory holds a study, not tasks: say what to do instead of ``what``."""
    path = Path(run_dir, MANIFEST)
    if path.exists() and read_manifest(run_dir).get("kind") == "calibration":
        fail(
            f"{run_dir} is a calibration: {what} does not apply; its report is fit.md and "
            "fit.png there, and an interrupted calibration continues with parcours calibrate "
            f"SCENARIO --trials N --storage sqlite:///{Path(run_dir) / 'study.db'}"
        )


def show_progress(quiet: bool, as_json: bool = False) -> bool:
    """Whether to draw a progress bar: not asked away, no JSON, and stdout is a terminal."""
    return not (quiet or as_json) and sys.stdout.isatty()


def echo_results(
    exp,
    as_json: bool,
    by_public: bool = False,
    with_report: bool = False,
    definitions: bool = False,
) -> None:
    """Print a finished experiment's results (tables, or JSON) and where they were written.

    Args:
        exp: A finished experiment (``sim.experiments.runner.Experiment``); for a run, a
            comparison or a sweep, its ``summary`` and ``differences`` may be lists of rows
            (:func:`sim.experiments.store.read_rows`) instead of DataFrames.
        as_json: Print one JSON object instead of the tables.
        by_public: For a run, one table per public instead of everyone only; for a comparison,
            the paired differences for every public too.
        with_report: Also write report.html and report.md into the results directory.
        definitions: Also print each indicator's definition (``results show``).
    """
    from sim.present.text import replication_warning, rows_of

    if with_report:
        from sim.present.report import write_report

        html_path, _ = write_report(exp.out, progress=show_progress(False, as_json))
        if not as_json:
            click.echo(f"report: {html_path}")
    if as_json:
        click.echo(json.dumps(json_result(exp)))
        return
    m = exp.manifest
    s = rows_of(exp.summary)
    publics = list(dict.fromkeys(r["public"] for r in s)) if by_public else ["all"]
    everyone = [r for r in s if r["public"] == "all" and r["point"] == 0]
    first = next(iter(m["scenarios"]))
    base_rows = [r for r in everyone if r["scenario"] == first]
    warning_rows = base_rows
    if m["kind"] == "compare":
        for name in m["scenarios"]:
            click.echo(f"\n{name}:")
            click.echo(summary_table(s, scenario=name))
        d = rows_of(exp.differences)
        if d:
            click.echo("\n" + difference_table(d, s, publics))
            first_other = [r for r in d if r["public"] == "all"]
            warning_rows = [r for r in first_other if r["scenario"] == first_other[0]["scenario"]]
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
    elif m["kind"] == "trial":
        from sim.experiments.trial import load_trial
        from sim.present.cli.trial_tables import trial_text

        click.echo(trial_text(load_trial(exp.out), power=True))
    elif m["kind"] == "sweep":
        for p in m["points"]:
            values = ", ".join(f"{k}={v}" for k, v in p["values"].items())
            click.echo(f"\npoint {p['index']}: {values}")
            click.echo(summary_table(s, publics, point=p["index"]))
    else:
        click.echo(summary_table(s, publics))
    if m["kind"] != "sensitivity":
        compared = m["kind"] == "compare" and warning_rows is not base_rows
        warning = replication_warning(
            warning_rows, m["replications"], difference=compared, base=base_rows
        )
        if warning:
            click.echo("\n" + "\n".join(warning))
    if definitions and m["kind"] != "sensitivity":
        from sim.present.text import definitions as definition_lines

        click.echo("\nDefinitions (also: parcours indicators):")
        click.echo("\n".join("  " + line for line in definition_lines(width=98)))
    if m.get("ensemble"):
        from sim.experiments.store import load_run
        from sim.present.cli.ensemble import ensemble_text

        click.echo(ensemble_text(load_run(exp.out)))
    n = len(m["tasks"])
    click.echo(
        f"\n{n} task{'s' if n > 1 else ''} ({m['replications']} replication"
        f"{'s' if m['replications'] > 1 else ''}); results written to {exp.out}"
    )
