"""Simulated statistics comparable with published figures (calibration/targets.yaml).

Each statistic is a named function of a finished run (an :class:`~sim.model.InsertionModel`)
that computes, on the population and horizon of a published figure, the model's counterpart of
that figure. They read the month-by-month status history the recorder keeps, the persons'
attributes at entry and the monthly records. "Employed" is an ordinary job or a SIAE contract,
as in the indicators (a CDDI is salaried work, and published employment figures count it).

Statistics pool every anchor month of the run once the territory has run for a year from its
empty start (the initial stock is drawn, not grown, so its first months are not representative):
the first ``BURN_IN - run.burn_in`` months of the history are skipped, none when the run's own
burn-in (``run.burn_in``) is a year or more. Without a burn-in, e.g. the yearly transitions of C1
and C2 compare each "end of year" month 11 + 12 k (k >= 1) with the same month a year later; with
a burn-in of a year or more, from k = 0. Either way the statistics read months 12 and later of
simulated time, whether the run has a burn-in (the calibration in use, 36 months) or not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from sim.states import Benefit, SiaeType, Status

BURN_IN = 12  # [month] of simulated time before an anchor is used (the initial stock settles)
STATISTICS: dict[str, Callable] = {}


def statistic(fn: Callable) -> Callable:
    """Register ``fn`` as a statistic under its name."""
    STATISTICS[fn.__name__] = fn
    return fn


def _skip(model) -> int:
    """Months of the history not used: what the run's own burn-in leaves of :data:`BURN_IN`."""
    return max(0, BURN_IN - model.burn_in)


def _history(model) -> np.ndarray:
    if model.recorder.history is None:
        raise ValueError("these statistics need the recorder's status history")
    return model.recorder.history[: model.t + 1]


def _year_ends(model, h: np.ndarray) -> range:
    """The ends of years after the skipped months that have a year of history after them."""
    return range(_skip(model) - 1 + 12, h.shape[0] - 12, 12)


def _present(status: np.ndarray) -> np.ndarray:
    return (status != Status.NOT_ARRIVED) & (status != Status.LEFT)


def _employed(status: np.ndarray) -> np.ndarray:
    return (status == Status.JOB) | (status == Status.SIAE)


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def _yearly(model, mask: np.ndarray, from_employed: bool) -> float:
    """Yearly exits from (or to) work, pooled over the ends of years after the burn-in.

    Among ``mask`` persons present at an end of year with (without) a job, the share without
    (with) one a year later, among those still present then.
    """
    h = _history(model)
    num = den = 0
    for a in _year_ends(model, h):
        s0, s1 = h[a], h[a + 12]
        base = mask & _present(s0) & _present(s1) & (_employed(s0) == from_employed)
        den += int(np.count_nonzero(base))
        num += int(np.count_nonzero(base & (_employed(s1) != from_employed)))
    return _ratio(num, den)


@statistic
def rsa_job_entry_yearly(model) -> float:
    """C1: RSA recipients without a job at an end of year who have one a year later."""
    return _yearly(model, model.pop.benefit_at_entry == Benefit.RSA, from_employed=False)


@statistic
def rsa_job_loss_yearly(model) -> float:
    """C2: employed RSA recipients at an end of year who are without a job a year later."""
    return _yearly(model, model.pop.benefit_at_entry == Benefit.RSA, from_employed=True)


def _benefits(model) -> np.ndarray:
    if model.recorder.benefit_history is None:
        raise ValueError("these statistics need the recorder's benefit history")
    return model.recorder.benefit_history[: model.t + 1]


@statistic
def rsa_work_during_year(model) -> float:
    """RSA recipients without a job at an end of year who work at some month of the next year.

    Among persons on the RSA (now, not at entry), present and without a job at an end of year
    and present a year later, the share employed in at least one of the twelve months after
    (DREES, January 2023: 29% of RSA recipients without activity at the end of 2018 worked in
    2019). Beside C1 (a job at the end of the next year), it measures how long the jobs found
    last: C1 / this share is the part of them still held a year on.
    """
    h, b = _history(model), _benefits(model)
    employed = _employed(h)
    num = den = 0
    for a in _year_ends(model, h):
        base = _present(h[a]) & _present(h[a + 12]) & ~employed[a] & (b[a] == Benefit.RSA)
        den += int(np.count_nonzero(base))
        num += int(np.count_nonzero(base & employed[a + 1 : a + 13].any(axis=0)))
    return _ratio(num, den)


@statistic
def rsa_exit_yearly(model) -> float:
    """RSA recipients at an end of year who are no longer on the RSA a year later.

    Among persons present at an end of year (months 23, 35...) on the RSA and present a year
    later, the share not on the RSA then (DREES, Études et résultats 1073: of 100 recipients at
    the end of 2015, 73 still received it at the end of 2016).
    """
    h, b = _history(model), _benefits(model)
    num = den = 0
    for a in _year_ends(model, h):
        base = _present(h[a]) & _present(h[a + 12]) & (b[a] == Benefit.RSA)
        den += int(np.count_nonzero(base))
        num += int(np.count_nonzero(base & (b[a + 12] != Benefit.RSA)))
    return _ratio(num, den)


@statistic
def rsa_entry_yearly(model) -> float:
    """RSA recipients at an end of year who received no minimum benefit a year earlier.

    Among persons present on the RSA at an end of year (months 35, 47...), the share who were
    not on the RSA, the ASS or the AAH at the end of the year before, or not yet in the
    territory: its arrivals are people entering the insertion system (DREES, minima sociaux
    data set of 21 February 2025: 26% of RSA recipients aged 16-64 at the end of 2023 received
    no minimum benefit at the end of 2022).
    """
    h, b = _history(model), _benefits(model)
    minimum = np.isin(b, (Benefit.RSA, Benefit.ASS, Benefit.AAH))
    num = den = 0
    for a in _year_ends(model, h):
        now = _present(h[a + 12]) & (b[a + 12] == Benefit.RSA)
        before = _present(h[a]) & minimum[a]
        den += int(np.count_nonzero(now))
        num += int(np.count_nonzero(now & ~before))
    return _ratio(num, den)


