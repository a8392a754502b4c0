"""The ``parcours`` command line: a thin layer over the experiments (DESIGN.md, decision 9).

The model and its dependencies are imported only by the commands that run it, so that
``parcours validate`` answers at once. Bad input (an invalid scenario, an unknown sweep path, an
existing output directory) prints one message naming the file, the field and what is allowed,
exits with code 2 and writes nothing. An interrupted run (Ctrl-C) keeps its finished tasks and
says how to complete it with ``parcours resume``.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path

import click

from sim.experiments.store import OutputExistsError
from sim.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _fmt(name: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if name.startswith("cost"):
        return f"{value:,.0f}"
    if name.startswith("median"):
        return f"{value:.1f}"
    return f"{100 * value:.1f}%"


def _unit(name: str) -> str:
    return " EUR" if name.startswith("cost") else " months" if name.startswith("median") else ""


def summary_table(summary, publics=("all",), scenario=None, point=0) -> str:
    """Indicators as a text table: mean, its 95% CI, median and the 10-90% band."""
    from sim.outcomes import INDICATORS

    s = summary[summary["point"] == point]
    if scenario is not None:
        s = s[s["scenario"] == scenario]
    lines = []
    width = max(len(n) for n in INDICATORS) + 2
    for public in publics:
        p = s[s["public"] == public].set_index("indicator")
        if len(publics) > 1:
            lines.append(f"\n[{public}]")
        header = (
            f"{'indicator':<{width}}{'mean':>14}{'95% CI of the mean':>26}{'median':>14}"
            f"{'p10 - p90':>26}"
        )
        lines.append(header)
        for name in INDICATORS:
            r = p.loc[name]
            ci = f"[{_fmt(name, r.ci_low)}, {_fmt(name, r.ci_high)}]" if r.n > 1 else ""
            band = f"{_fmt(name, r.p10)} - {_fmt(name, r.p90)}" if r.n > 1 else ""
            median = _fmt(name, r["median"]) if r.n > 1 else ""
            lines.append(
                f"{name:<{width}}{_fmt(name, r['mean']) + _unit(name):>14}{ci:>26}{median:>14}"
                f"{band:>26}"
            )
    return "\n".join(lines).lstrip("\n")


def difference_table(differences, summary) -> str:
    """Each scenario's means and its paired difference to the first (``*``: CI excludes 0)."""
    from sim.outcomes import INDICATORS

    lines = []
    width = max(len(n) for n in INDICATORS) + 2
    d = differences[differences["public"] == "all"]
    s = summary[summary["public"] == "all"]
    for other, rows in d.groupby("scenario", sort=False):
        base = rows["base"].iloc[0]
        lines.append(f"\n{other} vs {base} (paired by replication; * = distinguishable from noise)")
        lines.append(f"{'indicator':<{width}}{base:>16}{other:>16}{'difference':>16}{'95% CI':>28}")
        for name in INDICATORS:
            r = rows.set_index("indicator").loc[name]
            b = s[(s.scenario == base) & (s.indicator == name)]["mean"].iloc[0]
            o = s[(s.scenario == other) & (s.indicator == name)]["mean"].iloc[0]
            ci = f"[{_fmt(name, r.ci_low)}, {_fmt(name, r.ci_high)}]" if r.n > 1 else ""
            mark = " *" if r.distinguishable else "  "
            lines.append(
                f"{name:<{width}}{_fmt(name, b):>16}{_fmt(name, o):>16}"
                f"{_fmt(name, r['mean']):>16}{ci:>28}{mark}"
            )
    return "\n".join(lines).lstrip("\n")


def allocation_report(exp) -> str:
    """Each allocation's shares and chosen indicator, then the best and its ties."""
    import pandas as pd

    spec = exp.manifest["allocation"]
    table = pd.read_parquet(Path(exp.out) / "allocations.parquet")
    name, best = spec["indicator"], spec["best"]
    progs = spec["programmes"]
    furthest = f"{name}[three_plus_obstacles]"
    lines = [
        f"budget {spec['budget']:,.0f} EUR a year across {', '.join(progs)}; "
        f"indicator {name} ({spec['public']}); method {spec['method']}",
        "",
        f"{'allocation':>10}  {'shares':<24}{name:>22}{'95% CI':>24}{'3+ obstacles':>16}"
        f"{'cost/durable job':>18}",
    ]
    for row in table.to_dict("records"):
        shares = "/".join(f"{row[f'share_{p}']:.0%}" for p in progs)
        ci = f"[{_fmt(name, row[f'{name}_ci_low'])}, {_fmt(name, row[f'{name}_ci_high'])}]"
        mark = " *" if row["allocation"] == best["best"] else ""
        lines.append(
            f"{row['allocation']:>10}  {shares:<24}{_fmt(name, row[name]):>22}{ci:>24}"
            f"{_fmt(name, row.get(furthest, float('nan'))):>16}"
            f"{_fmt('cost', row.get('cost_per_durable_job', float('nan'))):>18}{mark}"
        )
    ties = ", ".join(map(str, best["indistinguishable"])) or "none"
    lines += [
        "",
        f"best for {name}: allocation {best['best']} ({_fmt(name, best['mean'])}, 95% CI "
        f"[{_fmt(name, best['ci_low'])}, {_fmt(name, best['ci_high'])}])",
        f"cannot be told apart from it (paired 95% CI of the difference includes 0): {ties}",
        f"frontier plot: {Path(exp.out) / 'frontier.png'}",
    ]
    return "\n".join(lines)


