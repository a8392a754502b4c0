"""Plots and reports for runs, comparisons, sweeps and allocations."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import SCENARIOS

from sim.experiments.runner import allocate, compare, replicate, sweep
from sim.experiments.store import load_run
from sim.indicators import EVENT_INDICATORS, METADATA, STATE_DEFINITIONS
from sim.present.plots import MAX_WIDTH, STATUS_STYLE, all_figures, km_curve
from sim.present.report import write_report

SMALL = {"persons": 1200, "months": 14, "workers": 1}
EXPECTED = {
    "chronogram",
    "sequence_index",
    "kaplan_meier",
    "indicators",
    "queues_and_occupancy",
    "costs",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    baseline, more_phc = SCENARIOS / "baseline.yaml", SCENARIOS / "more_phc.yaml"
    return {
        "run": replicate(baseline, 2, out=base / "run", **SMALL).out,
        "compare": compare([baseline, more_phc], 2, out=base / "compare", **SMALL).out,
        "sweep": sweep(
            baseline, sets=["policy.practice_override=0,1"], out=base / "sweep", **SMALL
        ).out,
        "allocate": allocate(
            baseline,
            400_000,
            ["aide_au_poste_aci", "creche"],
            steps=1,
            indicator="employment_rate_12m",
            replications=2,
            out=base / "allocate",
            **SMALL,
        ).out,
    }


def _ink(fig) -> float:
    """Share of the figure's pixels that are not white: an empty figure has almost none."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    plt.close(fig)
    buf.seek(0)
    image = plt.imread(buf)[..., :3]
    return float(np.mean(image.min(axis=2) < 0.95))


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "allocate"])
def test_every_plot_is_produced_and_not_empty(runs, kind):
    figures = all_figures(load_run(runs[kind]))
    assert set(figures) == EXPECTED, f"{kind}: got {sorted(figures)}"
    for name, fig in figures.items():
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert axes, f"{kind}/{name}: no axes"
        assert all(ax.get_title() or ax.get_xlabel() for ax in axes), f"{kind}/{name}: untitled"
        drawn = sum(len(ax.lines) + len(ax.collections) + len(ax.images) for ax in axes)
        assert drawn > 0, f"{kind}/{name}: nothing drawn"
        assert _ink(fig) > 0.02, f"{kind}/{name}: the figure is (almost) blank"


def test_comparison_plots_show_one_panel_per_scenario(runs):
    figures = all_figures(load_run(runs["compare"]))
    titles = [ax.get_title() for ax in figures["chronogram"].axes if ax.get_title()]
    assert titles == ["baseline", "more_phc"], titles
    legend = figures["kaplan_meier"].legends[0]  # one legend for the figure, below the panels
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["baseline", "more_phc"], labels


def test_sweep_plots_label_each_point(runs):
    figures = all_figures(load_run(runs["sweep"]))
    titles = [ax.get_title() for ax in figures["chronogram"].axes if ax.get_title()]
    assert titles == ["baseline #0", "baseline #1"], titles


def test_kaplan_meier_matches_a_hand_computed_case():
    # 4 persons: events at months 1 and 2, one censored at 1, one never (censored at 3).
    times = np.array([1, 1, 2, 3])
    observed = np.array([True, False, True, False])
    months, share, low, high = km_curve(times, observed, 3)
    # S(1) = 1 - 1/4 = 0.75; at month 2, 2 at risk, 1 event: S(2) = 0.75 * 1/2 = 0.375
    assert share.tolist() == pytest.approx([0.0, 0.25, 0.625, 0.625])
    assert np.all(low <= share) and np.all(share <= high)


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "allocate"])
def test_report_has_every_section_and_needs_no_network(runs, kind):
    html_path, md_path = write_report(runs[kind])
    page = html_path.read_text()
    for section in ("What was run", "Indicators and their uncertainty", "Plots"):
        assert f">{section}</h2>" in page, f"{kind}: section {section!r} missing"
    if kind == "compare":
        assert ">Differences distinguishable from noise</h2>" in page
    if kind == "allocate":
        assert ">The answer: how to split the budget</h2>" in page and "Best allocation" in page
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    expected = len(EXPECTED) + (1 if kind == "allocate" else 0)
    assert len(images) == expected, f"{kind}: {len(images)} images"
    assert all(src.startswith("data:image/png;base64,") for src in images), "images embedded"
    external = re.findall(r'(?:src|href)="(?!data:)([^"]+)"', page)
    assert not external, f"{kind}: the page would load {external}"
    assert "<link" not in page and "@import" not in page, "no external style sheet"
    md = md_path.read_text()
    for link in re.findall(r"\]\((figures/[^)]+)\)", md):
        assert (runs[kind] / link).stat().st_size > 1000, f"{link} missing or empty"


def test_report_of_an_incomplete_run_is_refused(runs, tmp_path):
    import json
    import shutil

    from sim.experiments.store import RunDirError

    copy = tmp_path / "incomplete"
    shutil.copytree(runs["run"], copy)
    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["status"] = "running"  # as a run interrupted while its tables were assembled
    manifest.pop("tables", None)
    path.write_text(json.dumps(manifest))
    with pytest.raises(FileNotFoundError, match="resume"):
        write_report(copy)
    damaged = tmp_path / "damaged"
    shutil.copytree(runs["run"], damaged)
    (damaged / "summary.parquet").unlink()  # a complete run whose table went missing
    with pytest.raises(RunDirError, match="summary.parquet: missing.*resume"):
        write_report(damaged)


