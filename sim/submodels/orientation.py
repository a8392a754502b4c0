"""Orientation, waiting lists and referents' caseloads (phase 2 of the monthly step).

Referents are the social workers of shelters (for their residents), France Travail advisers
(for everyone else, at their home agency) and the teams of ``territory.referent_groups`` (a
programme's own referents, for its public). Each structure supports at most its caseload capacity
(staff x caseload); the others wait, first come first served (but see :func:`queue_key`: a
results-based RSA measure changes whom France Travail takes first). RSA recipients are oriented
faster than others (the orientation is an obligation attached to the RSA); shelter residents are
oriented by their shelter at once. Some people are never oriented: the non-take-up the seeds report.

A support measure lasts ``behaviour.dur_support`` months, or its team's ``dur_support``, and may
be renewed ``behaviour.n_support_renewals`` times (6 months renewable once, seed 001 L141, seed
002 L27): at its due month a person still supported is renewed with probability
``behaviour.p_support_renewal`` ("si nécessaire", seed 001; "sur prescription du référent",
seed 002), and the pathway goes on in the phase reached; otherwise the person is outside support
again. A new support starts with a diagnostic only after a real break (more than
``behaviour.dur_real_break`` months without a referent); after a shorter gap it resumes the phase
the person had reached.

Referent teams take first, where their caseload allows, the waiting persons who are eligible for
them (``eligible``), in the order of their ``priority`` list then first come first served; with
``p_outreach`` they also reach eligible persons outside any support ("aller vers", stream
``targeting``), who then wait for them. Each person starting support is followed under one
practice profile, drawn (stream ``logic``) with the shares of the structure's practice, or of its
practice for the person's public (``practice_by_public``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import NEVER
from sim.states import (
    Benefit,
    EmploymentSupport,
    Phase,
    ReferentKind,
    Status,
)
from sim.submodels.capacity import allocate, choose_allowed, occupancy
from sim.submodels.matching import employability
from sim.submodels.transitions import to_outside


@dataclass
class Referents:
    """Referent structures in one index space: shelters, France Travail agencies, then teams."""

    n_shelters: int
    n_agencies: int
    capacity: np.ndarray  # persons each can support at once
    practice: np.ndarray  # (structures, profiles): cumulative shares of the practice profiles
    prescribes_iae: np.ndarray
    rel_search: np.ndarray  # job-search intensity from how employment support is organised
    global_places: np.ndarray  # places in accompagnement global (agencies only)
    dur_support: np.ndarray  # months of a support measure
    team_group: np.ndarray  # per team, the index of its group in territory.referent_groups
    team_names: list[str]  # the names of territory.referent_groups, in order
    p_outreach: np.ndarray  # per team
    # practice by public: (structure indices, [(public, cumulative shares of the profiles), ...]
    # in order of precedence)
    practice_by_public: list[tuple[np.ndarray, list[tuple[str, np.ndarray]]]]

    @classmethod
    def build(
        cls, shelters, agencies, teams, behaviour, practices, by_public=(), team_spec=()
    ) -> Referents:
        """Gather the referent structures' characteristics from their agents.

        Args:
            shelters: the shelter agents (first in the index space).
            agencies: the France Travail agencies (next).
            teams: the referent teams (last).
            behaviour: the scenario's behaviour section.
            practices: the scenario's practice profiles (:class:`sim.pathways.Practices`); each
                agent's ``practice`` is already the vector of its shares of them.
            by_public: ``(structure indices, {public: practice})`` pairs, each for the
                structures that share one ``practice_by_public`` mapping.
            team_spec: per team, ``(group index, group names, dur_support or None)``.
        """
        rel = {
            EmploymentSupport.EVERY_TS: 1.0,
            EmploymentSupport.EMPLOYMENT_REFERENT: behaviour.rel_search_employment_referent,
            EmploymentSupport.INSERTION_OFFICERS: behaviour.rel_search_insertion_officers,
        }
        everyone = [*shelters, *agencies, *teams]
        n_fixed = len(shelters) + len(agencies)
        durations = [behaviour.dur_support] * n_fixed + [
            behaviour.dur_support if d is None else d for _, _, d in team_spec
        ]
        return cls(
            n_shelters=len(shelters),
            n_agencies=len(agencies),
            capacity=np.array([s.caseload_capacity for s in everyone], dtype=np.int64),
            practice=np.cumsum(np.array([s.practice for s in everyone], dtype=float), axis=1),
            prescribes_iae=np.array(
                [s.prescribes_iae for s in shelters]
                + [True] * len(agencies)
                + [s.prescribes_iae for s in teams],
                dtype=bool,
            ),
            rel_search=np.array(
                [rel[s.employment_support] for s in shelters]
                + [1.0] * len(agencies)
                + [rel[s.employment_support] for s in teams]
            ),
            global_places=np.array(
                [0] * len(shelters)
                + [a.global_support_places for a in agencies]
                + [0] * len(teams),
                dtype=np.int64,
            ),
            dur_support=np.array(durations, dtype=float),
            team_group=np.array([g for g, _, _ in team_spec], dtype=np.int64),
            team_names=list(team_spec[0][1]) if team_spec else [],
            p_outreach=np.array([s.p_outreach for s in teams], dtype=float),
            practice_by_public=[
                (
                    np.asarray(idx, dtype=np.int64),
                    [(public, np.cumsum(practices.weights(p))) for public, p in mapping.items()],
                )
                for idx, mapping in by_public
                if mapping
            ],
        )

    @property
    def n(self) -> int:
        """Number of referent structures."""
        return self.capacity.size

    @property
    def first_team(self) -> int:
        """Index of the first referent team (after shelters and agencies)."""
        return self.n_shelters + self.n_agencies

    @property
    def n_teams(self) -> int:
        """Number of referent teams."""
        return self.n - self.first_team

    def is_france_travail(self, referent: np.ndarray) -> np.ndarray:
        """Whether each referent index is a France Travail agency."""
        return (referent >= self.n_shelters) & (referent < self.first_team)

    def practice_for(self, model, rows: np.ndarray, referent: np.ndarray) -> np.ndarray:
        """The practice each of ``rows`` gets from its ``referent``: cumulative profile shares.

        The structure's practice, or its practice for the first public of its
        ``practice_by_public`` that the person belongs to. One row per person, one column per
        profile (in the order of ``model.practices.names``).
        """
        practice = self.practice[referent].copy()
        for structures, items in self.practice_by_public:
            mine = np.isin(referent, structures)
            if not mine.any():
                continue
            for public, value in reversed(items):
                hit = mine & model.targeting.public(public, rows)
                practice[hit] = value
        return practice


def end_of_support(model) -> None:
    """Support measures that reach their end are renewed or leave persons outside support.

    A measure that ended while the person was in a programme, a training or an immersion ends
    (or is renewed) when they come back to their referent. A renewal continues the phase reached.
    """
    pop, t, b = model.pop, model.t, model.behaviour
    ended = (pop.t_support_end != NEVER) & (pop.t_support_end <= t) & (pop.referent >= 0)
    ended &= pop.status == Status.SUPPORTED
    rows = np.flatnonzero(ended)
    u = model.streams.uniform("orientation", pop.n)[rows]
    renew = (pop.n_support_renewals[rows] < b.n_support_renewals) & (u < b.p_support_renewal)
    renewed = rows[renew]
    pop.n_support_renewals[renewed] += 1
    period = np.round(model.referents.dur_support[pop.referent[renewed]]).astype(np.int32)
    pop.t_support_end[renewed] = t + period
    to_outside(pop, rows[~renew])
    model.flows["support_renewals"] += renewed.size
    model.flows["support_ends"] += rows.size - renewed.size


def orient(model) -> None:
    """Persons outside support are oriented to a referent (and wait if caseloads are full).

    Referent teams with ``p_outreach`` also reach eligible persons outside support, who then
    wait (for the team first, see :func:`assign_referents`).
    """
    pop, b, t = model.pop, model.behaviour, model.t
    outside = pop.status == Status.OUTSIDE
    u = model.streams.uniform("orientation", pop.n)
    p = np.where(pop.benefit == Benefit.RSA, b.p_orientation_rsa, b.p_orientation_other)
    # Residents are oriented by their shelter's social workers; hotels have none.
    staffed = (pop.shelter >= 0) & (model.referents.capacity[np.maximum(pop.shelter, 0)] > 0)
    p = np.where(staffed, 1.0, p)
    oriented = outside & (u < p)
    ref = model.referents
    if ref.n_teams and ref.p_outreach.any():
        v = model.streams.uniform("targeting", pop.n)
        p_reach = np.zeros(pop.n)
        for g, name in enumerate(ref.team_names):
            p_group = ref.p_outreach[ref.team_group == g]
            if p_group.size == 0 or p_group.max() <= 0:
                continue
            eligible = model.targeting.eligible("referent", name)
            reach = p_group.max() if eligible is None else np.where(eligible, p_group.max(), 0.0)
            p_reach = np.maximum(p_reach, reach)
        reached = outside & ~oriented & (v < p_reach)
        model.flows["outreach_reached"] += int(np.count_nonzero(reached))
        oriented |= reached
    rows = np.flatnonzero(oriented)
    pop.status[rows] = Status.WAITING
    pop.t_waiting_since[rows] = t
    model.flows["oriented"] += rows.size


def queue_key(model, rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Order of the waiting lists (lowest first).

    First come, first served; but when the RSA measure pays a variable part on results,
    France Travail referents take first whom it rewards (funding shapes behaviour, seed 003):
    the most employable when it rewards exits, the most obstructed when it rewards the furthest.
    """
    pop = model.pop
    tie = model.streams.uniform("orientation", pop.n)[rows]
    key = pop.t_waiting_since[rows] + tie
    rule = model.policy.funding.measure
    if rule.variable_part:
        at_ft = model.referents.is_france_travail(target)
        if rule.reward == "exits":
            rank = -employability(model, rows)
        else:
            rank = -pop.n_obstacles()[rows].astype(float)
        key = np.where(at_ft, rank + tie * 1e-3, key)
    return key


