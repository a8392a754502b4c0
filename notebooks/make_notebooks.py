"""Build the researcher notebooks of Parcours from the cells written below.

The notebooks are kept as Python lists of markdown and code cells so that they can be reviewed
and diffed as code; this script writes them as ``.ipynb`` files (without outputs) next to itself:

    .venv/bin/python notebooks/make_notebooks.py

Every notebook reads ``PARCOURS_NOTEBOOK_SMALL``: set to ``1`` (as ``tests/test_notebooks.py``
does), it runs a small territory for a short time with few replications; otherwise it runs the
realistic size (20,000 persons, 60 months, 10 replications). Every run is written under a fresh
temporary directory, or under ``PARCOURS_NOTEBOOK_OUT`` when it is set: the notebooks never write
into ``results/`` unless asked to.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PUBLICS = """\
PUBLICS = [
    "all",
    "young",
    "senior",
    "women",
    "single_parents",
    "refugees",
    "disabled",
    "homeless_at_entry",
    "rsa",
    "three_plus_obstacles",
]"""


def md(text: str) -> tuple[str, str]:
    """A markdown cell."""
    return ("markdown", text)


def code(text: str) -> tuple[str, str]:
    """A code cell."""
    return ("code", text)


def setup(tag: str, replications_small: int, extra: str = "") -> tuple[str, str]:
    """The first code cell: sizes from ``PARCOURS_NOTEBOOK_SMALL`` and a fresh output directory.

    Args:
        tag: a short name for the notebook, used in the output directory's name.
        replications_small: replications at the small (test) size.
        extra: further lines of settings, appended to the cell.
    """
    text = f"""\
import os
import tempfile
from pathlib import Path

# PARCOURS_NOTEBOOK_SMALL=1 (the tests) runs a small territory for a short time; otherwise the
# realistic size. Change these values freely.
SMALL = os.environ.get("PARCOURS_NOTEBOOK_SMALL") == "1"
PERSONS = 1_500 if SMALL else 20_000  # persons at start (every capacity scales with it)
MONTHS = 24 if SMALL else 60  # 24 months observe 12-month outcomes only; 60 observe 24-month ones
REPLICATIONS = {replications_small} if SMALL else 10
WORKERS = 1 if SMALL else (os.cpu_count() or 1)  # worker processes (each one imports Parcours)

# The repository root (the notebook may run from notebooks/ or from the root).
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents) if (p / "scenarios").is_dir())
SCENARIOS = ROOT / "scenarios"

# Every run goes to a fresh directory under the system's temporary directory, or under
# PARCOURS_NOTEBOOK_OUT if set (e.g. PARCOURS_NOTEBOOK_OUT=results to keep them; then
# `parcours results list results/<that directory>` lists them).
BASE = os.environ.get("PARCOURS_NOTEBOOK_OUT")
if BASE:
    Path(BASE).mkdir(parents=True, exist_ok=True)
