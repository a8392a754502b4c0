"""A run's results as text tables for the terminal, and as one JSON object (``--json``).

Units come from the indicators' metadata (:mod:`sim.indicators`): a rate prints as a percentage
and a difference of rates in percentage points (``pts``), a duration in months, euros as ``EUR``
with thousands separators; each table has a ``unit`` column. A missing value (``None`` or NaN)
prints as ``n/a`` and is ``null`` in JSON.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

from sim.indicators import (
    METADATA,
    column_unit,
    format_difference,
    format_interval,
    format_value,
)
from sim.present.text import STAR, STAR_MEANING, rows_of


def grid(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell: the first ``left`` aligned left, the others right."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells):
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            out.append(f"{cell!s:<{w}}" if i < left else f"{cell!s:>{w}}")
        return "  ".join(out).rstrip()

    return [line(header)] + [line(r) for r in rows]


def _names(names) -> list[str]:
    """The indicators ``names`` (a column) once each, in table order (known ones first)."""
    present = list(dict.fromkeys(names))
    return [n for n in METADATA if n in present] + [n for n in present if n not in METADATA]


def _value(name, value, unit=False):
    return format_value(name, value, unit) if name in METADATA else f"{value:.4g}"


def _diff(name, value, unit=False):
    return format_difference(name, value, unit) if name in METADATA else f"{value:+.4g}"


def _unit(name, difference=False):
    return column_unit(name, difference) if name in METADATA else ""


def summary_table(summary, publics=("all",), scenario=None, point=0) -> str:
    """Indicators as a text table: unit, mean, its 95% CI, median and the 10-90% band.

    ``summary`` is a summary table: a DataFrame, or its rows (:func:`sim.present.text.rows_of`).
    """
    s = [r for r in rows_of(summary) if r["point"] == point]
    if scenario is not None:
        s = [r for r in s if r["scenario"] == scenario]
    lines = []
    for public in publics:
        p = {r["indicator"]: r for r in s if r["public"] == public}
        if len(publics) > 1:
            lines.append(f"\n[{public}]")
        rows = []
        for name in _names(r["indicator"] for r in s):
            if name not in p:
                continue
            r = p[name]
            several = r["n"] > 1
            rows.append(
                [
                    name,
                    _unit(name),
                    _value(name, r["mean"]),
                    format_interval(name, r["ci_low"], r["ci_high"]) if several else "",
                    _value(name, r["median"]) if several else "",
                    f"{_value(name, r['p10'])} - {_value(name, r['p90'])}" if several else "",
                ]
            )
        header = ["indicator", "unit", "mean", "95% CI of the mean", "median", "p10 - p90"]
        lines += grid(header, rows, left=2)
    return "\n".join(lines).lstrip("\n")


def difference_table(differences, summary, publics=("all",)) -> str:
    """Each scenario's means and its paired difference to the first, for each public.

    Differences of rates are in percentage points; ``*`` marks a difference whose 95% CI
    excludes zero (distinguishable from noise). ``differences`` and ``summary`` are DataFrames
    or their rows (:func:`sim.present.text.rows_of`).
    """
    differences, summary = rows_of(differences), rows_of(summary)
    lines = []
    for public in publics:
        d = [r for r in differences if r["public"] == public]
        means: dict[tuple, float] = {}  # (scenario, indicator) -> mean, the first row's
        for r in summary:
            if r["public"] == public:
                means.setdefault((r["scenario"], r["indicator"]), r["mean"])
        for other in dict.fromkeys(r["scenario"] for r in d):
            rows = [r for r in d if r["scenario"] == other]
            base = rows[0]["base"]
            who = "" if public == "all" and len(publics) == 1 else f" [{public}]"
            lines.append(f"\n{other} vs {base}{who} (paired by replication)")
            by_name = {r["indicator"]: r for r in rows}
            table = []
            for name in _names(r["indicator"] for r in rows):
                r = by_name[name]
                table.append(
                    [
                        name,
                        _unit(name),
                        _value(name, means.get((base, name), float("nan"))),
                        _value(name, means.get((other, name), float("nan"))),
                        _unit(name, difference=True),
                        _diff(name, r["mean"]),
                        format_interval(name, r["ci_low"], r["ci_high"], difference=True)
                        if r["n"] > 1
                        else "",
                        STAR if r["distinguishable"] else "",
                    ]
                )
            header = ["indicator", "unit", base, other, "unit", "difference", "95% CI", ""]
            lines += grid(header, table, left=2)
    if lines:
        lines.append(STAR_MEANING)
    return "\n".join(lines).lstrip("\n")


def allocation_report(exp) -> str:
    """The planner's answer, then each allocation against no extra budget.

    Leads with the budget (stated and as run), the best allocation and its difference to no
    extra budget; then one row per allocation: its shares and what they buy, the indicator with
    its 95% CI, its paired difference to no extra budget (``*``: distinguishable from noise),
    the indicator for homeless people at entry and for people with three or more obstacles,
    and the cost per durable job.
    """
    import pandas as pd

    from sim.experiments.allocation import REFERENCE_LABEL, programme_label, shares_label
    from sim.present.text import allocation_answer, budget_sentences

    spec = exp.manifest["allocation"]
    table = pd.read_parquet(Path(exp.out) / "allocations.parquet")
    name, best = spec["indicator"], spec["best"]
    progs = spec["programmes"]
    lines = []
    for sentence in (
        budget_sentences(spec)
        + [""]
        + allocation_answer(spec, table, lambda r: shares_label(r, progs))
    ):
        lines += textwrap.wrap(sentence, width=100, subsequent_indent="  ") or [""]
    header = ["#"]
    for p in progs:
        header.append(f"{programme_label(p)}")
    header += [
        f"{name} ({column_unit(name)})",
        "95% CI",
        "vs no extra budget",
        "95% CI",
        "",
        "homeless at entry",
        "3+ obstacles",
        "cost/durable job (EUR)",
    ]
    rows = []
    for r in table.to_dict("records"):
        cells = [str(r["allocation"])]
        for p in progs:
            if r.get("reference"):
                cells.append("-")
                continue
            bought = r.get(f"units_{p}")
            buys = "" if bought is None else f": {int(bought):,}"
            cells.append(f"{r[f'share_{p}']:.0%}{buys}")
        diff = r.get(f"{name}_diff", float("nan"))
        cells += [
            _value(name, r[name]),
            format_interval(name, r.get(f"{name}_ci_low"), r.get(f"{name}_ci_high")),
            "reference" if r.get("reference") else _diff(name, diff, unit=True),
            ""
            if r.get("reference")
            else format_interval(
                name, r.get(f"{name}_diff_ci_low"), r.get(f"{name}_diff_ci_high"), difference=True
            ),
            STAR if r.get(f"{name}_diff_distinguishable") and not r.get("reference") else "",
            _value(name, r.get(f"{name}[homeless_at_entry]", float("nan"))),
            _value(name, r.get(f"{name}[three_plus_obstacles]", float("nan"))),
            _value("cost_per_durable_job", r.get("cost_per_durable_job", float("nan"))),
        ]
        if r["allocation"] == best["best"]:
            cells.append("<- best")
        elif r["allocation"] == best.get("worst"):
            cells.append("<- worst")
        else:
            cells.append("")
        rows.append(cells)
    header.append("")
    lines += ["", f"#0 is the reference: {REFERENCE_LABEL}."] if "reference" in spec else [""]
    lines += grid(header, rows, left=1)
    notes = [
        "Programme columns: the share of the budget and the posts, places or FTE it buys (for "
        "the stated budget; "
        + (
            f"the run has them x{spec['scale']:.3g})."
            if "scale" in spec and not math.isclose(spec["scale"], 1.0)
            else "the run has them as stated)."
        ),
        STAR_MEANING.replace("difference", "difference to no extra budget") + ".",
        f"frontier plot: {Path(exp.out) / 'frontier.png'}",
    ]
    for note in notes:
        lines += textwrap.wrap(note, width=100, subsequent_indent="  ")
    return "\n".join(lines)


def indicator_table(width: int = 100) -> str:
    """Every indicator: its unit, whether higher is better, and its definition."""
    from sim.present.text import definitions

    lines = ["Indicators (for everyone and for each public; rates are shares of persons):", ""]
    lines += definitions(width=width)
    lines += [
        "",
        "Differences of rates are in percentage points (pts). Publics: all, young (under 26), "
        "senior (50+), women, single_parents, refugees, disabled (RQTH), homeless_at_entry, rsa, "
        "three_plus_obstacles.",
    ]
    return "\n".join(lines)


def metadata_json() -> dict:
    """Each indicator's unit, kind, definition and direction, for ``--json``."""
    return {
        name: {
            "kind": m.kind,
            "unit": m.unit,
            "difference_unit": m.difference_unit,
            "higher_is_better": m.higher_is_better,
            "definition": m.definition,
        }
        for name, m in METADATA.items()
    }


