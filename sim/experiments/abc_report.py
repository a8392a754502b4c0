"""The outputs of an ABC calibration: diagnostics, identifiability, pair plot, posterior file.

:func:`diagnostics_table` reads pyabc's history (per generation: distance threshold, acceptance
rate, effective sample size); :func:`identifiability_table` compares each parameter's posterior
with its prior: a parameter is *informed* by the targets when its 90% posterior interval is under
half the prior's (``width_ratio < 0.5``), *weakly informed* under 0.8, *not informed* otherwise.
:func:`write_abc_outputs` writes them with the posterior file and the fit report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.experiments import store
from sim.experiments.calibration_report import RECOVERY_TOLERANCE, fit_figure
from sim.experiments.calibration_targets import Parameter
from sim.experiments.style import OKABE_ITO, figure_style

DEFAULT_RANGE = "the 5-95% range of the last generation's simulated statistics (weighted)"
INFORMED = 0.5  # [ratio] 90% posterior width / prior width below which a parameter is informed
WEAKLY = 0.8  # [ratio] below which it is weakly informed


def prior_bounds(p: Parameter) -> tuple[float, float]:
    """The interval the prior draws from (integers: half a unit beyond each bound)."""
    return (p.low - 0.5, p.high + 0.5) if p.integer else (p.low, p.high)


def cast(p: Parameter, value: float) -> float | int:
    """The value a run uses: clipped to the bounds, rounded for an integer parameter."""
    return p.cast(min(max(float(value), p.low), p.high))


def prior_quantile(p: Parameter, q: float) -> float:
    """The prior's quantile ``q`` on the parameter's own scale."""
    low, high = prior_bounds(p)
    if p.log:
        return float(math.exp(math.log(low) + q * (math.log(high) - math.log(low))))
    return low + q * (high - low)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The quantile ``q`` of a weighted sample (the weighted empirical CDF at midpoints)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    ok = np.isfinite(values)
    values, weights = values[ok], weights[ok]
    if values.size == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights[order].sum()
    cdf = np.cumsum(w) - 0.5 * w
    return float(np.interp(q, cdf, v))


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``(sum w)^2 / sum w^2`` (Kish)."""
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / np.sum(w**2)) if w.size else float("nan")


def posterior_shift(
    left_out: str,
    full: pd.DataFrame,
    part: pd.DataFrame,
    params: list[tuple[str, tuple[float, float]]],
) -> list[dict]:
    """Rows of a leave-one-target-out table: how far each parameter's posterior moved.

    ``full`` and ``part``: the particles with all targets and without ``left_out``; ``params``:
    (path, (prior low, prior high)). Per parameter: both medians, the shift of the median in
    prior widths and the ratio of the 90% interval widths (without / with).
    """
    rows = []
    for path, (low, high) in params:
        summary = []
        for post in (full, part):
            v, w = post[path].to_numpy(float), post["weight"].to_numpy(float)
            q05, q50, q95 = (weighted_quantile(v, w, q) for q in (0.05, 0.5, 0.95))
            summary.append((q50, q95 - q05))
        (m0, w0), (m1, w1) = summary
        rows.append(
            {
                "left_out": left_out,
                "parameter": path,
                "median_all": m0,
                "median_without": m1,
                "shift_prior_widths": (m1 - m0) / (high - low),
                "width_ratio": w1 / w0 if w0 > 0 else float("nan"),
            }
        )
    return rows


