"""Regression: a small baseline run's indicators equal the saved ones exactly.

If a change is meant to alter results, regenerate with ``python scripts/regen_baseline.py``.
"""

from __future__ import annotations

import json
import math

from regression import REGRESSION_FILE, regression_indicators


def test_indicators_match_the_saved_baseline():
    saved = json.loads(REGRESSION_FILE.read_text())
    now = regression_indicators()
    assert set(now) == set(saved), "the set of indicators changed"
    diff = {
        k: (saved[k], v)
        for k, v in now.items()
        if not (saved[k] is None and math.isnan(v)) and saved[k] != v
    }
    assert not diff, f"indicators differ from tests/baseline.json (saved, now): {diff}"
