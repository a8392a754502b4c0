"""Outcomes: per-person history, per-month records and the indicators (phase 9 of the step).

The unit, kind, bounds and definition of each indicator are in :mod:`sim.indicators`.

Per person (``persons.parquet``): month of first job and of first durable job, months employed,
months in a durable job, SIAE pathway length, month housed, never reached by any support, breaks,
cost; and their state at 6, 12 and 24 months after their entry.

Per month (``monthly.parquet``): stocks by status, flows, waiting lists and waits, occupancy of
every capacity, costs by funder.

Indicators (``indicators.parquet``), for everyone and by public. "Employed" means an ordinary job
or a SIAE contract (both are salaried work), PHC included (a CDDI in an ACI); "durable" an
ordinary CDI or CDD of 6 months or more.
Indicators count the persons observed: those present at month 0 (the month-0 cohort, who enter
at month 0 in the state the burn-in ``run.burn_in`` left them in, see :func:`start_observation`)
and those who arrive later; nothing of the burn-in months is counted. Rates at ``k`` months are
shares of the persons present ``k`` months after their own entry:

- ``employment_rate_6m``, ``_12m``, ``_24m``: employed at 6, 12, 24 months after entry;
- ``durable_employment_rate_12m``, ``_24m``: in a durable job at 12, 24 months;
- ``ever_durable_employment_24m``: among persons present 24 months after their entry, share who
  held a durable job at some month-end within those 24 months (:mod:`sim.events` rebuilds it
  from the events table);
- ``positive_exit_rate_12m``: employed or in training at 12 months;
- ``paid_activity_rate_12m``: employed, or in TAPAJ (paid by the day) or AAVA (a stipend), at 12
  months;
- ``median_months_to_first_job``: among those who found a job during the run;
- ``never_reached_share``: among persons still present 12 months after their entry, share never
  supported by a referent or a programme by then;
- ``housing_access_rate_24m``: among homeless people at entry present at 24 months, share in
  ordinary housing then;
- ``cost_total``: over the whole run, for everyone, the whole ledger (EUR); for a public, the
  costs attributed to its members (places, posts, measures, adviser time);
- ``cost_per_year``: ``cost_total`` over the run's length in years (EUR a year, as budgets are);
- ``cost_per_durable_job``, ``cost_per_job``, ``cost_per_person_supported``,
  ``cost_per_positive_exit``: ``cost_total`` over the number of persons who reached a durable
  job, any job, any support, or a positive exit at 12 months;
- ``rsa_saved``: the RSA the public's recipients at entry would have received had they stayed
  on the full allowance every month they were present (the table's amount without earnings,
  for their household and housing of the month), minus the RSA the ledger paid to the public's
  members (``rsa_allowance``: after earnings, suspensions, exits and entries, whoever receives
  it): the RSA no longer paid;
- ``net_public_cost``: ``cost_total`` minus ``rsa_saved`` plus the prime d'activité paid to
  the public (the cost of making work pay);
- ``rsa_exit_rate_12m``: among RSA recipients at entry observed 12 months after their entry,
  share no longer on the RSA then;
- ``rsa_months_share``: months on the RSA with an amount due, over months present since entry.

Costs: ``cost_total`` counts support (programmes, places, posts, staff), not the transfers to
persons (``rsa_allowance``, ``prime_activite``), which the ledger records apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.indicators import EVENT_INDICATORS, METADATA
from sim.population import NEVER, Population
from sim.states import (
    Benefit,
    Household,
    Housing,
    Programme,
    Service,
    Sex,
    ShelterKind,
    SiaeType,
    Status,
    Track,
)
from sim.submodels.funding import TRANSFERS

INDICATORS = tuple(name for name in METADATA if name not in EVENT_INDICATORS)
"""The indicators' names, in table order (their units and definitions: :mod:`sim.indicators`);
a run that keeps its events adds :data:`sim.indicators.EVENT_INDICATORS`."""


def observed(pop: Population) -> np.ndarray:
    """Persons the indicators count: the month-0 cohort and those who arrived since.

    Persons who left during the burn-in (``run.burn_in``) keep a negative entry month and are
    counted nowhere.
    """
    return (pop.status != Status.NOT_ARRIVED) & (pop.t_entry >= 0)


def start_observation(pop: Population) -> None:
    """Month 0: the persons present form the month-0 cohort, entering now as they are.

    After a burn-in, their entry month becomes 0 and everything the indicators read is set
    as for a person entering at month 0 in their present state: the snapshots at entry
    (age, homeless, obstacles, time without work) are taken now; they count as supported from month
    0 if they are followed by a referent, in a programme, a training, an immersion or a SIAE
    (reached); first job, first durable job and housing are events still to come (a job held
    at month 0 was found before the observation); months employed, breaks and costs start
    from zero, and the snapshots after entry are not yet observed. What the mechanisms read
    (obstacles, experience, months in a SIAE, programmes already followed, benefit spells...)
    is kept; benefit transfers and the RSA at entry start again at month 0.
    Without a burn-in nobody is present yet and nothing changes.
    """
    arrived = np.flatnonzero(pop.status != Status.NOT_ARRIVED)
    if arrived.size == 0:
        return
    # The history of the burn-in is dropped, also for those who left then (counted nowhere).
    for name in ("t_first_support", "t_first_job", "t_first_durable", "t_housed"):
        getattr(pop, name)[arrived] = NEVER
    for name in (
        "months_employed",
        "months_durable",
        "n_breaks",
        "cost",
        "months_present",
        "months_rsa",
        "n_rsa_entries",
        "cost_rsa",
        "cost_ppa",
        "cost_rsa_reference",
    ):
        getattr(pop, name)[arrived] = 0
    pop.rsa_12[arrived] = -1
    for name in SNAPSHOTS:
        getattr(pop, name)[arrived] = -1
    present = np.flatnonzero(pop.present())
    # Their age at entry is their age now (the RSA's age limits read age and entry month).
    pop.age[present] += np.maximum(-pop.t_entry[present], 0).astype(np.float32) / np.float32(12)
    pop.t_entry[present] = 0
    reached = pop.status_in(
        Status.SUPPORTED, Status.TRAINING, Status.IMMERSION, Status.LOW_THRESHOLD, Status.SIAE
    ) | (pop.referent >= 0)
    pop.t_first_support[present] = np.where(reached[present], 0, NEVER)
    pop.homeless_at_entry[present] = pop.homeless()[present]
    pop.n_obstacles_at_entry[present] = pop.n_obstacles(rows=present)
    pop.months_without_work_at_entry[present] = pop.months_without_work[present]
    pop.benefit_at_entry[present] = pop.benefit[present]  # the RSA indicators' public


SNAPSHOTS = (
    "employed_6",
    "employed_12",
    "employed_24",
    "durable_12",
    "durable_24",
    "positive_exit_12",
    "paid_activity_12",
    "reached_12",
    "housed_24",
)


def publics(pop: Population) -> dict[str, np.ndarray]:
    """Masks of the publics indicators are broken down by (attributes at entry).

    ``young`` is the usual French "jeunes" (under 26: Missions locales, TAPAJ); ``young_under_30``
    the ESF+ 2021-2027 "young" public (under 30, seed 000 L435-447).
    """
    arrived = observed(pop)
    return {
        "all": arrived,
        "young": arrived & (pop.age < 26),
        "young_under_30": arrived & (pop.age < 30),
        "senior": arrived & (pop.age >= 50),
        "women": arrived & (pop.sex == Sex.WOMAN),
        "single_parents": arrived & (pop.household == Household.SINGLE_PARENT),
        "refugees": arrived & pop.refugee,
        "disabled": arrived & pop.rqth,
        "homeless_at_entry": arrived & pop.homeless_at_entry,
        "rsa": arrived & (pop.benefit_at_entry == Benefit.RSA),
        "three_plus_obstacles": arrived & (pop.n_obstacles_at_entry >= 3),
    }


class Recorder:
    """Updates person histories and keeps one record per month."""

    def __init__(self, model, keep_history: bool = True):
        """Prepare the records of ``model``; ``keep_history`` keeps every person's statuses."""
        self.model = model
        self.months: list[dict] = []
        shape = (model.spec.run.months, model.pop.size)
        self.history = np.zeros(shape, dtype=np.int8) if keep_history else None
        self.benefit_history = np.zeros(shape, dtype=np.int8) if keep_history else None

    def count_months(self) -> None:
        """Count the month employed, in a durable job, in a SIAE (every month, burn-in included).

        ``months_siae`` is also what the 24-month cap of the IAE pathway reads.
        """
        pop = self.model.pop
        pop.months_employed += pop.employed()
        pop.months_durable += pop.durable()
        pop.months_siae += pop.status == Status.SIAE

    def record(self, costs: dict[str, float]) -> None:
        """Update snapshots and histories, and store this month's record (from month 0)."""
        m = self.model
        pop, t = m.pop, m.t
        employed, durable = pop.employed(), pop.durable()
        present = pop.present()
        pop.months_present += present
        rsa = present & (pop.benefit == Benefit.RSA)
        pop.months_rsa += rsa & (pop.rsa_amount > 0)
        self._snapshots(pop, t, employed, durable)
        if t == 0:  # a durable job held then may have been found in the burn-in
            pop.durable_month_0[:] = durable & (pop.t_entry == 0)
        if self.history is not None:
            self.history[t, : pop.n] = pop.status  # rows not arrived yet stay NOT_ARRIVED (0)
            self.benefit_history[t, : pop.n] = pop.benefit

        row: dict = {"month": t}
        counts = np.bincount(pop.status, minlength=len(Status))
        counts[Status.NOT_ARRIVED] += pop.size - pop.n  # rows of persons still to come
        row.update({f"n_{s.name.lower()}": int(counts[s]) for s in Status})
        benefits = np.bincount(pop.benefit[present], minlength=len(Benefit))
        # Persons present by benefit status (``benefit_*``), and RSA recipients paid, suspended,
        # on the social track; workers paid the prime d'activité.
        row.update({f"benefit_{b.name.lower()}": int(benefits[b]) for b in Benefit})
        row["rsa_paid"] = int(np.count_nonzero(rsa & (pop.rsa_amount > 0)))
        row["rsa_suspended"] = int(np.count_nonzero(rsa & (pop.suspension_share > 0)))
        row["rsa_social_track"] = int(np.count_nonzero(rsa & (pop.track == Track.SOCIAL)))
        row["ppa_paid"] = int(np.count_nonzero(present & (pop.ppa_amount > 0)))
        row.update({f"flow_{k}": v for k, v in m.flows.items()})
        row.update({f"queue_{k}": v for k, v in m.queues.items()})
        waiting = pop.status == Status.WAITING
        row["mean_wait_months"] = (
            float(np.mean(t - pop.t_waiting_since[waiting])) if waiting.any() else 0.0
        )
        row.update(self._occupancy())
        row.update({f"cost_{k}": v for k, v in costs.items()})
        self.months.append(row)

    @staticmethod
    def _snapshots(pop: Population, t: int, employed: np.ndarray, durable: np.ndarray) -> None:
        since = t - pop.t_entry
        present = pop.present()
        for k in (6, 12, 24):
            now = present & (since == k)
            getattr(pop, f"employed_{k}")[now] = employed[now]
            if k >= 12:
                getattr(pop, f"durable_{k}")[now] = durable[now]
        now = present & (since == 12)
        pop.positive_exit_12[now] = employed[now] | (pop.status[now] == Status.TRAINING)
        pop.paid_activity_12[now] = employed[now] | (pop.status[now] == Status.LOW_THRESHOLD)
        pop.reached_12[now] = pop.t_first_support[now] != NEVER
        pop.rsa_12[now] = pop.benefit[now] == Benefit.RSA
        now = present & (since == 24) & pop.homeless_at_entry
        pop.housed_24[now] = pop.housing[now] == Housing.ORDINARY

    def _occupancy(self) -> dict[str, float]:
        """Used and total capacity of every limited thing, this month."""
        m = self.model
        pop, ref = m.pop, m.referents
        out: dict[str, float] = {}
        used = pop.count("referent")
        out["used_caseload_shelters"] = int(used[: ref.n_shelters].sum())
        out["cap_caseload_shelters"] = int(ref.capacity[: ref.n_shelters].sum())
        out["used_caseload_france_travail"] = int(used[ref.n_shelters : ref.first_team].sum())
        out["cap_caseload_france_travail"] = int(
            ref.capacity[ref.n_shelters : ref.first_team].sum()
        )
        teams = slice(ref.first_team, ref.departement)
        out["used_caseload_referent_groups"] = int(used[teams].sum())
        out["cap_caseload_referent_groups"] = int(ref.capacity[teams].sum())
        out["used_caseload_departement"] = int(used[ref.departement])
        out["cap_caseload_departement"] = int(ref.capacity[ref.departement])
        out["used_places_measure"] = int(np.count_nonzero(pop.measure))
        out["cap_places_measure"] = int(m.departement.measure_places)
        out["used_places_mediation"] = int(pop.count("mediator").sum())
        out["cap_places_mediation"] = int(m.mediation_places.sum())
        places = pop.count("shelter")
        for kind in ShelterKind:
            mine = m.shelter_kind == kind
            out[f"used_places_{kind.name.lower()}"] = int(places[mine].sum())
            out[f"cap_places_{kind.name.lower()}"] = int(m.shelter_places[mine].sum())
        posts = pop.count("siae")
        for typ in SiaeType:
            mine = m.siae_type == typ
            out[f"used_posts_{typ.name.lower()}"] = int(posts[mine].sum())
            out[f"cap_posts_{typ.name.lower()}"] = int(m.siae_posts[mine].sum())
        caps = {
            Programme.PHC: int(m.siae_phc_places.sum()),
            Programme.TAPAJ: m.tapaj_places,
            Programme.AAVA: int(m.shelter_aava_places.sum()),
        }
        for prog, cap in caps.items():
            out[f"used_places_{prog.name.lower()}"] = int(pop.count(prog.name.lower()).sum())
            out[f"cap_places_{prog.name.lower()}"] = cap
        in_service = pop.count("service")
        for s in Service:
            if s is not Service.NONE:
                out[f"used_places_{s.name.lower()}"] = int(in_service[s])
                out[f"cap_places_{s.name.lower()}"] = int(m.service_places[s])
        out["used_places_training"] = int(pop.count("training_unit").sum())
        out["cap_places_training"] = int(m.training_places)
        staff, n_sh = m.staff, ref.n_shelters
        for where, part in (
            ("shelters", slice(None, n_sh)),
            ("france_travail", slice(n_sh, ref.departement)),
            ("departement", slice(ref.departement, None)),
        ):
            out[f"used_staff_hours_{where}"] = float(staff.hours_used[part].sum())
            out[f"need_staff_hours_{where}"] = float(staff.hours_needed[part].sum())
            out[f"cap_staff_hours_{where}"] = float(staff.hours[part].sum())
            out[f"used_mediation_contacts_{where}"] = int(staff.contacts[part].sum())
            out[f"cap_mediation_contacts_{where}"] = int(staff.capacity[part].sum())
        return out

    def frame(self) -> pd.DataFrame:
        """The monthly records as a table, one row per month."""
        return pd.DataFrame(self.months)

    def history_of(self, row: int) -> list[dict]:
        """Status of one person, month by month (empty if histories are not kept)."""
        if self.history is None:
            return []
        upto = len(self.months)
        return [{"month": t, "status": Status(self.history[t, row]).name} for t in range(upto)]


