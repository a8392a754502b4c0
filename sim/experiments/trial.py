"""``parcours trial``: a randomised controlled trial inside the simulated territory.

A trial enrols persons meeting a condition as they become eligible, until ``size`` are enrolled,
and randomises them between arms (:mod:`sim.submodels.trial`: seeded, reproducible, permuted
blocks within strata). Each arm is a YAML file that may only **add capacity groups** to the
territory, under ``territory.shelters``, ``siae``, ``employers``, ``service_groups``,
``referent_groups`` or ``mediation``: a coaching team, reserved SIAE posts, places of a service.
Each added group is renamed ``<arm>_<group>`` and reserved to the arm's persons (its
``eligible`` condition, if it has one, gets ``trial_arm: [k]`` added; without one, the condition
is ``trial_arm: [k]`` alone). A control arm is usually a file with nothing in it. Everything else
in the territory is shared, so the arms compete for the same shared places as everyone else and
the spill-overs are real: the capacity each arm holds is reported month by month, and with a
reference (the same territory and enrolment without the arms' groups, on the same seeds) the
effect of the trial on the control arm and on the persons outside the trial is measured.

**What cannot be an arm override**: a behaviour parameter (``behaviour.*``), a policy
(``policy.*``), the population, the run settings, or a change to an existing group. These apply
to the whole territory at once and would not be a trial; an arm file that sets one is refused
with the field named. To give an arm more of an existing kind of place, add a group of that kind.

Outputs (tables of the run directory, besides those of any run):

- ``trial_effects.parquet``: for each outcome and each arm against the first (the reference
  arm): the arms' means, the intention-to-treat effect (difference of means over every person
  randomised) with its confidence interval across replications, the relative risk for a yes/no
  outcome (ratio of the arms' means, interval on the log scale), the power of a real trial of the
  same size to detect the effect at ``alpha`` (``power_empirical``: the share of replications in
  which a two-sided test on that replication's persons rejects no effect; ``power_analytic``: from
  the mean effect and the outcome's variance), and the total size a real trial would need for 80%
  power; with a reference, the spill-over rows (``comparison = "spillover"``): each arm's (and the
  persons outside the trial's) outcome in the trial territory minus the same persons' in the
  reference, paired by replication (the control arm's row is the spill-over of the trial onto
  its controls); and the territory rows (``comparison = "territory"``): every indicator of the
  run, for everyone, with the trial minus without, paired by replication;
- ``trial_km.parquet``: Kaplan-Meier curves of the time to the first job after enrolment, by arm
  (censored at departure or incapacity), mean and interval across replications;
- ``trial_balance.parquet``: the arms' counts and shares at each level of each stratification
  attribute;
- ``trial_capacity.parquet``: month by month, shared and reserved SIAE posts, referents,
  waiting and employed persons held by each arm and by the persons outside the trial (mean across
  replications);
- ``trial_persons.parquet``: every enrolled person of every replication.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import yaml

from sim.experiments import store
from sim.experiments.execution import Experiment, resolve, start_experiment
from sim.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict
from sim.scenario.targeting import Condition
from sim.submodels.trial import AGE_BANDS, STRATA

ARM_SECTIONS = ("shelters", "siae", "employers", "service_groups", "referent_groups", "mediation")
"""Sections of ``territory`` an arm file may add groups to."""
BINARY = ("employed_h", "durable_h", "ever_employed_h", "ever_durable_h")
COUNTS = ("months_employed_h", "months_durable_h")
OUTCOMES = BINARY + COUNTS
"""Per-person outcomes over the horizon (see :mod:`sim.submodels.trial`)."""
DEFAULT_STRATA = ("sex", "age", "homeless", "rsa")
POWER_TARGET = 0.8
LEVELS = {"sex": ("man", "woman"), "age": AGE_BANDS}
"""Names of the levels of the stratification attributes (others: no, yes)."""


# ----------------------------------------------------------------------------- specification
def parse_condition(text: str | dict | list) -> dict:
    """The enrolment condition: a public's name, a list of publics or a condition mapping.

    ``--eligible rsa``, ``--eligible '[rsa, homeless]'`` or
    ``--eligible '{publics: [rsa], age: [25, 50]}'`` (YAML).
    """
    data = text
    if isinstance(text, str):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ScenarioError("--eligible", "eligible", f"not valid YAML: {err}") from None
    try:
        cond = Condition.model_validate(data)
    except Exception as err:  # pydantic's ValidationError: one message naming the rule
        msg = str(err).splitlines()
        raise ScenarioError("--eligible", "eligible", " ".join(msg[1:3]).strip()) from None
    if cond.trial_arm is not None:
        raise ScenarioError("--eligible", "eligible.trial_arm", "is set by the trial itself")
    return cond.model_dump(mode="json", exclude_defaults=True)


def read_arm(path: str | Path) -> tuple[str, dict]:
    """An arm file: its name (``name:`` or the file's stem) and the groups it adds."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, "", "arm file not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ScenarioError(path, "", f"not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "an arm file is a mapping (name, description, territory)")
    for key in data:
        if key not in ("name", "description", "territory"):
            raise ScenarioError(
                path,
                key,
                "an arm may only add capacity groups under territory."
                f"{{{','.join(ARM_SECTIONS)}}}; {key} would apply to the whole territory, not "
                "to the arm's persons",
            )
    name = str(data.get("name") or path.stem)
    if not name.replace("_", "").isalnum():
        raise ScenarioError(path, "name", f"letters, digits and _ only (got {name!r})")
    terr = data.get("territory") or {}
    if not isinstance(terr, dict):
        raise ScenarioError(path, "territory", "a mapping of sections")
    for section, groups in terr.items():
        if section not in ARM_SECTIONS:
            raise ScenarioError(
                path,
                f"territory.{section}",
                f"an arm may only add groups under {', '.join(ARM_SECTIONS)}; "
                f"territory.{section} would apply to the whole territory",
            )
        if not isinstance(groups, dict):
            raise ScenarioError(path, f"territory.{section}", "a mapping of named groups")
    return name, {"file": str(path), "territory": terr}


def _with_arm(eligible, k: int, file: str, where: str) -> dict:
    """A group's ``eligible`` condition restricted to the arm ``k``."""
    if eligible is None:
        return {"trial_arm": [k]}
    if isinstance(eligible, str):
        return {"publics": [eligible], "trial_arm": [k]}
    if isinstance(eligible, list):
        return {"publics": eligible, "trial_arm": [k]}
    if isinstance(eligible, dict):
        if "trial_arm" in eligible:
            raise ScenarioError(file, f"{where}.eligible.trial_arm", "is set by the trial itself")
        return {**eligible, "trial_arm": [k]}
    raise ScenarioError(file, f"{where}.eligible", "a public, a list of publics or a condition")


def trial_scenario(base: Scenario, arms: list[tuple[str, dict]]) -> Scenario:
    """The territory of ``base`` with every arm's groups added, each reserved to its arm."""
    data = scenario_to_dict(base)
    data["name"] = f"{base.name}_trial"
    for k, (name, arm) in enumerate(arms):
        for section, groups in arm["territory"].items():
            target = data["territory"].setdefault(section, {})
            for group, spec in groups.items():
                where = f"territory.{section}.{group}"
                if not isinstance(spec, dict):
                    raise ScenarioError(arm["file"], where, "a group is a mapping of its fields")
                new = f"{name}_{group}"
                if new in target:
                    raise ScenarioError(
                        arm["file"], where, f"the territory has a group {new!r} already"
                    )
                target[new] = {
                    **spec,
                    "eligible": _with_arm(spec.get("eligible"), k, arm["file"], where),
                }
        try:
            scenario_from_dict(data, arm["file"])
        except ScenarioError as err:
            raise ScenarioError(
                arm["file"], err.field.replace(f"{name}_", "", 1), err.message
            ) from None
    return scenario_from_dict(data, "<trial>")


def trial_spec(
    scenario: Scenario,
    eligible,
    arm_names: list[str],
    size: int,
    enrol_months: int,
    horizon: int | None,
    strata,
    alpha: float,
) -> dict:
    """The trial's plain-data specification (kept in the manifest), checked."""
    months = scenario.run.months
    if len(arm_names) < 2:
        raise ScenarioError("--arm", "arm", "a trial needs at least two arms (--arm twice)")
    if len(set(arm_names)) != len(arm_names):
        raise ScenarioError("--arm", "arm", f"two arms have the same name: {arm_names}")
    if size < len(arm_names):
        raise ScenarioError("--size", "size", f"at least one person per arm ({len(arm_names)})")
    if not 1 <= enrol_months < months:
        raise ScenarioError(
            "--enrol-months", "enrol_months", f"between 1 and run.months - 1 ({months - 1})"
        )
    horizon = months - enrol_months if horizon is None else horizon
    if not 1 <= horizon <= months - enrol_months:
        raise ScenarioError(
            "--horizon",
            "horizon",
            f"between 1 and run.months - enrol_months ({months - enrol_months}): every enrolled "
            "person must be followed over the whole horizon",
        )
    strata = list(DEFAULT_STRATA if strata is None else strata)
    unknown = [s for s in strata if s not in STRATA]
    if unknown:
        raise ScenarioError(
            "--strata", "strata", f"unknown {unknown}; allowed: {', '.join(STRATA)}"
        )
    if not 0 < alpha < 0.5:
        raise ScenarioError("--alpha", "alpha", "a significance level in (0, 0.5)")
    return {
        "eligible": parse_condition(eligible) if eligible is not None else None,
        "arms": list(arm_names),
        "size": int(size),
        "enrol_months": int(enrol_months),
        "horizon": int(horizon),
        "strata": strata,
        "alpha": float(alpha),
    }


def trial(
    scenario: str | Path | Scenario,
    eligible,
    arms: list[str | Path],
    size: int,
    enrol_months: int,
    horizon: int | None = None,
    replications: int = 10,
    strata=None,
    alpha: float = 0.05,
    reference: bool = True,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
    out: str | Path | None = "auto",
    execute_now: bool = True,
    burn_in: int | None = None,
    **run,
) -> Experiment | Path:
    """Run a randomised trial inside the territory of ``scenario`` (``parcours trial``).

    Args:
        scenario: the territory (a YAML path or a validated scenario).
        eligible: who may be enrolled: a public, a list of publics or a condition (YAML text or
            data, as an ``eligible:`` of a capacity group); None: everyone.
        arms: the arm files, the reference arm first.
        size: persons to enrol.
        enrol_months: months during which eligible persons are enrolled (from month 0).
        horizon: months after enrolment over which outcomes are measured [run.months -
            enrol_months].
        replications: replications (each a whole trial, with its own child seed).
        strata: stratification attributes (names of :data:`sim.submodels.trial.STRATA`).
        alpha: significance level of the power calculations.
        reference: also run the territory without the arms' groups (same enrolment, same seeds)
            to measure spill-overs.
        seed: overrides ``run.seed``.
        persons: overrides ``run.persons``.
        months: overrides ``run.months``.
        overrides: other values to set, by dotted path.
        out: the run directory (``"auto"``: ``results/<name>-<time>-s<seed>``).
        execute_now: run now; otherwise return the planned run directory.
        burn_in: overrides ``run.burn_in``.
        **run: ``workers``, ``backend``, ``scheduler``, ``progress``.
    """
    base = resolve(scenario, seed, persons, months, overrides, burn_in)
    named = [read_arm(a) for a in arms]
    spec = trial_spec(
        base, eligible, [n for n, _ in named], size, enrol_months, horizon, strata, alpha
    )
    scenarios = [trial_scenario(base, named)]
    if reference:
        data = scenario_to_dict(base)
        data["name"] = f"{base.name}_reference"
        scenarios.append(scenario_from_dict(data, "<reference>"))
    return start_experiment(
        "trial",
        scenarios,
        [{}],
        replications,
        out,
        f"{base.name}-trial",
        persons_tables=False,
        extra={"trial": spec, "arm_files": [a["file"] for _, a in named]},
        execute_now=execute_now,
        finish=trial_outputs,
        **run,
    )


# ----------------------------------------------------------------------------- statistics
def _t_quantile(df: int, level: float = 0.95) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, df))


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% interval across replications (t distribution); NaN bounds for one value."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(values.mean())
    if values.size < 2:
        return (mean, np.nan, np.nan)
    half = _t_quantile(values.size - 1) * float(values.std(ddof=1)) / math.sqrt(values.size)
    return (mean, mean - half, mean + half)


