"""Orientation, waiting lists and referents' caseloads (phase 2 of the monthly step).

Referents are the social workers of shelters (for their residents), France Travail advisers
(at each person's home agency), the teams of ``territory.referent_groups`` (a programme's own
referents, for its public) and the Département's social referents (the social track). Each
structure supports at most its caseload capacity (staff x caseload); the others wait, first come
first served. Persons outside support are oriented each month with a probability; RSA recipients
faster than others (orientation is an obligation attached to the RSA), and at once when the rules
in force register every recipient with France Travail (``duties.automatic_registration``, from 1
January 2025, loi n° 2023-1196); shelter residents are oriented by their shelter at once. The
Département decides the track of each RSA recipient it orients
(:meth:`~sim.agents.departement.Departement.orients_to_social_track`, CASF L.262-29): its social
referents or France Travail. Some people are never oriented: the non-take-up the seeds report.

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
    Track,
)
from sim.submodels.capacity import admitted, allocate, choose_allowed
from sim.submodels.transitions import to_outside


@dataclass
class Referents:
    """Referent structures in one index space.

    Indices ``[0, n_shelters)`` are shelters, then come the France Travail agencies, the referent
    teams (from :attr:`first_team`), and last the Département's social referents
    (:attr:`departement`).
    """

    n_shelters: int
    n_agencies: int
    n_teams: int
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
        cls,
        shelters,
        agencies,
        teams,
        behaviour,
        practices,
        by_public=(),
        team_spec=(),
        departement=None,
    ) -> Referents:
        """Gather the referent structures' characteristics from their agents.

        Args:
            shelters: the shelter agents (first in the index space).
            agencies: the France Travail agencies (next).
            teams: the referent teams (next).
            behaviour: the scenario's behaviour section.
            practices: the scenario's practice profiles (:class:`sim.pathways.Practices`); each
                agent's ``practice`` is already the vector of its shares of them.
            by_public: ``(structure indices, {public: practice})`` pairs, each for the
                structures that share one ``practice_by_public`` mapping.
            team_spec: per team, ``(group index, group names, dur_support or None)``.
            departement: the Département (last: its social referents), or None for a territory
                without one (its caseload is then 0).
        """
        rel = {
            EmploymentSupport.EVERY_TS: 1.0,
            EmploymentSupport.EMPLOYMENT_REFERENT: behaviour.rel_search_employment_referent,
            EmploymentSupport.INSERTION_OFFICERS: behaviour.rel_search_insertion_officers,
        }
        dep = [departement] if departement is not None else []
        everyone = [*shelters, *agencies, *teams, *dep]
        n_fixed = len(shelters) + len(agencies)
        durations = (
            [behaviour.dur_support] * n_fixed
            + [behaviour.dur_support if d is None else d for _, _, d in team_spec]
            + [behaviour.dur_support]
        )
        capacity = [s.caseload_capacity for s in everyone] + [0] * (1 - len(dep))
        practice = [s.practice for s in everyone]
        practice += [practice[-1]] * (1 - len(dep))
        return cls(
            n_shelters=len(shelters),
            n_agencies=len(agencies),
            n_teams=len(teams),
            capacity=np.array(capacity, dtype=np.int64),
            practice=np.cumsum(np.array(practice, dtype=float), axis=1),
            prescribes_iae=np.array(
                [s.prescribes_iae for s in shelters]
                + [True] * len(agencies)
                + [s.prescribes_iae for s in teams]
                + [True],
                dtype=bool,
            ),
            rel_search=np.array(
                [rel[s.employment_support] for s in shelters]
                + [1.0] * len(agencies)
                + [rel[s.employment_support] for s in teams]
                + [1.0]
            ),
            global_places=np.array(
                [0] * len(shelters)
                + [a.global_support_places for a in agencies]
                + [0] * (len(teams) + 1),
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
    def departement(self) -> int:
        """Index of the Département's social referents (after the teams)."""
        return self.first_team + self.n_teams

    def kind(self, referent: np.ndarray) -> np.ndarray:
        """The :class:`~sim.states.ReferentKind` of each referent index (-1: none)."""
        table = np.full(self.n + 1, ReferentKind.DEPARTEMENT, dtype=np.int8)  # -1 first
        table[0] = ReferentKind.NONE
        table[1 : 1 + self.n_shelters] = ReferentKind.SHELTER
        table[1 + self.n_shelters : 1 + self.first_team] = ReferentKind.FRANCE_TRAVAIL
        table[1 + self.first_team : 1 + self.departement] = ReferentKind.GROUP
        return table[np.asarray(referent) + 1]

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
    u = model.streams.uniform("orientation", rows, "renew")
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

    RSA recipients are oriented with ``behaviour.p_orientation_rsa`` a month, or at once under
    automatic registration; the Département decides their track. Referent teams with
    ``p_outreach`` also reach eligible persons outside support, who then wait (for the team
    first, see :func:`assign_referents`).
    """
    pop, b, t = model.pop, model.behaviour, model.t
    outside = np.flatnonzero(pop.status == Status.OUTSIDE)
    u = model.streams.uniform("orientation", outside, "orient")
    rsa = pop.benefit[outside] == Benefit.RSA
    p_rsa = 1.0 if model.benefit_rules["duties.automatic_registration"] else b.p_orientation_rsa
    p = np.where(rsa, p_rsa, b.p_orientation_other)
    # Residents are oriented by their shelter's social workers; hotels have none.
    shelter = pop.shelter[outside]
    staffed = (shelter >= 0) & (model.referents.capacity[np.maximum(shelter, 0)] > 0)
    p = np.where(staffed, 1.0, p)
    oriented = u < p
    ref = model.referents
    if ref.n_teams and ref.p_outreach.any():
        v = model.streams.uniform("targeting", outside, "outreach")
        p_reach = np.zeros(outside.size)
        for g, name in enumerate(ref.team_names):
            p_group = ref.p_outreach[ref.team_group == g]
            if p_group.size == 0 or p_group.max() <= 0:
                continue
            eligible = model.targeting.eligible("referent", name, outside)
            reach = p_group.max() if eligible is None else np.where(eligible, p_group.max(), 0.0)
            p_reach = np.maximum(p_reach, reach)
        reached = ~oriented & (v < p_reach)
        model.flows["outreach_reached"] += int(np.count_nonzero(reached))
        oriented |= reached
    rows = outside[oriented]
    pop.status[rows] = Status.WAITING
    pop.t_waiting_since[rows] = t
    model.flows["oriented"] += rows.size
    decide_track(model, outside[oriented & rsa])


def queue_key(model, rows: np.ndarray, label: str = "queue") -> np.ndarray:
    """Order of the waiting lists (lowest first): first come, first served, at random among equals.

    No referent reorders its list by what a funding rule rewards: no source supports it.
    """
    tie = model.streams.uniform("orientation", rows, label)
    return model.pop.t_waiting_since[rows] + tie


def decide_track(model, rows: np.ndarray) -> None:
    """The Département orients RSA recipients ``rows`` to the social or professional track.

    Shelter residents followed by their shelter's social workers are on the social track; so
    are those the Département's rule sends there, if it has social referents.
    """
    pop, ref = model.pop, model.referents
    sheltered = (pop.shelter[rows] >= 0) & (ref.capacity[np.maximum(pop.shelter[rows], 0)] > 0)
    social = model.departement.orients_to_social_track(pop, rows)
    social &= ref.capacity[ref.departement] > 0
    pop.track[rows] = np.where(sheltered | social, Track.SOCIAL, Track.PROFESSIONAL)
    model.flows["oriented_social"] += int(np.count_nonzero(social & ~sheltered))


def assign_referents(model) -> None:
    """Waiting persons get a referent where caseload allows, first come first served.

    Referent teams first take the waiting persons eligible for them; the others (and those the
    teams could not take) go to their shelter's social workers if they live in a shelter, to
    the Département's social referents if they are RSA recipients on the social track, and to
    their France Travail agency otherwise.
    """
    pop, t, ref = model.pop, model.t, model.referents
    if ref.n_teams:
        _assign_teams(model)
    waiting = np.flatnonzero(pop.status == Status.WAITING)
    in_shelter = pop.shelter[waiting] >= 0
    has_staff = ref.capacity[np.maximum(pop.shelter[waiting], 0)] > 0
    social = (pop.track[waiting] == Track.SOCIAL) & (pop.benefit[waiting] == Benefit.RSA)
    target = np.where(
        in_shelter & has_staff,
        pop.shelter[waiting],
        np.where(social, ref.departement, ref.n_shelters + pop.home_agency[waiting]),
    )
    free = ref.capacity - pop.count("referent")
    at = admitted(target, free, queue_key(model, waiting))
    rows, referent = waiting[at], target[at]
    model.flows["waiting_months"] += float(np.sum(t - pop.t_waiting_since[rows]))  # before reset
    start_support(model, rows, referent)
    model.flows["support_starts"] += rows.size
    model.flows["support_start_obstacles"] += float(pop.n_obstacles(rows=rows).sum())


def _assign_teams(model) -> None:
    """Waiting persons eligible for a referent team join one with room, by its priority list."""
    pop, ref = model.pop, model.referents
    waiting = np.flatnonzero(pop.status == Status.WAITING)
    teams = np.arange(ref.first_team, ref.first_team + ref.n_teams)
    free = ref.capacity[teams] - pop.count("referent")[teams]
    allowed = model.targeting.allowed("referent", ref.team_names, waiting)
    u = model.streams.uniform("targeting", waiting, "team")
    team = choose_allowed(u, np.maximum(free, 0).astype(float), ref.team_group, allowed)
    cand, team = waiting[team >= 0], team[team >= 0]
    if cand.size == 0:
        return
    key = queue_key(model, cand, "team queue")
    rank = model.targeting.rank("referent", ref.team_names, ref.team_group[team], cand)
    at = admitted(team, free, key, rank=rank)
    rows, referent = cand[at], ref.first_team + team[at]
    model.flows["waiting_months"] += float(np.sum(model.t - pop.t_waiting_since[rows]))
    start_support(model, rows, referent, "team logic")
    model.flows["support_starts"] += rows.size
    model.flows["support_start_obstacles"] += float(pop.n_obstacles(rows=rows).sum())


def start_support(model, rows: np.ndarray, referent: np.ndarray, label: str = "logic") -> None:
    """``rows`` start a support with ``referent`` (unified index); their profile is drawn.

    After a real break (more than ``behaviour.dur_real_break`` months without a referent, or
    none before) the support starts with a diagnostic; after a shorter gap it resumes the phase
    reached (job search for someone whose follow-up in a job ended), due at once. ``label``
    names the draw of the profile (one per way in, as a person takes at most one a month).
    """
    pop, t, b, ref = model.pop, model.t, model.behaviour, model.referents
    pop.write(rows, referent=referent)
    kind = ref.kind(referent)
    pop.referent_kind[rows] = kind
    pop.status[rows] = Status.SUPPORTED
    pop.t_support_end[rows] = t + np.round(ref.dur_support[referent]).astype(np.int32)
    pop.t_support_start[rows] = t
    pop.n_support_renewals[rows] = 0
    pop.t_waiting_since[rows] = NEVER
    pop.n_supports[rows] += 1
    pop.n_measures[rows] = 0
    u = model.streams.uniform("logic", rows, label)
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
    _global_support(model, rows[kind == ReferentKind.FRANCE_TRAVAIL])


GLOBAL_SUPPORT_MIN_SEVERE = 2  # two obstacles of severity 2+ (assumption: "cumulative obstacles")


def _global_support(model, rows: np.ndarray) -> None:
    """Accompagnement global (adviser + social worker) for cumulative obstacles, by capacity."""
    pop, ref = model.pop, model.referents
    severe = pop.n_obstacles(2, rows) >= GLOBAL_SUPPORT_MIN_SEVERE
    cand = rows[severe]
    free = ref.global_places - pop.count("global_support")
    admitted = allocate(cand, pop.referent[cand], free, pop.t_entry[cand].astype(float))
    pop.write(admitted, global_support=True)
