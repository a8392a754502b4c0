"""``parcours explain`` (sim/experiments/explain.py): why scenario B differs from scenario A.

First the decomposition itself, on games whose Shapley values are known by hand; then how the
fields, groups and coalitions are read from two scenarios; then the model through the runner, on
cases with a known answer; then the command line end to end, ``results show``, ``resume`` and
the report.
"""

from __future__ import annotations

import copy
import itertools
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from cli_helpers import parcours, parcours_here
from conftest import SCENARIOS

from sim.experiments.explain import (
    TOTAL,
    Change,
    coalition_data,
    coalition_point,
    contributions,
    cost,
    design,
    differences,
    draw_permutations,
    exact_shapley,
    explain,
    players_of,
    sampled_shapley,
)
from sim.indicators import METADATA
from sim.outcomes import INDICATORS
from sim.scenario import ScenarioError, apply_overrides, load_scenario, scenario_to_dict

SIZE = {"run.persons": 800, "run.months": 14, "run.check_invariants": False}


def baseline(**overrides):
    """The baseline at a small size with dotted-path overrides (``name`` included)."""
    return load_scenario(SCENARIOS / "baseline.yaml", {**SIZE, **overrides})


def game(k: int, value) -> np.ndarray:
    """v(S) for every coalition S of k players, indexed by bit mask; ``value`` takes a set."""
    return np.array([value({j for j in range(k) if m >> j & 1}) for m in range(2**k)], float)


# ----------------------------------------------------------------------------- the decomposition
def test_additive_game_gives_each_player_its_own_effect():
    # No interaction: every marginal effect of player j is e_j, whatever came before.
    effects = [0.1, -0.25, 3.0]
    v = game(3, lambda s: 7.0 + sum(effects[j] for j in s))
    assert exact_shapley(v) == pytest.approx(effects, abs=1e-12)


def test_an_interaction_is_shared_equally_between_its_players():
    # v = 5 when players 0 and 1 are both in, plus 2 for player 2: players 0 and 1 each add 5 in
    # half of the orders (when they come second), so each gets 2.5; player 2 gets its 2.
    v = game(3, lambda s: 5.0 * ({0, 1} <= s) + 2.0 * (2 in s))
    assert exact_shapley(v) == pytest.approx([2.5, 2.5, 2.0], abs=1e-12)


def test_majority_game_gives_a_third_to_each_player():
    # Three voters, a majority of two wins: by symmetry each gets 1/3 of v(all) = 1.
    v = game(3, lambda s: float(len(s) >= 2))
    assert exact_shapley(v) == pytest.approx([1 / 3] * 3, abs=1e-12)


def test_a_player_that_never_matters_gets_exactly_zero():
    rng = np.random.default_rng(5)
    table = rng.normal(size=8) * 1e6  # any values of players 0-2; player 3 changes nothing
    v = game(4, lambda s: table[sum(1 << j for j in s if j < 3)])
    phi = exact_shapley(v)
    assert phi[3] == 0.0, f"a dummy player must get exactly 0, got {phi[3]!r}"
    orders = draw_permutations(4, 5, seed=1, replication=0)
    assert sampled_shapley(v, orders)[3] == 0.0


def test_efficiency_holds_to_rounding_exact_and_sampled():
    rng = np.random.default_rng(11)
    v = rng.normal(size=2**6) * 1e4
    total = v[-1] - v[0]
    exact = exact_shapley(v)
    assert abs(exact.sum() - total) <= 1e-12 * np.abs(v).max()
    sampled = sampled_shapley(v, draw_permutations(6, 7, seed=3, replication=2))
    assert abs(sampled.sum() - total) <= 1e-12 * np.abs(v).max()


def test_sampling_every_order_once_is_the_exact_value():
    rng = np.random.default_rng(2)
    v = rng.normal(size=2**4)
    every = np.array(list(itertools.permutations(range(4))))
    assert sampled_shapley(v, every) == pytest.approx(exact_shapley(v), abs=1e-12)


