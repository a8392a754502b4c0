"""Sentences that the command line and the reports share: warnings, the planner's answer, terms.

Everything here reads the units and meanings of indicators from :mod:`sim.indicators` and returns
plain text (lists of sentences or lines), so that the terminal, ``report.md`` and ``report.html``
say the same thing in the same words.
"""

from __future__ import annotations

import math
import textwrap

from sim.indicators import (
    METADATA,
    STATE_DEFINITIONS,
    format_difference,
    format_interval,
    format_value,
    indicator,
)

HEADLINE = ("employment_rate_12m", "durable_employment_rate_12m", "cost_per_year")
"""Indicators whose needed replications the warnings name."""
STAR = "*"
STAR_MEANING = (
    "* = distinguishable from noise: the 95% confidence interval of the paired difference "
    "(same seeds, replication by replication) excludes zero"
)


def _public(public: str) -> str:
    return "everyone" if public == "all" else public.replace("_", " ")


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rows_of(table) -> list[dict]:
    """A table's rows as dicts: a DataFrame's records, or a list of rows as it is.

    The text tables work on rows, so that ``parcours results show`` can print a run's tables
    read without pandas (:func:`sim.experiments.store.read_rows`).
    """
    if table is None:
        return []
    if hasattr(table, "to_dict"):  # a pandas DataFrame
        return table.to_dict("records")
    return list(table)


def replication_warning(
    rows, replications: int, difference: bool = False, base=None, width: int = 100
) -> list[str]:
    """A warning when there are fewer replications than advised, and how many would do.

    Args:
        rows: summary rows (a DataFrame or a list of rows with ``indicator``, ``mean`` and
            ``sd``) for everyone, of one scenario (or of the paired differences, with
            ``difference``).
        replications: the replications of the run.
        difference: the rows are paired differences: the needed replications are those that
            make the difference's interval that narrow.
        base: with ``difference``, the summary rows of the base scenario: a half-width stated
            relative to the mean (euros) is relative to the base scenario's mean.
        width: wrap the lines to this many columns.

    Returns:
        Lines of text; empty with :data:`~sim.experiments.summaries.MIN_REPLICATIONS` or more.
    """
    from sim.experiments.summaries import (
        MIN_REPLICATIONS,
        replications_needed,
        target_half_width,
    )

    if replications >= MIN_REPLICATIONS:
        return []
    what = "replication" if replications == 1 else "replications"
    first = (
        f"warning: {replications} {what}: "
        + (
            "no confidence interval can be computed"
            if replications < 2
            else f"each 95% interval rests on {replications} values and is rough"
        )
        + f"; use {MIN_REPLICATIONS} or more (--replications)."
    )
    lines = textwrap.wrap(first, width=width, subsequent_indent="  ")
    rows = rows_of(rows)
    if replications < 2 or not rows:
        return lines
    by_name = {r["indicator"]: r for r in rows}
    scale = {r["indicator"]: r["mean"] for r in rows_of(base)}
    needs = []
    for name in HEADLINE:
        if name not in by_name:
            continue
        r = by_name[name]
        if _nan(r.get("sd")) or _nan(r["mean"]):
            continue
        mean = float(r["mean"])
        if difference and name in scale:
            mean = float(scale[name])
        width_, said = target_half_width(name, mean)
        if not width_ > 0:
            continue
        n = replications_needed(float(r["sd"]), width_)
        needs.append(f"{name} within {said}: about {n}")
    if needs:
        of = "the paired difference's " if difference else "the mean's "
        text = (
            f"For {of}95% interval, estimated from the spread of these {replications} "
            "replications: " + "; ".join(needs) + "."
        )
        lines += textwrap.wrap(text, width=width, initial_indent="  ", subsequent_indent="  ")
    return lines


