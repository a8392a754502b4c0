"""Who a lever is for: publics, eligibility conditions and priority lists.

Any capacity group (a group of shelters, of SIAE or of employers, a group of service or training
places, a low-threshold programme, a group of referents, a mediation team) may declare
``eligible:`` (a condition on person attributes and publics) and ``priority:`` (an ordered list
of publics served first). A condition is a small validated structure, never free Python; its
schema is :class:`sim.scenario.targeting.Condition`, and this module evaluates it on the
population's arrays:

- :data:`PUBLICS`: the named publics a condition or a priority list may use, each with its
  definition (read on the person's state when it is evaluated; ``*_at_entry`` publics read the
  state at entry);
- :func:`eligible_mask`: whether each person meets a condition (everyone if there is none);
- :func:`priority_rank`: each person's rank in a priority list (0 for the first public, the
  length of the list for persons in none of them);
- :class:`Targeting`: the month's eligibility of every group of the territory, judged once a
  month after arrivals and departures (phase 1), so that every admission of the month reads the
  same state and the invariants can check it.

Eligibility is judged at admission: a person admitted while eligible keeps the place when their
state changes (a homeless employee of a SIAE reserved to homeless people keeps the CDDI once
housed). Publics follow seed 000 (ESF+ publics, L96-147 and L425-447: young people under 30,
long-term jobseekers, minimum-income recipients, seniors, disabled people, refugees, residents of
priority areas, homeless people) and DOMAIN.md.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.population import Population
from sim.states import OB, Benefit, Household, Housing, Sex

LONG_TERM_MONTHS = 12  # DELD: registered 12 months or more (seed 000, DOMAIN.md)
VERY_LONG_TERM_MONTHS = 24  # DETLD: 24 months or more
FURTHEST_MIN_OBSTACLES = 3  # "three or more obstacles", as in the indicators' public

Index = slice | np.ndarray
PublicFn = Callable[[Population, int, Index], np.ndarray]

PUBLICS: dict[str, tuple[str, PublicFn]] = {
    "all": ("everyone present", lambda p, t, i: np.ones(p.status[i].shape, dtype=bool)),
    "homeless": (
        "on the street or in an emergency or insertion shelter (housing street, CHU/HU, CHRS)",
        lambda p, t, i: p.housing[i] <= Housing.CHRS,
    ),
    "street": ("on the street", lambda p, t, i: p.housing[i] == Housing.STREET),
    "sheltered": ("holding a place in an AHI structure", lambda p, t, i: p.shelter[i] >= 0),
    "homeless_at_entry": ("homeless when they arrived", lambda p, t, i: p.homeless_at_entry[i]),
    "rsa": ("RSA recipients", lambda p, t, i: p.benefit[i] == Benefit.RSA),
    "ass": ("ASS recipients", lambda p, t, i: p.benefit[i] == Benefit.ASS),
    "aah": ("AAH recipients", lambda p, t, i: p.benefit[i] == Benefit.AAH),
    "minimum_income": (
        "recipients of a minimum benefit (RSA, ASS, AAH)",
        lambda p, t, i: p.benefit[i] != Benefit.NONE,
    ),
    "young": ("aged under 26", lambda p, t, i: p.age[i] < 26),
    "young_under_30": (
        "aged under 30 (ESF+ 2021-2027 'young' public, seed 000 L435-447)",
        lambda p, t, i: p.age[i] < 30,
    ),
    "senior_45": ("aged 45 or more (seed 000)", lambda p, t, i: p.age[i] >= 45),
    "senior": ("aged 50 or more", lambda p, t, i: p.age[i] >= 50),
    "senior_57": (
        "aged 57 or more (CDI inclusion, seed 003 L763)",
        lambda p, t, i: p.age[i] >= 57,
    ),
    "women": ("women", lambda p, t, i: p.sex[i] == Sex.WOMAN),
    "men": ("men", lambda p, t, i: p.sex[i] == Sex.MAN),
    "single_parents": (
        "single parents",
        lambda p, t, i: p.household[i] == Household.SINGLE_PARENT,
    ),
    "parents_under_3": ("parents of a child under 3", lambda p, t, i: p.children_under_3[i] > 0),
    "refugees": ("refugees and third-country nationals", lambda p, t, i: p.refugee[i]),
    "disabled": ("recognised disabled workers (RQTH)", lambda p, t, i: p.rqth[i]),
    "justice": ("people under justice", lambda p, t, i: p.justice[i]),
    "qpv": ("residents of a priority urban area (QPV)", lambda p, t, i: p.qpv[i]),
    "ase": ("young adults leaving child welfare (ASE)", lambda p, t, i: p.ase[i]),
    "long_term_unemployed": (
        f"without work for {LONG_TERM_MONTHS} months or more (DELD)",
        lambda p, t, i: p.months_without_work[i] >= LONG_TERM_MONTHS,
    ),
    "very_long_term_unemployed": (
        f"without work for {VERY_LONG_TERM_MONTHS} months or more (DETLD)",
        lambda p, t, i: p.months_without_work[i] >= VERY_LONG_TERM_MONTHS,
    ),
    "no_qualification": ("without any qualification", lambda p, t, i: p.qualification[i] == 0),
    "three_plus_obstacles": (
        f"with {FURTHEST_MIN_OBSTACLES} or more obstacles now",
        lambda p, t, i: (p.obstacles[:, i] >= 1).sum(axis=0) >= FURTHEST_MIN_OBSTACLES,
    ),
    "three_plus_obstacles_at_entry": (
        f"with {FURTHEST_MIN_OBSTACLES} or more obstacles when they arrived",
        lambda p, t, i: p.n_obstacles_at_entry[i] >= FURTHEST_MIN_OBSTACLES,
    ),
    "severe_obstacle": (
        "with at least one obstacle at its most severe (3)",
        lambda p, t, i: p.obstacles[:, i].max(axis=0) >= 3,
    ),
    "wish_to_work": ("who wish to work", lambda p, t, i: p.wish[i]),
}
"""Named publics: name -> (definition, mask function of the population, month and rows)."""

BENEFITS = {"rsa": Benefit.RSA, "ass": Benefit.ASS, "aah": Benefit.AAH, "none": Benefit.NONE}
HOUSINGS = {h.name.lower(): h for h in Housing}
SEXES = {"man": Sex.MAN, "woman": Sex.WOMAN}


def _rows(pop: Population, rows) -> tuple[Index, int]:
    if rows is None:
        return slice(None), pop.n
    rows = np.asarray(rows)
    return rows, rows.size


def public_mask(name: str, pop: Population, month: int, rows=None) -> np.ndarray:
    """Whether each person (or each of ``rows``) belongs to the public ``name``."""
    if name not in PUBLICS:
        raise KeyError(f"unknown public {name!r}; publics: {', '.join(PUBLICS)}")
    idx, _ = _rows(pop, rows)
    return np.asarray(PUBLICS[name][1](pop, month, idx), dtype=bool)


def eligible_mask(condition, pop: Population, month: int, rows=None) -> np.ndarray:
    """Whether each person (or each of ``rows``) meets ``condition`` at ``month``.

    Args:
        condition: a :class:`sim.scenario.targeting.Condition` (or any object with its fields),
            or None for everyone.
        pop: the population.
        month: the month of the decision (publics may read it).
        rows: the rows to judge (all rows if None).

    Returns:
        A boolean array, one entry per row judged. Every stated part of the condition must hold:
        belonging to at least one of ``publics`` (if any), to each of ``all_publics`` and to
        none of ``not_publics``; the age range (lower bound included, upper excluded); the
        months without work; each obstacle at or above its severity; the number of obstacles;
        the benefit, housing and sex if given; the trial arm (``trial_arm``, persons randomised
        to one of those arms of a trial run in the territory, :mod:`sim.submodels.trial`).
    """
    idx, n = _rows(pop, rows)
    ok = np.ones(n, dtype=bool)
    if condition is None:
        return ok
    if condition.publics:
        ok &= np.logical_or.reduce([public_mask(p, pop, month, rows) for p in condition.publics])
    for p in condition.all_publics:
        ok &= public_mask(p, pop, month, rows)
    for p in condition.not_publics:
        ok &= ~public_mask(p, pop, month, rows)
    if condition.age is not None:
        low, high = condition.age
        ok &= (pop.age[idx] >= low) & (pop.age[idx] < high)
    if condition.min_months_without_work is not None:
        ok &= pop.months_without_work[idx] >= condition.min_months_without_work
    if condition.max_months_without_work is not None:
        ok &= pop.months_without_work[idx] <= condition.max_months_without_work
    for name, severity in condition.obstacles.items():
        ok &= pop.obstacles[OB[name], idx] >= severity
    if condition.min_obstacles is not None:
        ok &= (pop.obstacles[:, idx] >= 1).sum(axis=0) >= condition.min_obstacles
    if condition.benefit is not None:
        allowed = np.zeros(len(Benefit), dtype=bool)
        allowed[[BENEFITS[b] for b in condition.benefit]] = True
        ok &= allowed[pop.benefit[idx]]
    if condition.housing is not None:
        allowed = np.zeros(len(Housing), dtype=bool)
        allowed[[HOUSINGS[h] for h in condition.housing]] = True
        ok &= allowed[pop.housing[idx]]
    if condition.sex is not None:
        ok &= pop.sex[idx] == SEXES[condition.sex]
    arms = getattr(condition, "trial_arm", None)
    if arms is not None:  # a trial's arm (sim.submodels.trial): nobody outside a trial
        ok &= np.isin(pop.trial_arm[idx], arms)
    return ok


def priority_rank(priority, pop: Population, month: int, rows=None) -> np.ndarray:
    """Each person's rank in an ordered list of publics (lowest first).

    0 for persons in the first public, 1 for those in the second and not the first, and so on;
    ``len(priority)`` for persons in none of them. An empty list ranks everyone 0.
    """
    _, n = _rows(pop, rows)
    rank = np.full(n, len(priority or ()), dtype=np.int64)
    for k in reversed(range(len(priority or ()))):
        rank[public_mask(priority[k], pop, month, rows)] = k
    return rank


class Targeting:
    """The eligibility and priority lists of every capacity group, judged once a month.

    Groups are named by ``(kind, name)``: ``("shelter", "emergency")``, ``("siae", "cvg")``,
    ``("employer", "construction")``, ``("service", "mobijob")``, ``("programme", "phc")``,
    ``("referent", "perle")``, ``("mediation", "atout")``. :meth:`refresh` evaluates each
    distinct condition once for the month; :meth:`eligible` and :meth:`rank` read the result.
    """

    def __init__(self, groups: dict[tuple[str, str], tuple[object, list[str]]], publics=()):
        """Keep each group's (condition, priority list), None or [] when it has none.

        ``publics`` are further publics judged each month (practice by public).
        """
        self.groups = groups
        self.conditions = {k: c for k, (c, _) in groups.items() if c is not None}
        self.priorities = {k: list(p) for k, (_, p) in groups.items() if p}
        self.publics = list(dict.fromkeys(publics))
        self.month = None
        self.pop: Population | None = None
        self._masks: dict[tuple[str, str], np.ndarray] = {}
        self._ranks: dict[tuple[str, str], np.ndarray] = {}
        self._publics: dict[str, np.ndarray] = {}

    def refresh(self, pop: Population, month: int) -> None:
        """Judge every group's condition and priority list on this month's population."""
        self.month = month
        self.pop = pop
        self._publics = {name: public_mask(name, pop, month) for name in self.publics}
        cache: dict[str, np.ndarray] = {}
        self._masks = {}
        for key, cond in self.conditions.items():
            text = cond.model_dump_json() if hasattr(cond, "model_dump_json") else repr(cond)
            if text not in cache:
                cache[text] = eligible_mask(cond, pop, month)
            self._masks[key] = cache[text]
        ranks: dict[tuple[str, ...], np.ndarray] = {}
        self._ranks = {}
        for key, prio in self.priorities.items():
            if tuple(prio) not in ranks:
                ranks[tuple(prio)] = priority_rank(prio, pop, month)
            self._ranks[key] = ranks[tuple(prio)]

    def public(self, name: str, rows=None) -> np.ndarray:
        """This month's membership of the public ``name`` (of ``rows`` if given)."""
        mask = self._publics.get(name)
        if mask is None:
            mask = public_mask(name, self.pop, self.month)
            self._publics[name] = mask
        return mask if rows is None else mask[rows]

    def eligible(self, kind: str, name: str, rows=None) -> np.ndarray | None:
        """This month's eligibility for the group (of ``rows`` if given); None: everyone."""
        mask = self._masks.get((kind, name))
        if mask is None:
            return None
        return mask if rows is None else mask[rows]

    def rank(self, kind: str, names, group: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        """Priority rank of each of ``rows`` in the group it asks for (None: no priority list).

        Args:
            kind: the kind of capacity.
            names: the group names of that kind, in index order.
            group: for each row, the index (into ``names``) of the group it asks for.
            rows: the candidates' rows.
        """
        if not any((kind, name) in self._ranks for name in names):
            return None
        rank = np.zeros(len(rows), dtype=np.int64)
        for g, name in enumerate(names):
            ranks = self._ranks.get((kind, name))
            if ranks is not None:
                mine = group == g
                rank[mine] = ranks[rows[mine]]
        return rank

    def rank_matrix(self, kind: str, names, rows: np.ndarray) -> tuple[np.ndarray, bool]:
        """Priority rank of each of ``rows`` in each group of ``names`` (0 without a list).

        Returns the ranks, one row per group, and whether any group has a priority list (if
        none, the ranks have no rows): the compiled placements' form of :meth:`rank`.
        """
        if not any((kind, name) in self._ranks for name in names):
            return np.zeros((0, len(rows)), dtype=np.int64), False
        out = np.zeros((len(names), len(rows)), dtype=np.int64)
        for g, name in enumerate(names):
            ranks = self._ranks.get((kind, name))
            if ranks is not None:
                out[g] = ranks[rows]
        return out, True

    def allowed_matrix(self, kind: str, names, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` may ask each group of ``names``: one row per group.

        Groups without a condition take everyone; with no condition at all, no rows: the
        compiled placements' form of :meth:`allowed`.
        """
        allowed = self.allowed(kind, names, rows)
        if not allowed:
            return np.ones((0, len(rows)), dtype=bool)
        out = np.ones((len(names), len(rows)), dtype=bool)
        for g, mask in allowed.items():
            out[g] = mask
        return out

    def allowed(self, kind: str, names, rows: np.ndarray) -> dict[int, np.ndarray]:
        """For each group of ``names`` with a condition, which of ``rows`` are eligible."""
        out = {}
        for g, name in enumerate(names):
            mask = self._masks.get((kind, name))
            if mask is not None:
                out[g] = mask[rows]
        return out
