"""The funding ledger: who pays what, for which programme, each month (DESIGN.md, decision 5).

Funding rules, with the dated values of ``sim/parameters/funding.yaml`` in force at the run's
start (each with its unit and reference), overridable by ``policy.funding.overrides``:

- shelters are paid per funded place and year, occupied or not (C8); hotel rooms only while
  occupied (the State books them night by night);
- the aide au poste is paid per occupied post, in full-time equivalents (hours / 35), at a base by
  SIAE type (C7), plus a modulated part (0-10% of the base) in proportion to the structure's
  results so far: its share of exits to employment, or, when the modulation rewards reaching the
  furthest, its share of hires with three or more obstacles;
- France Travail advisers, shelters' insertion officers, the Département's social referents, the
  staff of referent teams and of mediation teams, and SIAE partnership officers (CVG) are paid
  per FTE; a person followed by an adviser, a social referent, a referent team or a mediation team
  carries a share of its staff;
- employer mediation by referents is staff time (:mod:`sim.submodels.staff`): the contacts made
  each month are valued at the hourly cost of the structure's staff (an agency's advisers,
  ``staff.adviser``; a shelter's social workers, ``staff.social_worker``; a referent team's
  referents, ``staff.referent_team``; the Département's social referents,
  ``staff.social_referent``; per ``territory.staff.hours_per_fte`` paid hours) and shown as the
  programme ``referent_mediation``, moved out of the line that pays that staff
  (``france_travail_advisers``, ``referent_groups``, ``departement_referents``, or the shelter's
  places), with the same
  funders: the total is unchanged, mediation displaces other uses of the same hours;
- the intensive support measure of seed 002 is paid per 6-month measure (L51-53): a fixed part
  when it starts or is renewed and, if the scenario keeps it, a variable part the first time the
  person is mobilised onto an employment or training action during it;
- programmes and services (PHC, TAPAJ, AAVA stipend, crèche, mobility, French, health, training,
  housing first) are paid per occupied place and month;
- transfers to persons: the RSA allowance (``rsa_allowance``, the amount due less any suspended
  part, plus suspended amounts paid back on remobilisation) and the prime d'activité
  (``prime_activite``), from :mod:`sim.submodels.benefits` and :mod:`sim.submodels.duties`;
- each programme's cost is split between funders (State, Département, ESF, France Travail, other)
  by its co-financing shares (``esf_with``: the ESF+ rate in force for the territory's category of
  region, ``esf.cofinancing_rate.<territory.region_category>``, and the rest by the named
  funder), or, for a programme funded by a budget envelope, by the envelope's funders.

Costs that follow a person (their place, post, measure, share of a referent) are also added to
that person's ``cost``, and transfers to their ``cost_rsa`` and ``cost_ppa``; the cost of vacant
capacity stays with the programme only.
"""

from __future__ import annotations

import numpy as np

from sim.states import Benefit, Programme, ReferentKind, Service, ShelterKind, SiaeType, Status

FUNDERS = ("state", "departement", "esf", "france_travail", "other")
PROGRAMMES = (
    "shelter_chu",
    "shelter_chrs",
    "shelter_iml",
    "shelter_oacas",
    "shelter_hotel",
    "shelter_insertion_officers",
    "france_travail_advisers",
    "referent_groups",
    "mediation",
    "departement_referents",
    "rsa_measure",
    "aide_au_poste_aci",
    "aide_au_poste_ei",
    "aide_au_poste_ai",
    "aide_au_poste_etti",
    "aide_au_poste_modulation",
    "siae_partnership_staff",
    "phc",
    "tapaj",
    "aava",
    "creche",
    "mobility",
    "french",
    "health",
    "training",
    "housing_first",
    "rsa_allowance",
    "prime_activite",
    "referent_mediation",
)
# Programmes whose funders the scenario gives; employer mediation is paid by the funders of the
# staff who do it.
COFINANCED_PROGRAMMES = tuple(p for p in PROGRAMMES if p != "referent_mediation")
TRANSFERS = ("rsa_allowance", "prime_activite")  # benefits paid to persons, not support
FULL_TIME_HOURS = 35.0
HOURS_PER_MONTH_PER_WEEKLY_HOUR = 52 / 12


