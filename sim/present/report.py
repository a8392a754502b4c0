"""Reports of a results directory: ``report.html`` (self-contained) and ``report.md``.

``parcours report RUN-DIR`` (or ``--report`` on any command that runs the model) writes, for a run,
a comparison, a sweep, an allocation or an explain run: what was run (scenarios, seed,
replications, versions, git commit), the indicators with their uncertainty (a warning when
replications are few), the differences that are distinguishable from noise (rates in percentage
points), each field's contribution to the difference between two scenarios (explain), the plots
of :mod:`sim.present.plots`, and the definitions of the indicators and of the states the plots
show. An allocation's report leads with the answer: the budget as stated and as run, the best
allocations beside the reference without extra budget with their paired differences, every
allocation's table and the frontier; its indicators and plots then show only the reference, the
best and the worst allocations. An explain run is shown as the comparison of A and B (its
coalitions' indicators are in ``indicators.parquet``), after the contributions.

The HTML file embeds its images (PNG as data URIs) and its style: it opens without any network
access. The Markdown file links the same images, written to ``figures/``. Only the tables a
report shows are read (and only the points it shows), and only the figures it shows are drawn;
``progress`` draws a progress bar.
"""

from __future__ import annotations

import base64
import html
import io
import math
import sys
from pathlib import Path

from sim.indicators import (
    METADATA,
    column_unit,
    format_difference,
    format_interval,
    format_value,
)

