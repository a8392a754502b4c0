"""The funding ledger: who pays what, for which programme, each month (DESIGN.md, decision 5).

Funding rules, with values from ``policy.funding`` (each cited in the scenario file):

- shelters are paid per funded place and year, occupied or not (C8);
- the aide au poste is paid per occupied post, in full-time equivalents (hours / 35), at a base by
  SIAE type (C7), plus a modulated part (0-10% of the base) in proportion to the structure's
  results so far: its share of exits to employment, or, when the modulation rewards reaching the
  furthest, its share of hires with three or more obstacles;
- the RSA support measure (seed 002) is a price per measure with a fixed part paid at entry and a
  variable part paid when the person is mobilised onto employment or training;
- France Travail advisers and shelters' insertion officers are paid per FTE;
- programmes and services (PHC, TAPAJ, AAVA stipend, crèche, mobility, French, health, training,
  housing first) are paid per occupied place and month;
- each programme's cost is split between funders (State, Département, ESF, France Travail, other)
  by its co-financing shares (seed 001: ESF 70% / State 30% for the ASI measure).

Costs that follow a person (their place, post, measure, share of an adviser) are also added to
that person's ``cost``; the cost of vacant capacity stays with the programme only.
"""

from __future__ import annotations

import numpy as np

from sim.states import Programme, Service, ShelterKind, SiaeType, Status

FUNDERS = ("state", "departement", "esf", "france_travail", "other")
PROGRAMMES = (
    "shelter_chu",
    "shelter_chrs",
    "shelter_iml",
    "shelter_oacas",
    "shelter_insertion_officers",
    "france_travail_advisers",
    "rsa_measure",
    "aide_au_poste_aci",
    "aide_au_poste_ei",
    "aide_au_poste_ai",
    "aide_au_poste_etti",
    "aide_au_poste_modulation",
    "phc",
    "tapaj",
    "aava",
    "creche",
    "mobility",
    "french",
    "health",
    "training",
    "housing_first",
)
FULL_TIME_HOURS = 35.0
HOURS_PER_MONTH_PER_WEEKLY_HOUR = 52 / 12


