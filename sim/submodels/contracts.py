"""Contracts and programmes end or break (phase 6 of the monthly step; programmes in phase 2).

- Every job and CDDI may break each month with ``p_break``, raised by each level of obstacle
  severity and lowered by support in the job (a month of follow-up by the referent, when the
  referent sees the person that month; the SIAE's insertion officers). A break is a "rupture de
  parcours".
- Contracts end at their due month. An ordinary fixed-term contract is renewed with
  ``p_renewal`` (a CDD renewed, the next mission of a temp agency, the next seasonal contract:
  the same employer, contract and length). A SIAE pathway never exceeds 24 months (its due month is
  capped at hire). After a SIAE contract the person is oriented again (waiting list); after a
  break, outside support.
- After an ordinary job ends or breaks: a person still followed in the job goes back to the
  same referent, in the phase their profile resumes at after a job that did not work out
  (``after_failed_job``: job search with goals revised, or obstacle work); others are outside
  support and must be oriented again.
- Follow-up in the job ends at its due month (the job goes on without it); so does a training
  in the job when the job ends.
- Low-threshold programmes end at their due month (TAPAJ may be left any month). A PHC completer
  applies to the host ACI for a CDDI (seed 003 L926: "recruté à minima en CDDI") through its
  hiring rule like anyone else (its selection floor, a free post), unless the scenario reserves a
  share of the host's posts to PHC completers (``low_threshold.phc_reserved_share``: hired
  without the floor on those posts); otherwise the person goes back to their referent.
  The host's group must take the person (its ``eligible`` condition) and IAE months must be
  left (:func:`sim.submodels.iae.cap`).
- Reinforced pathways (:mod:`sim.submodels.iae`): a CDDI that ends may become a CDI inclusion
  (57+, 12 months of pathway, seed 003 L763); a SIAE's follow-up after an exit to a job lowers
  breaks like in-job support.
- Low-threshold programmes end at the start of the month (phase 2), before admissions (phase
  5), so that a place freed this month is taken this month: ending them after admissions left
  every PHC place empty one month in ``dur_phc + 1`` while people waited for one.
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER
from sim.states import Contract, Phase, Programme, Status
from sim.submodels import iae
from sim.submodels.benefits import record_job_ends
from sim.submodels.capacity import allocate, among
from sim.submodels.matching import employability, hire_into_siae, phc_reserved_left, siae_floors
from sim.submodels.transitions import back_to_search, release_referent, to_outside, to_waiting


def breaks_and_ends(model, plan) -> None:
    """Jobs and CDDI break or end; people move on according to their support."""
    pop, t, b = model.pop, model.t, model.behaviour
    # A contract starts before it breaks; PHC is a CDDI but ends as a programme (below).
    rows = np.flatnonzero(pop.status_in(Status.JOB, Status.SIAE) & (pop.t_contract_start < t))
    status = pop.status[rows]
    # Support in the job: a month of the referent's follow-up (when the referent sees the
    # person), a SIAE's follow-up after an exit to a job, or the SIAE's insertion officers, as
    # far as their number covers the SIAE's employees.
    support = (status == Status.JOB) & (pop.phase[rows] == Phase.IN_JOB) & plan.seen[rows]
    support |= iae.followed_up(model)[rows]  # a SIAE's follow-up after an exit to a job
    support = support.astype(float)
    in_siae = status == Status.SIAE
    support[in_siae] = model.siae_cip_coverage[pop.siae[rows[in_siae]]]
    severity = pop.total_severity(rows)
    p = b.p_break * (1.0 + b.rel_break_per_severity * severity)
    p = p * (1.0 - support * (1.0 - b.rel_break_in_job_support))
    broke = rows[model.streams.uniform("separations", rows, "break") < p]
    due = pop.t_contract_end[rows]
    ends = rows[(due != NEVER) & (due <= t)]
    ends = ends[~among(ends, broke)]
    may_renew = ends[pop.status[ends] == Status.JOB]
    renewed = may_renew[model.streams.uniform("renewals", may_renew, "renew") < b.p_renewal]
    pop.t_contract_end[renewed] += (
        np.where(pop.contract[renewed] == Contract.CDD_LONG, b.dur_cdd_long, b.dur_short)
        .round()
        .clip(1)
        .astype(np.int32)
    )
    ended = ends[~among(ends, renewed)]
    model.flows["renewals"] += renewed.size
    pop.n_breaks[broke] += 1
    model.flows["breaks"] += broke.size
    model.flows["contract_ends"] += ended.size

    in_siae = pop.status[broke] == Status.SIAE, pop.status[ended] == Status.SIAE
    # How long the job lasted opens unemployment insurance (sim.submodels.benefits).
    record_job_ends(pop, np.concatenate([broke, ended]), t)  # disjoint
    kept = iae.cdi_inclusion(model, ended[in_siae[1]])
    if kept.size:
        keep = ~among(ended, kept)
        ended, in_siae = ended[keep], (in_siae[0], in_siae[1][keep])
    leavers = np.concatenate([broke[in_siae[0]], ended[in_siae[1]]])
    model.siae_results["exits"] += np.bincount(pop.siae[leavers], minlength=model.n_siae)
    to_outside(pop, broke[in_siae[0]])
    to_waiting(pop, ended[in_siae[1]], t)

    jobs = np.sort(np.concatenate([broke[~in_siae[0]], ended[~in_siae[1]]]))
    followed = pop.referent[jobs] >= 0
    restart = jobs[followed & (pop.phase[jobs] == Phase.IN_JOB)]
    to_outside(pop, jobs[~followed])
    back_to_search(pop, restart, model.practices.restart_phase[pop.logic[restart]])
    model.flows["restarts"] += restart.size

    support_over = np.flatnonzero(
        (pop.t_in_job_support_end != NEVER)
        & (pop.t_in_job_support_end <= t)
        & (pop.status == Status.JOB)
    )
    release_referent(pop, support_over)


def programmes(model) -> None:
    """Low-threshold programmes progress and end; PHC leads to a CDDI in its host ACI."""
    pop, t, lt = model.pop, model.t, model.spec.territory.low_threshold
    in_prog = pop.status == Status.LOW_THRESHOLD
    phc = in_prog & (pop.programme == Programme.PHC)
    # PHC hours rise from the first to the last month (4 to 20 h a week, seed 003).
    rows = np.flatnonzero(phc)
    dur = max(1.0, lt.dur_phc)
    done_share = np.clip(1.0 - (pop.t_programme_end[rows] - t) / dur, 0.0, 1.0)
    pop.hours[rows] = lt.phc_hours_start + done_share * (lt.phc_hours_end - lt.phc_hours_start)

    tapaj = np.flatnonzero(in_prog & (pop.programme == Programme.TAPAJ))
    drop = np.zeros(pop.n, dtype=bool)
    u = model.streams.uniform("low_threshold", tapaj, "tapaj drop")
    drop[tapaj[u < lt.p_tapaj_drop]] = True
    due = in_prog & (pop.t_programme_end <= t)
    ending = np.flatnonzero((due | drop) & ~phc)
    _back_to_support(pop, ending, t)

    phc_done = np.flatnonzero(phc & due)
    # What remains of the IAE pathway, and whom the host's group may hire.
    host = pop.programme_host[phc_done]
    ok = pop.months_siae[phc_done] < iae.cap(model, phc_done, host)
    group = model.siae_group[host]
    for g, mask in model.targeting.allowed("siae", model.siae_group_names, phc_done).items():
        ok &= np.where(group == g, mask, True)
    hired = _phc_to_cddi(model, phc_done[ok])
    model.flows["phc_to_cddi"] += hired.size
    _back_to_support(pop, np.setdiff1d(phc_done, hired), t)


def _phc_to_cddi(model, rows: np.ndarray) -> np.ndarray:
    """PHC completers ``rows`` (sorted) apply to their host ACI; the hired start a CDDI there.

    First the posts reserved to PHC completers (no selection floor), then the host's other
    free posts through its hiring rule (floor; the most employable first if it ranks).
    """
    pop = model.pop
    if rows.size == 0:
        return rows
    u = model.streams.uniform("low_threshold", rows, "phc order")
    host = pop.programme_host[rows]
    free = model.siae_posts - pop.count("siae")
    reserved = np.minimum(phc_reserved_left(model), np.maximum(free, 0))
    first = allocate(rows, host, reserved, u)
    hire_into_siae(model, first, pop.programme_host[first], "phc reserved")
    rest = np.setdiff1d(rows, first)
    u_rest = u[np.searchsorted(rows, rest)]
    host = pop.programme_host[rest]
    free = model.siae_posts - pop.count("siae")
    score = employability(model, rest)
    floors, ranks = siae_floors(model)
    key = np.where(ranks[host], -score, u_rest)
    then = allocate(rest, host, free, key, acceptable=score >= floors[host])
    hire_into_siae(model, then, pop.programme_host[then], "phc to cddi")
    return np.union1d(first, then)


def _back_to_support(pop, rows: np.ndarray, t: int) -> None:
    """End of a programme: back to the referent, in the phase the person was in.

    Those the programme reached through outreach (no referent) are oriented by its educator.
    """
    followed = rows[pop.referent[rows] >= 0]
    pop.status[followed] = Status.SUPPORTED
    pop.write(followed, programme=Programme.NONE, programme_host=-1)
    pop.hours[followed] = 0.0
    pop.t_programme_end[followed] = NEVER
    pop.t_programme_start[followed] = NEVER
    to_waiting(pop, rows[pop.referent[rows] < 0], t)