def assign_referents(model) -> None:
    """Waiting persons get a referent where caseload allows (see :func:`queue_key`).

    Referent teams first take the waiting persons eligible for them; the others (and those the
    teams could not take) go to their shelter's social workers or their France Travail agency.
    """
    pop, t, ref = model.pop, model.t, model.referents
    if ref.n_teams:
        _assign_teams(model)
    waiting = np.flatnonzero(pop.status == Status.WAITING)
    in_shelter = pop.shelter[waiting] >= 0
    has_staff = ref.capacity[np.maximum(pop.shelter[waiting], 0)] > 0
    target = np.where(
        in_shelter & has_staff, pop.shelter[waiting], ref.n_shelters + pop.home_agency[waiting]
    )
    free = ref.capacity - occupancy(pop.referent, ref.n)
    rows = allocate(waiting, target, free, queue_key(model, waiting, target))
    referent = target[np.searchsorted(waiting, rows)] if rows.size else rows
    start_support(model, rows, referent)
    model.flows["support_starts"] += rows.size
    model.flows["support_start_obstacles"] += float(pop.n_obstacles()[rows].sum())
    model.flows["waiting_months"] += float(np.sum(t - pop.t_waiting_since[rows]))


def _assign_teams(model) -> None:
    """Waiting persons eligible for a referent team join one with room, by its priority list."""
    pop, ref = model.pop, model.referents
    waiting = np.flatnonzero(pop.status == Status.WAITING)
    teams = np.arange(ref.first_team, ref.n)
    free = ref.capacity[teams] - occupancy(pop.referent, ref.n)[teams]
    allowed = model.targeting.allowed("referent", ref.team_names, waiting)
    u, tie = model.streams["targeting"].random((2, pop.n), dtype=np.float32)[:, waiting]
    team = choose_allowed(u, np.maximum(free, 0).astype(float), ref.team_group, allowed)
    cand, team, tie = waiting[team >= 0], team[team >= 0], tie[team >= 0]
    if cand.size == 0:
        return
    # First come first served (its own stream: the other referents' draws stay the same).
    key = pop.t_waiting_since[cand] + tie
    rank = model.targeting.rank("referent", ref.team_names, ref.team_group[team], cand)
    rows = allocate(cand, team, free, key, rank=rank)
    referent = ref.first_team + team[np.searchsorted(cand, rows)] if rows.size else rows
    start_support(model, rows, referent)
    model.flows["support_starts"] += rows.size
    model.flows["support_start_obstacles"] += float(pop.n_obstacles()[rows].sum())
    model.flows["waiting_months"] += float(np.sum(model.t - pop.t_waiting_since[rows]))


