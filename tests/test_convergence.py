"""Reinforced IAE pathways (Convergence, seed 003 L933-957) and the legal limits of a pathway."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_small, small_scenario

from sim.model import InsertionModel
from sim.pathways import Plan
from sim.population import NEVER
from sim.states import Contract, Housing, Service, SiaeType, Status
from sim.submodels import contracts, iae

CVG = "scenarios/convergence.yaml"


def _cvg_structures(model) -> np.ndarray:
    return np.flatnonzero(np.array(model.siae_group_names)[model.siae_group] == "cvg")


@pytest.fixture(scope="module")
def convergence_run() -> InsertionModel:
    return run_small("convergence", **{"run.persons": 3000, "run.months": 36})


def test_convergence_keeps_every_invariant_and_fills_its_posts_with_homeless_people(
    convergence_run,
):
    model = convergence_run  # invariants, eligibility included, checked every month
    pop = model.pop
    cvg = _cvg_structures(model)
    assert cvg.size == 2, "two CVG worksites"
    assert model.siae_type[cvg].tolist() == [SiaeType.ACI, SiaeType.ACI]
    employees = np.flatnonzero((pop.status == Status.SIAE) & np.isin(pop.siae, cvg))
    assert employees.size > 0, "the CVG worksites employ people"


def test_cvg_pathways_may_last_beyond_24_months(convergence_run):
    model = convergence_run
    pop = model.pop
    cvg = _cvg_structures(model)
    assert model.iae_max_months == 60
    long = (pop.status == Status.SIAE) & np.isin(pop.siae, cvg) & (pop.t_contract_end != NEVER)
    ends = pop.t_contract_end[long] - pop.t_contract_start[long]
    assert ends.max() > 24, f"a CVG contract longer than 24 months exists (longest {ends.max()})"
    others = (pop.status == Status.SIAE) & ~np.isin(pop.siae, cvg)
    assert np.all(pop.months_siae[others] <= 24), "elsewhere the 24-month cap holds"


def test_health_care_stays_open_to_cvg_employees_only(convergence_run):
    pop = convergence_run.pop
    cvg = _cvg_structures(convergence_run)
    in_care = (pop.status == Status.SIAE) & (pop.service == Service.HEALTH)
    assert in_care.any(), "some CVG employees are in health care during their contract"
    assert np.all(np.isin(pop.siae[in_care], cvg)), "only CVG employees keep it open"
    base = run_small(**{"run.persons": 3000, "run.months": 36})
    employees = base.pop.status == Status.SIAE
    assert not np.any(base.pop.service[employees] != Service.NONE), (
        "in the baseline no SIAE employee holds a service place"
    )


def test_partnership_staff_are_paid_in_the_ledger(convergence_run):
    model = convergence_run
    ledger = model.ledger.frame()
    paid = ledger[ledger["programme"] == "siae_partnership_staff"].groupby("month")["amount"].sum()
    fte = 2 * 1.0 * model.scale  # two worksites, one partnership officer each, scaled
    expected = fte * model.funding_values["staff.partnership_officer"] / 12
    assert np.allclose(paid.to_numpy(), expected), f"expected {expected:.2f} a month, got {paid}"
    coverage = model.siae_cip_coverage[_cvg_structures(model)]
    posts = model.siae_posts[_cvg_structures(model)]
    officers = (4 + 1) * model.scale  # insertion officers and the partnership officer
    assert np.allclose(
        coverage, np.minimum(1, officers * model.behaviour.siae_cip_caseload / posts)
    ), "partnership officers follow the employees with the insertion officers"


def test_housing_partnership_opens_social_housing_to_homeless_employees(convergence_run):
    model = convergence_run
    pop = model.pop
    partners = iae.housing_partners(model)
    expected = (
        (pop.status == Status.SIAE)
        & np.isin(pop.siae, _cvg_structures(model))
        & (pop.housing <= Housing.CHRS)
    )
    assert np.array_equal(partners, expected), "homeless CVG employees, and only they"


def test_caps_and_legal_extensions():
    scn = small_scenario(
        **{
            "territory.siae.ei.extension_50_plus": True,
            "territory.siae.ai.extension_disabled": True,
            "territory.siae.etti.extension_training_months": 6,
            "territory.siae.aci_screening.max_months": 36,
            "run.check_invariants": False,
        }
    )
    model = InsertionModel(scn)
    pop = model.pop
    first = {
        name: int(np.flatnonzero(np.array(model.siae_group_names)[model.siae_group] == name)[0])
        for name in model.siae_group_names
    }
    rows = np.arange(4)
    pop.age[rows] = [52, 40, 40, 40]
    pop.rqth[rows] = [False, True, False, False]
    pop.qualification[rows] = [1, 1, 0, 1]
    cases = [
        ("aci_worksites", [24, 24, 24, 24]),  # the ordinary cap
        ("ei", [60, 24, 24, 24]),  # aged 50+: up to 60 months
        ("ai", [24, 60, 24, 24]),  # disabled: up to 60 months
        ("etti", [24, 24, 30, 24]),  # a training to finish: 6 more months without qualification
        ("aci_screening", [36, 36, 36, 36]),  # a longer cap for everyone
    ]
    for name, expected in cases:
        got = iae.cap(model, rows, np.full(4, first[name])).tolist()
        assert got == expected, f"{name}: expected caps {expected}, got {got}"
    assert model.iae_max_months == 60


def test_cdi_inclusion_at_57_after_12_months():
    model = InsertionModel(
        small_scenario(
            **{
                "territory.siae.*.cdi_inclusion": True,
                "behaviour.p_break": 0.0,
                "behaviour.p_apply": 0.0,  # employees ending a CDDI do not leave for a job
                "run.check_invariants": False,
                "run.burn_in": 0,  # months 0-6 recorded
            }
        )
    )
    for _ in range(6):
        model.step()
    pop, t = model.pop, model.t + 1  # the month the contracts end
    employees = np.flatnonzero(pop.status == Status.SIAE)[:3]
    pop.age[employees] = [58, 58, 56]
    pop.months_siae[employees] = [13, 6, 13]
    pop.t_contract_end[employees] = t
    model.step()
    assert pop.status[employees[0]] == Status.SIAE, "57+ with 12 months: kept on a CDI inclusion"
    assert pop.t_contract_end[employees[0]] == NEVER and pop.contract[employees[0]] == Contract.CDI
    assert pop.status[employees[1]] != Status.SIAE, "only 6 months of pathway: the CDDI ends"
    assert pop.status[employees[2]] != Status.SIAE, "aged 56: the CDDI ends"
    assert model.recorder.frame()["flow_cdi_inclusions"].sum() >= 1


def test_follow_up_after_exit_protects_the_next_job_from_breaks():
    """With in-job support removing every break (ratio 0), followed-up persons never break."""
    model = InsertionModel(
        small_scenario(
            **{
                "behaviour.p_break": 0.5,
                "behaviour.rel_break_in_job_support": 0.0,
                "run.check_invariants": False,
            }
        )
    )
    for _ in range(3):
        model.step()
    pop = model.pop
    model.t += 1
    model.flows = dict.fromkeys(model.flows, 0.0)
    rows = np.flatnonzero(pop.present())[:200]
    pop.status[rows], pop.employer[rows], pop.contract[rows] = Status.JOB, 0, Contract.CDI
    pop.t_contract_start[rows], pop.t_contract_end[rows] = model.t - 1, NEVER
    pop.referent[rows], pop.phase[rows] = -1, 0
    followed = rows[::2]
    pop.t_follow_up_end[followed] = model.t + 6
    contracts.breaks_and_ends(model, Plan.empty(len(pop.status)))  # no referent sees anyone
    assert np.all(pop.status[followed] == Status.JOB), "nobody followed up broke"
    broke = np.count_nonzero(pop.status[rows[1::2]] != Status.JOB)
    assert broke > 30, f"about half of the others broke at p_break 0.5 (got {broke} of 100)"


def _homeless_aci_exits(model) -> tuple[int, int, int]:
    """Homeless ACI entrants, and how many of them left to a job or training, or otherwise.

    Follows each person's first ACI contract: entering while homeless, then leaving to an
    ordinary job or a training (a positive exit) or otherwise (end without a job, break).
    """
    pop = model.pop
    aci = model.siae_type == SiaeType.ACI
    cohort = np.zeros(pop.size, dtype=bool)  # every row; each month shows those arrived
    exit_ = np.zeros(pop.size, dtype=np.int8)  # 0 not yet, 1 job or training, 2 other

    def every_row(mask: np.ndarray) -> np.ndarray:
        return np.pad(mask, (0, pop.size - mask.size))

    while model.t + 1 < model.months:
        homeless = every_row(pop.homeless())
        before = every_row((pop.status == Status.SIAE) & aci[np.maximum(pop.siae, 0)])
        model.step()
        now = every_row((pop.status == Status.SIAE) & aci[np.maximum(pop.siae, 0)])
        started = every_row(pop.t_contract_start == model.t)
        entered = now & ~before & started & (exit_ == 0)
        cohort |= entered & homeless
        left = before & ~now & cohort & (exit_ == 0)
        positive = left & every_row(pop.status_in(Status.JOB, Status.TRAINING))
        exit_[positive] = 1
        exit_[left & ~positive] = 2
    return int(cohort.sum()), int((exit_ == 1).sum()), int((exit_ == 2).sum())


RESERVED_ONLY = {  # the same worksites reserved to homeless people, with the ordinary support
    "territory.siae.cvg.insertion_officers": 2.0,
    "territory.siae.cvg.partnership_staff": 0.0,
    "territory.siae.cvg.active_mediation": False,
    "territory.siae.cvg.dur_mean": 12.0,
    "territory.siae.cvg.max_months": 24,
    "territory.siae.cvg.follow_up_months": 0.0,
    "territory.siae.cvg.services_during_contract": [],
}


def test_homeless_aci_entrants_reach_more_job_or_training_exits_with_convergence():
    """Convergence vs the baseline, and vs the same posts reserved without reinforcement.

    Expected: reserving two worksites to homeless people brings more of them into ACI, so more
    reach a job or training from there; and the reinforced support (more officers, partnership
    officers, mediation, health care during the contract) makes a larger share of their exits
    positive than the same reserved posts with the ordinary support. Pooled over two seeds,
    common random numbers, 10,000 persons over 48 months.
    """
    size = {"run.persons": 10000, "run.months": 48, "run.check_invariants": False}
    totals = {"baseline": np.zeros(3), "convergence": np.zeros(3), "reserved": np.zeros(3)}
    for seed in (61, 62):
        runs = {
            "baseline": small_scenario(**size, **{"run.seed": seed}),
            "convergence": small_scenario("convergence", **size, **{"run.seed": seed}),
            "reserved": small_scenario(
                "convergence", **size, **{"run.seed": seed}, **RESERVED_ONLY
            ),
        }
        for name, scn in runs.items():
            totals[name] += _homeless_aci_exits(InsertionModel(scn))
    base, cvg, reserved = totals["baseline"], totals["convergence"], totals["reserved"]
    assert cvg[1] > 1.5 * base[1], (
        f"homeless ACI entrants with a job-or-training exit: expected clearly more with "
        f"Convergence than in the baseline, got {cvg[1]:.0f} vs {base[1]:.0f}"
    )
    share_cvg = cvg[1] / (cvg[1] + cvg[2])
    share_reserved = reserved[1] / (reserved[1] + reserved[2])
    assert share_cvg > share_reserved, (
        f"share of job-or-training exits: expected higher with the reinforced support "
        f"({share_cvg:.3f}) than with the same reserved posts and ordinary support "
        f"({share_reserved:.3f})"
    )
