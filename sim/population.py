"""Columnar person state: one NumPy array per attribute (DESIGN.md, decision 1).

Every rule on persons is a vectorised function over these arrays. Rows are allocated once at the
start for the initial stock and for every scheduled arrival (status ``NOT_ARRIVED`` until their
entry month), so that the arrays never grow during a run and a person keeps the same row, the row
their ``Person`` view reads.

Initial composition follows the scenario's ``population`` section (shares by age, household,
benefit, housing, qualification; obstacle prevalences by severity, scaled for homeless people,
refugees, single parents, seniors and disabled people). See docs/ODD.md, "Initialisation".
"""

from __future__ import annotations

import numpy as np

from sim.kernels import obstacle_counts, obstacle_sums, tally_moves
from sim.states import (
    OB,
    OBSTACLES,
    Benefit,
    Contract,
    Household,
    Housing,
    Logic,
    Phase,
    Programme,
    ReferentKind,
    Service,
    Sex,
    Status,
    Track,
)

# A due month or history month that has not happened. Months before month 0 (the burn-in,
# ``run.burn_in``) are negative, so "never" is a month no run reaches; output tables show it
# as -1 (see :func:`output_months`).
NEVER = -1_000_000

# name -> (dtype, fill value). Obstacles are the 2-D array ``obstacles`` (one row per obstacle).
FIELDS: dict[str, tuple[type, object]] = {
    # who they are
    "age": (np.float32, 0.0),
    "sex": (np.int8, Sex.MAN),
    "household": (np.int8, Household.ALONE),
    "children_under_3": (np.int8, 0),
    "benefit": (np.int8, Benefit.NONE),  # benefit status now (changes, see benefits.py)
    "benefit_at_entry": (np.int8, Benefit.NONE),
    "rsa_household_eligible": (np.bool_, False),  # other household resources leave room for it
    "refugee": (np.bool_, False),
    "rqth": (np.bool_, False),
    "justice": (np.bool_, False),
    "qpv": (np.bool_, False),
    "ase": (np.bool_, False),
    "housing": (np.int8, Housing.ORDINARY),
    "shelter": (np.int32, -1),
    "housing_first": (np.bool_, False),
    "allocation": (np.int8, 0),  # Allocation: a dwelling allocated, not yet moved into
    "qualification": (np.int8, 0),
    "experience": (np.float32, 0.0),
    "months_without_work": (np.float32, 0.0),
    "confidence": (np.float32, 0.5),
    "wish": (np.bool_, True),
    "home_agency": (np.int32, 0),
    # where they are in their pathway
    "status": (np.int8, Status.NOT_ARRIVED),
    "phase": (np.int8, Phase.NONE),
    "logic": (np.int8, Logic.NONE),  # practice profile of the referent (index)
    "phase_reached": (np.int8, Phase.NONE),  # last phase while followed (resumed after a gap)
    "n_support_renewals": (np.int8, 0),  # renewals of the current support measure
    "training_planned": (np.bool_, False),  # the project includes a training in the job
    "programme": (np.int8, Programme.NONE),
    "programme_host": (np.int32, -1),  # host ACI (PHC) or shelter (AAVA)
    "programmes_done": (np.int8, 0),  # bit 1 << Programme for each programme already followed
    "siae": (np.int32, -1),
    "employer": (np.int32, -1),
    "contract": (np.int8, Contract.NONE),
    "hours": (np.float32, 0.0),
    "referent_kind": (np.int8, ReferentKind.NONE),
    "referent": (np.int32, -1),
    "service": (np.int8, Service.NONE),
    "service_unit": (np.int16, -1),  # the group of service places whose place is held
    "training_unit": (np.int16, -1),  # the group of training places whose place is held
    "mediator": (np.int16, -1),  # the mediation team working for the person
    "global_support": (np.bool_, False),
    "track": (np.int8, Track.NONE),  # RSA orientation decided by the Département
    "n_supports": (np.int16, 0),  # supports started (referents so far)
    "measure": (np.bool_, False),  # in the intensive support measure of seed 002
    "measure_mobilised": (np.bool_, False),  # mobilised onto an action during this measure
    "n_measures": (np.int8, 0),  # 6-month measures in the current support (1 renewal)
    "durable_month_0": (np.bool_, False),  # month-0 cohort: in a durable job at month 0's end
    "trial_arm": (np.int8, -1),  # arm of a trial run in the territory (-1: not enrolled)
    # benefits: earnings of the last three months (1 = last month), amounts this month
    "earnings_1": (np.float32, 0.0),  # gross EUR/month
    "earnings_2": (np.float32, 0.0),
    "earnings_3": (np.float32, 0.0),
    "rsa_amount": (np.float32, 0.0),  # RSA due this month before any suspension [EUR]
    "ppa_amount": (np.float32, 0.0),  # prime d'activité paid this month [EUR]
    "ppa_claimed": (np.bool_, False),
    "are_amount": (np.float32, 0.0),  # unemployment insurance paid per month [EUR]
    "months_rsa_unpaid": (np.int8, 0),  # consecutive months on the RSA with nothing due
    "months_last_job": (np.int16, 0),  # length of the job or CDDI that ended at t_job_lost
    "suspension_share": (np.float32, 0.0),  # share of the RSA suspended (duties)
    "rsa_withheld": (np.float32, 0.0),  # RSA suspended, repaid on remobilisation [EUR]
    "n_breaches": (np.int8, 0),  # suspensions for duties not met
    # due months and dates
    "t_entry": (np.int32, 0),
    "t_waiting_since": (np.int32, NEVER),
    "t_support_end": (np.int32, NEVER),
    "t_phase_end": (np.int32, NEVER),
    "t_contract_end": (np.int32, NEVER),
    "t_programme_end": (np.int32, NEVER),
    "t_in_job_support_end": (np.int32, NEVER),
    "t_job_training_end": (np.int32, NEVER),  # a training followed while in a job
    "t_last_followed": (np.int32, NEVER),  # last month with a referent
    "t_contract_start": (np.int32, NEVER),
    "t_shelter_since": (np.int32, NEVER),
    # months of admission to the places held (eligibility is judged at admission)
    "t_support_start": (np.int32, NEVER),
    "t_service_start": (np.int32, NEVER),
    "t_programme_start": (np.int32, NEVER),  # low-threshold programme or training
    "t_mediation_start": (np.int32, NEVER),
    "t_follow_up_end": (np.int32, NEVER),  # follow-up after a SIAE exit to a job (CVG)
    "t_housing_due": (np.int32, NEVER),  # month of moving into the allocated dwelling
    "t_affordable_since": (np.int32, NEVER),  # resources meet the rent rule since this month
    "t_measure_end": (np.int32, NEVER),
    "t_benefit_end": (np.int32, NEVER),  # end of unemployment insurance
    "t_job_lost": (np.int32, NEVER),  # month the last job or CDDI ended or broke
    "t_rsa_entry": (np.int32, NEVER),  # start of the current RSA spell
    "t_suspension_end": (np.int32, NEVER),
    # history
    "t_first_support": (np.int32, NEVER),
    "t_first_job": (np.int32, NEVER),
    "t_first_durable": (np.int32, NEVER),
    "t_housed": (np.int32, NEVER),
    "months_employed": (np.int16, 0),
    "months_durable": (np.int16, 0),
    "months_siae": (np.int16, 0),
    "n_breaks": (np.int16, 0),
    "cost": (np.float64, 0.0),
    "months_present": (np.int16, 0),
    "months_rsa": (np.int16, 0),  # months on the RSA with an amount due
    "n_rsa_entries": (np.int16, 0),  # RSA spells started after entry
    "cost_rsa": (np.float64, 0.0),  # RSA paid (the ledger's rsa_allowance) [EUR]
    "cost_ppa": (np.float64, 0.0),  # prime d'activité paid [EUR]
    "cost_rsa_reference": (np.float64, 0.0),  # full RSA each month present, RSA at entry [EUR]
    # snapshots at entry and at fixed months after entry (-1: not yet observed)
    "homeless_at_entry": (np.bool_, False),
    "n_obstacles_at_entry": (np.int8, 0),
    "months_without_work_at_entry": (np.float32, 0.0),
    "employed_6": (np.int8, -1),
    "employed_12": (np.int8, -1),
    "employed_24": (np.int8, -1),
    "durable_12": (np.int8, -1),
    "durable_24": (np.int8, -1),
    "positive_exit_12": (np.int8, -1),
    "paid_activity_12": (np.int8, -1),  # employed (PHC included), TAPAJ or AAVA at 12 months
    "reached_12": (np.int8, -1),  # supported or in a programme by 12 months after entry
    "housed_24": (np.int8, -1),
    "rsa_12": (np.int8, -1),  # on the RSA 12 months after entry
}

