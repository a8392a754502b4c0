"""Reports of a results directory: ``report.html`` (self-contained) and ``report.md``.

``parcours report RUN-DIR`` (or ``--report`` on any command that runs the model) writes, for a run,
a comparison, a sweep, an allocation or an explain run: what was run (scenarios, seed,
replications, versions, git commit), the indicators with their uncertainty, the differences that
are distinguishable from noise, the allocation results, each field's contribution to the
difference between two scenarios, and every plot of :mod:`sim.present.plots`. An explain run is
shown as the comparison of A and B (its coalitions' indicators are in ``indicators.parquet``),
followed by the contributions. The HTML file embeds its images
(PNG as data URIs) and its style: it opens without any network access. The Markdown file links the
same images, written to ``figures/``.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import pandas as pd

from sim.experiments import store
from sim.experiments.store import load_run
from sim.outcomes import INDICATORS

CSS = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1, h2, h3 { font-family: 'DejaVu Sans', Arial, sans-serif; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eee; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0 1.5em; }
.note { color: #444; font-size: 0.9em; }
.yes { font-weight: bold; }
"""
SHOWN_PUBLICS = ("all", "homeless_at_entry", "three_plus_obstacles", "rsa", "young", "women")
SHOWN_BY_PUBLIC = (
    "employment_rate_12m",
    "durable_employment_rate_12m",
    "employment_rate_24m",
    "never_reached_share",
    "housing_access_rate_24m",
)


