"""Compiled loops for the row-wise computations a month repeats most (Numba).

The model's rules stay vectorised functions over the population's arrays (DESIGN.md 2). A few
of them are computed by a loop over the rows, compiled by Numba, instead of a chain of NumPy
operations: each NumPy operation walks the whole array and writes a temporary, and a month at
100,000 persons is several hundred of them. A compiled loop walks the rows once.

Every kernel gives exactly the numbers of the NumPy expression it replaces, bit for bit: the
same IEEE operations in the same order (no ``fastmath``: no reassociation, no fused
multiply-add), integer arithmetic modulo 2**64 as NumPy's ``uint64``. ``tests/test_kernels.py``
checks each one against that expression. Compiled code is cached beside this file
(``cache=True``): the first run on a machine compiles it (a few seconds), later runs load it.
"""

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True, error_model="numpy")

_GAMMA = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment: the golden ratio in 64 bits
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S40 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(40)
_UNIT = np.float32(2.0**-24)


@jit
def keyed_uniforms(key: np.uint64, rows: np.ndarray) -> np.ndarray:
    """One float32 in [0, 1) per row (:func:`sim.rng.uniforms`).

    The top 24 bits of SplitMix64's output for ``key + row x GAMMA``, times 2**-24.
    """
    out = np.empty(rows.size, dtype=np.float32)
    for j in range(rows.size):
        z = np.uint64(rows[j]) * _GAMMA + key
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        z ^= z >> _S31
        out[j] = np.float32(z >> _S40) * _UNIT
    return out


@jit
def _interpolate(table, grid, household, housing, earnings):
    """``table[household, housing]`` at ``earnings``: linear on the even ``grid``, clamped to it."""
    pos = (min(max(earnings, grid[0]), grid[-1]) - grid[0]) / (grid[1] - grid[0])
    i = min(np.int64(pos), grid.size - 2)
    frac = pos - i
    return table[household, housing, i] * (1.0 - frac) + table[household, housing, i + 1] * frac


@jit
def table_amounts(table, grid, household, housing, earnings, mask):
    """The table's amounts where ``mask`` holds (every row if it is None), 0 elsewhere.

    :meth:`sim.parameters.benefit_table.BenefitScale.amount`, row by row.
    ``table`` is one column of the benefit table: (household, housing kind, ``grid``).
    """
    out = np.zeros(household.size)
    for j in range(household.size):
        if mask is None or mask[j]:
            out[j] = _interpolate(table, grid, household[j], housing[j], earnings[j])
    return out


@jit
def gross_earnings(hours, status, programme, codes, smic, aava_hourly, weeks):
    """Each row's gross earnings of the month (:func:`sim.submodels.benefits.monthly_earnings`).

    Weekly hours x ``weeks`` a month at the row's hourly pay.
    ``codes``: the statuses of a job, of a SIAE contract and of a low-threshold programme, and
    the AAVA programme. The SMIC in a job, a SIAE or a low-threshold programme other than the
    AAVA, ``aava_hourly`` in the AAVA, nothing otherwise.
    """
    job, siae, low_threshold, aava = codes
    out = np.zeros(hours.size)
    for j in range(hours.size):
        if hours[j] > 0:
            s = status[j]
            hourly = 0.0
            if s == job or s == siae:
                hourly = smic
            elif s == low_threshold:
                hourly = aava_hourly if programme[j] == aava else smic
            out[j] = hourly * np.float64(hours[j]) * weeks
    return out


@jit
def monthly_resources(
    present, gross, kind, housing, benefit, rsa_amount, suspension, ppa, are, tables, grid, codes
):
    """Net earnings plus benefit income of each present row, 0 for the others.

    :func:`sim.submodels.resources.monthly_resources`, row by row.
    ``tables`` are the table's net wage, AAH and ASS columns; ``codes`` the benefit codes of the
    RSA, the AAH, the ASS and unemployment insurance. The RSA paid, the prime d'activité and
    unemployment insurance are summed in float32, as the population stores them.
    """
    net_wage, aah_table, ass_table = tables
    rsa, aah, ass, unemployment = codes
    zero32 = np.float32(0.0)
    out = np.zeros(present.size)
    for j in range(present.size):
        if not present[j]:
            continue
        g, b, k, h = gross[j], benefit[j], kind[j], housing[j]
        net = _interpolate(net_wage, grid, k, h, g) if g > 0 else 0.0
        paid = rsa_amount[j] * (np.float32(1.0) - suspension[j]) if b == rsa else zero32
        income32 = paid + ppa[j] + (are[j] if b == unemployment else zero32)
        aah_due = _interpolate(aah_table, grid, k, h, g) if b == aah else 0.0
        ass_due = _interpolate(ass_table, grid, k, h, g) if b == ass else 0.0
        income = np.float64(income32) + aah_due + ass_due
        out[j] = net + income
    return out