OUT = Path(tempfile.mkdtemp(prefix="parcours-{tag}-", dir=BASE))
{extra}print(
    f"{{'small' if SMALL else 'full'}} size: {{PERSONS:,}} persons, {{MONTHS}} months, "
    f"{{REPLICATIONS}} replications, {{WORKERS}} worker(s); outputs in {{OUT}}"
)"""
    return code(text)


HELPERS = '''\
def show(fig):
    """Display a matplotlib figure as a PNG (sim.plots draws off-screen, with Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display(Image(buf.getvalue()))


def readable(table):
    """Each value as text according to its row's indicator: percentages, months or euros."""
    return table.apply(lambda row: row.map(lambda v: fmt(row.name, v)), axis=1)


def with_ci(name, mean, low, high):
    """``mean [low, high]`` as text, formatted for the indicator ``name``."""
    if pd.isna(low):
        return fmt(name, mean)
    return f"{fmt(name, mean)} [{fmt(name, low)}, {fmt(name, high)}]"'''


def imports(lines: str) -> tuple[str, str]:
    """The second code cell: imports, display options and the helpers shared by the notebooks."""
    text = (
        lines
        + '\n\npd.set_option("display.max_columns", 40)\npd.set_option("display.width", 200)\n'
        + 'pd.set_option("display.max_colwidth", 80)\n'
        + PUBLICS
        + "\n\n\n"
        + HELPERS
    )
    return code(text)


# ----------------------------------------------------------------------------- 01 quickstart
QUICKSTART = [
    md(
        """\
# 01 · Quickstart: one run, one person, replications

This notebook runs the baseline scenario (`scenarios/baseline.yaml`: a département of about
20,000 people far from employment, mostly linear practice, staircase housing) from Python and
shows how to read what comes out:

1. **one run in memory** (`sim.runner.run_scenario`): the indicators for everyone and by public;
2. **one person's pathway**, through their Mesa agent view (`sim.agents.Person`): who they are,
   their obstacles, and their status month by month;
3. **replications** (`sim.runner.replicate`): the same scenario run with several seeds, each
   indicator's mean with its 95% confidence interval.

**How to read it.** Rates are shares of the persons present *k* months after their own entry
("employed" is an ordinary job or a SIAE contract; "durable" a CDI or a CDD of 6 months or
more). One run is one draw of a random process: read single-run numbers as examples, and the
replicated means with their intervals as results. The first code cell sets the size: with
`PARCOURS_NOTEBOOK_SMALL=1` (the tests) a small territory for 24 months, so that 24-month
indicators show as `n/a`; otherwise 20,000 persons for 60 months. The baseline is **not
calibrated** yet (see notebook 04): its numbers illustrate the model, they do not measure France."""
    ),
    setup("01", 3),
    imports(
        """\
import io

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, display

from sim.agents import Person
from sim.outcomes import INDICATORS, publics
from sim.report import fmt
from sim.results import load_run
from sim.runner import replicate, run_scenario
from sim.states import OBSTACLES, Benefit, Household, Housing, Phase, Sex, Status"""
    ),
    md(
        """\
## 1. One run in memory

`run_scenario` loads and validates the scenario, applies the size given here (`persons`,
`months`; capacities scale with the number of persons) and runs it in this process. Nothing is
written to disk: the result holds the Mesa model after the run (`one.model`) and its indicators
(`one.indicators`, a long table: indicator, public, value)."""
    ),
    code(
        """\
one = run_scenario(SCENARIOS / "baseline.yaml", persons=PERSONS, months=MONTHS)
people = one.model.agents_by_type[Person]
print(f"{len(people):,} persons over the run ({PERSONS:,} at start, the others arrived later)")
print(
    "employment rate 12 months after entry:",
    fmt("employment_rate_12m", one.value("employment_rate_12m")),
)
one.indicators.head()"""
    ),
    md(
        """\
### Indicators for everyone

Costs are totals over the whole run (all its months), in euros. `never_reached_share` counts
persons observed 12 months or more who were never supported by a referent or a programme."""
    ),
    code(
        """\
wide = one.indicators.pivot(index="indicator", columns="public", values="value")
wide = wide.reindex(index=list(INDICATORS), columns=PUBLICS)
readable(wide[["all"]])"""
    ),
    md(
        """\
### By public

Each column is a public (persons can belong to several). Read small publics with care: the
table below says how many persons each column rests on; in a single small run a rate over a few
dozen persons moves by several points from one seed to another. For a public, `cost_total` is
the cost attributed to its members (for `all`, the whole ledger)."""
    ),
    code(
        """\
sizes = {name: int(mask.sum()) for name, mask in publics(one.model.pop).items()}
pd.DataFrame({"persons who arrived": sizes}).T[PUBLICS]"""
    ),
    code("readable(wide)"),
    md(
        """\
## 2. One person's pathway

Persons are stored as columns of NumPy arrays (`one.model.pop`); each also has a `mesa.Agent`
view, `Person`, whose attributes read (and write) one row of those arrays:
`person.status`, `person.age`, `person.obstacle_french`... The views are in
`model.agents_by_type[Person]`. We pick a person present from the start who had at least two
obstacles at entry, found a first job (a SIAE contract counts) after three months or more and
held an ordinary job at some point. Months are counted from the start of the run (month 0); `-1`
means "never"."""
    ),
    code(
        """\
def fits(p):
    \"\"\"Present from the start, 2+ obstacles at entry, a first job after 3 months or more.\"\"\"
    return p.t_entry == 0 and p.n_obstacles_at_entry >= 2 and p.t_first_job >= 3


def held_an_ordinary_job(p):
    \"\"\"Whether the person's pathway has a month in an ordinary job (not only a SIAE).\"\"\"
    return any(month["status"] == "JOB" for month in p.pathway())


person = next((p for p in people if fits(p) and held_an_ordinary_job(p)), None)
if person is None:  # a small run may have no such person: take anyone who found a job
    person = next(p for p in people if p.t_first_job >= 0)
person"""
    ),
    code(
        """\
QUALIFICATION = ["none", "cap_bep", "bac", "higher"]
attributes = {
    "row in the population arrays": person.row,
    "age": round(person.age, 1),
    "sex": Sex(person.sex).name.lower(),
    "household": Household(person.household).name.lower(),
    "children under 3": person.children_under_3,
    "benefit": Benefit(person.benefit).name.lower(),
    "refugee": person.refugee,
    "disabled (RQTH)": person.rqth,
    "homeless at entry": person.homeless_at_entry,
    "housing at the end": Housing(person.housing).name.lower(),
    "qualification at the end": QUALIFICATION[person.qualification],
    "confidence at the end (0-1)": round(person.confidence, 2),
    "wishes to work": person.wish,
    "obstacles at entry (severity 1+)": person.n_obstacles_at_entry,
    "month of entry": person.t_entry,
    "month first supported": person.t_first_support,
    "month of first job": person.t_first_job,
    "month of first durable job": person.t_first_durable,
    "months employed": person.months_employed,
    "months in a SIAE": person.months_siae,
    "breaks": person.n_breaks,
    "status at the end": Status(person.status).name.lower(),
    "phase at the end": Phase(person.phase).name.lower(),
    "cost attributed (EUR)": round(person.cost),
}
pd.DataFrame({"value": attributes}).astype(str)"""
    ),
    md(
        """\
Obstacles are severities from 0 (none) to 3. The arrays hold their value **now** (at the end of
the run): services and referents reduce them, the street worsens health; only their count at
entry is kept."""
    ),
    code(
        """\
obstacles = {name: getattr(person, f"obstacle_{name}") for name in OBSTACLES}
pd.DataFrame({"severity at the end (0-3)": obstacles}).T"""
    ),
    md(
        """\
`person.pathway()` is the person's status month by month (the model keeps every person's
history while `run.person_views` is on). Below, month by month from their entry, then the same
pathway condensed into spells."""
    ),
    code(
        """\
pathway = pd.DataFrame(person.pathway())
pathway = pathway[pathway["month"] >= person.t_entry].reset_index(drop=True)
pathway["months since entry"] = pathway["month"] - person.t_entry
with pd.option_context("display.max_columns", 70):
    display(pathway.set_index("month").T)"""
    ),
    code(
        """\
spell = (pathway["status"] != pathway["status"].shift()).cumsum()
spells = pathway.groupby(spell).agg(
    status=("status", "first"), from_month=("month", "min"), to_month=("month", "max")
)
spells["months"] = spells["to_month"] - spells["from_month"] + 1
spells.reset_index(drop=True)"""
    ),
    md(
        """\
## 3. Replications and their uncertainty

`replicate` runs the scenario `REPLICATIONS` times; replication *r* uses the child seed
`numpy.random.SeedSequence(seed).spawn(N)[r]`. It writes a results directory (here under the
temporary `OUT`; never into `results/` unless you ask) and returns its tables. `exp.summary`
gives, per indicator and public: the mean over replications, the 95% confidence interval of the
mean (Student's t, so it needs two replications or more) and the 10-90% band of the
replications. The interval says how precisely the replications pin the mean down; the band how
much one run varies. More replications shrink the interval, not the band."""
    ),
    code(
        """\
exp = replicate(
    SCENARIOS / "baseline.yaml",
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "baseline-replications",
    workers=WORKERS,
)
everyone = exp.summary[exp.summary["public"] == "all"].set_index("indicator")
pd.DataFrame(
    {
        "mean [95% CI]": {
            n: with_ci(n, r["mean"], r["ci_low"], r["ci_high"]) for n, r in everyone.iterrows()
        },
        "p10 - p90 of the replications": {
            n: f"{fmt(n, r['p10'])} - {fmt(n, r['p90'])}" for n, r in everyone.iterrows()
        },
        "replications": everyone["n"],
    }
)"""
    ),
    md(
        """\
The run directory can be read back at any time with `sim.results.load_run`: a dict of pandas
tables (indicators, summary, monthly records, ledger, costs, a sample of the entry cohort) and
the manifest (what was run, seeds, versions). The README lists every file."""
    ),
    code(
        """\
run = load_run(exp.out)
print(exp.out)
pd.DataFrame(
    {name: {"rows": len(t), "columns": t.shape[1]} for name, t in run.items() if name != "manifest"}
).T"""
    ),
]

# ----------------------------------------------------------------------------- 02 comparison
COMPARISON = [
    md(
        """\
# 02 · Linear vs iterative: what differs, for whom, and when

Two scenarios on the same territory: `scenarios/linear.yaml` (every structure practises the
linear *lever les freins* logic: diagnostic, obstacles removed first behind readiness gates,
resocialisation, project, training, then job search) and `scenarios/iterative.yaml` (every
structure practises the iterative *emploi d'abord* logic: job search, immersions and employer
mediation from the first month for whoever wishes to work, obstacles worked on in parallel,
support continued in the job).

**How to read it.** `compare` runs both scenarios on the **same seeds** (common random numbers:
every random process has its own stream, so the two runs of a replication differ only where the
policies differ). The paired difference (iterative − linear), computed replication by
replication, has a much tighter interval than the difference of two independent means. A
difference is *distinguishable from noise* when its 95% interval excludes zero. Differences of
rates are in percentage points. The notebook then breaks the difference down by public, and
shows *when* it appears (chronogram, time to first job). With `PARCOURS_NOTEBOOK_SMALL=1` the
runs are small and short (24-month indicators are `n/a`) and the intervals wide."""
    ),
    setup("02", 3),
    imports(
        """\
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

from sim.outcomes import INDICATORS
from sim.plots import chronogram, kaplan_meier
from sim.report import fmt
from sim.results import load_run
from sim.runner import compare"""
    ),
    md("## 1. Both scenarios on common seeds"),
    code(
        """\
cmp = compare(
    [SCENARIOS / "linear.yaml", SCENARIOS / "iterative.yaml"],
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "linear-vs-iterative",
    workers=WORKERS,
)
levels = cmp.summary[cmp.summary["public"] == "all"]
pd.DataFrame(
    {
        scenario: {
            r.indicator: with_ci(r.indicator, r.mean, r.ci_low, r.ci_high)
            for r in group.itertuples()
        }
        for scenario, group in levels.groupby("scenario", sort=False)
    }
).reindex(list(INDICATORS))"""
    ),
    md(
        """\
## 2. Paired differences (iterative − linear), everyone

`distinguishable` is true when the 95% interval of the paired difference excludes zero."""
    ),
    code(
        """\
diff = cmp.differences
everyone = diff[diff["public"] == "all"].set_index("indicator").reindex(list(INDICATORS))
pd.DataFrame(
    {
        "iterative − linear": {n: fmt(n, r["mean"]) for n, r in everyone.iterrows()},
        "95% CI": {
            n: f"[{fmt(n, r['ci_low'])}, {fmt(n, r['ci_high'])}]" for n, r in everyone.iterrows()
        },
        "distinguishable": everyone["distinguishable"],
    }
)"""
    ),
    code(
        """\
clear = everyone[everyone["distinguishable"].astype(bool)].index.tolist()
print(f"{len(clear)} of {everyone['mean'].notna().sum()} differences distinguishable from noise:")
print(", ".join(clear) or "none")"""
    ),
    md(
        """\
## 3. For whom? The difference by public

The paired difference in the employment rate at 12 months and in the durable employment rates,
for each public, with its 95% interval (`*`: distinguishable from noise). A public's interval is
wider when it holds fewer persons (refugees, disabled people, homeless people at entry)."""
    ),
    code(
        """\
HETEROGENEITY = [
    "employment_rate_12m",
    "durable_employment_rate_12m",
    "durable_employment_rate_24m",
]
by_public = diff[diff["indicator"].isin(HETEROGENEITY)]
cells = {
    (r.indicator, r.public): with_ci(r.indicator, r.mean, r.ci_low, r.ci_high)
    + (" *" if r.distinguishable else "")
    for r in by_public.itertuples()
}
pd.Series(cells).unstack(0).reindex(index=PUBLICS, columns=HETEROGENEITY)"""
    ),
    code(
        """\
shown = [n for n in HETEROGENEITY if by_public.loc[by_public.indicator == n, "mean"].notna().any()]
fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 4.2), sharey=True, squeeze=False)
y = np.arange(len(PUBLICS))
for ax, name in zip(axes[0], shown, strict=True):
    d = by_public[by_public.indicator == name].set_index("public").reindex(PUBLICS)
    mean, low, high = 100 * d["mean"], 100 * d["ci_low"], 100 * d["ci_high"]
    ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="none", ecolor="0.4", capsize=3)
    sure = d["distinguishable"].astype(bool).to_numpy()
    ax.plot(mean[sure], y[sure], "o", color="#0072B2", label="distinguishable")
    ax.plot(mean[~sure], y[~sure], "o", mfc="white", color="#0072B2", label="not distinguishable")
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    ax.set_title(name.replace("_", " "))
    ax.set_xlabel("iterative − linear (percentage points)")
    ax.grid(True, axis="x", color="0.9")
axes[0][0].set_yticks(y, [p.replace("_", " ") for p in PUBLICS])
axes[0][0].invert_yaxis()
handles, labels = axes[0][0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
fig.suptitle("Paired difference by public, 95% CI")
fig.tight_layout(rect=(0, 0.06, 1, 1))
show(fig)"""
    ),
    md(
        """\
## 4. When? Chronogram and time to first job

The results directory keeps a sample of each run's entry cohort (persons present at month 0) with
their status month by month. The **chronogram** stacks, for each month since entry, the shares of
the cohort in each status (first replication): compare the bands of immersion, SIAE and job at
the top with the *supported* band, where persons are followed without working (in the linear
logic, the phases before job search). The **Kaplan-Meier** curves give the
share who have had a first job (top) and a first durable job (bottom) by each month since entry,
for everyone and for three publics, with 95% bands (persons who leave the territory are
censored)."""
    ),
    code(
        """\
run = load_run(cmp.out)
cohort = run["cohort"]
show(chronogram(cohort[cohort["replication"] == 0]))"""
    ),
    code("show(kaplan_meier(cohort))"),
    md(
        """\
## Reading the result

- **No parameter encodes the answer.** The two scenarios differ only by
  `policy.practice_override` (0 or 1), which sets the probability that a person starting support
  is followed in the iterative logic. Nothing says "iterative works better": the difference comes
  from mechanisms written once for both logics, which the logic only switches on or off: the
  **readiness gates** of the linear logic (every obstacle at most `policy.readiness.max_severity`,
  confidence at least `min_confidence`, before job search), the **timing** (job search from the
  first month vs after diagnostic, obstacles, resocialisation, project and training), **in-job
  support** (iterative referents stay for `behaviour.dur_in_job_support` months, lowering the
  break rate, and restart the search after a failure), **employer mediation** (prerequisites
  asked but not needed are waived, openness rises), and the iterative entry by the wish to work,
  with PHC or TAPAJ offered to job seekers on the street or in emergency shelters. Capacities,
  employers' vacancies and SIAE selection are the same in both. See `docs/ODD.md`, sections 7.3,
  7.4, 7.6 and 7.7.
- **The baseline is not calibrated yet.** Its values marked "assumption" were set by reasoning
  against published targets, not fitted (notebook 04). The *direction* and the *mechanisms* of
  the difference are what this comparison shows; its size in points should not be quoted as an
  estimate for France.
- **Common seeds matter.** `compare(..., common_seeds=False)` gives each scenario its own seeds:
  the same differences then need many more replications to be told apart from noise."""
    ),
]

# ----------------------------------------------------------------------------- 03 funding
FUNDING = [
    md(
        """\
# 03 · Who pays what: ledger, costs, budget envelopes and allocations

Every month the model records in a **ledger** who pays what for which programme (the State, the
Département, the ESF, France Travail, others), from the dated unit costs of
`sim/parameters/funding.yaml` (the values in force at the scenario's `run.start`) and each
programme's co-financing shares (`policy.funding.cofinancing`). This notebook shows:

1. the ledger and `costs.parquet` by funder and by programme, and the costs over time;
2. the cost indicators and the **net public cost**, with the assumption behind the RSA saved;
3. a **budget envelope**: funding the ACI posts by a yearly envelope (`policy.budget`) instead of
   a fixed number of posts, given as an override;
4. an **allocation** run (`sim.runner.allocate`): one extra yearly budget split across three
   programmes on a grid, the best split, the splits that cannot be told apart from it, and the
   frontier plot.

**How to read it.** Costs are euros; totals are over the run (its `MONTHS` months) unless shown
"a year". Budgets are stated for the territory's reference size (20,000 persons) and, like every
capacity, scale with the number of persons run: in the small test size
(`PARCOURS_NOTEBOOK_SMALL=1`) an extra budget buys few places and most allocations cannot be told
apart."""
    ),
    setup("03", 2),
    imports(
        """\
import io

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, display

from sim.parameters import funding_values
from sim.plots import costs_over_time
from sim.report import fmt
from sim.results import load_run
from sim.runner import allocate, check_scenario, compare, replicate, resolve"""
    ),
    md("## 1. The ledger and the costs by funder and programme"),
    code(
        """\
exp = replicate(
    SCENARIOS / "baseline.yaml",
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "baseline-costs",
    workers=WORKERS,
)
run = load_run(exp.out)
ledger, costs = run["ledger"], run["costs"]
print(f"ledger: {len(ledger):,} rows (replication x month x programme x funder)")
ledger.head()"""
    ),
    md(
        """\
`costs.parquet` sums the ledger by replication, programme and funder. Below: the mean over
replications, **in thousand euros a year** (the run's total divided by its length in years)."""
    ),
    code(
        """\
years = MONTHS / 12
per_year = (
    costs.groupby(["programme", "funder"])["amount"].sum() / costs["replication"].nunique() / years
)
table = per_year.unstack("funder", fill_value=0.0)
table["total"] = table.sum(axis=1)
table = table.sort_values("total", ascending=False)
table.loc["total"] = table.sum()
(table / 1000).round(1)"""
    ),
    code(
        """\
by_funder = table.loc["total"].drop("total")
pd.DataFrame(
    {
        "thousand EUR a year": (by_funder / 1000).round(1),
        "share": (by_funder / by_funder.sum()).map(lambda v: f"{v:.1%}"),
    }
)"""
    ),
    code("show(costs_over_time(ledger))"),
    md(
        """\
## 2. Cost indicators and net public cost

`cost_total` is the whole ledger for everyone, and for a public the costs attributed to its
members. `cost_per_durable_job`, `cost_per_job`, `cost_per_person_supported` and
`cost_per_positive_exit` divide it by the number of persons who reached each outcome.
`net_public_cost` = `cost_total` − `rsa_saved`.

**The RSA assumption.** `rsa_saved` assumes that each month an RSA recipient is employed (an
ordinary job or a SIAE contract) saves one month of the RSA for a single person in force at
`run.start` (amount below). It overstates the saving for part-time work, where the RSA falls
rather than stops, and ignores the prime d'activité and household composition; incomes are not
modelled."""
    ),
    code(
        """\
scenario = resolve(SCENARIOS / "baseline.yaml", persons=PERSONS, months=MONTHS)
values = funding_values(scenario)
print(
    f"RSA for a single person in force on {scenario.run.start}: "
    f"{values['rsa_single_person']:.2f} EUR a month"
)
COSTS = [
    "cost_total",
    "rsa_saved",
    "net_public_cost",
    "cost_per_durable_job",
    "cost_per_job",
    "cost_per_person_supported",
    "cost_per_positive_exit",
]
SHOWN = ["all", "rsa", "homeless_at_entry", "three_plus_obstacles"]
s = exp.summary[exp.summary.indicator.isin(COSTS) & exp.summary.public.isin(SHOWN)]
cells = {
    (r.public, r.indicator): with_ci(r.indicator, r.mean, r.ci_low, r.ci_high)
    for r in s.itertuples()
}
pd.Series(cells).unstack(0).reindex(index=COSTS, columns=SHOWN)"""
    ),
    md(
        """\
## 3. A budget envelope (`policy.budget`)

Instead of a fixed number of posts, `policy.budget: {programme: {funder: EUR a year}}` funds a
programme by an envelope: its capacity is the envelope divided by the unit cost in force, rounded
down, shared between the programme's groups of structures; the euros left over are reported.
Here the ACI posts (aide au poste paid by the State) get an envelope half and one and a half
times what the baseline's posts cost, each given as an **override** of the baseline (a dotted
path and a value, as `--set` does on the command line). `check_scenario` reports what each
envelope buys at the reference size, before anything runs. Each structure's posts are then
scaled to the persons run and rounded to whole posts, so at a small size a modest change of
envelope can leave every structure with the same number of posts (and the difference exactly
zero)."""
    ),
    code(
        """\
# What the baseline's ACI posts cost a year: aide au poste x weekly hours / 35, per post.
aci = [g for g in scenario.territory.siae.values() if g.type == "aci"]
baseline_aci = sum(g.n * g.posts * values["aide_au_poste.aci"] * g.weekly_hours / 35 for g in aci)
print(
    f"baseline ACI posts: {sum(g.n * g.posts for g in aci)} posts at the reference size, "
    f"{baseline_aci:,.0f} EUR a year of aide au poste"
)

envelopes = {
    "aci_half": round(0.5 * baseline_aci, -3),
    "aci_one_and_a_half": round(1.5 * baseline_aci, -3),
}
variants = [
    resolve(
        SCENARIOS / "baseline.yaml",
        overrides={"name": name, "policy.budget": {"aide_au_poste_aci": {"state": euros}}},
    )
    for name, euros in envelopes.items()
]
pd.DataFrame([{"scenario": v.name, **check_scenario(v)[0]} for v in variants]).round(0)"""
    ),
    md(
        """\
Both envelopes are compared with the baseline on common seeds (`compare` accepts validated
scenarios as well as files), so the paired difference isolates the effect of the posts
removed or added."""
    ),
    code(
        """\
env = compare(
    [SCENARIOS / "baseline.yaml", *variants],
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "aci-envelopes",
    workers=WORKERS,
)
SHOWN_ENV = ["employment_rate_12m", "durable_employment_rate_12m", "cost_total", "net_public_cost"]
d = env.differences[(env.differences.public == "all") & env.differences.indicator.isin(SHOWN_ENV)]
cells = {
    (r.scenario, r.indicator): with_ci(r.indicator, r.mean, r.ci_low, r.ci_high)
    + (" *" if r.distinguishable else "")
    for r in d.itertuples()
}
print("difference to the baseline, 95% CI (* distinguishable from noise)")
pd.Series(cells).unstack(0).reindex(SHOWN_ENV)"""
    ),
    md(
        """\
## 4. Splitting an extra budget across programmes (`allocate`)

`allocate` adds one yearly budget to the territory (`policy.extra_budget`), split across
programmes: with `steps=2`, every split in halves (100/0/0, 50/50/0, ...: six allocations for
three programmes). Every allocation runs the same seeds. The table gives each allocation's
indicators with their intervals, for everyone and for the furthest from employment; the best
allocation for the chosen indicator (here `durable_employment_rate_12m`) is named with its
interval, and so are the allocations that cannot be told apart from it (the paired interval of
their difference to the best includes zero)."""
    ),
    code(
        """\
PROGRAMMES = ["aide_au_poste_aci", "phc", "creche"]
plan = allocate(
    SCENARIOS / "baseline.yaml",
    budget=2_000_000,
    programmes=PROGRAMMES,
    steps=2,
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "allocate",
    workers=WORKERS,
)
spec = plan.manifest["allocation"]
best = spec["best"]
allocations = load_run(plan.out)["allocations"]
name = spec["indicator"]
view = pd.DataFrame({"allocation": allocations["allocation"]})
view["shares (" + " / ".join(PROGRAMMES) + ")"] = allocations.apply(
    lambda r: " / ".join(f"{r[f'share_{p}']:.0%}" for p in PROGRAMMES), axis=1
)
view[name + " [95% CI]"] = [
    with_ci(name, r[name], r[f"{name}_ci_low"], r[f"{name}_ci_high"])
    for _, r in allocations.iterrows()
]
for public in ["homeless_at_entry", "three_plus_obstacles"]:
    view[f"{name}, {public}"] = allocations[f"{name}[{public}]"].map(lambda v: fmt(name, v))
view["cost per durable job"] = allocations["cost_per_durable_job"].map(lambda v: fmt("cost", v))
view["verdict"] = [
    "best" if a == best["best"] else "tie" if a in best["indistinguishable"] else ""
    for a in allocations["allocation"]
]
view"""
    ),
    code(
        """\
print(
    f"best allocation for {best['indicator']} ({best['public']}): #{best['best']}, "
    f"{with_ci(name, best['mean'], best['ci_low'], best['ci_high'])}"
)
ties = best["indistinguishable"]
print(f"cannot be told apart from it: {', '.join(f'#{t}' for t in ties) or 'none'}")"""
    ),
    md(
        """\
The frontier plots, for each allocation, the indicator for everyone (with its interval) against
the same indicator for people with three or more obstacles; the efficient allocations (none does
better on both axes) are joined, the best is the star. Labels are the shares, in the order of
`PROGRAMMES`."""
    ),
    code('display(Image(filename=str(plan.out / "frontier.png")))'),
    md(
        """\
**Reading the allocation.** A best allocation whose ties include most of the others means that,
at this size and with these replications, the budget's split does not change the indicator
detectably: run more replications or a larger territory before ranking allocations. The unit
costs and co-financing shares are dated parameters with their references (README, "Funding
parameters and budgets"); several are assumptions, and the baseline is not calibrated."""
    ),
]

# ----------------------------------------------------------------------------- 04 sensitivity
SENSITIVITY = [
    md(
        """\
# 04 · Calibration and sensitivity: what exists today

**Not implemented yet.** Parcours has **no calibration** (no fitting of parameters to targets,
no goodness-of-fit measure, no fitted parameter set) and **no global sensitivity analysis**
(no Sobol or Morris indices). Both are planned for a later issue. This notebook does not
pretend otherwise: it shows the tools that exist and that such work would build on.

What exists:

1. **Sweeps** (`sim.runner.sweep`): a full factorial grid over parameters named by their dotted
   path, or a Latin hypercube sample over ranges, each point run with the same replications
   (common seeds), every point validated before anything runs.
2. **The calibration targets** (C1-C16) that the baseline's assumed values were set against *by
   reasoning*, cited beside each value in `scenarios/baseline.yaml`.

Below: a grid over one policy parameter (`policy.readiness.max_severity`, the linear readiness
gate, on `scenarios/linear.yaml`), a Latin hypercube over two behaviour parameters (on the
baseline: `behaviour.p_apply` and `behaviour.employability.intercept`), a one-at-a-time style
table of how `employment_rate_12m` responds, and the list of targets cited by the baseline. With
`PARCOURS_NOTEBOOK_SMALL=1` the sweeps are small (few points, two replications): the responses
are then mostly noise."""
    ),
    setup(
        "04",
        2,
        extra="LHS_POINTS = 4 if SMALL else 12  # points of the Latin hypercube\n",
    ),
    imports(
        """\
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display
from matplotlib.ticker import PercentFormatter

from sim.report import fmt
from sim.runner import sweep
from sim.stats import mean_ci"""
    ),
    md(
        """\
## 1. A grid: the readiness gate

Under the linear logic, a referent moves a person on to job search only once every obstacle is
at most `policy.readiness.max_severity` (1 in the shipped scenarios). The grid runs
`scenarios/linear.yaml` (every structure linear, so that every supported person is gated) with
the gate at 0, 1, 2 and 3. Every point runs the same seeds, so the difference to the shipped
value is paired replication by replication."""
    ),
    code(
        """\
INDICATOR = "employment_rate_12m"
grid = sweep(
    SCENARIOS / "linear.yaml",
    sets=["policy.readiness.max_severity=0,1,2,3"],
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "sweep-readiness",
    workers=WORKERS,
)


def responses(experiment, indicator, reference):
    \"\"\"Per point: the indicator's mean and CI, and its paired difference to ``reference``.\"\"\"
    ind = experiment.indicators
    sel = ind[(ind.indicator == indicator) & (ind.public == "all")]
    wide = sel.pivot_table(index="replication", columns="point", values="value")
    rows = []
    for p in experiment.manifest["points"]:
        mean, low, high = mean_ci(wide[p["index"]].to_numpy())
        d_mean, d_low, d_high = mean_ci((wide[p["index"]] - wide[reference]).to_numpy())
        rows.append(
            {
                "point": p["index"],
                **p["values"],
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "difference": d_mean,
                "diff_low": d_low,
                "diff_high": d_high,
            }
        )
    return pd.DataFrame(rows)


gate = responses(grid, INDICATOR, reference=1)  # point 1 is max_severity = 1, the shipped value
pd.DataFrame(
    {
        "policy.readiness.max_severity": gate["policy.readiness.max_severity"],
        f"{INDICATOR} [95% CI]": [
            with_ci(INDICATOR, r.mean, r.ci_low, r.ci_high) for r in gate.itertuples()
        ],
        "paired difference to 1 [95% CI]": [
            with_ci(INDICATOR, r.difference, r.diff_low, r.diff_high) for r in gate.itertuples()
        ],
    }
)"""
    ),
    md(
        """\
## 2. A Latin hypercube: two behaviour parameters

`behaviour.p_apply` (the monthly probability of an effective application for a supported person
in job search; baseline 0.6) and `behaviour.employability.intercept` (the intercept of the
employability logit that employers' hiring draws use; baseline 1.0) are both assumptions set
against the targets C1 and C3. The hypercube spreads `LHS_POINTS` points over their ranges
(seeded from the scenario's seed), each run with the same replications."""
    ),
    code(
        """\
RANGES = {"behaviour.p_apply": (0.4, 0.8), "behaviour.employability.intercept": (0.5, 1.5)}
lhs = sweep(
    SCENARIOS / "baseline.yaml",
    lhs=LHS_POINTS,
    ranges=[f"{path}={low}:{high}" for path, (low, high) in RANGES.items()],
    replications=REPLICATIONS,
    persons=PERSONS,
    months=MONTHS,
    out=OUT / "sweep-lhs",
    workers=WORKERS,
)
points = responses(lhs, INDICATOR, reference=0)
table = points[["point", *RANGES]].round(3)
table[f"{INDICATOR} [95% CI]"] = [
    with_ci(INDICATOR, r.mean, r.ci_low, r.ci_high) for r in points.itertuples()
]
table"""
    ),
    code(
        """\
fig, axes = plt.subplots(1, len(RANGES), figsize=(4.5 * len(RANGES), 3.6), sharey=True)
for ax, path in zip(axes, RANGES, strict=True):
    err = [points["mean"] - points["ci_low"], points["ci_high"] - points["mean"]]
    ax.errorbar(points[path], points["mean"], yerr=err, fmt="o", color="#0072B2", capsize=3)
    ax.set_xlabel(path)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(True, color="0.9")
axes[0].set_ylabel(f"{INDICATOR} (mean, 95% CI)")
fig.suptitle("Latin hypercube: each point's mean over replications")
fig.tight_layout()
show(fig)"""
    ),
    md(
        """\
## 3. A one-at-a-time style table

How much `employment_rate_12m` moves across each parameter's explored range. For the gate, the
range of the grid means; for the two behaviour parameters, a least-squares plane through the
hypercube's point means, read as the change across each range with the other parameter held
fixed. This is a rough, local reading of the sweeps, not a sensitivity index: with few points
and replications the slopes are mostly noise, and interactions are ignored."""
    ),
    code(
        """\
X = np.column_stack([np.ones(len(points)), *(points[p].to_numpy(float) for p in RANGES)])
coef, *_ = np.linalg.lstsq(X, points["mean"].to_numpy(), rcond=None)
rows = [
    {
        "parameter": "policy.readiness.max_severity",
        "range explored": "0 - 3 (grid, linear.yaml)",
        "shipped value": "1",
        f"change in {INDICATOR} across the range": fmt(
            INDICATOR, gate["mean"].iloc[-1] - gate["mean"].iloc[0]
        ),
        "how": "grid means, 3 minus 0",
    }
]
shipped = {"behaviour.p_apply": 0.6, "behaviour.employability.intercept": 1.0}
for k, (path, (low, high)) in enumerate(RANGES.items(), start=1):
    rows.append(
        {
            "parameter": path,
            "range explored": f"{low} - {high} (LHS, {LHS_POINTS} points, baseline.yaml)",
            "shipped value": str(shipped[path]),
            f"change in {INDICATOR} across the range": fmt(INDICATOR, coef[k] * (high - low)),
            "how": "least-squares slope x range width",
        }
    )
pd.DataFrame(rows)"""
    ),
    md(
        """\
## 4. The calibration targets the baseline cites

`scenarios/baseline.yaml` cites, beside each value, its source: a seed file, a public statistic,
"assumption", or a calibration target id **C1-C16** from `shared/calibration-targets.md` (in the
shared folder next to this repository, `../shared/calibration-targets.md` from the repository
root). The values marked "assumption" beside C1, C2, C3, C5 or C9 were set **by reasoning**
against those targets (e.g. vacancies and openness so that yearly exits to work stay near C1's
12%), not fitted. `docs/ODD.md`, section 8 "Calibration status", lists for each target what the
model should be compared on; all are "to be measured by the calibration issue". The cell below
lists the lines of the baseline that cite a target."""
    ),
    code(
        """\
cites = []
lines = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8").splitlines()
start = next(i for i, line in enumerate(lines) if line.startswith("name:"))  # skip the header
for number, line in enumerate(lines[start:], start=start + 1):
    value, _, comment = line.partition("#")
    targets = sorted(set(re.findall(r"\\bC\\d{1,2}\\b", comment)), key=lambda c: int(c[1:]))
    if targets:
        cites.append(
            {
                "line": number,
                "targets": ", ".join(targets),
                "value": value.strip() or "(comment)",
                "comment": comment.strip(),
            }
        )
pd.DataFrame(cites)"""
    ),
    md(
        """\
**What a calibration issue would add** (not done here): computing each target's model
counterpart (e.g. C1 from the per-person histories, C3 by time out of work, C9 from shelter
occupancy), a distance between model and targets with the replication noise accounted for, a
search over the "assumption" parameters, and a global sensitivity analysis to know which
parameters the targets can identify. Until then, read every level in these notebooks as
illustrative, and prefer paired differences between scenarios to absolute levels."""
    ),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_linear_vs_iterative.ipynb": COMPARISON,
    "03_funding_allocations.ipynb": FUNDING,
    "04_calibration_and_sensitivity.ipynb": SENSITIVITY,
}


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook (without outputs) from ``(kind, source)`` cells."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source in cells:
        source = textwrap.dedent(source).strip("\n")
        nb.cells.append(new_markdown_cell(source) if kind == "markdown" else new_code_cell(source))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: regenerating gives the same file
    nbformat.validate(nb)
    return nb


def main() -> None:
    """Write every notebook next to this script."""
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
