"""Reports of a results directory: ``report.html`` (self-contained) and ``report.md``.

``parcours report RUN-DIR`` (or ``--report`` on any command that runs the model) writes, for a run,
a comparison, a sweep or an allocation: what was run (scenarios, seed, replications, versions, git
commit), the indicators with their uncertainty, the differences that are distinguishable from noise,
the allocation results, and every plot of :mod:`sim.present.plots`. The HTML file embeds its images
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


def write_report(run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (and ``figures/*.png``) into ``run_dir``."""
    from sim.present.plots import all_figures

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    m = run["manifest"]
    if "summary" not in run:
        raise FileNotFoundError(f"{run_dir} is not complete: finish it with parcours resume")
    doc = _Doc()
    title = f"Parcours report: {', '.join(m['scenarios'])} ({m['kind']})"
    doc.heading(title, 1)
    _what_was_run(doc, m)
    _indicators(doc, run["summary"], m)
    if run.get("differences") is not None and len(run["differences"]):
        _differences(doc, run["differences"])
    if m["kind"] == "allocate" and "allocations" in run:
        _allocation(doc, m, run["allocations"])
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
