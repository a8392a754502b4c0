"""Benefit amounts from OpenFisca-France: the shipped table, amounts in force, interpolation.

``sim/parameters/benefit_amounts.csv.gz`` (a gzipped CSV) holds, for every legislation date, the
RSA, the prime d'activité, the housing benefit (per household), the AAH, the full ASS and the net
wage, for each household kind (:class:`~sim.states.BenefitHousehold`), housing kind
(:class:`~sim.states.HousingCosts`) and gross monthly wage of a grid. It is written by
``scripts/benefit_tables.py`` (``make benefit-tables``, in its own virtual environment, since
OpenFisca pins versions of numpy the model does not); its provenance (OpenFisca-France version,
inputs, legislation dates) is ``benefit_amounts.json`` beside it.

A run uses the amounts in force at its ``run.start`` (the last legislation date not after it),
for the whole run, like the other dated parameters; each month the model interpolates them
linearly in each person's earnings (:meth:`BenefitScale.amount`). Earnings beyond the grid take
its last value.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.kernels import table_amounts
from sim.scenario import ScenarioError
from sim.states import BenefitHousehold, HousingCosts

TABLE_FILE = Path(__file__).with_name("benefit_amounts.csv.gz")
COLUMNS = ("rsa", "ppa", "aide_logement", "aah", "ass", "net_earnings")
KEYS = ("date", "household", "housing", "earnings")


@dataclass(frozen=True)
class BenefitScale:
    """The amounts in force at one legislation date.

    Attributes:
        date: the legislation date (first month the amounts apply).
        earnings: the grid of gross monthly wages, evenly spaced from 0 [EUR/month].
        values: per column, an array of shape (households, housing kinds, grid) [EUR/month].
    """

    date: dt.date
    earnings: np.ndarray
    values: dict[str, np.ndarray]

    def amount(
        self, column: str, household: np.ndarray, housing: np.ndarray, earnings: np.ndarray
    ) -> np.ndarray:
        """``column`` for each person, interpolated linearly in ``earnings`` (gross EUR/month).

        Args:
            column: one of :data:`COLUMNS`.
            household: each person's :class:`~sim.states.BenefitHousehold` code.
            housing: each person's :class:`~sim.states.HousingCosts` code.
            earnings: each person's gross monthly wage; clamped to the grid.
        """
        return _amounts(self, column, household, housing, earnings)

    def amount_where(
        self,
        column: str,
        mask: np.ndarray,
        household: np.ndarray,
        housing: np.ndarray,
        earnings: np.ndarray,
    ) -> np.ndarray:
        """``column`` (:meth:`amount`) where ``mask`` holds, 0 elsewhere: computed for those only.

        ``household``, ``housing`` and ``earnings`` give every person's values, as ``mask``.
        """
        return _amounts(self, column, household, housing, earnings, mask)


def _amounts(scale: BenefitScale, column: str, *arrays) -> np.ndarray:
    """The compiled interpolation (:func:`sim.kernels.table_amounts`) of ``column``.

    ``arrays``: household, housing, earnings and an optional mask, broadcast together.
    """
    types = (np.int64, np.int64, np.float64, np.bool_)  # one compiled version (with a mask)
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=d) for a, d in zip(arrays, types[: len(arrays)], strict=True))
    )
    flat = [np.ravel(a) for a in arrays] + [None] * (4 - len(arrays))
    out = table_amounts(scale.values[column], scale.earnings, *flat)
    return out.reshape(arrays[0].shape)


def _error(path: Path, where: str, message: str) -> ScenarioError:
    return ScenarioError(path, where, message)


@functools.lru_cache(maxsize=4)
def load_benefit_table(path: str | Path = TABLE_FILE) -> dict[dt.date, BenefitScale]:
    """Every legislation date of a table file, with its amounts.

    Raises:
        ScenarioError: a missing file or column, an unknown household or housing kind, a grid
            that is not the same evenly spaced one for every household, a negative amount.
    """
    path = Path(path)
    if not path.exists():
        raise _error(path, "", "benefit table not found (run `make benefit-tables`)")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in (*KEYS, *COLUMNS) if c not in (reader.fieldnames or [])]
        if missing:
            raise _error(path, "", f"missing columns: {', '.join(missing)}")
        rows = list(reader)
    households = {h.name.lower(): h for h in BenefitHousehold}
    housings = {h.name.lower(): h for h in HousingCosts}
    by_date: dict[dt.date, dict[tuple[int, int], list[tuple[float, list[float]]]]] = {}
    for line, row in enumerate(rows, start=2):
        if row["household"] not in households:
            raise _error(
                path,
                f"line {line}: household",
                f"{row['household']!r} is not one of {', '.join(households)}",
            )
        if row["housing"] not in housings:
            raise _error(
                path,
                f"line {line}: housing",
                f"{row['housing']!r} is not one of {', '.join(housings)}",
            )
        try:
            date = dt.date.fromisoformat(row["date"])
            earnings = float(row["earnings"])
            amounts = [float(row[c]) for c in COLUMNS]
        except ValueError as err:
            raise _error(path, f"line {line}", f"not a date or a number: {err}") from None
        if min(amounts) < 0:
            raise _error(path, f"line {line}", "amounts must not be negative")
        key = (households[row["household"]], housings[row["housing"]])
        by_date.setdefault(date, {}).setdefault(key, []).append((earnings, amounts))
    table = {}
    grid = None
    for date, cells in sorted(by_date.items()):
        if len(cells) != len(households) * len(housings):
            raise _error(path, str(date), "every household and housing kind must have amounts")
        values = {c: None for c in COLUMNS}
        for (h, hs), points in cells.items():
            points.sort()
            x = np.array([p[0] for p in points])
            if grid is None:
                steps = np.diff(x)
                if x[0] != 0 or x.size < 2 or not np.allclose(steps, steps[0]):
                    raise _error(path, str(date), "earnings must be an even grid from 0")
                grid = x
            elif x.shape != grid.shape or not np.array_equal(x, grid):
                raise _error(
                    path,
                    f"{date}: {h.name.lower()}, {hs.name.lower()}",
                    "every household must have the same earnings grid",
                )
            for k, c in enumerate(COLUMNS):
                if values[c] is None:
                    values[c] = np.zeros((len(households), len(housings), grid.size))
                values[c][h, hs] = [p[1][k] for p in points]
        table[date] = BenefitScale(date, grid, values)
    if not table:
        raise _error(path, "", "the benefit table is empty")
    return table


def benefit_scale(
    date: dt.date, path: str | Path | None = None, file: str | Path = "<scenario>"
) -> BenefitScale:
    """The amounts in force at ``date``: those of the last legislation date not after it.

    Raises:
        ScenarioError: ``date`` is before the table's first legislation date.
    """
    path = Path(path or TABLE_FILE)
    table = load_benefit_table(path)
    dates = [d for d in table if d <= date]
    if not dates:
        raise ScenarioError(
            file,
            "run.start",
            f"no benefit amounts in force on {date}: {path.name} starts on {min(table)}",
        )
    return table[max(dates)]


def table_provenance(path: str | Path = TABLE_FILE) -> dict:
    """The provenance written beside a table (OpenFisca-France version, inputs, dates)."""
    path = Path(path)
    side = path.parent / (path.name.split(".")[0] + ".json")
    return json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