def test_sampled_orders_converge_to_the_exact_values():
    # Marginal effects of v ~ N(0, 1) have a standard deviation below 2: with 20,000 orders
    # the estimator's standard error is below 2 / sqrt(20,000) = 0.014; allow 4 of them.
    rng = np.random.default_rng(8)
    v = rng.normal(size=2**5)
    sampled = sampled_shapley(v, draw_permutations(5, 20_000, seed=4, replication=0))
    assert sampled == pytest.approx(exact_shapley(v), abs=0.06)


def test_orders_are_seeded_and_differ_between_replications():
    one = draw_permutations(6, 4, seed=9, replication=0)
    assert np.array_equal(one, draw_permutations(6, 4, seed=9, replication=0))
    assert not np.array_equal(one, draw_permutations(6, 4, seed=9, replication=1))
    assert sorted(one[0]) == list(range(6))


# ----------------------------------------------------------------------------- fields and groups
A_DATA = {
    "name": "a",
    "description": "A",
    "run": {"seed": 1, "months": 12},
    "policy": {
        "gate": 1,
        "list": [1, 2],
        "same": 0.5,
        "overrides": {"place_per_month.tapaj": 600, "gone": 3},
        "practices": {"linear": {"gates": {"health": 1, "housing": 1}, "search": False}},
    },
}


def _b_data() -> dict:
    b = copy.deepcopy(A_DATA)
    b.update(name="b", description="B", run={"seed": 2, "months": 12})
    b["policy"].update(gate=2, list=[1, 2, 3])
    b["policy"]["overrides"] = {"place_per_month.tapaj": 900, "rsa_single_person": 700.0}
    b["policy"]["practices"]["linear"] = {"gates": {"health": 3, "housing": 2}, "search": True}
    return b


def test_differences_are_the_leaves_that_differ_run_settings_and_names_aside():
    changes = differences(A_DATA, _b_data())
    assert [(c.path, c.a, c.b, c.kind) for c in changes] == [
        ("policy.gate", 1, 2, "changed"),
        ("policy.list", [1, 2], [1, 2, 3], "changed"),  # a list is one value
        ("policy.overrides.place_per_month.tapaj", 600, 900, "changed"),
        ("policy.overrides.gone", 3, None, "removed"),
        ("policy.overrides.rsa_single_person", None, 700.0, "added"),
        ("policy.practices.linear.gates.health", 1, 3, "changed"),
        ("policy.practices.linear.gates.housing", 1, 2, "changed"),
        ("policy.practices.linear.search", False, True, "changed"),
    ]


def test_an_int_and_a_float_of_equal_value_differ_only_in_type():
    (change,) = differences({"x": 1}, {"x": 1.0})
    assert change.path == "x"


def test_fields_of_one_profile_key_are_grouped_by_default():
    changes = differences(A_DATA, _b_data())
    names = [p.name for p in players_of(changes)]
    assert names == [
        "policy.gate",
        "policy.list",
        "policy.overrides.place_per_month.tapaj",
        "policy.overrides.gone",
        "policy.overrides.rsa_single_person",
        "policy.practices.linear.gates",  # health and housing gates: one key of the profile
        "policy.practices.linear.search",
    ]
    by_field = [p.name for p in players_of(changes, by_field=True)]
    assert len(by_field) == len(changes)


def test_groups_gather_every_field_under_their_paths():
    changes = differences(A_DATA, _b_data())
    players = players_of(changes, [("prices", ["policy.overrides", "policy.gate"])])
    assert players[0].name == "prices"  # in the order of its first field (policy.gate)
    assert [c.path for c in players[0].changes] == [
        "policy.gate",
        "policy.overrides.place_per_month.tapaj",
        "policy.overrides.gone",
        "policy.overrides.rsa_single_person",
    ]
    assert [p.name for p in players[1:]] == [
        "policy.list",
        "policy.practices.linear.gates",
        "policy.practices.linear.search",
    ]


@pytest.mark.parametrize(
    "groups, words",
    [
        ([("g", ["policy.nothing"])], "no field at or under 'policy.nothing' differs"),
        ([("g", ["policy.gate"]), ("h", ["policy"])], "is already in group 'g'"),
        ([("g", ["policy.gate"]), ("g", ["policy.list"])], "two groups have this name"),
    ],
)
def test_bad_groups_are_refused_naming_them(groups, words):
    with pytest.raises(ScenarioError) as err:
        players_of(differences(A_DATA, _b_data()), groups)
    assert err.value.file == "--group" and words in str(err.value)


