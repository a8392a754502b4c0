"""ABC calibration: coverage of the posterior intervals, resuming, the posterior file, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_helpers import parcours
from conftest import ROOT, SCENARIOS

from sim.experiments.abc import (
    Distance,
    _derived_global_state,
    _prior,
    calibrate_abc,
    make_sampler,
    particle_seeds,
)
from sim.experiments.abc_report import identifiability_table, weighted_quantile
from sim.experiments.backends import backend_session
from sim.experiments.calibration_targets import Parameter
from sim.experiments.ensemble import read_posterior
from sim.scenario import ScenarioError

# Two parameters, three targets, on a small territory: p_break moves the yearly job losses (C2),
# p_search_alone the job entries (C1, C3).
TWO_PARAMS = """
targets:
  - {name: c1, id: C1, value: 0.12, tolerance: 0.03, statistic: rsa_job_entry_yearly,
     source: test}
  - {name: c2, id: C2, value: 0.17, tolerance: 0.05, statistic: rsa_job_loss_yearly,
     source: test}
  - {name: c3, id: C3, value: 0.067, tolerance: 0.03, statistic: quarterly_job_entry_3y_plus,
     source: test}
parameters:
  - {path: behaviour.p_break, low: 0.002, high: 0.03, start: 0.012, why: test}
  - {path: behaviour.p_search_alone, low: 0.05, high: 0.5, start: 0.25, why: test}