@jit
def benefit_kinds(household, children_under_3, housing, household_kind, housing_costs):
    """Each row's household kind and housing kind in the benefit table.

    ``household_kind[household x 2 + (a child under 3)]`` and ``housing_costs[housing]``
    (:func:`sim.submodels.benefits.table_kinds`).
    """
    kind = np.empty(household.size, dtype=np.int64)
    costs = np.empty(household.size, dtype=np.int64)
    for j in range(household.size):
        kind[j] = household_kind[household[j] * 2 + (1 if children_under_3[j] > 0 else 0)]
        costs[j] = housing_costs[housing[j]]
    return kind, costs


@jit
def where_else_zero(out, mask, values):
    """``out[:] = np.where(mask, values, 0)``, cast to ``out``'s type, without temporaries."""
    for j in range(out.size):
        out[j] = values[j] if mask[j] else 0


@jit
def _first_above(edges, x, lo, hi):
    """The first index in ``[lo, hi)`` whose edge exceeds ``x`` (``hi`` if none)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if x < edges[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@jit
def bisect_right(edges, values, largest):
    """For each of ``values``, ``min(np.searchsorted(edges, value, side="right"), largest)``.

    ``edges`` are sorted; each value is compared to them as a float64, as NumPy compares. A
    value in [0, 1) is first placed among 4,096 equal bins, whose bounds' positions narrow its
    search to the few edges within its bin (a binary search over every edge mispredicts a
    branch at most steps).
    """
    bins = 4096
    bound = np.empty(bins + 1, dtype=np.int64)
    for b in range(bins + 1):
        bound[b] = _first_above(edges, b / bins, 0, edges.size)
    out = np.empty(values.size, dtype=np.int64)
    for j in range(values.size):
        x = np.float64(values[j])
        if 0.0 <= x < 1.0:
            b = np.int64(x * bins)  # exact: b / bins <= x < (b + 1) / bins
            i = _first_above(edges, x, bound[b], bound[b + 1])
        else:
            i = _first_above(edges, x, 0, edges.size)
        out[j] = min(i, largest)
    return out


@jit
def queue_heads(group, free, key, ranked, acceptable):
    """The candidates that :func:`sim.submodels.capacity.allocate` may admit, in their order.

    Those acceptable to a structure ``g`` with ``free[g] > 0``; of a structure whose queue is
    more than four times its free places (and without a priority ``ranked`` first), only its
    ``free[g]`` lowest by ``key``, ties in their order: the others cannot be admitted, so they
    need not be sorted.
    """
    n_groups = free.size
    count = np.zeros(n_groups, dtype=np.int64)
    for j in range(group.size):
        g = group[j] + n_groups if group[j] < 0 else group[j]  # from the end, as NumPy's
        if free[g] > 0 and (acceptable is None or acceptable[j]):
            count[g] += 1
    long = np.zeros(n_groups, dtype=np.bool_)
    if not ranked:
        for g in range(n_groups):
            long[g] = count[g] > 4 * free[g] > 0
    keep = np.zeros(group.size, dtype=np.bool_)
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        start[g + 1] = start[g] + (count[g] if long[g] else 0)
    at = start[:-1].copy()
    queue = np.empty(start[n_groups], dtype=np.int64)
    for j in range(group.size):
        g = group[j] + n_groups if group[j] < 0 else group[j]
        if free[g] > 0 and (acceptable is None or acceptable[j]):
            if long[g]:
                queue[at[g]] = j
                at[g] += 1
            else:
                keep[j] = True
    for g in range(n_groups):
        if long[g]:
            for p in _smallest(queue[start[g] : start[g + 1]], key, free[g]):
                keep[p] = True
    return np.flatnonzero(keep)


@jit
def _smallest(queue, key, k):
    """The ``k`` of ``queue`` with the lowest ``key``, ties in queue order (in queue order)."""
    threshold = np.partition(key[queue], k - 1)[k - 1]
    below = 0
    for p in queue:
        if key[p] < threshold:
            below += 1
    ties = k - below  # how many of the candidates at the threshold get in, first ones first
    out = np.empty(k, dtype=np.int64)
    m = 0
    for p in queue:
        if key[p] < threshold or (key[p] == threshold and ties > 0):
            if key[p] == threshold:
                ties -= 1
            out[m] = p
            m += 1
    return out


@jit
def tally_moves(counts, before, after):
    """Move one count from ``before[j]`` to ``after[j]`` where they differ (-1: no structure)."""
    for j in range(before.size):
        b, a = before[j], after[j]
        if b != a:
            if b >= 0:
                counts[b] -= 1
            if a >= 0:
                counts[a] += 1
