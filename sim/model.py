"""InsertionModel: builds the territory from a scenario and orders the monthly phases.

The model wires and orders; each mechanism lives in its own module (STYLE.md habit 1).
"""

from __future__ import annotations

import copy

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from sim import pathways
from sim.agents import (
    Departement,
    Employer,
    FranceTravailAgency,
    LowThresholdProgramme,
    MediationTeam,
    Person,
    ReferentTeam,
    Service,
    Shelter,
    Siae,
)
from sim.agents.base import table
from sim.allocator import keep_freed_memory
from sim.budget import apply_budgets
from sim.events import EventLog, event_indicators
from sim.invariants import check_invariants
from sim.outcomes import Recorder, indicators, observed, publics, start_observation
from sim.parameters import benefit_rules, funding_values
from sim.parameters.benefit_table import benefit_scale
from sim.population import NEVER, create_population, output_months
from sim.preflight import check_resources
from sim.rng import Streams
from sim.scenario import Scenario, ScenarioError
from sim.scenario.targeting import Condition
from sim.snapshot import ModelState, basis, check_start, remap, seed_of
from sim.states import SHELTER_HOUSING, Allocation, Programme, ShelterKind
from sim.states import Service as ServiceKind
from sim.submodels import (
    benefits,
    contracts,
    demography,
    duties,
    housing,
    iae,
    matching,
    measure,
    mediation,
    obstacles,
    orientation,
)
from sim.submodels.eligibility import Targeting
from sim.submodels.funding import Ledger
from sim.submodels.staff import StaffBudget
from sim.submodels.trial import Trial

FLOWS = (
    "arrivals",
    "departures",
    "outreach_reached",
    "incapacity",
    "oriented",
    "oriented_social",
    "support_starts",
    "support_ends",
    "support_renewals",
    "support_resumed",
    "support_start_obstacles",
    "persons_seen",
    "coached_searches",
    "waiting_months",
    "service_starts",
    "training_starts",
    "training_in_job_starts",
    "phc_starts",
    "tapaj_starts",
    "aava_starts",
    "cer_hours",
    "outreach_starts",
    "phc_to_cddi",
    "siae_applicants",
    "siae_applicant_obstacles",
    "siae_hire_obstacles",
    "siae_hires",
    "siae_exits_to_job",
    "job_applicants",
    "own_search_applicants",
    "mediated_applications",
    "vacancies",
    "job_hires",
    "durable_hires",
    "job_hires_three_plus",
    "immersions",
    "mediation_starts",
    "breaks",
    "cdi_inclusions",
    "restarts",
    "contract_ends",
    "renewals",
    "emergency_exits",
    "shelter_admissions",
    "hotel_admissions",
    "hotel_to_chu",
    "staircase_moves",
    "housing_offers",
    "housing_refusals",
    "housing_exits",
    "housing_losses",
    "housing_first_losses",
    "measure_starts",
    "measure_renewals",
    "measure_mobilised",
    "rsa_entries",
    "rsa_exits",
    "unemployment_starts",
    "duties_not_met",
    "suspensions",
    "remobilisations",
    "rsa_drops_after_suspension",
)
COHORT_SAMPLE = 2000  # persons of the entry cohort whose monthly statuses are kept per run
QUEUES = ("services", "training", "low_threshold", "siae", "shelter", "measure")


def _group_index(groups: dict) -> np.ndarray:
    """Per structure, the index of its named group (groups of ``n`` identical structures)."""
    return np.repeat(np.arange(len(groups), dtype=np.int64), [g.n for g in groups.values()])


def _targeting(scenario: Scenario) -> Targeting:
    """Every capacity group's eligibility and priority list, and the publics practice reads."""
    terr = scenario.territory
    groups = {}
    for kind, section in (
        ("shelter", terr.shelters),
        ("siae", terr.siae),
        ("employer", terr.employers),
        ("service", terr.service_groups),
        ("referent", terr.referent_groups),
        ("mediation", terr.mediation),
    ):
        for name, g in section.items():
            groups[(kind, name)] = (g.eligible, g.priority)
    lt = terr.low_threshold
    for prog in ("phc", "tapaj", "aava"):
        groups[("programme", prog)] = (lt.eligible.get(prog), lt.priority.get(prog, []))
    publics = [
        public
        for section in (terr.shelters, terr.referent_groups)
        for g in section.values()
        for public in g.practice_by_public
    ] + list(terr.france_travail.practice_by_public)
    return Targeting(groups, publics)


