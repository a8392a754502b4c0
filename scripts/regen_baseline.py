"""Regenerate tests/baseline.json, the regression baseline (run only on purpose).

The regression test compares a small baseline run's indicators with this file exactly. When a
change to the model is intended to change results, run ``python scripts/regen_baseline.py`` and
commit the new file with the change that explains it.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from regression import REGRESSION_FILE, regression_indicators  # noqa: E402


def main() -> None:
    """Write the indicators of the regression case to tests/baseline.json."""
    values = regression_indicators()
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in values.items()}
    REGRESSION_FILE.write_text(json.dumps(clean, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(clean)} values to {REGRESSION_FILE}")


if __name__ == "__main__":
    main()