CSS = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 1120px; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1, h2, h3 { font-family: 'DejaVu Sans', Arial, sans-serif; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.86em; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eee; }
table.kv th { background: #f4f4f4; text-align: left; font-weight: normal; }
table.kv td { text-align: left; overflow-wrap: anywhere; white-space: normal; }
figure { margin: 0.5em 0 1.8em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.9em; margin-top: 0.3em; }
dl.defs dt { font-family: monospace; margin-top: 0.5em; }
dl.defs dd { margin-left: 1.5em; }
.note { color: #444; font-size: 0.9em; }
.warning { color: #8a4b00; font-weight: bold; }
.answer { font-size: 1.05em; }
"""
SHOWN_PUBLICS = ("all", "homeless_at_entry", "three_plus_obstacles", "rsa", "young", "women")
SHOWN_BY_PUBLIC = (
    "employment_rate_12m",
    "durable_employment_rate_12m",
    "employment_rate_24m",
    "never_reached_share",
    "housing_access_rate_24m",
)
DPI = 100  # figures at most 11 inches wide: 1,100 px, the page's width
CAPTIONS = {
    "chronogram": "Share of the persons present at month 0 (the entry cohort sample) in each "
    "state, month by month since their entry; the states are defined at the end of the report.",
    "sequence_index": "One line per person of the entry cohort sample (200 per scenario), "
    "coloured by state month by month, sorted by the month of their first job.",
    "kaplan_meier": "Share of the entry cohort who had a first job (top) or a first durable job "
    "(bottom) by each month since entry, with 95% bands (Greenwood); persons who leave are "
    "censored.",
    "indicators": "Each replication's value (dots) and the 95% confidence interval of the mean "
    "(bars); differences of rates in percentage points. Value axes start at 0.",
    "queues_and_occupancy": "Persons waiting for each kind of place, and the share of each "
    "capacity in use, at the end of each month (mean over replications).",
    "costs": "Monthly costs by funder and by programme, in euros (mean over replications).",
    "explain": "Each field's Shapley contribution to B − A for each indicator (bars, 95% "
    "interval across replications), and B − A itself (last bar); differences of rates in "
    "percentage points.",
    "frontier": "Each allocation (numbered as in the table): the indicator for everyone against "
    "the same indicator for people with three or more obstacles, with 95% intervals; the "
    "reference without extra budget is the square and its dotted lines, the best the star.",
}
FIGURE_TITLES = {
    "chronogram": "State distribution of the entry cohort",
    "sequence_index": "Individual pathways",
    "kaplan_meier": "Time to a first job",
    "indicators": "Indicators across replications",
    "queues_and_occupancy": "Waiting lists and occupancy",
    "costs": "Costs over time",
    "explain": "Why B differs from A",
    "frontier": "Allocation frontier",
}


def fmt(name: str, value, unit: bool = True) -> str:
    """An indicator value as text, in its unit (see :func:`sim.indicators.format_value`)."""
    if name not in METADATA:
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        return "n/a" if missing else str(value)
    return format_value(name, value, unit)


class _Doc:
    """Builds the HTML and Markdown versions of the report side by side."""

    def __init__(self):
        self.html: list[str] = []
        self.md: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")
        self.md.append(f"\n{'#' * level} {text}\n")

    def para(self, text: str, cls: str | None = None) -> None:
        attr = f' class="{cls}"' if cls else ""
        self.html.append(f"<p{attr}>{html.escape(text)}</p>")
        self.md.append(f"\n{'**' + text + '**' if cls == 'warning' else text}\n")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        h = "".join(f"<th>{html.escape(c)}</th>" for c in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
        )
        self.html.append(
            f'<div class="scroll"><table><thead><tr>{h}</tr></thead><tbody>{body}</tbody>'
            "</table></div>"
        )
        self.md.append("\n| " + " | ".join(header) + " |")
        self.md.append("|" + "---|" * len(header))
        self.md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        self.md.append("")

    def key_values(self, rows: list[tuple[str, str]]) -> None:
        """A two-column table of names and values, without a header row."""
        body = "".join(
            f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>'
            for k, v in rows
        )
        self.html.append(
            f'<div class="scroll"><table class="kv"><tbody>{body}</tbody></table></div>'
        )
        self.md.append("")
        self.md += [f"- **{k}**: {v}" for k, v in rows]
        self.md.append("")

    def definitions(self, items: list[tuple[str, str]]) -> None:
        body = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in items)
        self.html.append(f'<dl class="defs">{body}</dl>')
        self.md.append("")
        self.md += [f"- `{k}`: {v}" for k, v in items]
        self.md.append("")

    def image(self, png: bytes, name: str, title: str, caption: str) -> None:
        data = base64.b64encode(png).decode("ascii")
        self.html.append(
            f'<figure id="figure-{name}"><img alt="{html.escape(title)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(caption)}'
            "</figcaption></figure>"
        )
        self.md.append(f"\n![{title}](figures/{name}.png)\n\n*{caption}*\n")


# ----------------------------------------------------------------------------- reading
def _read(run_dir: Path, name: str, points=None):
    """One table of the run (only ``points`` if given), or ``None`` if it is not there."""
    import pandas as pd

    path = run_dir / f"{name}.parquet"
    if not path.exists():
        return None
    if points is None:
        return pd.read_parquet(path)
    return pd.read_parquet(path, filters=[("point", "in", list(points))])


def _shown(m: dict, run_dir: Path) -> tuple[dict | None, list[int] | None]:
    """The scenarios and points whose indicators and plots the report shows, with their labels.

    For an allocation, the reference, the best and the worst allocations; otherwise every one
    (``None``: no filter, default labels).
    """
    if m["kind"] != "allocate" or "best" not in m.get("allocation", {}):
        return None, None
    spec = m["allocation"]
    best = spec["best"]
    scenario = next(iter(m["scenarios"]))
    points: dict[int, str] = {}
    if spec.get("reference") is not None:
        points[spec["reference"]] = "no extra budget"
    points.setdefault(best["best"], f"#{best['best']} best")
    if best.get("worst") is not None:
        points.setdefault(best["worst"], f"#{best['worst']} worst")
    return {(scenario, p): label for p, label in points.items()}, list(points)


# ----------------------------------------------------------------------------- sections
def _what_was_run(doc: _Doc, m: dict) -> None:
    doc.heading("What was run")
    first = next(iter(m["scenarios"].values()))
    rows = [
        ("kind", m["kind"]),
        ("scenarios", ", ".join(m["scenarios"])),
        (
            "persons at start, months, start",
            f"{first['run']['persons']:,}, {first['run']['months']}, {first['run']['start']}",
        ),
        ("seed", str(m["seed"])),
        ("replications", f"{m['replications']} (common seeds: {m['common_seeds']})"),
        ("sweep points" if m["kind"] != "allocate" else "allocations", str(len(m["points"]))),
        ("tasks", str(len(m["tasks"]))),
        (
            "Parcours, Python, Mesa",
            f"{m['versions'].get('parcours')}, "
            f"{m['versions'].get('python')}, {m['versions'].get('mesa')}",
        ),
        ("git commit", m["git_commit"]),
        ("created", m["created"]),
        ("command", m.get("command", "")),
    ]
    doc.key_values(rows)
    for name, scn in m["scenarios"].items():
        if scn.get("description"):
            doc.para(f"{name}: {scn['description']}")


def _warning(doc: _Doc, rows, replications: int, difference=False, base=None) -> None:
    from sim.present.text import replication_warning

    lines = replication_warning(rows, replications, difference, base, width=10_000)
    for i, line in enumerate(lines):
        doc.para(line.strip(), cls="warning" if i == 0 else "note")


def _indicators(doc: _Doc, summary, m: dict, labels: dict | None) -> None:
    doc.heading("Indicators and their uncertainty")
    doc.para(
        "Mean over replications, 95% confidence interval of the mean (Student's t, kept within "
        "the values an indicator can take: a rate between 0% and 100%, a cost at least 0), and "
        "the 10-90% band of the replications. Rates are shares of the persons present k months "
        "after their own entry; every indicator is defined at the end of the report.",
        cls="note",
    )
    everyone = summary[summary.public == "all"]
    first = everyone[everyone.scenario == next(iter(m["scenarios"]))]
    _warning(doc, first[first.point == first.point.min()], m["replications"])
    groups = everyone.groupby(["scenario", "point"], sort=False)
    keys = list(labels) if labels else list(groups.groups)
    for scenario, point in keys:
        if (scenario, point) not in groups.groups:
            continue
        s = groups.get_group((scenario, point))
        title = labels[(scenario, point)] if labels else scenario
        if not labels and len(m["points"]) > 1:
            values = m["points"][point]["values"]
            title += f", point {point}: " + ", ".join(f"{k}={v}" for k, v in values.items())
        doc.heading(title, 3)
        s = s.set_index("indicator")
        rows = []
        for name in METADATA:
            if name not in s.index:
                continue
            r = s.loc[name]
            several = r.n > 1
            rows.append(
                [
                    name,
                    column_unit(name),
                    fmt(name, r["mean"], unit=False),
                    format_interval(name, r.ci_low, r.ci_high) if several else "-",
                    f"{fmt(name, r.p10, False)} – {fmt(name, r.p90, False)}" if several else "-",
                ]
            )
        doc.table(["indicator", "unit", "mean", "95% CI of the mean", "p10 – p90"], rows)
        by = summary[(summary.scenario == scenario) & (summary.point == point)]
        publics = [p for p in SHOWN_PUBLICS if p in set(by.public)]
        rows = []
        for name in SHOWN_BY_PUBLIC:
            cells = []
            for p in publics:
                r = by[(by.public == p) & (by.indicator == name)]
                cells.append(fmt(name, float(r["mean"].iloc[0])) if len(r) else "n/a")
            rows.append([name, *cells])
        doc.para("By public (means):", cls="note")
        doc.table(["indicator", *publics], rows)


def _difference_rows(d) -> list[list[str]]:
    return [
        [
            r.scenario + " − " + r.base,
            r.indicator,
            format_difference(r.indicator, r.mean) if r.indicator in METADATA else f"{r.mean:+.4g}",
            format_interval(r.indicator, r.ci_low, r.ci_high, difference=True, unit=True)
            if r.indicator in METADATA
            else "",
            "yes" if r.distinguishable else "no",
        ]
        for r in d.itertuples()
    ]


def _differences(doc: _Doc, differences, summary, m: dict) -> None:
    doc.heading("Differences distinguishable from noise")
    doc.para(
        "Each scenario minus the first, paired by replication (the same seeds, common random "
        "numbers). A difference is distinguishable from noise when its 95% confidence interval "
        "excludes zero. Differences of rates are in percentage points (pts).",
        cls="note",
    )
    d = differences[differences.public == "all"]
    everyone = summary[(summary.public == "all") & (summary.scenario == next(iter(m["scenarios"])))]
    _warning(doc, d[d.scenario == d.scenario.iloc[0]], m["replications"], True, everyone)
    clear = d[d.distinguishable]
    header = ["scenario", "indicator", "difference", "95% CI", "distinguishable"]
    if clear.empty:
        doc.para("No difference is distinguishable from noise with these replications.")
    else:
        doc.table(header[:-1], [r[:-1] for r in _difference_rows(clear)])
    doc.para("All paired differences, for everyone:", cls="note")
    doc.table(header, _difference_rows(d))
    by = differences[(differences.public != "all") & differences.distinguishable]
    if len(by):
        doc.para("Differences distinguishable from noise for a public:", cls="note")
        rows = _difference_rows(by)
        doc.table(
            ["scenario", "public", "indicator", "difference", "95% CI"],
            [[r[0], p, *r[1:4]] for r, p in zip(rows, by["public"], strict=True)],
        )


def _allocation(doc: _Doc, m: dict, allocations, summary) -> None:
    from sim.experiments.allocation import TABLE_INDICATORS, programme_label, shares_label
    from sim.present.text import allocation_answer, budget_sentences

    spec = m["allocation"]
    name, best = spec["indicator"], spec["best"]
    progs = spec["programmes"]
    doc.heading("The answer: how to split the budget")
    for sentence in budget_sentences(spec):
        doc.para(sentence)
    for sentence in allocation_answer(spec, allocations, lambda r: shares_label(r, progs)):
        doc.para(sentence, cls="answer")
    everyone = summary[summary.public == "all"]
    ref_rows = everyone[everyone.point == spec.get("reference", -1)]
    _warning(doc, ref_rows, m["replications"])

    # The best allocations beside the reference, with their differences.
    table = allocations.set_index("allocation")
    ranked = [best["best"], *best.get("indistinguishable", [])]
    ascending = spec["indicator"] in METADATA and METADATA[name].higher_is_better is not True
    ranked = sorted(ranked, key=lambda p: table.loc[p, name], reverse=not ascending)[:4]
    if "reference" in spec and spec.get("reference") in table.index:
        header = ["indicator", "no extra budget"]
        for p in ranked:
            header += [f"#{p} ({shares_label(table.loc[p], progs, short=True)})", "difference"]
        rows = []
        for public, who in (("all", ""), ("homeless_at_entry", " [homeless at entry]"),
                            ("three_plus_obstacles", " [3+ obstacles]")):  # fmt: skip
            for ind in TABLE_INDICATORS:
                col = ind if public == "all" else f"{ind}[{public}]"
                if col not in table or (public != "all" and ind != name):
                    continue
                if table.loc[[spec["reference"], *ranked], col].isna().all():
                    continue  # e.g. a 24-month rate in a shorter run
                cells = [ind + who, fmt(ind, table.loc[spec["reference"], col])]
                for p in ranked:
                    diff = table.loc[p].get(f"{col}_diff", float("nan"))
                    mark = " *" if table.loc[p].get(f"{col}_diff_distinguishable") else ""
                    cells += [
                        fmt(ind, table.loc[p, col]),
                        format_difference(ind, diff)
                        + " "
                        + format_interval(
                            ind,
                            table.loc[p].get(f"{col}_diff_ci_low"),
                            table.loc[p].get(f"{col}_diff_ci_high"),
                            difference=True,
                        )
                        + mark,
                    ]
                rows.append(cells)
        doc.para(
            "The best allocations beside no extra budget (the best, then those that cannot be "
            "told apart from it); difference = allocation − no extra budget, paired by "
            "replication, with its 95% CI; * = distinguishable from noise.",
            cls="note",
        )
        doc.table(header, rows)

    units = spec.get("units", {})
    rows = []
    for r in allocations.to_dict("records"):
        cells = [str(r["allocation"])]
        for p in progs:
            bought = r.get(f"units_{p}")
            cells.append(
                "-"
                if r.get("reference")
                else f"{r[f'share_{p}']:.0%}" + ("" if bought is None else f": {int(bought):,}")
            )
        diff = r.get(f"{name}_diff", float("nan"))
        cells += [
            fmt(name, r.get(name)),
            format_interval(name, r.get(f"{name}_ci_low"), r.get(f"{name}_ci_high")),
            "reference"
            if r.get("reference")
            else format_difference(name, diff)
            + " "
            + format_interval(
                name, r.get(f"{name}_diff_ci_low"), r.get(f"{name}_diff_ci_high"), difference=True
            )
            + (" *" if r.get(f"{name}_diff_distinguishable") else ""),
            fmt(name, r.get(f"{name}[homeless_at_entry]")),
            fmt(name, r.get(f"{name}[three_plus_obstacles]")),
            fmt("cost_per_durable_job", r.get("cost_per_durable_job")),
            "best"
            if r["allocation"] == best["best"]
            else "worst"
            if r["allocation"] == best.get("worst")
            else "",
        ]
        rows.append(cells)
    doc.para(
        "Every allocation: the share of the budget of each programme and the "
        + ", ".join(f"{units.get(p, 'unit')}s" for p in progs)
        + " it buys for the stated budget; the indicator with its 95% CI; its paired difference "
        "to no extra budget (* = distinguishable from noise); the indicator for homeless people "
        "at entry and for people with three or more obstacles; the cost per durable job.",
        cls="note",
    )
    doc.table(
        ["#", *[programme_label(p) for p in progs], name, "95% CI", "vs no extra budget",
         "homeless at entry", "3+ obstacles", "cost per durable job", ""],
        rows,
    )  # fmt: skip


def _definitions(doc: _Doc, names) -> None:
    from sim.indicators import STATE_DEFINITIONS

    doc.heading("Definitions")
    doc.para("Indicators (for everyone, or for the persons of a public):", cls="note")
    items = []
    for name in names:
        meta = METADATA[name]
        better = {True: "; higher is better", False: "; lower is better", None: ""}
        items.append((name, f"[{meta.unit}{better[meta.higher_is_better]}] {meta.definition}"))
    doc.definitions(items)
    doc.para("States of the pathway plots (each person is in exactly one each month):", cls="note")
    doc.definitions(list(STATE_DEFINITIONS.items()))
    doc.para(
        "Publics: young (under 26 at entry), senior (50+), women, single parents, refugees, "
        "disabled (RQTH), homeless at entry (street or emergency shelter), rsa (RSA recipients "
        "at entry), three plus obstacles (three or more obstacles at entry).",
        cls="note",
    )


def explain_view(run: dict) -> dict:
    """An explain run's tables seen as the comparison of A and B (its first and last runs).

    Keeps the rows of A's and B's points, names them after A and B, and adds the paired
    differences B - A; the explain table and the manifest are kept as they are.
    """
    from sim.experiments.summaries import paired_differences, summarise

    spec = run["manifest"]["explain"]
    a_point, b_point = spec["detail_points"]
    names = {a_point: spec["a"]["name"], b_point: spec["b"]["name"]}
    if names[a_point] == names[b_point]:
        names = {a_point: f"{names[a_point]} (A)", b_point: f"{names[b_point]} (B)"}
    view = dict(run)
    for key in ("indicators", "monthly", "ledger", "cohort", "costs"):
        if key in run and len(run[key]):
            frame = run[key][run[key]["point"].isin(names)].copy()
            frame["scenario"] = frame["point"].map(names)
            frame["point"] = 0
            view[key] = frame
    view["summary"] = summarise(view["indicators"])
    view["differences"] = paired_differences(view["indicators"], names[a_point])
    view["manifest"] = {
        **run["manifest"],
        "scenarios": {n: None for n in names.values()},
        "points": [{"index": 0, "values": {}}],
    }
    return view


def _explain(doc: _Doc, spec: dict, table) -> None:
    doc.heading(f"Why {spec['b']['name']} differs from {spec['a']['name']}")
    k = len(spec["players"])
    if spec["method"] == "exact":
        how = f"exact Shapley values over {k} fields or groups (all {2**k} coalitions)"
    else:
        how = (
            f"Shapley values estimated from {spec['permutations']} random orders of the "
            f"{k} fields or groups per replication ({len(spec['coalitions'])} coalitions)"
        )
    doc.para(
        f"B - A for each indicator, split into the contribution of each field in which B "
        f"differs from A: {how}, computed replication by replication on common seeds "
        f"({spec['replications']} replications, {spec.get('runs', '?')} runs), then averaged, "
        "with the 95% confidence interval across replications. The contributions add up to the "
        "total. A field's contribution is its effect averaged over the orders in which the "
        "changes can be made: an interaction between two fields is shared between them. "
        "Differences of rates are in percentage points (pts).",
        cls="note",
    )
    from sim.experiments.explain import Change

    rows = []
    for p in spec["players"]:
        for c in p["changes"]:
            text = Change.from_dict(c).describe()
            rows.append([p["name"], text.split(": ", 1)[1] if ": " in text else text, c["path"]])
    doc.table(["field or group", "A -> B", "path"], rows)
    t = table[table["public"] == "all"]
    fields = [p["name"] for p in spec["players"]]
    out = []
    for name in METADATA:
        sel = t[t["indicator"] == name].set_index("field")
        if sel.empty:
            continue
        for field in [*fields, "total"]:
            r = sel.loc[field]
            clear = r["n"] > 1 and (r["ci_low"] > 0 or r["ci_high"] < 0)
            out.append(
                [
                    name,
                    "total (B - A)" if field == "total" else field,
                    format_difference(name, r["contribution"]),
                    format_interval(name, r["ci_low"], r["ci_high"], difference=True, unit=True),
                    "yes" if clear else "no",
                ]
            )
    doc.para("Contributions for everyone (explain.parquet has every public):", cls="note")
    doc.table(["indicator", "field", "contribution", "95% CI", "CI excludes 0"], out)


def _dfmt(name: str, value) -> str:
    """A difference as text, in its unit (rates in points: :func:`format_difference`)."""
    if name not in METADATA:
        return fmt(name, value)
    return format_difference(name, value)


def _share(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _ensemble(doc: _Doc, run: dict) -> None:
    """Over a posterior: intervals with parameter uncertainty, variance shares, robustness."""
    from sim.experiments.ensemble import robustness_text

    ens = run["manifest"]["ensemble"]
    doc.heading("Over the posterior: parameter uncertainty")
    doc.para(
        f"Each replication ran one parameter set drawn from the posterior {ens['file']} "
        f"({len(ens['sets'])} sets x {ens['seeds_per_set']} seeds; every scenario ran the same "
        "set and seed in a replication). Interval: 2.5-97.5% of the set means. Parameters: the "
        "share of the variance due to the parameters rather than chance.",
        cls="note",
    )
    s = run["ensemble"]
    s = s[(s["public"] == "all") & (s["point"] == 0)]
    for scenario, rows in s.groupby("scenario", sort=False):
        doc.heading(scenario, 3)
        doc.table(
            ["indicator", "mean", "95% over sets", "parameters"],
            [
                [r.indicator, fmt(r.indicator, r.mean),
                 f"[{fmt(r.indicator, r.low)}, {fmt(r.indicator, r.high)}]",
                 _share(r.share_parameters)]
                for r in rows.itertuples()
            ],
        )  # fmt: skip
    _trial_ensemble(doc, run)
    d = run.get("ensemble_differences")
    if d is None or not len(d):
        return
    d = d[(d["public"] == "all") & (d["point"] == 0)]
    for other, rows in d.groupby("scenario", sort=False):
        doc.heading(f"{other} vs {rows['base'].iloc[0]} over the posterior", 3)
        doc.table(
            ["indicator", "difference", "95% over sets", "parameters", "sign"],
            [
                [r["indicator"], _dfmt(r["indicator"], r["mean"]),
                 f"[{_dfmt(r['indicator'], r['low'])}, {_dfmt(r['indicator'], r['high'])}]",
                 _share(r["share_parameters"]), robustness_text(r)]
                for _, r in rows.iterrows()
            ],
        )  # fmt: skip


def _trial_ensemble(doc: _Doc, run: dict) -> None:
    """A trial over a posterior: each arm's intention-to-treat effect over the sets."""
    from sim.experiments.ensemble import robustness_text
    from sim.present.cli.trial_tables import _diff

    t = run.get("trial_ensemble")
    if t is None or not len(t):
        return
    doc.heading("Trial effects over the posterior", 3)
    doc.table(
        ["outcome", "arm", "ITT effect", "95% over sets", "parameters", "sign"],
        [
            [r["outcome"], r["arm"], _diff(r["outcome"], r["mean"]),
             f"[{_diff(r['outcome'], r['low'])}, {_diff(r['outcome'], r['high'])}]",
             _share(r["share_parameters"]), robustness_text(r)]
            for _, r in t.iterrows()
        ],
    )  # fmt: skip


# ----------------------------------------------------------------------------- the report
def write_report(run_dir: str | Path, progress: bool = False) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (and ``figures/*.png``) into ``run_dir``.

    Args:
        run_dir: a complete results directory.
        progress: draw a progress bar (on stdout) while the figures are drawn.
    """
    from sim.experiments import store

    run_dir = Path(run_dir)
    m = store.read_manifest(run_dir)
    store.refuse_damaged(run_dir, m)
    if not (run_dir / "summary.parquet").exists() or m["status"] != "complete":
        raise FileNotFoundError(f"{run_dir} is not complete: finish it with parcours resume")
    labels, points = _shown(m, run_dir)
    explain = m["kind"] == "explain"
    if explain:  # A's and B's runs only (the coalitions' are in indicators.parquet)
        points = list(m["explain"]["detail_points"])
    steps = ["tables", "chronogram", "sequence_index", "kaplan_meier", "indicators",
             "queues_and_occupancy", "costs", "explain", "write"]  # fmt: skip
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(steps), unit="step", file=sys.stdout, desc="report")
    try:
        run = {"manifest": m}
        for name in ("summary", "indicators", "differences", "allocations", "explain",
                     "ensemble", "ensemble_differences", "trial_ensemble"):  # fmt: skip
            if explain and name in ("summary", "differences"):
                continue  # made from A's and B's indicators by explain_view
            table = _read(run_dir, name, points if name in ("summary", "indicators") else None)
            if table is not None:
                run[name] = table
        for name in ("cohort", "monthly", "ledger"):
            table = _read(run_dir, name, points)
            if table is not None:
                run[name] = table
        full_summary = run.get("summary")
        if m["kind"] == "allocate" and points is not None:  # every allocation's, for the answer
            full_summary = _read(run_dir, "summary")
        if bar is not None:
            bar.update()

        doc = _Doc()
        figures_dir = run_dir / "figures"
        figures_dir.mkdir(exist_ok=True)
        if explain:
            spec = m["explain"]
            title = f"Parcours report: {spec['b']['name']} vs {spec['a']['name']} (explain)"
            doc.heading(title, 1)
            _what_was_run(doc, m)
            _explain(doc, spec, run["explain"])
            run = explain_view(run)
            m = run["manifest"]
        else:
            title = f"Parcours report: {', '.join(m['scenarios'])} ({m['kind']})"
            doc.heading(title, 1)
        if m["kind"] == "allocate" and "allocations" in run:
            _allocation(doc, m, run["allocations"], full_summary)
            frontier = run_dir / "frontier.png"
            if frontier.exists():
                png = frontier.read_bytes()
                store.write_text(figures_dir / "frontier.png", png)
                doc.image(png, "frontier", FIGURE_TITLES["frontier"], CAPTIONS["frontier"])
        if not explain:
            _what_was_run(doc, m)
        _indicators(doc, run["summary"], m, labels)
        differences = run.get("differences")
        if differences is not None and len(differences):
            _differences(doc, differences, run["summary"], m)
        if m.get("ensemble") and "ensemble" in run:
            _ensemble(doc, run)
        _plots(doc, run, labels, figures_dir, bar, store)
        shown = [n for n in METADATA if n in set(run["summary"]["indicator"])]
        _definitions(doc, shown)

        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(doc.html)
            + "</body></html>\n"
        )
        html_path, md_path = run_dir / "report.html", run_dir / "report.md"
        store.write_text(html_path, page)
        store.write_text(md_path, "\n".join(doc.md).lstrip() + "\n")
        if bar is not None:
            bar.update(bar.total - bar.n)
    finally:
        if bar is not None:
            bar.close()
    return html_path, md_path


def _plots(doc: _Doc, run: dict, labels, figures_dir: Path, bar, store) -> None:
    """Draw the figures that apply (for the shown scenarios and points) and add them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.present.plots import FIGURES, draw, figures_for

    doc.heading("Plots")
    if labels:
        doc.para(
            "For the reference without extra budget, the best and the worst allocations: "
            + ", ".join(labels.values())
            + ".",
            cls="note",
        )
    applicable = figures_for(run)
    for name in FIGURES:
        if name in applicable:
            fig = draw(name, run, labels)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=DPI)
            plt.close(fig)
            png = buf.getvalue()
            store.write_text(figures_dir / f"{name}.png", png)
            doc.heading(FIGURE_TITLES[name], 3)
            doc.image(png, name, FIGURE_TITLES[name], CAPTIONS[name])
        if bar is not None:
            bar.update()