class Ledger:
    """Monthly costs by programme and funder, and the cost attributed to each person."""

    def __init__(self, model):
        """Prepare the unit costs and co-financing shares of ``model``'s scenario."""
        self.model = model
        self.funding = f = model.policy.funding
        self.shares = np.array(
            [[getattr(f.cofinancing[p], fu) for fu in FUNDERS] for p in PROGRAMMES]
        )
        self.rows: list[tuple[int, str, str, float]] = []
        self._events = dict.fromkeys(PROGRAMMES, 0.0)

    # events paid when they happen -------------------------------------------------------
    def measure_starts(self, rows: np.ndarray) -> None:
        """The fixed part of the RSA support measure is paid for ``rows``."""
        price = self.funding.measure_price_fixed
        self.model.pop.cost[rows] += price
        self._events["rsa_measure"] += price * rows.size

    def mobilised(self, rows: np.ndarray) -> None:
        """``rows`` reach employment or training: the measure's variable part is paid once."""
        pop = self.model.pop
        due = rows[pop.measure[rows] & ~pop.measure_paid_variable[rows]]
        pop.measure_paid_variable[due] = True
        price = self.funding.measure_price_variable
        pop.cost[due] += price
        self._events["rsa_measure"] += price * due.size

    # monthly costs ----------------------------------------------------------------------
    def close_month(self) -> dict[str, float]:
        """Compute this month's costs, attribute them, record ledger rows; totals by funder."""
        m, f = self.model, self.funding
        pop = m.pop
        cost = dict(self._events)
        self._events = dict.fromkeys(PROGRAMMES, 0.0)

        def per_person(programme: str, rows: np.ndarray, amount) -> None:
            amount = np.broadcast_to(np.asarray(amount, dtype=float), rows.shape)
            pop.cost[rows] += amount
            cost[programme] += float(amount.sum())

        # Shelters: every funded place; residents carry the cost of their place.
        place_cost = np.array([f.cost_place_per_year[k.name.lower()] for k in ShelterKind]) / 12
        housed = np.flatnonzero(pop.shelter >= 0)
        housed_kind = m.shelter_kind[pop.shelter[housed]]
        for kind in ShelterKind:
            mine = m.shelter_kind == kind
            programme = f"shelter_{kind.name.lower()}"
            residents = housed[housed_kind == kind]
            per_person(programme, residents, place_cost[kind])
            vacant = m.shelter_places[mine].sum() - residents.size
            cost[programme] += max(vacant, 0) * place_cost[kind]
        cost["shelter_insertion_officers"] += (
            m.shelter_officer_fte.sum() * f.cost_insertion_officer_per_year / 12
        )
        # France Travail advisers: each supported person carries a share of an adviser.
        ref = m.referents
        adviser_month = f.cost_adviser_per_year / 12
        advisers = m.agency_advisers.sum()
        ft = np.flatnonzero(pop.referent >= ref.n_shelters)
        share = adviser_month * advisers / max(ref.capacity[ref.n_shelters :].sum(), 1)
        per_person("france_travail_advisers", ft, share)
        cost["france_travail_advisers"] += max(advisers * adviser_month - share * ft.size, 0.0)
        # Aide au poste per occupied post, in FTE, and its modulated part.
        in_siae = np.flatnonzero(pop.status == Status.SIAE)
        siae = pop.siae[in_siae]
        fte = pop.hours[in_siae] / FULL_TIME_HOURS
        base = np.array([f.aide_au_poste_per_year[t.name.lower()] for t in SiaeType])
        monthly = base[m.siae_type[siae]] / 12 * fte
        for t in SiaeType:
            mine = m.siae_type[siae] == t
            per_person(f"aide_au_poste_{t.name.lower()}", in_siae[mine], monthly[mine])
        if f.modulation.enabled:
            per_person(
                "aide_au_poste_modulation",
                in_siae,
                f.modulation.share * monthly * self.results_rate()[siae],
            )
        # Programmes and services per occupied place.
        prog = pop.programme
        low = pop.status == Status.LOW_THRESHOLD
        per_person("phc", np.flatnonzero(low & (prog == Programme.PHC)), f.cost_phc_place_per_month)
        per_person(
            "tapaj", np.flatnonzero(low & (prog == Programme.TAPAJ)), f.cost_tapaj_place_per_month
        )
        aava = np.flatnonzero(low & (prog == Programme.AAVA))
        stipend = (
            f.aava_stipend_share_smic
            * f.smic_hourly
            * pop.hours[aava]
            * HOURS_PER_MONTH_PER_WEEKLY_HOUR
        )
        per_person("aava", aava, stipend)
        service_cost = f.cost_service_place_per_month
        for s in Service:
            if s is not Service.NONE:
                name = s.name.lower()
                per_person(name, np.flatnonzero(pop.service == s), getattr(service_cost, name))
        per_person("training", np.flatnonzero(pop.status == Status.TRAINING), service_cost.training)
        per_person(
            "housing_first",
            np.flatnonzero(pop.housing_first & pop.present()),
            f.cost_housing_first_per_year / 12,
        )

        amounts = np.array([cost[p] for p in PROGRAMMES])
        split = amounts[:, None] * self.shares
        t = m.t
        for i, p in enumerate(PROGRAMMES):
            for j, fu in enumerate(FUNDERS):
                if split[i, j]:
                    self.rows.append((t, p, fu, float(split[i, j])))
        return dict(zip(FUNDERS, split.sum(axis=0).tolist(), strict=True))

    def results_rate(self) -> np.ndarray:
        """Per SIAE, the result the modulated part rewards (share between 0 and 1)."""
        r = self.model.siae_results
        if self.funding.modulation.reward == "exits":
            return np.divide(
                r["positive_exits"],
                r["exits"],
                out=np.zeros(r["exits"].shape),
                where=r["exits"] > 0,
            )
        return np.divide(
            r["hires_furthest"], r["hires"], out=np.zeros(r["hires"].shape), where=r["hires"] > 0
        )

    def frame(self):
        """The ledger as a tidy table (a pandas DataFrame): month, programme, funder, amount."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["month", "programme", "funder", "amount"])
