"""How long the territory takes to reach its steady state from an empty start (``run.burn_in``).

Runs a scenario from an empty start (``run.burn_in: 0``) for ``--months`` months on several
seeds and prints the occupancy of every kind of capacity (shelter places, referents' caseloads,
SIAE posts, low-threshold places, services, training) and the share of the persons present who
are employed, at a few months; then, for each series and seed, the first month from which it
stays within ``--tolerance`` (absolute, in shares) of the level it keeps over the next
``--window`` months (see :func:`settling_month`). The largest of these months is the burn-in it
takes for occupancy, caseloads and contracts to be steady: ``run.burn_in`` of
``scenarios/baseline.yaml`` cites this script.

Usage::

    .venv/bin/python scripts/burn_in_check.py          # baseline, 20,000 x 120 months, 3 seeds
    .venv/bin/python scripts/burn_in_check.py --persons 5000 --seeds 1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model import InsertionModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SERIES = {
    "shelter places (CHU)": ("chu",),
    "shelter places (CHRS)": ("chrs",),
    "shelter places (IML, OACAS)": ("iml", "oacas"),
    "caseloads (shelters)": ("caseload_shelters",),
    "caseloads (France Travail)": ("caseload_france_travail",),
    "SIAE posts (ACI)": ("aci",),
    "SIAE posts (EI, AI, ETTI)": ("ei", "ai", "etti"),
    "PHC, TAPAJ, AAVA places": ("phc", "tapaj", "aava"),
    "service places": ("creche", "mobility", "french", "health"),
    "training places": ("training",),
    "staff hours used (shelters)": ("staff_hours_shelters",),
    "staff hours used (France Travail)": ("staff_hours_france_travail",),
}


def occupancy_series(monthly: pd.DataFrame) -> pd.DataFrame:
    """Occupied share of each kind of capacity, and the employed share of persons present."""
    out = pd.DataFrame(index=monthly["month"])
    for label, names in SERIES.items():
        used = sum(
            monthly[c].to_numpy()
            for n in names
            for c in monthly.columns
            if c.startswith("used_") and c.endswith("_" + n)
        )
        cap = sum(
            monthly[c].to_numpy()
            for n in names
            for c in monthly.columns
            if c.startswith("cap_") and c.endswith("_" + n)
        )
        out[label] = np.divide(used, cap, out=np.full(len(monthly), np.nan), where=cap > 0)
    statuses = [c for c in monthly.columns if c.startswith("n_")]
    present = monthly[statuses].sum(axis=1) - monthly["n_not_arrived"] - monthly["n_left"]
    out["employed share of persons present"] = (
        (monthly["n_job"] + monthly["n_siae"]) / present
    ).to_numpy()
    return out


def settling_month(series: pd.Series, tolerance: float, window: int) -> int:
    """First month ``m`` from which ``series`` stays close to the level it keeps afterwards.

    Close: the mean over 3 months around each month ``a >= m`` is within ``tolerance`` of the
    mean over the ``window`` months that follow ``a`` (the 3-month mean smooths the month to
    month noise of small capacities). Months without a full window after them are not judged.
    """
    values = series.rolling(3, center=True, min_periods=1).mean().to_numpy()
    raw = series.to_numpy()
    last = len(raw) - window
    ahead = np.array([np.nanmean(raw[a : a + window]) for a in range(max(last, 0))])
    off = np.flatnonzero(np.abs(values[: ahead.size] - ahead) > tolerance)
    return 0 if off.size == 0 else int(off[-1]) + 1


def main() -> None:
    """Run the check and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--seeds", type=int, default=3, help="runs, on seeds 1..N")
    parser.add_argument("--tolerance", type=float, default=0.03, help="absolute, in shares")
    parser.add_argument(
        "--window", type=int, default=24, help="months after a month that define its level"
    )
    args = parser.parse_args()

    runs = []
    for seed in range(1, args.seeds + 1):
        scenario = load_scenario(
            args.scenario,
            {
                "run.persons": args.persons,
                "run.months": args.months,
                "run.burn_in": 0,
                "run.seed": seed,
                "run.person_views": False,
            },
        )
        model = InsertionModel(scenario)
        model.run()
        runs.append(occupancy_series(model.recorder.frame()))
    mean = sum(runs) / len(runs)
    rows = []
    for label in mean.columns:
        months = [settling_month(r[label], args.tolerance, args.window) for r in runs]
        rows.append(
            {
                "series": label,
                "month 0": mean[label].iloc[0],
                "month 12": mean[label].iloc[12],
                "month 24": mean[label].iloc[24],
                "month 36": mean[label].iloc[36],
                "month 60": mean[label].iloc[60] if args.months > 60 else np.nan,
                "last month": mean[label].iloc[-1],
                "settled from month (per seed)": ", ".join(str(m) for m in months),
            }
        )
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(
            f"{Path(args.scenario).name}, {args.persons:,} persons, {args.months} months from an "
            f"empty start, {args.seeds} seeds; tolerance {args.tolerance:.0%} (absolute)"
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for exclude in ([], ["employed share of persons present"]):
        labels = [c for c in mean.columns if c not in exclude]
        worst = max(settling_month(r[c], args.tolerance, args.window) for r in runs for c in labels)
        what = "every series" if not exclude else "every capacity"
        print(
            f"{what} stays within {args.tolerance:.0%} of its level over the next {args.window}"
            f" months from month {worst}"
        )


if __name__ == "__main__":
    main()
