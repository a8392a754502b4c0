"""The events table and the seeds' own indicators computed from it.

**Events.** :class:`EventLog` records, at the end of every month (phase 11, after the month's
record), what changed for each person since the end of the previous month, as rows of
``events.parquet``: ``person`` (the population row), ``month``, ``event``, ``from``, ``to`` and
``structure``. It compares a few arrays with their copy of last month (vectorised: one comparison
per array and month, no per-person loop), so a change made and undone within one month (a
referent assigned in phase 2 who is released by a SIAE hire in phase 5 of the same month) leaves
one event, from the state before to the state after. Events:

- ``status``: the person's *position* changed: their status, refined by contract for an ordinary
  job (``JOB_CDI``, ``JOB_CDD_LONG``, ``JOB_SHORT``), by type for a SIAE contract (``SIAE_ACI``...)
  and by programme for a low-threshold programme (``LOW_THRESHOLD_PHC``...); or, in the same
  position, the employer, SIAE or programme host changed. ``structure``: the SIAE (index into
  ``model.siaes``), employer (``model.employer_agents``) or programme host of the new position,
  else the referent (index into ``model.referents``: shelters, agencies, referent teams, then the
  Département's social referents, ``model.referents.departement``), else -1.
- ``siae_exit``: the person left a SIAE contract (``structure``: the SIAE left; ``from``: its
  type; ``to``: the position at the end of the month of exit).
- ``support_start`` and ``support_end``: the person's referent changed (``structure``: the
  referent taken or left, in the same index, the Département included: a change of referent is an
  end and a start; ``from``/``to``: the positions before and after).
- ``housing``: housing status or shelter place changed (``from``/``to``: ``STREET``,
  ``EMERGENCY_SHELTER``, ``CHRS``, ``ADAPTED``, ``ORDINARY``; ``structure``: the shelter held
  after, -1 if none).

The table starts at month 0. A person's first month in the territory has a ``status`` event
from ``NOT_ARRIVED``; after a burn-in, the month-0 cohort's is at month -1, the eve of month 0, to
the position the burn-in left them in (:meth:`EventLog.start`). So the table alone rebuilds every
person's month-end position: :func:`employment_from_events` gives back ``months_employed`` and
``t_first_job`` exactly (a hire of month ``t`` is still there at the end of
month ``t``: contracts break and end from the month after their start).

**Indicators** (seed 001 L58-93, C11; seed 003 on IAE exits):

- :func:`support_exits`: every end of a support measure (a ``support_end``) with its destination:
  ``job`` (an ordinary job, a SIAE contract or PHC, all salaried), ``training``, ``other_support``
  (another referent taken the same month, TAPAJ or AAVA), ``waiting`` (oriented again and waiting
  for a referent), ``other`` (outside support, left the territory, incapacity route). The ASI
  positive-exit rate is the share of ``job``, ``training`` and ``other_support`` among these exits;
  the insertion rate the share of ``job``. Waiting is not counted positive: in the model a person
  outside support is oriented again by a monthly draw, not referred by the referent who left.
- :func:`iae_exits`: every exit from a SIAE by type and destination (DGEFP categories):
  ``durable`` (an ordinary CDI or CDD of 6 months or more), ``transitional`` (a shorter ordinary
  contract), ``other_positive`` (training, another SIAE, a low-threshold programme), ``other``.
  The destination is the position at the end of the month of exit, or with ``within=k`` the first
  positive one reached within ``k`` months after it.
- :func:`ever_durable_from_events`: whether each person held a durable job within 24 months of
  entry (the indicator ``ever_durable_employment_24m`` of :mod:`sim.outcomes`, computed there from
  the persons' arrays; this function rebuilds it from the events).
- :func:`siae_frame`: one row per SIAE with its hires, hires of persons with three obstacles or
  more at entry, exits and exits to an ordinary job (the counts results-based funding reads).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.indicators import EVENT_INDICATORS
from sim.population import NEVER, Population
from sim.states import Contract, Housing, Programme, SiaeType, Status

EVENTS = ("status", "siae_exit", "support_start", "support_end", "housing")
"""The kinds of event, in the order of their codes."""

_SUB = 4  # position code = status * _SUB + sub-kind (contract, SIAE type or programme)


def _position_labels() -> list[str]:
    labels = [""] * (len(Status) * _SUB)
    for s in Status:
        for k in range(_SUB):
            labels[s * _SUB + k] = s.name
    for c in (Contract.CDI, Contract.CDD_LONG, Contract.SHORT):
        labels[Status.JOB * _SUB + c] = f"JOB_{c.name}"
    for typ in SiaeType:
        labels[Status.SIAE * _SUB + typ] = f"SIAE_{typ.name}"
    for prog in (Programme.PHC, Programme.TAPAJ, Programme.AAVA):
        labels[Status.LOW_THRESHOLD * _SUB + prog] = f"LOW_THRESHOLD_{prog.name}"
    return labels


POSITIONS = _position_labels()
"""Label of every position code (status, refined by contract, SIAE type or programme)."""
HOUSING_BASE = len(POSITIONS)  # housing codes follow the position codes in one vocabulary
LABELS = POSITIONS + [h.name for h in Housing]

EMPLOYED = frozenset(
    [f"JOB_{c.name}" for c in (Contract.CDI, Contract.CDD_LONG, Contract.SHORT)]
    + [f"SIAE_{t.name}" for t in SiaeType]
    + ["LOW_THRESHOLD_PHC"]
)
"""Positions that count as employed (:meth:`sim.population.Population.employed`)."""
DURABLE = frozenset({"JOB_CDI", "JOB_CDD_LONG"})


def positions(pop: Population, siae_type: np.ndarray) -> np.ndarray:
    """Every person's position code (see :data:`POSITIONS`)."""
    status = pop.status.astype(np.int16)
    sub = np.zeros(pop.n, dtype=np.int16)
    job = status == Status.JOB
    sub[job] = pop.contract[job]
    siae = status == Status.SIAE
    sub[siae] = siae_type[pop.siae[siae]]
    low = status == Status.LOW_THRESHOLD
    sub[low] = np.maximum(pop.programme[low], 0)
    return status * _SUB + sub


