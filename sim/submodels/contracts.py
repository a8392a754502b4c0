"""Contracts and programmes end or break (phase 6 of the monthly step).

- Every job and CDDI may break each month with ``p_break``, raised by each level of obstacle
  severity and lowered by support in the job (in-job support of iterative referents, the SIAE's
  insertion officers). A break is a "rupture de parcours".
- Contracts end at their due month. An ordinary fixed-term contract is renewed with
  ``p_renewal`` (a CDD renewed, the next mission of a temp agency, the next seasonal contract:
  the same employer, contract and length). A SIAE pathway never exceeds 24 months (its due month is
  capped at hire). After a SIAE contract the person is oriented again (waiting list); after a
  break, outside support.
- After an ordinary job ends or breaks: a person still followed in the iterative logic searches
  again at once with the same referent (the right to fail and restart); others are outside
  support and must be oriented again.
- In-job support ends at its due month (the job goes on without it).
- Low-threshold programmes end at their due month (TAPAJ may be left any month). PHC leads to a
  CDDI in the host ACI when a post is free and the host's group takes the person (its
  ``eligible`` condition, the months of IAE pathway left), seed 003; otherwise the person
  searches again.
- Reinforced pathways (:mod:`sim.submodels.iae`): a CDDI that ends may become a CDI inclusion
  (57+, 12 months of pathway, seed 003 L763); a SIAE's follow-up after an exit to a job lowers
  breaks like in-job support.
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER
from sim.states import Contract, Phase, Programme, Status
from sim.submodels import iae
from sim.submodels.capacity import occupancy
from sim.submodels.matching import hire_into_siae
from sim.submodels.transitions import back_to_search, release_referent, to_outside, to_waiting


def breaks_and_ends(model) -> None:
    """Jobs and CDDI break or end; people move on according to their support."""
    pop, t, b = model.pop, model.t, model.behaviour
    employed = pop.employed() & (pop.t_contract_start < t)  # a contract starts before it breaks
    # Support in the job: the referent's (iterative), or the SIAE's insertion officers, as far
    # as their number covers the SIAE's employees.
    support = (pop.status == Status.JOB) & (pop.phase == Phase.IN_JOB) & (pop.referent >= 0)
    support |= iae.followed_up(model)  # a SIAE's follow-up after an exit to a job
    support = support.astype(float)
    in_siae = pop.status == Status.SIAE
    support[in_siae] = model.siae_cip_coverage[pop.siae[in_siae]]
    severity = pop.obstacles.sum(axis=0, dtype=np.int16)
    p = b.p_break * (1.0 + b.rel_break_per_severity * severity)
    p = p * (1.0 - support * (1.0 - b.rel_break_in_job_support))
    u = model.streams.uniform("separations", pop.n)
    u_renew = model.streams.uniform("renewals", pop.n)
    broke = employed & (u < p)
    ended = employed & ~broke & (pop.t_contract_end != NEVER) & (pop.t_contract_end <= t)
    renewed = ended & (pop.status == Status.JOB) & (u_renew < b.p_renewal)
    pop.t_contract_end[renewed] += (
        np.where(pop.contract[renewed] == Contract.CDD_LONG, b.dur_cdd_long, b.dur_short)
        .round()
        .clip(1)
        .astype(np.int32)
    )
    ended &= ~renewed
    model.flows["renewals"] += int(np.count_nonzero(renewed))
    pop.n_breaks[broke] += 1
    model.flows["breaks"] += int(np.count_nonzero(broke))
    model.flows["contract_ends"] += int(np.count_nonzero(ended))

    siae = pop.status == Status.SIAE
    kept = iae.cdi_inclusion(model, np.flatnonzero(siae & ended))
    ended[kept] = False
    leavers = np.flatnonzero(siae & (broke | ended))
    model.siae_results["exits"] += np.bincount(pop.siae[leavers], minlength=model.n_siae)
    to_outside(pop, np.flatnonzero(siae & broke))
    to_waiting(pop, np.flatnonzero(siae & ended), t)

    job = pop.status == Status.JOB
    restart = job & (broke | ended) & (pop.phase == Phase.IN_JOB) & (pop.referent >= 0)
    back_to_search(pop, np.flatnonzero(restart))
    to_outside(pop, np.flatnonzero(job & (broke | ended) & ~restart))

    support_over = np.flatnonzero(
        (pop.status == Status.JOB)
        & (pop.t_in_job_support_end != NEVER)
        & (pop.t_in_job_support_end <= t)
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

    u = model.streams.uniform("low_threshold", pop.n)
    drop = in_prog & (pop.programme == Programme.TAPAJ) & (u < lt.p_tapaj_drop)
    due = in_prog & (pop.t_programme_end <= t)
    ending = np.flatnonzero((due | drop) & ~phc)
    _back_to_support(pop, ending, t)

    phc_done = np.flatnonzero(phc & due)
    free = model.siae_posts - occupancy(
        np.where(pop.status == Status.SIAE, pop.siae, -1), model.n_siae
    )
    host = pop.programme_host[phc_done]
    rank = np.zeros(phc_done.size, dtype=np.int64)
    if phc_done.size:
        order = np.argsort(host, kind="stable")
        sorted_host = host[order]
        rank[order] = np.arange(sorted_host.size) - np.searchsorted(sorted_host, sorted_host)
    to_cddi = rank < np.maximum(free[host], 0) if phc_done.size else rank.astype(bool)
    # What remains of the IAE pathway, and whom the host's group may hire.
    to_cddi &= pop.months_siae[phc_done] < iae.cap(model, phc_done, host)
    group = model.siae_group[host]
    for g, mask in model.targeting.allowed("siae", model.siae_group_names, phc_done).items():
        to_cddi &= np.where(group == g, mask, True)
    hire_into_siae(model, phc_done[to_cddi], host[to_cddi])
    model.flows["phc_to_cddi"] += int(np.count_nonzero(to_cddi))
    _back_to_support(pop, phc_done[~to_cddi], t)


def _back_to_support(pop, rows: np.ndarray, t: int) -> None:
    """End of a programme: back to the referent, in the phase the person was in.

    Those the programme reached through outreach (no referent) are oriented by its educator.
    """
    followed = rows[pop.referent[rows] >= 0]
    pop.status[followed] = Status.SUPPORTED
    pop.programme[followed] = Programme.NONE
    pop.programme_host[followed] = -1
    pop.hours[followed] = 0.0
    pop.t_programme_end[followed] = NEVER
    pop.t_programme_start[followed] = NEVER
    to_waiting(pop, rows[pop.referent[rows] < 0], t)