def test_coalition_overrides_rebuild_the_coalition_dotted_added_and_removed_keys_included():
    a, b = A_DATA, _b_data()
    players = players_of(differences(a, b), by_field=True)
    full = 2 ** len(players) - 1
    for mask in range(2 ** len(players)):
        data = copy.deepcopy(a)
        apply_overrides(data, coalition_point(a, players, mask), "test")
        assert data == coalition_data(a, players, mask), f"coalition {mask:b}"
    expected = copy.deepcopy(b)
    expected.update(name="a", description="A", run=a["run"])
    assert coalition_data(a, players, full) == expected
    assert coalition_data(a, players, 0) == a


def test_change_set_path_reaches_the_mapping_for_keys_a_path_cannot_address():
    keys = ("policy", "funding", "overrides", "place_per_month.tapaj")
    assert Change(keys, 600, 900).set_path == "policy.funding.overrides"
    assert Change(("territory", "shelters", "new"), None, {}, "added").set_path == (
        "territory.shelters"
    )
    assert Change(("policy", "housing_first"), False, True).set_path == "policy.housing_first"


# ----------------------------------------------------------------------------- the design
def test_identical_scenarios_are_refused():
    a = baseline()
    b = baseline(**{"run.seed": 3, "name": "other"})
    with pytest.raises(ScenarioError) as err:
        design(a, b)
    assert "nothing to explain" in str(err.value)


def test_fields_that_must_change_together_are_refused_alone_and_accepted_grouped():
    # The age shares must add up to 1: moving 0.05 from prime to young is valid only in whole.
    a = baseline()
    b = baseline(**{"population.age": {"young": 0.25, "prime": 0.5, "senior": 0.25}})
    with pytest.raises(ScenarioError) as err:
        design(a, b)
    assert "population.age" in str(err.value) and "--group" in str(err.value)
    spec, points = design(a, b, groups=["ages=population.age"])
    assert [p["name"] for p in spec["players"]] == ["ages"] and len(points) == 2


def test_method_follows_the_number_of_fields_and_run_settings_of_b_are_reported():
    a = baseline()
    changed = {f"behaviour.{name}": 0.01 for name in ("p_apply", "p_immersion", "p_break")}
    b = baseline(**{**changed, "run.months": 20})
    spec, points = design(a, b)
    assert spec["method"] == "exact" and spec["coalitions"] == list(range(8)) and len(points) == 8
    assert spec["run_settings_of_b_ignored"] == ["run.months: 14 -> 20"]
    spec, points = design(a, b, method="sampled", permutations=2, replications=3)
    assert spec["method"] == "sampled" and len(spec["orders"]) == 3
    assert {0, 7} <= set(spec["coalitions"]) and len(points) == len(spec["coalitions"])
    with pytest.raises(ScenarioError, match="--permutations"):
        design(a, b, method="sampled", permutations=0)
    with pytest.raises(ScenarioError, match="unknown method"):
        design(a, b, method="greedy")


def test_cost_is_two_to_the_k_runs_per_replication_when_exact():
    assert cost(3, 5, "exact") == 2**3 * 5
    assert cost(8, 5, "exact") == 1280
    # sampled: each of M orders adds at most k - 1 new coalitions between A and B
    assert cost(12, 1, "sampled", 32) == 32 * 11 + 2
    assert cost(3, 2, "sampled", 32) == 2**3 * 2  # never more than every coalition