def arm_stats(persons: pd.DataFrame) -> pd.DataFrame:
    """Per replication and arm: n, and each outcome's mean and variance."""
    g = persons.groupby(["replication", "arm"], observed=True)
    parts = {"n": g.size()}
    for o in OUTCOMES:
        parts[f"{o}:mean"] = g[o].mean()
        parts[f"{o}:var"] = g[o].var(ddof=1)
    parts["left_h:mean"] = g["left_h"].mean()
    return pd.DataFrame(parts).reset_index()


def effects(persons: pd.DataFrame, arms: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """The intention-to-treat effects of every arm against the first (see the module docstring).

    Args:
        persons: the enrolled persons of every replication (columns ``replication``, ``arm`` and
            the outcomes of :data:`OUTCOMES`).
        arms: the arms' names, the reference first.
        alpha: significance level of the tests and of the power calculations.
    """
    stats = arm_stats(persons)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    z_power = NormalDist().inv_cdf(POWER_TARGET)
    ref = stats[stats["arm"] == arms[0]].set_index("replication")
    rows = []
    for arm in arms[1:]:
        mine = stats[stats["arm"] == arm].set_index("replication")
        reps = ref.index.intersection(mine.index)
        r, m = ref.loc[reps], mine.loc[reps]
        for o in OUTCOMES:
            diff = (m[f"{o}:mean"] - r[f"{o}:mean"]).to_numpy(float)
            se = np.sqrt(m[f"{o}:var"] / m["n"] + r[f"{o}:var"] / r["n"]).to_numpy(float)
            reject = np.where(se > 0, np.abs(diff) > z * np.where(se > 0, se, 1), diff != 0)
            itt, low, high = _interval(diff)
            row = {
                "comparison": "itt",
                "outcome": o,
                "arm": arm,
                "reference_arm": arms[0],
                "replications": int(len(reps)),
                "mean_reference": float(r[f"{o}:mean"].mean()),
                "mean_arm": float(m[f"{o}:mean"].mean()),
                "itt": itt,
                "itt_low": low,
                "itt_high": high,
                "n_reference": float(r["n"].mean()),
                "n_arm": float(m["n"].mean()),
                "left_reference": float(r["left_h:mean"].mean()),
                "left_arm": float(m["left_h:mean"].mean()),
            }
            if o in BINARY:
                with np.errstate(divide="ignore", invalid="ignore"):
                    log_rr = np.log(m[f"{o}:mean"].to_numpy(float) / r[f"{o}:mean"].to_numpy(float))
                lr, lr_low, lr_high = _interval(log_rr)
                row.update(rr=math.exp(lr) if np.isfinite(lr) else np.nan)
                row.update(rr_low=math.exp(lr_low) if np.isfinite(lr_low) else np.nan)
                row.update(rr_high=math.exp(lr_high) if np.isfinite(lr_high) else np.nan)
            # Power of one real trial of this size: the replications' tests, and the formula.
            var_r, var_m = float(r[f"{o}:var"].mean()), float(m[f"{o}:var"].mean())
            se_one = math.sqrt(var_m / row["n_arm"] + var_r / row["n_reference"])
            d = abs(itt) if np.isfinite(itt) else np.nan
            if se_one > 0 and np.isfinite(d):
                nd = NormalDist()
                power = nd.cdf(d / se_one - z) + nd.cdf(-d / se_one - z)
            else:
                power = np.nan
            per_arm = (z + z_power) ** 2 * (var_r + var_m) / d**2 if d and d > 0 else np.inf
            row.update(
                power_empirical=float(np.mean(reject)) if len(reject) else np.nan,
                power_analytic=power,
                n_for_80_power=float(math.ceil(per_arm) * len(arms))
                if np.isfinite(per_arm)
                else np.inf,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def ensemble_effects(persons: pd.DataFrame, arms: list[str], k: int) -> pd.DataFrame:
    """Over a posterior: each arm's ITT effect per parameter set (see :mod:`.ensemble`).

    Replication ``r`` ran parameter set ``r // k``; per arm and outcome, the interval of the set
    means, the parameters' share of the variance and whether the effect's sign holds in at least
    :data:`sim.experiments.ensemble.ROBUST_SHARE` of the sets.
    """
    from sim.experiments.ensemble import difference_row

    stats = arm_stats(persons)
    ref = stats[stats["arm"] == arms[0]].set_index("replication")
    rows = []
    for arm in arms[1:]:
        mine = stats[stats["arm"] == arm].set_index("replication")
        reps = ref.index.intersection(mine.index)
        for o in OUTCOMES:
            diff = (mine.loc[reps, f"{o}:mean"] - ref.loc[reps, f"{o}:mean"]).to_numpy(float)
            d = pd.DataFrame({"set": np.asarray(reps) // k, "value": diff})
            rows.append(
                {"arm": arm, "reference_arm": arms[0], "outcome": o, **difference_row(d, k)}
            )
    return pd.DataFrame(rows)


def spillovers(persons: pd.DataFrame, arms: list[str], trial_key: str, ref_key: str):
    """Each arm's outcomes in the trial territory minus the same persons' in the reference."""
    rows = []
    t = persons[persons["scenario"] == trial_key]
    r = persons[persons["scenario"] == ref_key]
    if t.empty or r.empty:
        return pd.DataFrame()
    keys = ["replication", "row"]
    both = t.merge(r[keys + list(OUTCOMES)], on=keys, suffixes=("", "_ref"))
    for arm in arms:
        mine = both[both["arm"] == arm]
        for o in OUTCOMES:
            diff = (mine[o] - mine[f"{o}_ref"]).groupby(mine["replication"]).mean().to_numpy()
            mean, low, high = _interval(diff)
            rows.append(
                {
                    "comparison": "spillover",
                    "outcome": o,
                    "arm": arm,
                    "reference_arm": "reference territory",
                    "replications": int(diff.size),
                    "mean_reference": float(mine[f"{o}_ref"].mean()),
                    "mean_arm": float(mine[o].mean()),
                    "itt": mean,
                    "itt_low": low,
                    "itt_high": high,
                }
            )
    return pd.DataFrame(rows)


def territory_effects(indicators: pd.DataFrame, trial_key: str, ref_key: str) -> pd.DataFrame:
    """The territory's indicators (everyone) with the trial minus without, paired by replication."""
    ind = indicators[indicators["public"] == "all"]
    wide = ind.pivot_table(
        index=["indicator", "replication"], columns="scenario", values="value", aggfunc="first"
    )
    rows = []
    for name, g in wide.groupby(level="indicator"):
        diff = (g[trial_key] - g[ref_key]).to_numpy(float)
        mean, low, high = _interval(diff)
        rows.append(
            {
                "comparison": "territory",
                "outcome": name,
                "arm": "everyone",
                "reference_arm": "reference territory",
                "replications": int(np.isfinite(diff).sum()),
                "mean_reference": float(g[ref_key].mean()),
                "mean_arm": float(g[trial_key].mean()),
                "itt": mean,
                "itt_low": low,
                "itt_high": high,
            }
        )
    return pd.DataFrame(rows)


def kaplan_meier(persons: pd.DataFrame, arms: list[str], horizon: int) -> pd.DataFrame:
    """Share still without a job, month by month after enrolment, by arm (mean and interval)."""
    rows = []
    for (rep, arm), g in persons.groupby(["replication", "arm"], observed=True):
        time = g["km_time"].to_numpy(np.int64)
        event = g["km_event"].to_numpy(bool)
        d = np.bincount(time[event], minlength=horizon + 1)[: horizon + 1]
        at_risk = np.bincount(time, minlength=horizon + 2)[::-1].cumsum()[::-1][: horizon + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(at_risk > 0, d / np.maximum(at_risk, 1), 0.0)
        q[0] = 0.0  # month 0 (enrolment) is not in the window
        surv = np.cumprod(1.0 - q)
        rows += [(rep, arm, m, surv[m]) for m in range(horizon + 1)]
    km = pd.DataFrame(rows, columns=["replication", "arm", "month", "survival"])
    out = []
    for (arm, month), g in km.groupby(["arm", "month"], observed=True):
        mean, low, high = _interval(g["survival"].to_numpy(float))
        out.append({"arm": arm, "month": month, "survival": mean, "low": low, "high": high})
    frame = pd.DataFrame(out)
    frame["arm"] = pd.Categorical(frame["arm"], categories=arms)
    return frame.sort_values(["arm", "month"]).reset_index(drop=True)


def balance(persons: pd.DataFrame, arms: list[str], strata: list[str]) -> pd.DataFrame:
    """The arms' counts and shares at each level of each stratification attribute."""
    rows = []
    for name in strata:
        counts = persons.groupby(["arm", name], observed=True).size().rename("n").reset_index()
        counts["share"] = counts["n"] / counts.groupby("arm")["n"].transform("sum")
        for _, c in counts.iterrows():
            level = LEVELS.get(name, ("no", "yes"))[int(c[name])]
            rows.append(
                {
                    "attribute": name,
                    "level": str(level),
                    "arm": c["arm"],
                    "n": int(c["n"]),
                    "share": float(c["share"]),
                }
            )
    return pd.DataFrame(rows)


def capacity(frames: pd.DataFrame) -> pd.DataFrame:
    """Month by month, the capacity held by each arm and outside the trial (replications' mean)."""
    if frames.empty:
        return frames
    long = frames.melt(
        id_vars=["scenario", "point", "replication", "month"], var_name="what", value_name="n"
    )
    long[["measure", "arm"]] = long["what"].str.split(":", n=1, expand=True)
    return (
        long.groupby(["scenario", "month", "measure", "arm"], as_index=False)["n"]
        .mean()
        .sort_values(["scenario", "measure", "arm", "month"])
    )


def trial_outputs(out: Path, manifest: dict, indicators: pd.DataFrame) -> None:
    """Write the trial's tables (the ``finish`` function of a trial run)."""
    spec = manifest["trial"]
    arms = spec["arms"]
    keys = list(manifest["scenarios"])
    persons = store.read_tasks(out, manifest["tasks"], "trial")
    trial_persons = persons[persons["scenario"] == keys[0]]
    table = effects(trial_persons, arms, spec["alpha"])
    if len(keys) > 1:
        parts = [table, spillovers(persons, arms, keys[0], keys[1])]
        parts.append(territory_effects(indicators, keys[0], keys[1]))
        table = pd.concat(parts, ignore_index=True)
    extra = {}
    if manifest.get("ensemble"):
        k = manifest["ensemble"]["seeds_per_set"]
        extra["trial_ensemble"] = ensemble_effects(trial_persons, arms, k)
    store.write_tables(
        out,
        {
            **extra,
            "trial_effects": table,
            "trial_km": kaplan_meier(trial_persons, arms, spec["horizon"]),
            "trial_balance": balance(trial_persons, arms, spec["strata"]),
            "trial_capacity": capacity(store.read_tasks(out, manifest["tasks"], "trial_capacity")),
            "trial_persons": persons,
        },
    )


def load_trial(out: str | Path) -> dict:
    """A finished trial's tables: manifest, effects, km, balance, capacity, persons, ensemble."""
    run = store.load_run(out)
    return {
        "manifest": run["manifest"],
        "effects": run.get("trial_effects"),
        "km": run.get("trial_km"),
        "balance": run.get("trial_balance"),
        "capacity": run.get("trial_capacity"),
        "persons": run.get("trial_persons"),
        "ensemble": run.get("trial_ensemble"),
    }
