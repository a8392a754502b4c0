"""Matching persons with places, posts and vacancies (phase 5 of the monthly step).

In order:

1. Low-threshold programmes take without selection, in random order, up to their places: PHC
   (homeless people, hosted by ACI, 4 to 20 h a week), TAPAJ (16-25), AAVA (the shelter's own
   residents); PHC and TAPAJ also reach homeless people outside any support (outreach).
2. SIAE hire among the candidates prescribed to them, by their selection rule: open (random order),
   screening on readiness (an employability floor), performance-driven (a higher floor, most
   employable first). Under results-based modulation of the aide au poste rewarding exits, every
   SIAE raises its floor and ranks on employability; rewarding the furthest does the reverse.
3. Ordinary employers hire up to their vacancies of the month among applicants who meet their
   prerequisites (French level, driving licence, experience, right to work), with a probability
   of their openness times the applicant's employability as the employer judges it, most
   employable first. Applicants: persons coached in job search by their referent, persons who
   wish to work and search on their own (outside support, waiting, or supported but not coached
   this month: the readiness gates govern what the referent prescribes, not the person's own
   search), SIAE employees near the end of their contract. A person ending an immersion is
   considered first by the employer who hosted them.

   **Mediation** with the employer (a contact of the referent, within the structure's mediation
   capacity, :mod:`sim.submodels.staff`; SIAE trained in active mediation for their employees)
   drops the prerequisites the job does not need, raises openness, and lowers the weight of the
   obstacles in the employer's judgement; more so when the person will be followed in the job.
   The employer weighs each obstacle by what it sees of it (``employability.visibility``).
4. New immersions (PMSMP) for persons in job search.

Every capacity group may restrict whom it takes (``eligible``, judged this month by
:class:`sim.submodels.eligibility.Targeting`) and serve publics first (``priority``): a candidate
only asks structures whose group takes them, and each structure admits its candidates in the
order of its priority list before its own discipline. Employers' vacancies may be reserved to a
public (clauses sociales); women apply to a sector in proportion to its ``rel_women_apply``.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.population import NEVER
from sim.states import (
    OB,
    OBSTACLES,
    Contract,
    Housing,
    Phase,
    Programme,
    Selection,
    Sex,
    Status,
)
from sim.submodels import iae
from sim.submodels.capacity import (
    admitted,
    allocate,
    among,
    choose_allowed,
    choose_weighted,
    spill_over,
)
from sim.submodels.transitions import release_referent

TAPAJ_MAX_AGE = 26  # TAPAJ is for people aged 16-25 (seed 003)
TAPAJ_WEEKLY_HOURS = (
    8.0  # days of at least 4 h paid the same day (seed 003); two a week: assumption
)
FURTHEST_MIN_OBSTACLES = 3  # "three or more obstacles": the furthest from employment
LICENCE_MAX_MOBILITY = 1  # a mobility obstacle of 2 or more means no licence or no vehicle
WORK_RIGHT_MAX = 1  # right_to_work severity 2 (pending) or 3 (none) forbids a contract
WEEKS_PER_MONTH = 52 / 12
# The statuses sim.kernels.job_seekers reads, and the right to work's highest severity.
_SEEKER_CODES = (
    *(
        int(s)
        for s in (Status.OUTSIDE, Status.WAITING, Status.SUPPORTED, Status.SIAE, Status.IMMERSION)
    ),
    WORK_RIGHT_MAX,
)


def _without_obstacles(model, rows: np.ndarray) -> np.ndarray:
    pop, e = model.pop, model.behaviour.employability
    return (
        e.intercept
        + e.qualification * pop.qualification[rows]
        + e.experience_per_year * np.minimum(pop.experience[rows], 120.0) / 12.0
        + e.years_without_work * np.minimum(pop.months_without_work[rows], 120.0) / 12.0
        + e.confidence * pop.confidence[rows]
    )


def _obstacle_weights(model, seen: bool) -> np.ndarray:
    e = model.behaviour.employability
    w = np.array([e.obstacle.get(o, 0.0) for o in OBSTACLES])
    return w * np.array([e.visibility[o] for o in OBSTACLES]) if seen else w


def _penalty(model, rows: np.ndarray, seen: bool) -> np.ndarray:
    """The obstacles' weight in the score of ``rows``, summed obstacle by obstacle.

    Not a matrix product: its rounding depends on how many rows are asked (and on the threads
    BLAS uses), so a row's score would depend on who else is scored and on the machine.
    """
    obstacles = model.pop.obstacles_of(rows)
    penalty = np.zeros(rows.size)
    for k, w in enumerate(_obstacle_weights(model, seen)):
        penalty += w * obstacles[k]
    return penalty


def employability(model, rows: np.ndarray) -> np.ndarray:
    """Employability score (logit scale) of ``rows`` as SIAE judge it, every obstacle known."""
    return _without_obstacles(model, rows) + _penalty(model, rows, seen=False)


def employer_score(model, rows: np.ndarray, mediated: np.ndarray, secured: np.ndarray):
    """Employability of ``rows`` as an ordinary employer judges it.

    Each obstacle weighs by the share of it the employer sees (``employability.visibility``);
    the obstacles' weight is multiplied by ``behaviour.rel_penalty_mediation`` when the
    application is ``mediated``, and further by ``rel_penalty_follow_up`` when the hire is
    ``secured`` by a follow-up in the job the mediator can offer (seed 003 L323-334: the
    mediation "révéler les atouts des personnes", negotiates conditions and secures the hire
    by "le suivi à la prise de poste").
    """
    b = model.behaviour
    penalty = _penalty(model, rows, seen=True)
    rel = np.where(mediated, b.rel_penalty_mediation, 1.0) * np.where(
        secured, b.rel_penalty_follow_up, 1.0
    )
    return _without_obstacles(model, rows) + penalty * rel


def may_work(pop, rows: np.ndarray) -> np.ndarray:
    """Whether ``rows`` have the administrative right to work."""
    return pop.obstacles[OB["right_to_work"], rows] <= WORK_RIGHT_MAX


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def start_first_job(pop, rows: np.ndarray, t: int) -> None:
    """Record the month of a first job for those who had none."""
    first = rows[pop.t_first_job[rows] == NEVER]
    pop.t_first_job[first] = t


# ----------------------------------------------------------------------------- low threshold
def not_done(pop, programme: Programme, rows=slice(None)) -> np.ndarray:
    """Whether ``rows`` have not followed ``programme`` yet (PHC and TAPAJ are first steps)."""
    return (pop.programmes_done[rows] & (1 << programme)) == 0


def low_threshold(model, plan) -> None:
    """Admissions to PHC, TAPAJ and AAVA, in random order, by places.

    PHC and TAPAJ take, without selection and in one random order, those their referent puts
    on them and homeless people outside any support who wish to work (outreach, seed 003 L918:
    "un recrutement sans sélection, ni prérequis"); for the latter the programme is the first
    support they reach. A PHC candidate asks a host ACI drawn in proportion to its free places;
    those a host turns away then take the places other hosts still have
    (:func:`~sim.submodels.capacity.spill_over`). The candidates left without a place are kept
    in ``model.unserved`` (by programme) for the invariant that no place stays empty while one
    of them waits.
    """
    pop, lt, t = model.pop, model.spec.territory.low_threshold, model.t
    supported = pop.status == Status.SUPPORTED
    outreach = (
        pop.status_in(Status.OUTSIDE, Status.WAITING)
        & (pop.housing <= Housing.EMERGENCY_SHELTER)
        & pop.wish
    )
    young = pop.age < TAPAJ_MAX_AGE
    # One draw per possible candidate, whichever programme they are a candidate for.
    pool = np.flatnonzero((supported & (plan.want_low_threshold != Programme.NONE)) | outreach)
    u = np.zeros(pop.n, dtype=np.float32)
    u[pool] = model.streams.uniform("low_threshold", pool, "admission")
    key = u  # no selection: prescribed and outreach candidates in one random order
    targeting = model.targeting

    def eligible(prog: str, rows: np.ndarray) -> np.ndarray:
        mask = targeting.eligible("programme", prog, rows)
        return rows if mask is None else rows[mask]

    def rank(prog: str, rows: np.ndarray) -> np.ndarray:
        return targeting.rank("programme", [prog], np.zeros(rows.size, np.int64), rows)

    # PHC, hosted by ACI: each candidate asks a host with free places.
    may = pop.obstacles[OB["right_to_work"]] <= WORK_RIGHT_MAX  # PHC and TAPAJ pay wages
    cand = np.flatnonzero(
        ((supported & (plan.want_low_threshold == Programme.PHC)) | (outreach & ~young))
        & not_done(pop, Programme.PHC)
        & may
    )
    cand = eligible("phc", cand)
    free = model.siae_phc_places - pop.count("phc")
    host = choose_weighted(u[cand], np.maximum(free, 0).astype(float))
    ok = host >= 0
    phc_rank = rank("phc", cand)  # None: no priority list
    at = admitted(host[ok], free, key[cand[ok]], rank=None if phc_rank is None else phc_rank[ok])
    got, got_host = cand[ok][at], host[ok][at]
    more, more_host = spill_over(cand, key[cand], got, got_host, free, rank=phc_rank)
    got, got_host = np.concatenate([got, more]), np.concatenate([got_host, more_host])
    _start(model, got, Programme.PHC, got_host, lt.phc_hours_start, lt.dur_phc)
    model.unserved = {Programme.PHC: cand[~among(cand, got)]}  # cand: sorted rows

    # TAPAJ, the territory's places.
    cand = np.flatnonzero(
        ((supported & (plan.want_low_threshold == Programme.TAPAJ)) | (outreach & young))
        & not_done(pop, Programme.TAPAJ)
        & may
    )
    cand = eligible("tapaj", cand)
    free = np.array([model.tapaj_places]) - pop.count("tapaj")
    got = allocate(
        cand, np.zeros(cand.size, dtype=np.int64), free, key[cand], rank=rank("tapaj", cand)
    )
    _start(model, got, Programme.TAPAJ, -1, TAPAJ_WEEKLY_HOURS, lt.dur_tapaj)
    model.unserved[Programme.TAPAJ] = cand[~among(cand, got)]

    # AAVA, run by the shelter for its own residents.
    cand = np.flatnonzero(
        supported & (plan.want_low_threshold == Programme.AAVA) & (pop.shelter >= 0)
    )
    cand = eligible("aava", cand)
    free = model.shelter_aava_places - pop.count("aava")
    got = allocate(cand, pop.shelter[cand], free, u[cand], rank=rank("aava", cand))
    hours = lt.aava_hours_per_month / WEEKS_PER_MONTH
    _start(model, got, Programme.AAVA, pop.shelter[got], hours, lt.dur_aava)
    model.unserved[Programme.AAVA] = cand[~among(cand, got)]
    wanted = supported & (plan.want_low_threshold != Programme.NONE)
    model.queues["low_threshold"] = int(np.count_nonzero(wanted & (pop.status == Status.SUPPORTED)))
    model.flows["outreach_starts"] += int(
        np.count_nonzero(
            outreach & (pop.status == Status.LOW_THRESHOLD) & (pop.t_first_support == t)
        )
    )


def _start(model, rows: np.ndarray, programme: Programme, host, hours: float, duration: float):
    """``rows`` start ``programme`` hosted by ``host`` (a SIAE for PHC, a shelter for AAVA)."""
    pop = model.pop
    pop.status[rows] = Status.LOW_THRESHOLD
    pop.write(rows, programme=programme, programme_host=host)
    pop.hours[rows] = hours
    pop.t_programme_end[rows] = model.t + max(1, int(round(duration)))
    pop.t_programme_start[rows] = model.t
    pop.programmes_done[rows] |= np.int8(1 << programme)
    first = rows[pop.t_first_support[rows] == NEVER]
    pop.t_first_support[first] = model.t
    if programme == Programme.PHC:  # a CDDI in the host ACI (seed 003 L902)
        start_first_job(pop, rows, model.t)
    model.flows[f"{programme.name.lower()}_starts"] += rows.size
    model.ledger.mobilised(rows)  # an employment action (seed 002 L53)


# ----------------------------------------------------------------------------- SIAE
def siae_floors(model) -> tuple[np.ndarray, np.ndarray]:
    """Employability floor of each SIAE and whether it ranks candidates on employability.

    The modulated part of the aide au poste (target C7: 0-10% of the base) puts money at stake on
    results: rewarding exits to employment raises every floor in proportion to the share at stake
    (seed 003: "the furthest are left at the door"); rewarding the furthest lowers it.
    """
    b, mod = model.behaviour, model.policy.funding.modulation
    floors = np.select(
        [
            model.siae_selection == Selection.SCREENING,
            model.siae_selection == Selection.PERFORMANCE,
        ],
        [b.siae_floor_screening, b.siae_floor_performance],
        -np.inf,
    )
    ranks = model.siae_selection == Selection.PERFORMANCE
    if mod.enabled and mod.share > 0:
        shift = mod.selectivity * mod.share / 0.10
        if mod.reward == "exits":
            floors = np.where(np.isfinite(floors), floors + shift, b.siae_floor_screening + shift)
            ranks = np.ones_like(ranks)
        else:
            floors = floors - shift
            ranks = np.zeros_like(ranks)
    return floors, ranks


def phc_reserved_left(model) -> np.ndarray:
    """Per SIAE, posts reserved to PHC completers and not yet held by one.

    ``territory.low_threshold.phc_reserved_share`` of a PHC host's posts are reserved; employees
    who followed PHC hold them first. Zero everywhere without a reserved share.
    """
    share = model.spec.territory.low_threshold.phc_reserved_share
    if share <= 0:
        return np.zeros(model.n_siae, dtype=np.int64)
    pop = model.pop
    reserved = np.where(
        model.siae_phc_places > 0, np.floor(share * model.siae_posts).astype(np.int64), 0
    )
    employed = np.flatnonzero(pop.siae >= 0)
    from_phc = employed[~not_done(pop, Programme.PHC, employed)]
    held = np.bincount(pop.siae[from_phc], minlength=model.n_siae)[: model.n_siae]
    return np.maximum(reserved - held, 0)


def siae_hiring(model, plan) -> None:
    """SIAE hire among prescribed candidates, by their selection rule, up to their free posts.

    Posts reserved to PHC completers (:func:`phc_reserved_left`) are not offered to others.
    """
    pop = model.pop
    cand = np.flatnonzero(plan.want_iae & (pop.status == Status.SUPPORTED))
    cand = cand[may_work(pop, cand)]
    u_cand = model.streams.uniform("siae_hiring", cand, "pick")
    free = model.siae_posts - pop.count("siae") - phc_reserved_left(model)
    target = choose_allowed(
        u_cand, np.maximum(free, 0).astype(float), model.siae_group, iae.allowed(model, cand)
    )
    ok = target >= 0
    cand, target, u = cand[ok], target[ok], u_cand[ok]
    score = employability(model, cand)
    floors, ranks = siae_floors(model)
    key = np.where(ranks[target], -score, u)
    mod = model.policy.funding.modulation
    if mod.enabled and mod.share > 0 and mod.reward == "furthest":
        key = -pop.n_obstacles_at_entry[cand] + u
    rank = model.targeting.rank("siae", model.siae_group_names, model.siae_group[target], cand)
    at = admitted(target, free, key, acceptable=score >= floors[target], rank=rank)
    hired, where = cand[at], target[at]
    hire_into_siae(model, hired, where, "siae hire")
    model.flows["siae_applicants"] += cand.size
    model.flows["siae_applicant_obstacles"] += float(pop.n_obstacles(rows=cand).sum())
    model.flows["siae_hire_obstacles"] += float(pop.n_obstacles(rows=hired).sum())
    model.queues["siae"] = cand.size - hired.size


def hire_into_siae(model, rows: np.ndarray, siae: np.ndarray, label: str) -> None:
    """``rows`` start a CDDI or mission in ``siae``; its length is drawn (C5).

    At least the structure's legal minimum, and never beyond the IAE pathway's cap (24 months,
    or the structure's longer cap and legal extensions, :func:`sim.submodels.iae.cap`; someone
    near the end of it gets what remains, at least one month). ``label`` names the draws of this
    hiring (stream ``contracts``).
    """
    pop, t = model.pop, model.t
    # Gamma(2) lengths around the structure's mean, at least the legal minimum, within what
    # remains of the IAE pathway (a person who had CDDI before has less left).
    u = [model.streams.uniform("contracts", rows, f"{label} length {i}") for i in (1, 2)]
    draw = -(np.log(1.0 - u[0].astype(float)) + np.log(1.0 - u[1].astype(float))) / 2.0
    limit = iae.cap(model, rows, siae)
    months = np.clip(np.round(draw * model.siae_dur_mean[siae]), model.siae_min_months[siae], limit)
    left = limit - pop.months_siae[rows]
    months = np.maximum(np.minimum(months, left), 1)
    model.ledger.mobilised(rows)  # before the support (and its measure) ends
    release_referent(pop, rows)
    pop.status[rows] = Status.SIAE
    pop.write(rows, siae=siae, programme=Programme.NONE, programme_host=-1)
    pop.hours[rows] = model.siae_hours[siae]
    pop.t_contract_start[rows] = t
    pop.t_contract_end[rows] = t + months.astype(np.int32)
    start_first_job(pop, rows, t)
    model.siae_results["hires"] += np.bincount(siae, minlength=model.n_siae)
    furthest = pop.n_obstacles_at_entry[rows] >= FURTHEST_MIN_OBSTACLES
    model.siae_results["hires_furthest"] += np.bincount(siae[furthest], minlength=model.n_siae)
    model.flows["siae_hires"] += rows.size


# ----------------------------------------------------------------------------- employers
def employer_hiring(model, plan) -> None:
    """Ordinary employers hire among this month's applicants, up to their vacancies."""
    pop, b = model.pop, model.behaviour
    streams = model.streams
    vacancies = streams.generator("employer_hiring", "vacancies").poisson(model.employer_vacancies)
    status = pop.status
    seekers, alone_applicants = job_seekers(model, plan)
    immersed = status[seekers] == Status.IMMERSION
    employer = np.where(
        immersed,
        pop.employer[seekers],
        choose_employer(model, streams.uniform("employer_hiring", seekers, "pick"), seekers),
    )
    ok = employer >= 0
    seekers, employer, immersed = seekers[ok], employer[ok], immersed[ok]
    u_hire = streams.uniform("employer_hiring", seekers, "hire")
    coached = plan.search[seekers] & (status[seekers] == Status.SUPPORTED)
    from_siae = status[seekers] == Status.SIAE  # only they have a SIAE (there may be none)

    # Mediation: a contact of the referent within the structure's capacity, the job developer of
    # a mediation team (sim.submodels.mediation), or the SIAE's for its employees.
    team = pop.mediator[seekers] >= 0
    asks = seekers[plan.mediation[seekers] & coached & ~team]
    contacted, priority = model.staff.mediate(model, asks)
    presenter_order = np.full(seekers.size, np.inf)  # per seeker (sorted rows)
    by_referent = np.zeros(seekers.size, dtype=bool)
    at = np.searchsorted(seekers, contacted)
    presenter_order[at] = priority
    by_referent[at] = True
    presenter_order[team] = -pop.n_obstacles(rows=seekers[team])
    presented = by_referent | team
    siae_mediation = np.zeros(seekers.size, dtype=bool)
    siae_mediation[from_siae] = model.siae_mediation[pop.siae[seekers[from_siae]]]
    mediated = presented | siae_mediation
    secured = presented & (model.practices.dur_follow_up[pop.logic[seekers]] > 0)
    e = model.employers
    openness = e["openness"][employer]
    openness = openness + mediated * (1.0 - openness) * b.mediation_openness_gain
    # A hire needs a draw below openness x sigmoid(score) <= openness: the employers' rules and
    # the score are read only for the immersed and the draws below the openness.
    may = np.flatnonzero(immersed | (u_hire < openness))
    model.flows["job_applicants"] += seekers.size
    seekers, employer, immersed = seekers[may], employer[may], immersed[may]
    mediated, u_hire, openness = mediated[may], u_hire[may], openness[may]
    requires_licence = np.where(
        mediated, e["needs_licence"][employer], e["requires_licence"][employer]
    )
    min_exp = np.where(
        mediated & ~e["needs_experience"][employer], 0.0, e["min_experience"][employer]
    )
    meets = (
        (pop.obstacles[OB["french"], seekers] <= e["max_french"][employer])
        & (~requires_licence | (pop.obstacles[OB["mobility"], seekers] <= LICENCE_MAX_MOBILITY))
        & (pop.experience[seekers] >= min_exp)
    )
    score = employer_score(model, seekers, mediated, secured[may])
    p_hire = np.where(immersed, b.p_immersion_hire, openness * _sigmoid(score))
    acceptable = np.where(immersed, True, meets) & (u_hire < p_hire)
    # The host of an immersion considers its immersed person first; then the candidates a
    # mediator presented (the post negotiated for them, seed 003 L332), in the mediators'
    # order; then the others, most employable first (publics of a priority list before others).
    key = np.where(
        immersed,
        -np.inf,
        np.where(
            presented[may], presenter_order[may] - 2e6, np.where(mediated, -score - 1e6, -score)
        ),
    )
    rank = model.targeting.rank(
        "employer", model.employer_group_names, model.employer_group[employer], seekers
    )
    at = admitted(employer, vacancies, key, acceptable, rank=rank)
    hired, where = seekers[at], employer[at]
    hire_into_job(model, hired, where)
    # Immersions that did not lead to a hire: back to job search with the referent.
    back = np.flatnonzero(pop.status == Status.IMMERSION)
    pop.status[back] = Status.SUPPORTED
    pop.phase[back] = Phase.JOB_SEARCH
    pop.employer[back] = -1
    model.flows["own_search_applicants"] += alone_applicants
    model.flows["mediated_applications"] += int(np.count_nonzero(by_referent))
    model.flows["vacancies"] += int(vacancies.sum())