def _trial_spec(trial: dict) -> dict:
    """A trial's plain-data spec with its enrolment condition validated (a ``Condition``)."""
    eligible = trial.get("eligible")
    condition = None if eligible is None else Condition.model_validate(eligible)
    return {**trial, "condition": condition}


def _practice_by_public(scenario: Scenario, shelter_group: np.ndarray, n_agencies: int):
    """(structure indices, {public: practice}) for every referent structure's own mapping.

    An override of the practice of a kind of structure replaces its practice by public too.
    """
    terr = scenario.territory
    out = []
    if not scenario.practice_overridden("shelters"):
        for g, spec in enumerate(terr.shelters.values()):
            out.append((np.flatnonzero(shelter_group == g), spec.practice_by_public))
    first = shelter_group.size
    if not scenario.practice_overridden("france_travail"):
        out.append((np.arange(first, first + n_agencies), terr.france_travail.practice_by_public))
    first += n_agencies
    if not scenario.practice_overridden("referent_groups"):
        for spec in terr.referent_groups.values():
            out.append((np.arange(first, first + spec.n), spec.practice_by_public))
            first += spec.n
    return out


class InsertionModel(mesa.Model):
    """Insertion pathways of a territory, one step per month.

    The run starts ``run.burn_in`` months before month 0 (the warm start, DESIGN.md decision 11):
    the burn-in months run the same phases, except that nothing is recorded and no cost enters
    the ledger, so that at month 0 posts, places, caseloads and contracts are at the levels the
    territory keeps. Each step runs these phases, in this order:

    0. At month 0, the observation starts (:func:`sim.outcomes.start_observation`): the persons
       present form the month-0 cohort, entering now in the state the burn-in left them in.
    1. Arrivals and departures (:mod:`sim.submodels.demography`): scheduled arrivals enter outside
       any support; a trial run in the territory enrols and randomises the newly eligible
       (:mod:`sim.submodels.trial`); the month's eligibility of every capacity group is judged
       (:mod:`sim.submodels.eligibility`); those who arrive sheltered take a place of their kind
       (:mod:`sim.submodels.housing`); departures from the territory; orientation to the incapacity
       route.
    2. Programme ends, orientation and referents: low-threshold programmes that reach their end
       or are left (:func:`sim.submodels.contracts.programmes`; PHC completers apply to their
       host for a CDDI), so that their places are free for this month's admissions in phase 5;
       support measures that reach their end (:mod:`sim.submodels.orientation`); persons
       outside support are oriented (RSA recipients at once under automatic registration;
       referent teams reach their public), the Département deciding the track of RSA
       recipients; waiting persons get a referent where the caseload allows, referent teams
       first for their public, then first come first served, except that France Travail takes
       first whom a results-based measure rewards (:func:`sim.submodels.orientation.queue_key`);
       then the intensive support measure of seed 002 ends, is renewed or starts
       (:mod:`sim.submodels.measure`).
    3. Referents' logic (:mod:`sim.pathways`): each referent structure gives its staff hours
       (:mod:`sim.submodels.staff`: mediation reserved, the persons seen drawn when hours run
       out); the phase of each person seen moves on under their practice profile, and the
       month's plan is made.
    4. Services and obstacles (:mod:`sim.submodels.obstacles`): SIAE employees whose structure
       keeps health care open to them ask for it (:mod:`sim.submodels.iae`); service queues and
       places, obstacle reduction, training, worsening on the street, feedback from work.
    5. Matching (:mod:`sim.submodels.matching`): low-threshold programmes, SIAE hiring by selection
       rule, mediation teams take on job seekers (:mod:`sim.submodels.mediation`), ordinary
       employers' hiring, new immersions.
    6. Contracts (:mod:`sim.submodels.contracts`): breaks and ends, in-job support ends.
    7. Benefits (:mod:`sim.submodels.benefits`): unemployment insurance, RSA exits and entries,
       the month's amounts (RSA, prime d'activité) from the OpenFisca table, earnings history.
    8. Duties (:mod:`sim.submodels.duties`): suspensions end or start for RSA recipients who do
       not meet the hours of activity in force; remobilisation.
    9. Housing (:mod:`sim.submodels.housing`): the rent rule on this month's resources
       (:func:`sim.submodels.resources.monthly_resources`, from the benefit amounts of phase 7),
       SIAO admissions (shelters, then hotels), staircase moves or Logement d'abord, allocations
       of dwellings (refusals, a search time before moving in), tenancy loss.
    10. Funding (:mod:`sim.submodels.funding`): the month's costs and transfers by programme and
        funder (from month 0).
    11. Recording (:mod:`sim.outcomes`): months employed and in a SIAE are counted every month
        (the IAE cap reads them); from month 0, snapshots, histories and the monthly record, the
        events table (:mod:`sim.events`) and the trial's outcomes if kept. Then the invariants if
        the run checks them.

    Args:
        scenario: a validated scenario.
        seed: overrides ``scenario.run.seed`` (an int or a ``numpy.random.SeedSequence``).
        start: a model state (:meth:`state`) to start from instead of drawing the population: the
            shared status-quo start of a comparison (:mod:`sim.snapshot`). The run continues
            from the state's month with this scenario's institutions. The state is copied.
        events: keep the events table (:mod:`sim.events`; ``model.events.frame()``), from month 0.
        trial: a randomised trial run inside the territory (:class:`sim.submodels.trial.Trial`
            spec as a mapping; see :mod:`sim.submodels.trial`); it enrols from month 0.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | np.random.SeedSequence | None = None,
        start: ModelState | None = None,
        events: bool = False,
        trial: dict | None = None,
    ):
        """Build the institutions of ``scenario`` and its population (or take ``start``'s)."""
        keep_freed_memory()  # the month's temporaries reuse freed memory (sim.allocator)
        self.streams = Streams(scenario.run.seed if seed is None else seed)
        super().__init__(rng=self.streams["institutions"])
        self.funding_values = funding_values(scenario)
        self.benefit_rules = benefit_rules(scenario)
        self.benefit_scale = benefit_scale(scenario.run.start, scenario.policy.benefits.table)
        scenario, self.budget_report = apply_budgets(scenario, self.funding_values)
        check_resources(scenario)  # before the population is allocated
        self.spec = scenario  # Mesa 3.5 reserves Model.scenario
        self.policy = scenario.policy
        self.behaviour = scenario.behaviour
        self.months = scenario.run.months
        self.burn_in = scenario.run.burn_in
        self.t = -self.burn_in - 1  # the month last simulated; the first step is -burn_in
        self._build_institutions(scenario)
        if start is None:
            self.pop = create_population(
                scenario,
                len(self.agencies),
                self.streams["population"],
                self.streams["arrivals"],
                (self.benefit_rules["rsa.age_min"], self.benefit_rules["rsa.age_max"]),
            )
        else:
            self._take_over(start)
        for name, capacity in self.capacities().items():
            self.pop.keep_count(name, capacity.size)  # occupancy per structure, kept up to date
        # The family places held in each shelter: with the shelter's count, its places of each
        # type in use (sim.submodels.housing.used_places) without a scan of every person.
        self.pop.keep_count("shelter_family", self.n_shelters)
        if start is not None:
            self._check_capacities()
        self._views: dict[int, Person] = {}  # person views made so far, by row (on demand)
        self.ledger = Ledger(self)
        self.recorder = Recorder(self)
        self.events = EventLog(self) if events else None
        self.trial = Trial(self, _trial_spec(trial)) if trial else None
        self.flows: dict[str, float] = {}
        self.queues: dict[str, int] = {}
        self.unserved: dict = {}  # this month's low-threshold candidates left without a place

    # ------------------------------------------------------------------ construction
    def _build_institutions(self, scenario: Scenario) -> None:
        terr = scenario.territory
        self.scale = k = scenario.run.persons / terr.reference_persons
        self.targeting = _targeting(scenario)
        self.practices = pathways.Practices.build(scenario.policy)

        def practice(p, kind):
            return self.practices.weights(scenario.practice_of(p, kind))

        self.shelters = [
            Shelter(self, 0, name, g, practice(g.practice, "shelters"), k, terr.staff)
            for name, g in terr.shelters.items()
            for _ in range(g.n)
        ]
        self.agencies = [
            FranceTravailAgency(
                self,
                0,
                terr.france_travail,
                practice(terr.france_travail.practice, "france_travail"),
                k,
                terr.staff,
            )
            for _ in range(terr.france_travail.agencies)
        ]
        self.referent_teams = [
            ReferentTeam(self, 0, name, g, practice(g.practice, "referent_groups"), k, terr.staff)
            for name, g in terr.referent_groups.items()
            for _ in range(g.n)
        ]
        self.departement = Departement(
            self, 0, terr.departement, practice(terr.departement.practice, None), k, terr.staff
        )
        self.siaes = [
            Siae(self, 0, name, g, k) for name, g in terr.siae.items() for _ in range(g.n)
        ]
        self.employer_agents = [
            Employer(self, 0, name, g, k * terr.vacancy_scale)
            for name, g in terr.employers.items()
            for _ in range(g.n)
        ]
        self.mediation_teams = [
            MediationTeam(self, 0, name, g, k)
            for name, g in terr.mediation.items()
            for _ in range(g.n)
        ]
        for group in (
            self.shelters,
            self.agencies,
            self.referent_teams,
            self.siaes,
            self.employer_agents,
            self.mediation_teams,
        ):
            for i, agent in enumerate(group):
                agent.index = i
        self.shelter_group_names = list(terr.shelters)
        self.shelter_group = _group_index(terr.shelters)
        self.siae_group_names = list(terr.siae)
        self.siae_group = _group_index(terr.siae)
        self.employer_group_names = list(terr.employers)
        self.employer_group = _group_index(terr.employers)
        self.mediation_group_names = list(terr.mediation)
        self.mediation_group = _group_index(terr.mediation)
        self.mediation_places = np.array([m.places for m in self.mediation_teams], dtype=np.int64)
        self._build_services(terr, k)
        lt = terr.low_threshold
        self.programmes = [
            LowThresholdProgramme(
                self,
                0,
                Programme.PHC,
                sum(s.phc_places for s in self.siaes),
                lt.dur_phc,
                lt.phc_hours_start,
                lt.phc_hours_end,
                0.0,
            ),
            LowThresholdProgramme(
                self,
                1,
                Programme.TAPAJ,
                round(lt.tapaj_places * k),
                lt.dur_tapaj,
                matching.TAPAJ_WEEKLY_HOURS,
                matching.TAPAJ_WEEKLY_HOURS,
                lt.p_tapaj_drop,
            ),
            LowThresholdProgramme(
                self,
                2,
                Programme.AAVA,
                sum(s.aava_places for s in self.shelters),
                lt.dur_aava,
                lt.aava_hours_per_month / matching.WEEKS_PER_MONTH,
                lt.aava_hours_per_month / matching.WEEKS_PER_MONTH,
                0.0,
            ),
        ]

        sh = table(
            self.shelters, "kind", "places", "family_places", "aava_places", "insertion_officer_fte"
        )
        self.n_shelters = len(self.shelters)
        self.shelter_kind = sh["kind"].astype(np.int64).reshape(-1)
        self.shelter_places = sh["places"].astype(np.int64).reshape(-1)
        self.shelter_family_places = sh["family_places"].astype(np.int64).reshape(-1)
        self.shelter_is_hotel = self.shelter_kind == ShelterKind.HOTEL
        self.shelter_aava_places = sh["aava_places"].astype(np.int64).reshape(-1)
        self.shelter_officer_fte = sh["insertion_officer_fte"].astype(float).reshape(-1)
        housing_of_kind = np.array([SHELTER_HOUSING[k] for k in sorted(SHELTER_HOUSING)])
        self.shelter_housing = housing_of_kind[self.shelter_kind]
        self.agency_advisers = np.array([a.advisers for a in self.agencies], dtype=float)

        si = table(
            self.siaes,
            "type",
            "posts",
            "weekly_hours",
            "selection",
            "active_mediation",
            "phc_places",
            "dur_mean",
            "min_months",
        )
        self.n_siae = len(self.siaes)
        self.siae_type = si["type"].astype(np.int64).reshape(-1)
        self.siae_posts = si["posts"].astype(np.int64).reshape(-1)
        self.siae_hours = si["weekly_hours"].astype(float).reshape(-1)
        self.siae_selection = si["selection"].astype(np.int64).reshape(-1)
        self.siae_mediation = si["active_mediation"].astype(bool).reshape(-1)
        self.siae_phc_places = si["phc_places"].astype(np.int64).reshape(-1)
        self.siae_dur_mean = si["dur_mean"].astype(float).reshape(-1)
        self.siae_min_months = si["min_months"].astype(float).reshape(-1)
        self.siae_results = {
            k: np.zeros(self.n_siae, dtype=np.int64)
            for k in ("hires", "hires_furthest", "exits", "positive_exits")
        }
        self.siae_results_at_start = {k: v.copy() for k, v in self.siae_results.items()}
        iae.build(self, terr.siae)

        self.employers = {
            k: v.reshape(-1)
            for k, v in table(
                self.employer_agents,
                "needs_licence",
                "requires_licence",
                "min_experience",
                "needs_experience",
                "max_french",
                "openness",
                "weekly_hours",
                "p_cdi",
                "p_cdd_long",
                "vacancies_per_month",
            ).items()
        }
        for flag in ("needs_licence", "requires_licence", "needs_experience"):  # typed if empty
            self.employers[flag] = self.employers[flag].astype(bool)
        self.employers["max_french"] = self.employers["max_french"].astype(np.int64)
        self.employer_vacancies = self.employers["vacancies_per_month"].astype(float)
        self.employer_rel_women = np.array(
            [e.rel_women_apply for e in self.employer_agents], dtype=float
        )
        self.tapaj_places = int(round(lt.tapaj_places * k))
        self.housing_per_month = {
            "social": terr.housing.social_housing_per_month * k,
            "housing_first": terr.housing.housing_first_per_month * k,
        }
        self.housing_rules = terr.housing
        self.vacancies = housing.Vacancies(self.n_shelters, self.behaviour.dur_refill)
        self.carried_offers = {Allocation.SOCIAL: 0, Allocation.HOUSING_FIRST: 0}
        self.referents = orientation.Referents.build(
            self.shelters,
            self.agencies,
            self.referent_teams,
            self.behaviour,
            self.practices,
            by_public=_practice_by_public(scenario, self.shelter_group, len(self.agencies)),
            team_spec=[
                (g, list(terr.referent_groups), spec.dur_support)
                for g, spec in enumerate(terr.referent_groups.values())
                for _ in range(spec.n)
            ],
            departement=self.departement,
        )
        structures = self.shelters + self.agencies + self.referent_teams + [self.departement]
        self.staff = StaffBudget.build(
            np.array([s.staff_hours for s in structures], dtype=float),
            np.array([s.practice @ self.practices.mediation_share[:-1] for s in structures]),
            terr.staff,
        )

    def _build_services(self, terr, k: float) -> None:
        """Service and training places: the groups aimed at a public first, then the open ones.

        ``service_unit_*`` (crèche, mobility, French, health) and ``training_unit_*`` describe
        each group of places: its kind, places and index in ``territory.service_groups`` (-1 for
        the open places of ``territory.services``).
        """
        kinds = ("creche", "mobility", "french", "health", "training")
        self.services = [
            Service(self, i, kind, int(round(getattr(terr.services, kind) * k)))
            for i, kind in enumerate(kinds)
        ]
        self.service_group_names = list(terr.service_groups)
        targeted = [
            Service(self, len(kinds) + j, g.service, int(round(g.places * k)), group=name)
            for j, (name, g) in enumerate(terr.service_groups.items())
        ]
        self.services += targeted
        names = self.service_group_names
        units = [s for s in targeted if s.kind != "training"] + [
            s for s in self.services[: len(kinds)] if s.kind != "training"
        ]
        self.service_unit_kind = np.array(
            [ServiceKind[s.kind.upper()] for s in units], dtype=np.int64
        )
        self.service_unit_places = np.array([s.places for s in units], dtype=np.int64)
        self.service_unit_group = np.array(
            [names.index(s.group) if s.group else -1 for s in units], dtype=np.int64
        )
        training = [s for s in targeted if s.kind == "training"] + [self.services[len(kinds) - 1]]
        self.training_unit_places = np.array([s.places for s in training], dtype=np.int64)
        self.training_unit_group = np.array(
            [names.index(s.group) if s.group else -1 for s in training], dtype=np.int64
        )
        self.service_places = np.bincount(
            self.service_unit_kind, weights=self.service_unit_places, minlength=len(ServiceKind) - 1
        ).astype(np.int64)
        self.training_places = int(self.training_unit_places.sum())

    def capacities(self) -> dict[str, np.ndarray]:
        """Capacity of every structure, by kind of holding (see ``sim.population.HOLDINGS``)."""
        ref = self.referents
        return {
            "shelter": self.shelter_places,
            "referent": ref.capacity,
            "global_support": ref.global_places,
            "siae": self.siae_posts,
            "service": self.service_places,
            "service_unit": self.service_unit_places,
            "training_unit": self.training_unit_places,
            "mediator": self.mediation_places,
            "phc": self.siae_phc_places,
            "tapaj": np.array([self.tapaj_places]),
            "aava": self.shelter_aava_places,
        }

    def structures(self) -> dict[str, int]:
        """Number of structures of each kind matched by position (their index spaces).

        Shelters, SIAE, teams and groups of places are matched by name instead (:meth:`units`).
        """
        return {"agencies": len(self.agencies), "employers": len(self.employer_agents)}

    # ------------------------------------------------------------------ status-quo start
    def state(self) -> ModelState:
        """The model's state at the end of its last month, for runs to start from (a copy)."""
        return copy.deepcopy(
            ModelState(
                t=self.t,
                pop=self.pop,
                siae_results=self.siae_results,
                seed=seed_of(self.streams.seed_sequence),
                basis=basis(self.spec, self.structures()),
                units=self.units(),
                vacancies={"month": self.vacancies.month, "freed": self.vacancies.freed},
                carried_offers=self.carried_offers,
            )
        )

    def units(self) -> dict[str, list]:
        """The name of each structure index of the holdings whose structures have names.

        Shelters and SIAE (group, rank in the group, kind or type), referent structures
        (shelters, agencies by position, then teams by group), groups of service and training
        places (by group, the open places by kind) and mediation teams (by group): what a run
        started from another scenario's state matches (:func:`sim.snapshot.remap`).
        """
        ref = self.referents

        def by_group(names, groups) -> list:
            seen: dict[int, int] = {}
            out = []
            for g in groups:
                seen[g] = seen.get(g, -1) + 1
                out.append((names[g], seen[g]))
            return out

        shelters = [
            (*key, int(kind))
            for key, kind in zip(
                by_group(self.shelter_group_names, self.shelter_group.tolist()),
                self.shelter_kind.tolist(),
                strict=True,
            )
        ]
        siae = [
            (*key, int(kind))
            for key, kind in zip(
                by_group(self.siae_group_names, self.siae_group.tolist()),
                self.siae_type.tolist(),
                strict=True,
            )
        ]
        return {
            "shelter": shelters,
            "siae": siae,
            "referent": [("shelter", *k[:2]) for k in shelters]
            + [("agency", i) for i in range(ref.first_team - ref.n_shelters)]
            + [("team", *k) for k in by_group(ref.team_names, ref.team_group.tolist())]
            + [("departement",)],
            "service_unit": [
                self.service_group_names[g] if g >= 0 else ("open", ServiceKind(k).name.lower())
                for g, k in zip(
                    self.service_unit_group.tolist(), self.service_unit_kind.tolist(), strict=True
                )
            ],
            "training_unit": [
                self.service_group_names[g] if g >= 0 else "open"
                for g in self.training_unit_group.tolist()
            ],
            "mediator": by_group(self.mediation_group_names, self.mediation_group.tolist()),
        }

    def _take_over(self, start: ModelState) -> None:
        """Continue from ``start`` (copied): population, SIAE results, vacancies and month."""
        own = basis(self.spec, self.structures())
        check_start(start, self.spec.name, own, seed_of(self.streams.seed_sequence))
        start = copy.deepcopy(start)
        remap(start, self.units(), self.spec.name)
        self.pop, self.t = start.pop, start.t
        self.siae_results = start.siae_results
        self.pop.show(self.pop.n)
        self.carried_offers.update(start.carried_offers)
        vacancies = start.vacancies
        for month, freed in zip(
            vacancies.get("month", ()), vacancies.get("freed", ()), strict=True
        ):
            if month != NEVER and month > self.t - self.vacancies.horizon:
                self.vacancies.freed[self.vacancies.slot(int(month))] = freed

    def _check_capacities(self) -> None:
        """Every structure holds at most its capacity (a reform started from the status quo)."""
        for name, capacity in self.capacities().items():
            over = np.flatnonzero(self.pop.count(name) > capacity)
            if over.size:
                raise ScenarioError(
                    self.spec.name,
                    "--from-status-quo",
                    f"{over.size} structure(s) hold more persons ({name}) at the start than "
                    "this scenario's capacity: a reform that removes places people occupy "
                    "cannot start from the status quo; run the comparison without it "
                    "(--no-from-status-quo)",
                )

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Advance one month through the eleven phases of the class docstring."""
        self.t += 1
        self.streams.start_month(self.t)
        self.pop.activate(self.t)  # the rows of the persons arrived by now
        self.flows = dict.fromkeys(FLOWS, 0.0)
        self.queues = dict.fromkeys(QUEUES, 0)
        # 0. Month 0 opens the observation.
        if self.t == 0:
            start_observation(self.pop)
            self.siae_results_at_start = {k: v.copy() for k, v in self.siae_results.items()}
            if self.events is not None:
                self.events.start(self.pop)
        # 1. Arrivals and departures.
        new = demography.arrivals(self)
        if self.trial is not None and self.t >= 0:
            self.trial.enrol(self)
        self.targeting.refresh(self.pop, self.t)
        housing.initial_shelter(self, new)
        self.flows["arrivals"] += new.size
        demography.departures(self)
        # 2. Programme ends, orientation and referents; the intensive support measure.
        contracts.programmes(self)
        orientation.end_of_support(self)
        orientation.orient(self)
        orientation.assign_referents(self)
        measure.update(self)
        # 3. Referents' logic.
        plan = pathways.decide(self)
        # 4. Services and obstacles.
        iae.services_during_contract(self, plan)
        obstacles.services(self, plan)
        obstacles.training(self, plan)
        obstacles.obstacle_changes(self, plan)
        # 5. Matching.
        matching.low_threshold(self, plan)
        matching.siae_hiring(self, plan)
        mediation.assign(self, plan)
        matching.employer_hiring(self, plan)
        matching.immersions(self, plan)
        # 6. Contracts.
        contracts.breaks_and_ends(self, plan)
        # 7. Benefits.
        benefits.update(self)
        # 8. Duties.
        duties.update(self)
        # 9. Housing.
        housing.admissions_and_exits(self, plan)
        # 10. Funding and 11. recording (from month 0); invariants.
        self.recorder.count_months()
        if self.t >= 0:
            self.recorder.record(self.ledger.close_month())
            if self.events is not None:
                self.events.record(self.pop, self.t)
            if self.trial is not None:
                self.trial.record(self)
        else:
            self.ledger.discard_month()
        if self.spec.run.check_invariants:
            check_invariants(self)
        self.streams.close_month()

    def warm_up(self, progress=None) -> None:
        """Run the burn-in months that remain, up to the eve of month 0."""
        while self.t + 1 < 0:
            self.step()
            if progress is not None:
                progress()

    def run(self, progress=None) -> None:
        """Run the burn-in and every month of the scenario; ``progress`` is called after each."""
        while self.t + 1 < self.months:
            self.step()
            if progress is not None:
                progress()

    # ------------------------------------------------------------------ person views
    def person(self, row: int) -> Person:
        """The ``mesa.Agent`` view of population row ``row``, made the first time it is asked for.

        Views are registered with the model when made (``model.agents_by_type[Person]`` holds
        those made so far) and kept: asking again returns the same agent. No view is made up
        front (DESIGN.md decision 1): the monthly step never needs one.

        Raises:
            IndexError: ``row`` is not a row of the population.
            ValueError: the run turned person views off (``run.person_views: false``).
        """
        if not self.spec.run.person_views:
            raise ValueError("person views are off for this run (run.person_views: false)")
        row = int(row)
        if not 0 <= row < self.pop.size:
            raise IndexError(f"no person at row {row}: rows are 0 to {self.pop.size - 1}")
        view = self._views.get(row)
        if view is None:
            view = self._views[row] = Person(self, row)
        return view

    def persons(self, rows=None) -> AgentSet:
        """The views of ``rows`` (default: every person observed so far) as a Mesa ``AgentSet``.

        Views are made on demand (see :meth:`person`): asking for every person of a large run
        makes as many agents; select rows on the arrays first (``np.flatnonzero(...)``).
        """
        if rows is None:
            rows = np.flatnonzero(observed(self.pop))
        return AgentSet([self.person(r) for r in np.atleast_1d(rows)], random=self.random)

    # ------------------------------------------------------------------ results
    def persons_frame(self) -> pd.DataFrame:
        """Every person observed (month-0 cohort, later arrivals): attributes and history."""
        frame = self.pop.to_frame()
        frame.insert(0, "row", np.arange(self.pop.n))
        return frame[observed(self.pop)].reset_index(drop=True)

    def cohort_frame(self, size: int = COHORT_SAMPLE) -> pd.DataFrame:
        """A sample of the entry cohort (present at month 0), for pathway plots.

        One row per person, spread evenly over the cohort's rows (rows are drawn independently
        and in order of arrival, so this is a sample stratified by month of arrival): the publics
        they belong to, their months of first job and first durable job (-1: none) and their
        status each month (``m000``, ``m001``..., codes of ``Status``).
        """
        pop = self.pop
        rows = np.flatnonzero(observed(pop) & (pop.t_entry == 0))
        if rows.size > size:
            rows = rows[np.linspace(0, rows.size - 1, size).round().astype(np.int64)]
        frame = pd.DataFrame(
            {
                "row": rows,
                "t_first_job": output_months(pop.t_first_job[rows]),
                "t_first_durable": output_months(pop.t_first_durable[rows]),
            }
        )
        for public, mask in publics(pop).items():
            if public != "all":
                frame[public] = mask[rows]
        if self.recorder.history is not None:
            months = self.recorder.history[: self.t + 1, rows].T
            status = pd.DataFrame(months, columns=[f"m{t:03d}" for t in range(self.t + 1)])
            frame = pd.concat([frame, status], axis=1)
        return frame

    def indicators(self) -> pd.DataFrame:
        """The indicators, for everyone and by public (see :mod:`sim.outcomes`).

        A run that keeps its events adds those computed from them (:mod:`sim.events`).
        """
        table = indicators(self.pop, self.ledger.frame(), self.t + 1)
        if self.events is None:
            return table
        return pd.concat(
            [table, event_indicators(self.pop, self.events.frame())], ignore_index=True
        )