def json_result(exp) -> dict:
    """The first scenario's indicators, their summary and any paired differences, for ``--json``.

    Args:
        exp: A finished experiment (``sim.experiments.runner.Experiment``).

    Returns:
        A dict ready for ``json.dumps``: NaN values become ``None``. ``units`` gives each
        indicator's unit, kind, definition and direction; ``warnings`` any warning the tables
        print (e.g. too few replications); ``differences`` (a comparison) every scenario minus
        the first for everyone, and ``differences_by_public`` the same for each public.
    """
    from sim.present.text import replication_warning

    s = exp.summary[exp.summary["point"] == 0]
    first = next(iter(exp.manifest["scenarios"]))

    def clean(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    def block(rows, field="mean"):
        return {r.indicator: clean(float(getattr(r, field))) for r in rows.itertuples()}

    mine = s[s["scenario"] == first]
    everyone = mine[mine.public == "all"]
    out = {
        "indicators": block(everyone),
        "by_public": {p: block(g) for p, g in mine[mine.public != "all"].groupby("public")},
        "summary": {
            r.indicator: {
                k: clean(float(getattr(r, k)))
                for k in ("mean", "median", "p10", "p90", "ci_low", "ci_high")
            }
            for r in everyone.itertuples()
        },
        "units": metadata_json(),
        "warnings": replication_warning(everyone, exp.manifest["replications"]),
        "out": str(exp.out),
    }
    if exp.differences is not None and len(exp.differences):

        def diffs(d):
            return {
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

        d = exp.differences
        out["differences"] = diffs(d[d["public"] == "all"])
        out["differences_by_public"] = {
            p: diffs(g) for p, g in d[d["public"] != "all"].groupby("public", sort=False)
        }
    if exp.manifest.get("ensemble"):
        from sim.experiments.store import load_run
        from sim.present.cli.ensemble import ensemble_json

        out["ensemble"] = ensemble_json(load_run(exp.out))
    return out


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
    Contributions are in the unit of a difference of the indicator (:mod:`sim.indicators`):
    percentage points (``pts``) for a rate, months, EUR.

    Args:
        table: the explain table (``explain.parquet``).
        spec: the manifest's ``explain`` entry.
        public: the public shown.
        indicators: the indicators shown (default: every one in the table).
    """
    t = table[table["public"] == public]
    names = [n for n in (indicators or _names(t["indicator"])) if n in set(t["indicator"])]
    fields = [p["name"] for p in spec["players"]]
    width = max(len("total (B - A)"), *(len(f) for f in fields)) + 2
    lines = [explain_header(spec), ""]
    lines.append("contributions: mean over replications [95% CI]; * = the CI excludes 0")
    for name in names:
        rows = t[t["indicator"] == name].set_index("field")
        unit = _unit(name, difference=True)
        lines.append(f"\n{name} [{public}]" + (f" ({unit})" if unit else ""))
        for field in [*fields, "total"]:
            r = rows.loc[field]
            ci = (
                f"[{_diff(name, r.ci_low)}, {_diff(name, r.ci_high)}]"
                if r["n"] > 1 and not math.isnan(r.ci_low)
                else ""
            )
            mark = " *" if r["n"] > 1 and (r.ci_low > 0 or r.ci_high < 0) else ""
            label = "total (B - A)" if field == "total" else field
            lines.append(
                f"  {label:<{width}}{_diff(name, r.contribution):>16}  {ci:<34}{mark}".rstrip()
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
        "units": metadata_json(),
        "out": str(result.out),
    }