def start_support(model, rows: np.ndarray, referent: np.ndarray) -> None:
    """``rows`` start a support with ``referent`` (unified index); their profile is drawn.

    After a real break (more than ``behaviour.dur_real_break`` months without a referent, or
    none before) the support starts with a diagnostic; after a shorter gap it resumes the phase
    reached (job search for someone whose follow-up in a job ended), due at once.
    """
    pop, t, b, ref = model.pop, model.t, model.behaviour, model.referents
    pop.referent[rows] = referent
    is_shelter = referent < ref.n_shelters
    is_ft = ref.is_france_travail(referent)
    pop.referent_kind[rows] = np.select(
        [is_shelter, is_ft], [ReferentKind.SHELTER, ReferentKind.FRANCE_TRAVAIL], ReferentKind.GROUP
    )
    pop.status[rows] = Status.SUPPORTED
    pop.t_support_end[rows] = t + np.round(ref.dur_support[referent]).astype(np.int32)
    pop.t_support_start[rows] = t
    pop.n_support_renewals[rows] = 0
    pop.t_waiting_since[rows] = NEVER
    u = model.streams.uniform("logic", pop.n)[rows]
    cum = ref.practice_for(model, rows, referent)
    pop.logic[rows] = np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)
    last = pop.t_last_followed[rows]
    resume = (
        (last != NEVER) & (t - last <= b.dur_real_break) & (pop.phase_reached[rows] != Phase.NONE)
    )
    fresh = rows[~resume]
    pop.phase[fresh] = Phase.DIAGNOSTIC
    pop.t_phase_end[fresh] = t + model.practices.dur_diagnostic[pop.logic[fresh]]
    pop.training_planned[fresh] = False
    back = rows[resume]
    reached = pop.phase_reached[back]
    pop.phase[back] = np.where(reached == Phase.IN_JOB, Phase.JOB_SEARCH, reached)
    pop.t_phase_end[back] = t
    model.flows["support_resumed"] += back.size
    first = rows[pop.t_first_support[rows] == NEVER]
    pop.t_first_support[first] = t
    # The RSA support measure (seed 002) for RSA recipients followed by France Travail.
    measure = rows[is_ft & (pop.benefit[rows] == Benefit.RSA)]
    pop.measure[measure] = True
    pop.measure_paid_variable[measure] = False
    model.ledger.measure_starts(measure)
    _global_support(model, rows[is_ft])


GLOBAL_SUPPORT_MIN_SEVERE = 2  # two obstacles of severity 2+ (assumption: "cumulative obstacles")


def _global_support(model, rows: np.ndarray) -> None:
    """Accompagnement global (adviser + social worker) for cumulative obstacles, by capacity."""
    pop, ref = model.pop, model.referents
    severe = (pop.obstacles[:, rows] >= 2).sum(axis=0) >= GLOBAL_SUPPORT_MIN_SEVERE
    cand = rows[severe]
    used = occupancy(np.where(pop.global_support, pop.referent, -1), ref.n)
    free = ref.global_places - used
    admitted = allocate(cand, pop.referent[cand], free, pop.t_entry[cand].astype(float))
    pop.global_support[admitted] = True