def diagnostics_table(history) -> pd.DataFrame:
    """One row per generation: threshold, simulations, acceptance rate, ESS, wall time."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for r in pops.itertuples():
        _, weights = history.get_distribution(m=0, t=int(r.t))
        rows.append(
            {
                "generation": int(r.t),
                "epsilon": float(r.epsilon),
                "simulations": int(r.samples),
                "accepted": int(r.particles),
                "acceptance_rate": float(r.particles) / float(r.samples),
                "ess": ess(np.asarray(weights)),
                "wall_time_s": float(r.wall_time),
            }
        )
    return pd.DataFrame(rows)


def identifiability_table(particles: pd.DataFrame, params: list[Parameter]) -> pd.DataFrame:
    """Per parameter: prior and posterior (median, 90% interval), width ratio and a verdict."""
    w = particles["weight"].to_numpy(float)
    rows = []
    for p in params:
        v = particles[p.path].to_numpy(float)
        lo, med, hi = (weighted_quantile(v, w, q) for q in (0.05, 0.5, 0.95))
        prior_lo, prior_hi = prior_quantile(p, 0.05), prior_quantile(p, 0.95)
        ratio = (hi - lo) / (prior_hi - prior_lo)
        verdict = (
            "informed"
            if ratio < INFORMED
            else "weakly informed"
            if ratio < WEAKLY
            else "not informed"
        )
        rows.append(
            {
                "parameter": p.path,
                "prior_low": p.low,
                "prior_high": p.high,
                "prior_p05": prior_lo,
                "prior_p95": prior_hi,
                "posterior_mean": float(np.average(v, weights=w)),
                "posterior_median": med,
                "posterior_p05": lo,
                "posterior_p95": hi,
                "width_ratio": ratio,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def _fmt(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.4g}"


def abc_markdown(
    provenance: dict,
    diagnostics: pd.DataFrame,
    ident: pd.DataFrame,
    fit: pd.DataFrame,
    recovery: pd.DataFrame | None,
) -> str:
    """The fit report of an ABC calibration as Markdown."""
    p = provenance
    head = [
        f"# ABC calibration {p['run_id']}",
        "",
        f"Scenario `{p['scenario']}`, targets `{p['targets_file']}` (sha256 "
        f"{p['targets_sha256'][:12]}); ABC-SMC with {p['population']} particles, "
        f"{p['generations']} generations, {p['total_simulations']} simulations of "
        f"{p['persons']} persons x {p['months']} months ({p['replications']} run(s) per "
        f"particle), seed {p['seed']}. Final distance threshold {p['final_epsilon']:.3g} (below "
        f"1: within tolerance on average), effective sample size {p['ess']:.0f}.",
        "",
        *(
            [
                f"**Warning:** the last generation's effective sample size ({p['ess']:.0f}) is "
                f"under a fifth of its {p['population']} particles: the posterior rests on few "
                "particles and its intervals are unreliable; run more particles or generations.",
                "",
            ]
            if p["ess"] < p["population"] / 5
            else []
        ),
        "## Generations",
        "",
        "| generation | threshold | simulations | acceptance | ESS |",
        "|---|---|---|---|---|",
    ]
    for r in diagnostics.itertuples():
        head.append(
            f"| {r.generation} | {_fmt(r.epsilon)} | {r.simulations} | "
            f"{r.acceptance_rate:.1%} | {r.ess:.0f} |"
        )
    return posterior_markdown(head, provenance, ident, fit, recovery)


def posterior_markdown(
    head: list[str],
    provenance: dict,
    ident: pd.DataFrame,
    fit: pd.DataFrame,
    recovery: pd.DataFrame | None,
) -> str:
    """A posterior's fit report: the method's ``head`` lines, identifiability, fit, truth."""
    p = provenance
    lines = [
        *head,
        "",
        "## Identifiability: posterior against prior",
        "",
        f"Width ratio: the 90% posterior interval's width over the prior's. Informed below "
        f"{INFORMED}, weakly informed below {WEAKLY}, otherwise the targets do not pin the "
        "parameter down (its value in the point estimate is then arbitrary within the prior).",
        "",
        "| parameter | prior | posterior median [90%] | width ratio | verdict |",
        "|---|---|---|---|---|",
    ]
    for r in ident.itertuples():
        lines.append(
            f"| {r.parameter} | [{_fmt(r.prior_low)}, {_fmt(r.prior_high)}] | "
            f"{_fmt(r.posterior_median)} [{_fmt(r.posterior_p05)}, {_fmt(r.posterior_p95)}] | "
            f"{r.width_ratio:.2f} | {r.verdict} |"
        )
    lines += [
        "",
        "## Fit",
        "",
        f"Point estimate ({p['point_estimate']}) re-run on held-out seeds: mean and 95% CI; "
        f"loss {p['loss']:.3g} on its own run, {p['loss_held_out']:.3g} held out. Posterior: "
        f"{p.get('posterior_statistics', DEFAULT_RANGE)}.",
        "",
        "| target | id | published | tolerance | point [95% CI] | posterior 5-95% | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in fit.itertuples():
        lines.append(
            f"| {r.target} | {r.id} | {_fmt(r.published)} | {_fmt(r.tolerance)} | "
            f"{_fmt(r.simulated)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}] | "
            f"{_fmt(r.posterior_p05)} - {_fmt(r.posterior_p95)} | "
            f"{'yes' if r.within_tolerance else 'no'} |"
        )
    if recovery is not None:
        lines += [
            "",
            "## Synthetic truth",
            "",
            f"Point estimate within {RECOVERY_TOLERANCE:.0%} of the range from the truth: "
            "recovered; `in 90%`: the truth lies in the 90% posterior interval.",
            "",
            "| parameter | true | point | 90% interval | in 90% | recovered |",
            "|---|---|---|---|---|---|",
        ]
        merged = recovery.merge(ident, on="parameter")
        for r in merged.itertuples():
            inside = r.posterior_p05 <= r.true <= r.posterior_p95
            lines.append(
                f"| {r.parameter} | {_fmt(r.true)} | {_fmt(r.fitted)} | "
                f"[{_fmt(r.posterior_p05)}, {_fmt(r.posterior_p95)}] | "
                f"{'yes' if inside else 'no'} | {'yes' if r.recovered else 'no'} |"
            )
    return "\n".join(lines) + "\n"


def pairs_figure(particles: pd.DataFrame, params: list[Parameter]):
    """Pair plot of the posterior: weighted histograms on the diagonal, particles elsewhere."""
    with figure_style():
        import matplotlib.pyplot as plt

        d = len(params)
        fig, axes = plt.subplots(d, d, figsize=(1.6 * d + 1, 1.6 * d + 1), squeeze=False)
        w = particles["weight"].to_numpy(float)
        size = 4 + 40 * w / w.max()
        for i, pi in enumerate(params):
            for j, pj in enumerate(params):
                ax = axes[i, j]
                if i == j:
                    ax.hist(particles[pi.path], bins=15, range=(pi.low, pi.high), weights=w,
                            color=OKABE_ITO[5], alpha=0.8)  # fmt: skip
                    ax.set_xlim(pi.low, pi.high)
                    ax.set_yticks([])
                elif i > j:
                    ax.scatter(particles[pj.path], particles[pi.path], s=size,
                               color=OKABE_ITO[1], alpha=0.5, linewidths=0)  # fmt: skip
                    ax.set_xlim(pj.low, pj.high)
                    ax.set_ylim(pi.low, pi.high)
                else:
                    ax.axis("off")
                    continue
                ax.tick_params(labelsize=6)
                if i == d - 1:
                    ax.set_xlabel(pj.path.split(".")[-1], fontsize=7)
                if j == 0 and i != 0:
                    ax.set_ylabel(pi.path.split(".")[-1], fontsize=7)
        fig.suptitle("Posterior: marginals (diagonal, x axis = prior range) and pairs")
        fig.tight_layout()
        return fig


def write_posterior(
    path: Path, particles: pd.DataFrame, provenance: dict, diagnostics: pd.DataFrame, params
) -> None:
    """``posterior.parquet``: the particles, with provenance and diagnostics in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = {
        "provenance": provenance,
        "parameters": [p.path for p in params],
        "priors": [p.model_dump() for p in params],
        "diagnostics": diagnostics.to_dict("records"),
    }
    table = pa.Table.from_pandas(particles, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"parcours"] = json.dumps(info, default=float).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def write_abc_outputs(
    out: Path,
    provenance: dict,
    particles: pd.DataFrame,
    diagnostics: pd.DataFrame,
    ident: pd.DataFrame,
    point: dict,
    fit: pd.DataFrame,
    recovery: pd.DataFrame | None,
    params: list[Parameter],
    report: str | None = None,
) -> None:
    """Write the posterior and the fit report (``report``: ABC's by default) into ``out``."""
    write_posterior(out / "posterior.parquet", particles, provenance, diagnostics, params)
    calibrated = {"provenance": provenance, "parameters": point}
    store.write_text(out / "calibrated.yaml", yaml.safe_dump(calibrated, sort_keys=False))
    if report is None:
        report = abc_markdown(provenance, diagnostics, ident, fit, recovery)
    store.write_text(out / "fit.md", report)
    store.write_text(out / "fit.csv", fit.to_csv(index=False))
    store.write_text(out / "diagnostics.csv", diagnostics.to_csv(index=False))
    store.write_text(out / "identifiability.csv", ident.to_csv(index=False))
    if recovery is not None:
        store.write_text(out / "recovery.csv", recovery.to_csv(index=False))
    store.write_figure(out / "fit.png", fit_figure(fit), dpi=120)
    store.write_figure(out / "pairs.png", pairs_figure(particles, params), dpi=110)