def _places(pop: Population) -> np.ndarray:
    """The structure of each person's activity: SIAE, employer or programme host (-1: none)."""
    status = pop.status
    return np.where(
        status == Status.SIAE,
        pop.siae,
        np.where(
            (status == Status.JOB) | (status == Status.IMMERSION),
            pop.employer,
            np.where(status == Status.LOW_THRESHOLD, pop.programme_host, -1),
        ),
    ).astype(np.int32)


class EventLog:
    """Month-end changes of every person, kept as arrays and turned into a table on demand."""

    def __init__(self, model):
        """Start from the population as built (everyone not yet arrived)."""
        self._siae_type = np.append(model.siae_type, 0).astype(np.int16)  # -1 reads a dummy
        self._housing_at_build = model.pop.column("housing").copy()  # rows not yet shown too
        self._prev = self._state(model.pop)
        self._chunks: list[tuple[np.ndarray, ...]] = []

    def start(self, pop: Population) -> None:
        """Month 0 after a burn-in: the persons present enter the table as they are.

        Called before month 0's phases. What the burn-in changed is not recorded; each person
        of the month-0 cohort gets, at month -1 (the eve of month 0, the burn-in's last month),
        a ``status`` event from ``NOT_ARRIVED`` to their position then (and a ``support_start``
        if followed then): the table rebuilds every month-end position from the eve of month 0.
        """
        now = self._state(pop)
        rows = np.flatnonzero(pop.present())  # those who left during the burn-in: nowhere
        arrived = np.full(rows.size, Status.NOT_ARRIVED * _SUB, dtype=now["position"].dtype)
        position, referent = now["position"][rows], now["referent"][rows]
        where = np.where(now["place"][rows] >= 0, now["place"][rows], referent)
        self._add(0, rows, -1, arrived, position, where)
        followed = referent >= 0
        self._add(2, rows[followed], -1, arrived[followed], position[followed], referent[followed])
        self._prev = now

    def _arrived(self, prev: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        """``prev`` extended to the ``n`` rows shown now: those shown since had not arrived."""
        m = prev["position"].size
        if m == n:
            return prev
        new = {
            "position": np.full(n - m, Status.NOT_ARRIVED * _SUB, dtype=prev["position"].dtype),
            "housing": self._housing_at_build[m:n],
        }
        return {
            name: np.concatenate([values, new.get(name, np.full(n - m, -1, values.dtype))])
            for name, values in prev.items()
        }

    def _state(self, pop: Population) -> dict[str, np.ndarray]:
        return {
            "position": positions(pop, self._siae_type),
            "place": _places(pop),
            "referent": pop.referent.copy(),
            "housing": pop.housing.copy(),
            "shelter": pop.shelter.copy(),
        }

    def _add(self, event: int, rows, month, old, new, structure) -> None:
        if rows.size:
            self._chunks.append(
                (
                    rows.astype(np.int32),
                    np.full(rows.size, month, dtype=np.int16),
                    np.full(rows.size, event, dtype=np.int8),
                    old.astype(np.int16),
                    new.astype(np.int16),
                    structure.astype(np.int32),
                )
            )

    def record(self, pop: Population, month: int) -> None:
        """Append this month's changes (called once a month, after the month's record)."""
        now, prev = self._state(pop), self._arrived(self._prev, pop.n)
        pos, old_pos = now["position"], prev["position"]
        moved = np.flatnonzero((pos != old_pos) | (now["place"] != prev["place"]))
        referent = now["referent"]
        where = np.where(now["place"][moved] >= 0, now["place"][moved], referent[moved])
        self._add(0, moved, month, old_pos[moved], pos[moved], where)

        siae = Status.SIAE * _SUB
        was_siae = (old_pos[moved] >= siae) & (old_pos[moved] < siae + _SUB)
        is_siae = (pos[moved] >= siae) & (pos[moved] < siae + _SUB)
        other = ~is_siae | (now["place"][moved] != prev["place"][moved])
        left = moved[was_siae & other]
        self._add(1, left, month, old_pos[left], pos[left], prev["place"][left])

        changed = np.flatnonzero(referent != prev["referent"])
        start = changed[referent[changed] >= 0]
        self._add(2, start, month, old_pos[start], pos[start], referent[start])
        end = changed[prev["referent"][changed] >= 0]
        self._add(3, end, month, old_pos[end], pos[end], prev["referent"][end])

        housed = np.flatnonzero(
            (now["housing"] != prev["housing"]) | (now["shelter"] != prev["shelter"])
        )
        self._add(
            4,
            housed,
            month,
            prev["housing"][housed] + HOUSING_BASE,
            now["housing"][housed] + HOUSING_BASE,
            now["shelter"][housed],
        )
        self._prev = now

    @property
    def n_events(self) -> int:
        """Number of events recorded so far."""
        return sum(c[0].size for c in self._chunks)

    def frame(self) -> pd.DataFrame:
        """The events table: person, month, event, from, to, structure (by month, then kind)."""
        cols = ("person", "month", "event", "from", "to", "structure")
        if not self._chunks:
            parts = [np.zeros(0, dtype=d) for d in (np.int32, np.int16, np.int8, np.int16)]
            parts += [np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int32)]
        else:
            parts = [np.concatenate([c[k] for c in self._chunks]) for k in range(len(cols))]
        frame = pd.DataFrame(dict(zip(cols, parts, strict=True)))
        frame["event"] = pd.Categorical.from_codes(frame["event"], categories=list(EVENTS))
        for col in ("from", "to"):
            frame[col] = pd.Categorical.from_codes(frame[col], categories=_unique(LABELS))
        return frame