def budget_sentences(spec: dict) -> list[str]:
    """The budget as stated and as run (scaled with the persons), and what was compared."""
    budget = spec["budget"]
    progs = ", ".join(spec["programmes"])
    lines = [f"Budget: {budget:,.0f} EUR a year across {progs}."]
    if "scale" in spec:
        ref, persons, scale = spec["reference_persons"], spec["persons"], spec["scale"]
        if math.isclose(scale, 1.0):
            lines.append(
                f"It is stated for the territory of reference ({ref:,} persons), the size this "
                "run has: the run spends it in full."
            )
        else:
            lines.append(
                f"It is stated for the territory of reference ({ref:,} persons); this run has "
                f"{persons:,} persons, so budgets and capacities scale by {scale:.3g}: the run "
                f"adds {spec['budget_run']:,.0f} EUR a year (and the units it buys, x{scale:.3g})."
            )
    method = (
        f"every split in steps of 1/{spec['steps']}"
        if spec["method"] == "grid"
        else "the splits Nelder-Mead tried"
    )
    lines.append(
        f"Compared: {method}, and no extra budget at all, on the same seeds; judged on "
        f"{spec['indicator']} ({_public(spec['public'])})."
    )
    return lines


def allocation_answer(spec: dict, table, shares_text) -> list[str]:
    """The planner's answer: the best split, its difference to no extra budget, the ties.

    Args:
        spec: the manifest's ``allocation`` entry (with ``best``).
        table: ``allocations.parquet`` (indexed by nothing in particular).
        shares_text: ``f(row) -> str``, an allocation's shares as text.
    """
    name, best = spec["indicator"], spec["best"]
    rows = {int(r["allocation"]): r for r in table.to_dict("records")}
    row = rows[best["best"]]
    value = (
        f"{format_value(name, best['mean'])} "
        f"{format_interval(name, best['ci_low'], best['ci_high'])}".strip()
    )
    lines = [f"Best allocation for {name}: #{best['best']} ({shares_text(row)}), {value}."]
    ref = best.get("reference")
    if ref is not None:
        d = best["vs_reference"]
        ref_interval = format_interval(name, ref["ci_low"], ref["ci_high"])
        ref_value = f"{format_value(name, ref['mean'])} {ref_interval}".strip()
        diff = (
            f"{format_difference(name, d['mean'])} "
            f"{format_interval(name, d['ci_low'], d['ci_high'], difference=True)}"
        ).strip()
        lines.append(f"Without the extra budget: {ref_value}; difference {diff}.")
        distinct = best.get("distinguishable_from_reference", [])
        if d["distinguishable"]:
            lines.append(
                "The difference is distinguishable from noise: this split of the budget changes "
                f"{name} detectably."
            )
        elif not distinct:
            lines.append(
                f"No allocation is distinguishable from no extra budget on {name}: with these "
                "replications the money changes nothing detectable (more replications, a larger "
                "budget or another indicator may tell)."
            )
        else:
            lines.append(
                "The best allocation cannot be told apart from no extra budget; allocations "
                "distinguishable from it: " + ", ".join(f"#{p}" for p in distinct) + "."
            )
    ties = best.get("indistinguishable", [])
    lines.append(
        "Allocations that cannot be told apart from the best (the paired 95% interval of their "
        "difference includes zero): " + (", ".join(f"#{p}" for p in ties) or "none") + "."
    )
    return lines


def definitions(names=None, width: int = 100) -> list[str]:
    """``name: [unit] definition`` for each indicator, wrapped to ``width`` columns."""
    lines = []
    for name in names or METADATA:
        meta = indicator(name)
        better = {True: ", higher is better", False: ", lower is better", None: ""}
        head = f"{name}: [{meta.unit}{better[meta.higher_is_better]}] "
        lines += textwrap.wrap(
            head + meta.definition, width=width, subsequent_indent="    ", break_on_hyphens=False
        )
    return lines


def state_definitions(width: int = 100) -> list[str]:
    """``state: meaning`` for each status of the pathway plots, wrapped to ``width`` columns."""
    lines = []
    for state, meaning in STATE_DEFINITIONS.items():
        lines += textwrap.wrap(f"{state}: {meaning}", width=width, subsequent_indent="    ")
    return lines
