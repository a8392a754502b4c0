"""Staff time of the referent structures (phase 3 of the monthly step, with the referents' logic).

Each shelter and France Travail agency has one budget of staff hours a month, whatever its
practice (DESIGN.md, decision 3: resources, not labels): its staff in FTE (social workers and
insertion officers of a shelter, advisers of an agency) x ``territory.staff.hours_per_fte`` x
``share_in_support``. Every activity draws from it at a stated cost in hours per person-month
(``territory.staff.hours``): a month of diagnostic, of work on obstacles (and re-socialisation,
project, waiting for a training), of job-search coaching (plus obstacle work when the profile
works obstacles in parallel), of follow-up in the job, of follow-up in PHC, TAPAJ or AAVA.

**Employer mediation** is reserved first: a structure spends the share ``mediation_share`` of
its hours (the shares of its practice's profiles, weighted by its practice) on contacts with
employers, i.e. ``floor(hours x share / hours.mediation_contact)`` contacts a month, its mediation
capacity. The contacts go to the structure's applicants whose plan asks for mediation, those with
the most obstacles first (at random among equals), when they apply (:mod:`sim.submodels.matching`).
The ledger shows the staff cost of the contacts made (:mod:`sim.submodels.funding`).

**Rationing.** The other hours go to the persons who need the referent's time this month. When
they do not suffice, the persons seen are drawn at random (stream ``staff``), each with all the
hours their month needs, until the next one would exceed the hours left; the others are not seen
this month: no step of their pathway, no prescription, no follow-up (their own job search goes
on). Hours used never exceed hours available (checked in :mod:`sim.invariants`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.submodels.capacity import allocate, group_starts, stable_order


@dataclass
class StaffBudget:
    """Staff hours and mediation contacts of every referent structure (shelters, then agencies).

    Attributes:
        hours: hours a month for the persons followed, per structure.
        mediation_share: share of those hours spent on employer mediation, per structure.
        hours_per_contact: staff time of one contact with an employer [h].
        capacity: mediation contacts this month, per structure.
        contacts: contacts made this month, per structure.
        hours_activities: hours given to persons this month, per structure.
        hours_needed: hours asked for this month, per structure.
    """

    hours: np.ndarray
    mediation_share: np.ndarray
    hours_per_contact: float
    capacity: np.ndarray
    contacts: np.ndarray
    hours_activities: np.ndarray
    hours_needed: np.ndarray

    @classmethod
    def build(cls, hours: np.ndarray, mediation_share: np.ndarray, spec) -> StaffBudget:
        """The budget of structures with ``hours`` a month and their mediation shares."""
        n = hours.size
        return cls(
            hours=hours.astype(float),
            mediation_share=mediation_share.astype(float),
            hours_per_contact=float(spec.hours.mediation_contact),
            capacity=np.zeros(n, dtype=np.int64),
            contacts=np.zeros(n, dtype=np.int64),
            hours_activities=np.zeros(n),
            hours_needed=np.zeros(n),
        )

    @property
    def hours_mediation(self) -> np.ndarray:
        """Hours spent on the contacts made this month, per structure."""
        return self.contacts * self.hours_per_contact

    @property
    def hours_used(self) -> np.ndarray:
        """Hours used this month (persons seen and contacts made), per structure."""
        return self.hours_activities + self.hours_mediation

    def ration(self, model, rows: np.ndarray, referent: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Open the month and decide which of ``rows`` their referent sees.

        Args:
            model: the model (its ``staff`` stream orders the persons).
            rows: persons who need their referent's time this month.
            referent: their referent structure (unified index).
            need: the hours each needs this month.

        Returns:
            Per row of ``rows``, whether the person is seen.
        """
        self.capacity = np.floor(
            self.hours * self.mediation_share / self.hours_per_contact + 1e-9
        ).astype(np.int64)
        self.contacts = np.zeros_like(self.capacity)
        left = self.hours - self.capacity * self.hours_per_contact
        n = self.hours.size
        self.hours_needed = np.bincount(referent, weights=need, minlength=n)[:n]
        seen = np.ones(rows.size, dtype=bool)
        short = self.hours_needed > left + 1e-9  # structures whose hours do not suffice
        tight = np.flatnonzero(short[referent])
        if tight.size:
            g = referent[tight]
            u = model.streams.uniform("staff", rows[tight], "ration")
            # By structure, random within: the uniforms are multiples of 2**-24 (sim.rng), so
            # (structure, uniform) is an integer key ordered as structure + uniform would be.
            key = (g.astype(np.int64) << 24) | (u * np.float32(1 << 24)).astype(np.int64)
            order = stable_order(key)
            g, h = g[order], need[tight][order]
            cum = np.cumsum(h)
            before = np.concatenate(([0.0], cum))[group_starts(g)]
            seen[tight[order]] = cum - before <= left[g] + 1e-9
        self.hours_activities = np.bincount(referent[seen], weights=need[seen], minlength=n)[:n]
        return seen

    def mediate(self, model, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Give this month's remaining contacts to ``candidates``.

        Within each structure, the candidates with the most obstacles (severity 1 or more) come
        first, at random among equals (stream ``staff``).

        Returns:
            The persons mediated (sorted) and their mediator's priority (lowest first: minus
            their number of obstacles, plus a uniform tie-breaker).
        """
        pop = model.pop
        u = model.streams.uniform("staff", candidates, "mediation")
        key = u - pop.n_obstacles(rows=candidates)
        got = allocate(candidates, pop.referent[candidates], self.capacity - self.contacts, key)
        self.contacts += np.bincount(pop.referent[got], minlength=self.contacts.size)
        got = np.sort(got)
        return got, key[np.searchsorted(candidates, got)]