# ----------------------------------------------------------------------------- readability
def _outside(fig) -> list[str]:
    """Texts of ``fig`` drawn beyond its edges (titles, labels, tick labels, legends).

    The tight bounding box of everything drawn must lie within the figure; if it does not, the
    texts whose extent crosses an edge are named.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)  # inches
    w, h = fig.get_size_inches()
    tolerance = 2 / fig.dpi
    if (
        tight.x0 >= -tolerance
        and tight.y0 >= -tolerance
        and tight.x1 <= w + tolerance
        and (tight.y1 <= h + tolerance)
    ):
        return []
    width, height = fig.canvas.get_width_height()
    out = []
    for text in fig.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(f"{text.get_text()!r} at {box}")
    return out or [f"something drawn at {tight} in a {w} x {h} in figure"]


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "allocate"])
def test_no_figure_text_is_clipped_and_no_figure_is_wider_than_the_page(runs, kind):
    figures = all_figures(load_run(runs[kind]))
    for name, fig in figures.items():
        assert fig.get_figwidth() <= MAX_WIDTH + 1e-9, f"{kind}/{name}: {fig.get_figwidth()} in"
        clipped = _outside(fig)
        plt.close(fig)
        assert not clipped, f"{kind}/{name}: texts outside the figure: {clipped}"


def test_the_states_are_coloured_not_white():
    # "Immersion" was white in the sequence plot: it read as a gap.
    for status, (colour, _) in STATUS_STYLE.items():
        assert colour.upper() not in ("#FFFFFF", "WHITE"), f"{status.name} is white"


def test_allocation_report_leads_with_the_answer_and_shows_three_allocations(runs):
    html_path, _ = write_report(runs["allocate"])
    page = html_path.read_text()
    answer = page.index(">The answer: how to split the budget</h2>")
    assert answer < page.index(">What was run</h2>") < page.index(">Plots</h2>")
    assert "no extra budget" in page[answer : page.index(">What was run</h2>")]
    section = page[page.index(">Indicators and their uncertainty</h2>") : page.index(">Plots</h2>")]
    shown = re.findall(r"<h3>([^<]+)</h3>", section)
    spec = load_run(runs["allocate"])["manifest"]["allocation"]
    best, worst = spec["best"]["best"], spec["best"]["worst"]
    expected = ["no extra budget", f"#{best} best"] + ([f"#{worst} worst"] if worst != best else [])
    assert shown == expected, f"indicator tables for {shown}, expected {expected}"


@pytest.mark.parametrize("kind", ["run", "compare", "allocate"])
def test_report_defines_the_indicators_and_the_states(runs, kind):
    html_path, md_path = write_report(runs[kind])
    page = html_path.read_text()
    defs = page[page.index(">Definitions</h2>") :]
    shown = set(load_run(runs[kind])["summary"]["indicator"])
    for name, meta in METADATA.items():
        if name in EVENT_INDICATORS and name not in shown:
            continue  # computed from the events table, by runs that keep it only
        assert f"<dt>{name}</dt>" in defs, f"{kind}: {name} is not defined"
        assert html.escape(meta.definition) in defs, f"{kind}: {name}'s definition"
    for state in STATE_DEFINITIONS:
        assert f"<dt>{state}</dt>" in defs, f"{kind}: state {state} is not defined"
    assert "<thead><tr><th></th><th></th></tr></thead>" not in page, "an empty header row"
    if kind == "compare":
        assert " pts" in page and "percentage points" in page


# ----------------------------------------------------------------------------- in a browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
LAYOUT = """() => {
  const page = document.documentElement;
  const body = document.body.getBoundingClientRect();
  const figures = [...document.querySelectorAll("figure img")].map(img => ({
    alt: img.alt, loaded: img.complete && img.naturalWidth > 0, natural: img.naturalWidth,
    shown: img.getBoundingClientRect().width, right: img.getBoundingClientRect().right}));
  const titles = [...document.querySelectorAll("h1, h2, h3, figcaption")].map(h => ({
    text: h.textContent, clipped: h.scrollWidth > h.clientWidth + 1,
    right: h.getBoundingClientRect().right}));
  return {scroll: page.scrollWidth, viewport: window.innerWidth, body: body.right,
          figures, titles};
}"""


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: `make test` installs Debian's chromium when run as "
    "root; otherwise install it (apt-get install chromium) to run the report's browser test",
)
@pytest.mark.parametrize("kind", ["run", "compare", "allocate"])
def test_report_layout_in_headless_chromium(runs, kind):
    from playwright.sync_api import sync_playwright

    html_path, _ = write_report(runs[kind])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 900})
            pg.goto(html_path.as_uri())
            layout = pg.evaluate(LAYOUT)
        finally:
            browser.close()
    assert layout["scroll"] <= layout["viewport"], f"{kind}: the page scrolls sideways"
    expected = len(EXPECTED) + (1 if kind == "allocate" else 0)
    assert len(layout["figures"]) == expected, layout["figures"]
    for fig in layout["figures"]:
        assert fig["loaded"], f"{kind}: {fig['alt']} did not load"
        assert fig["right"] <= layout["body"] + 1, f"{kind}: {fig['alt']} is wider than the page"
        # Drawn at (nearly) its own size: not a 7,000-pixel figure shrunk to a thumbnail.
        assert fig["natural"] <= 1.2 * fig["shown"], (
            f"{kind}: {fig['alt']} is {fig['natural']} px wide, shown at {fig['shown']:.0f} px"
        )
    for title in layout["titles"]:
        assert not title["clipped"], f"{kind}: clipped title {title['text']!r}"
        assert title["right"] <= layout["body"] + 1, f"{kind}: {title['text']!r} overflows"
