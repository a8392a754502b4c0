"""Allocation planning: ways of splitting one budget across programmes, compared.

``parcours allocate SCENARIO --budget EUR --programmes P1,P2,...`` adds the budget to the
scenario's territory (``policy.extra_budget``), split across the programmes:

- on a simplex grid (``--steps K``): every split in shares of 1/K (K=4 and three programmes give
  15 allocations);
- or by an optimiser (``--optimise INDICATOR``): Nelder-Mead from scipy on the shares
  (parametrised by a softmax so that they stay on the simplex), each evaluation the mean of the
  indicator over the replications, with common random numbers so that the objective is smooth
  in the shares.

Every allocation runs the same replications (the same seeds) as a reference without any extra
budget (point 0, "no extra budget"), so that allocations are compared with it and with each
other replication by replication. The best allocation for the chosen indicator is named with its
95% confidence interval and its paired difference to the reference (does the money change
anything detectable?), and so are the allocations that cannot be told apart from it (the
interval of their paired difference to the best includes zero).

Budgets are stated for the territory at ``territory.reference_persons``; a run with another
number of persons scales them, like every capacity (``scale = run.persons / reference_persons``):
the manifest records both figures. The table (``allocations.parquet``) gives, per allocation, its
shares, euros and what they buy (posts, places or FTE, for the stated budget), its indicators
with their intervals, their paired difference to the reference with its interval, its cost per
durable job, and the outcomes of the furthest from employment (homeless people at entry, people
with three or more obstacles). ``frontier.png`` plots the chosen indicator for everyone against
the same indicator for people with three or more obstacles, with their intervals, the points
numbered as in the table, the reference marked and the efficient allocations joined.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from sim.budget import BUDGET_PROGRAMMES
from sim.experiments import store
from sim.indicators import clip_to_bounds, format_value, indicator
from sim.scenario import ScenarioError

REFERENCE = 0
"""The point of an allocation run that adds no extra budget: the reference."""
REFERENCE_LABEL = "no extra budget"
TABLE_INDICATORS = (
    "employment_rate_12m",
    "employment_rate_24m",
    "durable_employment_rate_12m",
    "durable_employment_rate_24m",
    "never_reached_share",
    "housing_access_rate_24m",
    "cost_total",
    "cost_per_year",
    "cost_per_durable_job",
)
TABLE_PUBLICS = ("all", "homeless_at_entry", "three_plus_obstacles")
FURTHEST = "three_plus_obstacles"


def lower_is_better(name: str) -> bool:
    """Whether a lower value of ``name`` is better (costs, waits, never reached).

    From the indicator's metadata; an indicator with no direction (a total cost) counts as
    lower is better.
    """
    return indicator(name).higher_is_better is not True


def reference_point() -> dict:
    """The sweep point of the reference: no extra budget."""
    return {"policy.extra_budget": {}}


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


def units_bought(scenario: dict, points: list[dict]) -> dict[int, dict[str, dict]]:
    """What each allocation's euros buy, for the stated budget (the reference territory).

    Args:
        scenario: the resolved scenario, as data (a manifest's scenario).
        points: the manifest's points (``{"index", "values"}``).

    Returns:
        ``{point: {programme: {"units": n, "unit": "post", "spent": EUR, "remainder": EUR}}}``:
        the capacity added in the reference territory (the run scales it like every capacity).
    """
    import copy

    from sim.budget import apply_budgets
    from sim.parameters import funding_values
    from sim.scenario import apply_overrides, scenario_from_dict

    out: dict[int, dict[str, dict]] = {}
    for p in points:
        data = copy.deepcopy(scenario)
        data["run"]["persons"] = data["territory"]["reference_persons"]
        apply_overrides(data, p["values"], "<allocation>")
        scn = scenario_from_dict(data, "<allocation>")
        _, report = apply_budgets(scn, funding_values(scn))
        out[p["index"]] = {
            r["programme"]: {
                "units": r["capacity"],
                "unit": r["unit"],
                "spent": r["spent"],
                "remainder": r["remainder"],
            }
            for r in report
            if r["mode"] == "extra"
        }
    return out


def differences_to_reference(
    indicators: pd.DataFrame, names, publics, reference: int = REFERENCE
) -> pd.DataFrame:
    """Each point minus the reference, replication by replication, with a 95% CI.

    Returns:
        One row per point, indicator and public: ``mean``, ``ci_low``, ``ci_high`` and
        ``distinguishable`` (the interval excludes zero).
    """
    from sim.experiments.summaries import mean_ci

    sel = indicators[indicators.indicator.isin(names) & indicators.public.isin(publics)]
    rows = []
    for (name, public), group in sel.groupby(["indicator", "public"], sort=False):
        wide = group.pivot_table(index="replication", columns="point", values="value")
        if reference not in wide:
            continue
        for point in wide.columns:
            mean, low, high = mean_ci((wide[point] - wide[reference]).to_numpy())
            rows.append(
                {
                    "point": int(point),
                    "indicator": name,
                    "public": public,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "distinguishable": bool(low > 0 or high < 0),
                }
            )
    return pd.DataFrame(
        rows,
        columns=["point", "indicator", "public", "mean", "ci_low", "ci_high", "distinguishable"],
    )


def allocation_table(
    summary: pd.DataFrame,
    points: list[dict],
    programmes: list[str],
    budget: float,
    differences: pd.DataFrame | None = None,
    bought: dict[int, dict[str, dict]] | None = None,
    reference: int | None = REFERENCE,
) -> pd.DataFrame:
    """One row per allocation: shares, euros, what they buy, indicators with 95% CI.

    With ``differences`` (:func:`differences_to_reference`), also each indicator's paired
    difference to the reference (``<name>_diff``, ``_diff_ci_low``, ``_diff_ci_high``,
    ``_diff_distinguishable``); with ``bought`` (:func:`units_bought`), the capacity each
    programme's euros buy (``units_<programme>``). ``reference`` is the point without extra
    budget (its row has ``reference`` true).
    """
    rows = []
    for p in points:
        euros = p["values"]["policy.extra_budget"]
        row = {"allocation": p["index"], "reference": p["index"] == reference}
        for prog in programmes:
            row[f"share_{prog}"] = euros.get(prog, 0.0) / budget if budget else 0.0
            row[f"eur_{prog}"] = euros.get(prog, 0.0)
            if bought is not None:
                row[f"units_{prog}"] = bought.get(p["index"], {}).get(prog, {}).get("units", 0)
        s = summary[summary["point"] == p["index"]]
        d = None if differences is None else differences[differences["point"] == p["index"]]
        for public in TABLE_PUBLICS:
            for name in TABLE_INDICATORS:
                r = s[(s.public == public) & (s.indicator == name)]
                if r.empty:
                    continue
                col = name if public == "all" else f"{name}[{public}]"
                row[col] = float(r["mean"].iloc[0])
                row[f"{col}_ci_low"] = float(r["ci_low"].iloc[0])
                row[f"{col}_ci_high"] = float(r["ci_high"].iloc[0])
                if d is None:
                    continue
                e = d[(d.public == public) & (d.indicator == name)]
                if not e.empty:
                    row[f"{col}_diff"] = float(e["mean"].iloc[0])
                    row[f"{col}_diff_ci_low"] = float(e["ci_low"].iloc[0])
                    row[f"{col}_diff_ci_high"] = float(e["ci_high"].iloc[0])
                    row[f"{col}_diff_distinguishable"] = bool(e["distinguishable"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def best_allocation(
    indicators: pd.DataFrame, indicator: str, public: str = "all", reference: int | None = None
) -> dict:
    """The best allocation for ``indicator``, the ones that cannot be told apart from it.

    The reference (no extra budget) is not a candidate; with ``reference`` given, the result
    also holds the best allocation's paired difference to it (``vs_reference``), the worst
    allocation (``worst``) and the allocations distinguishable from the reference
    (``distinguishable_from_reference``).
    """
    from sim.experiments.summaries import mean_ci

    sel = indicators[(indicators.indicator == indicator) & (indicators.public == public)]
    wide = sel.pivot_table(index="replication", columns="point", values="value", dropna=False)
    candidates = wide.drop(columns=[reference]) if reference in wide else wide
    means = candidates.mean()
    if means.isna().all():
        raise ScenarioError(
            "--indicator", indicator, f"no value for public {public!r}: is the run long enough?"
        )
    lower = lower_is_better(indicator)
    best = int(means.idxmin() if lower else means.idxmax())
    worst = int(means.idxmax() if lower else means.idxmin())
    mean, low, high = mean_ci(wide[best].to_numpy())
    low, high = clip_to_bounds(indicator, low, high)
    ties = []
    for point in candidates.columns:
        if point == best:
            continue
        _, d_low, d_high = mean_ci((wide[point] - wide[best]).to_numpy())
        if not (d_low > 0 or d_high < 0):
            ties.append(int(point))
    out = {
        "indicator": indicator,
        "public": public,
        "best": best,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "indistinguishable": ties,
        "worst": worst,
    }
    if reference in wide:
        ref_mean, ref_low, ref_high = mean_ci(wide[reference].to_numpy())
        ref_low, ref_high = clip_to_bounds(indicator, ref_low, ref_high)
        d_mean, d_low, d_high = mean_ci((wide[best] - wide[reference]).to_numpy())
        out["reference"] = {
            "point": reference,
            "mean": ref_mean,
            "ci_low": ref_low,
            "ci_high": ref_high,
        }
        out["vs_reference"] = {
            "mean": d_mean,
            "ci_low": d_low,
            "ci_high": d_high,
            "distinguishable": bool(d_low > 0 or d_high < 0),
        }
        distinct = []
        for point in candidates.columns:
            _, d_low, d_high = mean_ci((wide[point] - wide[reference]).to_numpy())
            if d_low > 0 or d_high < 0:
                distinct.append(int(point))
        out["distinguishable_from_reference"] = distinct
    return out


def shares_label(row, programmes: list[str], short: bool = False) -> str:
    """An allocation's shares as text: ``aide_au_poste_aci 50%, phc 50%`` (``50/50`` if short)."""
    if row.get("reference"):
        return REFERENCE_LABEL
    shares = [row[f"share_{p}"] for p in programmes]
    if short:
        return "/".join(f"{100 * s:.0f}" for s in shares)
    return ", ".join(
        f"{programme_label(p)} {s:.0%}" for p, s in zip(programmes, shares, strict=True)
    )


def programme_label(programme: str) -> str:
    """A short name of a budget programme, saying what it buys: ``ACI posts``, ``PHC places``."""
    if programme.startswith("aide_au_poste_"):
        return programme.removeprefix("aide_au_poste_").upper() + " posts"
    if programme.startswith("shelter_"):
        return programme.removeprefix("shelter_").upper() + " places"
    if programme == "france_travail_advisers":
        return "adviser FTE"
    return (programme.upper() if programme in ("phc", "tapaj") else programme) + " places"


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
    table: pd.DataFrame, indicator_name: str, best: dict, programmes: list[str], path: Path
) -> Path:
    """Each allocation, numbered: the indicator for everyone vs for the furthest, with 95% CIs.

    The reference (no extra budget) is a square, the best allocation a star, the efficient
    allocations joined by a line (when there are two or more); a table beside the plot gives
    each number's shares.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from sim.experiments.style import OKABE_ITO

    name = indicator_name
    meta = indicator(name)
    x = table[name].to_numpy(dtype=float)
    y_col = f"{name}[{FURTHEST}]"
    y = table[y_col].to_numpy(dtype=float) if y_col in table else np.full_like(x, np.nan)

    def err(col, values):
        if f"{col}_ci_low" not in table:
            return None
        low = np.nan_to_num(values - table[f"{col}_ci_low"].to_numpy(dtype=float))
        high = np.nan_to_num(table[f"{col}_ci_high"].to_numpy(dtype=float) - values)
        return [np.maximum(low, 0), np.maximum(high, 0)]

    is_ref = (
        table["reference"].to_numpy(dtype=bool) if "reference" in table else np.zeros(len(x), bool)
    )
    numbered = len(table) <= 40
    fig, (ax, side) = plt.subplots(
        1, 2, figsize=(10.5, 5.6), dpi=110, gridspec_kw={"width_ratios": [2.6, 1]}
    )
    ax.errorbar(
        x,
        y,
        xerr=err(name, x),
        yerr=err(y_col, y) if y_col in table else None,
        fmt="o",
        color="0.35",
        ecolor="0.75",
        elinewidth=1,
        capsize=2,
        ms=5,
        label="allocation (95% CIs)",
    )
    candidates = np.flatnonzero(~is_ref)
    front = candidates[pareto_front(x[candidates], y[candidates], lower_is_better(name))]
    if front.size >= 2:
        order = front[np.argsort(x[front])]
        ax.plot(x[order], y[order], "-", color="black", lw=1.2, label="efficient allocations")
    if is_ref.any():
        r = np.flatnonzero(is_ref)[0]
        ax.plot(x[r], y[r], marker="s", ms=10, color=OKABE_ITO[1], ls="none", label=REFERENCE_LABEL)
    b = table.index[table["allocation"] == best["best"]][0]
    ax.plot(x[b], y[b], marker="*", ms=16, color="black", ls="none", label="best")
    ax.set_xlabel(f"{meta.label}, everyone")
    ax.set_ylabel(f"{meta.label},\npeople with three or more obstacles")
    better = "higher is better" if not lower_is_better(name) else "lower is better"
    ax.set_title(f"Allocations of the budget: {name} ({better})", fontsize=10)
    formatter = FuncFormatter(lambda v, _: format_value(name, v, unit=False))
    ax.xaxis.set_major_formatter(formatter)
    ax.yaxis.set_major_formatter(formatter)
    ax.grid(True, color="0.9")
    if is_ref.any() and np.isfinite(x[r]) and np.isfinite(y[r]):
        ax.axvline(x[r], color=OKABE_ITO[1], lw=0.8, ls=":")
        ax.axhline(y[r], color=OKABE_ITO[1], lw=0.8, ls=":")
    ax.legend(fontsize=8, loc="best")
    side.axis("off")
    fig.tight_layout()
    if numbered:
        _number_points(ax, x, y, table["allocation"].to_numpy())
    if numbered:
        head = "#   " + " / ".join(programme_label(p) for p in programmes)
        lines = [head] + [
            f"{int(r['allocation']):<3} "
            + (REFERENCE_LABEL if r.get("reference") else shares_label(r, programmes, short=True))
            for r in table.to_dict("records")
        ]
        side.text(
            0.0, 1.0, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=7.5,
            transform=side.transAxes, wrap=True,
        )  # fmt: skip
        side.set_title("shares (%) of each allocation", fontsize=9, loc="left")
    store.write_figure(Path(path), fig)
    return path


def _number_points(ax, x: np.ndarray, y: np.ndarray, numbers: np.ndarray, size: float = 8) -> None:
    """Write each point's number beside it, moving a label that would cover one already placed.

    Greedy: each label tries offsets around its point (right and up first) and takes the first
    whose box overlaps no label placed before it; the axes' limits must be final.
    """
    fig = ax.figure
    to_points = 72.0 / fig.dpi
    xy = ax.transData.transform(np.column_stack([x, y])) * to_points
    offsets = [(4, 3), (4, -11), (-4, 3), (-4, -11), (4, 13), (-4, 13), (4, -21), (-4, -21)]
    offsets += [(14 * k, 3) for k in (1, 2, 3)] + [(-14 * k, 3) for k in (1, 2, 3)]
    placed: list[tuple[float, float, float, float]] = []
    for (px, py), number in zip(xy, numbers, strict=True):
        if not (np.isfinite(px) and np.isfinite(py)):
            continue
        text = str(number)
        w, h = 0.62 * size * len(text), size
        for dx, dy in offsets:
            left = px + dx if dx >= 0 else px + dx - w
            box = (left, py + dy, left + w, py + dy + h)
            clear = all(
                box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in placed
            )
            if clear:
                break
        placed.append(box)
        ax.annotate(
            text,
            (px / to_points, py / to_points),
            xycoords="figure pixels",
            xytext=(dx, dy),
            textcoords="offset points",
            ha="left" if dx >= 0 else "right",
            va="bottom",
            fontsize=size,
            arrowprops={"arrowstyle": "-", "color": "0.3", "lw": 0.6}
            if abs(dy) > 10 or abs(dx) > 10
            else None,
        )
