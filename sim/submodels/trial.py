"""A randomised controlled trial run inside the simulated territory (``parcours trial``).

Enrolment (phase 1, after arrivals, before the month's eligibility is judged): during the first
``enrol_months`` months, persons present, not on the incapacity route, not yet enrolled and
meeting the trial's condition (an ``eligible`` condition, :mod:`sim.submodels.eligibility`) are
enrolled, in a random order, until ``size`` are. Each enrolled person is randomised to one of
the arms, with equal allocation, by permuted blocks within strata: the stratification
attributes (sex, age band, homeless, RSA by default) define strata, and within each stratum
every block of ``len(arms)`` consecutive enrollees holds each arm once, in a random order. Arm
counts within a stratum thus never differ by more than one. Draws come from the trial's own
stream (derived from the run's seed, apart from the model's streams), so that a trial leaves the
model's other draws unchanged, and the same seed gives the same enrolment and randomisation.

An arm acts only through capacity groups whose ``eligible`` condition names it
(``trial_arm: [k]``): the trial's arm files add such groups to the territory
(:mod:`sim.experiments.trial`), and the admission rules already keep everyone else out of them.
Every other part of the territory is shared by the arms and the persons outside the trial, so a
treatment that takes its persons out of shared queues frees places for the others (spill-over),
which :meth:`Trial.capacity_frame` reports month by month.

Outcomes of each enrolled person over the ``horizon`` (months after the month of enrolment):
employed and in a durable job at its end, months employed within it, the month of the first
month-end employed (and durable) within it, and the month they left the territory or went to the
incapacity route (censoring for the Kaplan-Meier curves). A person who left counts as not
employed afterwards (intention to treat: everyone randomised stays in their arm's denominator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.population import NEVER, Population
from sim.states import Benefit, Status
from sim.submodels.eligibility import eligible_mask

TRIAL_STREAM_KEY = 7_001  # spawn key of the trial's stream, apart from the model's streams

STRATA = {
    "sex": (2, lambda p: p.sex.astype(np.int64)),
    "age": (3, lambda p: np.digitize(p.age, [26.0, 50.0]).astype(np.int64)),
    "homeless": (2, lambda p: p.homeless().astype(np.int64)),
    "rsa": (2, lambda p: (p.benefit == Benefit.RSA).astype(np.int64)),
    "three_plus_obstacles": (2, lambda p: (p.n_obstacles() >= 3).astype(np.int64)),
}
"""Stratification attributes: name -> (number of levels, level of every person)."""
AGE_BANDS = ("under_26", "26_49", "50_plus")


class Trial:
    """Enrolment, randomisation and outcomes of one trial in one run.

    Args:
        model: the model the trial runs in.
        spec: ``condition`` (an object with the fields of an ``eligible`` condition, or None
            for everyone), ``arms`` (names, the first is the reference), ``size``,
            ``enrol_months``, ``horizon`` and ``strata`` (names of :data:`STRATA`).
    """

    def __init__(self, model, spec: dict):
        """Prepare the trial's arrays (the population's ``trial_arm``: -1, not enrolled)."""
        self.condition = spec.get("condition")
        self.arms = list(spec["arms"])
        self.size = int(spec["size"])
        self.enrol_months = int(spec["enrol_months"])
        self.horizon = int(spec["horizon"])
        self.strata = list(spec.get("strata", ("sex", "age", "homeless", "rsa")))
        unknown = [s for s in self.strata if s not in STRATA]
        if unknown:
            raise ValueError(f"unknown strata {unknown}; allowed: {', '.join(STRATA)}")
        root = model.streams.seed_sequence
        self.rng = np.random.default_rng(
            np.random.SeedSequence(
                root.entropy,
                spawn_key=(*root.spawn_key, TRIAL_STREAM_KEY),
                pool_size=root.pool_size,
            )
        )
        self.rows = np.zeros(0, dtype=np.int64)
        self.t_enrol = np.zeros(0, dtype=np.int32)
        self.stratum = np.zeros(0, dtype=np.int64)
        self._pending: dict[int, list[int]] = {}
        self._capacity: list[dict] = []
        self._arm_siae = self._reserved(model, "siae", model.siae_group_names, model.siae_group)
        ref = model.referents
        # Every referent structure (shelters, agencies, teams, the Département): its team group.
        teams = np.full(ref.n, -1, dtype=np.int64)
        teams[ref.first_team : ref.first_team + ref.n_teams] = ref.team_group
        self._arm_referent = self._reserved(model, "referent", ref.team_names, teams)

    # ------------------------------------------------------------------ enrolment
    def _stratum(self, pop: Population, rows: np.ndarray) -> np.ndarray:
        code = np.zeros(rows.size, dtype=np.int64)
        for name in self.strata:
            levels, level = STRATA[name]
            code = code * levels + level(pop)[rows]
        return code

    def _draw_arms(self, stratum: int, m: int) -> list[int]:
        """The next ``m`` arms of a stratum's sequence of permuted blocks."""
        k = len(self.arms)
        queue = self._pending.setdefault(stratum, [])
        while len(queue) < m:
            queue.extend(self.rng.permutation(k).tolist())
        out, self._pending[stratum] = queue[:m], queue[m:]
        return out

    def enrol(self, model) -> None:
        """Enrol and randomise this month's eligible persons until the trial is full."""
        pop, t = model.pop, model.t
        left = self.size - self.rows.size
        if t >= self.enrol_months or left <= 0:
            return
        u = self.rng.random(pop.n)  # one draw per row: the order does not depend on who is in
        cand = pop.present() & (pop.status != Status.INCAPACITY) & (pop.trial_arm < 0)
        cand &= eligible_mask(self.condition, pop, t)
        rows = np.flatnonzero(cand)
        rows = rows[np.argsort(u[rows], kind="stable")][:left]
        rows.sort()
        stratum = self._stratum(pop, rows)
        arm = np.empty(rows.size, dtype=np.int8)
        for s in np.unique(stratum):  # a loop over strata (a few dozen), not persons
            mine = np.flatnonzero(stratum == s)
            arm[mine] = self._draw_arms(int(s), mine.size)
        pop.trial_arm[rows] = arm
        self.rows = np.concatenate([self.rows, rows])
        self.t_enrol = np.concatenate([self.t_enrol, np.full(rows.size, t, dtype=np.int32)])
        self.stratum = np.concatenate([self.stratum, stratum])
        n = self.rows.size
        for name in ("months_employed", "months_durable"):
            setattr(self, name, np.resize(getattr(self, name, np.zeros(0, np.int16)), n))
            getattr(self, name)[n - rows.size :] = 0
        for name in ("t_job", "t_durable", "t_out", "employed_h", "durable_h", "status_h"):
            setattr(self, name, np.resize(getattr(self, name, np.zeros(0, np.int32)), n))
            getattr(self, name)[n - rows.size :] = NEVER

    # ------------------------------------------------------------------ outcomes
    def record(self, model) -> None:
        """Update the enrolled persons' outcomes at the end of the month."""
        pop, t = model.pop, model.t
        self._capacity.append(self._occupancy(model))
        if self.rows.size == 0:
            return
        rows = self.rows
        since = t - self.t_enrol
        window = (since >= 1) & (since <= self.horizon)
        employed = pop.employed()[rows]
        durable = pop.durable()[rows]
        self.months_employed += window & employed
        self.months_durable += window & durable
        first = window & employed & (self.t_job == NEVER)
        self.t_job[first] = since[first]
        first = window & durable & (self.t_durable == NEVER)
        self.t_durable[first] = since[first]
        out = pop.status_in(Status.LEFT, Status.INCAPACITY)[rows] & (self.t_out == NEVER)
        self.t_out[out & window] = since[out & window]
        end = since == self.horizon
        self.employed_h[end] = employed[end]
        self.durable_h[end] = durable[end]
        self.status_h[end] = pop.status[rows][end]

    @staticmethod
    def _reserved(model, kind: str, names, group: np.ndarray) -> np.ndarray:
        """For each structure of ``group`` (its group's index), the arm it is reserved to."""
        arm = np.full(group.size + 1, -1, dtype=np.int64)  # the last entry: no structure
        for g, name in enumerate(names):
            arms = getattr(model.targeting.conditions.get((kind, name)), "trial_arm", None)
            if arms:
                arm[:-1][group == g] = arms[0]
        return arm

    def _occupancy(self, model) -> dict:
        """Shared and arm-reserved SIAE posts and referents, waiting and employed, by arm."""
        pop = model.pop
        group = np.where(pop.trial_arm >= 0, pop.trial_arm, len(self.arms)).astype(np.int64)
        k = len(self.arms) + 1
        in_siae = pop.status == Status.SIAE
        shared = in_siae & (self._arm_siae[pop.siae] < 0)  # siae -1 reads the last entry
        supported = pop.referent >= 0
        shared_ref = supported & (self._arm_referent[pop.referent] < 0)
        row = {"month": model.t}
        for key, mask in (
            ("shared_siae_posts", shared),
            ("reserved_siae_posts", in_siae & ~shared),
            ("shared_referents", shared_ref),
            ("reserved_referents", supported & ~shared_ref),
            ("waiting", pop.status == Status.WAITING),
            ("employed", pop.employed()),
        ):
            counts = np.bincount(group[mask], minlength=k)
            for a, name in enumerate([*self.arms, "not_enrolled"]):
                row[f"{key}:{name}"] = int(counts[a])
        return row

    # ------------------------------------------------------------------ tables
    def frame(self, pop: Population) -> pd.DataFrame:
        """One row per enrolled person: arm, month of enrolment, strata and outcomes."""
        rows = self.rows
        frame = pd.DataFrame(
            {
                "row": rows,
                "arm": [self.arms[a] for a in pop.trial_arm[rows]],
                "t_enrol": self.t_enrol,
                "stratum": self.stratum,
            }
        )
        # Strata as they were at enrolment (benefits and housing change during the run): decoded
        # from the stratum code of _stratum.
        code, levels = self.stratum.astype(np.int64), {}
        for name in reversed(self.strata):
            code, levels[name] = divmod(code, STRATA[name][0])
        for name in self.strata:
            frame[name] = levels[name]
        h = self.horizon
        frame["employed_h"] = np.where(self.employed_h == NEVER, 0, self.employed_h)
        frame["durable_h"] = np.where(self.durable_h == NEVER, 0, self.durable_h)
        frame["ever_employed_h"] = (self.t_job != NEVER).astype(np.int8)
        frame["ever_durable_h"] = (self.t_durable != NEVER).astype(np.int8)
        frame["months_employed_h"] = self.months_employed
        frame["months_durable_h"] = self.months_durable
        # Time to the first job (Kaplan-Meier): the month of the event, or of censoring.
        event = self.t_job != NEVER
        censor = np.where(self.t_out != NEVER, self.t_out, h)
        frame["km_time"] = np.where(event, self.t_job, censor)
        frame["km_event"] = event.astype(np.int8)
        frame["left_h"] = (self.t_out != NEVER).astype(np.int8)
        frame["observed_h"] = self.employed_h != NEVER
        return frame

    def capacity_frame(self) -> pd.DataFrame:
        """Month by month, SIAE posts (shared, reserved), referents, waiting and employed by arm."""
        return pd.DataFrame(self._capacity)
