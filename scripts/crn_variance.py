"""What common random numbers gain: the variance ratio of paired differences.

Runs ``compare`` of two scenarios (default: the baseline and ``scenarios/more_phc.yaml``) twice,
on common seeds (replication r of both scenarios on the same child seed) and on independent
seeds (each scenario its own), and prints, for a few indicators, the variance over replications
of the paired difference (scenario minus baseline) under each, and their ratio common /
independent with a 95% bootstrap interval. A ratio of 0.2 means common seeds make a comparison as
precise as five times as many replications on independent seeds. ``tests/test_experiments.py``
checks that the ratio of ``employment_rate_12m`` is at most 0.5; this script measures it.

Usage::

    .venv/bin/python scripts/crn_variance.py                        # 40 replications, 3,000 x 24
    .venv/bin/python scripts/crn_variance.py --replications 20 --persons 1500 --months 13
"""

from __future__ import annotations

import argparse
import inspect
import tempfile
from pathlib import Path

import numpy as np

from sim.experiments.runner import compare

ROOT = Path(__file__).resolve().parents[1]
INDICATORS = (
    "employment_rate_12m",
    "durable_employment_rate_12m",
    "never_reached_share",
    "cost_total",
)


def paired(indicators, scenario: str, base: str, indicator: str) -> np.ndarray:
    """Per replication, the indicator of ``scenario`` minus that of ``base`` (everyone)."""
    sel = indicators[(indicators.indicator == indicator) & (indicators.public == "all")]
    wide = sel.pivot_table(index="replication", columns="scenario", values="value")
    return (wide[scenario] - wide[base]).to_numpy()


def main() -> None:
    """Run both comparisons and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--other", default=str(ROOT / "scenarios" / "more_phc.yaml"))
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    runs = {}
    # A version of compare with a shared status-quo start runs both ways without it, so that
    # the ratio measures the seeds alone; --from-status-quo is measured apart.
    extra = {}
    if "from_status_quo" in inspect.signature(compare).parameters:
        extra["from_status_quo"] = False
    with tempfile.TemporaryDirectory() as tmp:
        for common in (True, False):
            exp = compare(
                [args.base, args.other],
                replications=args.replications,
                seed=args.seed,
                persons=args.persons,
                months=args.months,
                workers=args.workers,
                common_seeds=common,
                out=Path(tmp) / ("common" if common else "independent"),
                **extra,
            )
            runs[common] = exp.indicators
        if extra:
            exp = compare(
                [args.base, args.other],
                replications=args.replications,
                seed=args.seed,
                persons=args.persons,
                months=args.months,
                workers=args.workers,
                out=Path(tmp) / "status-quo",
                from_status_quo=True,
            )
            runs["status quo"] = exp.indicators
    names = list(dict.fromkeys(runs[True]["scenario"]))
    base, other = names[0], names[1]
    rng = np.random.default_rng(0)
    print(
        f"{Path(args.other).stem} - {Path(args.base).stem}, {args.replications} replications, "
        f"{args.persons:,} persons x {args.months} months, seed {args.seed}"
    )
    header = "indicator, var common, var independent, ratio [95% bootstrap]"
    if "status quo" in runs:
        header += ", var from status quo, ratio"
    print(header)
    for indicator in INDICATORS:
        d = {k: paired(v, other, base, indicator) for k, v in runs.items()}
        c, i = d[True], d[False]
        ratio = np.var(c, ddof=1) / np.var(i, ddof=1)
        boot = []
        for _ in range(2000):
            a = rng.integers(0, c.size, c.size)
            b = rng.integers(0, i.size, i.size)
            boot.append(np.var(c[a], ddof=1) / np.var(i[b], ddof=1))
        lo, hi = np.percentile(boot, [2.5, 97.5])
        line = (
            f"{indicator}: {np.var(c, ddof=1):.3g}, {np.var(i, ddof=1):.3g}, "
            f"{ratio:.3f} [{lo:.3f}, {hi:.3f}]"
        )
        if "status quo" in d:
            s = d["status quo"]
            line += f", {np.var(s, ddof=1):.3g}, {np.var(s, ddof=1) / np.var(i, ddof=1):.3f}"
        print(line)


if __name__ == "__main__":
    main()
