"""Plots of a run, a comparison, a sweep or an allocation (matplotlib).

Every function takes the tables of a results directory (:func:`sim.experiments.store.load_run`) and
returns a ``matplotlib.figure.Figure``; :func:`all_figures` makes every plot that applies to a
run. Colours follow the Okabe-Ito palette (distinguishable by colour-blind readers); lines also
differ by style and marker, and stacked areas by hatching, so that the plots stay readable in
greyscale print. The palette, line styles, markers and font sizes come from
:mod:`sim.experiments.style`, shared with the figures of sensitivity and calibration runs.

- :func:`chronogram`: state distribution of the entry cohort month by month, per scenario.
- :func:`sequence_index`: one line per person of the cohort, coloured by status.
- :func:`kaplan_meier`: time to first job and to first durable job, by scenario and by public,
  with 95% confidence bands (Greenwood).
- :func:`indicator_distributions`: indicators across replications with their 95% intervals,
  and the paired differences of a comparison.
- :func:`queues_and_occupancy`: waiting lists and occupancy of every capacity over time.
- :func:`costs_over_time`: costs by funder and by programme over time.
- :func:`explain_bars`: each field's contribution to the difference between two scenarios
  (``parcours explain``), with its 95% interval, and the difference itself.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.experiments.style import LINESTYLES, MARKERS, OKABE_ITO, RC
from sim.states import Status

STATUS_STYLE = {  # colour, hatch: colours alternate light and dark for greyscale
    Status.OUTSIDE: ("#BBBBBB", ""),
    Status.WAITING: ("#F0E442", "//"),
    Status.SUPPORTED: ("#56B4E9", ""),
    Status.LOW_THRESHOLD: ("#CC79A7", "xx"),
    Status.TRAINING: ("#E69F00", ".."),
    Status.IMMERSION: ("#FFFFFF", "\\\\"),
    Status.SIAE: ("#009E73", "--"),
    Status.JOB: ("#0072B2", ""),
    Status.INCAPACITY: ("#D55E00", "++"),
    Status.LEFT: ("#444444", ""),
}
PUBLICS_SHOWN = ("all", "homeless_at_entry", "three_plus_obstacles", "young")
MAIN_INDICATORS = (
    "employment_rate_12m",
    "durable_employment_rate_12m",
    "employment_rate_24m",
    "positive_exit_rate_12m",
    "never_reached_share",
    "housing_access_rate_24m",
    "median_months_to_first_job",
    "cost_per_durable_job",
)

plt.rcParams.update(RC)


def _style(i: int) -> dict:
    return {
        "color": OKABE_ITO[(i + 5) % len(OKABE_ITO)],
        "linestyle": LINESTYLES[i % 4],
        "marker": MARKERS[i % len(MARKERS)],
        "markevery": 6,
        "markersize": 4,
    }


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """Add a ``label`` column: the scenario, and the sweep point when there are several."""
    frame = frame.copy()
    several = "point" in frame and frame["point"].nunique() > 1
    frame["label"] = (
        frame["scenario"] + " #" + frame["point"].astype(str) if several else frame["scenario"]
    )
    return frame


def _month_columns(cohort: pd.DataFrame) -> list[str]:
    return [c for c in cohort.columns if c.startswith("m") and c[1:].isdigit()]


def chronogram(cohort: pd.DataFrame) -> Figure:
    """State distribution of the entry cohort, month by month, one panel per scenario."""
    cohort = labelled(cohort)
    labels = list(dict.fromkeys(cohort["label"]))
    months = _month_columns(cohort)
    fig, axes = plt.subplots(
        1, len(labels), figsize=(4.2 * len(labels) + 1.6, 3.8), sharey=True, squeeze=False
    )
    for ax, label in zip(axes[0], labels, strict=True):
        states = cohort.loc[cohort["label"] == label, months].to_numpy()
        shares = np.stack([(states == s).mean(axis=0) for s in STATUS_STYLE])
        x = np.arange(len(months))
        bottom = np.zeros(len(months))
        for (status, (colour, hatch)), share in zip(STATUS_STYLE.items(), shares, strict=True):
            ax.fill_between(
                x,
                bottom,
                bottom + share,
                step="mid",
                facecolor=colour,
                hatch=hatch,
                edgecolor="0.3",
                linewidth=0.3,
                label=status.name.lower(),
            )
            bottom += share
        ax.set_title(label)
        ax.set_xlabel("months since entry")
        ax.set_xlim(0, len(months) - 1)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0][0].set_ylabel("share of the entry cohort")
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles[::-1], names[::-1], loc="center right", fontsize=8, frameon=False)
    fig.suptitle("State distribution of the entry cohort (chronogram)")
    fig.tight_layout(rect=(0, 0, 1 - 1.5 / fig.get_figwidth(), 1))
    return fig


def sequence_index(cohort: pd.DataFrame, n: int = 200) -> Figure:
    """Individual trajectories of ``n`` persons per scenario, one line each, sorted by first job."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    cohort = labelled(cohort)
    labels = list(dict.fromkeys(cohort["label"]))
    months = _month_columns(cohort)
    codes = list(STATUS_STYLE)
    cmap = ListedColormap([STATUS_STYLE[s][0] for s in codes])
    norm = BoundaryNorm(np.arange(len(codes) + 1) - 0.5, cmap.N)
    fig, axes = plt.subplots(
        1, len(labels), figsize=(4.2 * len(labels) + 1.6, 4.2), sharey=True, squeeze=False
    )
    for ax, label in zip(axes[0], labels, strict=True):
        sample = cohort[cohort["label"] == label].head(n)
        first = sample["t_first_job"].where(sample["t_first_job"] >= 0, 10_000)
        sample = sample.assign(_k=first).sort_values(["_k", "row"])
        states = sample[months].to_numpy()
        index = np.vectorize({s.value: i for i, s in enumerate(codes)}.get)(states)
        ax.imshow(index, aspect="auto", interpolation="nearest", cmap=cmap, norm=norm)
        ax.set_title(label)
        ax.set_xlabel("months since entry")
    axes[0][0].set_ylabel(f"persons (a sample of {n}), sorted by first job")
    handles = [
        Patch(facecolor=STATUS_STYLE[s][0], edgecolor="0.3", label=s.name.lower()) for s in codes
    ]
    fig.legend(handles=handles[::-1], loc="center right", fontsize=8, frameon=False)
    fig.suptitle("Individual pathways (sequence index plot)")
    fig.tight_layout(rect=(0, 0, 1 - 1.5 / fig.get_figwidth(), 1))
    return fig


