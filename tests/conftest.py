"""Shared fixtures: small versions of the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model import InsertionModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SMALL = {"run.persons": 1500, "run.months": 24, "run.check_invariants": True}


def small_scenario(name: str = "baseline", **overrides):
    """A shipped scenario at a small size, invariants checked, with dotted-path overrides."""
    return load_scenario(SCENARIOS / f"{name}.yaml", {**SMALL, **overrides})


def run_small(name: str = "baseline", **overrides) -> InsertionModel:
    """Build and run a small scenario; return the model."""
    model = InsertionModel(small_scenario(name, **overrides))
    model.run()
    return model


@pytest.fixture(scope="session")
def baseline_run() -> InsertionModel:
    """One small baseline run shared by read-only tests."""
    return run_small()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``slow`` run only with PARCOURS_SLOW=1 (they take many minutes)."""
    import os

    if os.environ.get("PARCOURS_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set PARCOURS_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
