"""Capacities with queues: who gets the free slots of each structure (DESIGN.md, decision 4).

Every limited thing (places, caseloads, posts, vacancies) is allocated by :func:`allocate`: the
candidates of each structure are ranked by a stated discipline (a sort key, lowest first) and the
first ``free[structure]`` acceptable ones are admitted. It works on all structures at once, in
one compiled pass (:func:`sim.kernels.admit`), so no Python loop runs over persons or structures.
"""

from __future__ import annotations

import numpy as np

from sim.kernels import admit, bisect_right

_NO_RANK = np.zeros(0, dtype=np.int64)  # allocate without a priority list


def allocate(
    candidates: np.ndarray,
    group: np.ndarray,
    free: np.ndarray,
    key: np.ndarray,
    acceptable: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> np.ndarray:
    """Admit, in each group, the first ``free[g]`` acceptable candidates by ascending ``key``.

    Args:
        candidates: row indices of the candidates (each appears once).
        group: the structure each candidate asks for (index into ``free``).
        free: free slots per structure (negative values count as zero).
        key: sort key per candidate (lowest first): waiting since, minus a score...
        acceptable: per candidate, whether the structure would take them at all.
        rank: per candidate, its rank in the structure's priority list (lowest first), which
            comes before ``key`` (see :func:`sim.submodels.eligibility.priority_rank`).

    Returns:
        The admitted rows, sorted by group then rank then key.
    """
    return candidates[admitted(group, free, key, acceptable, rank)]


def admitted(
    group: np.ndarray,
    free: np.ndarray,
    key: np.ndarray,
    acceptable: np.ndarray | None = None,
    rank: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`allocate`'s choice as positions among the candidates (the same order).

    For a caller that needs more of the admitted than their rows: ``group[at]`` is the
    structure each takes, with no search of the rows among the candidates.
    """
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not 0 <= group.min() <= group.max() < free.size:
        raise IndexError(f"structure indices must be from 0 to {free.size - 1}")
    if free.dtype.kind not in "iu":
        raise TypeError(f"free places must be integer counts, not {free.dtype}")
    key = key.astype(np.float64, copy=False)
    if np.isnan(key).any():
        raise ValueError("sort keys must not be NaN")
    if acceptable is None:
        acceptable = np.ones(group.size, dtype=bool)
    # One compiled version serves every call: indices as int64, keys as float64 (exact).
    return admit(
        group.astype(np.int64, copy=False),
        free.astype(np.int64, copy=False),
        key,
        _NO_RANK if rank is None else rank.astype(np.int64, copy=False),
        rank is not None,
        acceptable.astype(bool, copy=False),
    )


def group_starts(g: np.ndarray) -> np.ndarray:
    """For each element of the sorted ``g``, the index of the first element equal to it.

    ``np.searchsorted(g, g, side="left")`` in one pass instead of a search per element.
    """
    if g.size == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(g.size, dtype=bool)
    new[0] = True
    np.not_equal(g[1:], g[:-1], out=new[1:])
    at = np.arange(g.size)
    return np.maximum.accumulate(np.where(new, at, 0))


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer ``keys``.

    Each key times the number of keys, plus its position, is unique and orders as the stable
    sort does: one plain sort of those numbers (much quicker than a stable argsort) gives the
    order. Falls back to the stable argsort when the products would not fit 63 bits.
    """
    n = keys.size
    if n == 0 or (int(keys.max()) + 1) * n > np.iinfo(np.int64).max:
        return np.argsort(keys, kind="stable")
    return np.sort(keys.astype(np.int64) * n + np.arange(n)) % n


def spill_over(
    candidates: np.ndarray,
    key: np.ndarray,
    admitted: np.ndarray,
    admitted_group: np.ndarray,
    free: np.ndarray,
    rank: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Places still free after a first round go to the candidates it left out, by ``key``.

    When each candidate asks one structure (drawn by :func:`choose_weighted`), a structure
    may get fewer candidates than it has places while another turns some away. The candidates
    not admitted, lowest ``rank`` then lowest ``key`` first, then take the places left,
    structure by structure in index order, so that no place stays empty while a candidate
    waits.

    Args:
        candidates: row indices of every candidate of the first round (each once).
        key: their sort keys (lowest first), aligned with ``candidates``.
        admitted: the rows the first round admitted.
        admitted_group: the structure each of them took.
        free: free places per structure before the first round.
        rank: their ranks in the priority list (lowest first), aligned with ``candidates``;
            ``None``: no priority.

    Returns:
        The rows admitted now and the structure each takes.
    """
    left = np.maximum(free, 0) - np.bincount(admitted_group, minlength=len(free))[: len(free)]
    slots = np.repeat(np.arange(len(free)), np.maximum(left, 0))
    waiting = ~among(candidates, admitted)
    if rank is None:
        order = np.argsort(key[waiting], kind="stable")
    else:
        order = np.lexsort((key[waiting], rank[waiting]))
    rest = candidates[waiting][order]
    n = min(rest.size, slots.size)
    return rest[:n], slots[:n]


def among(rows: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` is one of ``chosen`` (both row indices): ``np.isin`` by a table.

    A table of the rows up to the largest, marked for ``chosen``, then read at ``rows``: no sort,
    so cheaper than ``np.isin`` for the thousands of rows a phase handles.
    """
    if rows.size == 0 or chosen.size == 0:
        return np.zeros(rows.shape, dtype=bool)
    table = np.zeros(int(max(rows.max(), chosen.max())) + 1, dtype=bool)
    table[chosen] = True
    return table[rows]


def kinds_in(codes: np.ndarray, kinds, n_kinds: int) -> np.ndarray:
    """Whether each of ``codes`` (non-negative, below ``n_kinds``) is one of ``kinds``."""
    table = np.zeros(n_kinds, dtype=bool)
    table[np.atleast_1d(np.asarray(kinds, dtype=np.int64))] = True
    return table[codes]


def occupancy(assigned: np.ndarray, n_structures: int) -> np.ndarray:
    """Count of persons per structure, from each person's structure index (-1 for none)."""
    return np.bincount(assigned[assigned >= 0], minlength=n_structures)[:n_structures]


def choose_weighted(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For each uniform draw in ``u``, a structure index with probability proportional to weights.

    Returns -1 everywhere if every weight is zero.
    """
    total = weights.sum()
    if total <= 0:
        return np.full(u.shape, -1, dtype=np.int64)
    cum = np.cumsum(weights) / total
    values = np.asarray(u, dtype=np.float64).reshape(-1)  # exact; one compiled version
    return bisect_right(cum, values, len(weights) - 1).reshape(np.shape(u))


def choose_allowed(
    u: np.ndarray,
    weights: np.ndarray,
    structure_group: np.ndarray,
    allowed: dict[int, np.ndarray],
) -> np.ndarray:
    """Like :func:`choose_weighted`, among the structures each candidate may ask for.

    Args:
        u: one uniform draw per candidate.
        weights: per structure (free places, vacancies...).
        structure_group: per structure, the index of its group.
        allowed: for each group that restricts who it takes, whether each candidate may ask it
            (other groups take everyone); see :meth:`sim.submodels.eligibility.Targeting.allowed`.

    Returns:
        Per candidate, a structure index, or -1 when no structure it may ask has any weight.
        With no restriction, exactly :func:`choose_weighted` (the same draws pick the same
        structures).
    """
    if not allowed:
        return choose_weighted(u, weights)
    keys = list(allowed)
    codes = np.zeros(u.shape, dtype=np.int64)
    for bit, g in enumerate(keys):
        codes |= allowed[g].astype(np.int64) << bit
    out = np.full(u.shape, -1, dtype=np.int64)
    n_groups = int(structure_group.max()) + 1 if structure_group.size else 0
    for code in np.unique(codes):
        sel = codes == code
        ok = np.ones(n_groups, dtype=bool)
        for bit, g in enumerate(keys):
            ok[g] = bool((code >> bit) & 1)
        out[sel] = choose_weighted(u[sel], np.where(ok[structure_group], weights, 0.0))
    return out