def km_curve(times: np.ndarray, observed: np.ndarray, horizon: int):
    """Kaplan-Meier share having had the event by each month, with a 95% Greenwood band."""
    months = np.arange(horizon + 1)
    surv, var_sum, s = [], 0.0, 1.0
    low, high = [], []
    for t in months:
        at_risk = np.count_nonzero(times >= t)
        events = np.count_nonzero((times == t) & observed)
        if at_risk > 0 and events > 0:
            s *= 1.0 - events / at_risk
            if at_risk > events:
                var_sum += events / (at_risk * (at_risk - events))
        half = 1.96 * s * np.sqrt(var_sum)
        surv.append(s)
        low.append(max(s - half, 0.0))
        high.append(min(s + half, 1.0))
    surv, low, high = map(np.asarray, (surv, low, high))
    return months, 1 - surv, 1 - high, 1 - low


def _event_times(cohort: pd.DataFrame, event: str):
    months = _month_columns(cohort)
    states = cohort[months].to_numpy()
    horizon = len(months) - 1
    left = (states == Status.LEFT).argmax(axis=1)
    gone = (states == Status.LEFT).any(axis=1)
    censor = np.where(gone, left, horizon)
    t_event = cohort[event].to_numpy()
    happened = (t_event >= 0) & (t_event <= censor)
    return np.where(happened, t_event, censor), happened, horizon


