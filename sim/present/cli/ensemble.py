"""``--ensemble POSTERIOR``: run a command over a posterior's parameter sets, and print it.

:func:`add_ensemble_options` adds ``--ensemble`` and ``--seeds-per-set`` to a command (run,
compare, sweep, allocate, trial, explain) and runs its body inside
:func:`sim.experiments.ensemble.over`; :func:`ensemble_text` and :func:`ensemble_json` show the
ensemble tables of a finished run.
"""

from __future__ import annotations

import functools
import math
import sys

import click

from sim.indicators import METADATA, format_difference, format_value


def _fmt(name: str, value) -> str:
    """As the result tables print values (:func:`sim.indicators.format_value`, no unit words)."""
    return format_value(name, value, unit=False) if name in METADATA else f"{value:.4g}"


def _fmt_diff(name: str, value) -> str:
    """A difference as the result tables print it (rates in points)."""
    return format_difference(name, value, unit=False) if name in METADATA else f"{value:+.4g}"


def add_ensemble_options(command: click.Command) -> click.Command:
    """Give ``command`` the options ``--ensemble`` and ``--seeds-per-set`` (in place)."""
    command.params += [
        click.Option(
            ["--ensemble"],
            type=click.Path(),
            help="Run over this posterior (posterior.parquet of parcours calibrate --method "
            "history-matching or abc): replication r runs parameter set r // seeds-per-set, the "
            "same in every scenario.",
        ),
        click.Option(
            ["--seeds-per-set"],
            type=click.IntRange(min=1),
            default=2,
            show_default=True,
            help="With --ensemble: replications of each parameter set (2+ separate the "
            "parameters' share of the variance from chance); --replications must be a multiple.",
        ),
    ]
    body = command.callback

    @functools.wraps(body)
    def callback(*args, ensemble=None, seeds_per_set=2, **kwargs):
        if ensemble is None:
            return body(*args, **kwargs)
        from sim.experiments.ensemble import over
        from sim.scenario import ScenarioError

        context = over(ensemble, seeds_per_set)
        try:
            context.__enter__()  # reads the posterior: a bad file exits 2 before anything runs
        except ScenarioError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)  # bad input, as every command
        try:
            return body(*args, **kwargs)
        finally:
            context.__exit__(None, None, None)

    command.callback = callback
    return command


def ensemble_text(run: dict) -> str:
    """The ensemble tables of a run (``store.load_run``) for everyone, as text."""
    from sim.experiments.ensemble import robustness_text
    from sim.outcomes import INDICATORS

    m = run["manifest"]
    ens = m["ensemble"]
    n_sets = len(ens["sets"])
    width = max(len(n) for n in INDICATORS) + 2
    lines = [
        f"\nOver the posterior {ens['file']}: {n_sets} parameter sets x "
        f"{ens['seeds_per_set']} seeds. Interval: 2.5-97.5% of the set means (parameter "
        "uncertainty and chance); params: share of the variance due to the parameters."
    ]
    s = run["ensemble"]
    s = s[s["public"] == "all"]
    for (scenario, point), rows in s.groupby(["scenario", "point"], sort=False):
        label = scenario if len(m["points"]) == 1 else f"{scenario}, point {point}"
        lines.append(f"\n{label}:")
        lines.append(f"{'indicator':<{width}}{'mean':>12}{'95% over sets':>26}{'params':>9}")
        rows = rows.set_index("indicator")
        for name in INDICATORS:
            if name not in rows.index:
                continue
            r = rows.loc[name]
            band = f"[{_fmt(name, r.low)}, {_fmt(name, r.high)}]"
            lines.append(
                f"{name:<{width}}{_fmt(name, r['mean']):>12}{band:>26}"
                f"{_share(r.share_parameters):>9}"
            )
    d = run.get("ensemble_differences")
    if d is not None and len(d):
        d = d[d["public"] == "all"]
        for (other, _point), rows in d.groupby(["scenario", "point"], sort=False):
            base = rows["base"].iloc[0]
            lines.append(f"\n{other} vs {base}, over the posterior (paired by set and seed):")
            lines.append(
                f"{'indicator':<{width}}{'difference':>12}{'95% over sets':>26}{'params':>9}   sign"
            )
            rows = rows.set_index("indicator")
            for name in INDICATORS:
                if name not in rows.index:
                    continue
                r = rows.loc[name]
                band = f"[{_fmt_diff(name, r.low)}, {_fmt_diff(name, r.high)}]"
                lines.append(
                    f"{name:<{width}}{_fmt_diff(name, r['mean']):>12}{band:>26}"
                    f"{_share(r.share_parameters):>9}   {robustness_text(r)}"
                )
    return "\n".join(lines)


def _share(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _clean(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return None if not math.isfinite(float(v)) else float(v)
    return v


def ensemble_json(run: dict) -> dict:
    """The ensemble block of ``--json``: sets, intervals, variance shares, robustness."""
    m = run["manifest"]
    ens = m["ensemble"]
    fields = ("mean", "low", "high", "share_parameters", "var_parameters", "var_chance")
    s = run["ensemble"]
    s = s[(s["public"] == "all") & (s["point"] == 0)]
    out = {
        "posterior": ens["file"],
        "sets": len(ens["sets"]),
        "seeds_per_set": ens["seeds_per_set"],
        "indicators": {
            scenario: {r["indicator"]: {k: _clean(r[k]) for k in fields} for _, r in g.iterrows()}
            for scenario, g in s.groupby("scenario", sort=False)
        },
    }
    d = run.get("ensemble_differences")
    if d is not None and len(d):
        d = d[(d["public"] == "all") & (d["point"] == 0)]
        extra = ("share_sign_holds", "share_positive", "share_negative", "share_zero", "robust")
        out["differences"] = {
            name: {r["indicator"]: {k: _clean(r[k]) for k in fields + extra}
                   for _, r in g.iterrows()}
            for name, g in d.groupby("scenario", sort=False)
        }  # fmt: skip
    return out
