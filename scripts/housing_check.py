"""Shelter and housing figures of a scenario, against published orders of magnitude.

Runs a scenario (optionally over a small grid of ``--set PATH=V1,V2`` values, with several
replications) and prints, per point, the median over replications of:

- ``c9``: occupancy of CHU and CHRS places (the C9 statistic; DREES Dossiers 113: 90%);
- ``employed_chrs``: share of CHRS residents in a job or a CDDI at the end of a month, months
  12 on (DREES Dossiers 113: 15% of adults in shelters work, nearly twice as many in CHRS);
- ``stay_chu``: median months since entry of the people in a CHU at the end of the run
  (DREES Études et résultats 1184: 4.5 months in permanent emergency places, early 2017);
- ``hotel_share``: hotel rooms among the places occupied in emergency accommodation (CHU and
  hotels); nationally 72,000 hotel places next to 109,400 generalist centre places, Jan 2021;
- ``loss_per_1000``: tenancy losses per 1,000 tenants and year;
- ``street_growth``: people on the street at the end over those at the start.

Usage::

    python scripts/housing_check.py scenarios/baseline.yaml --replications 3 \
        --set behaviour.dur_refill=0.5,1,1.5 --set behaviour.p_emergency_exit=0.05,0.1,0.2

It does not calibrate: it shows which values of the housing parameters reproduce C9 and where
they sit in their plausible ranges (docs/ODD.md, section 8.4).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiments.target_statistics import shelter_occupancy  # noqa: E402
from sim.model import InsertionModel  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.states import Housing, ShelterKind  # noqa: E402

FIGURES = ("c9", "employed_chrs", "stay_chu", "hotel_share", "loss_per_1000", "street_growth")


def figures(scenario, seed: int) -> dict[str, float]:
    """Run ``scenario`` with ``seed`` month by month and compute the figures of the docstring."""
    model = InsertionModel(scenario, seed=seed)
    pop = model.pop
    employed, residents, tenant_months = 0, 0, 0
    street_start = None
    while model.t + 1 < model.months:
        model.step()
        present = pop.present()
        if street_start is None:
            street_start = np.count_nonzero(present & (pop.housing == Housing.STREET))
        tenant_months += np.count_nonzero(present & (pop.housing == Housing.ORDINARY))
        if model.t >= 12:
            chrs = present & (pop.housing == Housing.CHRS)
            residents += np.count_nonzero(chrs)
            employed += np.count_nonzero(chrs & pop.employed())
    monthly = model.recorder.frame()
    kind = model.shelter_kind[np.maximum(pop.shelter, 0)]
    in_chu = (pop.shelter >= 0) & (kind == ShelterKind.CHU)
    hotel = monthly["used_places_hotel"].sum()
    street_end = np.count_nonzero(pop.present() & (pop.housing == Housing.STREET))
    return {
        "c9": shelter_occupancy(model),
        "employed_chrs": employed / residents if residents else float("nan"),
        "stay_chu": float(np.median(model.t - pop.t_shelter_since[in_chu])),
        "hotel_share": hotel / (hotel + monthly["used_places_chu"].sum()),
        "loss_per_1000": 12_000 * monthly["flow_housing_losses"].sum() / tenant_months,
        "street_growth": street_end / max(street_start, 1),
    }


def main() -> None:
    """Parse the arguments, run every point and print one line per point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=V1,V2")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--persons", type=int, default=None)
    args = parser.parse_args()
    grid = {}
    for item in args.set:
        path, _, values = item.partition("=")
        grid[path] = [yaml.safe_load(v) for v in values.split(",")]
    base = {} if args.persons is None else {"run.persons": args.persons}
    print("\t".join([*grid, *FIGURES]))
    for point in itertools.product(*grid.values()) if grid else [()]:
        overrides = {**base, **dict(zip(grid, point, strict=True))}
        scenario = load_scenario(args.scenario, overrides)
        seeds = np.random.SeedSequence(scenario.run.seed).spawn(args.replications)
        runs = [figures(scenario, seed) for seed in seeds]
        medians = [statistics.median(r[f] for r in runs) for f in FIGURES]
        print("\t".join([*(str(v) for v in point), *(f"{m:.3f}" for m in medians)]))


if __name__ == "__main__":
    main()
