"""Compiled loops for the row-wise computations a month repeats most (Numba).

The model's rules stay vectorised functions over the population's arrays (DESIGN.md 2). A few
of them are computed by a loop over the rows, compiled by Numba, instead of a chain of NumPy
operations: each NumPy operation walks the whole array and writes a temporary, and a month at
100,000 persons is several hundred of them. A compiled loop walks the rows once.

Every kernel gives exactly the numbers of the NumPy expression it replaces, bit for bit: the
same IEEE operations in the same order (no ``fastmath``: no reassociation, no fused
multiply-add), integer arithmetic modulo 2**64 as NumPy's ``uint64``. ``tests/test_kernels.py``
checks each one against that expression. Compiled code is cached beside this file
(``cache=True``): the first run on a machine compiles it (about 40 seconds), later runs load
it. Importing this module loads it (Numba's code generator starts, about half a second once per
process), so that a model's first month does not.
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
def uniform(key, row):
    """The keyed uniform of one row (:func:`sim.rng.uniforms`).

    The top 24 bits of SplitMix64's output for ``key + row x GAMMA``, times 2**-24.
    """
    z = np.uint64(row) * _GAMMA + key
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z ^= z >> _S31
    return np.float32(z >> _S40) * _UNIT


@jit
def keyed_uniforms(key: np.uint64, rows: np.ndarray) -> np.ndarray:
    """One float32 in [0, 1) per row: :func:`uniform` (:func:`sim.rng.uniforms`)."""
    out = np.empty(rows.size, dtype=np.float32)
    for j in range(rows.size):
        out[j] = uniform(key, rows[j])
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
        # Read before choosing, so that the choices compile to selects, not branches.
        rsa_paid, unemployment_paid = rsa_amount[j] * (np.float32(1.0) - suspension[j]), are[j]
        paid = rsa_paid if b == rsa else zero32
        income32 = paid + ppa[j] + (unemployment_paid if b == unemployment else zero32)
        aah_due = _interpolate(aah_table, grid, k, h, g) if b == aah else 0.0
        ass_due = _interpolate(ass_table, grid, k, h, g) if b == ass else 0.0
        income = np.float64(income32) + aah_due + ass_due
        out[j] = net + income
    return out


@jit
def rent_rule(resources, household, alone, rents, max_effort, since, t, never):
    """Whether each row's ``resources`` meet the rent rule; with ``since``, since when.

    :func:`sim.submodels.resources.affordable`, row by row: the rent of a dwelling for a
    single adult (``household == alone``) or a family, ``rents``, is at most ``max_effort``
    times the resources. ``since`` (if not None) becomes ``never`` where the rule is not met,
    and ``t`` where it is met and was not.
    """
    single, family = rents
    ok = np.empty(resources.size, dtype=np.bool_)
    for j in range(resources.size):
        ok[j] = (single if household[j] == alone else family) <= max_effort * resources[j]
        if since is not None:
            if not ok[j]:
                since[j] = never
            elif since[j] == never:
                since[j] = t
    return ok


@jit
def confidence_month(status, search, service, phase, cer, measure, working, confidence, k, gains):
    """Each row's confidence after the month, kept within [0, 1] (float32, as stored).

    :func:`sim.submodels.obstacles.obstacle_changes`, row by row. The month's gain is the loss
    outside support (outside or waiting), else the gain of activity (a training, an immersion, a
    programme, or, while supported, job search, a service, a pathway phase with the referent or
    the contract's hours, ``cer``), else the gain of work (``working``), else none; plus the
    measure's gain. ``k``: the state codes; ``gains``: work, activity, idleness (negative) and
    the measure, as float32.
    """
    training, immersion, low_threshold, supported, outside, waiting = k[:6]
    no_service, diagnostic, resocialisation, project = k[6:]
    work, activity, idle, with_measure = gains
    zero, one = np.float32(0.0), np.float32(1.0)
    for j in range(status.size):
        s, p = status[j], phase[j]
        gain = zero
        if s == outside or s == waiting:
            gain = idle
        elif (
            s == training
            or s == immersion
            or s == low_threshold
            or (
                s == supported
                and (
                    search[j]
                    or service[j] != no_service
                    or p == diagnostic
                    or p == resocialisation
                    or p == project
                    or cer[j]
                )
            )
        ):
            gain = activity
        elif working[j]:
            gain = work
        gain = gain + (with_measure if measure[j] else zero)
        confidence[j] = min(max(confidence[j] + gain, zero), one)


@jit
def obstacle_counts(obstacles, rows, min_severity):
    """For each of ``rows``, how many of its ``obstacles`` are at least ``min_severity``."""
    out = np.empty(rows.size, dtype=np.int64)
    for i in range(rows.size):
        j, count = rows[i], 0
        for o in range(obstacles.shape[0]):
            count += obstacles[o, j] >= min_severity
        out[i] = count
    return out


@jit
def obstacle_sums(obstacles, rows):
    """For each of ``rows``, the sum of its ``obstacles``' severities (int16)."""
    out = np.empty(rows.size, dtype=np.int16)
    for i in range(rows.size):
        j, total = rows[i], 0
        for o in range(obstacles.shape[0]):
            total += obstacles[o, j]
        out[i] = total
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

    ``edges`` are sorted; each value is compared to them as a float64, as NumPy compares. For
    many values, a value in [0, 1) is first placed among equal bins (one per 4 values, at most
    4,096), whose bounds' positions narrow its search to the few edges within its bin (a binary
    search over every edge mispredicts a branch at most steps).
    """
    bins = 1
    while bins < 4096 and 4 * bins < values.size:
        bins *= 2
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
        g = group[j]
        if free[g] > 0 and acceptable[j]:
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
        g = group[j]
        if free[g] > 0 and acceptable[j]:
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
def admit(group, free, key, rank, ranked, acceptable):
    """The positions :func:`sim.submodels.capacity.allocate` admits, in its order.

    Each structure ``g`` admits its first ``free[g]`` acceptable candidates by ``rank`` (if
    ``ranked``), then ``key``, then position; the admitted come by structure. The candidates
    are bucketed by structure (a stable counting sort), and each bucket sorted by a stable
    merge sort on ``key``, then on ``rank``: the order of ``np.lexsort((key, rank, group))``.
    ``group`` must be non-negative and ``key`` free of NaN.
    """
    heads = queue_heads(group, free, key, ranked, acceptable)
    n_groups = free.size
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for p in heads:
        start[group[p] + 1] += 1
    for g in range(n_groups):
        start[g + 1] += start[g]
    at = start[:-1].copy()
    bucketed = np.empty(heads.size, dtype=np.int64)
    for p in heads:
        bucketed[at[group[p]]] = p
        at[group[p]] += 1
    out = np.empty(heads.size, dtype=np.int64)
    m = 0
    for g in range(n_groups):
        queue = bucketed[start[g] : start[g + 1]]
        if queue.size == 0:
            continue
        if queue.size > 1:
            queue = queue[np.argsort(key[queue], kind="mergesort")]
            if ranked:
                queue = queue[np.argsort(rank[queue], kind="mergesort")]
        for q in range(min(max(free[g], 0), queue.size)):
            out[m] = queue[q]
            m += 1
    return out[:m]


@jit
def blocked_places(freed, month, dur, t):
    """Places freed recently and not yet available (:class:`sim.submodels.housing.Vacancies`).

    ``freed[slot, s, k]``: places of kind ``k`` freed in structure ``s`` in the month
    ``month[slot]``; those of month ``t - j`` count with weight ``min(max(dur - j, 0), 1)``,
    summed from ``j = 0`` in float64 and rounded half to even.
    """
    horizon, n_structures, n_kinds = freed.shape
    out = np.zeros((n_structures, n_kinds), dtype=np.int64)
    for s in range(n_structures):
        for c in range(n_kinds):
            total = 0.0
            for j in range(horizon):
                weight = min(max(dur - j, 0.0), 1.0)
                slot = (t - j) % horizon
                if weight and month[slot] == t - j:
                    total += weight * freed[slot, s, c]
            out[s, c] = np.int64(np.rint(total))
    return out


@jit
def free_places(residents, family, places, family_places, is_hotel, freed, month, dur, t):
    """Places that can be filled now, by structure and type (:func:`housing.free_places`).

    Each structure's places for single adults and for families, less their residents and the
    places freed within ``dur`` months (:func:`blocked_places`); a hotel's rooms serve both
    types, none held back.
    """
    blocked = blocked_places(freed, month, dur, t)
    out = np.empty((places.size, 2), dtype=np.int64)
    for s in range(places.size):
        single = residents[s] - family[s]
        if is_hotel[s]:
            out[s, 0] = out[s, 1] = max(places[s] - (single + family[s]), 0)
        else:
            out[s, 0] = max(places[s] - family_places[s] - single - blocked[s, 0], 0)
            out[s, 1] = max(family_places[s] - family[s] - blocked[s, 1], 0)
    return out


@jit
def place_in_rounds(u, key, kind, offer, structure_group, allowed, rank, ranked, rounds, shift):
    """Candidates asking structures with free places, in rounds (``housing._place``).

    ``offer[s, k]``: the free places of structure ``s`` of each kind ``k`` (a shelter's places
    for single adults and for families); each candidate takes a place of its ``kind`` only. In
    each round every candidate still waiting asks one structure, drawn in proportion to its
    offer of their kind among those of the groups it is ``allowed`` in (``allowed[g, i]``; no
    rows: every group), with its uniform ``u`` shifted by ``round x shift`` (modulo 1, in float32
    as the draws); each structure admits, for each kind, as :func:`admit` does (by ``rank[g, i]``
    in its group ``g`` if ``ranked``, then ``key``); the admitted leave the queue and take a
    place. Kinds share no place, so this gives what placing each kind in turn gives; and the
    same choices as :func:`sim.submodels.capacity.choose_allowed` and ``allocate`` round after
    round: the weights are whole numbers of places, so their sums are exact.

    Returns the positions of the candidates placed and the structure each takes, round by round.
    """
    n, n_structures, n_kinds = u.size, offer.shape[0], offer.shape[1]
    offer = offer.copy()
    free = offer.reshape(-1)  # the queue of structure s for kind k is s x n_kinds + k
    restricted = allowed.shape[0] > 0
    waiting = np.arange(n)
    placed = np.empty(n, dtype=np.int64)
    where = np.empty(n, dtype=np.int64)
    m = 0
    edges = np.empty((n_kinds, n_structures), dtype=np.float64)
    totals = np.empty(n_kinds, dtype=np.float64)
    own = np.empty(n_structures, dtype=np.float64)
    for round_ in range(rounds):
        if waiting.size == 0 or offer.sum() == 0:
            break
        for c in range(n_kinds):
            total = 0.0
            for s in range(n_structures):
                total += offer[s, c]
                edges[c, s] = total
            totals[c] = total
            if total > 0:
                edges[c] /= total
        step = np.float32(round_ * shift)
        target = np.full(waiting.size, -1, dtype=np.int64)
        for j in range(waiting.size):
            i = waiting[j]
            c = kind[i]
            if totals[c] <= 0:
                continue
            x = np.float64((u[i] + step) % np.float32(1.0))
            cum = edges[c]
            if restricted:
                mine = 0.0
                for s in range(n_structures):
                    if allowed[structure_group[s], i]:
                        mine += offer[s, c]
                    own[s] = mine
                if mine <= 0:
                    continue
                own /= mine
                cum = own
            target[j] = min(_first_above(cum, x, 0, n_structures), n_structures - 1)
        asking = waiting[target >= 0]
        structure = target[target >= 0]
        queue = structure * n_kinds + kind[asking]
        order = np.zeros(asking.size, dtype=np.int64)
        if ranked:
            for j in range(asking.size):
                order[j] = rank[structure_group[structure[j]], asking[j]]
        at = admit(queue, free, key[asking], order, ranked, np.ones(asking.size, np.bool_))
        keep = np.ones(n, dtype=np.bool_)
        for p in at:
            placed[m] = asking[p]
            where[m] = structure[p]
            free[queue[p]] -= 1
            keep[asking[p]] = False
            m += 1
        waiting = waiting[keep[waiting]]
    return placed[:m], where[:m]


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


@jit
def benefits_month(columns, gross, tables, grid, kinds, codes, rules, chances, t, never):
    """The benefits phase, person by person (:func:`sim.submodels.benefits.update`).

    No step of the phase looks at another person, so running its steps 1-7 for one person after
    another gives what running each step for everyone does, in one pass over the rows. The
    draws are the keyed uniforms of the rows that draw (``chances``: a key and a probability per
    purpose), the same numbers :meth:`sim.rng.Streams.chance` gives them.

    Returns:
        The month's RSA exits, unemployment insurance starts and RSA entries.
    """
    (
        status, programme, household, children_under_3, housing, age, t_entry,
        earnings_1, earnings_2, earnings_3, t_job_lost, months_last_job, referent_kind,
        benefit, t_benefit_end, are_amount, rsa_household_eligible, months_rsa_unpaid,
        t_rsa_entry, t_suspension_end, suspension_share, rsa_withheld, track, n_rsa_entries,
        rsa_amount, ppa_claimed, ppa_amount, benefit_at_entry, cost_rsa_reference,
    ) = columns  # fmt: skip
    rsa_table, ppa_table = tables
    household_kind, housing_costs = kinds
    (
        not_arrived, left, incapacity, job, siae, low_threshold, phc,
        none, rsa, ass, aah, unemployment, professional, social, france_travail,
    ) = codes  # fmt: skip
    (
        age_min, age_max, months_unpaid_before_closure, min_months_worked,
        duration_ratio, min_months, max_months, replacement_rate,
    ) = rules  # fmt: skip
    (exit_key, p_exit), (entry_key, p_entry), (claim_key, p_claim), (ppa_key, p_ppa) = chances
    rate32 = np.float32(replacement_rate)
    zero32 = np.float32(0.0)
    rsa_exits = unemployment_starts = rsa_entries = 0
    for j in range(status.size):
        s = status[j]
        e1 = earnings_1[j]
        b = benefit[j]
        if s == not_arrived or s == left:  # absent: benefits end, nothing is due or earned
            if b == unemployment:
                benefit[j] = none
                t_benefit_end[j] = never
                are_amount[j] = zero32
            rsa_amount[j] = zero32
            ppa_claimed[j] = False
            ppa_amount[j] = zero32
            earnings_3[j] = earnings_2[j]
            earnings_2[j] = e1
            earnings_1[j] = zero32
            continue
        employed = s == job or s == siae or (s == low_threshold and programme[j] == phc)
        earned = (np.float64(e1) + np.float64(earnings_2[j]) + np.float64(earnings_3[j])) / 3.0
        age_now = np.float64(age[j]) + np.float64(max(t - t_entry[j], 0)) / 12.0
        kind = household_kind[household[j] * 2 + (1 if children_under_3[j] > 0 else 0)]
        costs = housing_costs[housing[j]]
        ended = False  # the RSA's amounts, counters and suspension end (benefits.end_rsa)

        # 1. The incapacity route comes with the AAH.
        if s == incapacity and b != aah:
            b, ended = aah, True
            t_benefit_end[j] = never
        # 2. Unemployment insurance after a job or CDDI long enough.
        worked = months_last_job[j]
        if t_job_lost[j] == t and not employed and b != aah:
            if worked >= min_months_worked:
                months = min(max(np.rint(duration_ratio * worked), min_months), max_months)
                if b == rsa:
                    rsa_exits += 1
                b, ended = unemployment, True
                t_benefit_end[j] = t + np.int32(months)
                are_amount[j] = rate32 * e1
                unemployment_starts += 1
        if b == unemployment and (t_benefit_end[j] <= t or employed):
            b = none
            t_benefit_end[j] = never
            are_amount[j] = zero32
        if ended:
            _end_rsa(j, rsa_amount, months_rsa_unpaid, t_rsa_entry, t_suspension_end,
                     suspension_share, rsa_withheld, track, never)  # fmt: skip
            ended = False

        # 3. RSA exits: age, household resources, earnings too high for long enough.
        due = _interpolate(rsa_table, grid, kind, costs, earned)
        on_rsa = b == rsa
        aged = on_rsa and age_now >= age_max
        household_exit = on_rsa and not aged and uniform(exit_key, j) < p_exit
        if household_exit:
            rsa_household_eligible[j] = False
        unpaid = False
        if b == rsa or b == ass:
            unpaid = due <= 0.0
            months_rsa_unpaid[j] = months_rsa_unpaid[j] + 1 if unpaid else 0
        closed = unpaid and months_rsa_unpaid[j] >= months_unpaid_before_closure
        if (aged or household_exit or closed) and b == rsa:
            b = none
            _end_rsa(j, rsa_amount, months_rsa_unpaid, t_rsa_entry, t_suspension_end,
                     suspension_share, rsa_withheld, track, never)  # fmt: skip
            rsa_exits += 1
        if closed and b == ass:
            b = none

        # 4. Households that become entitled; 5. RSA claims.
        if not rsa_household_eligible[j] and b != aah:
            if uniform(entry_key, j) < p_entry:
                rsa_household_eligible[j] = True
        if (
            b == none
            and rsa_household_eligible[j]
            and age_now >= age_min
            and age_now < age_max
            and s != incapacity
            and due > 0.0
            and uniform(claim_key, j) < p_claim
        ):
            b = rsa
            t_rsa_entry[j] = t
            months_rsa_unpaid[j] = 0
            n_rsa_entries[j] += 1
            k = referent_kind[j]
            track[j] = professional if k == france_travail else (social if k >= 0 else 0)
            rsa_entries += 1
        benefit[j] = b

        # 6. This month's amounts.
        on_rsa = b == rsa
        rsa_amount[j] = due if on_rsa else 0.0
        ppa_due = 0.0
        if earned > 0.0:
            ppa_due = _interpolate(ppa_table, grid, kind, costs, earned)
        claimed = False
        if ppa_due > 0.0:
            claimed = ppa_claimed[j] or on_rsa or uniform(ppa_key, j) < p_ppa
        ppa_claimed[j] = claimed
        ppa_amount[j] = ppa_due if claimed else 0.0
        if benefit_at_entry[j] == rsa:
            cost_rsa_reference[j] += _interpolate(rsa_table, grid, kind, costs, 0.0)

        # 7. The month's earnings enter the history.
        earnings_3[j] = earnings_2[j]
        earnings_2[j] = e1
        earnings_1[j] = gross[j]
    return rsa_exits, unemployment_starts, rsa_entries


@jit
def _end_rsa(j, rsa_amount, months_unpaid, t_rsa_entry, t_suspension_end, suspension_share,
             rsa_withheld, track, never):  # fmt: skip
    """Row ``j`` leaves the RSA: :func:`sim.submodels.benefits.end_rsa` but the new benefit."""
    rsa_amount[j] = 0.0
    months_unpaid[j] = 0
    t_rsa_entry[j] = never
    t_suspension_end[j] = never
    suspension_share[j] = 0.0
    rsa_withheld[j] = 0.0
    track[j] = 0


@jit
def hours_needed(status, phase, logic, rows, parallel, hours, codes):
    """Staff hours each of ``rows`` needs this month (:func:`sim.pathways.common.hours_needed`).

    ``hours``: a month of follow-up in a job, of follow-up in a programme, of diagnostic, of
    job-search coaching and of obstacle work; ``parallel`` per profile: obstacle work goes on
    during job search. ``codes``: the statuses of a job and of a low-threshold programme, the
    phases of the diagnostic and of job search.
    """
    follow_up_job, follow_up_programme, diagnostic, job_search, obstacles = hours
    job, low_threshold, diagnostic_phase, job_search_phase = codes
    out = np.empty(rows.size)
    for i in range(rows.size):
        j = rows[i]
        s, ph = status[j], phase[j]
        if s == job:
            out[i] = follow_up_job
        elif s == low_threshold:
            out[i] = follow_up_programme
        elif ph == diagnostic_phase:
            out[i] = diagnostic
        elif ph == job_search_phase:
            out[i] = job_search + (obstacles if parallel[logic[j]] else 0.0)
        else:
            out[i] = obstacles
    return out


@jit
def pathway_month(rows, c, obstacles, pr, plan, offer, k, t, draws):
    """The referents' work with the persons they see this month, person by person.

    The steps of :func:`sim.pathways.decide` after the staff's rationing, for each of ``rows``
    in turn. No step looks at another person, so this gives what running each step for all the
    rows does. For the supported: the wish to work may arise, the staircase
    (:mod:`sim.pathways.linear`), job search and programmes by public
    (:mod:`sim.pathways.common`); in a programme, obstacle work; in a job, obstacle work and the
    training of the project (:mod:`sim.pathways.iterative`).

    ``c`` holds the population's columns, ``pr`` the profiles' fields, ``plan`` the month's plan
    (written), ``offer`` what the structures offer (whether each referent prescribes the IAE,
    each shelter's AAVA places, the longest IAE pathway), ``k`` the state codes and the rules'
    limits, ``draws`` the keys of the wish and of the training
    draws and the wish's chance per unit of confidence. Columns are taken out of their tuples
    once: reading an array from a tuple inside the loop would count a reference each time.
    """
    status, phase, logic, t_phase_end = c.status, c.phase, c.logic, c.t_phase_end
    wish, confidence, qualification = c.wish, c.confidence, c.qualification
    training_planned, t_job_training_end = c.training_planned, c.t_job_training_end
    referent, months_siae, months_without_work = c.referent, c.months_siae, c.months_without_work
    benefit, age, rqth, refugee, housing = c.benefit, c.age, c.rqth, c.refugee, c.housing
    qpv, justice, shelter, programmes_done = c.qpv, c.justice, c.shelter, c.programmes_done
    gates, wish_first, min_confidence = pr.gates, pr.wish_first, pr.min_confidence
    dur_resocialisation, dur_project = pr.dur_resocialisation, pr.dur_project
    below_qualification, p_training = pr.training_below_qualification, pr.p_training
    training_in_job, dur_training_wait = pr.training_in_job, pr.dur_training_wait
    mediation_share, in_parallel = pr.mediation_share, pr.obstacles_in_parallel
    search, mediation, want_service = plan.search, plan.mediation, plan.want_service
    want_training, want_immersion = plan.want_training, plan.want_immersion
    want_iae, want_low_threshold = plan.want_iae, plan.want_low_threshold
    prescribes_iae, aava_places, iae_max_months = offer
    service_obstacles = k.service_obstacles
    wish_key, p_wish, training_key = draws
    n_obstacles, n_services = obstacles.shape[0], service_obstacles.shape[0]
    for i in range(rows.size):
        j = rows[i]
        s, profile = status[j], logic[j]
        work_obstacles = False  # the referent works on the row's obstacles this month
        if s == k.low_threshold:
            work_obstacles = in_parallel[profile] or phase[j] == k.obstacles
        elif s == k.job:
            work_obstacles = in_parallel[profile]
            if (
                training_planned[j]
                and training_in_job[profile]
                and t_job_training_end[j] == k.never
            ):
                want_training[j] = True
        elif s == k.supported:
            # The wish to work may arise.
            if uniform(wish_key, j) < p_wish * confidence[j]:
                wish[j] = True
            # The staircase. 1. Diagnostic, for the profile's time.
            if phase[j] == k.diagnostic and t_phase_end[j] <= t:
                phase[j] = k.obstacles
            # 2. Obstacle removal until the gates (and, under a profile whose entry is the
            # wish, the wish to work) let the person move on.
            within_gates = True  # every obstacle at most the profile's gate for it
            if phase[j] == k.obstacles or phase[j] == k.resocialisation:
                for o in range(n_obstacles):
                    within_gates &= obstacles[o, j] <= gates[o, profile]
            if phase[j] == k.obstacles:
                if within_gates and (wish[j] or not wish_first[profile]):
                    phase[j] = k.resocialisation
                    t_phase_end[j] = t + dur_resocialisation[profile]
                else:
                    work_obstacles = True
            # 3. Re-socialisation, then the confidence gate; back to obstacles on a relapse.
            if phase[j] == k.resocialisation:
                if not within_gates:
                    phase[j] = k.obstacles
                elif t_phase_end[j] <= t and confidence[j] >= min_confidence[profile]:
                    phase[j] = k.project
                    t_phase_end[j] = t + dur_project[profile]
            # 4. Professional project: a training before the job or in it.
            if phase[j] == k.project and t_phase_end[j] <= t:
                train = qualification[j] < below_qualification[profile] and (
                    uniform(training_key, j) < p_training[profile]
                )
                if train and not training_in_job[profile]:
                    phase[j] = k.training
                    t_phase_end[j] = t + dur_training_wait[profile]
                else:
                    if train:
                        training_planned[j] = True
                    phase[j] = k.job_search
            # 5. Waiting for a training slot, at most the profile's wait; then job search.
            if phase[j] == k.training:
                if t_phase_end[j] <= t:
                    phase[j] = k.job_search
                else:
                    want_training[j] = True
            may_work = obstacles[k.right_to_work, j] <= k.work_right_max
            # Job search: coaching, immersions, mediation, an IAE prescription.
            if phase[j] == k.job_search:
                if may_work:
                    search[j] = True
                    want_immersion[j] = True
                    mediation[j] = mediation_share[profile] > 0
                want_iae[j] = (
                    may_work
                    and prescribes_iae[referent[j]]
                    and months_siae[j] < iae_max_months
                    and (
                        months_without_work[j] >= 12
                        or benefit[j] != k.no_benefit
                        or (age[j] < 26 and qualification[j] == 0)
                        or age[j] >= 50
                        or rqth[j]
                        or refugee[j]
                        or housing[j] <= k.chrs
                        or qpv[j]
                        or justice[j]
                    )
                )
                work_obstacles = in_parallel[profile]
            # Programmes by public: TAPAJ, PHC, AAVA.
            runs_aava = shelter[j] >= 0 and aava_places[shelter[j]] > 0
            homeless = housing[j] <= k.emergency_shelter
            if phase[j] != k.training and (homeless or runs_aava):
                n_present = 0
                for o in range(n_obstacles):
                    n_present += obstacles[o, j] >= 1
                far = n_present >= k.furthest_min_obstacles
                paid = may_work and wish[j]
                done = np.int64(programmes_done[j])
                tapaj_done, phc_done = done & (1 << k.tapaj), done & (1 << k.phc)
                if homeless and paid and age[j] < k.tapaj_max_age and not tapaj_done:
                    want_low_threshold[j] = k.tapaj
                elif homeless and paid and far and not phc_done:
                    want_low_threshold[j] = k.phc
                elif runs_aava and (far or not may_work):
                    want_low_threshold[j] = k.aava
        if work_obstacles:
            # The service of the most severe service-addressable obstacle; ties go to the
            # first service, none if all such obstacles are 0.
            service, worst = 0, -1
            for service_code in range(n_services):
                severity = -1
                for m in range(service_obstacles.shape[1]):
                    o = service_obstacles[service_code, m]
                    if o >= 0:
                        severity = max(severity, obstacles[o, j])
                service = service_code if severity > worst else service
                worst = max(worst, severity)
            want_service[j] = service if worst > 0 else k.no_service


@jit
def job_seekers(c, rel_search, codes, chances, t, search_months, never):
    """This month's applicants to ordinary employers and the immersed, who may work.

    :func:`sim.submodels.matching.employer_hiring`, first steps, row by row: the coached (in
    job search with their referent), CDDI employees in their contract's last
    ``search_months`` and, on their own, whoever wishes to work without coaching apply with
    their chance (the keyed draw of ``chances``); the immersed are candidates to their host.
    Of those, the rows with the right to work.

    Returns:
        The rows (sorted), and how many applied on their own.
    """
    status, search, wish, referent, t_contract_end, right_to_work = c
    outside, waiting, supported, siae, immersion, work_right_max = codes
    key, p_apply, p_alone = chances
    out = np.empty(status.size, dtype=np.int64)
    n = alone_applicants = 0
    for j in range(status.size):
        s = status[j]
        if s != immersion:
            alone, ends = False, t_contract_end[j]
            if search[j] and s == supported:  # coached, as often as the referent's practice
                p = p_apply * rel_search[max(referent[j], 0)]
            elif s == siae and ends != never and ends - t <= search_months:
                p = p_apply
            elif (s == outside or s == waiting or s == supported) and wish[j]:
                p, alone = p_alone, True
            else:
                continue
            if not uniform(key, j) < p:
                continue
            alone_applicants += alone
        if right_to_work[j] <= work_right_max:
            out[n] = j
            n += 1
    return out[:n], alone_applicants


@jit
def lower_worst(obstacles, kinds, rows, p, key):
    """Lower by one, with chance ``p[i]``, the most severe of ``kinds`` for each ``rows[i]``.

    :func:`sim.submodels.obstacles._lower_worst`, row by row (``rows`` unique): the first of the
    most severe obstacles, if above 0, when the row's keyed draw is below its chance.
    """
    for i in range(rows.size):
        j = rows[i]
        worst, severity = kinds[0], obstacles[kinds[0], j]
        for m in range(1, kinds.size):
            if obstacles[kinds[m], j] > severity:
                worst, severity = kinds[m], obstacles[kinds[m], j]
        if severity > 0 and uniform(key, j) < p[i]:
            obstacles[worst, j] -= 1


# Load the compiled code when the module is imported (numba's code generator starts once per
# process, about half a second), not at a model's first draw.
keyed_uniforms(np.uint64(0), np.zeros(1, dtype=np.int64))
