"""Allocation planning: ways of splitting one budget across programmes, compared.

``parcours allocate SCENARIO --budget EUR --programmes P1,P2,...`` adds the budget to the
scenario's territory (``policy.extra_budget``), split across the programmes:

- on a simplex grid (``--steps K``): every split in shares of 1/K (K=4 and three programmes give
  15 allocations);
- or by an optimiser (``--optimise INDICATOR``): Nelder-Mead from scipy on the shares
  (parametrised by a softmax so that they stay on the simplex), each evaluation the mean of the
  indicator over the replications, with common random numbers so that the objective is smooth
  in the shares.

Every allocation runs the same replications (the same seeds), so two allocations are compared
replication by replication. The best allocation for the chosen indicator is named with its 95%
confidence interval, and so are the allocations that cannot be told apart from it (the interval
of their paired difference to the best includes zero). The table (``allocations.parquet``) gives
each allocation's indicators with their intervals, its cost per durable job, and the outcomes of
the furthest from employment (homeless people at entry, people with three or more obstacles);
``frontier.png`` plots the chosen indicator for everyone against the same indicator for people
with three or more obstacles, the efficient allocations joined.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from sim.budget import BUDGET_PROGRAMMES
from sim.experiments import store
from sim.scenario import ScenarioError

LOWER_IS_BETTER = ("never_reached_share", "median_months_to_first_job", "cost_", "net_public")
TABLE_INDICATORS = (
    "employment_rate_12m",
    "employment_rate_24m",
    "durable_employment_rate_12m",
    "durable_employment_rate_24m",
    "never_reached_share",
    "housing_access_rate_24m",
    "cost_total",
    "cost_per_durable_job",
)
TABLE_PUBLICS = ("all", "homeless_at_entry", "three_plus_obstacles")
FURTHEST = "three_plus_obstacles"


def lower_is_better(indicator: str) -> bool:
    """Whether a lower value of ``indicator`` is better (costs, waits, never reached)."""
    return indicator.startswith(LOWER_IS_BETTER)


def simplex_grid(n: int, steps: int) -> list[tuple[float, ...]]:
    """Every split of 1 into ``n`` shares that are multiples of ``1/steps``."""
    if n < 1 or steps < 1:
        raise ValueError("need at least one programme and one step")
    points = [c for c in itertools.product(range(steps + 1), repeat=n) if sum(c) == steps]
    return [tuple(k / steps for k in c) for c in sorted(points, reverse=True)]


def softmax_shares(z: np.ndarray) -> np.ndarray:
    """Shares on the simplex from ``len(z)`` free parameters (the first share's logit is 0)."""
    logits = np.concatenate([[0.0], np.asarray(z, dtype=float)])
    e = np.exp(logits - logits.max())
    return e / e.sum()


def check_programmes(programmes: list[str], file: str) -> None:
    """Refuse unknown or repeated programmes, naming them."""
    unknown = [p for p in programmes if p not in BUDGET_PROGRAMMES]
    if unknown or not programmes:
        raise ScenarioError(
            file,
            "--programmes",
            f"unknown programme(s) {', '.join(unknown) or '(none given)'}; "
            f"allowed: {', '.join(BUDGET_PROGRAMMES)}",
        )
    if len(set(programmes)) != len(programmes):
        raise ScenarioError(file, "--programmes", "a programme is named twice")


def point_for(budget: float, programmes: list[str], shares, unit_costs=None) -> dict:
    """The sweep point (override) of one allocation.

    With ``unit_costs``, a share too small to fund one unit of its programme counts as zero (the
    optimiser's shares are continuous); on a grid every share must fund one unit.
    """
    euros = {p: round(budget * s, 2) for p, s in zip(programmes, shares, strict=True) if s > 0}
    if unit_costs is not None:
        euros = {p: e for p, e in euros.items() if e >= unit_costs[p]}
    return {"policy.extra_budget": euros}


def unit_costs(scenario, programmes: list[str]) -> dict[str, float]:
    """The cost of one unit of extra capacity of each programme [EUR a year]."""
    from sim.budget import _targets
    from sim.parameters import funding_values

    data, values = scenario.model_dump(), funding_values(scenario)
    return {p: max(t.unit_cost for t in _targets(data, p, values)[0]) for p in programmes}


def allocation_table(
    summary: pd.DataFrame, points: list[dict], programmes: list[str], budget: float
) -> pd.DataFrame:
    """One row per allocation: shares, euros, indicators with 95% CI for the main publics."""
    rows = []
    for p in points:
        euros = p["values"]["policy.extra_budget"]
        row = {"allocation": p["index"]}
        for prog in programmes:
            row[f"share_{prog}"] = euros.get(prog, 0.0) / budget if budget else 0.0
            row[f"eur_{prog}"] = euros.get(prog, 0.0)
        s = summary[summary["point"] == p["index"]]
        for public in TABLE_PUBLICS:
            for name in TABLE_INDICATORS:
                r = s[(s.public == public) & (s.indicator == name)]
                if r.empty:
                    continue
                suffix = "" if public == "all" else f"[{public}]"
                row[f"{name}{suffix}"] = float(r["mean"].iloc[0])
                row[f"{name}{suffix}_ci_low"] = float(r["ci_low"].iloc[0])
                row[f"{name}{suffix}_ci_high"] = float(r["ci_high"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def best_allocation(indicators: pd.DataFrame, indicator: str, public: str = "all") -> dict:
    """The best allocation for ``indicator`` and those that cannot be told apart from it."""
    from sim.experiments.summaries import mean_ci

    sel = indicators[(indicators.indicator == indicator) & (indicators.public == public)]
    wide = sel.pivot_table(index="replication", columns="point", values="value")
    means = wide.mean()
    if means.isna().all():
        raise ScenarioError(
            "--indicator", indicator, f"no value for public {public!r}: is the run long enough?"
        )
    best = int(means.idxmin() if lower_is_better(indicator) else means.idxmax())
    mean, low, high = mean_ci(wide[best].to_numpy())
    ties = []
    for point in wide.columns:
        if point == best:
            continue
        _, d_low, d_high = mean_ci((wide[point] - wide[best]).to_numpy())
        if not (d_low > 0 or d_high < 0):
            ties.append(int(point))
    return {
        "indicator": indicator,
        "public": public,
        "best": best,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "indistinguishable": ties,
    }


def pareto_front(x: np.ndarray, y: np.ndarray, lower_better: bool) -> np.ndarray:
    """Indices of the allocations no other one beats on both axes."""
    sign = -1.0 if lower_better else 1.0
    xs, ys = sign * x, sign * y
    keep = []
    for i in range(len(xs)):
        dominated = np.any((xs >= xs[i]) & (ys >= ys[i]) & ((xs > xs[i]) | (ys > ys[i])))
        if not dominated and np.isfinite(xs[i]) and np.isfinite(ys[i]):
            keep.append(i)
    return np.array(keep, dtype=int)


def plot_frontier(
    table: pd.DataFrame, indicator: str, best: dict, programmes: list[str], path: Path
) -> Path:
    """Plot each allocation: the indicator for everyone vs for the furthest; the front joined."""
    import matplotlib.pyplot as plt

    x = table[indicator].to_numpy(dtype=float)
    y_col = f"{indicator}[{FURTHEST}]"
    y = table[y_col].to_numpy(dtype=float) if y_col in table else np.full_like(x, np.nan)
    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=120)
    ax.errorbar(
        x,
        y,
        xerr=[x - table[f"{indicator}_ci_low"], table[f"{indicator}_ci_high"] - x],
        fmt="o",
        color="0.45",
        ecolor="0.75",
        capsize=2,
        label="allocation (95% CI)",
    )
    front = pareto_front(x, y, lower_is_better(indicator))
    if front.size:
        order = front[np.argsort(x[front])]
        ax.plot(x[order], y[order], "-", color="black", lw=1.2, label="efficient allocations")
    b = table.index[table["allocation"] == best["best"]][0]
    ax.plot(x[b], y[b], marker="*", ms=16, color="black", ls="none", label="best")
    for i, row in table.iterrows():
        label = "/".join(f"{row[f'share_{p}']:.0%}" for p in programmes)
        ax.annotate(label, (x[i], y[i]), textcoords="offset points", xytext=(5, 4), fontsize=7)
    ax.set_xlabel(f"{indicator}, everyone")
    ax.set_ylabel(f"{indicator}, people with three or more obstacles")
    ax.set_title(
        f"Allocations of the budget across {', '.join(programmes)}\n(labels: shares in that order)",
        fontsize=10,
    )
    if "rate" in indicator or indicator.endswith("share"):
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(True, color="0.9")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    store.write_figure(Path(path), fig)
    return path
