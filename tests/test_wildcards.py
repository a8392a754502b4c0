"""Wildcards and multipliers in overrides: ``--set 'territory.siae.*.posts=x2'`` and YAML."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS

from sim.experiments.sweeps import grid, parse_override, parse_set, validate_points
from sim.scenario import ScenarioError, load_scenario

BASE = SCENARIOS / "baseline.yaml"


def test_a_wildcard_multiplier_doubles_every_siae_groups_posts():
    base = load_scenario(BASE)
    doubled = load_scenario(BASE, {"territory.siae.*.posts": "x2"})
    for name, group in base.territory.siae.items():
        assert doubled.territory.siae[name].posts == 2 * group.posts, name
    halved = load_scenario(BASE, {"territory.employers.*.openness": "x0.5"})
    for name, group in base.territory.employers.items():
        assert halved.territory.employers[name].openness == pytest.approx(group.openness / 2)
    rounded = load_scenario(BASE, {"territory.siae.ai.posts": "x1.25"})
    assert rounded.territory.siae["ai"].posts == 62, "an integer field stays whole (50 x 1.25)"
    shelters = load_scenario(BASE, {"territory.shelters.*.practice": 1.0})
    assert all(g.practice == 1.0 for g in shelters.territory.shelters.values())


def test_a_field_left_at_its_default_can_be_overridden_by_path():
    scn = load_scenario(BASE, {"territory.siae.*.max_months": 36})
    assert all(g.max_months == 36 for g in scn.territory.siae.values())


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"territory.siae.*.postz": "x2"}, ["territory.siae.*.postz", "matches no parameter"]),
        ({"territory.siaa.*.posts": "x2"}, ["'siaa' not in territory"]),
        ({"policy.housing_first": "x2"}, ["policy.housing_first", "applies to a number"]),
        ({"territory.siae.*.type": "x2"}, ["territory.siae.aci_worksites.type", "a number"]),
        ({"territory.siae.*.posts": "x-1"}, ["territory.siae.aci_worksites.posts"]),
        ({"territory.siae.*.weekly_hours": "x3"}, ["weekly_hours", "less than or equal to 35"]),
    ],
)
def test_bad_wildcards_and_multipliers_are_refused_naming_the_path(overrides, words):
    with pytest.raises(ScenarioError) as err:
        load_scenario(BASE, overrides)
    for word in words:
        assert word in str(err.value), f"{word!r} should be in: {err.value}"


def test_a_scenario_file_may_hold_wildcard_overrides(tmp_path):
    path = tmp_path / "more_posts.yaml"
    path.write_text(
        f"name: more_posts\nextends: {BASE}\n"
        "overrides:\n  territory.siae.*.posts: x2\n  territory.siae.ei.max_months: 36\n"
    )
    scn = load_scenario(path)
    base = load_scenario(BASE)
    assert scn.territory.siae["ai"].posts == 2 * base.territory.siae["ai"].posts
    assert scn.territory.siae["ei"].max_months == 36
    child = tmp_path / "child.yaml"
    child.write_text(
        f"name: child\nextends: {path.name}\noverrides:\n  territory.siae.ai.posts: x2\n"
    )
    assert load_scenario(child).territory.siae["ai"].posts == 4 * base.territory.siae["ai"].posts
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"name: bad\nextends: {BASE}\noverrides: [territory.siae.ai.posts]\n")
    with pytest.raises(ScenarioError, match="overrides: must map dotted parameter paths"):
        load_scenario(bad)


def test_sweeps_and_run_accept_wildcards_and_multipliers():
    base = load_scenario(BASE)
    points = grid([parse_set("territory.siae.*.posts=x1,x2")])
    assert points == [{"territory.siae.*.posts": "x1"}, {"territory.siae.*.posts": "x2"}]
    one, two = validate_points(base, points, "<sweep>")
    assert one.territory.siae["ei"].posts == base.territory.siae["ei"].posts
    assert two.territory.siae["ei"].posts == 2 * base.territory.siae["ei"].posts
    assert parse_override("territory.siae.*.posts=x2") == ("territory.siae.*.posts", "x2")
    assert parse_override("policy.practice_override=0.5") == ("policy.practice_override", 0.5)
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        parse_override("territory.siae.*.posts")


def test_the_run_command_takes_set_with_wildcards(tmp_path):
    import json

    from cli_helpers import parcours_here

    done = parcours_here(
        "run",
        BASE,
        "--set",
        "territory.siae.*.posts=x2",
        "--persons",
        "300",
        "--months",
        "3",
        "--workers",
        "1",
        "--json",
        "--quiet",
        "--out",
        "out",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.describe()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    siae = next(iter(manifest["scenarios"].values()))["territory"]["siae"]
    base = load_scenario(BASE)
    assert siae["ei"]["posts"] == 2 * base.territory.siae["ei"].posts, "the run used doubled posts"
    bad = parcours_here(
        "run", BASE, "--set", "territory.siae.*.postz=x2", "--out", "bad", cwd=tmp_path
    )
    assert bad.returncode == 2, bad.describe()
    assert "territory.siae.*.postz" in bad.stderr and "matches no parameter" in bad.stderr
    assert not (tmp_path / "bad").exists(), "nothing written"