# What each person holds in a structure with a capacity, as a structure index per row (-1 none),
# from the columns it depends on: the count per structure is kept up to date by
# :meth:`Population.write` (see :meth:`Population.keep_count`).
HOLDINGS: dict[str, tuple[str, ...]] = {
    "shelter": ("shelter",),  # a shelter place (index of the shelter)
    "shelter_family": ("shelter", "household"),  # a shelter's family place (index of the shelter)
    "referent": ("referent",),  # a slot in a referent structure's caseload
    "global_support": ("referent", "global_support"),  # a place in accompagnement global
    "siae": ("siae",),  # a SIAE post
    "service": ("service",),  # a service place (index of the Service)
    "service_unit": ("service_unit",),  # a place in a group of service places (its index)
    "training_unit": ("training_unit",),  # a place in a group of training places (its index)
    "mediator": ("mediator",),  # a place followed by a mediation team (its index)
    "phc": ("programme", "programme_host"),  # a PHC place (index of the host SIAE)
    "tapaj": ("programme",),  # a TAPAJ place (one programme: index 0)
    "aava": ("programme", "programme_host"),  # an AAVA place (index of the host shelter)
}

AGE_BOUNDS = {"young": (16.0, 26.0), "prime": (26.0, 50.0), "senior": (50.0, 65.0)}
SHARE_MOTHERS_SINGLE_PARENT = 0.85  # INSEE: about 85% of single-parent families are mothers
CONFIDENCE_CONCENTRATION = 4.0  # Beta(a, b) with a + b = 4: a wide spread (assumption)


