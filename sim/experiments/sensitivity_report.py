"""What a finished sensitivity run writes: the analysis of its runs, the text and the figure.

When every run of a sensitivity analysis (:mod:`sim.experiments.sensitivity`) is done, the
experiments runner calls :func:`write_outputs`: it takes per sample row the indicator's mean over
the replications, computes the indices (:func:`sim.experiments.sensitivity.analyse`) and writes
into the run directory

- ``sensitivity.csv``: the indices table, most influential parameter first;
- ``sensitivity.png``: :func:`plot_indices`, the indices with their 95% intervals;
- ``sensitivity.md``: :func:`markdown`, what was run, the ranking, the negligible parameters,
  the replication noise and how to read the indices.

:func:`summary_text` is what ``parcours sensitivity`` prints.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import store
from sim.experiments.sensitivity import (
    FILES,
    MORRIS_RELATIVE,
    SOBOL_THRESHOLD,
    Param,
    SensitivityResult,
    analyse,
    point_values,
)
from sim.experiments.style import MARKERS, OKABE_ITO, figure_style
from sim.scenario import ScenarioError


# ----------------------------------------------------------------------------- the outputs
def write_outputs(out: str | Path, manifest: dict, indicators: pd.DataFrame) -> pd.DataFrame:
    """Analyse a sensitivity run whose tasks are done; write its three files (atomically).

    The ``finish`` function of a sensitivity run, called by
    :func:`sim.experiments.execution.finalize` (also when ``parcours resume`` completes the
    run). Records the ranking, the negligible parameters and the replication noise in
    ``manifest["sensitivity"]["result"]``.

    Raises:
        ScenarioError: when the indicator is undefined at some point (e.g. no one found a job
            for ``median_months_to_first_job``); the runs are kept.
    """
    out = Path(out)
    spec = manifest["sensitivity"]
    params = [Param(p["path"], p["low"], p["high"], p["integer"]) for p in spec["params"]]
    X = np.asarray(spec["sample"], dtype=float)
    Y, means, sds = point_values(manifest, indicators)
    if not np.isfinite(means).all():
        bad = int(np.count_nonzero(~np.isfinite(means)))
        raise ScenarioError(
            out,
            "--indicator",
            f"{spec['indicator']} ({spec['public']}) is undefined (NaN) at {bad} of {means.size} "
            "points (e.g. nobody observed long enough, or no one in the public); choose another "
            "indicator or public, or longer runs. The runs are kept in this directory.",
        )
    table = analyse(params, spec["method"], X, Y, spec["seed"])
    replications = manifest["replications"]
    noise_sd = float(np.nanmean(sds)) if replications > 1 else float("nan")
    var_y = float(np.var(Y))
    noise_share = noise_sd**2 / replications / var_y if var_y > 0 else float("nan")
    key = "mu_star" if spec["method"] == "morris" else "ST"
    spec["result"] = {
        "ranking": list(table["parameter"]),
        key: [float(v) for v in table[key]],
        "negligible": list(table.loc[table["negligible"], "parameter"]),
        "noise_sd": None if math.isnan(noise_sd) else noise_sd,
        "noise_variance_share": None if math.isnan(noise_share) else noise_share,
        "output_mean": float(np.mean(Y)),
        "output_sd": float(np.std(Y)),
        "files": list(FILES),
    }
    store.write_text(out / "sensitivity.csv", table.to_csv(index=False))
    fig = plot_indices(table, spec["method"], spec["indicator"], spec["public"])
    store.write_figure(out / "sensitivity.png", fig, dpi=110)
    store.write_text(out / "sensitivity.md", markdown(table, manifest))
    return table


# ----------------------------------------------------------------------------- text
def _num(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def _rows(table: pd.DataFrame, method: str) -> tuple[list[str], list[list[str]]]:
    if method == "morris":
        header = ["rank", "parameter", "range", "mu_star", "95% CI", "mu", "sigma", "negligible"]
    else:
        header = ["rank", "parameter", "range", "S1", "95% CI", "ST", "95% CI", "negligible"]
    rows = []
    for r in table.to_dict("records"):
        span = f"{_num(r['low'])}:{_num(r['high'])}" + (" (int)" if r["integer"] else "")
        if method == "morris":
            cells = [
                _num(r["mu_star"]),
                f"[{_num(r['mu_star_low'])}, {_num(r['mu_star_high'])}]",
                _num(r["mu"]),
                _num(r["sigma"]),
            ]
        else:
            cells = [
                f"{r['S1']:.3f}",
                f"[{r['S1_low']:.3f}, {r['S1_high']:.3f}]",
                f"{r['ST']:.3f}",
                f"[{r['ST_low']:.3f}, {r['ST_high']:.3f}]",
            ]
        rows.append(
            [str(r["rank"]), r["parameter"], span, *cells, "yes" if r["negligible"] else "no"]
        )
    return header, rows


def indices_text(table: pd.DataFrame, method: str) -> str:
    """The indices as a plain-text table (most influential first)."""
    header, rows = _rows(table, method)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [
        "  ".join(
            h.ljust(w) if i == 1 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    for r in rows:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 1 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame, method: str) -> str:
    header, rows = _rows(table, method)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(f"`{c}`" if i == 1 else c for i, c in enumerate(r)) + " |" for r in rows
    ]
    return "\n".join(lines)


def noise_text(manifest: dict) -> str:
    """What the replication noise is, in words."""
    spec, reps = manifest["sensitivity"], manifest["replications"]
    res = spec.get("result", {})
    if res.get("noise_sd") is None:
        return (
            "replication noise: not measured (one replication per point; run with "
            "--replications 2 or more to see whether effects stand out of the model's noise)"
        )
    share = res.get("noise_variance_share")
    share_text = (
        f"; the noise variance of a point's mean (sd^2 / {reps}) is {_num(100 * share, 3)}% of "
        "the variance of the analysed outputs"
        if share is not None
        else ""
    )
    return (
        f"replication noise: the indicator's standard deviation across the {reps} replications "
        f"of a point is {_num(res['noise_sd'])} on average (outputs: mean "
        f"{_num(res['output_mean'])}, sd {_num(res['output_sd'])} across the sample){share_text}"
    )


def summary_text(result: SensitivityResult) -> str:
    """What the command line prints: the table, the negligible parameters, the noise, the files."""
    m = result.manifest
    spec = m["sensitivity"]
    negligible = ", ".join(result.negligible) or "none"
    n_rows = len(spec["rows"])
    return "\n".join(
        [
            f"{spec['method']} sensitivity of {spec['indicator']} ({spec['public']}): "
            f"{n_rows} sample rows, {len(m['points'])} distinct points x {m['replications']} "
            f"replication{'s' if m['replications'] > 1 else ''} = {len(m['tasks'])} runs",
            "",
            indices_text(result.indices, spec["method"]),
            "",
            f"negligible ({spec['negligible_rule']}): {negligible}",
            noise_text(m),
            "",
            "written to " + ", ".join(str(Path(result.out) / f) for f in FILES),
        ]
    )


def markdown(table: pd.DataFrame, manifest: dict) -> str:
    """The text of ``sensitivity.md``."""
    spec = manifest["sensitivity"]
    method = spec["method"]
    scn_name, scn = next(iter(manifest["scenarios"].items()))
    k = len(spec["params"])
    reps = manifest["replications"]
    n_rows, n_points = len(spec["rows"]), len(manifest["points"])
    if method == "morris":
        design = (
            f"Morris elementary effects (SALib), r = {spec['samples']} trajectories on "
            f"{spec['num_levels']} levels: r(k + 1) = {n_rows} sample rows"
        )
        reading = (
            "`mu_star` is the mean absolute elementary effect: the change of the indicator over a "
            "step of 2/3 of the parameter's range, divided by 2/3 (a change per whole range, in "
            "the indicator's units); it ranks the parameters. `mu` close to `mu_star` in size "
            "means the effect has one sign; `sigma` large against `mu_star` means the effect "
            "depends on where the other parameters are (nonlinearity or interactions). Morris "
            "screens: it ranks and separates the negligible parameters at low cost, it does not "
            "apportion the variance."
        )
    else:
        design = (
            f"Sobol' indices (SALib, Saltelli's scheme without second-order indices), "
            f"N = {spec['samples']} base points: N(k + 2) = {n_rows} sample rows"
        )
        reading = (
            "`S1` is the share of the indicator's variance (over the ranges) due to the parameter "
            "alone; `ST` the share involving it, interactions included; `ST - S1` is what it "
            "contributes through interactions. Parameters with `ST` near zero can be fixed "
            "anywhere in their range. Intervals wider than the indices mean N is too small."
        )
    negligible = [f"`{p}`" for p in table.loc[table["negligible"], "parameter"]]
    ranking = " > ".join(f"`{p}`" for p in table["parameter"])
    params = "\n".join(
        f"- `{p['path']}` in [{_num(p['low'])}, {_num(p['high'])}]"
        + (" (whole numbers; rounded for the runs)" if p["integer"] else "")
        for p in spec["params"]
    )
    return "\n".join(
        [
            f"# Sensitivity of {spec['indicator']} ({spec['public']})",
            "",
            f"- scenario: `{scn_name}` ({scn['run']['persons']} persons, {scn['run']['months']} "
            f"months, seed {manifest['seed']})",
            f"- method: {design}",
            f"- runs: {n_points} distinct points x {reps} replication{'s' if reps > 1 else ''} "
            f"(common seeds across points) = {len(manifest['tasks'])} runs",
            f"- indicator: `{spec['indicator']}` for the public `{spec['public']}`, mean over "
            "the replications of each point",
            f"- {k} parameters:",
            "",
            params,
            "",
            "## Indices (most influential first)",
            "",
            _markdown_table(table, method),
            "",
            f"Confidence intervals: {int(100 * spec['conf_level'])}%, bootstrap "
            f"({spec['num_resamples']} resamples).",
            "",
            f"Ranking: {ranking}",
            "",
            f"## Negligible parameters ({spec['negligible_rule']})",
            "",
            ", ".join(negligible) if negligible else "None.",
            "",
            "## Replication noise",
            "",
            noise_text(manifest) + ".",
            "",
            "Effects of the size of this noise cannot be told from it: even with common seeds, a "
            "small change of a parameter can reroute the random draws of a run.",
            "",
            "## How to read it",
            "",
            reading,
            "",
        ]
    )


# ----------------------------------------------------------------------------- figure
def plot_indices(table: pd.DataFrame, method: str, indicator: str, public: str = "all"):
    """Horizontal bars of the indices with their 95% intervals (and mu_star vs sigma for Morris).

    Okabe-Ito colours; negligible parameters and total-order bars are also hatched, and each bar
    carries its value, so that the plot reads in greyscale. Drawn in the shared figure style
    (:mod:`sim.experiments.style`).
    """
    with figure_style():
        return _draw_indices(table, method, indicator, public)


def _draw_indices(table: pd.DataFrame, method: str, indicator: str, public: str):
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    table = table.sort_values("rank", ascending=False)  # most influential on top
    y = np.arange(len(table))
    labels = [
        f"{n}\n(negligible)" if g else n
        for n, g in zip(table["parameter"], table["negligible"], strict=True)
    ]
    height = max(3.2, 1.4 + 0.6 * len(table))
    if method == "morris":
        fig = Figure(figsize=(12, height))
        bars, scatter = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        influential = Patch(facecolor=OKABE_ITO[5], edgecolor="0.2", label="influential")
        negligible = Patch(facecolor=OKABE_ITO[2], edgecolor="0.2", hatch="..", label="negligible")
        drawn = bars.barh(
            y,
            table["mu_star"],
            xerr=[table["mu_star"] - table["mu_star_low"], table["mu_star_conf"]],
            color=[OKABE_ITO[2] if n else OKABE_ITO[5] for n in table["negligible"]],
            edgecolor="0.2",
            capsize=3,
        )
        for bar, flag in zip(drawn, table["negligible"], strict=True):
            bar.set_hatch(".." if flag else "")
        _values(bars, y, table["mu_star"], table["mu_star_high"], _span(table["mu_star_high"]))
        threshold = MORRIS_RELATIVE * float(table["mu_star"].max())
        line = bars.axvline(threshold, color="0.3", ls="--", lw=1)
        line.set_label(f"{MORRIS_RELATIVE:.0%} of the largest mu*")
        bars.set_yticks(y, labels, fontsize=8)
        bars.set_xlabel(f"mu*: mean |elementary effect| on {indicator}, per whole range")
        bars.set_title("Morris mu* with its 95% CI")
        bars.legend(handles=[influential, negligible, line], fontsize=7, loc="lower right")
        for i, r in enumerate(table[::-1].to_dict("records")):
            scatter.plot(
                r["mu_star"],
                r["sigma"],
                MARKERS[i % len(MARKERS)],
                color=OKABE_ITO[(i + 5) % len(OKABE_ITO)],
                markeredgecolor="black",
                label=r["parameter"],
            )
        top = float(max(table["mu_star"].max(), table["sigma"].max(), 1e-12))
        scatter.plot([0, top], [0, top], color="0.5", ls=":", lw=1, label="sigma = mu*")
        scatter.set_xlabel("mu*")
        scatter.set_ylabel("sigma (nonlinearity, interactions)")
        scatter.set_title("mu* against sigma")
        scatter.legend(fontsize=7)
        axes = (bars, scatter)
    else:
        fig = Figure(figsize=(9, height))
        bars = fig.subplots()
        h = 0.38
        bars.barh(
            y + h / 2,
            table["S1"],
            h,
            xerr=table["S1_conf"],
            color=OKABE_ITO[5],
            edgecolor="0.2",
            capsize=3,
            label="S1 (first order)",
        )
        bars.barh(
            y - h / 2,
            table["ST"],
            h,
            xerr=table["ST_conf"],
            color=OKABE_ITO[1],
            edgecolor="0.2",
            hatch="//",
            capsize=3,
            label="ST (total order)",
        )
        span = _span(pd.concat([table["S1_high"], table["ST_high"]]), SOBOL_THRESHOLD)
        _values(bars, y + h / 2, table["S1"], table["S1_high"], span, "{:.3f}")
        _values(bars, y - h / 2, table["ST"], table["ST_high"], span, "{:.3f}")
        bars.axvline(
            SOBOL_THRESHOLD,
            color="0.3",
            ls="--",
            lw=1,
            label=f"ST + CI below {SOBOL_THRESHOLD:g}: negligible",
        )
        bars.axvline(0, color="0.2", lw=0.8)
        bars.set_yticks(y, labels, fontsize=8)
        bars.set_xlabel(f"share of the variance of {indicator}")
        bars.set_title("Sobol' indices with their 95% CI")
        bars.legend(fontsize=7, loc="lower right")
        axes = (bars,)
    for ax in axes:
        ax.set_axisbelow(True)
        ax.grid(True, color="0.9")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    fig.suptitle(f"Sensitivity of {indicator} ({public})")
    fig.tight_layout()
    return fig


def _span(ends: pd.Series, at_least: float = 1e-12) -> float:
    """The largest bar end (value plus its interval): where the x axis must reach."""
    return float(max(np.nanmax(ends.to_numpy(dtype=float)), at_least))


def _values(
    ax, y: np.ndarray, values: pd.Series, ends: pd.Series, span: float, fmt: str = "{:.3g}"
) -> None:
    """Write each bar's value just right of its error bar; the x axis reaches past ``span``."""
    for yi, v, end in zip(y, values, ends, strict=True):
        ax.text(max(end, v, 0) + 0.01 * span, yi, fmt.format(v), va="center", fontsize=7)
    ax.set_xlim(right=1.18 * span)
