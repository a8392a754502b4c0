"""What the outputs say: units from the indicators' metadata, bounded intervals, the CLI's tables.

Expected values are reasoned here: the units follow from what each indicator measures, and the
intervals are computed by hand from Student's t.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from cli_helpers import parcours_here, parcours_many
from conftest import SCENARIOS
from scipy import stats

from sim.events import EVENT_INDICATORS
from sim.experiments.summaries import (
    paired_differences,
    replications_needed,
    summarise,
    t_quantile,
)
from sim.indicators import (
    KINDS,
    METADATA,
    STATE_DEFINITIONS,
    format_difference,
    format_interval,
    format_value,
)
from sim.outcomes import INDICATORS
from sim.states import Status

EUR = [n for n, m in METADATA.items() if m.kind == "eur"]
RATES = [n for n, m in METADATA.items() if m.kind == "rate"]


# ----------------------------------------------------------------------------- the metadata
def test_every_indicator_the_model_computes_has_a_unit_and_a_definition(baseline_run):
    # A run without its events table computes all but the indicators from events (test_events
    # checks that a run with them computes every described indicator).
    computed = set(baseline_run.indicators()["indicator"])
    expected = set(METADATA) - set(EVENT_INDICATORS)
    assert computed == expected, (
        f"without metadata: {computed - expected}; described but not computed: "
        f"{expected - computed}"
    )
    for name, meta in METADATA.items():
        assert meta.name == name
        assert meta.kind in KINDS, f"{name}: kind {meta.kind!r} not in {KINDS}"
        assert meta.unit, f"{name}: no unit"
        assert len(meta.definition) > 40 and meta.definition.endswith("."), (
            f"{name}: the definition must be a sentence: {meta.definition!r}"
        )
        assert meta.label, f"{name}: no label"
    for name in RATES:
        assert METADATA[name].bounds() == (0.0, 1.0), f"{name}: a rate lies in [0, 1]"
    for name in ("cost_total", "cost_per_year", "rsa_saved", "net_public_cost"):
        assert METADATA[name].kind == "eur", f"{name} is in euros"
    assert METADATA["net_public_cost"].lower is None, "a net cost may be negative"
    assert METADATA["cost_total"].lower == 0.0, "a cost is never negative"


def test_cost_per_year_is_the_cost_of_the_run_over_its_years(baseline_run):
    ind = baseline_run.indicators().set_index(["indicator", "public"])["value"]
    years = baseline_run.spec.run.months / 12  # 24 months: 2 years
    for public in ("all", "rsa"):
        assert ind["cost_per_year", public] == pytest.approx(ind["cost_total", public] / years)


def test_every_state_of_the_pathway_plots_is_defined():
    shown = {s.name.lower() for s in Status if s is not Status.NOT_ARRIVED}
    assert set(STATE_DEFINITIONS) == shown, set(STATE_DEFINITIONS) ^ shown


def test_values_print_in_their_units():
    # The example: rsa_saved printed "9353519085.0%" for 93.5 million euros.
    assert format_value("rsa_saved", 93_535_190.85) == "93,535,191 EUR"
    assert format_value("net_public_cost", -1234.4) == "-1,234 EUR"
    assert format_value("employment_rate_12m", 0.4567) == "45.7%"
    assert format_value("median_months_to_first_job", 7.5) == "7.5 months"
    assert format_value("cost_per_year", float("nan")) == "n/a"
    # A difference of two rates is in percentage points, signed.
    assert format_difference("employment_rate_12m", 0.032) == "+3.2 pts"
    assert format_difference("never_reached_share", -0.005) == "-0.5 pts"
    assert format_difference("cost_total", 1500.0) == "+1,500 EUR"
    assert format_interval("employment_rate_12m", -0.01, 0.02, difference=True) == "[-1.0, +2.0]"
    for name in EUR:
        assert "%" not in format_value(name, 1e6) + format_difference(name, 1e6), name


# ----------------------------------------------------------------------------- intervals
def _one(name: str, values, scenario="a") -> pd.Series:
    frame = pd.DataFrame(
        {
            "scenario": scenario,
            "point": 0,
            "replication": range(len(values)),
            "indicator": name,
            "public": "all",
            "value": values,
        }
    )
    return summarise(frame).iloc[0]


def test_a_rate_interval_never_leaves_zero_to_one():
    # Two replications of a rate, 0 and 15.4%: mean 7.7%, sd 0.1089, t(0.975, 1) = 12.706,
    # half-width 12.706 * 0.1089 / sqrt(2) = 0.978: Student's interval [-90%, 106%] is clipped.
    r = _one("housing_access_rate_24m", [0.0, 0.154])
    half = stats.t.ppf(0.975, 1) * np.std([0.0, 0.154], ddof=1) / math.sqrt(2)
    assert half == pytest.approx(0.9784, abs=1e-3)
    assert (r["ci_low"], r["ci_high"]) == (0.0, 1.0)
    assert r["mean"] == pytest.approx(0.077)
    # Near 1: 95%, 100%, 99%: mean 98%, half-width t(2) * 0.0265 / sqrt(3) = 0.0657.
    r = _one("employment_rate_12m", [0.95, 1.0, 0.99])
    assert r["ci_low"] == pytest.approx(0.98 - 0.0657, abs=1e-3)
    assert r["ci_high"] == 1.0


def test_a_cost_interval_never_goes_below_zero_but_a_net_cost_may():
    values = [124_242.16, 472_409.63, 127_016.28]  # mean 241,223; half-width 497,371
    r = _one("cost_per_durable_job", values)
    assert r["ci_low"] == 0.0
    assert r["ci_high"] == pytest.approx(241_222.69 + 497_370.49, rel=1e-6)
    r = _one("net_public_cost", [-100.0, 50.0])
    assert r["ci_low"] < -100.0, "a net cost's interval is not clipped at zero"


def test_differences_are_not_clipped():
    frame = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "point": 0,
            "replication": [0, 1, 0, 1],
            "indicator": "employment_rate_12m",
            "public": "all",
            "value": [0.5, 0.5, 0.4, 0.6],
        }
    )
    d = paired_differences(frame, "a").iloc[0]
    # Differences -0.1 and +0.1: half-width 12.706 * 0.1414 / sqrt(2) = 1.27 on each side.
    assert d["ci_low"] == pytest.approx(-1.2706, abs=1e-3)
    assert d["ci_high"] == pytest.approx(1.2706, abs=1e-3)


def test_replications_needed_for_a_stated_half_width():
    # sd 1, half-width 1: t(0.975, 5) / sqrt(6) = 2.571 / 2.449 = 1.05 is too wide,
    # t(0.975, 6) / sqrt(7) = 2.447 / 2.646 = 0.925 is not: 7 replications.
    assert replications_needed(1.0, 1.0) == 7
    assert replications_needed(0.0, 0.01) == 1, "no spread: one replication says it all"
    n = replications_needed(0.1, 0.01)  # about (1.96 * 10)^2 = 384, a little more with t
    t = stats.t.ppf
    assert 0.1 * t(0.975, n - 1) / math.sqrt(n) <= 0.01 < 0.1 * t(0.975, n - 2) / math.sqrt(n - 1)
    assert 384 < n < 392, n
    with pytest.raises(ValueError, match="positive"):
        replications_needed(1.0, 0.0)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 10, 29, 30, 99, 100, 383, 384, 1000, 25_000])
def test_t_quantile_is_students(df):
    # The closed forms (1 and 2 degrees of freedom) and Newton's method on the exact series
    # (odd and even df) agree with scipy's t quantile; the function exists so that the warnings
    # of `parcours results show` need no scipy.
    for p in (0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995):
        expected = stats.t.ppf(p, df)
        assert t_quantile(p, df) == pytest.approx(expected, rel=1e-9, abs=1e-12), (df, p)


def test_replications_needed_is_the_smallest_n_by_students_t():
    # The definition, checked with scipy's t over spreads from 0.1 to 5 half-widths: n is the
    # first count whose interval is narrow enough, and n - 1 is not.
    t = stats.t.ppf
    for sd in np.linspace(0.001, 0.05, 25):
        for confidence in (0.9, 0.95, 0.99):
            n = replications_needed(sd, 0.01, confidence)
            q = 0.5 + confidence / 2
            assert sd * t(q, n - 1) / math.sqrt(n) <= 0.01, (sd, confidence, n)
            if n > 2:
                assert sd * t(q, n - 2) / math.sqrt(n - 1) > 0.01, (sd, confidence, n)


# ----------------------------------------------------------------------------- the command line
@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("outputs")
    small = ["--persons", "700", "--months", "13", "--replications", "2", "--workers", "1"]
    baseline, more_phc = SCENARIOS / "baseline.yaml", SCENARIOS / "more_phc.yaml"
    run, compare, as_json = parcours_many(
        ("run", baseline, *small, "--out", base / "run"),
        ("compare", baseline, more_phc, *small, "--by-public", "--out", base / "compare"),
        ("compare", baseline, more_phc, *small, "--json", "--out", base / "json"),
        cwd=base,
    )
    for done in (run, compare, as_json):
        assert done.returncode == 0, done.describe()
    return {"run": run, "compare": compare, "json": as_json, "base": base}


def _rows(text: str, name: str) -> list[list[str]]:
    """The table rows of ``name`` in ``text``, split into cells (two spaces or more apart).

    A table row has several cells; a sentence that starts with the name (a warning) has one.
    """
    rows = [
        re.split(r"\s{2,}", line.strip())
        for line in text.splitlines()
        if line.split() and line.split()[0] == name
    ]
    return [cells for cells in rows if len(cells) >= 3]


def test_cli_prints_euros_in_eur_and_never_as_percentages(cli_runs):
    for kind in ("run", "compare"):
        out = cli_runs[kind].stdout
        for name in EUR:
            rows = _rows(out, name)
            assert rows, f"{kind}: no line for {name}:\n{out}"
            for cells in rows:
                line = "  ".join(cells)
                assert "%" not in line, f"{kind}: {name} printed with %: {line}"
                assert "EUR" in cells, f"{kind}: {name} without its unit EUR: {line}"


def test_cli_prints_rate_differences_in_percentage_points(cli_runs):
    out = cli_runs["compare"].stdout
    diffs = pd.read_parquet(cli_runs["base"] / "compare" / "differences.parquet")
    for name in [n for n in RATES if n not in EVENT_INDICATORS]:  # a comparison keeps no events
        rows = [c for c in _rows(out, name) if "pts" in c]
        # A difference resting on one replication (a public present in one of them) has no
        # interval: its cell is empty, as many times as the differences table has n = 1.
        one = int(((diffs["indicator"] == name) & (diffs["n"] == 1)).sum())
        assert sum(len(c) == 6 and c[5] != "n/a" for c in rows) == one, f"{name}:\n{out}"
        # One difference row per public with --by-public: everyone and each public of
        # sim.outcomes.publics (ten: young, young_under_30, senior, women, single_parents,
        # refugees, disabled, homeless_at_entry, rsa, three_plus_obstacles).
        assert len(rows) == 11, f"{name}: {len(rows)} difference rows:\n{out}"
        for cells in rows:
            unit, difference = cells[4], cells[5]
            assert unit == "pts", cells
            if difference == "n/a" or len(cells) == 6:  # no value, or a single replication
                continue
            interval = cells[6]
            assert re.fullmatch(r"[+-]\d+\.\d", difference), f"{name}: {difference!r}"
            assert re.fullmatch(r"\[[+-]\d+\.\d, [+-]\d+\.\d\]", interval), f"{name}: {interval}"
            assert cells[2].endswith("%") and cells[3].endswith("%"), "the values stay in %"


def test_compare_by_public_shows_the_differences_of_every_public(cli_runs):
    out = cli_runs["compare"].stdout
    for public in ("all", "homeless_at_entry", "three_plus_obstacles", "young"):
        assert f"more_phc vs baseline [{public}]" in out, f"no differences for {public}"
    shown = parcours_here(
        "results", "show", cli_runs["base"] / "compare", "--by-public", cwd=cli_runs["base"]
    )
    assert shown.returncode == 0, shown.describe()
    assert "more_phc vs baseline [rsa]" in shown.stdout, shown.stdout[-2000:]
    # results show defines every indicator it prints.
    for name in INDICATORS:  # a comparison keeps no events
        assert f"  {name}: [" in shown.stdout, f"no definition of {name}"


# What `parcours results show` must not import: scipy (the summaries are stored, and the
# warning's t quantiles are computed without it), the model, the scenario schema (pydantic
# models: a stored run is not validated again), nor pandas (a run's, a comparison's or a
# sweep's tables are read as rows with pyarrow).
NOT_FOR_SHOW = ("scipy", "sim.model", "sim.scenario.schema", "pandas", "matplotlib")
_IMPORTED = """
import json, sys
from sim.present.cli import main
try:
    main(sys.argv[1:], prog_name="parcours")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_results_show_imports_only_what_it_prints(cli_runs, kind):
    # A fresh interpreter (this one has imported everything): its modules once the command ran.
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTED, "results", "show", str(cli_runs["base"] / kind)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    done = json.loads(proc.stderr.strip().splitlines()[-1])
    assert done["code"] == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    # The rows the command that made the run printed (compare: with --by-public, so more of
    # them), read back from the stored tables, and its warning.
    assert "warning: 2 replications" in proc.stdout, proc.stdout[-1500:]
    for name in INDICATORS:
        shown, printed = _rows(proc.stdout, name), _rows(cli_runs[kind].stdout, name)
        assert shown, f"results show {kind}: no line for {name}"
        missing = [row for row in shown if row not in printed]
        assert not missing, f"results show {kind} printed {missing}, the run printed {printed}"
    loaded = [
        m for m in done["modules"] if any(m == n or m.startswith(n + ".") for n in NOT_FOR_SHOW)
    ]
    assert not loaded, f"results show {kind} imported {loaded[:10]}"


