"""A run's results as text tables for the terminal, and as one JSON object (``--json``).

Rates print as percentages, costs in euros, medians of durations in months; a missing value
(``None`` or NaN) prints as ``n/a`` and is ``null`` in JSON.
"""

from __future__ import annotations

import math
from pathlib import Path


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


def json_result(exp) -> dict:
    """The first scenario's indicators, their summary and any paired differences, for ``--json``.

    Args:
        exp: A finished experiment (``sim.experiments.runner.Experiment``).

    Returns:
        A dict ready for ``json.dumps``: NaN values become ``None``.
    """
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