def _json_result(exp) -> dict:
    s = exp.summary[exp.summary["point"] == 0]
    first = next(iter(exp.manifest["scenarios"]))

    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    def block(rows, field="mean"):
        return {r.indicator: clean(float(getattr(r, field))) for r in rows.itertuples()}

    mine = s[s["scenario"] == first]
    out = {
        "indicators": block(mine[mine.public == "all"]),
        "by_public": {p: block(g) for p, g in mine[mine.public != "all"].groupby("public")},
        "summary": {
            r.indicator: {
                k: clean(float(getattr(r, k)))
                for k in ("mean", "median", "p10", "p90", "ci_low", "ci_high")
            }
            for r in mine[mine.public == "all"].itertuples()
        },
        "out": str(exp.out),
    }
    if exp.differences is not None:
        d = exp.differences[exp.differences["public"] == "all"]
        out["differences"] = {
            name: {
                r.indicator: {
                    "mean": clean(r.mean),
                    "ci_low": clean(r.ci_low),
                    "ci_high": clean(r.ci_high),
                    "distinguishable": bool(r.distinguishable),
                }
                for r in g.itertuples()
            }
            for name, g in d.groupby("scenario", sort=False)
        }
    return out


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
            _fail(str(err))
        except KeyboardInterrupt:
            out = kwargs.get("out") or kwargs.get("run_dir")
            where = f" parcours resume {out}" if out else " parcours resume RUN-DIR"
            click.echo(f"\ninterrupted: finished tasks are kept; complete with{where}", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def _refuse_calibration(run_dir, what: str) -> None:
    """A calibration's directory holds a study, not tasks: say what to do instead of ``what``."""
    path = Path(run_dir, "manifest.json")
    if path.exists() and json.loads(path.read_text()).get("kind") == "calibration":
        _fail(
            f"{run_dir} is a calibration: {what} does not apply; its report is fit.md and "
            "fit.png there, and an interrupted calibration continues with parcours calibrate "
            f"SCENARIO --trials N --storage sqlite:///{Path(run_dir) / 'study.db'}"
        )


def _progress(quiet: bool, as_json: bool = False) -> bool:
    return not (quiet or as_json) and sys.stdout.isatty()


def _report(exp, as_json: bool, by_public: bool = False, with_report: bool = False) -> None:
    if with_report:
        from sim.present.report import write_report

        html_path, _ = write_report(exp.out)
        if not as_json:
            click.echo(f"report: {html_path}")
    if as_json:
        click.echo(json.dumps(_json_result(exp)))
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


@click.group()
@click.version_option(package_name="parcours")
def main() -> None:
    """Parcours: simulate insertion pathways in France under a policy scenario."""


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@run_options
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
    out,
    as_json,
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

    exp = replicate(
        scenario,
        replications,
        seed=seed,
        persons=persons,
        months=months,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        persons_tables=persons_tables,
        progress=_progress(quiet, as_json),
    )
    _report(exp, as_json, by_public, with_report)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@run_options
@click.option(
    "--independent-seeds",
    is_flag=True,
    help="Give each scenario its own seeds (to measure what common seeds gain).",
)
@experiment_options
@handles_errors
def compare(
    scenarios,
    replications,
    seed,
    persons,
    months,
    out,
    as_json,
    independent_seeds,
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
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        common_seeds=not independent_seeds,
        progress=_progress(quiet, as_json),
    )
    _report(exp, as_json, with_report=with_report)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=V1,V2,...",
    help="Grid values of a parameter (repeat for a full factorial grid).",
)
@click.option("--lhs", type=click.IntRange(min=1), help="Latin hypercube of N points.")
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
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=_progress(quiet, as_json),
    )
    _report(exp, as_json, with_report=with_report)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--budget", type=float, required=True, help="Budget to split [EUR a year].")
