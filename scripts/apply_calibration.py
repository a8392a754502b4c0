"""Write a calibration run's parameters into a scenario file, each value citing the run.

    .venv/bin/python scripts/apply_calibration.py results/<run>/calibrated.yaml \
        scenarios/baseline.yaml [--targets calibration/targets.yaml] [--digits 3]

Every parameter of ``calibrated.yaml`` (a dotted path) must be a value written in the scenario
file itself (not inherited through ``extends``). Its line is rewritten in place, the rest of the
file (comments, order, layout) kept: the value rounded to ``--digits`` significant digits and the
comment ``# [unit] calibrated, run <run id>``, adding "at its bound" when the value lies within
1% of the range of a bound of the targets file. The scenario is validated afterwards.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from sim.scenario import load_scenario

LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[\w]+):\s*(?P<value>[^#\s]*)\s*(?P<comment>#.*)?$")


def _rounded(value: float, digits: int) -> str:
    if float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    return f"{float(value):.{digits}g}"


def find_line(lines: list[str], path: str) -> int:
    """The index of the line that sets ``path`` (dotted), by following the indentation."""
    keys = path.split(".")
    depth, indent = 0, -1
    for i, line in enumerate(lines):
        m = LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        width = len(m["indent"])
        if width <= indent and depth > 0:
            raise KeyError(path)  # left the block of keys[depth - 1] without finding the rest
        if width > indent and m["key"] == keys[depth]:
            if depth == len(keys) - 1:
                return i
            depth, indent = depth + 1, width
    raise KeyError(path)


def apply(calibrated: Path, scenario: Path, targets: Path | None, digits: int) -> list[str]:
    """Rewrite ``scenario`` with the run's values; return the changed lines."""
    run = yaml.safe_load(calibrated.read_text())
    run_id = run["provenance"]["run_id"]
    bounds = {}
    if targets is not None:
        spec = yaml.safe_load(targets.read_text())
        bounds = {p["path"]: (p["low"], p["high"]) for p in spec["parameters"]}
    lines = scenario.read_text().split("\n")
    changed = []
    for path, value in run["parameters"].items():
        i = find_line(lines, path)
        m = LINE.match(lines[i])
        unit = re.match(r"#\s*(\[[^\]]*\])", m["comment"] or "")
        note = ""
        if path in bounds:
            low, high = bounds[path]
            if min(abs(value - low), abs(value - high)) <= 0.01 * (high - low):
                note = ", at its bound"
        head = f"{m['indent']}{m['key']}: {_rounded(value, digits)}"
        comment = f"# {unit.group(1) + ' ' if unit else ''}calibrated, run {run_id}{note}"
        lines[i] = f"{head.ljust(28)} {comment}"
        changed.append(lines[i])
    original = scenario.read_text()
    scenario.write_text("\n".join(lines))
    try:
        load_scenario(scenario)
    except Exception:
        scenario.write_text(original)
        raise
    return changed


def main() -> None:
    """Parse the arguments and rewrite the scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calibrated", type=Path)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--targets", type=Path, default=Path("calibration/targets.yaml"))
    parser.add_argument("--digits", type=int, default=3)
    args = parser.parse_args()
    try:
        changed = apply(args.calibrated, args.scenario, args.targets, args.digits)
    except KeyError as err:
        sys.exit(f"{args.scenario}: no line sets {err.args[0]} (it must be in the file itself)")
    print("\n".join(changed))


if __name__ == "__main__":
    main()