# ----------------------------------------------------------------------------- the model
TAPAJ_PRICE = ("policy.funding.overrides", "place_per_month.tapaj")
REFERENT_COST = ("policy.funding.overrides", "staff.social_referent")
NO_EFFECT = "policy.funding.modulation.share"  # modulation is disabled in the baseline
COSTS = {name for name, m in METADATA.items() if m.kind == "eur"}  # cost_total, cost_per_year...


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """A - B: the price of a TAPAJ place (600 -> 900 EUR a month), the cost of a social referent
    of the Département (45,000 -> 60,000 EUR a year) and the modulated share of a disabled
    modulation (no effect)."""
    base = {"territory.low_threshold.tapaj_places": 400}  # a few TAPAJ places at 800
    a = baseline(**base)
    b = baseline(
        **base,
        **{
            "name": "dearer",
            "policy.funding.overrides": {
                "place_per_month.tapaj": 900.0,
                "staff.social_referent": 60000.0,
            },
            NO_EFFECT: 0.08,
        },
    )
    out = tmp_path_factory.mktemp("explain") / "accounts"
    return explain(a, b, replications=3, out=out, workers=2)


def _separate_effects(result) -> pd.DataFrame:
    """Per indicator, public and field: mean over replications of v({field}) - v(A)."""
    ind = result.experiment.indicators
    spec = result.spec
    point_of = {mask: p for p, mask in enumerate(spec["coalitions"])}
    base = ind[ind.point == point_of[0]].set_index(["indicator", "public", "replication"])["value"]
    frames = []
    for j, name in enumerate(result.fields):
        alone = ind[ind.point == point_of[1 << j]].set_index(base.index.names)["value"]
        frames.append((alone - base).groupby(["indicator", "public"]).mean().rename(name))
    return pd.concat(frames, axis=1)


def test_changes_on_disjoint_accounts_get_their_separate_effects(accounts):
    # The price of TAPAJ places is paid for the young people in TAPAJ; a social referent's cost
    # for those the Département's social track follows. Neither changes what anyone does (prices
    # feed back only through budgets and modulation, both off), and the two lines of the ledger
    # are disjoint, so their effects add up exactly: each field's contribution is its own effect
    # measured alone, for every indicator and public.
    tapaj, referent, none = (".".join(TAPAJ_PRICE), ".".join(REFERENT_COST), NO_EFFECT)
    assert accounts.fields == [tapaj, referent, none]
    alone = _separate_effects(accounts)
    t = accounts.table.set_index(["indicator", "public", "field"])
    for (indicator, public), row in alone.iterrows():
        for field in (tapaj, referent):
            got = t.loc[(indicator, public, field), "contribution"]
            if np.isnan(row[field]):
                continue
            assert got == pytest.approx(row[field], rel=1e-9, abs=1e-9), (indicator, public, field)
    everyone = t.xs("all", level="public")
    assert everyone.loc[("cost_total", tapaj), "contribution"] > 0  # dearer places cost more
    assert everyone.loc[("cost_total", referent), "contribution"] > 0  # dearer referents cost more
    assert everyone.loc[("rsa_saved", referent), "contribution"] == 0.0  # no one's RSA changes
    assert everyone.loc[("rsa_saved", tapaj), "contribution"] == 0.0
    for indicator in set(INDICATORS) - COSTS:  # prices change no one's pathway
        for field in (tapaj, referent):
            value = everyone.loc[(indicator, field), "contribution"]
            assert value == 0.0 or np.isnan(value), (indicator, field, value)


def test_a_field_without_effect_gets_zero_with_an_interval_holding_zero(accounts):
    t = accounts.table
    mine = t[t.field == NO_EFFECT].dropna(subset=["contribution"])
    assert len(mine) > 100  # every indicator and public defined in some replication
    assert (mine["contribution"] == 0).all()
    assert ((mine["ci_low"] == 0) & (mine["ci_high"] == 0))[mine.n >= 2].all()  # the interval


def test_contributions_add_up_to_the_paired_difference(accounts):
    t = accounts.table
    total = t[t.field == TOTAL].set_index(["indicator", "public"])
    parts = t[t.field != TOTAL].groupby(["indicator", "public"])["contribution"].sum(min_count=1)
    scale = accounts.experiment.indicators.groupby(["indicator", "public"])["value"].apply(
        lambda v: np.abs(v).max()
    )
    gap = (parts - total["contribution"]).abs()
    ok = gap.isna() | (gap <= 1e-12 * np.maximum(scale.reindex(gap.index), 1.0))
    assert ok.all(), gap[~ok].head()
    # the total is the paired difference B - A of the runs
    ind = accounts.experiment.indicators
    sel = ind[(ind.indicator == "cost_total") & (ind.public == "all")]
    by_point = sel.pivot(index="replication", columns="point", values="value")
    full = accounts.spec["coalitions"].index(2 ** len(accounts.fields) - 1)
    expected = (by_point[full] - by_point[0]).mean()
    assert total.loc[("cost_total", "all"), "contribution"] == pytest.approx(expected, rel=1e-12)