def fmt(name: str, value) -> str:
    """An indicator value as text: percentages, months or euros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if "rate" in name or name.endswith("share"):
        return f"{100 * value:.1f}%"
    if name.startswith("median"):
        return f"{value:.1f} months"
    return f"{value:,.0f} EUR"


class _Doc:
    """Builds the HTML and Markdown versions of the report side by side."""

    def __init__(self):
        self.html: list[str] = []
        self.md: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")
        self.md.append(f"\n{'#' * level} {text}\n")

    def para(self, text: str, note: bool = False) -> None:
        cls = ' class="note"' if note else ""
        self.html.append(f"<p{cls}>{html.escape(text)}</p>")
        self.md.append(f"\n{text}\n")

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        h = "".join(f"<th>{html.escape(c)}</th>" for c in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
        )
        self.html.append(f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>")
        self.md.append("\n| " + " | ".join(header) + " |")
        self.md.append("|" + "---|" * len(header))
        self.md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        self.md.append("")

    def image(self, png: bytes, name: str, alt: str) -> None:
        data = base64.b64encode(png).decode("ascii")
        self.html.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')
        self.md.append(f"\n![{alt}](figures/{name}.png)\n")


def _what_was_run(doc: _Doc, m: dict) -> None:
    doc.heading("What was run")
    first = next(iter(m["scenarios"].values()))
    rows = [
        ["kind", m["kind"]],
        ["scenarios", ", ".join(m["scenarios"])],
        [
            "persons at start, months, start",
            f"{first['run']['persons']:,}, {first['run']['months']}, {first['run']['start']}",
        ],
        ["seed", str(m["seed"])],
        ["replications", f"{m['replications']} (common seeds: {m['common_seeds']})"],
        ["sweep points", str(len(m["points"]))],
        ["tasks", str(len(m["tasks"]))],
        [
            "Parcours, Python, Mesa",
            f"{m['versions'].get('parcours')}, "
            f"{m['versions'].get('python')}, {m['versions'].get('mesa')}",
        ],
        ["git commit", m["git_commit"]],
        ["created", m["created"]],
        ["command", m.get("command", "")],
    ]
    doc.table(["", ""], rows)
    for name, scn in m["scenarios"].items():
        if scn.get("description"):
            doc.para(f"{name}: {scn['description']}")


def _indicators(doc: _Doc, summary: pd.DataFrame, m: dict) -> None:
    doc.heading("Indicators and their uncertainty")
    doc.para(
        "Mean over replications, 95% confidence interval of the mean (Student's t), and the "
        "10-90% band of the replications. Rates are shares of the persons present k months "
        "after their own entry; see the README for each indicator's definition.",
        note=True,
    )
    for (scenario, point), s in summary[summary.public == "all"].groupby(
        ["scenario", "point"], sort=False
    ):
        title = scenario
        if len(m["points"]) > 1:
            values = m["points"][point]["values"]
            title += f", point {point}: " + ", ".join(f"{k}={v}" for k, v in values.items())
        doc.heading(title, 3)
        s = s.set_index("indicator")
        rows = []
        for name in INDICATORS:
            if name not in s.index:
                continue
            r = s.loc[name]
            ci = f"[{fmt(name, r.ci_low)}, {fmt(name, r.ci_high)}]" if r.n > 1 else "-"
            band = f"{fmt(name, r.p10)} – {fmt(name, r.p90)}" if r.n > 1 else "-"
            rows.append([name, fmt(name, r["mean"]), ci, band])
        doc.table(["indicator", "mean", "95% CI of the mean", "p10 – p90"], rows)
        by = summary[(summary.scenario == scenario) & (summary.point == point)]
        publics = [p for p in SHOWN_PUBLICS if p in set(by.public)]
        rows = []
        for name in SHOWN_BY_PUBLIC:
            cells = []
            for p in publics:
                r = by[(by.public == p) & (by.indicator == name)]
                cells.append(fmt(name, float(r["mean"].iloc[0])) if len(r) else "n/a")
            rows.append([name, *cells])
        doc.para("By public (means):", note=True)
        doc.table(["indicator", *publics], rows)


def _differences(doc: _Doc, differences: pd.DataFrame) -> None:
    doc.heading("Differences distinguishable from noise")
    doc.para(
        "Each scenario minus the first, paired by replication (the same seeds, common random "
        "numbers). A difference is distinguishable from noise when its 95% confidence interval "
        "excludes zero.",
        note=True,
    )
    d = differences[differences.public == "all"]
    clear = d[d.distinguishable]
    if clear.empty:
        doc.para("No difference is distinguishable from noise with these replications.")
    else:
        doc.table(
            ["scenario", "indicator", "difference", "95% CI"],
            [
                [
                    r.scenario + " − " + r.base,
                    r.indicator,
                    fmt(r.indicator, r.mean),
                    f"[{fmt(r.indicator, r.ci_low)}, {fmt(r.indicator, r.ci_high)}]",
                ]
                for r in clear.itertuples()
            ],
        )
    doc.para("All paired differences:", note=True)
    doc.table(
        ["scenario", "indicator", "difference", "95% CI", "distinguishable"],
        [
            [
                r.scenario + " − " + r.base,
                r.indicator,
                fmt(r.indicator, r.mean),
                f"[{fmt(r.indicator, r.ci_low)}, {fmt(r.indicator, r.ci_high)}]",
                "yes" if r.distinguishable else "no",
            ]
            for r in d.itertuples()
        ],
    )


def _allocation(doc: _Doc, m: dict, allocations: pd.DataFrame) -> None:
    spec = m["allocation"]
    name, best = spec["indicator"], spec["best"]
    doc.heading("Allocation of the budget")
    doc.para(
        f"A budget of {spec['budget']:,.0f} EUR a year split across "
        f"{', '.join(spec['programmes'])} ({spec['method']}), judged on {name} "
        f"({spec['public']})."
    )
    ties = ", ".join(map(str, best["indistinguishable"])) or "none"
    doc.para(
        f"Best allocation: {best['best']} ({fmt(name, best['mean'])}, 95% CI "
        f"[{fmt(name, best['ci_low'])}, {fmt(name, best['ci_high'])}]). Allocations that "
        f"cannot be told apart from it (paired 95% CI of the difference includes zero): {ties}."
    )
    furthest = f"{name}[three_plus_obstacles]"
    homeless = f"{name}[homeless_at_entry]"
    rows = []
    for r in allocations.to_dict("records"):
        shares = " / ".join(f"{r[f'share_{p}']:.0%}" for p in spec["programmes"])
        rows.append(
            [
                str(r["allocation"]),
                shares,
                fmt(name, r.get(name)),
                f"[{fmt(name, r.get(f'{name}_ci_low'))}, {fmt(name, r.get(f'{name}_ci_high'))}]",
                fmt(name, r.get(homeless)),
                fmt(name, r.get(furthest)),
                fmt("cost", r.get("cost_per_durable_job")),
            ]
        )
    doc.table(
        [
            "allocation",
            "shares",
            name,
            "95% CI",
            "homeless at entry",
            "3+ obstacles",
            "cost per durable job",
        ],
        rows,
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


def _explain(doc: _Doc, spec: dict, table: pd.DataFrame) -> None:
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
        "changes can be made: an interaction between two fields is shared between them.",
        note=True,
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
    for name in INDICATORS:
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
                    _diff(name, r["contribution"]),
                    f"[{_diff(name, r['ci_low'])}, {_diff(name, r['ci_high'])}]",
                    "yes" if clear else "no",
                ]
            )
    doc.para("Contributions for everyone (explain.parquet has every public):", note=True)
    doc.table(["indicator", "field", "contribution", "95% CI", "CI excludes 0"], out)


def _diff(name: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if "rate" in name or name.endswith("share"):
        return f"{100 * value:+.2f} pp"
    if name.startswith("median"):
        return f"{value:+.2f} months"
    return f"{value:+,.0f} EUR"


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
        note=True,
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
    d = run.get("ensemble_differences")
    if d is None or not len(d):
        return
    d = d[(d["public"] == "all") & (d["point"] == 0)]
    for other, rows in d.groupby("scenario", sort=False):
        doc.heading(f"{other} vs {rows['base'].iloc[0]} over the posterior", 3)
        doc.table(
            ["indicator", "difference", "95% over sets", "parameters", "sign"],
            [
                [r["indicator"], fmt(r["indicator"], r["mean"]),
                 f"[{fmt(r['indicator'], r['low'])}, {fmt(r['indicator'], r['high'])}]",
                 _share(r["share_parameters"]), robustness_text(r)]
                for _, r in rows.iterrows()
            ],
        )  # fmt: skip


def write_report(run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (and ``figures/*.png``) into ``run_dir``."""
    from sim.present.plots import all_figures

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    m = run["manifest"]
    if "summary" not in run or m["status"] != "complete":
        raise FileNotFoundError(f"{run_dir} is not complete: finish it with parcours resume")
    doc = _Doc()
    if m["kind"] == "explain":
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
        _what_was_run(doc, m)
    _indicators(doc, run["summary"], m)
    if run.get("differences") is not None and len(run["differences"]):
        _differences(doc, run["differences"])
    if m["kind"] == "allocate" and "allocations" in run:
        _allocation(doc, m, run["allocations"])
    if m.get("ensemble") and "ensemble" in run:
        _ensemble(doc, run)
    doc.heading("Plots")
    figures_dir = run_dir / "figures"
    figures_dir.mkdir(exist_ok=True)
    import matplotlib.pyplot as plt

    figures = all_figures(run)
    frontier = run_dir / "frontier.png"
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        png = buf.getvalue()
        store.write_text(figures_dir / f"{name}.png", png)
        doc.image(png, name, name.replace("_", " "))
    if frontier.exists():
        png = frontier.read_bytes()
        store.write_text(figures_dir / "frontier.png", png)
        doc.image(png, "frontier", "allocation frontier")
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(doc.html)
        + "</body></html>\n"
    )
    html_path, md_path = run_dir / "report.html", run_dir / "report.md"
    store.write_text(html_path, page)
    store.write_text(md_path, "\n".join(doc.md).lstrip() + "\n")
    return html_path, md_path
