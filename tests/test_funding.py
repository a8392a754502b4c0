"""Funding: the ledger, dated parameters, budgets turned into capacities, results-based parts,
cost indicators and allocation planning.

Expected values are computed here from the parameters and the scenario (the aide au poste of
``sim/parameters/funding.yaml``, the structures of ``scenarios/baseline.yaml``), never copied from
a run's output. Directional checks compare paired runs (same seed, one funding rule changed).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_helpers import parcours_many
from conftest import SCENARIOS, run_small, small_scenario

from sim.budget import apply_budgets
from sim.experiments import store
from sim.experiments.allocation import pareto_front, simplex_grid
from sim.experiments.runner import allocate, check_scenario
from sim.model import InsertionModel
from sim.parameters import FUNDING_FILE, funding_values, load_parameters, values_at
from sim.population import NEVER
from sim.present.cli.tables import allocation_report
from sim.scenario import ScenarioError, load_scenario
from sim.states import Benefit, Service, ShelterKind, SiaeType, Status
from sim.submodels.funding import FUNDERS, PROGRAMMES, cofinancing_shares

BASELINE = SCENARIOS / "baseline.yaml"
FULL_TIME = 35.0
EMPLOYED = (Status.JOB, Status.SIAE)


# ----------------------------------------------------------------------------- the ledger
def _pivot(ledger: pd.DataFrame, column: str, names, months: int) -> pd.DataFrame:
    wide = ledger.pivot_table(index="month", columns=column, values="amount", aggfunc="sum")
    return wide.reindex(index=range(months), columns=list(names)).fillna(0.0)


def test_the_ledger_balances_every_month(baseline_run):
    model = baseline_run
    ledger = model.ledger.frame()
    assert len(ledger), "a 24-month run must book costs"
    assert set(ledger["programme"]) <= set(PROGRAMMES), "unknown programme in the ledger"
    assert set(ledger["funder"]) <= set(FUNDERS), "unknown funder in the ledger"
    assert (ledger["amount"] >= 0).all(), "the ledger holds a negative amount"
    assert sorted(ledger["month"].unique()) == list(range(model.months)), "a month has no costs"

    by_funder = _pivot(ledger, "funder", FUNDERS, model.months)
    by_programme = _pivot(ledger, "programme", PROGRAMMES, model.months)
    total = ledger.groupby("month")["amount"].sum().reindex(range(model.months))
    recorded = model.recorder.frame().set_index("month")[[f"cost_{f}" for f in FUNDERS]]

    np.testing.assert_allclose(
        by_funder.sum(axis=1), total, rtol=1e-9, err_msg="sum over funders != monthly total"
    )
    np.testing.assert_allclose(
        by_programme.sum(axis=1), total, rtol=1e-9, err_msg="sum over programmes != monthly total"
    )
    np.testing.assert_allclose(
        recorded.to_numpy(),
        by_funder.to_numpy(),
        rtol=1e-9,
        err_msg="the monthly records' costs by funder differ from the ledger's",
    )
    attributed = float(model.pop.cost.sum())
    assert 0 < attributed <= total.sum() * (1 + 1e-9), (
        f"costs attributed to persons ({attributed:,.0f}) must be positive and at most the "
        f"ledger total ({total.sum():,.0f}): vacant capacity stays with the programme"
    )


def test_each_programme_is_split_by_its_cofinancing_rule(baseline_run):
    model = baseline_run
    assert model.spec.territory.region_category == "transition", "the baseline's region"
    rate = model.funding_values["esf.cofinancing_rate.transition"]
    assert rate == pytest.approx(0.6), "ESF+ 2021-2027 rate of a transition region: 60%"
    ledger = model.ledger.frame()
    amounts = ledger.pivot_table(
        index=["month", "programme"], columns="funder", values="amount", aggfunc="sum"
    )
    amounts = amounts.reindex(columns=list(FUNDERS)).fillna(0.0)
    shares = amounts.div(amounts.sum(axis=1), axis=0)
    rules = model.policy.funding.cofinancing
    checked = 0
    for programme in shares.index.get_level_values("programme").unique():
        if programme == "referent_mediation":
            continue  # paid by the funders of the staff who mediate (test below)
        rule = rules[programme]
        if rule.esf_with is not None:
            expected = dict.fromkeys(FUNDERS, 0.0)
            expected["esf"] = rate
            expected[rule.esf_with] += 1.0 - rate
        else:
            expected = {f: getattr(rule, f) for f in FUNDERS}
        got = shares.xs(programme, level="programme")
        for funder in FUNDERS:
            np.testing.assert_allclose(
                got[funder],
                expected[funder],
                atol=1e-9,
                err_msg=f"{programme}: {funder}'s share differs from its co-financing rule",
            )
        checked += 1
    assert checked >= 10, f"only {checked} programmes had costs; the check saw too little"
    esf_programme = shares.xs("rsa_measure", level="programme")
    assert rules["rsa_measure"].esf_with == "departement", "baseline: rsa_measure esf_with dept"
    np.testing.assert_allclose(
        esf_programme["esf"], rate, err_msg="ESF share of rsa_measure != the region's ESF+ rate"
    )
    np.testing.assert_allclose(
        esf_programme["departement"], 1 - rate, err_msg="the Département pays the rest"
    )


def test_shelters_and_advisers_are_paid_for_their_capacity_hotels_for_rooms_used(baseline_run):
    """Every place, adviser and social referent is paid each month, hotel rooms while occupied.

    Mediation moves part of the staff cost to its own line.
    """
    model = baseline_run
    v = model.funding_values
    ledger = model.ledger.frame()
    by_programme = _pivot(ledger, "programme", PROGRAMMES, model.months)
    mediation = by_programme["referent_mediation"]
    assert mediation.sum() > 0, "the baseline's referents make employer contacts"
    expected_total = 0.0
    monthly = model.recorder.frame()
    for kind in ShelterKind:
        name = kind.name.lower()
        places = model.shelter_places[model.shelter_kind == kind].sum()
        if kind == ShelterKind.HOTEL:  # rooms are paid only while occupied
            places = monthly[f"used_places_{name}"].to_numpy()
        expected = places * v[f"place_cost.{name}"] / 12
        expected_total += expected
        paid = by_programme[f"shelter_{name}"]
        assert (paid <= expected * (1 + 1e-9)).all() and (paid >= expected - mediation).all(), (
            f"{name}: every funded place is paid each month, less at most the month's mediation"
        )
    advisers = model.agency_advisers.sum() * v["staff.adviser"] / 12
    social_referents = model.departement.social_referents * v["staff.social_referent"] / 12
    assert social_referents > 0, "the baseline's Département has social referents"
    expected_total += advisers + social_referents
    staff_lines = [f"shelter_{k.name.lower()}" for k in ShelterKind] + [
        "france_travail_advisers",
        "departement_referents",
    ]
    np.testing.assert_allclose(
        by_programme[staff_lines].sum(axis=1) + mediation,
        expected_total,
        rtol=1e-9,
        err_msg="places, advisers and the Département's social referents, mediation included, "
        "are paid in full every month",
    )


def test_a_budget_envelopes_funders_set_that_programmes_shares():
    envelope = {"state": 600_000.0, "departement": 400_000.0}
    model = run_small(
        **{"run.persons": 3000, "run.months": 12, "policy.budget": {"aide_au_poste_ei": envelope}}
    )
    shares = cofinancing_shares(
        model.policy.funding,
        model.funding_values,
        model.policy.budget,
        model.spec.territory.region_category,
    )
    row = dict(zip(FUNDERS, shares[PROGRAMMES.index("aide_au_poste_ei")], strict=True))
    expected = {f: envelope.get(f, 0.0) / sum(envelope.values()) for f in FUNDERS}
    assert row == pytest.approx(expected), f"envelope shares {row} != {expected}"
    ledger = model.ledger.frame()
    ei = ledger[ledger["programme"] == "aide_au_poste_ei"]
    assert ei["amount"].sum() > 0, "EI posts were occupied, so the aide au poste EI was paid"
    paid = ei.groupby("funder")["amount"].sum()
    got = {f: float(paid.get(f, 0.0)) / float(paid.sum()) for f in FUNDERS}
    assert got == pytest.approx(expected), f"EI costs split {got}, envelope says {expected}"
    aci = ledger[ledger["programme"] == "aide_au_poste_aci"]
    assert set(aci["funder"]) == {"state"}, "a programme without envelope keeps its own rule"


# ----------------------------------------------------------------------------- dated parameters
EARLY = dt.date(2000, 1, 1)
SMIC_FIRST, SMIC_CHANGE = dt.date(2024, 1, 1), dt.date(2024, 11, 1)
ACI_CHANGE = dt.date(2024, 9, 1)
DATED = {
    "smic_hourly": {SMIC_FIRST: 11.65, SMIC_CHANGE: 11.88},
    "aide_au_poste.aci": {EARLY: 21000.0, ACI_CHANGE: 24000.0},
}


def _dated_tree(drop_key: tuple[str, str] | None = None) -> dict:
    """funding.yaml with every value in force from 2000, but the two dated ones of DATED."""
    tree = yaml.safe_load(FUNDING_FILE.read_text(encoding="utf-8"))

    def walk(node: dict, prefix: str) -> None:
        if "values" in node:
            latest = node["values"][max(node["values"])]
            node["values"] = dict(DATED.get(prefix, {EARLY: latest}))
            if drop_key and drop_key[0] == prefix:
                del node[drop_key[1]]
            return
        for key, child in node.items():
            walk(child, f"{prefix}.{key}" if prefix else key)

    walk(tree, "")
    return tree


@pytest.fixture
def dated_file(tmp_path) -> Path:
    path = tmp_path / "funding_dated.yaml"
    path.write_text(yaml.safe_dump(_dated_tree(), sort_keys=False), encoding="utf-8")
    params = load_parameters(path)
    assert params["smic_hourly"].values == tuple(DATED["smic_hourly"].items()), "file not written"
    return path


@pytest.mark.parametrize(
    ("date", "smic", "aci"),
    [
        (dt.date(2024, 8, 31), 11.65, 21000.0),  # before both changes
        (ACI_CHANGE, 11.65, 24000.0),  # on the ACI change
        (dt.date(2024, 10, 31), 11.65, 24000.0),  # the day before the SMIC change
        (SMIC_CHANGE, 11.88, 24000.0),  # on the SMIC change
        (dt.date(2026, 6, 1), 11.88, 24000.0),  # long after: the last value stays in force
    ],
)
def test_values_at_picks_the_value_in_force(dated_file, date, smic, aci):
    values = values_at(date, path=dated_file)
    assert values["smic_hourly"] == smic, f"smic_hourly on {date}"
    assert values["aide_au_poste.aci"] == aci, f"aide_au_poste.aci on {date}"
    assert values["aide_au_poste.ei"] == 12459, "an undated parameter keeps its single value"


def test_a_date_before_the_first_value_names_run_start_and_the_parameter(dated_file):
    with pytest.raises(ScenarioError) as err:
        values_at(SMIC_FIRST - dt.timedelta(days=1), path=dated_file)
    assert err.value.field == "run.start", f"the error must name run.start: {err.value}"
    assert "smic_hourly" in err.value.message, f"the error must name the parameter: {err.value}"
    assert str(SMIC_FIRST) in str(err.value), f"the error should give the first date: {err.value}"


@pytest.mark.parametrize(
    ("start", "smic", "aci"), [("2024-06-01", 11.65, 21000.0), ("2024-12-01", 11.88, 24000.0)]
)
def test_a_scenario_gets_the_values_in_force_at_its_start(dated_file, start, smic, aci):
    scn = small_scenario(**{"run.start": start, "policy.funding.parameters": str(dated_file)})
    assert scn.run.start == dt.date.fromisoformat(start), "run.start override not applied"
    values = funding_values(scn)
    assert (values["smic_hourly"], values["aide_au_poste.aci"]) == (smic, aci), (
        f"run.start {start}: got smic {values['smic_hourly']}, aci {values['aide_au_poste.aci']}"
    )
    model = InsertionModel(scn)
    assert model.funding_values["aide_au_poste.aci"] == aci, "the model uses other values"


def test_a_scenario_starting_before_a_parameter_exists_is_refused(dated_file):
    scn = small_scenario(
        **{"run.start": "2023-06-01", "policy.funding.parameters": str(dated_file)}
    )
    with pytest.raises(ScenarioError) as err:
        funding_values(scn)
    assert err.value.field == "run.start", f"the error must name run.start: {err.value}"
    assert "smic_hourly" in err.value.message, f"the error must name smic_hourly: {err.value}"


def test_overrides_replace_a_value_in_force():
    plain = funding_values(small_scenario())
    over = funding_values(
        small_scenario(**{"policy.funding.overrides": {"aide_au_poste.aci": 30000}})
    )
    assert over["aide_au_poste.aci"] == 30000, "the override must replace the value in force"
    assert plain["aide_au_poste.aci"] != 30000, "the test needs a value that differs"
    others = {k: v for k, v in over.items() if k != "aide_au_poste.aci"}
    assert others == {k: v for k, v in plain.items() if k != "aide_au_poste.aci"}, (
        "an override must leave the other parameters alone"
    )


def test_an_unknown_override_is_refused_naming_it():
    scn = small_scenario(**{"policy.funding.overrides": {"aide_au_poste.acii": 30000}})
    with pytest.raises(ScenarioError) as err:
        funding_values(scn)
    assert err.value.field == "policy.funding.overrides.aide_au_poste.acii", str(err.value)


def test_a_parameter_without_a_unit_is_refused_naming_it(tmp_path):
    path = tmp_path / "no_unit.yaml"
    path.write_text(yaml.safe_dump(_dated_tree(("aide_au_poste.ei", "unit"))), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_parameters(path)
    assert err.value.field == "aide_au_poste.ei", f"must name the parameter: {err.value}"
    assert "unit" in err.value.message, f"must say what is missing: {err.value}"
    scn = small_scenario(**{"policy.funding.parameters": str(path)})
    with pytest.raises(ScenarioError, match=r"aide_au_poste\.ei"):
        funding_values(scn)


def test_a_modulated_share_above_the_maximum_in_force_is_refused():
    highest = funding_values(small_scenario())["aide_au_poste.modulated_share_max"]
    at_max = small_scenario(**{"policy.funding.modulation.share": highest})
    assert funding_values(at_max), "the maximum itself is allowed"
    above = small_scenario(**{"policy.funding.modulation.share": round(highest + 0.05, 6)})
    with pytest.raises(ScenarioError) as err:
        funding_values(above)
    assert err.value.field == "policy.funding.modulation.share", str(err.value)


# ----------------------------------------------------------------------------- budgets
def _at_reference(**overrides):
    """The baseline at its reference size (capacities are not scaled), small otherwise."""
    reference = load_scenario(BASELINE).territory.reference_persons
    return small_scenario(
        **{"run.persons": reference, "run.months": 1, "run.person_views": False, **overrides}
    )


def _groups(scn, kind: str) -> dict[str, dict]:
    return {k: g for k, g in scn.model_dump()["territory"]["siae"].items() if g["type"] == kind}


def test_an_envelope_sets_the_ei_posts_spread_over_the_ei_structures():
    euros = 1_000_000.0
    scn = _at_reference(**{"policy.budget": {"aide_au_poste_ei": {"state": euros}}})
    v = funding_values(scn)
    ((name, group),) = _groups(scn, "ei").items()
    unit = v["aide_au_poste.ei"] * group["weekly_hours"] / FULL_TIME
    assert unit == 12459, "by hand: the EI base of C7, 12,459 EUR, for 35 h a week"
    posts = math.floor(euros / unit)
    per_structure = posts // group["n"]
    assert (posts, group["n"], per_structure) == (80, 5, 16), "by hand: 80 posts, 16 x 5"

    funded, report = apply_budgets(scn, v)
    assert funded.territory.siae[name].posts == per_structure, "posts of each EI structure"
    (row,) = report
    assert row["programme"] == "aide_au_poste_ei" and row["mode"] == "envelope", row
    assert row["capacity"] == per_structure * group["n"] == 80, f"report capacity: {row}"
    assert row["remainder"] == pytest.approx(euros - 80 * 12459), f"report remainder: {row}"

    model = InsertionModel(scn)
    ei = model.siae_type == SiaeType.EI
    assert model.siae_posts[ei].tolist() == [16] * 5, f"EI posts {model.siae_posts[ei]}"
    base = InsertionModel(_at_reference())
    assert (model.siae_posts[~ei] == base.siae_posts[~ei]).all(), "other SIAE must not change"


def test_an_extra_budget_adds_one_structure_like_the_largest_aci_group():
    euros = 1_000_000.0
    scn = _at_reference(**{"policy.extra_budget": {"aide_au_poste_aci": euros}})
    v = funding_values(scn)
    aci = _groups(scn, "aci")
    largest = max(aci, key=lambda k: aci[k]["posts"] * aci[k]["n"])
    unit = v["aide_au_poste.aci"] * aci[largest]["weekly_hours"] / FULL_TIME
    units = math.floor(euros / unit)
    assert (largest, units) == ("aci_worksites", 56), "by hand: 23,921 x 26/35 a post, 56 posts"

    funded, report = apply_budgets(scn, v)
    extra = funded.territory.siae[f"{largest}_extra"]
    assert (extra.type, extra.n, extra.posts) == ("aci", 1, units), f"extra structure: {extra}"
    assert extra.weekly_hours == aci[largest]["weekly_hours"], "cloned from the largest group"
    assert extra.phc_places == 0, "the extra structure holds posts only"
    (row,) = report
    assert row["capacity"] == units, f"report capacity: {row}"
    assert row["remainder"] == pytest.approx(euros - units * unit), f"report remainder: {row}"

    model = InsertionModel(scn)
    base = InsertionModel(_at_reference())
    is_aci = model.siae_type == SiaeType.ACI
    base_aci = base.siae_posts[base.siae_type == SiaeType.ACI].sum()
    assert model.n_siae == base.n_siae + 1, "one more structure"
    assert model.siae_posts[is_aci].sum() == base_aci + units, "ACI posts grow by the units"


def test_an_override_changes_what_a_budget_buys():
    euros = 1_000_000.0
    scn = _at_reference(
        **{
            "policy.extra_budget": {"aide_au_poste_aci": euros},
            "policy.funding.overrides": {"aide_au_poste.aci": 30000},
        }
    )
    weekly = _groups(scn, "aci")["aci_worksites"]["weekly_hours"]
    _, (row,) = apply_budgets(scn, funding_values(scn))
    assert row["capacity"] == math.floor(euros / (30000 * weekly / FULL_TIME)), row


def test_services_add_to_their_places():
    v = funding_values(small_scenario())
    extra = {"creche": 120_000.0, "french": 40_000.0}
    envelope = {"mobility": {"departement": 36_000.0, "esf": 54_000.0}}
    scn = _at_reference(**{"policy.extra_budget": extra, "policy.budget": envelope})
    services = scn.territory.services
    expected = {
        "creche": services.creche + math.floor(120_000 / (12 * v["place_per_month.creche"])),
        "french": services.french + math.floor(40_000 / (12 * v["place_per_month.french"])),
        "mobility": math.floor(90_000 / (12 * v["place_per_month.mobility"])),  # replaced
        "health": services.health,
    }
    assert expected["creche"] == 110, "by hand: 100 places + 120,000 / 12,000"
    model = InsertionModel(scn)
    got = {s.name.lower(): int(model.service_places[s]) for s in Service if s is not Service.NONE}
    assert got == expected, f"service places {got}, expected {expected}"


@pytest.mark.parametrize(
    ("field", "budget", "where", "words"),
    [
        (
            "policy.budget",
            {"aide_au_poste_ei": {"state": 5_000.0}},
            "policy.budget.aide_au_poste_ei",
            "cannot fund one",
        ),
        # 2 posts in all, but 5 EI structures: none can have a whole post.
        (
            "policy.budget",
            {"aide_au_poste_ei": {"state": 30_000.0}},
            "policy.budget.aide_au_poste_ei",
            "in each of 5 structures",
        ),
        (
            "policy.extra_budget",
            {"aide_au_poste_aci": 1_000.0},
            "policy.extra_budget.aide_au_poste_aci",
            "cannot fund one",
        ),
        ("policy.extra_budget", {"creche": 1_000.0}, "policy.extra_budget.creche", "cannot fund"),
        ("policy.budget", {"jetpacks": {"state": 1e6}}, "policy.budget.jetpacks", "jetpacks"),
        (
            "policy.extra_budget",
            {"aide_au_poste_modulation": 1e6},
            "policy.extra_budget.aide_au_poste_modulation",
            "aide_au_poste_modulation",
        ),
    ],
)
def test_an_invalid_budget_is_refused_naming_the_programme(field, budget, where, words):
    scn = small_scenario(**{field: budget})
    with pytest.raises(ScenarioError) as err:
        check_scenario(scn, "budget.yaml")
    assert err.value.field == where, f"field {err.value.field!r}, expected {where!r}"
    assert words in err.value.message, f"{words!r} not in: {err.value}"
    with pytest.raises(ScenarioError, match=where.replace(".", r"\.")):
        InsertionModel(scn)


def test_an_envelope_for_a_programme_without_structures_is_refused():
    scn = small_scenario(
        **{"territory.siae.ei.n": 0, "policy.budget": {"aide_au_poste_ei": {"state": 1e6}}}
    )
    with pytest.raises(ScenarioError) as err:
        check_scenario(scn, "budget.yaml")
    assert err.value.field == "policy.budget.aide_au_poste_ei", str(err.value)
    assert "no structure" in err.value.message, str(err.value)


def test_the_cli_refuses_an_invalid_budget_and_writes_nothing(tmp_path):
    scenarios, cwd = tmp_path / "scenarios", tmp_path / "cwd"
    scenarios.mkdir()
    cwd.mkdir()
    cases = {
        "too_small": ({"aide_au_poste_aci": 1000}, "policy.extra_budget.aide_au_poste_aci"),
        "unknown": ({"jetpacks": 1_000_000}, "policy.extra_budget.jetpacks"),
    }
    commands = []
    for name, (extra, _) in cases.items():
        path = scenarios / f"{name}.yaml"
        body = {"extends": str(BASELINE), "name": name, "policy": {"extra_budget": extra}}
        path.write_text(yaml.safe_dump(body), encoding="utf-8")
        commands.append(("run", path, "--persons", "500", "--months", "2", "--out", cwd / name))
    done_all = parcours_many(*commands, cwd=cwd)
    for done, (_, where) in zip(done_all, cases.values(), strict=True):
        assert done.returncode == 2, done.describe()
        assert where in done.stderr, f"the message must name {where}:\n{done.describe()}"
        programme = where.rsplit(".", 1)[1]
        assert programme in done.stderr, done.describe()
    assert list(cwd.iterdir()) == [], f"nothing may be written: {list(cwd.iterdir())}"


# ----------------------------------------------------------------------------- results-based parts
PAIRED = {"run.persons": 3000, "run.months": 24, "run.seed": 11}
MODULATION = {"policy.funding.modulation.enabled": True, "policy.funding.modulation.share": 0.10}


def _mean_obstacles(model, flow: str, count: str) -> float:
    monthly = model.recorder.frame()
    return float(monthly[f"flow_{flow}"].sum() / monthly[f"flow_{count}"].sum())


@pytest.fixture(scope="module")
def modulation_runs():
    return {
        "none": run_small(**PAIRED),
        "exits": run_small(**PAIRED, **MODULATION, **{"policy.funding.modulation.reward": "exits"}),
        "furthest": run_small(
            **PAIRED, **MODULATION, **{"policy.funding.modulation.reward": "furthest"}
        ),
    }


def test_modulation_moves_siae_hires_towards_whom_it_rewards(modulation_runs):
    hires = {
        k: _mean_obstacles(m, "siae_hire_obstacles", "siae_hires")
        for k, m in modulation_runs.items()
    }
    assert hires["exits"] < hires["none"], (
        f"rewarding exits should hire less obstructed people than no modulation: {hires}"
    )
    assert hires["furthest"] > hires["none"], (
        f"rewarding the furthest should hire more obstructed people than no modulation: {hires}"
    )


# ----------------------------------------------------------------------------- cost indicators
def _indicator(indicators: pd.DataFrame, name: str, public: str = "all") -> float:
    sel = indicators[(indicators["indicator"] == name) & (indicators["public"] == public)]
    assert len(sel) == 1, f"one value of {name} for {public}"
    return float(sel["value"].iloc[0])


def test_cost_indicators_follow_their_definitions(baseline_run):
    model = baseline_run
    pop = model.pop
    ind = model.indicators()
    arrived = pop.status != Status.NOT_ARRIVED
    ledger = model.ledger.frame()
    transfers = ledger["programme"].isin(["rsa_allowance", "prime_activite"])
    cost_total = float(ledger.loc[~transfers, "amount"].sum())
    assert _indicator(ind, "cost_total") == pytest.approx(cost_total), (
        "cost_total = the ledger without the transfers (RSA, prime d'activité)"
    )

    durable = int(np.count_nonzero(arrived & (pop.t_first_durable != NEVER)))
    assert durable > 0, "some persons must reach a durable job in 24 months"
    assert _indicator(ind, "cost_per_durable_job") == pytest.approx(cost_total / durable), (
        f"cost_per_durable_job must be {cost_total:,.0f} / {durable} persons with a durable job"
    )

    # The RSA saved: the full RSA of recipients at entry each month present, minus the ledger's
    # rsa_allowance (what was paid to anyone); the net cost adds the prime d'activité paid.
    rsa_paid = float(ledger.loc[ledger["programme"] == "rsa_allowance", "amount"].sum())
    ppa_paid = float(ledger.loc[ledger["programme"] == "prime_activite", "amount"].sum())
    assert rsa_paid > 0 and ppa_paid > 0, "a 24-month run pays the RSA and the prime d'activité"
    reference = float(pop.cost_rsa_reference.sum())
    assert _indicator(ind, "rsa_saved") == pytest.approx(reference - rsa_paid), (
        f"rsa_saved must be the reference {reference:,.0f} minus the RSA paid {rsa_paid:,.0f}"
    )
    assert _indicator(ind, "net_public_cost") == pytest.approx(
        cost_total - (reference - rsa_paid) + ppa_paid
    ), "net_public_cost = cost_total - rsa_saved + prime d'activité"
    rsa = arrived & (pop.benefit_at_entry == Benefit.RSA)
    rsa_cost = float(pop.cost[rsa].sum())
    rsa_saved = float(pop.cost_rsa_reference[rsa].sum() - pop.cost_rsa[rsa].sum())
    assert _indicator(ind, "cost_total", "rsa") == pytest.approx(rsa_cost), "a public's costs"
    assert _indicator(ind, "rsa_saved", "rsa") == pytest.approx(rsa_saved), "a public's RSA saved"
    assert _indicator(ind, "net_public_cost", "rsa") == pytest.approx(
        rsa_cost - rsa_saved + float(pop.cost_ppa[rsa].sum())
    ), "net_public_cost for RSA recipients"


# ----------------------------------------------------------------------------- allocation
ALLOC_BUDGET = 5_000_000.0
ALLOC_PROGRAMMES = ["aide_au_poste_aci", "creche"]


def _no_childcare_scenario():
    """Nobody has a childcare obstacle: crèche places cannot help anyone.

    Under the rules of December 2024: from 2025, automatic registration brings every RSA
    recipient to France Travail at once and, in this small territory, its advisers' hours fall
    short from the first months (hours needed above hours available), so that prescriptions,
    not ACI posts, limit employment at 12 months, and the optimiser would have nothing to find.
    """
    return load_scenario(
        BASELINE, {"population.obstacles.childcare.p": [0.0, 0.0, 0.0], "run.start": "2024-12-01"}
    )


@pytest.fixture(scope="module")
def grid_allocation(tmp_path_factory):
    out = tmp_path_factory.mktemp("allocate") / "grid"
    exp = allocate(
        _no_childcare_scenario(),
        ALLOC_BUDGET,
        ALLOC_PROGRAMMES,
        steps=2,
        indicator="employment_rate_12m",
        replications=3,
        persons=2000,
        months=14,
        out=out,
        workers=2,
    )
    return exp, out


def test_the_grid_finds_the_allocation_best_by_construction(grid_allocation):
    exp, out = grid_allocation
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert (monthly["used_places_creche"] == 0).all(), "premise: nobody uses a crèche place"
    manifest = store.read_manifest(out)
    assert manifest["status"] == "complete", manifest["status"]
    best = manifest["allocation"]["best"]
    assert best["indicator"] == "employment_rate_12m", best
    table = pd.read_parquet(out / "allocations.parquet").set_index("allocation")
    row = table.loc[best["best"]]
    assert (row["share_aide_au_poste_aci"], row["share_creche"]) == (1.0, 0.0), (
        f"best allocation {best['best']} has shares {row.filter(like='share_').to_dict()}"
    )
    assert row["eur_aide_au_poste_aci"] == ALLOC_BUDGET, "all the euros go to ACI"
    grid = table[~table["reference"]]
    all_aci = grid[grid["share_aide_au_poste_aci"] == 1.0]["employment_rate_12m"].iloc[0]
    no_aci = grid[grid["share_aide_au_poste_aci"] == 0.0]["employment_rate_12m"].iloc[0]
    assert all_aci > no_aci, f"ACI posts must add employment: {all_aci:.4f} vs {no_aci:.4f}"


def test_the_only_useful_programme_beats_no_budget_distinguishably(grid_allocation):
    # ACI posts are the only programme that can help (nobody needs a crèche): the best
    # allocation puts everything on ACI and its paired difference to no extra budget must be
    # positive and clear of noise; the all-crèche allocation changes nothing anyone does, so on
    # common seeds its employment equals the reference's in every replication.
    exp, out = grid_allocation
    spec = store.read_manifest(out)["allocation"]
    best = spec["best"]
    assert best["reference"]["point"] == 0, best
    d = best["vs_reference"]
    assert d["mean"] > 0 and d["ci_low"] > 0 and d["distinguishable"], (
        f"all-ACI vs no extra budget must be distinguishably positive: {d}"
    )
    assert best["best"] in best["distinguishable_from_reference"], best
    table = pd.read_parquet(out / "allocations.parquet").set_index("allocation")
    creche = table[table["share_creche"] == 1.0].iloc[0]
    assert creche["employment_rate_12m_diff"] == 0.0, creche.filter(like="_diff").to_dict()
    assert not creche["employment_rate_12m_diff_distinguishable"]
    text = allocation_report(exp)
    assert "The difference is distinguishable from noise" in text, text
    assert "#0 is the reference: no extra budget" in text, text


def test_the_allocation_table_has_one_row_per_grid_point_with_intervals(grid_allocation):
    _, out = grid_allocation
    table = pd.read_parquet(out / "allocations.parquet")
    assert len(table) == 4, f"no extra budget + 2 programmes in 2 steps: 4 rows, got {len(table)}"
    reference = table[table["reference"]]
    assert reference["allocation"].tolist() == [0], "point 0 is the reference"
    assert (reference[[f"eur_{p}" for p in ALLOC_PROGRAMMES]].to_numpy() == 0).all()
    assert (reference[[f"units_{p}" for p in ALLOC_PROGRAMMES]].to_numpy() == 0).all()
    grid = table[~table["reference"]]
    shares = grid[[f"share_{p}" for p in ALLOC_PROGRAMMES]]
    assert sorted(map(tuple, shares.to_numpy().tolist())) == [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)]
    # What the euros buy, for the stated budget: posts of ACI at the aide au poste in force for
    # their weekly hours; crèche places at 12 months of their monthly price. Rounded down.
    scn = _no_childcare_scenario()
    values = funding_values(scn)
    aci = next(g for g in scn.territory.siae.values() if g.type == "aci")
    post = values["aide_au_poste.aci"] * aci.weekly_hours / FULL_TIME
    place = 12 * values["place_per_month.creche"]
    half = grid[grid["share_creche"] == 0.5].iloc[0]
    assert half["units_aide_au_poste_aci"] == math.floor(ALLOC_BUDGET / 2 / post), half
    assert half["units_creche"] == math.floor(ALLOC_BUDGET / 2 / place), half
    for public in ("", "[three_plus_obstacles]", "[homeless_at_entry]"):
        name = f"employment_rate_12m{public}"
        for col in (name, f"{name}_ci_low", f"{name}_ci_high"):
            assert col in table.columns, f"missing column {col}"
        assert (table[f"{name}_ci_low"] <= table[name]).all(), f"{name}: CI low above the mean"
        assert (table[name] <= table[f"{name}_ci_high"]).all(), f"{name}: CI high below the mean"
    png = out / "frontier.png"
    assert png.exists() and png.stat().st_size > 1000, "frontier.png must be a real plot"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "frontier.png is not a PNG"


def test_a_useless_budget_changes_nothing_and_the_answer_says_so(tmp_path):
    # Nobody has a childcare or a French obstacle: crèche and French places are never used, so
    # every split of the budget between them leaves every person's pathway as it is. On common
    # seeds each allocation's employment equals the reference's in every replication: every
    # paired difference is exactly 0 and none is distinguishable from noise.
    scn = load_scenario(
        BASELINE,
        {
            "population.obstacles.childcare.p": [0.0, 0.0, 0.0],
            "population.obstacles.french.p": [0.0, 0.0, 0.0],
        },
    )
    exp = allocate(
        scn,
        1_000_000,
        ["creche", "french"],
        steps=2,
        indicator="employment_rate_12m",
        replications=3,
        persons=800,
        months=13,
        out=tmp_path / "useless",
        workers=1,
    )
    monthly = pd.read_parquet(exp.out / "monthly.parquet")
    assert (monthly[["used_places_creche", "used_places_french"]] == 0).all().all(), "premise"
    table = pd.read_parquet(exp.out / "allocations.parquet")
    assert len(table) == 4, table["allocation"].tolist()
    for col in ("employment_rate_12m_diff", "employment_rate_12m_diff_ci_low"):
        assert (table[col] == 0.0).all(), f"{col}: {table[col].tolist()}"
    assert not table["employment_rate_12m_diff_distinguishable"].any()
    best = exp.manifest["allocation"]["best"]
    assert best["vs_reference"] == {
        "mean": 0.0,
        "ci_low": 0.0,
        "ci_high": 0.0,
        "distinguishable": False,
    }, best["vs_reference"]
    assert best["distinguishable_from_reference"] == [], best
    assert sorted(best["indistinguishable"]) == sorted({1, 2, 3} - {best["best"]}), best
    text = allocation_report(exp)
    assert "No allocation is distinguishable from no extra budget" in text, text
    assert "the money changes nothing detectable" in text, text
    # The budget is stated for 20,000 persons; 800 persons scale it by 0.04.
    assert "1,000,000 EUR a year" in text and "40,000 EUR a year" in text, text


def test_simplex_grid_splits_one_in_steps():
    points = simplex_grid(3, 4)
    assert len(points) == 15, f"C(4+2, 2) = 15 splits, got {len(points)}"
    assert len(set(points)) == 15, "splits must be distinct"
    for p in points:
        assert len(p) == 3 and math.isclose(sum(p), 1.0), f"{p} does not split 1 in three"
        assert all(math.isclose(4 * s, round(4 * s)) for s in p), f"{p}: not in quarters"
    assert {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)} <= set(points), "corners"


def test_pareto_front_keeps_the_allocations_nothing_beats():
    x = np.array([1.0, 2.0, 3.0, 2.0, np.nan, 0.5])
    y = np.array([3.0, 2.0, 1.0, 1.0, 5.0, 3.0])
    # Higher is better: 3 is beaten by 1 (same x, higher y); 5 by 0; 4 is not finite.
    assert sorted(pareto_front(x, y, lower_better=False).tolist()) == [0, 1, 2]
    # Lower is better: 5 beats 0, and 3 beats 1 and 2; 5 and 3 remain.
    assert sorted(pareto_front(x, y, lower_better=True).tolist()) == [3, 5]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"steps": 2, "optimise": "employment_rate_12m"}, "--steps", "either"),
        ({}, "--steps", "either"),
        ({"steps": 2, "programmes": ["aide_au_poste_aci", "jetpacks"]}, "--programmes", "jetpacks"),
    ],
)
def test_allocate_refuses_bad_requests_before_running(tmp_path, kwargs, field, words):
    args = {"programmes": ALLOC_PROGRAMMES, **kwargs}
    out = tmp_path / "alloc"
    with pytest.raises(ScenarioError) as err:
        allocate(BASELINE, ALLOC_BUDGET, out=out, persons=500, months=2, **args)
    assert err.value.field == field, f"field {err.value.field!r}: {err.value}"
    assert words in err.value.message, f"{words!r} not in: {err.value}"
    assert not out.exists(), "nothing may be written"


def test_the_optimiser_moves_the_budget_towards_aci(tmp_path):
    out = tmp_path / "optimise"
    exp = allocate(
        _no_childcare_scenario(),
        ALLOC_BUDGET,
        ALLOC_PROGRAMMES,
        optimise="employment_rate_12m",
        max_evaluations=6,
        replications=2,
        persons=1000,
        months=13,
        out=out,
        workers=1,
    )
    manifest = store.read_manifest(out)
    assert manifest["status"] == "complete", manifest["status"]
    assert exp.manifest["allocation"]["method"] == "nelder-mead", exp.manifest["allocation"]
    points = manifest["points"]
    assert points[0]["values"] == {"policy.extra_budget": {}}, "point 0: no extra budget"
    assert 2 < len(points) <= 7, f"{len(points) - 1} allocations tried with max_evaluations=6"
    equal = points[1]["values"]["policy.extra_budget"]
    assert equal == {p: ALLOC_BUDGET / 2 for p in ALLOC_PROGRAMMES}, f"starts equal: {equal}"
    best = manifest["allocation"]["best"]["best"]
    table = pd.read_parquet(out / "allocations.parquet").set_index("allocation")
    share = table.loc[best, "share_aide_au_poste_aci"]
    assert share >= 0.5, f"the best allocation gives ACI {share:.0%}, less than an equal split"


def test_esf_rates_are_dated_and_set_by_the_category_of_region():
    params = load_parameters()
    rates = {
        (region, year): params[f"esf.cofinancing_rate.{region}"].at(dt.date(year, 6, 1))
        for region in ("more_developed", "transition", "outermost")
        for year in (2018, 2024)
    }
    # Ceilings of Regulation (EU) No 1303/2013 art. 120(3) (2014-2020) and 2021/1060 art.
    # 112(3) (2021-2027): more developed 50% then 40%, transition 60%, outermost 85%.
    assert rates == {
        ("more_developed", 2018): 0.50,
        ("more_developed", 2024): 0.40,
        ("transition", 2018): 0.60,
        ("transition", 2024): 0.60,
        ("outermost", 2018): 0.85,
        ("outermost", 2024): 0.85,
    }
    with pytest.raises(ScenarioError, match="no value of the funding parameter .* is in force"):
        params["esf.cofinancing_rate.transition"].at(dt.date(2008, 1, 1))


@pytest.mark.parametrize(("region", "rate"), [("more_developed", 0.40), ("outermost", 0.85)])
def test_the_scenario_region_sets_the_esf_share_of_co_financed_programmes(region, rate):
    model = run_small(**{"territory.region_category": region, "run.months": 6})
    ledger = model.ledger.frame()
    measure = ledger[ledger["programme"] == "rsa_measure"]
    paid = measure.groupby("funder")["amount"].sum()
    assert paid.sum() > 0, "RSA measures started, so the measure was paid"
    assert paid["esf"] / paid.sum() == pytest.approx(rate), (
        f"{region}: the ESF+ pays {rate:.0%} of the RSA measure (esf_with: departement)"
    )
    assert paid["departement"] / paid.sum() == pytest.approx(1 - rate)
