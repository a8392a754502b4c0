"""A run's results as text tables for the terminal, and as one JSON object (``--json``).

Rates print as percentages, costs in euros, medians of durations in months; a missing value
(``None`` or NaN) prints as ``n/a`` and is ``null`` in JSON.
"""

from __future__ import annotations

import math
from pathlib import Path


def _euros(name: str) -> bool:
    return name.startswith("cost") or name.endswith("cost") or name == "rsa_saved"


def _fmt(name: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if _euros(name):
        return f"{value:,.0f}"
    if name.startswith("median"):
        return f"{value:.1f}"
    return f"{100 * value:.1f}%"


def _unit(name: str) -> str:
    return " EUR" if _euros(name) else " months" if name.startswith("median") else ""


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
    if exp.manifest.get("ensemble"):
        from sim.experiments.store import load_run
        from sim.present.cli.ensemble import ensemble_json

        out["ensemble"] = ensemble_json(load_run(exp.out))
    return out


def _signed(name: str, value) -> str:
    """A difference as text: percentage points for rates, euros, months."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if name.startswith("cost") or name.endswith("cost") or name == "rsa_saved":
        return f"{value:+,.0f} EUR"
    if name.startswith("median"):
        return f"{value:+.2f} months"
    return f"{100 * value:+.2f} pp"


def explain_header(spec: dict) -> str:
    """What an explain run decomposed: A, B, the method, the runs and the fields."""
    k = len(spec["players"])
    reps = spec["replications"]
    if spec["method"] == "exact":
        how = (
            f"exact Shapley values over {k} field{'s' if k > 1 else ''} or groups: "
            f"2^{k} = {2**k} coalitions x {reps} replications"
        )
    else:
        how = (
            f"Shapley values from {spec['permutations']} sampled orders per replication over "
            f"{k} fields or groups: {len(spec['coalitions'])} coalitions, {reps} replications"
        )
    lines = [
        f"why {spec['b']['name']} ({spec['b']['file']}) differs from {spec['a']['name']} "
        f"({spec['a']['file']})",
        f"{how}, common seeds; {spec.get('runs', '?')} runs",
        "fields (A -> B):",
    ]
    for player in spec["players"]:
        changes = player["changes"]
        if len(changes) == 1 and changes[0]["path"] == player["name"]:
            lines.append(f"  {_change_text(changes[0])}")
        else:
            lines.append(f"  {player['name']} (group of {len(changes)}):")
            lines += [f"    {_change_text(c)}" for c in changes]
    ignored = spec.get("run_settings_of_b_ignored") or []
    if ignored:
        lines.append("run settings of B not used (every run takes A's): " + "; ".join(ignored))
    return "\n".join(lines)


def _change_text(change: dict) -> str:
    from sim.experiments.explain import Change

    return Change.from_dict(change).describe()


def explain_table(table, spec: dict, public: str = "all", indicators=None) -> str:
    """Each indicator's difference B - A and each field's contribution, with 95% CIs.

    ``*`` marks a contribution whose interval excludes zero (distinguishable from noise).

    Args:
        table: the explain table (``explain.parquet``).
        spec: the manifest's ``explain`` entry.
        public: the public shown.
        indicators: the indicators shown (default: every one in the table).
    """
    from sim.outcomes import INDICATORS

    t = table[table["public"] == public]
    names = [n for n in (indicators or INDICATORS) if n in set(t["indicator"])]
    fields = [p["name"] for p in spec["players"]]
    width = max(len("total (B - A)"), *(len(f) for f in fields)) + 2
    lines = [explain_header(spec), ""]
    lines.append("contributions: mean over replications [95% CI]; * = the CI excludes 0")
    for name in names:
        rows = t[t["indicator"] == name].set_index("field")
        lines.append(f"\n{name} [{public}]")
        for field in [*fields, "total"]:
            r = rows.loc[field]
            ci = (
                f"[{_signed(name, r.ci_low)}, {_signed(name, r.ci_high)}]"
                if r["n"] > 1 and not math.isnan(r.ci_low)
                else ""
            )
            mark = " *" if r["n"] > 1 and (r.ci_low > 0 or r.ci_high < 0) else ""
            label = "total (B - A)" if field == "total" else field
            lines.append(
                f"  {label:<{width}}{_signed(name, r.contribution):>16}  {ci:<34}{mark}".rstrip()
            )
    return "\n".join(lines)


def explain_json(result) -> dict:
    """An explain run as one JSON object (``--json``): the design and every contribution."""
    spec = result.manifest["explain"]

    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    contributions: dict = {}
    for r in result.table.itertuples():
        contributions.setdefault(r.indicator, {}).setdefault(r.public, {})[r.field] = {
            "contribution": clean(float(r.contribution)),
            "ci_low": clean(float(r.ci_low)),
            "ci_high": clean(float(r.ci_high)),
            "n": int(r.n),
        }
    return {
        "a": spec["a"],
        "b": spec["b"],
        "method": spec["method"],
        "permutations": spec["permutations"],
        "replications": spec["replications"],
        "runs": spec.get("runs"),
        "fields": [
            {"name": p["name"], "paths": [c["path"] for c in p["changes"]]} for p in spec["players"]
        ],
        "run_settings_of_b_ignored": spec.get("run_settings_of_b_ignored", []),
        "contributions": contributions,
        "out": str(result.out),
    }