def test_the_run_keeps_detailed_tables_of_a_and_b_only(accounts):
    monthly = pd.read_parquet(accounts.out / "monthly.parquet")
    assert sorted(monthly["point"].unique()) == sorted(accounts.spec["detail_points"])
    assert len(accounts.manifest["tasks"]) == 8 * 3
    assert accounts.manifest["kind"] == "explain" and accounts.manifest["status"] == "complete"


@pytest.fixture(scope="module")
def behaviour(tmp_path_factory):
    """Three behavioural changes, exact, six replications."""
    a = baseline()
    b = baseline(
        **{
            "name": "three_changes",
            "behaviour.p_search_alone": 0.1,
            "behaviour.p_orientation_rsa": 0.3,
            "territory.low_threshold.tapaj_places": 200,
        },
    )
    out = tmp_path_factory.mktemp("explain") / "behaviour"
    return explain(a, b, replications=6, out=out, workers=2)


def test_sampled_orders_agree_with_the_exact_values_within_their_interval(behaviour):
    # The sampled estimate of each replication reads the same runs (same coalitions, same
    # seeds) along 2 random orders of the 3 fields; its interval across replications covers the
    # sampling of the orders and the model's noise, and must hold the exact value.
    spec = copy.deepcopy(behaviour.spec)
    spec.update(
        method="sampled",
        permutations=2,
        orders=[draw_permutations(3, 2, 77, r).tolist() for r in range(spec["replications"])],
    )
    sampled = contributions(behaviour.experiment.indicators, spec)
    exact = behaviour.table
    keys = ["indicator", "public", "field"]
    both = exact.merge(sampled, on=keys, suffixes=("", "_sampled"))
    sel = both[
        both.indicator.isin(["employment_rate_12m", "positive_exit_rate_12m", "cost_total"])
        & both.public.isin(["all", "rsa", "young"])
    ]
    inside = (sel.ci_low_sampled <= sel.contribution) & (sel.contribution <= sel.ci_high_sampled)
    # An interval of width zero means every sampled marginal effect was the same (typically 0:
    # a field that moves a small public only along some orders). The exact value then differs
    # only by the orders not drawn, each a multiple of one person's share of that public (about
    # half a point at 800 persons) averaged over 36 order-replications: within one point.
    degenerate = (sel.ci_low_sampled == sel.ci_high_sampled) & (sel.indicator != "cost_total")
    close = (sel.contribution - sel.ci_low_sampled).abs() < 0.01
    agree = inside | (degenerate & close)
    assert agree.all(), sel.loc[
        ~agree, [*keys, "contribution", "ci_low_sampled", "ci_high_sampled"]
    ]
    # the totals are the same runs: identical where the same replications are defined (a
    # replication where a coalition leaves the indicator undefined is dropped by the exact
    # decomposition, which reads every coalition, and may be kept by the sampled one)
    totals = both[(both.field == TOTAL) & (both.n == both.n_sampled)]
    assert len(totals) > 100
    assert np.allclose(totals.contribution, totals.contribution_sampled, equal_nan=True)


def test_a_field_that_matters_stands_out_of_the_noise(behaviour):
    # Looking for work alone far less often (0.1 a month instead of the calibrated 0.48) lowers
    # the employment rate at 12 months: its interval is below zero.
    row = behaviour.contribution("employment_rate_12m", "behaviour.p_search_alone")
    assert row.ci_high < 0, row


