"""Experiments: replications, common random numbers, sweeps, backends, the result store, resume.

Every run is small (1000-1500 persons, 13-18 months) and writes under pytest's temporary
directory. Runs shared by several tests are made once, in module-scoped fixtures.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_helpers import Done, parcours_here, parcours_many, start
from scipy.stats import t as t_dist

from sim.experiments import execution
from sim.experiments.execution import task_scenario
from sim.experiments.runner import replicate, resume, run_scenario, sweep
from sim.experiments.summaries import mean_ci, paired_differences
from sim.indicators import METADATA
from sim.outcomes import INDICATORS
from sim.scenario import ScenarioError

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
MORE_PHC = SCENARIOS / "more_phc.yaml"

SEED = 4242  # not the scenario file's seed, so that a forgotten override would show
PERSONS, MONTHS, REPLICATIONS = 1200, 18, 4
# A shorter warm start than the scenarios' 36 months keeps these runs quick (posts and places
# fill within 8 months of an empty start; tests/conftest.py).
BURN_IN = 12
RUN = {"seed": SEED, "persons": PERSONS, "months": MONTHS, "burn_in": BURN_IN}
RUN_ARGS = (
    *("--seed", str(SEED), "--persons", str(PERSONS)),
    *("--months", str(MONTHS), "--burn-in", str(BURN_IN)),
)
# The quickest meaningful command-line run: one year observed, in this process.
QUICK_ARGS = (
    *("--seed", str(SEED), "--persons", "1000", "--months", "13"),
    *("--burn-in", str(BURN_IN), "--workers", "1"),
)
TASK_KEYS = ["scenario", "point", "replication"]
ROW_KEYS = [*TASK_KEYS, "indicator", "public"]
T_975_4 = 2.7764451051977987  # Student's t, 97.5% quantile, 4 degrees of freedom


# --------------------------------------------------------------------------- helpers
def table(run_dir: Path, name: str) -> pd.DataFrame:
    path = Path(run_dir) / f"{name}.parquet"
    assert path.exists(), (
        f"no {path.name} in {run_dir}: {sorted(p.name for p in run_dir.iterdir())}"
    )
    return pd.read_parquet(path)


def sorted_table(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in (*ROW_KEYS, "month", "programme", "funder") if c in frame.columns]
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def assert_same_table(first: Path, second: Path, name: str) -> None:
    try:
        pd.testing.assert_frame_equal(
            sorted_table(table(first, name)), sorted_table(table(second, name))
        )
    except AssertionError as err:
        raise AssertionError(
            f"{name}.parquet differs between {first} and {second}:\n{err}"
        ) from None


def by_key(frame: pd.DataFrame) -> pd.Series:
    """An indicators table as values indexed by (indicator, public)."""
    return frame.set_index(["indicator", "public"])["value"].sort_index()


def assert_same_values(got: pd.Series, want: pd.Series, what: str) -> None:
    assert list(got.index) == list(want.index), (
        f"{what}: not the same (indicator, public) rows: {sorted(set(got.index) ^ set(want.index))}"
    )
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy(), err_msg=what)


def value_at(data: dict, path: str):
    node = data
    for key in path.split("."):
        assert isinstance(node, dict) and key in node, f"{path}: no {key!r} in the scenario"
        node = node[key]
    return node


def ok(done: Done) -> Done:
    assert done.returncode == 0, done.describe()
    assert "Traceback" not in done.stderr, done.describe()
    return done


def finished_tasks(run_dir: Path) -> list[str]:
    """The finished tasks of a run: the directories under tasks/ (temporary ones are hidden)."""
    tasks = run_dir / "tasks"
    if not tasks.is_dir():
        return []
    return sorted(p.name for p in tasks.iterdir() if p.is_dir() and not p.name.startswith("."))


def mtimes(run_dir: Path, task_ids: list[str]) -> dict[str, int]:
    """Modification times of the given task directories and of every file in them."""
    stamps = {}
    for task_id in task_ids:
        folder = run_dir / "tasks" / task_id
        stamps[task_id] = folder.stat().st_mtime_ns
        for file in folder.iterdir():
            stamps[f"{task_id}/{file.name}"] = file.stat().st_mtime_ns
    return stamps


def paired_difference(indicators: pd.DataFrame, indicator: str) -> pd.Series:
    """more_phc minus baseline, replication by replication, for everyone."""
    sel = indicators[(indicators["indicator"] == indicator) & (indicators["public"] == "all")]
    wide = sel.pivot(index="replication", columns="scenario", values="value")
    return wide["more_phc"] - wide["baseline"]


# --------------------------------------------------------------------------- replications
@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """Four replications of the baseline, one worker (in this process)."""
    out = tmp_path_factory.mktemp("replicate") / "w1"
    return replicate(BASELINE, REPLICATIONS, out=out, workers=1, **RUN)


def test_indicators_has_one_row_per_replication_indicator_and_public(replicated):
    ind = table(replicated.out, "indicators")
    assert list(ind.columns) == [*ROW_KEYS, "value"], list(ind.columns)
    dup = ind[ind.duplicated(ROW_KEYS, keep=False)]
    assert dup.empty, f"duplicated rows:\n{dup}"
    assert sorted(ind["replication"].unique()) == list(range(REPLICATIONS))
    assert set(ind["scenario"]) == {"baseline"} and set(ind["point"]) == {0}
    assert set(ind["indicator"]) == set(INDICATORS)
    pairs = {
        rep: set(zip(g["indicator"], g["public"], strict=True))
        for rep, g in ind.groupby("replication")
    }
    assert all(p == pairs[0] for p in pairs.values()), "replications report different rows"
    assert len(ind) == REPLICATIONS * len(pairs[0])
    assert ("employment_rate_12m", "all") in pairs[0] and len({p for _, p in pairs[0]}) > 1


def test_replications_differ_from_each_other(replicated):
    everyone = replicated.indicators[replicated.indicators["public"] == "all"]
    wide = everyone.pivot(index="indicator", columns="replication", values="value")
    for a, b in itertools.combinations(range(REPLICATIONS), 2):
        assert not np.array_equal(wide[a].to_numpy(), wide[b].to_numpy(), equal_nan=True), (
            f"replications {a} and {b} gave identical indicators:\n{wide[[a, b]]}"
        )
    seeds = [tuple(t["spawn_key"]) for t in replicated.manifest["tasks"]]
    assert len(set(seeds)) == REPLICATIONS, f"replications share seeds: {seeds}"


def test_replication_r_runs_with_the_r_th_spawned_child_seed(replicated):
    children = np.random.SeedSequence(SEED).spawn(REPLICATIONS)
    ind = replicated.indicators
    for rep in range(REPLICATIONS):
        alone = run_scenario(
            BASELINE, seed=children[rep], persons=PERSONS, months=MONTHS, burn_in=BURN_IN
        )
        mine = ind[ind["replication"] == rep].drop(columns=TASK_KEYS)
        assert_same_values(
            by_key(mine),
            by_key(alone.indicators),
            f"replication {rep} differs from run_scenario(seed=SeedSequence({SEED}).spawn("
            f"{REPLICATIONS})[{rep}])",
        )


def test_same_seed_reproduces_identical_indicators(replicated, tmp_path):
    again = replicate(BASELINE, REPLICATIONS, out=tmp_path / "again", workers=1, **RUN)
    assert_same_table(replicated.out, again.out, "indicators")
    assert_same_table(replicated.out, again.out, "summary")


def test_other_seed_gives_other_indicators(replicated, tmp_path):
    other = replicate(BASELINE, 1, out=tmp_path / "other", workers=1, **{**RUN, "seed": SEED + 1})
    first = replicated.indicators
    mine = by_key(first[first["replication"] == 0].drop(columns=TASK_KEYS))
    theirs = by_key(other.indicators.drop(columns=TASK_KEYS))
    assert not np.array_equal(mine.to_numpy(), theirs.to_numpy(), equal_nan=True), (
        f"seeds {SEED} and {SEED + 1} gave the same replication 0"
    )


def test_run_json_reports_the_summary_of_every_indicator(tmp_path):
    out = tmp_path / "json"
    done = ok(
        parcours_here(
            "run",
            BASELINE,
            "--replications",
            "3",
            *QUICK_ARGS,
            "--out",
            out,
            "--json",
            cwd=tmp_path,
        )
    )
    report = json.loads(done.stdout)
    summary = table(out, "summary")
    everyone = summary[summary["public"] == "all"].set_index("indicator")
    assert set(report["summary"]) == set(INDICATORS), sorted(report["summary"])
    for name, stats in report["summary"].items():
        for key in ("mean", "median", "p10", "p90", "ci_low", "ci_high"):
            want = everyone.loc[name, key]
            got = stats.get(key, "missing")
            assert (got is None and math.isnan(want)) or got == pytest.approx(want), (
                f"{name}.{key}: JSON {got}, summary.parquet {want}"
            )


def test_summary_aggregates_the_replications(replicated):
    ind = table(replicated.out, "indicators")
    summary = table(replicated.out, "summary")
    stats_columns = ["n", "mean", "median", "p10", "p90", "ci_low", "ci_high"]
    assert set(summary.columns) >= {*TASK_KEYS[:2], "indicator", "public", *stats_columns}
    groups = ind.groupby(["indicator", "public"])
    assert len(summary) == groups.ngroups, f"{len(summary)} summary rows for {groups.ngroups}"
    checked = 0
    for (indicator, public), g in groups:
        row = summary[(summary["indicator"] == indicator) & (summary["public"] == public)]
        assert len(row) == 1, f"{indicator}/{public}: {len(row)} summary rows"
        got = row.iloc[0]
        v = g["value"].to_numpy(dtype=float)
        v = v[~np.isnan(v)]
        if v.size < 2:
            continue
        half = t_dist.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
        # The interval is clipped to the values the indicator can take (a rate in [0, 1], a
        # cost at least 0).
        low, high = METADATA[indicator].bounds()
        want = {
            "n": v.size,
            "mean": v.mean(),
            "sd": v.std(ddof=1),
            "median": np.median(v),
            "p10": np.percentile(v, 10),
            "p90": np.percentile(v, 90),
            "ci_low": min(max(v.mean() - half, low), high),
            "ci_high": min(max(v.mean() + half, low), high),
        }
        for name, value in want.items():
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), (
                f"{indicator}/{public}: {name} = {got[name]}, expected {value} from {v}"
            )
        assert got["p10"] <= got["median"] <= got["p90"]
        checked += 1
    assert checked >= len(INDICATORS) - 2, f"only {checked} indicator groups had 2+ values"


# --------------------------------------------------------------------------- backends
@pytest.fixture(scope="module")
def dask_cluster():
    from dask.distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.mark.parametrize("backend", ["local-2-workers", "dask-cluster", "dask-started-for-the-run"])
def test_backend_gives_bit_identical_results(backend, replicated, request, tmp_path):
    if backend == "local-2-workers":
        options = {"workers": 2}
    elif backend == "dask-cluster":
        options = {"scheduler": request.getfixturevalue("dask_cluster").scheduler_address}
    else:
        options = {"backend": "dask", "workers": 2}
    exp = replicate(BASELINE, REPLICATIONS, out=tmp_path / backend, **options, **RUN)
    assert exp.manifest["status"] == "complete"
    for name in ("indicators", "summary", "monthly", "ledger"):
        assert_same_table(replicated.out, exp.out, name)


def test_cli_scheduler_option_gives_identical_results(replicated, dask_cluster, tmp_path):
    out = tmp_path / "cli-dask"
    ok(
        parcours_here(
            "run",
            BASELINE,
            "--replications",
            str(REPLICATIONS),
            *RUN_ARGS,
            "--scheduler",
            dask_cluster.scheduler_address,
            "--out",
            out,
            "--quiet",
            cwd=tmp_path,
        )
    )
    assert_same_table(replicated.out, out, "indicators")


# --------------------------------------------------------------------------- statistics
def test_mean_ci_on_a_known_case():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    sd = math.sqrt(((values - 3.0) ** 2).sum() / 4)  # sqrt(10 / 4)
    half = T_975_4 * sd / math.sqrt(5)
    mean, low, high = mean_ci(values)
    assert mean == pytest.approx(3.0, rel=1e-12)
    assert low == pytest.approx(3.0 - half, rel=1e-12), (low, 3.0 - half)
    assert high == pytest.approx(3.0 + half, rel=1e-12), (high, 3.0 + half)


def test_mean_ci_of_one_value_has_no_interval():
    mean, low, high = mean_ci(np.array([0.25]))
    assert mean == 0.25
    assert math.isnan(low) and math.isnan(high), (low, high)


def test_mean_ci_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(20261123)
    true_mean = 3.7
    samples = rng.normal(true_mean, 2.0, size=(2000, 10))
    covered = [low <= true_mean <= high for _, low, high in map(mean_ci, samples)]
    coverage = float(np.mean(covered))
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.3f} over 2000 samples of 10"


def test_paired_differences_on_a_known_case():
    base = np.array([10.0, 20.0, 35.0, 41.0, 57.0])
    rows = []
    for rep, b in enumerate(base):
        rows += [
            ("base", 0, rep, "shifted", "all", b),
            ("other", 0, rep, "shifted", "all", b + 1.0),  # exactly one more
            ("base", 0, rep, "noise", "all", b),
            ("other", 0, rep, "noise", "all", b + [-1.0, 1.0, -2.0, 2.0, 0.0][rep]),
        ]
    frame = pd.DataFrame(rows, columns=[*ROW_KEYS, "value"])
    # Pairs are matched by replication, not by row order.
    frame = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    diff = paired_differences(frame, "base").set_index("indicator")
    assert set(diff.index) == {"shifted", "noise"}, diff
    assert (diff["base"] == "base").all() and (diff["scenario"] == "other").all(), diff
    shifted = diff.loc["shifted"]
    assert shifted["n"] == 5
    assert shifted["mean"] == 1.0 and shifted["ci_low"] == 1.0 and shifted["ci_high"] == 1.0, (
        shifted
    )
    assert bool(shifted["distinguishable"]) is True
    noise = diff.loc["noise"]
    assert noise["mean"] == 0.0 and noise["ci_low"] < 0 < noise["ci_high"], noise
    assert bool(noise["distinguishable"]) is False


# --------------------------------------------------------------------------- comparisons
# Sixteen replications: the variance of eight differences is too noisy a measure (with common
# seeds the true ratio is about 0.1-0.2 here, but eight replications gave 0.54 for some seeds).
COMPARE_REPLICATIONS = 16
COMPARE_ARGS = (
    "--replications",
    str(COMPARE_REPLICATIONS),
    "--seed",
    str(SEED),
    # 1500 persons: at smaller sizes the scaled PHC places of more_phc round to zero.
    "--persons",
    "1500",
    "--months",
    "13",
    "--burn-in",
    str(BURN_IN),
    "--workers",
    "1",
    "--quiet",
)


@pytest.fixture(scope="module")
def comparisons(tmp_path_factory):
    """baseline vs more_phc on common seeds and on independent seeds, made at once."""
    base = tmp_path_factory.mktemp("compare")
    dirs = {"common": base / "common", "independent": base / "independent"}
    common, independent = parcours_many(
        ("compare", BASELINE, MORE_PHC, *COMPARE_ARGS, "--out", dirs["common"]),
        (
            "compare",
            BASELINE,
            MORE_PHC,
            *COMPARE_ARGS,
            "--independent-seeds",
            "--out",
            dirs["independent"],
        ),
        cwd=base,
    )
    return {"dirs": dirs, "common": ok(common), "independent": ok(independent)}


def test_common_seeds_at_least_halve_the_variance_of_paired_differences(comparisons):
    dirs = comparisons["dirs"]
    flags = {
        k: json.loads((d / "manifest.json").read_text())["common_seeds"] for k, d in dirs.items()
    }
    assert flags == {"common": True, "independent": False}, flags
    diffs = {
        k: paired_difference(table(d, "indicators"), "employment_rate_12m") for k, d in dirs.items()
    }
    for k, d in diffs.items():
        assert len(d) == COMPARE_REPLICATIONS and not d.isna().any(), f"{k}: {d}"
    common, independent = diffs["common"].var(ddof=1), diffs["independent"].var(ddof=1)
    assert independent > 0, f"independent seeds gave identical differences: {diffs}"
    assert common <= 0.5 * independent, (
        f"variance of the paired difference of employment_rate_12m: {common:.3g} with common "
        f"seeds vs {independent:.3g} with independent seeds (ratio {common / independent:.2f}, "
        "expected <= 0.5)"
    )


def test_compare_marks_distinguishable_differences(comparisons):
    out = comparisons["dirs"]["common"]
    diff = table(out, "differences")
    assert {"scenario", "base", "indicator", "public", "mean", "ci_low", "ci_high"} <= set(
        diff.columns
    ), list(diff.columns)
    assert "distinguishable" in diff.columns, list(diff.columns)
    excludes_zero = (diff["ci_low"] > 0) | (diff["ci_high"] < 0)
    wrong = diff[diff["distinguishable"].astype(bool) != excludes_zero]
    assert wrong.empty, f"distinguishable is not 'CI excludes 0' for:\n{wrong}"

    row = diff[
        (diff["scenario"] == "more_phc")
        & (diff["indicator"] == "cost_total")
        & (diff["public"] == "all")
    ]
    assert len(row) == 1, diff[["scenario", "indicator", "public"]]
    cost = row.iloc[0]
    assert cost["base"] == "baseline" and cost["n"] == COMPARE_REPLICATIONS, cost
    by_hand = paired_difference(table(out, "indicators"), "cost_total")
    assert cost["mean"] == pytest.approx(by_hand.mean(), rel=1e-12), (cost["mean"], by_hand)
    assert cost["mean"] > 0, f"more PHC places should cost more: {cost.to_dict()}"
    assert bool(cost["distinguishable"]), f"cost difference not distinguishable: {cost.to_dict()}"


def test_compare_output_marks_distinguishable_rows(comparisons):
    stdout = comparisons["common"].stdout
    lines = stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("more_phc vs baseline")]
    assert len(heads) == 1, stdout
    block = {
        line.split()[0]: line
        for line in lines[heads[0] + 1 :]
        if line.split() and line.split()[0] in INDICATORS
    }
    assert set(block) == set(INDICATORS), f"indicators missing: {set(INDICATORS) - set(block)}"
    diff = table(comparisons["dirs"]["common"], "differences")
    everyone = diff[diff["public"] == "all"].set_index("indicator")
    for name, line in block.items():
        marked = line.rstrip().endswith("*")
        assert marked == bool(everyone.loc[name, "distinguishable"]), (
            f"{name}: marked={marked}, distinguishable={everyone.loc[name, 'distinguishable']}\n"
            f"{line}"
        )
    assert block["cost_total"].rstrip().endswith("*"), block["cost_total"]


# --------------------------------------------------------------------------- sweeps
GRID = {"behaviour.p_apply": [0.4, 0.8], "territory.siae.ei.posts": [10, 40]}


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "grid"
    sets = [f"{path}={','.join(map(str, values))}" for path, values in GRID.items()]
    return sweep(
        BASELINE,
        sets=sets,
        replications=2,
        seed=SEED,
        persons=1000,
        months=13,
        burn_in=BURN_IN,
        out=out,
        workers=1,
    )


def test_grid_sweep_runs_every_point_and_replication(grid_sweep):
    m = json.loads((grid_sweep.out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["status"] == "complete", (m["kind"], m["status"])
    expected = [dict(zip(GRID, combo, strict=True)) for combo in itertools.product(*GRID.values())]
    got = [p["values"] for p in m["points"]]
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, expected)), got
    pairs = sorted((t["point"], t["replication"]) for t in m["tasks"])
    assert pairs == list(itertools.product(range(4), range(2))), pairs
    assert finished_tasks(grid_sweep.out) == sorted(t["id"] for t in m["tasks"])
    ind = table(grid_sweep.out, "indicators")
    assert sorted(set(zip(ind["point"], ind["replication"], strict=True))) == pairs
    summary = table(grid_sweep.out, "summary")
    assert sorted(summary["point"].unique()) == [0, 1, 2, 3]
    assert (summary[summary["public"] == "all"]["n"] <= 2).all()


def test_grid_points_have_their_values_in_the_resolved_scenario(grid_sweep):
    m = json.loads((grid_sweep.out / "manifest.json").read_text())
    for task in m["tasks"]:
        data = task_scenario(m, task)
        values = m["points"][task["point"]]["values"]
        for path, value in values.items():
            assert value_at(data, path) == value, f"task {task['id']}: {path} != {value}"
        assert data["run"]["persons"] == 1000 and data["run"]["seed"] == SEED, data["run"]
    # The values reach the model: p_apply 0.4 and 0.8 do not give the same employment.
    ind = table(grid_sweep.out, "indicators")
    low = [p["index"] for p in m["points"] if p["values"]["behaviour.p_apply"] == 0.4]
    high = [p["index"] for p in m["points"] if p["values"]["behaviour.p_apply"] == 0.8]
    sel = ind[(ind["indicator"] == "employment_rate_12m") & (ind["public"] == "all")]
    rate = sel.groupby("point")["value"].mean()
    assert rate[high].mean() > rate[low].mean(), f"employment by point:\n{rate}"


def test_points_table_lists_the_points(grid_sweep):
    m = json.loads((grid_sweep.out / "manifest.json").read_text())
    points = table(grid_sweep.out, "points").set_index("point")
    assert sorted(points.index) == [0, 1, 2, 3], points
    for p in m["points"]:
        for path, value in p["values"].items():
            cell = points.loc[p["index"], path]
            cell = yaml.safe_load(cell) if isinstance(cell, str) else cell
            assert cell == value, f"point {p['index']}: {path} = {cell!r}, expected {value!r}"


LHS_N = 5
# The integer parameter's range has half-integer bounds: its bins then end on half-integers, so
# rounding a value to an integer keeps it in its bin and the Latin hypercube property is exact.
LHS_RANGES = {
    "behaviour.p_apply": (0.3, 0.8),
    "territory.siae.ei.weekly_hours": (20.0, 30.0),
    "territory.siae.ei.posts": (9.5, 29.5),
}


@pytest.fixture(scope="module")
def lhs_sweep(tmp_path_factory):
    base = tmp_path_factory.mktemp("lhs")
    out = base / "lhs"
    ranges = [a for p, (lo, hi) in LHS_RANGES.items() for a in ("--range", f"{p}={lo}:{hi}")]
    done = parcours_here(
        "sweep",
        BASELINE,
        "--lhs",
        str(LHS_N),
        *ranges,
        "--replications",
        "1",
        *QUICK_ARGS,
        "--out",
        out,
        "--quiet",
        cwd=base,
    )
    ok(done)
    return json.loads((out / "manifest.json").read_text())


def test_lhs_values_are_within_their_ranges(lhs_sweep):
    points = [p["values"] for p in lhs_sweep["points"]]
    assert len(points) == LHS_N and len(lhs_sweep["tasks"]) == LHS_N, points
    for point in points:
        assert set(point) == set(LHS_RANGES), point
        for path, (lo, hi) in LHS_RANGES.items():
            assert lo <= point[path] <= hi, f"{path} = {point[path]} outside [{lo}, {hi}]"


def test_lhs_integer_parameters_are_ints(lhs_sweep):
    for task in lhs_sweep["tasks"]:
        point = lhs_sweep["points"][task["point"]]["values"]
        posts = point["territory.siae.ei.posts"]
        assert isinstance(posts, int) and not isinstance(posts, bool), repr(posts)
        for path in ("behaviour.p_apply", "territory.siae.ei.weekly_hours"):
            assert isinstance(point[path], float), f"{path} = {point[path]!r}"
        data = task_scenario(lhs_sweep, task)
        assert value_at(data, "territory.siae.ei.posts") == posts
        assert value_at(data, "behaviour.p_apply") == point["behaviour.p_apply"]


def test_lhs_sample_is_a_latin_hypercube(lhs_sweep):
    points = [p["values"] for p in lhs_sweep["points"]]
    for path, (lo, hi) in LHS_RANGES.items():
        values = [point[path] for point in points]
        bins = sorted(min(int((v - lo) / (hi - lo) * LHS_N), LHS_N - 1) for v in values)
        assert bins == list(range(LHS_N)), (
            f"{path}: values {sorted(values)} fall in bins {bins} of {LHS_N} over [{lo}, {hi}]"
        )


# case: (sweep arguments, the path the message must name); "invalid-range-value" samples three
# points over [0.5, 1.5], so at least one probability is above 1.
REFUSED = {
    "unknown-grid-path": (("--set", "territory.siae.ei.postz=10,20"), "territory.siae.ei.postz"),
    "invalid-grid-value": (("--set", "territory.siae.ei.posts=10,-5"), "territory.siae.ei.posts"),
    "unknown-range-path": (
        ("--lhs", "3", "--range", "behaviour.p_aply=0.1:0.9"),
        "behaviour.p_aply",
    ),
    "invalid-range-value": (
        ("--lhs", "3", "--range", "behaviour.p_apply=0.5:1.5"),
        "behaviour.p_apply",
    ),
}
EXISTING = {
    "compare": ("compare", BASELINE, MORE_PHC, "--replications", "2"),
    "sweep": ("sweep", BASELINE, "--set", "behaviour.p_apply=0.4,0.8"),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """Every refused command (in this process), each with its own (empty or existing) --out."""
    base = tmp_path_factory.mktemp("refusals")
    small = (*QUICK_ARGS, "--quiet")
    commands, outs = {}, {}
    for case, (extra, _) in REFUSED.items():
        (base / case).mkdir()
        outs[case] = base / case / "out"
        commands[case] = ("sweep", BASELINE, *extra, *small, "--out", outs[case])
    for case, args in EXISTING.items():
        key = f"existing-{case}"
        outs[key] = base / key / "existing"
        outs[key].mkdir(parents=True)
        (outs[key] / "sentinel.txt").write_text("do not touch\n")
        commands[key] = (*args, *small, "--out", outs[key])
    done = {case: parcours_here(*args, cwd=base) for case, args in commands.items()}
    return {"base": base, "outs": outs, "done": done}


@pytest.mark.parametrize("case", list(REFUSED))
def test_invalid_sweep_is_refused_before_anything_runs(refusals, case):
    done = refusals["done"][case]
    path = REFUSED[case][1]
    assert done.returncode == 2, done.describe()
    assert path in done.stderr, f"the message does not name {path}\n{done.describe()}"
    assert "Traceback" not in done.stderr, done.describe()
    assert not refusals["outs"][case].exists(), f"{refusals['outs'][case]} was created"
    assert not any((refusals["base"] / case).iterdir())
    assert not (refusals["base"] / "results").exists(), "something was written in results/"


@pytest.mark.parametrize("kind", list(EXISTING))
def test_existing_out_is_refused(refusals, kind):
    key = f"existing-{kind}"
    done, out = refusals["done"][key], refusals["outs"][key]
    assert done.returncode == 2, done.describe()
    assert str(out) in done.stderr and "exists" in done.stderr, done.describe()
    assert [p.name for p in out.iterdir()] == ["sentinel.txt"]
    assert (out / "sentinel.txt").read_text() == "do not touch\n"
    assert [p.name for p in out.parent.iterdir()] == ["existing"], "something written beside it"
    assert not (refusals["base"] / "results").exists(), "something was written in results/"


# --------------------------------------------------------------------------- interrupted runs
RESUME_REPLICATIONS = 6
RESUME_ARGS = (
    "--replications",
    str(RESUME_REPLICATIONS),
    "--workers",
    "1",
    "--persons",
    "1500",
    "--months",
    "18",
    "--quiet",
)
KILL_TIMEOUT = 120  # seconds to wait for the first task to finish
BOGUS_PARTIAL_PID = 999999


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run killed (SIGKILL) after its first task, then resumed; and the same run uninterrupted.

    Before resuming, a bogus ``.partial`` directory is left for a missing task (values x1000): it
    must not count as done nor end up in the results.
    """
    base = tmp_path_factory.mktemp("resume")
    log = tmp_path_factory.mktemp("logs") / "killed-run.log"
    killed, reference = base / "killed", base / "uninterrupted"
    with log.open("w") as stream:
        proc = start(
            "run", BASELINE, *RESUME_ARGS, "--out", killed, cwd=base, stdout=stream, stderr=stream
        )
        try:
            deadline = time.monotonic() + KILL_TIMEOUT
            while proc.poll() is None and not finished_tasks(killed):
                if time.monotonic() > deadline:
                    pytest.fail(f"no task finished within {KILL_TIMEOUT} s")
                time.sleep(0.005)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
    if proc.returncode != -signal.SIGKILL:
        pytest.fail(
            f"the run ended by itself (exit {proc.returncode}) before it could be killed:\n"
            f"{log.read_text()[-3000:]}"
        )
    manifest = json.loads((killed / "manifest.json").read_text())
    done = finished_tasks(killed)
    snapshot = {
        "returncode": proc.returncode,
        "manifest": manifest,
        "done": done,
        "top": sorted(p.name for p in killed.iterdir()),
        "mtimes": mtimes(killed, done),
    }
    missing = [t["id"] for t in manifest["tasks"] if t["id"] not in done]
    bogus = None
    if missing:
        bogus = missing[-1]
        partial = killed / "tasks" / f".{bogus}.partial-{BOGUS_PARTIAL_PID}"
        partial.mkdir()
        fake = pd.read_parquet(killed / "tasks" / done[0] / "indicators.parquet")
        fake["value"] = fake["value"] * 1000
        fake.to_parquet(partial / "indicators.parquet", index=False)
    listed_before = parcours_here("results", "list", base, cwd=base)
    shown_before = parcours_here("results", "show", killed, cwd=base)
    resumed, uninterrupted = parcours_many(
        ("resume", killed, "--workers", "1", "--quiet"),
        ("run", BASELINE, *RESUME_ARGS, "--out", reference),
        cwd=base,
    )
    listed_after = parcours_here("results", "list", base, cwd=base)
    shown_after = parcours_here("results", "show", killed, cwd=base)
    return {
        "base": base,
        "killed": killed,
        "reference": reference,
        "snapshot": snapshot,
        "bogus": bogus,
        "resumed": resumed,
        "uninterrupted": uninterrupted,
        "listed_before": listed_before,
        "shown_before": shown_before,
        "listed_after": listed_after,
        "shown_after": shown_after,
    }


