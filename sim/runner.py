"""Running scenarios from Python; the command line calls these same functions.

>>> from sim.runner import run_scenario
>>> result = run_scenario("scenarios/baseline.yaml", persons=2000, months=24, out=None)
>>> result.indicators.query("public == 'all'")
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.model import InsertionModel
from sim.results import RESULTS_DIR, check_free, git_commit, new_run_id, versions, write_run
from sim.scenario import (
    Scenario,
    apply_overrides,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
)


@dataclass
class RunResult:
    """What a run produced: the model, its indicators, and where it was written (if it was)."""

    model: InsertionModel
    indicators: pd.DataFrame
    out: Path | None
    manifest: dict

    def value(self, indicator: str, public: str = "all") -> float:
        """One indicator's value, for everyone or one public."""
        ind = self.indicators
        sel = ind[(ind["indicator"] == indicator) & (ind["public"] == public)]
        if sel.empty:
            raise KeyError(f"no indicator {indicator!r} for public {public!r}")
        return float(sel["value"].iloc[0])


def resolve(
    scenario: str | Path | Scenario,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    overrides: dict | None = None,
) -> Scenario:
    """Load and validate a scenario with the command-line overrides applied."""
    extra = dict(overrides or {})
    for key, value in (("run.seed", seed), ("run.persons", persons), ("run.months", months)):
        if value is not None:
            extra[key] = value
    if not isinstance(scenario, Scenario):
        return load_scenario(scenario, extra)
    if not extra:
        return scenario
    data = scenario.model_dump()
    apply_overrides(data, extra, "<scenario>")
    return scenario_from_dict(data, "<scenario>")


def run_scenario(
    scenario: str | Path | Scenario,
    seed: int | None = None,
    persons: int | None = None,
    months: int | None = None,
    out: str | Path | None = "auto",
    overrides: dict | None = None,
    progress: bool = False,
) -> RunResult:
    """Run one scenario and (unless ``out`` is None) write its results directory.

    Args:
        scenario: a YAML path or a validated :class:`Scenario`.
        seed: overrides ``run.seed``.
        persons: overrides ``run.persons`` (capacities scale with it).
        months: overrides ``run.months``.
        out: results directory; ``"auto"`` gives ``results/<run-id>``; ``None`` writes nothing.
        overrides: other values to set, by dotted path (``{"policy.housing_first": True}``).
        progress: show a progress bar (tqdm).

    Returns:
        A :class:`RunResult`.
    """
    scn = resolve(scenario, seed, persons, months, overrides)
    out_dir = None
    if out is not None:
        out_dir = RESULTS_DIR / new_run_id(scn.name, scn.run.seed) if out == "auto" else Path(out)
        check_free(out_dir)
    timings = {}
    t0 = time.perf_counter()
    model = InsertionModel(scn)
    timings["build_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if progress:
        from tqdm import tqdm

        with tqdm(total=scn.run.months, unit="month", desc=scn.name, file=sys.stdout) as bar:
            model.run(progress=bar.update)
    else:
        model.run()
    timings["run_s"] = time.perf_counter() - t1
    indicators = model.indicators()
    manifest = {
        "scenario_name": scn.name,
        "scenario_file": str(scenario) if not isinstance(scenario, Scenario) else None,
        "seed": scn.run.seed,
        "persons": scn.run.persons,
        "months": scn.run.months,
        "versions": versions(),
        "git_commit": git_commit(),
        "command": " ".join(sys.argv),
        "timings": timings,
        "scenario": scenario_to_dict(scn),
    }
    if out_dir is not None:
        tables = {
            "indicators": indicators,
            "monthly": model.recorder.frame(),
            "persons": model.persons_frame(),
            "ledger": model.ledger.frame(),
        }
        write_run(out_dir, tables, manifest)
    return RunResult(model=model, indicators=indicators, out=out_dir, manifest=manifest)
