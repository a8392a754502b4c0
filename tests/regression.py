"""The regression case shared by the test and by scripts/regen_baseline.py."""

from __future__ import annotations

from pathlib import Path

from conftest import run_small

REGRESSION_FILE = Path(__file__).with_name("baseline.json")
CASE = {"run.persons": 2000, "run.months": 30, "run.seed": 2024}


def regression_indicators() -> dict[str, float]:
    """Every indicator of the small baseline case, keyed ``indicator[public]``."""
    ind = run_small(**CASE).indicators()
    return {f"{r.indicator}[{r.public}]": float(r.value) for r in ind.itertuples()}
