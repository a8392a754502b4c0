"""Benchmark of the posterior calibrations and of a comparison over a posterior.

Part 1 runs the baseline's calibration as the shipped posterior is made: by default history
matching (``parcours calibrate scenarios/baseline.yaml --method history-matching`` with the
settings below, starting from the Optuna calibration's trials; 20,000 persons x 60 months), or
with ``--method abc`` ABC-SMC. It prints the wall time, simulations, time per simulation, the
waves' (generations') diagnostics, the identifiability verdicts, and the CPU time of this process
and its workers. Part 2 runs
``compare baseline more_phc --ensemble <that posterior>`` with 50 parameter sets x 2 seeds and
prints its wall time and the share of variance from the parameters for ``employment_rate_12m``.

The run directories are kept under ``--out`` (the calibration is a real one). The script prints
figures; it never fails on them.

Usage::

    .venv/bin/python benchmarks/bench_abc.py --out results/bench-abc          # the real size
    .venv/bin/python benchmarks/bench_abc.py --method abc --out results/bench-abc  # ABC-SMC
    .venv/bin/python benchmarks/bench_abc.py --quick --out /tmp/bench-abc      # 2,000 x 48, small
    .venv/bin/python benchmarks/bench_abc.py --posterior DIR --out OUT        # part 2 only
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import machine

ROOT = Path(__file__).resolve().parent.parent
# The settings of the posteriors' commands (README, "Calibration by history matching", "by ABC").
SHIPPED = {"population": 100, "generations": 5, "max_simulations": 1500, "workers": 2}
SHIPPED_HM = {
    "waves": 3,
    "runs": 100,
    "design": ROOT / "calibration/runs/calibration-baseline-20261130d/trials.csv",
}


def _cpu(c0, c1) -> str:
    own = (c1.user - c0.user) + (c1.system - c0.system)
    kids = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return f"CPU: this process {own:.0f} s, workers {kids:.0f} s"


def main() -> None:
    """Time one ABC calibration of the baseline and one 50-set ensemble comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--persons", type=int, default=None, help="[the scenario's: 20,000]")
    parser.add_argument("--months", type=int, default=None, help="[the scenario's: 60]")
    parser.add_argument("--method", choices=["history-matching", "abc"], default="history-matching")
    parser.add_argument("--waves", type=int, default=SHIPPED_HM["waves"])
    parser.add_argument("--runs", type=int, default=SHIPPED_HM["runs"])
    parser.add_argument("--design", type=Path, nargs="*", default=[SHIPPED_HM["design"]])
    parser.add_argument("--population", type=int, default=SHIPPED["population"])
    parser.add_argument("--generations", type=int, default=SHIPPED["generations"])
    parser.add_argument("--max-simulations", type=int, default=SHIPPED["max_simulations"])
    parser.add_argument("--workers", type=int, default=SHIPPED["workers"])
    parser.add_argument("--sets", type=int, default=50)
    parser.add_argument("--compare-persons", type=int, default=None)
    parser.add_argument("--posterior", type=Path, help="skip part 1: use this posterior")
    parser.add_argument("--quick", action="store_true", help="2,000 x 48, small calibration")
    args = parser.parse_args()
    if args.quick:
        args.persons, args.months = 2_000, 48
        args.population, args.generations, args.max_simulations, args.sets = 20, 2, 200, 10
        args.waves, args.runs, args.design = 2, 30, []  # the trials are of another size

    from sim.experiments import ensemble
    from sim.experiments.abc import calibrate_abc
    from sim.experiments.history_matching import calibrate_hm
    from sim.experiments.runner import compare

    print(machine.describe())
    posterior = args.posterior
    if posterior is None and args.method == "history-matching":
        print(
            f"\n1. History matching of scenarios/baseline.yaml: {args.waves} waves of {args.runs} "
            f"runs, {len(args.design)} design file(s), {args.workers} local workers"
        )
        t0, c0 = time.perf_counter(), os.times()
        post = calibrate_hm(
            ROOT / "scenarios/baseline.yaml", ROOT / "calibration/targets.yaml",
            waves=args.waves, runs=args.runs, design=args.design, workers=args.workers,
            persons=args.persons, months=args.months, out=args.out / "hm", echo=print,
        )  # fmt: skip
        wall, c1 = time.perf_counter() - t0, os.times()
        sims = post.out.joinpath("design.csv").read_text().count("\n") - 1
        print(f"wall {wall / 60:.1f} min; {sims} design runs (earlier ones included); "
              f"{_cpu(c0, c1)}; load {os.getloadavg()}")  # fmt: skip
        print(post.diagnostics.to_string(index=False))
        print(post.identifiability[["parameter", "width_ratio", "verdict"]].to_string(index=False))
        posterior = post.out / "posterior.parquet"
    if posterior is None:
        print(
            f"\n1. ABC calibration of scenarios/baseline.yaml: {args.population} particles, up to "
            f"{args.generations} generations and {args.max_simulations} simulations, "
            f"{args.workers} local workers"
        )
        t0, c0 = time.perf_counter(), os.times()
        post = calibrate_abc(
            ROOT / "scenarios/baseline.yaml", ROOT / "calibration/targets.yaml",
            population=args.population, generations=args.generations,
            max_simulations=args.max_simulations, workers=args.workers, persons=args.persons,
            months=args.months, out=args.out / "abc", echo=print,
        )  # fmt: skip
        wall, c1 = time.perf_counter() - t0, os.times()
        sims = int(post.diagnostics["simulations"].sum())
        print(f"wall {wall / 60:.1f} min; {sims} simulations; {wall * args.workers / sims:.2f} "
              f"worker-seconds per simulation; {_cpu(c0, c1)}; load {os.getloadavg()}")  # fmt: skip
        print(post.diagnostics.to_string(index=False))
        print(post.identifiability[["parameter", "width_ratio", "verdict"]].to_string(index=False))
        posterior = post.out / "posterior.parquet"
    print(f"\n2. compare baseline more_phc over {posterior}: {args.sets} sets x 2 seeds")
    t0, c0 = time.perf_counter(), os.times()
    with ensemble.over(posterior, seeds_per_set=2):
        exp = compare(
            [ROOT / "scenarios/baseline.yaml", ROOT / "scenarios/more_phc.yaml"],
            replications=2 * args.sets, persons=args.compare_persons or args.persons,
            months=args.months, workers=args.workers, out=args.out / "compare",
        )  # fmt: skip
    wall, c1 = time.perf_counter() - t0, os.times()
    runs = len(exp.manifest["tasks"])
    print(f"wall {wall / 60:.1f} min for {runs} runs ({wall * args.workers / runs:.2f} "
          f"worker-seconds per run); {_cpu(c0, c1)}")  # fmt: skip
    import pandas as pd

    d = pd.read_parquet(exp.out / "ensemble_differences.parquet")
    row = d[(d.indicator == "employment_rate_12m") & (d.public == "all")].iloc[0]
    print(
        f"employment_rate_12m, more_phc - baseline: {row['mean']:+.4f} "
        f"[{row['low']:+.4f}, {row['high']:+.4f}], parameters' share of variance "
        f"{row['share_parameters']:.0%}, {ensemble.robustness_text(row)}"
    )


if __name__ == "__main__":
    main()