def _unique(labels: list[str]) -> list[str]:
    """Categories must be unique: repeated labels (a status without sub-kind) get a suffix."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        k = seen.get(label, 0)
        seen[label] = k + 1
        out.append(label if k == 0 else f"{label}~{k}")
    return out


def _label(series: pd.Series) -> pd.Series:
    """Position labels without the suffix that keeps unused codes distinct."""
    return series.astype(str).str.split("~").str[0]


# ----------------------------------------------------------------------------- from events
def employment_from_events(events: pd.DataFrame, n: int, months: int):
    """``(months_employed, t_first_job)`` of every row, rebuilt from the ``status`` events.

    A person is employed at the end of month ``t`` when their last ``status`` event up to ``t``
    led to an employed position (:data:`EMPLOYED`); ``t_first_job`` is the first such month
    (``NEVER`` if none). ``months`` is the number of months run. Months count from month 0: the
    month-0 cohort's position on the eve (month -1) starts its history, and a job held then is
    not a first job.
    """
    st = events[events["event"] == "status"].sort_values(["person", "month"], kind="stable")
    person = st["person"].to_numpy(np.int64)
    month = st["month"].to_numpy(np.int64)
    employed = _label(st["to"]).isin(EMPLOYED).to_numpy()
    nxt = np.append(month[1:], months)
    last = np.append(person[1:] != person[:-1], True)
    nxt[last] = months
    counted = np.maximum(month, 0)  # the month-0 cohort's state on the eve (month -1) is not
    months_employed = np.bincount(person, weights=(nxt - counted) * employed, minlength=n)
    t_first = np.full(n, NEVER, dtype=np.int64)
    first = np.full(n, np.iinfo(np.int64).max)
    found = employed & (month >= 0)  # a job held on the eve of month 0 was found before
    np.minimum.at(first, person[found], month[found])
    t_first[first < np.iinfo(np.int64).max] = first[first < np.iinfo(np.int64).max]
    return months_employed.astype(np.int64), t_first


def ever_durable_from_events(events: pd.DataFrame, t_entry: np.ndarray, window: int = 24):
    """Whether each row held a durable job at a month-end within ``window`` months of entry.

    A durable job held on the eve of month 0 (month -1: the month-0 cohort after a burn-in)
    counts if it is still held at the end of month 0.
    """
    st = events[events["event"] == "status"].sort_values(["person", "month"], kind="stable")
    person = st["person"].to_numpy(np.int64)
    month = st["month"].to_numpy(np.int64)
    durable = _label(st["to"]).isin(DURABLE).to_numpy()
    same_next = np.append(person[1:] == person[:-1], False)
    changed_at_0 = same_next & (np.append(month[1:], 0) == 0)
    held = durable & ((month >= 0) | ~changed_at_0)  # on the eve: still held at month 0's end
    person, since = person[held], np.maximum(month[held], 0) - t_entry[person[held]]
    ok = since <= window
    out = np.zeros(t_entry.size, dtype=bool)
    out[person[ok]] = True
    return out


def _destination(to: pd.Series, other_support: np.ndarray) -> np.ndarray:
    to = _label(to)
    out = np.full(len(to), "other", dtype=object)
    out[to.eq("WAITING").to_numpy()] = "waiting"
    out[other_support] = "other_support"
    out[to.isin(["LOW_THRESHOLD_TAPAJ", "LOW_THRESHOLD_AAVA"]).to_numpy()] = "other_support"
    out[to.eq("TRAINING").to_numpy()] = "training"
    out[to.isin(EMPLOYED).to_numpy()] = "job"
    return out


SUPPORT_DESTINATIONS = ("job", "training", "other_support", "waiting", "other")
IAE_DESTINATIONS = ("durable", "transitional", "other_positive", "other")


def support_exits(events: pd.DataFrame) -> pd.DataFrame:
    """Every end of a support measure: person, month, referent left, position after, destination."""
    end = events[events["event"] == "support_end"]
    start = events[events["event"] == "support_start"]
    again = pd.MultiIndex.from_frame(end[["person", "month"]]).isin(
        pd.MultiIndex.from_frame(start[["person", "month"]])
    )
    out = pd.DataFrame(
        {
            "person": end["person"].to_numpy(),
            "month": end["month"].to_numpy(),
            "referent": end["structure"].to_numpy(),
            "to": _label(end["to"]).to_numpy(),
        }
    )
    out["destination"] = pd.Categorical(
        _destination(end["to"], again), categories=list(SUPPORT_DESTINATIONS)
    )
    return out


def support_exit_rates(exits: pd.DataFrame) -> dict[str, float]:
    """The ASI positive-exit rate and the insertion rate of :func:`support_exits` (C11)."""
    n = len(exits)
    if n == 0:
        return {"support_exits": 0.0, "positive_exit_rate": np.nan, "insertion_rate": np.nan}
    dest = exits["destination"]
    positive = dest.isin(["job", "training", "other_support"]).sum()
    return {
        "support_exits": float(n),
        "positive_exit_rate": float(positive / n),
        "insertion_rate": float((dest == "job").sum() / n),
    }


def _iae_destination(to: pd.Series) -> np.ndarray:
    to = _label(to)
    out = np.full(len(to), "other", dtype=object)
    positive = to.str.startswith("SIAE_") | to.str.startswith("LOW_THRESHOLD_") | to.eq("TRAINING")
    out[positive.to_numpy()] = "other_positive"
    out[to.isin(["JOB_SHORT"]).to_numpy()] = "transitional"
    out[to.isin(DURABLE).to_numpy()] = "durable"
    return out


def iae_exits(events: pd.DataFrame, within: int = 0) -> pd.DataFrame:
    """Every exit from a SIAE: person, month, SIAE left, its type, position after, destination.

    With ``within`` > 0 an exit whose position at the end of its month is not positive takes the
    first positive position (a job, training, another SIAE, a programme) the person reaches in
    the ``within`` months after it, if any.
    """
    ex = events[events["event"] == "siae_exit"]
    out = pd.DataFrame(
        {
            "person": ex["person"].to_numpy(),
            "month": ex["month"].to_numpy(),
            "siae": ex["structure"].to_numpy(),
            "siae_type": _label(ex["from"]).str.removeprefix("SIAE_").to_numpy(),
            "to": _label(ex["to"]).to_numpy(),
        }
    )
    dest = _iae_destination(out["to"])
    if within > 0 and len(out):
        st = events[events["event"] == "status"]
        later = pd.DataFrame(
            {
                "person": st["person"].to_numpy(),
                "month": st["month"].to_numpy(),
                "dest": _iae_destination(st["to"]),
            }
        )
        later = later[later["dest"] != "other"]
        look = out[["person", "month"]].assign(exit=np.arange(len(out)))
        pairs = look.merge(later, on="person", suffixes=("", "_later"))
        gap = pairs["month_later"] - pairs["month"]
        pairs = pairs[(gap > 0) & (gap <= within)].sort_values(["exit", "month_later"])
        first = pairs.drop_duplicates("exit")
        fill = first["exit"].to_numpy()
        keep = dest[fill] == "other"
        dest[fill[keep]] = first["dest"].to_numpy()[keep]
    out["destination"] = pd.Categorical(dest, categories=list(IAE_DESTINATIONS))
    return out


def iae_exit_table(exits: pd.DataFrame) -> pd.DataFrame:
    """IAE exits by SIAE type and destination: counts and shares of the type's exits."""
    counts = (
        exits.groupby(["siae_type", "destination"], observed=False)
        .size()
        .rename("exits")
        .reset_index()
    )
    total = counts.groupby("siae_type")["exits"].transform("sum")
    counts["share"] = np.where(total > 0, counts["exits"] / total.where(total > 0, 1), np.nan)
    return counts