def test_killed_run_is_left_incomplete(interrupted):
    snap = interrupted["snapshot"]
    m = snap["manifest"]
    assert m["status"] == "running", m["status"]
    assert 1 <= len(snap["done"]) < RESUME_REPLICATIONS, snap["done"]
    assert "summary.parquet" not in snap["top"] and "indicators.parquet" not in snap["top"], snap
    assert set(m["task_status"]) <= set(snap["done"]), (
        f"tasks recorded as done without a directory: {set(m['task_status']) - set(snap['done'])}"
    )


def test_resume_completes_the_killed_run(interrupted):
    ok(interrupted["resumed"])
    killed = interrupted["killed"]
    m = json.loads((killed / "manifest.json").read_text())
    assert m["status"] == "complete", m["status"]
    ids = sorted(t["id"] for t in m["tasks"])
    assert len(ids) == RESUME_REPLICATIONS
    assert finished_tasks(killed) == ids, f"task directories {finished_tasks(killed)} != {ids}"
    # Every task resume ran is recorded. (A task finished just before the kill but not recorded
    # yet stays unrecorded: see test_resume_records_the_status_of_every_task.)
    rerun = set(ids) - set(interrupted["snapshot"]["done"])
    assert rerun <= set(m["task_status"]), f"not recorded: {rerun - set(m['task_status'])}"
    assert all(s["status"] == "done" for s in m["task_status"].values()), m["task_status"]
    ind = table(killed, "indicators")
    dup = ind[ind.duplicated(ROW_KEYS, keep=False)]
    assert dup.empty, f"rows counted twice:\n{dup}"
    assert sorted(ind["replication"].unique()) == list(range(RESUME_REPLICATIONS))


