"""Plots and reports for runs, comparisons, sweeps and allocations."""

from __future__ import annotations

import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import SCENARIOS

from sim.experiments.runner import allocate, compare, replicate, sweep
from sim.experiments.store import load_run
from sim.present.plots import all_figures, km_curve
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
    labels = [t.get_text() for t in figures["kaplan_meier"].axes[0].get_legend().get_texts()]
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
        assert ">Allocation of the budget</h2>" in page and "Best allocation" in page
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