# ----------------------------------------------------------------------------- command line
@pytest.fixture(scope="module")
def command(tmp_path_factory):
    """``parcours explain`` on two files, sampled, with --json and --report."""
    cwd = tmp_path_factory.mktemp("explain-cli")
    (cwd / "b.yaml").write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: searching\n"
        "behaviour:\n  p_search_alone: 0.45\n"
        f"policy:\n  funding:\n    modulation:\n      share: 0.08\n"
    )
    done = parcours(
        "explain", SCENARIOS / "baseline.yaml", "b.yaml", "--method", "sampled",
        "--permutations", "2", "--replications", "2", "--persons", "800", "--months", "14",
        "--workers", "1", "--json", "--report", "--out", "out", cwd=cwd,
    )  # fmt: skip
    return cwd, done


def test_command_line_writes_the_table_the_json_and_the_report(command):
    cwd, done = command
    assert done.returncode == 0, done.describe()
    result = json.loads(done.stdout)
    assert result["method"] == "sampled" and result["permutations"] == 2
    assert [f["name"] for f in result["fields"]] == ["policy.funding.modulation.share",
                                                     "behaviour.p_search_alone"]  # fmt: skip
    row = result["contributions"]["employment_rate_12m"]["all"]
    parts = (
        row["policy.funding.modulation.share"]["contribution"]
        + row["behaviour.p_search_alone"]["contribution"]
    )
    assert parts == pytest.approx(row[TOTAL]["contribution"], abs=1e-12)
    assert row["policy.funding.modulation.share"]["contribution"] == 0
    table = pd.read_parquet(cwd / "out" / "explain.parquet")
    assert list(table.columns) == [
        "indicator", "public", "field", "contribution", "ci_low", "ci_high", "n",
    ]  # fmt: skip
    assert (cwd / "out" / "figures" / "explain.png").stat().st_size > 0
    html = (cwd / "out" / "report.html").read_text()
    assert "Why searching differs from baseline" in html and "explain" in html


def test_results_show_prints_the_explain_table(command):
    cwd, _ = command
    done = parcours_here("results", "show", "out", cwd=cwd)
    assert done.returncode == 0, done.describe()
    assert "why searching" in done.stdout and "total (B - A)" in done.stdout
    assert "behaviour.p_search_alone" in done.stdout


def test_resume_completes_an_interrupted_explain_run(command, tmp_path):
    cwd, _ = command
    copy_dir = tmp_path / "interrupted"
    shutil.copytree(cwd / "out", copy_dir)
    for name in ("explain.parquet", "indicators.parquet", "summary.parquet"):
        (copy_dir / name).unlink()
    manifest = json.loads((copy_dir / "manifest.json").read_text())
    shutil.rmtree(copy_dir / "tasks" / manifest["tasks"][-1]["id"])
    manifest["status"] = "running"
    (copy_dir / "manifest.json").write_text(json.dumps(manifest))
    done = parcours_here("resume", copy_dir, "--workers", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.describe()
    assert "total (B - A)" in done.stdout
    pd.testing.assert_frame_equal(
        pd.read_parquet(copy_dir / "explain.parquet"),
        pd.read_parquet(cwd / "out" / "explain.parquet"),
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["baseline.yaml", "baseline.yaml"], "nothing to explain"),
        (["baseline.yaml", "more_phc.yaml", "--group", "g=policy.nothing"], "no field at or"),
        (["baseline.yaml", "more_phc.yaml", "--public", "martians"], "unknown public"),
        (["baseline.yaml", "more_phc.yaml", "--indicator", "happiness"], "unknown indicator"),
        (
            ["baseline.yaml", "more_phc.yaml", "--method", "exact", "--group", "total=territory"],
            "reserved",
        ),  # fmt: skip
    ],
)
def test_command_line_refuses_bad_input_and_writes_nothing(args, words, tmp_path):
    done = parcours_here(
        "explain", *[SCENARIOS / a if a.endswith(".yaml") else a for a in args], "--out", "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.describe()
    assert words in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_explain_scenarios_resolve_extends_before_comparing():
    # more_phc.yaml extends baseline.yaml: the differences are those of the resolved scenarios.
    base = scenario_to_dict(load_scenario(SCENARIOS / "baseline.yaml"))
    more = scenario_to_dict(load_scenario(SCENARIOS / "more_phc.yaml"))
    paths = [c.path for c in differences(base, more)]
    assert "territory.low_threshold.tapaj_places" in paths
    assert all(not p.startswith(("run.", "name", "description")) for p in paths)