def test_resume_does_not_rerun_finished_tasks(interrupted):
    ok(interrupted["resumed"])
    snap = interrupted["snapshot"]
    now = mtimes(interrupted["killed"], snap["done"])
    changed = {k for k in snap["mtimes"] if now.get(k) != snap["mtimes"][k]}
    assert not changed, f"finished tasks rewritten by resume: {sorted(changed)}"


def test_resumed_run_equals_the_uninterrupted_run(interrupted):
    ok(interrupted["resumed"])
    ok(interrupted["uninterrupted"])
    for name in ("indicators", "summary", "monthly", "ledger"):
        assert_same_table(interrupted["reference"], interrupted["killed"], name)


def test_partial_leftovers_do_not_count(interrupted):
    ok(interrupted["resumed"])
    ok(interrupted["uninterrupted"])
    bogus = interrupted["bogus"]
    assert bogus is not None, "every task was done when the run was killed"
    # Listed before resuming: only the finished task directories count as done.
    done = len(interrupted["snapshot"]["done"])
    listing = interrupted["listed_before"].stdout
    line = next((x for x in listing.splitlines() if x.startswith("killed ")), "")
    assert f"{done}/{RESUME_REPLICATIONS}" in line.split(), listing
    # The task was run for real: its table is the uninterrupted run's, not the leftover's.
    mine = pd.read_parquet(interrupted["killed"] / "tasks" / bogus / "indicators.parquet")
    theirs = pd.read_parquet(interrupted["reference"] / "tasks" / bogus / "indicators.parquet")
    pd.testing.assert_frame_equal(mine, theirs)