def test_few_replications_are_warned_with_the_number_needed(cli_runs):
    for kind in ("run", "compare"):
        out = cli_runs[kind].stdout
        assert "warning: 2 replications" in out and "use 5 or more" in out, out[-1500:]
        assert re.search(r"employment_rate_12m within ±1 pt: about \d+", out), out[-1500:]


def test_json_gives_units_warnings_and_differences_by_public(cli_runs):
    data = json.loads(cli_runs["json"].stdout)
    assert set(data["units"]) == set(METADATA)
    assert data["units"]["rsa_saved"]["unit"] == "EUR"
    assert data["units"]["employment_rate_12m"]["difference_unit"] == "percentage points"
    assert data["warnings"] and data["warnings"][0].startswith("warning: 2 replications")
    assert "homeless_at_entry" in data["differences_by_public"]
    assert set(data["differences_by_public"]["homeless_at_entry"]["more_phc"]) == set(INDICATORS)


def test_indicators_command_lists_every_indicator(tmp_path):
    done = parcours_here("indicators", cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    for name, meta in METADATA.items():
        assert f"{name}: [{meta.unit}" in done.stdout, f"{name} missing:\n{done.stdout}"
    as_json = json.loads(parcours_here("indicators", "--json", cwd=tmp_path).stdout)
    assert as_json["cost_per_year"]["unit"] == "EUR"
