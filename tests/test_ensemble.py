"""Experiments over a posterior: draws, pairing, variance shares, robustness, command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import parcours
from conftest import ROOT, SCENARIOS

from sim.experiments import ensemble
from sim.experiments.abc_report import write_posterior
from sim.experiments.calibration_targets import Parameter
from sim.experiments.execution import task_scenario
from sim.experiments.runner import compare
from sim.experiments.store import load_run

COACHING = """
territory:
  referent_groups:
    team: {n: 1, staff: 4, caseload: 20, practice: 1.0}
"""
PARAMS = [
    Parameter(path="behaviour.p_apply", low=0.2, high=1.0, start=0.6, why="test"),
    Parameter(path="behaviour.p_break", low=0.002, high=0.03, start=0.012, why="test"),
]


@pytest.fixture
def posterior(tmp_path):
    """A hand-made posterior: three sets far apart in p_apply, the last one never drawn."""
    particles = pd.DataFrame(
        {
            "particle": [0, 1, 2],
            "weight": [0.5, 0.5, 0.0],
            "distance": [0.5, 0.6, 0.7],
            "behaviour.p_apply": [0.25, 0.95, 0.6],
            "behaviour.p_break": [0.004, 0.025, 0.012],
            "generation": [3, 3, 3],
        }
    )
    path = tmp_path / "posterior.parquet"
    write_posterior(path, particles, {"run_id": "test"}, pd.DataFrame(), PARAMS)
    return path


# ----------------------------------------------------------------------------- draws
def test_draws_are_seeded_and_follow_the_weights():
    frame = pd.DataFrame({"weight": [0.75, 0.25, 0.0], "x": [1.0, 2.0, 3.0]})
    rows, values = ensemble.draw_sets(frame, ["x"], 4000, seed=5)
    again, _ = ensemble.draw_sets(frame, ["x"], 4000, seed=5)
    assert rows == again, "the same seed draws the same sets"
    assert 2 not in rows, "a particle of weight 0 is never drawn"
    share = np.mean(np.array(rows) == 0)
    # binomial sd at n=4000, p=0.75: 0.007; 0.03 is over 4 sd
    assert abs(share - 0.75) < 0.03, f"particle 0 drawn in {share:.3f} of sets, weight 0.75"
    assert values[0] == {"x": float(frame["x"].iloc[rows[0]])}


# ----------------------------------------------------------------------------- known answers
def _indicators(values_by_rep: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for scenario, values in values_by_rep.items():
        for rep, v in enumerate(values):
            rows.append({"scenario": scenario, "point": 0, "replication": rep,
                         "indicator": "x", "public": "all", "value": v})  # fmt: skip
    return pd.DataFrame(rows)


def _manifest(k: int, scenarios=("a", "b")) -> dict:
    return {"ensemble": {"seeds_per_set": k}, "scenarios": dict.fromkeys(scenarios, {})}


def test_variance_shares_separate_parameters_from_chance():
    # Sets differ, seeds within a set do not: all the variance is the parameters'.
    only_sets = _indicators({"a": [1, 1, 2, 2, 3, 3]})
    row = ensemble.ensemble_summary(only_sets, _manifest(2, ["a"])).iloc[0]
    assert row["share_parameters"] == 1.0, row
    assert (row["low"], row["high"]) == (1.05, 2.95), "2.5-97.5% of the set means 1, 2, 3"
    # Every set has the same mean, seeds vary: none of it is the parameters'.
    only_seeds = _indicators({"a": [0, 2, 0, 2, 0, 2]})
    row = ensemble.ensemble_summary(only_seeds, _manifest(2, ["a"])).iloc[0]
    assert row["share_parameters"] == 0.0 and row["var_chance"] == 2.0, row
    # One seed per set: chance and parameters cannot be told apart.
    row = ensemble.ensemble_summary(only_sets, _manifest(1, ["a"])).iloc[0]
    assert np.isnan(row["share_parameters"]), row


def test_a_zero_difference_stays_zero_and_is_not_called_robust():
    same = _indicators({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]})
    row = ensemble.ensemble_differences(same, _manifest(2)).iloc[0]
    assert row["mean"] == 0 and row["low"] == 0 and row["high"] == 0
    assert row["share_zero"] == 1.0 and np.isnan(row["share_sign_holds"]) and not row["robust"]
    assert ensemble.robustness_text(row) == "zero in every set"


def test_a_sign_that_flips_across_sets_is_not_robust_and_a_stable_one_is():
    # b - a per set: -1, +1, +2, +3 (one set in four against the mean's sign)
    flips = _indicators({"a": [0] * 8, "b": [-1, -1, 1, 1, 2, 2, 3, 3]})
    row = ensemble.ensemble_differences(flips, _manifest(2)).iloc[0]
    assert row["share_sign_holds"] == 0.75 and not row["robust"], row
    assert "NOT robust" in ensemble.robustness_text(row)
    stable = _indicators({"a": [0] * 8, "b": [1, 1, 1, 2, 2, 2, 3, 3]})
    row = ensemble.ensemble_differences(stable, _manifest(2)).iloc[0]
    assert row["share_sign_holds"] == 1.0 and row["robust"], row
    assert ensemble.robustness_text(row) == "robust: sign holds in 100% of plausible sets"


# ----------------------------------------------------------------------------- real runs
def test_compare_over_a_posterior_pairs_sets_and_seeds(tmp_path, posterior):
    base = SCENARIOS / "baseline.yaml"
    with ensemble.over(posterior, seeds_per_set=2):
        exp = compare([base, base], replications=4, persons=300, months=24, workers=1,
                      out=tmp_path / "cmp")  # fmt: skip
    m = exp.manifest
    ens = m["ensemble"]
    assert len(ens["sets"]) == 2 and ens["seeds_per_set"] == 2
    assert 2 not in ens["particles"], "the weight-0 set is never drawn"
    for task in m["tasks"]:  # replication r of either scenario runs set r // 2
        data = task_scenario(m, task)
        expected = ens["sets"][task["replication"] // 2]["behaviour.p_apply"]
        assert data["behaviour"]["p_apply"] == expected, task["id"]
    run = load_run(exp.out)
    diffs = run["ensemble_differences"]
    defined = diffs.dropna(subset=["mean"])
    # The same scenario twice on the same set and seed: zero in every set by construction.
    assert (defined["mean"] == 0).all() and (defined["share_zero"] == 1).all()
    assert not defined["robust"].any()
    assert set(run["ensemble"]["scenario"]) == {"baseline", "baseline_2"}
    from sim.present.report import write_report

    _, md = write_report(exp.out)
    text = md.read_text()
    assert "Over the posterior" in text and "zero in every set" in text, text[-2000:]


def test_cli_ensemble_errors_exit_2_and_write_nothing(tmp_path, posterior):
    base = SCENARIOS / "baseline.yaml"
    missing = parcours("run", base, "--ensemble", tmp_path / "none.parquet", "--out",
                       tmp_path / "a", cwd=ROOT)  # fmt: skip
    assert missing.returncode == 2 and "posterior file not found" in missing.stderr, (
        missing.describe()
    )
    odd = parcours("run", base, "--ensemble", posterior, "--replications", "3", "--out",
                   tmp_path / "b", cwd=ROOT)  # fmt: skip
    assert odd.returncode == 2 and "multiple of --seeds-per-set" in odd.stderr, odd.describe()
    not_posterior = tmp_path / "x.parquet"
    pd.DataFrame({"weight": [1.0]}).to_parquet(not_posterior)
    bad = parcours("run", base, "--ensemble", not_posterior, "--out", tmp_path / "c", cwd=ROOT)
    assert bad.returncode == 2 and "not a posterior" in bad.stderr, bad.describe()
    assert not any((tmp_path / d).exists() for d in "abc"), "nothing written"


def test_cli_run_over_a_posterior_prints_and_reports_it(tmp_path, posterior):
    done = parcours("run", SCENARIOS / "baseline.yaml", "--ensemble", posterior,
                    "--replications", "4", "--persons", "300", "--months", "24",
                    "--workers", "1", "--json", "--out", tmp_path / "r", cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.describe()
    import json

    payload = json.loads(done.stdout)
    block = payload["ensemble"]
    assert block["sets"] == 2 and block["seeds_per_set"] == 2
    entry = block["indicators"]["baseline"]["employment_rate_12m"]
    assert entry["low"] <= entry["mean"] <= entry["high"], entry


def test_trial_over_a_posterior_reports_each_effect_over_the_sets(tmp_path, posterior):
    import json

    from sim.experiments.trial import load_trial

    arms = []
    for name, text in (("control", ""), ("coaching", COACHING)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        arms += ["--arm", str(path)]
    done = parcours(
        "trial", SCENARIOS / "baseline.yaml", *arms, "--size", "60", "--enrol-months", "2",
        "--persons", "500", "--months", "8", "--replications", "4", "--no-reference",
        "--workers", "1", "--ensemble", posterior, "--json", "--out", tmp_path / "t", cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.describe()
    rows = json.loads(done.stdout)["ensemble"]
    result = load_trial(tmp_path / "t")
    m = result["manifest"]
    for task in m["tasks"]:  # replication r runs set r // 2, as in a comparison
        data = task_scenario(m, task)
        expected = m["ensemble"]["sets"][task["replication"] // 2]["behaviour.p_apply"]
        assert data["behaviour"]["p_apply"] == expected, task["id"]
    itt = result["effects"].query("comparison == 'itt'").set_index("outcome")["itt"]
    assert {r["outcome"] for r in rows} == set(itt.index)
    for r in rows:
        assert r["n_sets"] == 2 and r["arm"] == "coaching"
        # Two sets of two replications each: the mean of the set means is the mean ITT effect.
        assert r["mean"] == pytest.approx(itt[r["outcome"]]), r["outcome"]
        assert r["low"] <= r["mean"] <= r["high"]
    text = parcours(
        "trial", SCENARIOS / "baseline.yaml", *arms, "--size", "60", "--enrol-months", "2",
        "--persons", "500", "--months", "8", "--replications", "4", "--no-reference",
        "--workers", "1", "--ensemble", posterior, "--out", tmp_path / "t2", cwd=ROOT,
    )  # fmt: skip
    assert "Over the posterior" in text.stdout and "plausible sets" in text.stdout, text.stdout
    from sim.present.report import write_report

    _, md = write_report(tmp_path / "t2")
    assert "Trial effects over the posterior" in md.read_text()


def test_a_posterior_of_population_values_runs_each_status_quo_on_its_set(tmp_path):
    """The status quo's burn-in of replication r takes set r, as the scenarios started from it:
    a posterior that changes the population is then no different from the status quo's."""
    param = Parameter(
        path="population.share_rsa_eligible_without_benefit", low=0.0, high=0.8, start=0.3,
        why="test",
    )  # fmt: skip
    particles = pd.DataFrame(
        {"particle": [0, 1], "weight": [0.5, 0.5], "distance": [0.1, 0.2], param.path: [0.1, 0.7]}
    )
    path = tmp_path / "posterior.parquet"
    write_posterior(path, particles, {"run_id": "test"}, pd.DataFrame(), [param])
    base = SCENARIOS / "baseline.yaml"
    with ensemble.over(path, seeds_per_set=1):
        exp = compare([base, base], replications=4, persons=300, months=13, workers=1,
                      out=tmp_path / "cmp")  # fmt: skip
    m = exp.manifest
    assert m["status_quo"], "the baseline's burn-in makes this a status-quo start"
    assert m["status"] == "complete"
    diffs = load_run(exp.out)["ensemble_differences"].dropna(subset=["mean"])
    assert (diffs["mean"] == 0).all(), "the same scenario from the same state and seed"