def test_results_list_shows_runs_with_kind_and_tasks_done(interrupted):
    before, after = ok(interrupted["listed_before"]), ok(interrupted["listed_after"])
    header = after.stdout.splitlines()[0].split()
    assert {"run", "kind", "tasks", "status"} <= set(header), after.stdout

    def row(done: Done, name: str) -> dict:
        lines = [x.split() for x in done.stdout.splitlines() if x.startswith(f"{name} ")]
        assert len(lines) == 1, f"{name} not listed once:\n{done.stdout}"
        return dict(zip(header, lines[0], strict=False))

    n = RESUME_REPLICATIONS
    k = len(interrupted["snapshot"]["done"])
    got = row(before, "killed")
    assert (got["kind"], got["tasks"], got["status"]) == ("run", f"{k}/{n}", "running"), (
        before.stdout
    )
    for name in ("killed", "uninterrupted"):
        got = row(after, name)
        assert (got["kind"], got["tasks"], got["status"]) == ("run", f"{n}/{n}", "complete"), (
            after.stdout
        )


def test_results_show_prints_the_summary(interrupted):
    before, after = ok(interrupted["shown_before"]), ok(interrupted["shown_after"])
    killed = interrupted["killed"]
    assert "not complete" in before.stdout and f"parcours resume {killed}" in before.stdout, (
        before.stdout
    )
    out = after.stdout
    n = RESUME_REPLICATIONS
    for text in ("kind: run", "status: complete", f"tasks: {n}/{n}"):
        assert text in out, f"{text!r} not in:\n{out}"
    lines = {x.split()[0]: x for x in out.splitlines() if x.split() and x.split()[0] in INDICATORS}
    assert set(lines) == set(INDICATORS), f"missing: {set(INDICATORS) - set(lines)}\n{out}"
    summary = table(killed, "summary")
    row = summary[(summary["indicator"] == "employment_rate_12m") & (summary["public"] == "all")]
    r = row.iloc[0]
    line = lines["employment_rate_12m"]
    for text in (
        f"{100 * r['mean']:.1f}%",  # the mean
        f"[{100 * r['ci_low']:.1f}%, {100 * r['ci_high']:.1f}%]",  # its 95% CI
        f"{100 * r['p10']:.1f}% - {100 * r['p90']:.1f}%",  # the 10-90% band
    ):
        assert text in line, f"{text!r} not in {line!r}"


