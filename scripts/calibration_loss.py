"""The calibration loss of the baseline's values and of a calibration's point, on the same seeds.

    .venv/bin/python scripts/calibration_loss.py \
        calibration/runs/abc-baseline-20261130c/calibrated.yaml

Runs ``scenarios/baseline.yaml`` as it is and with the ``parameters`` of the given
``calibrated.yaml`` on the same held-out seeds (spawn keys 50,001 to 50,000 + ``--seeds``, none
of which any calibration uses), and prints each one's loss against ``calibration/targets.yaml``
(below 1: within tolerance on average) and every target's published and simulated values. This
is how ``docs/ODD.md`` (section 8.4) compares the kept values with a recalibration's point.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import yaml

from sim.experiments.calibration import _means, _tasks, evaluate_task, loss
from sim.experiments.calibration_targets import load_targets
from sim.experiments.execution import resolve
from sim.scenario import scenario_to_dict

FIRST_KEY = 50_001  # held-out spawn keys: no calibration seeds a run with these


def main() -> None:
    """Parse the arguments, run both sets of values, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("calibrated", help="a calibrated.yaml (its `parameters`)")
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--targets", default="calibration/targets.yaml")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scn = resolve(args.scenario, None, None, None, {"run.person_views": False})
    spec = load_targets(args.targets, scn)
    names = list(dict.fromkeys(t.statistic for t in spec.targets))
    base = scenario_to_dict(scn)
    with open(args.calibrated) as f:
        point = yaml.safe_load(f)["parameters"]
    keys = list(range(FIRST_KEY, FIRST_KEY + args.seeds))
    tasks = _tasks(base, {}, "scenario", keys, scn.run.seed, names)
    tasks += _tasks(base, point, "calibrated", keys, scn.run.seed, names)
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(evaluate_task, tasks))
    means = {
        label: _means([r["values"] for r in results if r["trial"] == label], names)
        for label in ("scenario", "calibrated")
    }
    print(f"{len(keys)} held-out seeds, {scn.run.persons:,} persons x {scn.run.months} months")
    print(f"{'target':14} {'statistic':32} {'published':>9} {'scenario':>9} {'calibrated':>10}")
    for t in spec.targets:
        row = [means[label][t.statistic] for label in ("scenario", "calibrated")]
        print(f"{t.id:14} {t.name:32} {t.value:9.3f} {row[0]:9.3f} {row[1]:10.3f}")
    losses = [loss(means[label], spec.targets) for label in ("scenario", "calibrated")]
    print(f"{'loss':14} {'':32} {'':9} {losses[0]:9.2f} {losses[1]:10.2f}")


if __name__ == "__main__":
    main()