def esf_rate(values: dict[str, float], region_category: str) -> float:
    """The ESF+ co-financing rate in force for a category of region (dated parameters)."""
    return values[f"esf.cofinancing_rate.{region_category}"]


def cofinancing_shares(
    funding, values: dict[str, float], budget: dict | None, region_category: str
) -> np.ndarray:
    """Funders' shares of each programme (rows: PROGRAMMES, columns: FUNDERS)."""
    shares = np.zeros((len(PROGRAMMES), len(FUNDERS)))
    for i, p in enumerate(COFINANCED_PROGRAMMES):
        rule = funding.cofinancing[p]
        if budget and p in budget and sum(budget[p].values()) > 0:
            total = sum(budget[p].values())
            shares[i] = [budget[p].get(fu, 0.0) / total for fu in FUNDERS]
        elif rule.esf_with is not None:
            rate = esf_rate(values, region_category)
            shares[i, FUNDERS.index("esf")] += rate
            shares[i, FUNDERS.index(rule.esf_with)] += 1.0 - rate
        else:
            shares[i] = [getattr(rule, fu) for fu in FUNDERS]
    return shares


class Ledger:
    """Monthly costs by programme and funder, and the cost attributed to each person."""

    def __init__(self, model):
        """Prepare the unit costs and co-financing shares of ``model``'s scenario."""
        self.model = model
        self.rules = model.policy.funding
        self.v = model.funding_values
        self.shares = cofinancing_shares(
            self.rules, self.v, model.policy.budget, model.spec.territory.region_category
        )
        self.rows: list[tuple[int, str, str, float]] = []
        self._events = dict.fromkeys(PROGRAMMES, 0.0)

    # events paid when they happen -------------------------------------------------------
    def measure_starts(self, rows: np.ndarray) -> None:
        """``rows`` start (or renew) a 6-month intensive support measure: its fixed part is paid."""
        price = self.v["measure.price_fixed"]
        self.model.pop.cost[rows] += price
        self._events["rsa_measure"] += price * rows.size

    def mobilised(self, rows: np.ndarray) -> None:
        """``rows`` start an employment or training action: a measure's variable part is due.

        Paid once per measure, to those in one not yet mobilised, if the scenario keeps a
        variable part (seed 002 L53).
        """
        pop = self.model.pop
        due = rows[pop.measure[rows] & ~pop.measure_mobilised[rows]]
        pop.measure_mobilised[due] = True
        self.model.flows["measure_mobilised"] += due.size
        if self.rules.measure.variable_part:
            price = self.v["measure.price_variable"]
            pop.cost[due] += price
            self._events["rsa_measure"] += price * due.size

    def repay(self, rows: np.ndarray) -> None:
        """``rows`` remobilise: the allowance suspended is paid back (suspension-remobilisation)."""
        pop = self.model.pop
        amount = pop.rsa_withheld[rows].astype(float)
        pop.cost_rsa[rows] += amount
        self._events["rsa_allowance"] += float(amount.sum())

    # monthly costs ----------------------------------------------------------------------
    def discard_month(self) -> None:
        """A burn-in month: its costs are counted nowhere (the events paid are dropped)."""
        self._events = dict.fromkeys(PROGRAMMES, 0.0)

    def close_month(self) -> dict[str, float]:
        """Compute this month's costs, attribute them, record ledger rows; totals by funder."""
        m, v = self.model, self.v
        pop = m.pop
        cost = dict(self._events)
        self._events = dict.fromkeys(PROGRAMMES, 0.0)

        def per_person(programme: str, rows: np.ndarray, amount) -> None:
            amount = np.broadcast_to(np.asarray(amount, dtype=float), rows.shape)
            pop.cost[rows] += amount
            cost[programme] += float(amount.sum())

        # Shelters: every funded place (hotels: occupied rooms only); residents carry the cost
        # of their place.
        place_cost = np.array([v[f"place_cost.{k.name.lower()}"] for k in ShelterKind]) / 12
        housed = np.flatnonzero(pop.shelter >= 0)
        housed_kind = m.shelter_kind[pop.shelter[housed]]
        for kind in ShelterKind:
            mine = m.shelter_kind == kind
            programme = f"shelter_{kind.name.lower()}"
            residents = housed[housed_kind == kind]
            per_person(programme, residents, place_cost[kind])
            if kind != ShelterKind.HOTEL:
                vacant = m.shelter_places[mine].sum() - residents.size
                cost[programme] += max(vacant, 0) * place_cost[kind]
        cost["shelter_insertion_officers"] += (
            m.shelter_officer_fte.sum() * v["staff.insertion_officer"] / 12
        )
        # France Travail advisers: each supported person carries a share of an adviser.
        ref = m.referents
        adviser_month = v["staff.adviser"] / 12
        advisers = m.agency_advisers.sum()
        # The persons followed, by kind of referent (each kind's rows in row order).
        followed = np.flatnonzero(pop.referent >= 0)
        followed_kind = ref.kind(pop.referent[followed])
        ft = followed[followed_kind == ReferentKind.FRANCE_TRAVAIL]
        share = (
            adviser_month * advisers / max(ref.capacity[ref.n_shelters : ref.first_team].sum(), 1)
        )
        per_person("france_travail_advisers", ft, share)
        cost["france_travail_advisers"] += max(advisers * adviser_month - share * ft.size, 0.0)
        # Referent teams, the Département's social referents and mediation teams: the same, per
        # FTE of their staff.
        for programme, staff, capacity, theirs, price in (
            (
                "referent_groups",
                sum(team.staff for team in m.referent_teams),
                ref.capacity[ref.first_team : ref.departement].sum(),
                followed[followed_kind == ReferentKind.GROUP],
                v["staff.referent_team"] / 12,
            ),
            (
                "departement_referents",
                m.departement.social_referents,
                ref.capacity[ref.departement],
                followed[followed_kind == ReferentKind.DEPARTEMENT],
                v["staff.social_referent"] / 12,
            ),
            (
                "mediation",
                sum(team.staff for team in m.mediation_teams),
                m.mediation_places.sum(),
                np.flatnonzero(pop.mediator >= 0),
                v["staff.mediator"] / 12,
            ),
        ):
            if staff > 0:
                share = price * staff / max(capacity, 1)
                per_person(programme, theirs, share)
                cost[programme] += max(staff * price - share * theirs.size, 0.0)
        cost["siae_partnership_staff"] += (
            m.siae_partnership_fte.sum() * v["staff.partnership_officer"] / 12
        )
        # Aide au poste per occupied post, in FTE, and its modulated part.
        in_siae = np.flatnonzero(pop.status == Status.SIAE)
        siae = pop.siae[in_siae]
        fte = pop.hours[in_siae] / FULL_TIME_HOURS
        base = np.array([v[f"aide_au_poste.{t.name.lower()}"] for t in SiaeType])
        monthly = base[m.siae_type[siae]] / 12 * fte
        for t in SiaeType:
            mine = m.siae_type[siae] == t
            per_person(f"aide_au_poste_{t.name.lower()}", in_siae[mine], monthly[mine])
        if self.rules.modulation.enabled:
            per_person(
                "aide_au_poste_modulation",
                in_siae,
                self.rules.modulation.share * monthly * self.results_rate()[siae],
            )
        # Programmes and services per occupied place.
        prog = pop.programme
        low = pop.status == Status.LOW_THRESHOLD
        for programme in (Programme.PHC, Programme.TAPAJ):
            name = programme.name.lower()
            rows = np.flatnonzero(low & (prog == programme))
            per_person(name, rows, v[f"place_per_month.{name}"])
        aava = np.flatnonzero(low & (prog == Programme.AAVA))
        stipend = (
            v["aava.stipend_share_smic"]
            * v["smic_hourly"]
            * pop.hours[aava]
            * HOURS_PER_MONTH_PER_WEEKLY_HOUR
        )
        per_person("aava", aava, stipend)
        in_service = np.flatnonzero(pop.service != Service.NONE)
        service = pop.service[in_service]
        for s in Service:
            if s is not Service.NONE:
                name = s.name.lower()
                per_person(name, in_service[service == s], v[f"place_per_month.{name}"])
        per_person(
            "training",
            np.flatnonzero(pop.training_unit >= 0),  # in a training, before a job or in it
            v["place_per_month.training"],
        )
        present = pop.present()
        per_person(
            "housing_first", np.flatnonzero(pop.housing_first & present), v["housing_first"] / 12
        )

        # Transfers: the RSA due less its suspended part, and the prime d'activité.
        rsa = np.flatnonzero(present & (pop.benefit == Benefit.RSA))
        paid = pop.rsa_amount[rsa] * (1.0 - pop.suspension_share[rsa].astype(float))
        pop.cost_rsa[rsa] += paid
        cost["rsa_allowance"] += float(paid.sum())
        ppa = np.flatnonzero(present & (pop.ppa_amount > 0))
        pop.cost_ppa[ppa] += pop.ppa_amount[ppa]
        cost["prime_activite"] += float(pop.ppa_amount[ppa].sum(dtype=float))

        split = self._mediation(cost)
        amounts = np.array([cost[p] for p in PROGRAMMES])
        split += amounts[:, None] * self.shares
        t = m.t
        for i, p in enumerate(PROGRAMMES):
            for j, fu in enumerate(FUNDERS):
                if split[i, j]:
                    self.rows.append((t, p, fu, float(split[i, j])))
        return dict(zip(FUNDERS, split.sum(axis=0).tolist(), strict=True))

    def _staff_structures(self) -> None:
        """Per referent structure: the programme paying its staff and its staff's hourly cost."""
        m, v = self.model, self.v
        ref = m.referents
        index = np.arange(ref.n)
        shelter = index < ref.n_shelters
        team = (index >= ref.first_team) & (index < ref.departement)
        dep = index == ref.departement
        kind = np.zeros(ref.n, dtype=np.int64)
        kind[shelter] = m.shelter_kind
        shelter_lines = np.array(
            [PROGRAMMES.index(f"shelter_{k.name.lower()}") for k in ShelterKind]
        )
        self._staff_programme = np.select(
            [shelter, team, dep],
            [
                shelter_lines[kind],
                PROGRAMMES.index("referent_groups"),
                PROGRAMMES.index("departement_referents"),
            ],
            PROGRAMMES.index("france_travail_advisers"),
        )
        per_year = np.select(
            [shelter, team, dep],
            [v["staff.social_worker"], v["staff.referent_team"], v["staff.social_referent"]],
            v["staff.adviser"],
        )
        hours = 12 * m.spec.territory.staff.hours_per_fte
        self._hourly = per_year / hours if hours > 0 else np.zeros(ref.n)

    def mediation_cost(self) -> np.ndarray:
        """Staff cost of this month's mediation contacts, per referent structure [EUR]."""
        if not hasattr(self, "_hourly"):
            self._staff_structures()
        return self.model.staff.hours_mediation * self._hourly

    def _mediation(self, cost: dict[str, float]) -> np.ndarray:
        """Move the month's mediation out of the staff lines; its funders' shares, by programme."""
        value = self.mediation_cost()
        split = np.zeros((len(PROGRAMMES), len(FUNDERS)))
        if not value.any():
            return split
        by_source = np.bincount(self._staff_programme, weights=value, minlength=len(PROGRAMMES))
        for i in np.flatnonzero(by_source):
            cost[PROGRAMMES[i]] -= by_source[i]
        split[PROGRAMMES.index("referent_mediation")] = by_source @ self.shares
        return split

    def results_rate(self) -> np.ndarray:
        """Per SIAE, the result the modulated part rewards (share between 0 and 1)."""
        r = self.model.siae_results
        if self.rules.modulation.reward == "exits":
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