def _last_employed(history: np.ndarray):
    """Each person's last month employed, month by month, in one pass over the history.

    Yields ``(a, last)`` for each month ``a``: ``last`` is the last month employed up to ``a``
    (-1: none).
    """
    last = np.full(history.shape[1], -1, dtype=np.int32)
    for a, status in enumerate(history):
        last = np.where(_employed(status), a, last)
        yield a, last


def _without_work(model, last: np.ndarray, a: int) -> np.ndarray:
    pop = model.pop
    return np.where(last >= 0, a - last, pop.months_without_work_at_entry + (a - pop.t_entry))


def months_without_work_at(model, a: int) -> np.ndarray:
    """Each person's months without work at month ``a`` (as the model counts them).

    Since their last month employed if they worked since entry; otherwise their time without
    work at entry plus the months since.
    """
    _, last = deque(_last_employed(_history(model)[: a + 1]), maxlen=1)[0]
    return _without_work(model, last, a)


def _quarterly_entry(model, select: Callable[[np.ndarray], np.ndarray]) -> float:
    """Quarterly exits to work of jobseekers by time without work, pooled over quarters.

    Jobseekers, as in the survey's unemployed: persons without a job at month ``a`` (present,
    not on the incapacity route) who wish to work. The wish is not kept month by month; it only
    ever appears, so the wish at the end of the run is used (a slight overstatement of the
    jobseekers at early anchors). Among those whose time without work passes ``select``, the
    share in a job at ``a + 3``.
    """
    h = _history(model)
    num = den = 0
    for a, last in _last_employed(h[:-3]):
        if a < _skip(model) or (a - _skip(model)) % 3:
            continue
        s0, s1 = h[a], h[a + 3]
        jobless = _present(s0) & _present(s1) & ~_employed(s0) & (s0 != Status.INCAPACITY)
        base = jobless & model.pop.wish & select(_without_work(model, last, a))
        den += int(np.count_nonzero(base))
        num += int(np.count_nonzero(base & _employed(s1)))
    return _ratio(num, den)


@statistic
def quarterly_job_entry_3y_plus(model) -> float:
    """C3: jobseekers without work for 3 years or more who are in a job one quarter later."""
    return _quarterly_entry(model, lambda months: months >= 36)


@statistic
def quarterly_job_entry_under_1y(model) -> float:
    """C3: jobseekers without work for under a year who are in a job one quarter later."""
    return _quarterly_entry(model, lambda months: months < 12)


def _siae_leavers_employed(model, mask: np.ndarray, after: int = 6) -> float:
    """Employment after a SIAE exit, pooled over exit months after the burn-in.

    Among ``mask`` persons leaving a SIAE (in a SIAE one month, not the next), the share in a
    job ``after`` months after their exit, among those still present then.
    """
    h = _history(model)
    num = den = 0
    for a in range(max(_skip(model), 1), h.shape[0] - after):
        left = mask & (h[a - 1] == Status.SIAE) & (h[a] != Status.SIAE) & _present(h[a + after])
        den += int(np.count_nonzero(left))
        num += int(np.count_nonzero(left & _employed(h[a + after])))
    return _ratio(num, den)


@statistic
def siae_leavers_employed_6m(model) -> float:
    """C4: SIAE leavers in a job 6 months after their exit."""
    return _siae_leavers_employed(model, np.ones(model.pop.size, dtype=bool))


@statistic
def siae_leavers_employed_6m_rsa(model) -> float:
    """C4: SIAE leavers on the RSA (at entry) in a job 6 months after their exit."""
    return _siae_leavers_employed(model, model.pop.benefit_at_entry == Benefit.RSA)


def _monthly(model):
    frame = model.recorder.frame()
    return frame[frame["month"] >= _skip(model)]


def _siae_share(model, typ: SiaeType) -> float:
    frame = _monthly(model)
    used = {t: frame[f"used_posts_{t.name.lower()}"].sum() for t in SiaeType}
    return _ratio(used[typ], sum(used.values()))


@statistic
def siae_share_aci(model) -> float:
    """C6: share of ACI among persons in a SIAE (mean over months)."""
    return _siae_share(model, SiaeType.ACI)


@statistic
def siae_share_ai(model) -> float:
    """C6: share of AI among persons in a SIAE (mean over months)."""
    return _siae_share(model, SiaeType.AI)


@statistic
def siae_share_ei(model) -> float:
    """C6: share of EI among persons in a SIAE (mean over months)."""
    return _siae_share(model, SiaeType.EI)


@statistic
def siae_share_etti(model) -> float:
    """C6: share of ETTI among persons in a SIAE (mean over months)."""
    return _siae_share(model, SiaeType.ETTI)


@statistic
def shelter_occupancy(model) -> float:
    """C9: occupied share of emergency (CHU) and CHRS places, over the months."""
    frame = _monthly(model)
    used = frame["used_places_chu"].sum() + frame["used_places_chrs"].sum()
    return _ratio(used, frame["cap_places_chu"].sum() + frame["cap_places_chrs"].sum())


def compute(model, names: list[str]) -> dict[str, float]:
    """The named statistics of a finished run."""
    return {name: float(STATISTICS[name](model)) for name in names}