@click.option(
    "--programmes",
    required=True,
    metavar="P1,P2,...",
    help="Programmes to split it across (e.g. aide_au_poste_aci,phc,creche).",
)
@click.option("--steps", type=int, help="Simplex grid with shares in steps of 1/K.")
@click.option("--optimise", metavar="INDICATOR", help="Optimise the shares for INDICATOR.")
@click.option(
    "--indicator",
    help="Indicator that names the best grid allocation [durable_employment_rate_12m].",
)
@click.option("--public", default="all", show_default=True, help="Public of that indicator.")
@click.option(
    "--max-evaluations",
    type=int,
    default=30,
    show_default=True,
    help="Allocations the optimiser may try.",
)
@run_options
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
    max_evaluations,
    replications,
    seed,
    persons,
    months,
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
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=_progress(quiet, as_json),
    )
    if as_json:
        if with_report:
            from sim.present.report import write_report

            write_report(exp.out)
        result = _json_result(exp)
        result["allocation"] = exp.manifest["allocation"]
        click.echo(json.dumps(result, default=float))
        return
    _report(exp, as_json, with_report=with_report)


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--targets",
    type=click.Path(dir_okay=False),
    default="calibration/targets.yaml",
    show_default=True,
    help="Targets and parameters to fit.",
)
@click.option("--trials", type=click.IntRange(min=1), required=True, help="Trials in all.")
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Replications per trial (common random numbers across trials).",
)
@click.option("--storage", help="Optuna storage URL, to continue a study [<out>/study.db].")
@click.option("--study", help="Study name in the storage [<scenario>-calibration].")
@click.option(
    "--truth",
    multiple=True,
    metavar="PATH=VALUE",
    help="Identifiability check: fit the model's own statistics at these values.",
)
@scenario_options
@backend_options
@handles_errors
def calibrate(
    scenario, targets, trials, replications, storage, study, truth, seed, persons, months, out,
    workers, backend, scheduler, quiet,
) -> None:  # fmt: skip
    """Fit SCENARIO's uncertain parameters to published figures (Optuna)."""
    from sim.experiments.calibration import calibrate as calibrate_
    from sim.experiments.calibration_targets import parse_truth

    try:
        result = calibrate_(
            scenario, targets, trials, replications, workers=workers, backend=backend,
            scheduler=scheduler, storage=storage, study=study, truth=parse_truth(list(truth)),
            seed=seed, persons=persons, months=months, out=out, progress=_progress(quiet),
        )  # fmt: skip
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: finished trials are kept in the study; continue with the same "
            "command and --storage sqlite:///<run directory>/study.db (and another --out)",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    click.echo((result.out / "fit.md").read_text())
    click.echo("calibrated parameters:")
    for path, value in result.parameters.items():
        click.echo(f"  {path}: {value:.6g}")
    click.echo(f"\nresults written to {result.out} (calibrated.yaml, fit.md, fit.png, trials.csv)")


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="Morris screening (elementary effects) or Sobol' indices.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH=LOW:HIGH",
    help="A parameter (dotted path) and its range; repeat, at least two.",
)
@click.option(
    "--indicator", default="employment_rate_12m", show_default=True, help="Indicator analysed."
)
@click.option("--public", default="all", show_default=True, help="Public of that indicator.")
@click.option(
    "--samples",
    type=int,
    help="Morris trajectories r [10], or Sobol' base points N, a power of 2 [64].",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Runs per point (common seeds); 2 or more measure the replication noise.",
)
@scenario_options
@json_option
@backend_options
@handles_errors
def sensitivity(
    scenario,
    method,
    params,
    indicator,
    public,
    samples,
    replications,
    seed,
    persons,
    months,
    out,
    as_json,
    workers,
    backend,
    scheduler,
    quiet,
) -> None:
    """Morris screening or Sobol' indices of one indicator over SCENARIO's parameters."""
    from sim.experiments.sensitivity import sensitivity as sensitivity_
    from sim.experiments.sensitivity_report import summary_text

    result = sensitivity_(
        scenario,
        method,
        list(params),
        indicator,
        public,
        samples=samples,
        replications=replications,
        seed=seed,
        persons=persons,
        months=months,
        out=out,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=_progress(quiet, as_json),
    )
    if as_json:
        spec = result.manifest["sensitivity"]
        payload = {
            "method": method,
            "indicator": indicator,
            "public": public,
            "indices": result.indices.to_dict("records"),
            "negligible": result.negligible,
            "noise_sd": spec["result"]["noise_sd"],
            "out": str(result.out),
        }
        click.echo(json.dumps(payload, default=float))
        return
    click.echo(summary_text(result))


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@experiment_options
@handles_errors
def resume(run_dir, as_json, workers, backend, scheduler, quiet, with_report) -> None:
    """Complete an interrupted run: run only its missing tasks."""
    from sim.experiments.runner import resume as resume_

    if not Path(run_dir, "manifest.json").exists():
        _fail(f"{run_dir}: not a run directory (no manifest.json)")
    _refuse_calibration(run_dir, "parcours resume")
    exp = resume_(
        run_dir,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        progress=_progress(quiet, as_json),
    )
    _report(exp, as_json, with_report=with_report)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@handles_errors
def report(run_dir) -> None:
    """Write report.html (self-contained) and report.md for the run in RUN_DIR."""
    _refuse_calibration(run_dir, "parcours report")
    from sim.present.report import write_report

    html_path, md_path = write_report(run_dir)
    click.echo(f"wrote {html_path} and {md_path}")


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@handles_errors
def validate(scenario) -> None:
    """Check SCENARIO (and the files it extends) without running it."""
    scn = load_scenario(scenario)
    click.echo(
        f"{scenario}: valid scenario {scn.name!r} ({scn.run.persons} persons, "
        f"{scn.run.months} months, seed {scn.run.seed})"
    )


@main.group()
def results() -> None:
    """List and summarise stored runs."""


@results.command("list")
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


@results.command("show")
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
    _report(exp, as_json=False, by_public=by_public)


@main.command()
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


if __name__ == "__main__":
    main()