def _rate(snapshot: np.ndarray, mask: np.ndarray) -> float:
    observed = mask & (snapshot >= 0)
    return float(snapshot[observed].mean()) if observed.any() else float("nan")


def _per(cost: float, count: int) -> float:
    return cost / count if count else float("nan")


def indicators(pop: Population, ledger: pd.DataFrame, months: int) -> pd.DataFrame:
    """The named indicators, for everyone and each public: columns indicator, public, value.

    ``months`` is the run's length (for the cost per year). Costs leave out the ledger's
    transfers (RSA, prime d'activité); the RSA no longer paid and the net public cost read them.
    """
    years = months / 12
    support = ledger[~ledger["programme"].isin(TRANSFERS)] if len(ledger) else ledger
    total_cost = float(support["amount"].sum()) if len(support) else 0.0
    at_entry = pop.benefit_at_entry == Benefit.RSA
    # Observed at 24 months (durable_24 set): a durable job held at a month-end by then, or not
    # (found from month 0, or held at the end of month 0 by the month-0 cohort).
    found = (pop.t_first_durable != NEVER) & (pop.t_first_durable - pop.t_entry <= 24)
    ever_durable = np.where(pop.durable_24 >= 0, found | pop.durable_month_0, -1).astype(np.int8)
    rows = []
    for public, mask in publics(pop).items():
        to_first = (pop.t_first_job - pop.t_entry)[mask & (pop.t_first_job != NEVER)]
        cost = total_cost if public == "all" else float(pop.cost[mask].sum())
        n_durable = int(np.count_nonzero(mask & (pop.t_first_durable != NEVER)))
        n_supported = int(np.count_nonzero(mask & (pop.t_first_support != NEVER)))
        n_jobs = int(np.count_nonzero(mask & (pop.t_first_job != NEVER)))
        n_positive = int(np.count_nonzero(mask & (pop.positive_exit_12 == 1)))
        rsa_saved = float(pop.cost_rsa_reference[mask].sum() - pop.cost_rsa[mask].sum())
        ppa = float(pop.cost_ppa[mask].sum())
        left_rsa = np.where(pop.rsa_12 >= 0, 1 - pop.rsa_12, -1).astype(np.int8)
        present_months = int(pop.months_present[mask].sum())
        values = {
            "employment_rate_6m": _rate(pop.employed_6, mask),
            "employment_rate_12m": _rate(pop.employed_12, mask),
            "employment_rate_24m": _rate(pop.employed_24, mask),
            "durable_employment_rate_12m": _rate(pop.durable_12, mask),
            "durable_employment_rate_24m": _rate(pop.durable_24, mask),
            "ever_durable_employment_24m": _rate(ever_durable, mask),
            "positive_exit_rate_12m": _rate(pop.positive_exit_12, mask),
            "paid_activity_rate_12m": _rate(pop.paid_activity_12, mask),
            "median_months_to_first_job": float(np.median(to_first))
            if to_first.size
            else float("nan"),
            "never_reached_share": 1.0 - _rate(pop.reached_12, mask),
            "housing_access_rate_24m": _rate(pop.housed_24, mask),
            "cost_total": cost,
            "cost_per_year": cost / years if years > 0 else float("nan"),
            "cost_per_durable_job": _per(cost, n_durable),
            "cost_per_person_supported": _per(cost, n_supported),
            "cost_per_job": _per(cost, n_jobs),
            "cost_per_positive_exit": _per(cost, n_positive),
            "rsa_saved": rsa_saved,
            "net_public_cost": cost - rsa_saved + ppa,
            "rsa_exit_rate_12m": _rate(left_rsa, mask & at_entry),
            "rsa_months_share": _per(float(pop.months_rsa[mask].sum()), present_months),
        }
        rows += [(name, public, values[name]) for name in INDICATORS]
    return pd.DataFrame(rows, columns=["indicator", "public", "value"])
