"""Global sensitivity analysis (``parcours sensitivity``, sim/experiments/sensitivity.py and
sensitivity_report.py).

The pipeline (sample -> evaluate -> analyse) is first checked on the Ishigami function, whose
indices are known analytically, with a fourth input it does not depend on; then on the model,
with one parameter that has no effect by construction and one that matters; then end to end
through the command line, and through ``parcours resume``.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from cli_helpers import parcours, parcours_here
from conftest import SCENARIOS, small_scenario

from sim.experiments.sensitivity import (
    FILES,
    Param,
    analyse,
    analyse_function,
    design_points,
    parse_params,
    point_values,
    public_names,
)
from sim.experiments.sensitivity_report import write_outputs
from sim.experiments.sensitivity_run import sensitivity
from sim.scenario import ScenarioError

A, B = 7.0, 0.1
PI = np.pi
ISHIGAMI = [("x1", -PI, PI), ("x2", -PI, PI), ("x3", -PI, PI), ("dummy", -PI, PI)]


def ishigami(X: np.ndarray) -> np.ndarray:
    """f = sin x1 + a sin^2 x2 + b x3^4 sin x1 (x4, the dummy, is not used)."""
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


# Analytical variances of Ishigami with inputs uniform on [-pi, pi] (Ishigami & Homma 1990;
# Sobol' & Levitan 1999; also Saltelli et al. 2008, "Global Sensitivity Analysis: The Primer"):
#   V   = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
#   V1  = (1 + b pi^4/5)^2 / 2,   V2 = a^2/8,   V3 = 0,   V13 = 8 b^2 pi^8 / 225
#   S1 = (V1, V2, 0, 0) / V = (0.3139, 0.4424, 0, 0)
#   ST = (V1 + V13, V2, V13, 0) / V = (0.5576, 0.4424, 0.2437, 0)
V = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
V1, V2, V13 = (1 + B * PI**4 / 5) ** 2 / 2, A**2 / 8, 8 * B**2 * PI**8 / 225
S1_EXACT = np.array([V1, V2, 0.0, 0.0]) / V
ST_EXACT = np.array([V1 + V13, V2, V13, 0.0]) / V

NO_EFFECT = "policy.funding.modulation.share"  # modulation is disabled in the baseline
MATTERS = "behaviour.p_search_alone"
MODEL_PARAMS = [f"{NO_EFFECT}=0:0.1", f"{MATTERS}=0.1:0.5"]
SIZE = {"run.persons": 800, "run.months": 24, "run.check_invariants": False}


def test_analytical_values_match_the_published_ones():
    assert S1_EXACT == pytest.approx([0.3139, 0.4424, 0, 0], abs=1e-4)
    assert ST_EXACT == pytest.approx([0.5576, 0.4424, 0.2437, 0], abs=1e-4)


def test_sobol_recovers_the_ishigami_indices():
    # N = 2^13 base points, N(k + 2) = 49,152 evaluations. The estimators' error falls as
    # 1/sqrt(N) (the bootstrap treats the N base points as independent, so it gives the plain
    # Monte Carlo uncertainty, an upper bound for scrambled Sobol' points): at this N the reported
    # 95% half-widths are 0.01 to 0.03. We require the analytical value inside each reported
    # interval, and the intervals no wider than 0.04, so that the check has teeth.
    table = analyse_function(ishigami, ISHIGAMI, "sobol", samples=2**13, seed=1).set_index(
        "parameter"
    )
    names = [n for n, _, _ in ISHIGAMI]
    for i, name in enumerate(names[:3]):
        row = table.loc[name]
        for index, exact in (("S1", S1_EXACT[i]), ("ST", ST_EXACT[i])):
            assert row[f"{index}_conf"] <= 0.04, (name, index, row[f"{index}_conf"])
            assert abs(row[index] - exact) <= row[f"{index}_conf"], (name, index, row[index])
            assert row[f"{index}_low"] <= exact <= row[f"{index}_high"]
    # f does not read the dummy: its rows give exactly the same outputs, its indices are exactly 0
    dummy = table.loc["dummy"]
    assert dummy["S1"] == 0 and dummy["ST"] == 0 and dummy["ST_conf"] == 0
    assert table["negligible"].to_dict() == {"x1": False, "x2": False, "x3": False, "dummy": True}
    assert list(table.index[:3]) == ["x1", "x2", "x3"]  # ranked by ST
    assert list(table["rank"]) == [1, 2, 3, 4]


def test_morris_ranks_the_ishigami_inputs():
    # On 4 levels the inputs take -pi, -pi/3, pi/3, pi and a step spans 2/3 of the range
    # (Delta = 2/3), so the expected mu* follow from f:
    #   x2: a |sin^2| changes by 3/4 at every step:             mu* = a (3/4) / Delta = 7.875
    #   x1: |sin x1| changes by sqrt(3)/2, times 1 + b x3^4 (x3^4 = pi^4 or (pi/3)^4, half each):
    #       mu* = sqrt(3)/2 (2 + b pi^4 + b (pi/3)^4) / 2 / Delta ~ 7.704
    #   x3: b x3^4 changes by pi^4 - (pi/3)^4, times |sin x1| (0 or sqrt(3)/2, half each):
    #       mu* = b (pi^4 - (pi/3)^4) sqrt(3)/4 / Delta ~ 6.249
    # |EE| of x1 and of x3 takes two values with probability 1/2 each, so its sd is half their
    # difference, 6.25 in both cases: with r = 1000 trajectories the standard error of mu* is
    # 6.25 / sqrt(1000) = 0.20. Tolerance 0.6 = 3 standard errors; x1 and x3 are 1.45 apart,
    # about 5 standard errors of their difference, so the ranking is not down to luck.
    delta, s3 = 2 / 3, np.sqrt(3) / 2
    exact = {
        "x1": s3 * (2 + B * PI**4 + B * (PI / 3) ** 4) / 2 / delta,
        "x2": A * 0.75 / delta,
        "x3": B * (PI**4 - (PI / 3) ** 4) * s3 / 2 / delta,
        "dummy": 0.0,
    }
    table = analyse_function(ishigami, ISHIGAMI, "morris", samples=1000, seed=1)
    mu_star = table.set_index("parameter")["mu_star"]
    for name, value in exact.items():
        assert mu_star[name] == pytest.approx(value, abs=0.6), name
    assert min(mu_star["x1"], mu_star["x2"]) > mu_star["x3"] > mu_star["dummy"] == 0
    assert list(table["parameter"][:2]) in (["x1", "x2"], ["x2", "x1"])
    assert table.set_index("parameter")["negligible"].to_dict() == {
        "x1": False,
        "x2": False,
        "x3": False,
        "dummy": True,
    }


def test_function_analyses_are_reproducible():
    first = analyse_function(ishigami, ISHIGAMI, "morris", samples=20, seed=3)
    again = analyse_function(ishigami, ISHIGAMI, "morris", samples=20, seed=3)
    pd.testing.assert_frame_equal(first, again)


def test_integer_parameters_are_rounded_and_shared_points_run_once():
    scn = small_scenario(**SIZE)
    params = parse_params(["territory.shelters.emergency.places=80:120", f"{MATTERS}=0.1:0.5"], scn)
    assert [p.integer for p in params] == [True, False]
    X = np.array([[80.0, 0.1], [93.3, 0.1], [93.4, 0.1], [120.0, 0.5]])
    points, rows = design_points(params, X)
    assert rows == [0, 1, 1, 2]  # 93.3 and 93.4 both run as 93 places
    assert points[1] == {"territory.shelters.emergency.places": 93, MATTERS: 0.1}
    assert isinstance(points[1]["territory.shelters.emergency.places"], int)


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"params": [f"{MATTERS}=0.1:0.5"]}, "--param", "at least two"),
        ({"params": [f"{MATTERS}=0.5:0.1", f"{NO_EFFECT}=0:0.1"]}, MATTERS, "below HIGH"),
        ({"params": [f"{MATTERS}=a:b", f"{NO_EFFECT}=0:0.1"]}, "--param", "numbers"),
        ({"params": [f"{MATTERS}=0.1:0.5", f"{MATTERS}=0.2:0.3"]}, MATTERS, "twice"),
        ({"params": ["behaviour.p_nope=0:1", MODEL_PARAMS[1]]}, "behaviour.p_nope", "unknown"),
        ({"params": ["policy.housing_first=0:1", MODEL_PARAMS[1]]}, "policy.housing_first", ""),
        (
            {"params": ["territory.shelters.emergency.places=80.5:120", MODEL_PARAMS[1]]},
            "territory.shelters.emergency.places",
            "whole",
        ),
        ({"params": [f"{MATTERS}=0.1:1.5", MODEL_PARAMS[0]]}, MATTERS, ""),  # a probability > 1
        ({"method": "fast"}, "--method", "morris, sobol"),
        ({"method": "sobol", "samples": 48}, "--samples", "power of 2"),
        ({"indicator": "happiness"}, "--indicator", "employment_rate_12m"),
        ({"public": "martians"}, "--public", "homeless_at_entry"),
        ({"indicator": "employment_rate_24m"}, "--indicator", "more than 24 months"),
    ],
)
def test_bad_input_is_refused_before_anything_runs(tmp_path, kwargs, field, words):
    out = tmp_path / "never"
    args = {"method": "morris", "params": MODEL_PARAMS, "samples": 2, **kwargs}
    with pytest.raises(ScenarioError) as err:
        sensitivity(small_scenario(**SIZE), out=out, workers=1, **args)
    assert err.value.field == field
    assert words in str(err.value)
    assert not out.exists()


def test_public_names_are_those_of_the_indicators(baseline_run):
    assert set(public_names()) == set(baseline_run.indicators()["public"])


# ----------------------------------------------------------------------------- on the model
@pytest.fixture(scope="module")
def morris_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sensitivity") / "morris"
    result = sensitivity(
        small_scenario(**SIZE),
        "morris",
        MODEL_PARAMS,
        samples=4,
        replications=2,
        out=out,
        workers=1,
    )
    return result


def test_model_pipeline_finds_the_parameter_without_effect(morris_run):
    result = morris_run
    for name in FILES:
        assert (result.out / name).stat().st_size > 0, name
    assert not list(result.out.glob(".*tmp*"))  # written atomically: no leftovers
    table = result.indices.set_index("parameter")
    # Common random numbers: moving a parameter the model never reads changes nothing at all.
    assert table.loc[NO_EFFECT, ["mu", "mu_star", "mu_star_conf", "sigma"]].tolist() == [0] * 4
    assert table.loc[MATTERS, "mu_star"] > 0
    assert result.negligible == [NO_EFFECT]
    assert list(result.indices["parameter"]) == [MATTERS, NO_EFFECT]
    # the file is the analysis of the stored runs: recompute it from indicators.parquet
    spec = result.manifest["sensitivity"]
    Y, _, _ = point_values(result.manifest, pd.read_parquet(result.out / "indicators.parquet"))
    params = [Param(p["path"], p["low"], p["high"], p["integer"]) for p in spec["params"]]
    again = analyse(params, "morris", np.asarray(spec["sample"]), Y, spec["seed"])
    pd.testing.assert_frame_equal(result.indices, again, check_exact=False, rtol=1e-12)

    m = result.manifest
    assert m["kind"] == "sensitivity" and m["status"] == "complete"
    assert spec["method"] == "morris" and spec["indicator"] == "employment_rate_12m"
    assert [p["path"] for p in spec["params"]] == [NO_EFFECT, MATTERS]
    assert np.asarray(spec["sample"]).shape == (4 * 3, 2)  # r (k + 1) rows
    assert len(spec["rows"]) == 12 and max(spec["rows"]) == len(m["points"]) - 1
    assert len(m["tasks"]) == 2 * len(m["points"])
    assert spec["result"]["negligible"] == [NO_EFFECT]
    assert spec["result"]["noise_sd"] > 0

    text = (result.out / "sensitivity.md").read_text()
    assert "Morris" in text and f"`{NO_EFFECT}`" in text and "Replication noise" in text
    assert f"{spec['result']['noise_sd']:.4g}" in text
    assert "{" not in text and "n/a" not in text


def test_resume_completes_an_interrupted_sensitivity_run(morris_run, tmp_path):
    copy = tmp_path / "interrupted"
    shutil.copytree(morris_run.out, copy)
    for name in [*FILES, "indicators.parquet", "summary.parquet"]:
        (copy / name).unlink()
    shutil.rmtree(copy / "tasks" / morris_run.manifest["tasks"][-1]["id"])
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["status"] = "running"
    del manifest["sensitivity"]["result"]
    (copy / "manifest.json").write_text(json.dumps(manifest))

    done = parcours_here("resume", copy, "--workers", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    assert f"negligible (mu_star + mu_star_conf <= 0.1 x the largest mu_star): {NO_EFFECT}" in (
        done.stdout
    )
    again, before = (copy / "sensitivity.csv").read_text(), morris_run.out / "sensitivity.csv"
    assert again == before.read_text()
    assert json.loads((copy / "manifest.json").read_text())["status"] == "complete"


def test_command_line_end_to_end(tmp_path):
    done = parcours(
        "sensitivity",
        SCENARIOS / "baseline.yaml",
        "--method",
        "sobol",
        "--samples",
        "2",
        "--param",
        MODEL_PARAMS[0],
        "--param",
        MODEL_PARAMS[1],
        "--replications",
        "1",
        "--persons",
        "800",
        "--months",
        "24",
        "--workers",
        "1",
        "--out",
        "out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    for name in FILES:
        assert (tmp_path / "out" / name).exists(), name
        assert f"out/{name}" in done.stdout
    assert "S1" in done.stdout and "ST" in done.stdout
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv").set_index("parameter")
    assert table.loc[NO_EFFECT, "ST"] == 0 and table.loc[NO_EFFECT, "S1"] == 0
    assert table.loc[NO_EFFECT, "negligible"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(manifest["sensitivity"]["sample"]) == 2 * (2 + 2)  # N (k + 2) rows


def test_command_line_refuses_an_unknown_parameter(tmp_path):
    done = parcours_here(
        "sensitivity",
        SCENARIOS / "baseline.yaml",
        "--param",
        "behaviour.p_search_alone_typo=0.1:0.5",
        "--param",
        MODEL_PARAMS[0],
        "--out",
        "out",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.describe()
    assert "behaviour.p_search_alone_typo" in done.stderr
    assert "unknown parameter path" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_param_dataclass_rounds_integers_only():
    assert Param("a", 0, 10, integer=True).value(3.5) == 4
    assert Param("a", 0, 1).value(0.35) == 0.35


def test_an_undefined_indicator_is_reported_not_analysed(morris_run, tmp_path):
    indicators = pd.read_parquet(morris_run.out / "indicators.parquet")
    chosen = (indicators.indicator == "employment_rate_12m") & (indicators.public == "all")
    indicators.loc[chosen & (indicators.point == 0), "value"] = np.nan
    with pytest.raises(ScenarioError) as err:
        write_outputs(tmp_path, morris_run.manifest, indicators)
    assert err.value.field == "--indicator" and "undefined (NaN) at 1 of" in str(err.value)
    assert list(tmp_path.iterdir()) == []