def kaplan_meier(cohort: pd.DataFrame, publics=PUBLICS_SHOWN) -> Figure:
    """Time to first job and to first durable job, by scenario, for several publics."""
    cohort = labelled(cohort)
    labels = list(dict.fromkeys(cohort["label"]))
    publics = [p for p in publics if p == "all" or p in cohort]
    fig, axes = plt.subplots(
        2, len(publics), figsize=(3.3 * len(publics), 6.2), sharey=True, squeeze=False
    )
    for row, (event, name) in enumerate(
        (("t_first_job", "a first job"), ("t_first_durable", "a first durable job"))
    ):
        for col, public in enumerate(publics):
            ax = axes[row][col]
            for i, label in enumerate(labels):
                mine = cohort[cohort["label"] == label]
                if public != "all":
                    mine = mine[mine[public].astype(bool)]
                if mine.empty:
                    continue
                times, observed, horizon = _event_times(mine, event)
                m, share, lo, hi = km_curve(times, observed, horizon)
                style = _style(i)
                ax.step(m, share, where="post", label=label, **style)
                ax.fill_between(
                    m, lo, hi, step="post", color=style["color"], alpha=0.15, linewidth=0
                )
            ax.set_title(f"{public.replace('_', ' ')}: {name}")
            ax.set_xlabel("months since entry")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.grid(True, color="0.9")
        axes[row][0].set_ylabel(f"share who had {name}")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Time to first job (Kaplan-Meier, 95% bands), entry cohort")
    fig.tight_layout()
    return fig


def _unit_axis(ax, name: str, decimals=None) -> None:
    if "rate" in name or name.endswith("share"):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))
    elif name.startswith("cost") or name.endswith("cost") or name == "rsa_saved":
        ax.set_ylabel("EUR")
    elif name.startswith("median"):
        ax.set_ylabel("months")


def indicator_distributions(
    indicators: pd.DataFrame,
    summary: pd.DataFrame,
    differences: pd.DataFrame | None = None,
    names=MAIN_INDICATORS,
    columns: int = 4,
) -> Figure:
    """Each indicator across replications (dots) with the 95% CI of its mean, per scenario.

    With a comparison, further panels show the paired differences to the first scenario.
    """
    ind = labelled(indicators[indicators["public"] == "all"])
    summ = labelled(summary[summary["public"] == "all"])
    names = [n for n in names if n in set(ind["indicator"])]
    labels = list(dict.fromkeys(ind["label"]))
    diff = None
    if differences is not None and len(differences):
        diff = differences[differences["public"] == "all"]
    panels = [("value", n) for n in names] + (
        [("diff", n) for n in names] if diff is not None else []
    )
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.0 * columns, 2.9 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (kind, name) in zip(axes.flat, panels, strict=False):
        if kind == "value":
            for i, label in enumerate(labels):
                vals = ind[(ind.indicator == name) & (ind.label == label)]["value"].to_numpy()
                s = summ[(summ.indicator == name) & (summ.label == label)].iloc[0]
                jitter = np.linspace(-0.15, 0.15, max(len(vals), 1))[: len(vals)]
                ax.plot(i + jitter, vals, MARKERS[i % len(MARKERS)], color="0.55", ms=3)
                err = (
                    [[s["mean"] - s["ci_low"]], [s["ci_high"] - s["mean"]]] if s["n"] > 1 else None
                )
                ax.errorbar([i], [s["mean"]], yerr=err, fmt="_", color="black", ms=14, capsize=4)
            ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=7)
            ax.set_title(name.replace("_", " "), fontsize=8)
            _unit_axis(ax, name)
        else:
            others = list(dict.fromkeys(diff["scenario"]))
            for i, other in enumerate(others):
                r = diff[(diff.indicator == name) & (diff.scenario == other)].iloc[0]
                err = [[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]]
                ax.errorbar(
                    [i],
                    [r["mean"]],
                    yerr=err,
                    fmt=MARKERS[i % len(MARKERS)],
                    color="black",
                    capsize=4,
                )
            ax.axhline(0, color="0.4", lw=0.8, ls="--")
            base = diff["base"].iloc[0]
            ax.set_xticks(
                range(len(others)),
                [f"{o} − {base}" for o in others],
                rotation=20,
                ha="right",
                fontsize=7,
            )
            ax.set_title(f"difference: {name.replace('_', ' ')}", fontsize=8)
            _unit_axis(ax, name, decimals=1)
        ax.grid(True, axis="y", color="0.9")
    fig.suptitle(
        "Indicators across replications (dots), 95% CI of the mean (bars)"
        + ("; paired differences to the first scenario" if diff is not None else "")
    )
    fig.tight_layout()
    return fig