def job_seekers(model, plan) -> tuple[np.ndarray, np.ndarray]:
    """This month's candidates to ordinary employers, in row order, and the own-search applicants.

    The coached (in job search with their referent) apply with chance ``p_apply`` x their
    referent's ``rel_search``, CDDI employees in their contract's last ``siae_search_months``
    with ``p_apply``, whoever else wishes to work (outside support, waiting, or supported but
    not coached this month) with ``p_search_alone``; the immersed are candidates to their host.
    Of those, the ones with the right to work (:func:`sim.kernels.job_seekers`).
    """
    pop, b, streams = model.pop, model.behaviour, model.streams
    columns = (pop.status, plan.search, pop.wish, pop.referent, pop.t_contract_end)
    return kernels.job_seekers(
        columns + (pop.obstacles[OB["right_to_work"]],),
        model.referents.rel_search,
        _SEEKER_CODES,
        (np.uint64(streams.key("employer_hiring", "apply")), b.p_apply, b.p_search_alone),
        model.t,
        b.siae_search_months,
        NEVER,
    )


def choose_employer(model, u: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The employer each of ``rows`` applies to, in proportion to its vacancies.

    Only employers whose vacancies are open to the person count; women weigh each employer's
    vacancies by its ``rel_women_apply``.

    With no reserved vacancies and no sector drawing fewer women, exactly
    :func:`~sim.submodels.capacity.choose_weighted` on the vacancies.
    """
    allowed = model.targeting.allowed("employer", model.employer_group_names, rows)
    weights, group = model.employer_vacancies, model.employer_group
    rel = model.employer_rel_women
    if np.all(rel == 1.0):
        return choose_allowed(u, weights, group, allowed)
    women = model.pop.sex[rows] == Sex.WOMAN
    out = np.empty(rows.size, dtype=np.int64)
    for who, w in ((~women, weights), (women, weights * rel)):
        out[who] = choose_allowed(u[who], w, group, {g: m[who] for g, m in allowed.items()})
    return out


def hire_into_job(model, rows: np.ndarray, employer: np.ndarray) -> None:
    """``rows`` start an ordinary job with ``employer``: contract, hours and end are drawn."""
    pop, t, b = model.pop, model.t, model.behaviour
    u = model.streams.uniform("contracts", rows, "job contract")
    e = model.employers
    contract = np.where(
        u < e["p_cdi"][employer],
        Contract.CDI,
        np.where(
            u < e["p_cdi"][employer] + e["p_cdd_long"][employer], Contract.CDD_LONG, Contract.SHORT
        ),
    ).astype(np.int8)
    length = np.where(contract == Contract.CDD_LONG, b.dur_cdd_long, b.dur_short)
    from_siae = rows[pop.status[rows] == Status.SIAE]
    iae.start_follow_up(model, from_siae, pop.siae[from_siae])
    model.siae_results["positive_exits"] += np.bincount(pop.siae[from_siae], minlength=model.n_siae)
    model.siae_results["exits"] += np.bincount(pop.siae[from_siae], minlength=model.n_siae)
    model.flows["siae_exits_to_job"] += from_siae.size
    pop.write(rows, siae=-1, programme=Programme.NONE, programme_host=-1)
    pop.status[rows] = Status.JOB
    pop.employer[rows] = employer
    pop.contract[rows] = contract
    pop.t_contract_start[rows] = t
    pop.hours[rows] = e["weekly_hours"][employer]
    pop.t_contract_end[rows] = np.where(
        contract == Contract.CDI, NEVER, t + np.maximum(1, np.round(length)).astype(np.int32)
    )
    start_first_job(pop, rows, t)
    durable = rows[contract != Contract.SHORT]
    first = durable[pop.t_first_durable[durable] == NEVER]
    pop.t_first_durable[first] = t
    # The referent follows the person in the job for the profile's months (none: support ends).
    follow_up = model.practices.dur_follow_up[pop.logic[rows]]
    keep = (pop.referent[rows] >= 0) & (follow_up > 0)
    kept = rows[keep]
    pop.phase[kept] = Phase.IN_JOB
    pop.t_in_job_support_end[kept] = t + follow_up[keep]
    pop.t_job_training_end[rows] = NEVER
    model.ledger.mobilised(rows)  # before a support without follow-up (and its measure) ends
    release_referent(pop, rows[~keep])
    model.flows["job_hires"] += rows.size
    model.flows["durable_hires"] += durable.size
    model.flows["job_hires_three_plus"] += int(
        np.count_nonzero(pop.n_obstacles(rows=rows) >= FURTHEST_MIN_OBSTACLES)
    )


def immersions(model, plan) -> None:
    """Persons in job search start a one-month immersion (PMSMP) with an employer."""
    pop, b = model.pop, model.behaviour
    rows = np.flatnonzero(plan.want_immersion & (pop.status == Status.SUPPORTED))
    rows = rows[model.streams.uniform("immersion", rows, "start") < b.p_immersion]
    v = model.streams.uniform("immersion", rows, "employer")
    employer = choose_employer(model, v, rows)
    rows = rows[employer >= 0]
    pop.status[rows] = Status.IMMERSION
    pop.employer[rows] = employer[employer >= 0]
    model.flows["immersions"] += rows.size
    model.ledger.mobilised(rows)  # an employment action (seed 002 L36, L53)