class Population:
    """The state of every person, one array per attribute.

    Rows are ordered by month of arrival, so the persons arrived by month ``t`` are the first
    rows. Each month the model makes only those rows visible (:meth:`activate`): every attribute
    (``pop.status``, ``pop.obstacles``...) is then a view of the first ``n`` rows of its column,
    and every rule works on the persons who have arrived, not on the rows of persons still to
    come. Writing to a view writes the column. :meth:`column` gives a whole column.

    Attributes:
        n: number of rows visible (all of them unless the model activated fewer).
        size: number of rows (initial stock plus every scheduled arrival).
        obstacles: ``int8`` array of shape (len(OBSTACLES), n), severities 0-3.
    """

    def __init__(self, n: int):
        """Allocate ``n`` rows filled with each field's default, all visible."""
        self.size = n
        self._columns = {
            name: np.full(n, fill, dtype=dtype) for name, (dtype, fill) in FIELDS.items()
        }
        self._obstacles = np.zeros((len(OBSTACLES), n), dtype=np.int8)
        self._arrival = np.zeros(n, dtype=np.int32)  # month of arrival, sorted (schedule)
        self._counts: dict[str, np.ndarray] = {}  # holdings counted per structure (track)
        # per tuple of fields written: the columns to gather and the holdings they change
        self._affected: dict[tuple, tuple[tuple[str, ...], list[str]]] = {}
        self.show(n)

    def schedule(self) -> None:
        """Keep the rows' months of arrival (``t_entry`` as drawn, sorted) for :meth:`activate`."""
        if np.any(np.diff(self.t_entry) < 0):
            raise ValueError("rows must be ordered by month of arrival")
        self._arrival = self.t_entry.copy()

    def activate(self, t: int) -> None:
        """Make visible the rows of the persons who arrive by month ``t``."""
        self.show(int(np.searchsorted(self._arrival, t, side="right")))

    def show(self, n: int) -> None:
        """Make the first ``n`` rows visible: every attribute becomes a view of them."""
        self.n = n
        for name, column in self._columns.items():
            setattr(self, name, column[:n])
        self.obstacles = self._obstacles[:, :n]

    # --------------------------------------------------------------- holdings, counted
    def holding(self, name: str, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The structure each of ``rows`` holds a place in, for holding ``name`` (-1: none)."""
        return _held(name, {c: getattr(self, c)[rows] for c in HOLDINGS[name]}).astype(np.int64)

    def recount(self, name: str) -> np.ndarray:
        """Persons per structure for holding ``name``, counted over every row shown."""
        held = self.holding(name)
        n = self._counts[name].size
        return np.bincount(held[held >= 0], minlength=n)[:n]

    def keep_count(self, name: str, n_structures: int) -> None:
        """Keep the count of holding ``name`` per structure (of ``n_structures``) up to date.

        Counted once now; afterwards :meth:`write` updates it for the rows it changes, so that
        rules read the occupancy of every structure without scanning every person. A write that
        bypasses :meth:`write` leaves the count wrong, which :func:`sim.invariants.
        check_invariants` reports (the count must equal :meth:`recount`).
        """
        self._counts[name] = np.zeros(max(int(n_structures), 0), dtype=np.int64)
        self._counts[name][:] = self.recount(name)
        self._affected.clear()

    def retrack(self) -> None:
        """Count every tracked holding again (after fields were set without :meth:`write`)."""
        for name, counts in self._counts.items():
            counts[:] = self.recount(name)

    def tracked(self) -> list[str]:
        """The holdings whose count per structure is kept (see :meth:`keep_count`)."""
        return list(self._counts)

    def count(self, name: str) -> np.ndarray:
        """Persons per structure holding a place of kind ``name`` (kept up to date; read only)."""
        return self._counts[name]

    def write(self, rows: np.ndarray, **values) -> None:
        """Set fields of ``rows`` (``pop.write(rows, shelter=3, t_shelter_since=t)``).

        The counts of the holdings that depend on the fields written (:data:`HOLDINGS`) are
        updated for those rows. Fields that no holding depends on may be written either way.
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        if rows.size == 0:
            return
        plan = self._affected.get(tuple(values))
        if plan is None:  # the holdings that depend on these fields, found once
            affected = [h for h in self._counts if set(values).intersection(HOLDINGS[h])]
            columns = tuple({c: None for h in affected for c in HOLDINGS[h]})
            plan = self._affected[tuple(values)] = (columns, affected)
        columns, affected = plan
        old = {c: getattr(self, c)[rows] for c in columns}  # each column gathered once
        for name, value in values.items():
            getattr(self, name)[rows] = value
        new = {c: getattr(self, c)[rows] for c in columns}
        for h in affected:  # only the rows whose holding changed move a count
            tally_moves(self._counts[h], _held(h, old), _held(h, new))

    def column(self, name: str) -> np.ndarray:
        """The whole column of a field (every row, visible or not); ``obstacles`` is 2-D."""
        return self._obstacles if name == "obstacles" else self._columns[name]

    def __getstate__(self) -> dict:
        """Pickle the columns only (the views are made again when unpickled)."""
        return {k: v for k, v in self.__dict__.items() if k not in FIELDS and k != "obstacles"}

    def __setstate__(self, state: dict) -> None:
        """Restore the columns and the views of the visible rows."""
        self.__dict__.update(state)
        self.show(state["n"])

    def obstacle(self, name: str) -> np.ndarray:
        """The severities of one obstacle (a view: writing to it changes the population)."""
        return self.obstacles[OB[name]]

    def n_obstacles(self, min_severity: int = 1, rows: np.ndarray | None = None) -> np.ndarray:
        """Number of obstacles of at least ``min_severity``, per person (or for ``rows``).

        Read row by row (:func:`sim.kernels.obstacle_counts`): gathering ``obstacles[:, rows]``
        first copies every obstacle of the rows, several times slower.
        """
        return obstacle_counts(self.obstacles, self._rows(rows), min_severity)

    def total_severity(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The sum of the severities of each person's obstacles (or of ``rows``'), as int16."""
        return obstacle_sums(self.obstacles, self._rows(rows))

    def obstacles_of(self, rows: np.ndarray) -> np.ndarray:
        """The obstacles of ``rows``: ``obstacles[:, rows]``, gathered twice as fast."""
        return np.take(self.obstacles, rows, axis=1)

    def _rows(self, rows: np.ndarray | None) -> np.ndarray:
        """Row indices: every visible row for None, the rows where a mask holds."""
        if rows is None:
            return np.arange(self.n)
        rows = np.asarray(rows)
        return np.flatnonzero(rows) if rows.dtype == bool else rows

    def severities(self, kinds: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Severities of the obstacles ``kinds`` (indices into OBSTACLES) of ``rows``: (k, rows)."""
        return self.obstacles[np.ix_(kinds, rows)]

    def max_severity(self) -> np.ndarray:
        """Highest obstacle severity, per person."""
        return self.obstacles.max(axis=0)

    def status_in(self, *statuses: Status) -> np.ndarray:
        """Whether each person's status is one of ``statuses`` (comparisons, no sort)."""
        out = self.status == int(statuses[0])
        for status in statuses[1:]:
            out |= self.status == int(status)
        return out

    def present(self) -> np.ndarray:
        """Persons in the territory this month (arrived and not left)."""
        return (self.status != Status.NOT_ARRIVED) & (self.status != Status.LEFT)

    def homeless(self) -> np.ndarray:
        """Persons on the street or in an emergency or insertion shelter."""
        return self.housing <= Housing.CHRS

    def place_type(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The shelter places that suit each person (PlaceType: single adult or family).

        For ``rows`` only if given (cheaper than the whole population).
        """
        household = self.household if rows is None else self.household[rows]
        return (household != Household.ALONE).astype(np.int8)

    def employed(self) -> np.ndarray:
        """Persons in an ordinary job or a SIAE contract, PHC included (a CDDI, seed 003 L902)."""
        return (
            (self.status == Status.JOB)
            | (self.status == Status.SIAE)
            | ((self.status == Status.LOW_THRESHOLD) & (self.programme == Programme.PHC))
        )

    def in_paid_activity(self) -> np.ndarray:
        """Persons employed (PHC included) or in TAPAJ (paid by the day) or AAVA (a stipend)."""
        return self.employed() | (self.status == Status.LOW_THRESHOLD)

    def durable(self) -> np.ndarray:
        """Persons in an ordinary CDI or CDD of 6 months or more."""
        return (self.status == Status.JOB) & (self.contract <= Contract.CDD_LONG)

    def to_frame(self):
        """All attributes as a pandas DataFrame (one row per person, one column per field).

        Months that never happened are -1 (see :func:`output_months`).
        """
        import pandas as pd

        cols = {name: output_months(getattr(self, name)) for name in FIELDS}
        for k, name in enumerate(OBSTACLES):
            cols[f"obstacle_{name}"] = self.obstacles[k]
        return pd.DataFrame(cols)


# The holdings that are not simply a column: the structure index from the columns they read.
# The codes' plain values (``.value``): every write of these columns computes them, on a few rows.
_HELD = {
    # the place type of Population.place_type: not alone
    "shelter_family": lambda c: np.where(c["household"] != Household.ALONE.value, c["shelter"], -1),
    "global_support": lambda c: np.where(c["global_support"], c["referent"], -1),
    "phc": lambda c: np.where(c["programme"] == Programme.PHC.value, c["programme_host"], -1),
    "tapaj": lambda c: np.where(c["programme"] == Programme.TAPAJ.value, 0, -1),
    "aava": lambda c: np.where(c["programme"] == Programme.AAVA.value, c["programme_host"], -1),
}


def _held(name: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Holding ``name`` (structure index, -1 none) from the columns it depends on."""
    rule = _HELD.get(name)
    return columns[name] if rule is None else rule(columns)


def output_months(values: np.ndarray) -> np.ndarray:
    """``values`` with :data:`NEVER` shown as -1, as the output tables write "never".

    Months of the history (first support, job, durable job, housing) are never negative
    otherwise; a due month or a "since" month of the burn-in is negative, so -1 there can also
    be the last month of the burn-in.
    """
    if values.dtype != np.int32:
        return values
    return np.where(values == NEVER, np.int32(-1), values)


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """Index of the category drawn for each of ``n`` persons, by shares in dict order."""
    p = np.array(list(shares.values()), dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def arrival_months(
    spec, persons: int, months: int, rng: np.random.Generator, burn_in: int = 0
) -> np.ndarray:
    """Entry month of every row, in order: the initial stock, then Poisson arrivals each month.

    The initial stock enters at the first month simulated, ``-burn_in`` (month 0 without a
    burn-in); arrivals follow each month up to ``months - 1``. Rows are thus sorted by entry
    month, so the persons arrived by any month are a prefix of the rows.
    """
    first = -int(burn_in)
    per_month = rng.poisson(spec.arrivals_per_month * persons, size=max(months - 1 - first, 0))
    later = np.repeat(np.arange(first + 1, months, dtype=np.int32), per_month)
    return np.concatenate([np.full(persons, first, dtype=np.int32), later])


def create_population(
    scenario,
    n_agencies: int,
    rng: np.random.Generator,
    rng_arrivals,
    rsa_ages: tuple[float, float] = (25.0, np.inf),
):
    """Draw the initial stock and every scheduled arrival from the scenario's composition.

    Args:
        scenario: the validated scenario.
        n_agencies: number of France Travail agencies (each person has a home agency).
        rng: the ``population`` stream.
        rng_arrivals: the ``arrivals`` stream (how many arrive each month).
        rsa_ages: the ages at which the RSA opens and closes (rules in force), in years.

    Returns:
        A :class:`Population` with ``t_entry`` set; shelters are assigned by the model.
    """
    spec = scenario.population
    run = scenario.run
    t_entry = arrival_months(spec, run.persons, run.months, rng_arrivals, run.burn_in)
    n = len(t_entry)
    pop = Population(n)
    pop.t_entry[:] = t_entry
    pop.schedule()

    group = _pick(rng, spec.age.model_dump(), n)
    lows = np.array([b[0] for b in AGE_BOUNDS.values()])
    highs = np.array([b[1] for b in AGE_BOUNDS.values()])
    pop.age[:] = lows[group] + rng.random(n) * (highs[group] - lows[group])
    young, senior = pop.age < 26, pop.age >= 50

    pop.household[:] = _pick(rng, spec.household.model_dump(), n)
    single_parent = pop.household == Household.SINGLE_PARENT
    p_woman = np.where(single_parent, SHARE_MOTHERS_SINGLE_PARENT, spec.share_women)
    pop.sex[:] = rng.random(n) < p_woman
    parent = pop.household != Household.ALONE
    pop.children_under_3[:] = parent & (rng.random(n) < spec.p_child_under_3)

    pop.benefit[:] = _pick(rng, spec.benefit.model_dump(), n) + 1
    pop.benefit[pop.benefit == 4] = Benefit.NONE  # shares are in the order rsa, ass, aah, none
    # RSA is open from age 25 (CASF L.262-4) to the pension age: other "RSA" draws get none.
    outside_ages = (pop.age < rsa_ages[0]) | (pop.age >= rsa_ages[1])
    pop.benefit[(pop.benefit == Benefit.RSA) & outside_ages] = Benefit.NONE
    pop.refugee[:] = rng.random(n) < spec.share_refugee
    pop.rqth[:] = rng.random(n) < spec.share_rqth
    pop.justice[:] = rng.random(n) < spec.share_justice
    pop.qpv[:] = rng.random(n) < spec.share_qpv
    pop.ase[:] = young & (rng.random(n) < spec.share_ase_among_young)

    pop.housing[:] = _pick(rng, spec.housing.model_dump(), n)
    homeless = pop.housing <= Housing.CHRS

    for k, name in enumerate(OBSTACLES):
        ob = spec.obstacles[name]
        rel = np.ones(n)
        rel[homeless] *= ob.rel_homeless
        rel[pop.refugee] *= ob.rel_refugee
        rel[single_parent] *= ob.rel_single_parent
        rel[senior] *= ob.rel_senior
        rel[pop.rqth] *= ob.rel_rqth
        # Thresholds from the most severe down: u < p3 gives 3, then p2 more gives 2, then 1.
        cum = np.cumsum(ob.p[::-1])
        u = rng.random(n)
        cap = 0.98  # keep some persons free of each obstacle whatever the multipliers
        sev = sum((u < np.minimum(rel * c, cap * c / cum[-1] if cum[-1] else 0)) for c in cum)
        pop.obstacles[k] = sev
    # Only parents of a child under 3 have a childcare obstacle; the justice obstacle is carried
    # by persons under justice only.
    pop.obstacles[OB["childcare"]] *= pop.children_under_3 > 0
    pop.obstacles[OB["justice"]] *= pop.justice

    pop.qualification[:] = _pick(rng, spec.qualification.model_dump(), n)
    years_active = np.clip((pop.age - 16.0) / 15.0, 0.1, 1.0)
    pop.experience[:] = rng.exponential(spec.mean_experience, n) * years_active
    pop.months_without_work[:] = rng.exponential(spec.mean_months_without_work, n)
    a = CONFIDENCE_CONCENTRATION * spec.confidence_mean
    pop.confidence[:] = rng.beta(max(a, 1e-3), max(CONFIDENCE_CONCENTRATION - a, 1e-3), n)
    pop.wish[:] = rng.random(n) < spec.p_wish_to_work
    pop.home_agency[:] = rng.integers(0, max(n_agencies, 1), n)

    pop.homeless_at_entry[:] = homeless
    pop.n_obstacles_at_entry[:] = pop.n_obstacles()
    pop.months_without_work_at_entry[:] = pop.months_without_work

    # Drawn last, so that the draws above do not depend on it. Recipients of the RSA or the ASS
    # (means-tested at a similar level) live in households that would be entitled to the RSA
    # without earnings; of those without a benefit, a share would be (non-take-up), the others
    # have other household resources (a partner's income...). AAH recipients would not.
    pop.benefit_at_entry[:] = pop.benefit
    pop.t_rsa_entry[:] = np.where(pop.benefit == Benefit.RSA, pop.t_entry, NEVER)
    eligible = rng.random(n) < spec.share_rsa_eligible_without_benefit
    pop.rsa_household_eligible[:] = np.isin(pop.benefit, (Benefit.RSA, Benefit.ASS)) | (
        (pop.benefit == Benefit.NONE) & eligible
    )
    return pop