"""
# Months 23 and 35 are the yearly anchors of C1 and C2: 36 months is the shortest useful run.
TINY = {"persons": 400, "months": 36, "workers": 1}


@pytest.fixture
def two_params(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(TWO_PARAMS)
    return path


# ----------------------------------------------------------------------------- coverage
def _toy_interval(truth_a: float, seed: int) -> tuple[tuple[float, float], float]:
    """ABC on a stand-in model where the statistic is a + N(0, 0.05) and b has no effect.

    Runs through the same prior, distance and backend sampler as ``calibrate_abc``; returns the
    90% interval of a and the width ratio of b.
    """
    import pyabc

    params = [
        Parameter(path="a", low=0.0, high=1.0, start=0.5, why="test"),
        Parameter(path="b", low=0.0, high=1.0, start=0.5, why="test"),
    ]

    def model(par):
        return {"s": par["p0"] + np.random.normal(0, 0.05)}

    observed = {"s": truth_a + np.random.default_rng(seed).normal(0, 0.05)}
    with backend_session(1) as run:
        abc = pyabc.ABCSMC(
            model, _prior(params), Distance([("s", 0.05, 1.0)]), population_size=100,
            sampler=make_sampler(run, seed),
        )  # fmt: skip
        abc.new("sqlite://", observed)
        history = abc.run(max_nr_populations=4)
    frame, w = history.get_distribution(m=0)
    particles = pd.DataFrame({"a": frame["p0"], "b": frame["p1"], "weight": w / w.sum()})
    ident = identifiability_table(particles, params).set_index("parameter")
    w = particles["weight"].to_numpy()
    interval = (
        weighted_quantile(particles["a"], w, 0.05),
        weighted_quantile(particles["a"], w, 0.95),
    )
    return interval, float(ident.loc["b", "width_ratio"])


def test_90_percent_intervals_cover_the_truth_in_about_90_percent_of_repetitions():
    import logging

    logging.getLogger("ABC").setLevel(logging.WARNING)
    truths = np.random.default_rng(7).uniform(0.1, 0.9, size=20)
    inside, ratios = 0, []
    for i, truth in enumerate(truths):
        (low, high), ratio_b = _toy_interval(float(truth), seed=100 + i)
        inside += low <= truth <= high
        ratios.append(ratio_b)
    # 20 repetitions at 90%: 18 expected; below 15 has a probability near 1% if calibrated.
    assert 15 <= inside <= 20, f"90% intervals held the truth in {inside}/20 repetitions"
    # b has no effect on the statistic: its posterior keeps about the prior's width
    # (0.8 = the "not informed" threshold of the fit report).
    assert min(ratios) > 0.8, f"an uninformed parameter's posterior collapsed: {min(ratios):.2f}"


@pytest.mark.slow
def test_real_model_coverage_on_synthetic_truths(tmp_path, two_params):
    """The identifiability set-up: 20 truths drawn from the prior, the model's own statistics
    fitted, the truth inside the 90% interval of the identified parameters ~90% of the time."""
    rng = np.random.default_rng(11)
    hits, total = 0, 0
    for rep in range(20):
        truth = {
            "behaviour.p_break": float(rng.uniform(0.004, 0.028)),
            "behaviour.p_search_alone": float(rng.uniform(0.07, 0.48)),
        }
        post = calibrate_abc(
            SCENARIOS / "baseline.yaml", two_params, population=60, generations=4,
            truth=truth, seed=1000 + rep, persons=1500, months=36, workers=2,
            out=tmp_path / f"rep{rep}",
        )  # fmt: skip
        ident = post.identifiability.set_index("parameter")
        for path, value in truth.items():
            row = ident.loc[path]
            if row["verdict"] == "not informed":
                continue
            total += 1
            hits += row["posterior_p05"] <= value <= row["posterior_p95"]
    assert total >= 20, f"too few identified parameters to judge coverage ({total})"
    assert hits / total >= 0.75, f"coverage {hits}/{total}, expected about 90%"


# ----------------------------------------------------------------------------- real runs
def test_abc_writes_a_posterior_and_resumes_without_losing_generations(tmp_path, two_params):
    first = calibrate_abc(
        SCENARIOS / "baseline.yaml", two_params, population=6, generations=1,
        out=tmp_path / "first", **TINY,
    )  # fmt: skip
    particles, info = read_posterior(first.out / "posterior.parquet")
    assert len(particles) == 6, "one row per particle of the last generation"
    assert abs(particles["weight"].sum() - 1) < 1e-9, "weights are normalised"
    assert info["parameters"] == ["behaviour.p_break", "behaviour.p_search_alone"]
    assert info["provenance"]["method"] == "abc" and info["diagnostics"], "provenance stored"
    for p in info["priors"]:
        values = particles[p["path"]]
        assert values.between(p["low"], p["high"]).all(), f"{p['path']} outside its prior"
    calibrated = yaml.safe_load((first.out / "calibrated.yaml").read_text())
    point = calibrated["parameters"]
    assert any(all(row[k] == v for k, v in point.items()) for _, row in particles.iterrows()), (
        "the point estimate is one of the particles"
    )
    text = (first.out / "fit.md").read_text()
    assert "Identifiability" in text and "behaviour.p_break" in text
    for name in ("diagnostics.csv", "identifiability.csv", "pairs.png", "fit.png", "abc.db"):
        assert (first.out / name).exists(), f"{name} missing"

    # Continue the same database to 2 generations in all, into another run directory.
    storage = f"sqlite:///{first.out / 'abc.db'}"
    second = calibrate_abc(
        SCENARIOS / "baseline.yaml", two_params, population=6, generations=2, storage=storage,
        out=tmp_path / "second", **TINY,
    )  # fmt: skip
    d1, d2 = first.diagnostics, second.diagnostics
    assert list(d2["generation"]) == [0, 1], f"expected generations 0 and 1, got {d2}"
    for col in ("epsilon", "simulations", "ess"):
        assert d2[col].iloc[0] == d1[col].iloc[0], f"generation 0 changed on resume ({col})"

    # A database of another set-up (here another population size) is refused, nothing written.
    with pytest.raises(ScenarioError, match="another"):
        calibrate_abc(
            SCENARIOS / "baseline.yaml", two_params, population=7, generations=2,
            storage=storage, out=tmp_path / "third", **TINY,
        )  # fmt: skip
    assert not (tmp_path / "third").exists(), "a refused run writes nothing"


def test_cli_optimise_needs_trials_and_bad_drop_target_is_refused(tmp_path, two_params):
    done = parcours("calibrate", SCENARIOS / "baseline.yaml", "--out", tmp_path / "x",
                    cwd=ROOT)  # fmt: skip
    assert done.returncode == 2 and "--trials" in done.stderr, done.describe()
    assert not (tmp_path / "x").exists()
    with pytest.raises(ScenarioError, match="C99"):
        calibrate_abc(
            SCENARIOS / "baseline.yaml", two_params, drop_targets=["C99"], out=tmp_path / "y",
            **TINY,
        )  # fmt: skip
    assert not (tmp_path / "y").exists()


def test_particle_runs_are_seeded_from_the_scenario_seed_and_the_particle_not_global_state():
    first = particle_seeds(7, {"p0": 0.1, "p1": 2.0}, 2, 3)
    states = [s.generate_state(2).tolist() for s in first]
    again = [s.generate_state(2).tolist() for s in particle_seeds(7, {"p0": 0.1, "p1": 2.0}, 2, 3)]
    assert states == again, "the same particle, the same runs"
    assert len({tuple(s) for s in states}) == 3, "its replications differ"
    other = particle_seeds(7, {"p0": 0.1000001, "p1": 2.0}, 2, 3)[0].generate_state(2).tolist()
    seed = particle_seeds(8, {"p0": 0.1, "p1": 2.0}, 2, 3)[0].generate_state(2).tolist()
    assert other != states[0] and seed != states[0], "another particle or seed, other runs"


def test_the_global_state_pyabc_draws_from_is_derived_then_restored():
    before = np.random.get_state()[1].copy()
    seq = np.random.SeedSequence(5, spawn_key=(1, 2))
    with _derived_global_state(seq):
        drawn = np.random.random_sample(3)
    with _derived_global_state(seq):
        assert np.array_equal(np.random.random_sample(3), drawn), "derived from the seed"
    assert np.array_equal(np.random.get_state()[1], before), "the caller's state is restored"