CAPACITY_GROUPS = {
    "referents and shelters": (
        "caseload_",
        "places_chu",
        "places_chrs",
        "places_iml",
        "places_oacas",
        "places_hotel",
    ),
    "SIAE posts and low-threshold places": ("posts_", "places_phc", "places_tapaj", "places_aava"),
    "services and training": (
        "places_creche",
        "places_mobility",
        "places_french",
        "places_health",
        "places_training",
    ),
}


def queues_and_occupancy(monthly: pd.DataFrame) -> Figure:
    """Waiting lists (persons) and occupancy (share of capacity) over time, replication means."""
    monthly = labelled(monthly)
    labels = list(dict.fromkeys(monthly["label"]))
    mean = monthly.groupby(["label", "month"]).mean(numeric_only=True).reset_index()
    queues = ["n_waiting", *[c for c in monthly.columns if c.startswith("queue_")]]
    caps = [c.removeprefix("cap_") for c in monthly.columns if c.startswith("cap_")]
    caps = [c for c in caps if mean[f"cap_{c}"].max() > 0]
    fig, axes = plt.subplots(
        1 + len(CAPACITY_GROUPS),
        len(labels),
        figsize=(5.4 * len(labels), 3.0 * (1 + len(CAPACITY_GROUPS))),
        squeeze=False,
    )
    for k, label in enumerate(labels):
        m = mean[mean["label"] == label]
        ax = axes[0][k]
        for i, q in enumerate(queues):
            name = "referents" if q == "n_waiting" else q.removeprefix("queue_")
            ax.plot(m["month"], m[q], label=name, **_style(i))
        ax.set_title(f"{label}: waiting lists")
        ax.set_xlabel("month")
        ax.set_ylabel("persons waiting")
        ax.legend(fontsize=7, ncol=2)
        ax.grid(True, color="0.9")
        for row, (group, prefixes) in enumerate(CAPACITY_GROUPS.items(), start=1):
            ax = axes[row][k]
            mine = [c for c in caps if c.startswith(prefixes)]
            for i, c in enumerate(mine):
                ax.plot(
                    m["month"],
                    m[f"used_{c}"] / m[f"cap_{c}"].replace(0, np.nan),
                    label=c.replace("places_", "").replace("_", " "),
                    **_style(i),
                )
            ax.set_title(f"{label}: occupancy of {group}")
            ax.set_xlabel("month")
            ax.set_ylabel("share of capacity used")
            ax.set_ylim(0, 1.05)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.legend(fontsize=7, ncol=2)
            ax.grid(True, color="0.9")
    fig.suptitle("Waiting lists and occupancy of each capacity (mean over replications)")
    fig.tight_layout()
    return fig


def costs_over_time(ledger: pd.DataFrame, top: int = 7) -> Figure:
    """Monthly costs by funder and by programme (mean over replications), in EUR."""
    ledger = labelled(ledger)
    labels = list(dict.fromkeys(ledger["label"]))
    n_rep = ledger.groupby("label")["replication"].nunique()
    fig, axes = plt.subplots(2, len(labels), figsize=(5.2 * len(labels), 7.0), squeeze=False)
    for k, label in enumerate(labels):
        mine = ledger[ledger["label"] == label]
        for row, by in enumerate(("funder", "programme")):
            ax = axes[row][k]
            table = mine.pivot_table(index="month", columns=by, values="amount", aggfunc="sum")
            table = table.fillna(0) / n_rep[label]
            if by == "programme" and table.shape[1] > top:
                keep = table.sum().sort_values(ascending=False).index[:top]
                table = pd.concat(
                    [table[keep], table.drop(columns=keep).sum(axis=1).rename("other programmes")],
                    axis=1,
                )
            for i, col in enumerate(table.columns):
                ax.plot(table.index, table[col] / 1000, label=col, **_style(i))
            ax.set_title(f"{label}: costs by {by}")
            ax.set_xlabel("month")
            ax.set_ylabel("thousand EUR per month")
            ax.legend(fontsize=7, ncol=2)
            ax.grid(True, color="0.9")
    fig.suptitle("Costs over time (mean over replications)")
    fig.tight_layout()
    return fig