def siae_frame(model) -> pd.DataFrame:
    """One row per SIAE: its group, type, posts and its counts of ``model.siae_results``.

    The counts are those of the months observed: from month 0, the burn-in's taken off.
    """
    frame = pd.DataFrame(
        {
            "siae": np.arange(model.n_siae),
            "group": [model.siae_group_names[g] for g in model.siae_group],
            "type": [SiaeType(t).name for t in model.siae_type],
            "posts": model.siae_posts,
        }
    )
    for key in ("hires", "hires_furthest", "exits", "positive_exits"):
        frame[key] = model.siae_results[key] - model.siae_results_at_start[key]
    return frame


def event_indicators(pop: Population, events: pd.DataFrame) -> pd.DataFrame:
    """The indicators of :data:`EVENT_INDICATORS`, for everyone and each public.

    ``asi_positive_exit_rate`` and ``insertion_rate`` are those of :func:`support_exit_rates`
    (C11, seed 001 L58-93); the ``iae_exit_*_rate`` are the shares of SIAE exits (every type)
    with each destination of :func:`iae_exits`, at the end of the month of exit.
    """
    from sim.outcomes import publics

    sup = support_exits(events)
    iae = iae_exits(events)
    rows = []
    for public, mask in publics(pop).items():
        mine = sup[mask[sup["person"].to_numpy()]] if len(sup) else sup
        rates = support_exit_rates(mine)
        ex = iae[mask[iae["person"].to_numpy()]] if len(iae) else iae
        n = len(ex)
        shares = {
            d: float((ex["destination"] == d).sum() / n) if n else np.nan
            for d in ("durable", "transitional", "other_positive")
        }
        values = {
            "asi_positive_exit_rate": rates["positive_exit_rate"],
            "insertion_rate": rates["insertion_rate"],
            "iae_exit_durable_rate": shares["durable"],
            "iae_exit_transitional_rate": shares["transitional"],
            "iae_exit_other_positive_rate": shares["other_positive"],
        }
        rows += [(name, public, values[name]) for name in EVENT_INDICATORS]
    return pd.DataFrame(rows, columns=["indicator", "public", "value"])