def test_resume_reruns_only_a_deleted_task(tmp_path, monkeypatch):
    out = tmp_path / "run"
    first = replicate(
        BASELINE, 3, out=out, workers=1, seed=SEED, persons=1000, months=13, burn_in=BURN_IN
    )
    before = table(out, "indicators")
    ids = [t["id"] for t in first.manifest["tasks"]]
    gone, kept = ids[1], [ids[0], ids[2]]
    shutil.rmtree(out / "tasks" / gone)
    stamps = mtimes(out, kept)
    ran = []
    real_run_task = execution.run_task

    def spy(task, progress=None):
        ran.append(task["id"])
        return real_run_task(task, progress=progress)

    monkeypatch.setattr(execution, "run_task", spy)
    exp = resume(out, workers=1)
    assert ran == [gone], f"resume ran {ran}, expected only {gone}"
    assert finished_tasks(out) == sorted(ids)
    assert mtimes(out, kept) == stamps, "tasks that were done were rewritten"
    assert exp.manifest["status"] == "complete"
    pd.testing.assert_frame_equal(sorted_table(table(out, "indicators")), sorted_table(before))


def test_resume_records_the_status_of_every_task(tmp_path):
    """The state a kill leaves between a task's directory being renamed into place and the
    manifest recording it: the task is done on disk but missing from ``task_status``."""
    out = tmp_path / "run"
    replicate(BASELINE, 3, out=out, workers=1, seed=SEED, persons=1000, months=13, burn_in=BURN_IN)
    manifest = json.loads((out / "manifest.json").read_text())
    ids = [t["id"] for t in manifest["tasks"]]
    manifest["status"] = "running"
    manifest["task_status"] = {}  # ids[0] done but not recorded; ids[1:] not run
    for task_id in ids[1:]:
        shutil.rmtree(out / "tasks" / task_id)
    for table_file in out.glob("*.parquet"):
        table_file.unlink()
    (out / "manifest.json").write_text(json.dumps(manifest))

    resume(out, workers=1)

    final = json.loads((out / "manifest.json").read_text())
    assert final["status"] == "complete"
    assert set(final["task_status"]) == set(ids), (
        f"tasks done but without a status in the manifest: {set(ids) - set(final['task_status'])}"
    )


def test_task_error_in_a_worker_process_is_reported(tmp_path):
    """A task that fails validation in a worker (e.g. resumed after the schema changed).

    The error must reach the caller as what it is, naming the field, not as a broken pool.
    """
    out = tmp_path / "run"
    replicate(BASELINE, 2, out=out, workers=1, seed=SEED, persons=1000, months=13, burn_in=BURN_IN)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["scenarios"]["baseline"]["run"]["persons"] = 0  # invalid: at least 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    for task in manifest["tasks"]:
        shutil.rmtree(out / "tasks" / task["id"])
    with pytest.raises(ScenarioError, match=r"run\.persons"):
        resume(out, workers=2)