def explain_bars(
    table: pd.DataFrame, spec: dict, public: str = "all", names=MAIN_INDICATORS, columns: int = 2
) -> Figure:
    """Each field's contribution to B - A (bars, 95% CI), and B - A itself, per indicator.

    Args:
        table: the explain table (``explain.parquet``).
        spec: the manifest's ``explain`` entry (the fields, A and B).
        public: the public shown.
        names: the indicators shown (those in the table).
        columns: panels per row.
    """
    t = table[table["public"] == public]
    defined = set(t.loc[t["contribution"].notna(), "indicator"])  # e.g. no 24-month rate in 18
    names = [n for n in names if n in defined]
    fields = [p["name"] for p in spec["players"]]
    labels = [*fields, "total (B - A)"]
    rows = max(1, -(-len(names) // columns))
    height = max(2.6, 0.32 * len(labels) + 1.0)
    fig, axes = plt.subplots(
        rows, columns, figsize=(6.4 * columns, height * rows), squeeze=False, sharey=True
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    y = np.arange(len(labels))[::-1]
    for ax, name in zip(axes.flat, names, strict=False):
        rows_ = t[t["indicator"] == name].set_index("field").reindex([*fields, "total"])
        scale = 100.0 if ("rate" in name or name.endswith("share")) else 1.0
        mean = rows_["contribution"].to_numpy(float) * scale
        low = rows_["ci_low"].to_numpy(float) * scale
        high = rows_["ci_high"].to_numpy(float) * scale
        err = np.vstack([np.nan_to_num(mean - low), np.nan_to_num(high - mean)])
        colours = [OKABE_ITO[(i % 7) + 1] for i in range(len(fields))] + ["#444444"]
        hatches = ["" if i % 2 == 0 else "//" for i in range(len(fields))] + ["xx"]
        bars = ax.barh(y, np.nan_to_num(mean), xerr=err, color=colours, edgecolor="black",
                       linewidth=0.5, capsize=3)  # fmt: skip
        for bar, hatch in zip(bars, hatches, strict=True):
            bar.set_hatch(hatch)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_yticks(y, labels, fontsize=7)
        unit = " (percentage points)" if scale == 100.0 else " (EUR)" if "cost" in name else ""
        ax.set_title(name.replace("_", " ") + unit, fontsize=8)
        ax.grid(True, axis="x", color="0.9")
    if not names:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "no indicator is defined in these runs", ha="center")
    fig.suptitle(
        f"Why {spec['b']['name']} differs from {spec['a']['name']} ({public}): each field's "
        "Shapley contribution, 95% CI across replications"
    )
    fig.tight_layout()
    return fig


def all_figures(run: dict) -> dict[str, Figure]:
    """Every plot that applies to a loaded run, by file name (without extension)."""
    figures = {}
    cohort = run.get("cohort")
    if cohort is not None and len(cohort):
        first = cohort[cohort["replication"] == cohort["replication"].min()]
        figures["chronogram"] = chronogram(first)
        figures["sequence_index"] = sequence_index(first)
        figures["kaplan_meier"] = kaplan_meier(cohort)
    if "indicators" in run:
        figures["indicators"] = indicator_distributions(
            run["indicators"], run["summary"], run.get("differences")
        )
    if "monthly" in run and len(run["monthly"]):
        figures["queues_and_occupancy"] = queues_and_occupancy(run["monthly"])
    if "ledger" in run and len(run["ledger"]):
        figures["costs"] = costs_over_time(run["ledger"])
    if "explain" in run and len(run["explain"]):
        figures["explain"] = explain_bars(run["explain"], run["manifest"]["explain"])
    return figures
