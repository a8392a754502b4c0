"""The shipped benefit table matches OpenFisca-France on a sample.

OpenFisca-France lives in its own virtual environment (``make benefit-tables`` creates
``.venv-openfisca``; it pins numpy and openfisca-core versions the model does not use). When that
environment exists, ``scripts/benefit_tables.py --sample`` computes a sample of cases there and
this test compares them with what the model reads from ``sim/parameters/benefit_amounts.csv.gz``:
exactly (to the cent) on the table's grid; between grid points, OpenFisca's value must lie within
the values at the two neighbouring grid points (give or take the interpolation's error), so that
no feature of the schedules falls between them. Otherwise the test is skipped, saying why.
``PARCOURS_OPENFISCA_PYTHON`` may name another interpreter with OpenFisca-France installed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from sim.parameters.benefit_table import COLUMNS, benefit_scale, table_provenance
from sim.states import BenefitHousehold, HousingCosts

PYTHON = Path(os.environ.get("PARCOURS_OPENFISCA_PYTHON", ROOT / ".venv-openfisca/bin/python"))
ON_GRID = (0.0, 650.0, 1500.0)
OFF_GRID = (725.0, 1234.0)
# Between two grid points 50 EUR apart, a smooth schedule departs from the chord by at most the
# change of slope at a kink times a quarter of the step: the largest kink is the prime
# d'activité's individual bonus, which rises by about 0.3 EUR per EUR of wage from half a SMIC
# (0.3 x 50 / 4 = 3.75 EUR), and housing benefit rounds to the euro. Where a schedule jumps
# (housing benefit and the prime d'activité have thresholds), the interpolation errs by up to
# the jump, which the neighbouring grid values show.
OFF_GRID_TOLERANCE = 5.0


def _available() -> str | None:
    if not PYTHON.exists():
        return (
            f"no OpenFisca environment at {PYTHON}: run `make benefit-tables` to create it "
            "(or set PARCOURS_OPENFISCA_PYTHON)"
        )
    probe = subprocess.run(
        [str(PYTHON), "-c", "import openfisca_france"], capture_output=True, text=True
    )
    if probe.returncode:
        return f"{PYTHON} cannot import openfisca_france: {probe.stderr.strip()[-200:]}"
    return None


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    reason = _available()
    if reason:
        pytest.skip(reason)
    dates = table_provenance()["legislation_dates"]
    picked = sorted({dates[0], "2025-01-01", dates[-1]} & set(dates))
    cases = [
        {"date": d, "household": h.name.lower(), "housing": hs.name.lower(), "earnings": e}
        for d in picked
        for h in BenefitHousehold
        for hs in HousingCosts
        for e in ON_GRID + OFF_GRID
    ]
    path = tmp_path_factory.mktemp("openfisca") / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [str(PYTHON), str(ROOT / "scripts" / "benefit_tables.py"), "--sample", str(path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, f"the OpenFisca sample failed:\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


def _model_value(case: dict, column: str, earnings: float | None = None) -> float:
    scale = benefit_scale(dt.date.fromisoformat(case["date"]))
    assert scale.date.isoformat() == case["date"], "the sample's dates are legislation dates"
    h = np.array([BenefitHousehold[case["household"].upper()]])
    hs = np.array([HousingCosts[case["housing"].upper()]])
    e = case["earnings"] if earnings is None else earnings
    return float(scale.amount(column, h, hs, np.array([e]))[0])


def test_the_table_equals_openfisca_on_its_grid(sample):
    on = [c for c in sample if c["earnings"] in ON_GRID]
    assert on, "the sample has grid points"
    for case in on:
        for column in COLUMNS:
            got = _model_value(case, column)
            assert got == pytest.approx(case[column], abs=0.011), (
                f"{column} for {case['household']}, {case['housing']}, {case['earnings']} EUR "
                f"on {case['date']}: the table gives {got:.2f}, OpenFisca {case[column]:.2f}"
            )


def test_interpolating_the_table_stays_close_to_openfisca_between_grid_points(sample):
    off = [c for c in sample if c["earnings"] in OFF_GRID]
    assert off, "the sample has points between the grid's"
    step = benefit_scale(dt.date(2025, 1, 1)).earnings[1]
    for case in off:
        below = case["earnings"] // step * step
        for column in COLUMNS:
            ends = [_model_value(case, column, e) for e in (below, below + step)]
            low, high = min(ends) - OFF_GRID_TOLERANCE, max(ends) + OFF_GRID_TOLERANCE
            assert low <= case[column] <= high, (
                f"{column} for {case['household']}, {case['housing']}, {case['earnings']} EUR "
                f"on {case['date']}: OpenFisca gives {case[column]:.2f}, outside the table's "
                f"{ends[0]:.2f} and {ends[1]:.2f} at {below:g} and {below + step:g} EUR "
                f"(give or take {OFF_GRID_TOLERANCE})"
            )


def test_amounts_interpolate_between_grid_points_and_amount_where_reads_only_its_rows():
    scale = benefit_scale(dt.date(2025, 1, 1))
    step = scale.earnings[1] - scale.earnings[0]
    kinds = np.array([BenefitHousehold.ALONE, BenefitHousehold.COUPLE_YOUNG_CHILD])
    costs = np.array([HousingCosts.NO_HOUSING_COSTS, HousingCosts.TENANT])
    v = scale.values["ppa"]
    k = 12  # between grid points k and k + 1: halfway is the mean of the two table values
    got = scale.amount("ppa", kinds, costs, np.full(2, (k + 0.5) * step))
    expected = [(v[h, c, k] + v[h, c, k + 1]) / 2 for h, c in zip(kinds, costs, strict=True)]
    np.testing.assert_allclose(got, expected, err_msg="linear interpolation on the grid")
    beyond = scale.amount("ppa", kinds, costs, np.full(2, 1e9))
    np.testing.assert_array_equal(beyond, v[kinds, costs, -1], "beyond the grid: its last value")
    earnings = np.array([0.0, 300.0, 725.0, 1234.0])
    h = np.array([0, 1, 3, 4])
    hs = np.array([0, 1, 1, 0])
    mask = np.array([True, False, True, False])
    where = scale.amount_where("rsa", mask, h, hs, earnings)
    everyone = scale.amount("rsa", h, hs, earnings)
    np.testing.assert_array_equal(where[mask], everyone[mask], "the same amounts where asked")
    assert np.all(where[~mask] == 0.0), f"0 where the mask does not hold: {where}"


def test_the_amount_without_earnings_is_the_table_s_first_point_bit_for_bit():
    scale = benefit_scale(dt.date(2025, 1, 1))
    n_households, n_housing, _ = scale.values["rsa"].shape
    h, c = (a.ravel() for a in np.meshgrid(np.arange(n_households), np.arange(n_housing)))
    for column in ("rsa", "ppa", "aah", "ass"):
        np.testing.assert_array_equal(
            scale.amount(column, h, c, np.zeros(h.size)),
            scale.values[column][h, c, 0],
            err_msg=f"{column}: nothing earned, no interpolation error (the RSA reference)",
        )
