"""Commands that read stored runs: results list, results show, report."""

from __future__ import annotations

from pathlib import Path

import click

from sim.present.cli.common import echo_results, handles_errors, refuse_calibration


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@handles_errors
def report(run_dir) -> None:
    """Write report.html (self-contained) and report.md for the run in RUN_DIR."""
    refuse_calibration(run_dir, "parcours report")
    from sim.present.report import write_report

    html_path, md_path = write_report(run_dir)
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
@click.option("--by-public", is_flag=True, help="Show every public.")
@handles_errors
def results_show(run_dir, by_public) -> None:
    """Summarise the run stored in RUN_DIR."""
    from sim.experiments.store import load_run, task_done

    run = load_run(run_dir)
    m = run["manifest"]
    if m["kind"] == "calibration":
        fit = Path(run_dir, "fit.md")
        click.echo(f"run: {run_dir}\nkind: calibration  status: {m['status']}")
        pending = f"not complete: {m['storage']} holds its trials"
        click.echo(fit.read_text() if fit.exists() else pending)
        return
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
    if "summary" not in run:
        click.echo(f"\nnot complete: finish it with parcours resume {run_dir}")
        return
    from sim.experiments.runner import Experiment

    exp = Experiment(Path(run_dir), m, run["indicators"], run["summary"], run.get("differences"))
    click.echo("")
    echo_results(exp, as_json=False, by_public=by_public)
