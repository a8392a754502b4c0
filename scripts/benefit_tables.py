"""Tabulate benefit amounts with OpenFisca-France: RSA, prime d'activité, housing benefit, AAH.

Run by ``make benefit-tables`` in its own virtual environment (``.venv-openfisca``): OpenFisca
pins ``numpy<2.4`` and ``openfisca-core<45``, which must not constrain the model's install. This
script imports nothing from the model.

For every month of ``--from`` to ``--to``, it computes with OpenFisca-France, for synthetic
households of the model's kinds, the monthly amounts each household would receive at each gross
monthly wage of a grid, the wage being constant over that month and the 36 months before it
(the RSA and the prime d'activité use the three previous months, the housing benefit twelve,
family benefits two years before). A month's table is kept only where it differs from the last
kept one (by more than half a cent anywhere): each kept month is a legislation date. The model
reads the table in force at its ``run.start`` and interpolates it in earnings each month
(``sim/parameters/benefit_table.py``).

Households (the model's ``BenefitHousehold``): one adult alone; a couple with one child aged 6
(``couple``) or aged 1 (``couple_young_child``); a single parent with one child aged 6 or 1.
Adults are aged 40; only the first adult has earnings. Housing: ``no_housing_costs`` (street,
shelters: OpenFisca's ``sans_domicile``, no housing benefit and no flat-rate housing deduction
from the RSA) or ``tenant`` (social housing, ``locataire_hlm``, at the rents of ``RENTS``).
Commune: Grenoble (38185), in Isère, the département of seed 002.

Columns: ``rsa``, ``ppa`` (prime d'activité), ``aide_logement`` (housing benefit; 0 without
housing costs) per household and month; ``aah`` (disability benefit of an adult with an
incapacity of 80% or more, alone, at that wage); ``ass`` (full ASS, the daily rate in force x
365 / 12, independent of the wage); ``net_earnings`` (OpenFisca's net wage for that gross wage).

Usage:
    python scripts/benefit_tables.py                      # writes the shipped table (gzipped)
    python scripts/benefit_tables.py --sample cases.json  # prints amounts for given cases

A sample case is ``{"date": "YYYY-MM-01", "household": ..., "housing": ..., "earnings": EUR}``;
the output is the same list with the columns added (used by tests/test_benefit_table.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sim" / "parameters" / "benefit_amounts.csv.gz"
HOUSEHOLDS = ("alone", "couple", "couple_young_child", "single_parent", "single_parent_young_child")
HOUSING = ("no_housing_costs", "tenant")
RENTS = {  # EUR/month, social housing (assumption: typical HLM rents of a T1, T3, T2-T3)
    "alone": 350.0,
    "couple": 500.0,
    "couple_young_child": 500.0,
    "single_parent": 450.0,
    "single_parent_young_child": 450.0,
}
DEPCOM = "38185"  # Grenoble, Isère (seed 002 is the Isère département's call, L62)
ADULT_AGE = 40
CHILD_AGE = {
    "couple": 6,
    "single_parent": 6,
    "couple_young_child": 1,
    "single_parent_young_child": 1,
}
EARNINGS = tuple(float(e) for e in range(0, 2501, 50))  # gross EUR/month
HISTORY_YEARS = 3  # the wage is constant over the months of the three years before
COLUMNS = ("rsa", "ppa", "aide_logement", "aah", "ass", "net_earnings")
TOLERANCE = 0.005  # EUR: months whose amounts all differ by less are the same legislation


def _months(year: int) -> list[str]:
    return [f"{y}-{m:02d}" for y in range(year - HISTORY_YEARS, year + 1) for m in range(1, 13)]


def _simulation(tbs, cases: list[tuple[str, str, float]], year: int):
    """One OpenFisca simulation of ``cases`` (household, housing, earnings) for ``year``.

    Each case is a household, and, apart, an adult with an 80% incapacity (for the AAH).
    """
    from openfisca_core.simulation_builder import SimulationBuilder

    months = _months(year)
    mid = dt.date(year, 7, 1)
    ind, fam, foy, men = {}, {}, {}, {}
    for k, (household, housing, earnings) in enumerate(cases):
        head = f"p{k}"
        wage = dict.fromkeys(months, float(earnings))
        ind[head] = {
            "date_naissance": {"ETERNITY": f"{year - ADULT_AGE}-01-01"},
            "salaire_de_base": wage,
        }
        adults, children = [head], []
        if household.startswith("couple"):
            ind[f"{head}b"] = {"date_naissance": {"ETERNITY": f"{year - ADULT_AGE}-01-01"}}
            adults.append(f"{head}b")
        if household != "alone":
            born = mid.replace(year=mid.year - CHILD_AGE[household])
            ind[f"{head}c"] = {"date_naissance": {"ETERNITY": born.isoformat()}}
            children.append(f"{head}c")
        fam[f"f{k}"] = {"parents": adults, "enfants": children}
        foy[f"d{k}"] = {"declarants": adults, "personnes_a_charge": children}
        menage = {"personne_de_reference": [head], "depcom": dict.fromkeys(months, DEPCOM)}
        if len(adults) > 1:
            menage["conjoint"] = [adults[1]]
        if children:
            menage["enfants"] = children
        if housing == "tenant":
            menage["statut_occupation_logement"] = dict.fromkeys(months, "locataire_hlm")
            menage["loyer"] = dict.fromkeys(months, RENTS[household])
        else:
            menage["statut_occupation_logement"] = dict.fromkeys(months, "sans_domicile")
        men[f"m{k}"] = menage
        # The AAH of an adult alone with an 80% incapacity, at the same wage.
        ind[f"a{k}"] = {
            "date_naissance": {"ETERNITY": f"{year - ADULT_AGE}-01-01"},
            "salaire_de_base": wage,
            "taux_incapacite": dict.fromkeys(months, 0.8),
        }
        fam[f"g{k}"] = {"parents": [f"a{k}"]}
        foy[f"e{k}"] = {"declarants": [f"a{k}"]}
        men[f"n{k}"] = {
            "personne_de_reference": [f"a{k}"],
            "depcom": dict.fromkeys(months, DEPCOM),
            "statut_occupation_logement": dict.fromkeys(months, "sans_domicile"),
        }
    entities = {"individus": ind, "familles": fam, "foyers_fiscaux": foy, "menages": men}
    return SimulationBuilder().build_from_entities(tbs, entities)


def compute(
    tbs, cases: list[tuple[str, str, float]], month: str, sim=None
) -> dict[str, np.ndarray]:
    """Amounts of ``cases`` in ``month`` ('YYYY-MM'), one value per case and column."""
    year = int(month[:4])
    sim = sim or _simulation(tbs, cases, year)
    n = len(cases)
    fam = {v: sim.calculate(v, month) for v in ("rsa", "ppa", "aide_logement")}
    individual = {v: sim.calculate(v, month) for v in ("aah", "salaire_net")}
    # Individuals come in the order of creation: head, [partner], [child], AAH adult.
    ids = list(sim.persons.ids)
    heads = np.array([ids.index(f"p{k}") for k in range(n)])
    aah_adults = np.array([ids.index(f"a{k}") for k in range(n)])
    fam_ids = list(sim.populations["famille"].ids)
    families = np.array([fam_ids.index(f"f{k}") for k in range(n)])
    daily_ass = tbs.parameters(
        f"{month}-01"
    ).chomage.allocations_assurance_chomage.ass.montant_plein
    return {
        "rsa": fam["rsa"][families],
        "ppa": fam["ppa"][families],
        "aide_logement": fam["aide_logement"][families],
        "aah": individual["aah"][aah_adults],
        "ass": np.full(n, float(daily_ass) * 365 / 12),
        "net_earnings": individual["salaire_net"][heads],
    }


def _month_range(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-")[:2])
    y1, m1 = map(int, last.split("-")[:2])
    out = []
    while (y, m) <= (y1, m1):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def tabulate(first: str, last: str, out: Path) -> None:
    """Write the table of each legislation date from ``first`` to ``last``, and its provenance."""
    from openfisca_france import FranceTaxBenefitSystem

    started = time.time()
    tbs = FranceTaxBenefitSystem()
    cases = [(h, hs, e) for h in HOUSEHOLDS for hs in HOUSING for e in EARNINGS]
    kept: list[tuple[str, dict[str, np.ndarray]]] = []
    sims: dict[int, object] = {}
    for month in _month_range(first, last):
        year = int(month[:4])
        if year not in sims:
            sims = {year: _simulation(tbs, cases, year)}
        values = compute(tbs, cases, month, sims[year])
        values = {k: np.round(v.astype(float), 2) for k, v in values.items()}
        if kept and all(np.max(np.abs(values[c] - kept[-1][1][c])) <= TOLERANCE for c in COLUMNS):
            continue
        kept.append((month, values))
        print(f"{month}: new amounts (RSA alone, no earnings: {values['rsa'][0]:.2f})", flush=True)
    text = io.StringIO()
    with text as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["date", "household", "housing", "earnings", *COLUMNS])
        for month, values in kept:
            for k, (household, housing, earnings) in enumerate(cases):
                writer.writerow(
                    [f"{month}-01", household, housing, f"{earnings:g}"]
                    + [f"{values[c][k]:.2f}" for c in COLUMNS]
                )
        data = f.getvalue().encode("utf-8")
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as z:
        z.write(data)  # mtime 0: the same table gives the same bytes
    provenance = {
        "generator": "scripts/benefit_tables.py (make benefit-tables)",
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "openfisca_france": metadata.version("openfisca-france"),
        "openfisca_core": metadata.version("openfisca-core"),
        "numpy": metadata.version("numpy"),
        "python": platform.python_version(),
        "months_scanned": [first, last],
        "legislation_dates": [f"{m}-01" for m, _ in kept],
        "tolerance_eur": TOLERANCE,
        "inputs": {
            "households": {
                h: {
                    "adults": 2 if h.startswith("couple") else 1,
                    "children_ages": [] if h == "alone" else [CHILD_AGE[h]],
                }
                for h in HOUSEHOLDS
            },
            "adult_age": ADULT_AGE,
            "earnings": "gross monthly wage (salaire_de_base) of the first adult, constant over "
            f"the month and the {HISTORY_YEARS} years before; the partner has no income",
            "earnings_grid_eur": [EARNINGS[0], EARNINGS[-1], EARNINGS[1] - EARNINGS[0]],
            "housing": {
                "no_housing_costs": "statut_occupation_logement = sans_domicile",
                "tenant": "statut_occupation_logement = locataire_hlm, loyer = rents_eur",
            },
            "rents_eur": RENTS,
            "depcom": DEPCOM,
            "aah": "an adult alone, taux_incapacite = 0.8, same wage, sans_domicile",
            "ass": "chomage.allocations_assurance_chomage.ass.montant_plein x 365 / 12",
        },
        "columns": {
            "rsa": "rsa (famille), EUR/month",
            "ppa": "ppa (famille), EUR/month",
            "aide_logement": "aide_logement (famille), EUR/month",
            "aah": "aah (individu), EUR/month",
            "ass": "full ASS, EUR/month",
            "net_earnings": "salaire_net (individu) of the first adult, EUR/month",
        },
    }
    side = out.parent / (out.name.split(".")[0] + ".json")
    side.write_text(json.dumps(provenance, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(kept)} legislation dates to {out} in {time.time() - started:.0f} s")


def sample(path: Path) -> None:
    """Print, as JSON, the amounts OpenFisca gives for the cases listed in ``path``."""
    from openfisca_france import FranceTaxBenefitSystem

    tbs = FranceTaxBenefitSystem()
    cases = json.loads(path.read_text(encoding="utf-8"))
    by_month: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        by_month.setdefault(case["date"][:7], []).append(i)
    for month, rows in by_month.items():
        subset = [
            (cases[i]["household"], cases[i]["housing"], float(cases[i]["earnings"])) for i in rows
        ]
        values = compute(tbs, subset, month)
        for j, i in enumerate(rows):
            cases[i].update({c: round(float(values[c][j]), 2) for c in COLUMNS})
    json.dump(cases, sys.stdout)


def main() -> None:
    """Command line: write the table, or compute a sample of cases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", default="2023-01", help="first month YYYY-MM")
    parser.add_argument("--to", dest="last", default="2026-12", help="last month YYYY-MM")
    parser.add_argument("--out", type=Path, default=OUT, help="gzipped CSV to write")
    parser.add_argument("--sample", type=Path, help="JSON cases to compute instead")
    args = parser.parse_args()
    if args.sample:
        sample(args.sample)
    else:
        tabulate(args.first, args.last, args.out)


if __name__ == "__main__":
    main()
