"""Commands that read stored runs: results list, results show, results verify, report.

``results show`` and ``report`` refuse a damaged run (a damaged manifest, a task or table whose
checksum differs), naming what is damaged; ``results verify`` checks a run end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import click

from sim.present.cli.common import (
    EXIT_BAD_INPUT,
    echo_results,
    handles_errors,
    refuse_calibration,
    show_progress,
)

ROWS_KINDS = ("run", "compare", "sweep")
"""Kinds of run whose ``results show`` reads its tables as rows (pyarrow, no pandas)."""


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@handles_errors
def report(run_dir) -> None:
    """Write report.html (self-contained) and report.md for the run in RUN_DIR."""
    refuse_calibration(run_dir, "parcours report")
    from sim.present.report import write_report

    html_path, md_path = write_report(run_dir, progress=show_progress(False))
    click.echo(f"wrote {html_path} and {md_path}")


@click.group("results")
def results_group() -> None:
    """List and summarise stored runs."""


@results_group.command("list")
@click.argument("base", type=click.Path(file_okay=False), default="results")
def results_list(base) -> None:
    """List the runs stored under BASE [results]."""
    from sim.experiments.store import list_runs

    rows = list_runs(base)
    if not rows:
        click.echo(f"no runs under {base}")
        return
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    click.echo("  ".join(f"{c:<{widths[c]}}" for c in cols))
    for r in rows:
        click.echo("  ".join(f"{str(r[c]):<{widths[c]}}" for c in cols))


@results_group.command("show")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--by-public",
    is_flag=True,
    help="Show every public (a comparison: the paired differences for every public).",
)
@handles_errors
def results_show(run_dir, by_public) -> None:
    """Summarise the run stored in RUN_DIR (refused if it is damaged: see results verify)."""
    from sim.experiments.store import read_manifest, refuse_damaged, task_done

    m = read_manifest(run_dir)
    if m["kind"] == "calibration":
        fit = Path(run_dir, "fit.md")
        click.echo(f"run: {run_dir}\nkind: calibration  status: {m['status']}")
        pending = f"not complete: {m['storage']} holds its trials"
        click.echo(fit.read_text() if fit.exists() else pending)
        return
    refuse_damaged(Path(run_dir), m)
    done = sum(task_done(Path(run_dir), t["id"]) for t in m["tasks"])
    click.echo(
        f"run: {run_dir}\nkind: {m['kind']}  status: {m['status']}  "
        f"tasks: {done}/{len(m['tasks'])}  created: {m['created']}"
    )
    click.echo(
        f"scenarios: {', '.join(m['scenarios'])}  seed: {m['seed']}  "
        f"replications: {m['replications']}  common seeds: {m['common_seeds']}"
    )
    click.echo(
        f"git commit: {m['git_commit']}  parcours {m['versions'].get('parcours')}  "
        f"python {m['versions'].get('python')}"
    )
    if not Path(run_dir, "summary.parquet").exists() or m["status"] != "complete":
        click.echo(f"\nnot complete: finish it with parcours resume {run_dir}")
        return
    # Only the tables the summary prints (not the runner, nor the monthly or persons tables);
    # a run's, a comparison's or a sweep's as plain rows, without importing pandas.
    if m["kind"] in ROWS_KINDS:
        from sim.experiments.store import read_rows as read
    else:
        from pandas import read_parquet as read
    differences = Path(run_dir, "differences.parquet")
    exp = SimpleNamespace(
        out=Path(run_dir),
        manifest=m,
        summary=read(Path(run_dir, "summary.parquet")),
        differences=read(differences) if differences.exists() else None,
    )
    click.echo("")
    echo_results(exp, as_json=False, by_public=by_public, definitions=True)


@results_group.command("verify")
@click.argument("run_dir", type=click.Path(file_okay=False))
@handles_errors
def results_verify(run_dir) -> None:
    """Check RUN_DIR end to end: its manifest, every task's files, seed and scenario, its tables.

    Exit 0 when the run is intact; otherwise exit 2, naming every damaged task and table
    (parcours resume runs such tasks again and assembles the tables again).
    """
    from sim.experiments.store import damaged_message, read_manifest, verify_run

    manifest = read_manifest(run_dir)
    problems = verify_run(run_dir)
    if problems:
        click.echo(
            "error: " + damaged_message(Path(run_dir), problems, f"parcours resume {run_dir}"),
            err=True,
        )
        for name, problem in problems.items():
            click.echo(f"  {name}: {problem}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if manifest["kind"] == "calibration":
        click.echo(f"{run_dir}: a calibration (its trials are in {manifest.get('storage')})")
        return
    n_tables = len(manifest.get("tables") or {})
    click.echo(
        f"{run_dir}: intact ({len(manifest['tasks'])} tasks and {n_tables} tables checked; "
        f"status {manifest['status']})"
    )
