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

Every figure is at most :data:`MAX_WIDTH` inches wide, so that it fits a report's page without
being shrunk: panels of several scenarios (or points) wrap into rows of at most
:data:`MAX_COLUMNS`, and legends sit outside the panels. Units and axis formats come from the
indicators' metadata (:mod:`sim.indicators`): rates in %, differences of rates in percentage
points, euros with thousands separators; value axes start at zero (or say they do not).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.experiments.style import LINESTYLES, MARKERS, OKABE_ITO, RC
from sim.indicators import METADATA, indicator
from sim.states import Status

MAX_WIDTH = 11.0  # [inch] the widest figure (1,100 px at the report's 100 dpi)
MAX_COLUMNS = 3  # scenarios (or points) side by side; more wrap into further rows
THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")

STATUS_STYLE = {  # colour, hatch: colours alternate light and dark for greyscale
    Status.OUTSIDE: ("#BBBBBB", ""),
    Status.WAITING: ("#F0E442", "//"),
    Status.SUPPORTED: ("#56B4E9", ""),
    Status.LOW_THRESHOLD: ("#CC79A7", "xx"),
    Status.TRAINING: ("#E69F00", ".."),
    Status.IMMERSION: ("#8C510A", "\\\\"),  # brown: white read as a gap
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


def labelled(frame: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """Add a ``label`` column: the scenario, and the sweep point when there are several.

    ``labels`` (``{(scenario, point): label}``) keeps only those scenarios and points, named so
    (an allocation's reference, best and worst, for instance).
    """
    frame = frame.copy()
    if labels is not None:
        keys = list(zip(frame["scenario"], frame["point"], strict=True))
        keep = np.array([k in labels for k in keys], dtype=bool)
        frame = frame[keep].copy()
        frame["label"] = [labels[k] for k, ok in zip(keys, keep, strict=True) if ok]
        order = {label: i for i, label in enumerate(labels.values())}
        return frame.iloc[np.argsort(frame["label"].map(order).to_numpy(), kind="stable")]
    several = "point" in frame and frame["point"].nunique() > 1
    frame["label"] = (
        frame["scenario"] + " #" + frame["point"].astype(str) if several else frame["scenario"]
    )
    return frame


def _month_columns(cohort: pd.DataFrame) -> list[str]:
    return [c for c in cohort.columns if c.startswith("m") and c[1:].isdigit()]


def _wrap(text: str, inches: float, fontsize: float) -> str:
    """``text`` broken into lines that fit ``inches`` at ``fontsize`` (a title is never clipped)."""
    import textwrap

    chars = max(12, int(inches * 72 / (0.58 * fontsize)))
    return textwrap.fill(text, width=chars, break_long_words=False)


def _panels(n: int, width: float, height: float, legend: float = 0.0, rows_per_label: int = 1):
    """A figure of ``n`` panels (one per label) in rows of at most :data:`MAX_COLUMNS`.

    Each panel is ``width`` x ``height`` inches; ``legend`` inches are kept on the right for a
    legend; ``rows_per_label`` stacks that many panels per label (one column per label). The
    width never exceeds :data:`MAX_WIDTH`. Returns the figure and an array of axes of shape
    (blocks x rows_per_label, columns); unused axes are hidden.
    """
    columns = max(1, min(n, MAX_COLUMNS))
    blocks = -(-n // columns)
    fig_width = min(MAX_WIDTH, max(columns * width + legend, 6.0))
    fig, axes = plt.subplots(
        blocks * rows_per_label,
        columns,
        figsize=(fig_width, blocks * rows_per_label * height + 0.8),
        squeeze=False,
    )
    for k in range(n, blocks * columns):
        for r in range(rows_per_label):
            axes[(k // columns) * rows_per_label + r][k % columns].set_visible(False)
    return fig, axes


def _axes_of(axes, k: int, row: int = 0, rows_per_label: int = 1):
    """The axes of label ``k`` (and its ``row``) in a :func:`_panels` grid."""
    columns = axes.shape[1]
    return axes[(k // columns) * rows_per_label + row][k % columns]


def _lay_out(fig: Figure, rect=(0, 0, 1, 1)) -> None:
    """Lay ``fig`` out once (``tight_layout`` within ``rect``), for good.

    ``Figure.tight_layout`` leaves a placeholder layout engine on the figure, and
    ``savefig`` draws a figure with any layout engine twice (once to lay it out again); with no
    engine, saving draws it once, at the place computed here.
    """
    fig.tight_layout(rect=rect)
    fig.set_layout_engine(None)


def _finish(fig: Figure, title: str, legend_width: float = 0.0) -> Figure:
    """Title the figure and lay it out, keeping ``legend_width`` inches free on the right."""
    fig.suptitle(_wrap(title, fig.get_figwidth() - 0.4, RC["axes.titlesize"]))
    right = 1 - legend_width / fig.get_figwidth() if legend_width else 1
    _lay_out(fig, rect=(0, 0, right, 1))
    return fig


def chronogram(cohort: pd.DataFrame, labels: dict | None = None) -> Figure:
    """State distribution of the entry cohort, month by month, one panel per scenario."""
    cohort = labelled(cohort, labels)
    names = list(dict.fromkeys(cohort["label"]))
    months = _month_columns(cohort)
    fig, axes = _panels(len(names), 3.2, 3.0, legend=1.5)
    for k, label in enumerate(names):
        ax = _axes_of(axes, k)
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
        ax.set_title(_wrap(label, 2.7, 9), fontsize=9)
        ax.set_xlabel("months since entry")
        ax.set_xlim(0, len(months) - 1)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if k % axes.shape[1] == 0:
            ax.set_ylabel("share of the entry cohort")
    handles, names_ = _axes_of(axes, 0).get_legend_handles_labels()
    fig.legend(handles[::-1], names_[::-1], loc="center right", fontsize=8, frameon=False)
    return _finish(fig, "State distribution of the entry cohort (chronogram)", 1.5)


def sequence_index(cohort: pd.DataFrame, n: int = 200, labels: dict | None = None) -> Figure:
    """Individual trajectories of ``n`` persons per scenario, one line each, sorted by first job."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    cohort = labelled(cohort, labels)
    names = list(dict.fromkeys(cohort["label"]))
    months = _month_columns(cohort)
    codes = list(STATUS_STYLE)
    cmap = ListedColormap([STATUS_STYLE[s][0] for s in codes])
    norm = BoundaryNorm(np.arange(len(codes) + 1) - 0.5, cmap.N)
    fig, axes = _panels(len(names), 3.2, 3.3, legend=1.5)
    lookup = np.zeros(max(int(s) for s in codes) + 1, dtype=np.int64)
    for i, s in enumerate(codes):
        lookup[int(s)] = i
    for k, label in enumerate(names):
        ax = _axes_of(axes, k)
        sample = cohort[cohort["label"] == label].head(n)
        first = sample["t_first_job"].where(sample["t_first_job"] >= 0, 10_000)
        sample = sample.assign(_k=first).sort_values(["_k", "row"])
        index = lookup[sample[months].to_numpy(dtype=np.int64)]
        ax.imshow(index, aspect="auto", interpolation="nearest", cmap=cmap, norm=norm)
        ax.set_title(_wrap(label, 2.7, 9), fontsize=9)
        ax.set_xlabel("months since entry")
        if k % axes.shape[1] == 0:
            ax.set_ylabel(f"persons (a sample of {n}),\nsorted by first job")
    handles = [
        Patch(facecolor=STATUS_STYLE[s][0], edgecolor="0.3", hatch=STATUS_STYLE[s][1],
              label=s.name.lower())
        for s in codes
    ]  # fmt: skip
    fig.legend(handles=handles[::-1], loc="center right", fontsize=8, frameon=False)
    return _finish(fig, "Individual pathways (sequence index plot)", 1.5)


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


def kaplan_meier(cohort: pd.DataFrame, publics=PUBLICS_SHOWN, labels: dict | None = None) -> Figure:
    """Time to first job and to first durable job, by scenario, for several publics."""
    cohort = labelled(cohort, labels)
    names = list(dict.fromkeys(cohort["label"]))
    publics = [p for p in publics if p == "all" or p in cohort]
    fig, axes = plt.subplots(
        2, len(publics), figsize=(min(MAX_WIDTH, 2.6 * len(publics) + 0.4), 6.4), sharey=True,
        squeeze=False,
    )  # fmt: skip
    for row, (event, what) in enumerate(
        (("t_first_job", "a first job"), ("t_first_durable", "a first durable job"))
    ):
        for col, public in enumerate(publics):
            ax = axes[row][col]
            for i, label in enumerate(names):
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
            title = "everyone" if public == "all" else public.replace("_", " ")
            ax.set_title(f"{title}:\n{what}", fontsize=9)
            ax.set_xlabel("months since entry")
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.grid(True, color="0.9")
        axes[row][0].set_ylabel(f"share who had {what}")
    handles, names_ = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names_, loc="lower center", ncol=min(len(names_), 4), fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle("Time to first job (Kaplan-Meier, 95% bands), entry cohort")
    _lay_out(fig, rect=(0, 0.06, 1, 1))
    return fig


def _unit_axis(ax, name: str, difference: bool = False) -> None:
    """Format the y axis in ``name``'s unit (a difference of rates in percentage points)."""
    kind = indicator(name).kind if name in METADATA else ""
    if kind == "rate" and difference:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.1f}"))
        ax.set_ylabel("percentage points")
    elif kind == "rate":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    elif kind == "eur":
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.set_ylabel("EUR")
    elif kind == "months":
        ax.set_ylabel("months")


def _from_zero(ax, name: str, difference: bool = False) -> None:
    """Values from zero (an indicator that cannot be negative); a difference shows zero."""
    low, high = ax.get_ylim()
    if difference or name not in METADATA or METADATA[name].lower is None:
        ax.set_ylim(min(low, 0), max(high, 0))
    else:
        ax.set_ylim(0, max(high, 0) * 1.05 or 1)


def indicator_distributions(
    indicators: pd.DataFrame,
    summary: pd.DataFrame,
    differences: pd.DataFrame | None = None,
    names=MAIN_INDICATORS,
    columns: int = 4,
    labels: dict | None = None,
) -> Figure:
    """Each indicator across replications (dots) with the 95% CI of its mean, per scenario.

    With a comparison, further panels show the paired differences to the first scenario (rates
    in percentage points). Value axes start at zero.
    """
    ind = labelled(indicators[indicators["public"] == "all"], labels)
    summ = labelled(summary[summary["public"] == "all"], labels)
    names = [n for n in names if n in set(ind["indicator"])]
    scen = list(dict.fromkeys(ind["label"]))
    diff = None
    if differences is not None and len(differences):
        diff = differences[differences["public"] == "all"]
    panels = [("value", n) for n in names] + (
        [("diff", n) for n in names] if diff is not None else []
    )
    rows = -(-len(panels) // columns)
    fig_width = min(MAX_WIDTH, 2.75 * columns)
    fig, axes = plt.subplots(rows, columns, figsize=(fig_width, 2.9 * rows), squeeze=False)
    panel = fig_width / columns - 0.5  # [inch] room for a panel's title
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (kind, name) in zip(axes.flat, panels, strict=False):
        label = METADATA[name].label if name in METADATA else name.replace("_", " ")
        if kind == "value":
            for i, lab in enumerate(scen):
                vals = ind[(ind.indicator == name) & (ind.label == lab)]["value"].to_numpy()
                mine = summ[(summ.indicator == name) & (summ.label == lab)]
                jitter = np.linspace(-0.15, 0.15, max(len(vals), 1))[: len(vals)]
                ax.plot(i + jitter, vals, MARKERS[i % len(MARKERS)], color="0.55", ms=3)
                if mine.empty:
                    continue
                s = mine.iloc[0]
                err = (
                    [[max(s["mean"] - s["ci_low"], 0)], [max(s["ci_high"] - s["mean"], 0)]]
                    if s["n"] > 1 and np.isfinite(s["ci_low"])
                    else None
                )
                ax.errorbar([i], [s["mean"]], yerr=err, fmt="_", color="black", ms=14, capsize=4)
            ax.set_xticks(range(len(scen)), scen, rotation=20, ha="right", fontsize=7)
            ax.set_xlim(-0.6, len(scen) - 0.4)
            ax.set_title(_wrap(label, panel, 8), fontsize=8)
            _unit_axis(ax, name)
            _from_zero(ax, name)
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
            ax.set_xlim(-0.6, len(others) - 0.4)
            ax.set_title(_wrap(f"difference: {label}", panel, 8), fontsize=8)
            _unit_axis(ax, name, difference=True)
            _from_zero(ax, name, difference=True)
        ax.grid(True, axis="y", color="0.9")
    title = (
        "Indicators across replications (dots), 95% CI of the mean (bars)"
        + ("; paired differences to the first scenario" if diff is not None else "")
        + "; axes from 0"
    )
    fig.suptitle(_wrap(title, fig_width - 0.4, 9), fontsize=9)
    _lay_out(fig)
    return fig


CAPACITY_GROUPS = {
    "referents, shelters": (
        "caseload_",
        "places_chu",
        "places_chrs",
        "places_iml",
        "places_oacas",
        "places_hotel",
    ),
    "SIAE, low threshold": ("posts_", "places_phc", "places_tapaj", "places_aava"),
    "services, training": (
        "places_creche",
        "places_mobility",
        "places_french",
        "places_health",
        "places_training",
    ),
}


def _row_legend(fig: Figure, ax, ncol: int = 1) -> None:
    """A legend for one row of panels, outside them, to the right of ``ax`` (the row's last)."""
    handles, names = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7,
                  frameon=False, ncol=ncol, borderaxespad=0)  # fmt: skip


def queues_and_occupancy(monthly: pd.DataFrame, labels: dict | None = None) -> Figure:
    """Waiting lists (persons) and occupancy (share of capacity) over time, replication means."""
    monthly = labelled(monthly, labels)
    names = list(dict.fromkeys(monthly["label"]))
    mean = monthly.groupby(["label", "month"]).mean(numeric_only=True).reset_index()
    queues = ["n_waiting", *[c for c in monthly.columns if c.startswith("queue_")]]
    caps = [c.removeprefix("cap_") for c in monthly.columns if c.startswith("cap_")]
    caps = [c for c in caps if mean[f"cap_{c}"].max() > 0]
    per = 1 + len(CAPACITY_GROUPS)
    fig, axes = _panels(len(names), 2.9, 2.2, legend=1.9, rows_per_label=per)
    ylabels = ["waiting lists\n(persons)"] + [
        f"{group}\n(% of capacity used)" for group in CAPACITY_GROUPS
    ]
    columns = axes.shape[1]
    for k, label in enumerate(names):
        m = mean[mean["label"] == label]
        last = k % columns == columns - 1 or k == len(names) - 1
        ax = _axes_of(axes, k, 0, per)
        for i, q in enumerate(queues):
            name = "referents" if q == "n_waiting" else q.removeprefix("queue_")
            ax.plot(m["month"], m[q], label=name.replace("_", " "), **_style(i))
        ax.set_title(_wrap(label, 2.7, 9), fontsize=9)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(THOUSANDS)
        for row, (_, prefixes) in enumerate(CAPACITY_GROUPS.items(), start=1):
            ax = _axes_of(axes, k, row, per)
            mine = [c for c in caps if c.startswith(prefixes)]
            for i, c in enumerate(mine):
                ax.plot(
                    m["month"],
                    m[f"used_{c}"] / m[f"cap_{c}"].replace(0, np.nan),
                    label=c.replace("places_", "").replace("_", " "),
                    **_style(i),
                )
            ax.set_ylim(0, 1.05)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        for row in range(per):
            ax = _axes_of(axes, k, row, per)
            ax.grid(True, color="0.9")
            ax.set_xlabel("month", fontsize=8)
            if k % columns == 0:
                ax.set_ylabel(ylabels[row], fontsize=8)
            if last:
                _row_legend(fig, ax)
    return _finish(
        fig, "Waiting lists and occupancy of each capacity (mean over replications)", 1.9
    )


def costs_over_time(ledger: pd.DataFrame, top: int = 7, labels: dict | None = None) -> Figure:
    """Monthly costs by funder and by programme (mean over replications), in EUR."""
    ledger = labelled(ledger, labels)
    names = list(dict.fromkeys(ledger["label"]))
    n_rep = ledger.groupby("label")["replication"].nunique()
    fig, axes = _panels(len(names), 2.9, 2.6, legend=1.9, rows_per_label=2)
    columns = axes.shape[1]
    for k, label in enumerate(names):
        mine = ledger[ledger["label"] == label]
        last = k % columns == columns - 1 or k == len(names) - 1
        for row, by in enumerate(("funder", "programme")):
            ax = _axes_of(axes, k, row, 2)
            table = mine.pivot_table(index="month", columns=by, values="amount", aggfunc="sum")
            table = table.fillna(0) / n_rep[label]
            if by == "programme" and table.shape[1] > top:
                keep = table.sum().sort_values(ascending=False).index[:top]
                table = pd.concat(
                    [table[keep], table.drop(columns=keep).sum(axis=1).rename("other programmes")],
                    axis=1,
                )
            for i, col in enumerate(table.columns):
                ax.plot(table.index, table[col], label=col.replace("_", " "), **_style(i))
            if row == 0:
                ax.set_title(_wrap(label, 2.7, 9), fontsize=9)
            ax.set_xlabel("month")
            if k % columns == 0:
                ax.set_ylabel(f"EUR per month,\nby {by}", fontsize=8)
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(THOUSANDS)
            ax.grid(True, color="0.9")
            if last:
                _row_legend(fig, ax)
    return _finish(fig, "Costs over time (mean over replications)", 1.9)


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
    columns = max(1, min(columns, int(MAX_WIDTH // 5.4)))
    t = table[table["public"] == public]
    defined = set(t.loc[t["contribution"].notna(), "indicator"])  # e.g. no 24-month rate in 18
    names = [n for n in names if n in defined]
    fields = [p["name"] for p in spec["players"]]
    labels = [*fields, "total (B - A)"]
    rows = max(1, -(-len(names) // columns))
    height = max(2.6, 0.32 * len(labels) + 1.0)
    fig, axes = plt.subplots(
        rows, columns, figsize=(min(MAX_WIDTH, 5.4 * columns), height * rows + 0.6),
        squeeze=False, sharey=True,
    )  # fmt: skip
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    y = np.arange(len(labels))[::-1]
    for ax, name in zip(axes.flat, names, strict=False):
        rows_ = t[t["indicator"] == name].set_index("field").reindex([*fields, "total"])
        kind = indicator(name).kind
        scale = 100.0 if kind == "rate" else 1.0
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
        unit = f" ({indicator(name).difference_unit})"
        ax.set_title(_wrap(name.replace("_", " ") + unit, 5.0, 8), fontsize=8)
        if kind == "eur":
            ax.xaxis.set_major_formatter(THOUSANDS)
        ax.grid(True, axis="x", color="0.9")
    if not names:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "no indicator is defined in these runs", ha="center")
    return _finish(
        fig,
        f"Why {spec['b']['name']} differs from {spec['a']['name']} ({public}): each field's "
        "Shapley contribution, 95% CI across replications",
    )


FIGURES = ("chronogram", "sequence_index", "kaplan_meier", "indicators", "queues_and_occupancy",
           "costs", "explain")  # fmt: skip
"""The figures :func:`all_figures` can draw, in the order a report shows them."""


def figures_for(run: dict) -> list[str]:
    """The figures that apply to a loaded run (those whose tables it has)."""
    names = []
    cohort = run.get("cohort")
    if cohort is not None and len(cohort):
        names += ["chronogram", "sequence_index", "kaplan_meier"]
    if "indicators" in run:
        names.append("indicators")
    if "monthly" in run and len(run["monthly"]):
        names.append("queues_and_occupancy")
    if "ledger" in run and len(run["ledger"]):
        names.append("costs")
    if "explain" in run and len(run["explain"]) and "explain" in run["manifest"]:
        names.append("explain")
    return names


def draw(name: str, run: dict, labels: dict | None = None) -> Figure:
    """Draw one figure of :data:`FIGURES` from a loaded run (only ``labels``' scenarios/points)."""
    if name in ("chronogram", "sequence_index"):
        cohort = run["cohort"]
        first = cohort[cohort["replication"] == cohort["replication"].min()]
        return (chronogram if name == "chronogram" else sequence_index)(first, labels=labels)
    if name == "kaplan_meier":
        return kaplan_meier(run["cohort"], labels=labels)
    if name == "indicators":
        return indicator_distributions(
            run["indicators"], run["summary"], run.get("differences"), labels=labels
        )
    if name == "queues_and_occupancy":
        return queues_and_occupancy(run["monthly"], labels=labels)
    if name == "costs":
        return costs_over_time(run["ledger"], labels=labels)
    if name == "explain":
        return explain_bars(run["explain"], run["manifest"]["explain"])
    raise KeyError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")


def all_figures(run: dict, labels: dict | None = None) -> dict[str, Figure]:
    """Every plot that applies to a loaded run, by file name (without extension)."""
    return {name: draw(name, run, labels) for name in figures_for(run)}
