"""Bad input is refused with a clear message, never a traceback, a hang or a wrong acceptance.

One named test per case of the issue on robustness: scenario files that are too deep, in the
wrong encoding, with impossible dates, absurd sizes, names that are not plain names, broken
funding parameter files, values ``validate`` used to accept, files a scenario should not reach,
arguments that would exhaust the machine, damaged run directories and calibration targets, and
messages that named the wrong place. Each runs the command line in this process (click's test
runner) and checks the refusal: exit 2, one ``error:`` line naming the file and the field,
nothing written (see ``refusals.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from refusals import (
    BASELINE,
    SCENARIOS,
    assert_nothing_written,
    assert_refused,
    run_here,
    tiny,
    write_scenario,
)

from sim.parameters import FUNDING_FILE
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.reading import MAX_DEPTH, MAX_FILE_BYTES

ITERATIVE = SCENARIOS / "iterative.yaml"
INF = float("inf")


@pytest.fixture
def place(tmp_path):
    """A folder for scenario files, an empty working directory, and an output path in it."""
    scn, cwd = tmp_path / "scn", tmp_path / "cwd"
    scn.mkdir()
    cwd.mkdir()
    return scn, cwd, cwd / "out"


def refusals(path: Path, cwd: Path, out: Path, field, file=None) -> list[str]:
    """``validate`` and ``run`` both refuse ``path``, naming it (or ``file``) and ``field``, and
    write nothing; their two messages."""
    named = file if file is not None else path.name
    messages = [
        assert_refused(run_here(*args, cwd=cwd), named, field)
        for args in (("validate", path), ("run", path, "--out", out, "--quiet"))
    ]
    assert_nothing_written(cwd, out)
    return messages


def runs(path: Path, cwd: Path, out: Path, *extra) -> dict:
    """``run`` succeeds on ``path``; the manifest of the complete run."""
    done = run_here("run", path, "--out", out, "--quiet", "--workers", "1", *extra, cwd=cwd)
    assert done.returncode == 0, done.describe()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete", manifest["status"]
    return manifest


# ----------------------------------------------------------------------------- reading YAML
@pytest.mark.parametrize("levels", [1_000, 5_000])
def test_nesting_too_deep_is_refused(place, levels):
    scn, cwd, out = place
    path = write_scenario(scn, "deep", "extends: " + str(BASELINE) + "\npopulation: "
                          + "[" * levels + "]" * levels + "\n")  # fmt: skip
    messages = refusals(path, cwd, out, None)
    assert all(f"nested more than {MAX_DEPTH} levels" in m for m in messages), messages


def test_a_file_larger_than_the_limit_is_refused_without_reading_it_all(place):
    scn, cwd, out = place
    path = scn / "huge.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\nname: huge\n", encoding="utf-8")
    messages = refusals(path, cwd, out, None)
    assert all(f"at most {MAX_FILE_BYTES:,} are read" in m for m in messages), messages


def test_utf16_file_is_refused(place):
    scn, cwd, out = place
    path = scn / "utf16.yaml"
    path.write_bytes(f"extends: {BASELINE}\nname: utf16\n".encode("utf-16"))
    messages = refusals(path, cwd, out, None)
    assert all(w in m for m in messages for w in ("UTF-16", "UTF-8")), messages


def test_a_latin1_byte_in_a_comment_is_refused_naming_its_line(place):
    scn, cwd, out = place
    path = scn / "latin1.yaml"
    path.write_bytes(f"extends: {BASELINE}\nname: latin1\n# d\xe9partement\n".encode("latin-1"))
    messages = refusals(path, cwd, out, None)
    assert all(w in m for m in messages for w in ("not UTF-8", "0xe9", "line 3")), messages


def test_a_nul_character_in_a_string_value_is_refused(place):
    scn, cwd, out = place
    path = write_scenario(scn, "nul", f'extends: {BASELINE}\nname: nul\ndescription: "a\\0b"\n')
    messages = refusals(path, cwd, out, "description")
    assert all("NUL character" in m for m in messages), messages


def test_a_nul_byte_is_refused(place):
    scn, cwd, out = place
    path = scn / "nulbyte.yaml"
    path.write_bytes(f"extends: {BASELINE}\nname: n\x00\n".encode())
    messages = refusals(path, cwd, out, None)
    assert all(w in m for m in messages for w in ("NUL byte", "line 2")), messages


def test_an_impossible_date_names_run_start(place):
    scn, cwd, out = place
    path = write_scenario(scn, "date", f"extends: {BASELINE}\nrun: {{start: 2025-13-01}}\n")
    messages = refusals(path, cwd, out, "run.start")
    assert all("month" in m for m in messages), messages


def test_a_duplicate_key_is_refused_naming_the_key_and_both_lines(place):
    scn, cwd, out = place
    text = f"extends: {BASELINE}\nrun:\n  months: 12\n  seed: 3\n  months: 24\n"
    path = write_scenario(scn, "dup", text)
    messages = refusals(path, cwd, out, "run.months")
    said = ("duplicate key 'months'", "line 3 and line 5")
    assert all(w in m for m in messages for w in said), messages


def test_a_billion_laughs_file_is_refused_before_it_is_built(place):
    scn, cwd, out = place
    lines = [f"extends: {BASELINE}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = write_scenario(scn, "laughs", "\n".join(lines) + "\n")
    messages = refusals(path, cwd, out, None)
    assert all("values once aliases are expanded" in m for m in messages), messages


# ----------------------------------------------------------------------------- extends
@pytest.mark.parametrize("target", ["", "..", "."], ids=["empty", "dotdot", "dot"])
def test_extends_an_empty_path_or_a_directory_is_refused(place, target):
    scn, cwd, out = place
    path = write_scenario(scn, "child", f"extends: '{target}'\nname: child\n")
    done = run_here("validate", path, cwd=cwd)
    assert_refused(done, "child.yaml", "extends")


def test_extends_a_directory_inside_the_tree_is_refused(place):
    scn, cwd, out = place
    (scn / "sub").mkdir()
    path = write_scenario(scn, "child", "extends: sub\nname: child\n")
    messages = refusals(path, cwd, out, "extends")
    assert all("is a directory" in m for m in messages), messages


def test_extends_a_symlink_to_itself_is_refused(place):
    scn, cwd, out = place
    (scn / "loop.yaml").symlink_to(scn / "loop.yaml")
    path = write_scenario(scn, "child", "extends: loop.yaml\nname: child\n")
    messages = refusals(path, cwd, out, "extends")
    assert all("symbolic link loop" in m for m in messages), messages


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_extends_a_device_is_refused_outside_the_tree_and_inside_it(place, device):
    scn, cwd, out = place
    path = write_scenario(scn, "child", f"extends: {device}\nname: child\n")
    messages = refusals(path, cwd, out, "extends")
    assert all("outside the folders" in m for m in messages), messages
    done = run_here("validate", path, "--allow-dir", "/dev", cwd=cwd)
    assert_refused(done, "child.yaml", "extends", "not a regular file")


def test_a_chain_of_1000_files_is_refused_at_the_limit(place):
    scn, cwd, out = place
    (scn / "f0.yaml").write_text(f"extends: {BASELINE}\nname: f0\n")
    for i in range(1, 1000):
        (scn / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    path = scn / "f999.yaml"
    messages = refusals(path, cwd, out, "extends", file="f")
    assert all("more than 16 files" in m for m in messages), messages


def test_extends_outside_the_tree_is_refused_and_never_echoes_the_file(place, tmp_path):
    scn, cwd, out = place
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:SECRET-HASH:19000:0:99999:7:::\n")
    path = write_scenario(scn, "child", "extends: ../elsewhere/secret.txt\nname: child\n")
    messages = refusals(path, cwd, out, "extends")
    assert all(w in m for m in messages for w in ("outside the folders", "--allow-dir")), messages
    # Allowed, the file is read but is not a scenario: its content is never printed.
    done = run_here("validate", path, "--allow-dir", secret.parent, cwd=cwd)
    assert_refused(done, "secret.txt", None)
    assert "SECRET" not in done.stderr, done.stderr
    secret.write_text("root: SECRET-HASH\nnobody: SECRET-TOO\n")
    done = run_here("validate", path, "--allow-dir", secret.parent, cwd=cwd)
    assert_refused(done, "secret.txt", None, "not a scenario file")
    assert "SECRET" not in done.stderr and "nobody" not in done.stderr, done.stderr


def test_extends_the_shipped_scenarios_and_the_own_tree_is_allowed(place):
    scn, cwd, out = place
    (scn / "lib").mkdir()
    write_scenario(scn / "lib", "base", {"name": "base"}, extends=ITERATIVE)
    path = write_scenario(scn, "child", {"name": "child"}, extends=Path("lib/base.yaml"))
    scenario, parent = load_scenario(path), load_scenario(ITERATIVE)
    assert scenario.name == "child", f"expected the child's own name, got {scenario.name}"
    assert scenario.policy == parent.policy, "expected the policy of the shipped iterative.yaml"


def test_a_parameter_file_outside_the_tree_is_refused(place, tmp_path):
    scn, cwd, out = place
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(FUNDING_FILE.read_text())
    body = {"name": "p", "policy": {"funding": {"parameters": "../elsewhere.yaml"}}}
    path = write_scenario(scn, "params", body)
    messages = refusals(path, cwd, out, "policy.funding.parameters")
    assert all("outside" in m for m in messages), messages


# ----------------------------------------------------------------------------- sizes
SIZES = {
    "agencies": ({"territory": {"france_travail": {"agencies": 10**12}}},
                 "territory.france_travail.agencies", "less than or equal to 10000"),
    "siae_n": ({"territory": {"siae": {"ei": {"n": 10**40}}}}, "territory.siae.ei.n",
               "less than or equal to 10000"),
    "phc_places": ({"territory": {"siae": {"aci_phc_hosts": {"phc_places": 10**40}}}},
                   "territory.siae.aci_phc_hosts.phc_places", "less than or equal to 1000000"),
    "caseload": ({"territory": {"france_travail": {"caseload": 1e300}}},
                 "territory.france_travail.caseload", "less than or equal to 1000"),
    "budget_inf": ({"policy": {"budget": {"phc": {"state": float("inf")}}}},
                   "policy.budget.phc.state", "finite"),
    "vacancies": ({"territory": {"employers": {"retail": {"vacancies_per_month": 1e300}}}},
                  "territory.employers.retail.vacancies_per_month", "less than or equal"),
    "arrivals": ({"population": {"arrivals_per_month": 1e6}}, "population.arrivals_per_month",
                 "less than or equal to 1"),
    "seed": ({"run": {"seed": 10**40}}, "run.seed", "less than or equal"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SIZES))
def test_absurd_sizes_are_refused_stating_the_bound(place, case):
    scn, cwd, out = place
    body, field, words = SIZES[case]
    path = write_scenario(scn, case, {"name": "sizes", **body})
    messages = refusals(path, cwd, out, field)
    assert all(words in m for m in messages), messages


def test_rows_times_months_beyond_memory_are_refused_with_the_estimate(place, monkeypatch):
    scn, cwd, out = place
    monkeypatch.setenv("PARCOURS_MEMORY", "2G")
    path = write_scenario(scn, "big", {"name": "big", "run": {"persons": 5_000_000}})
    message = None
    for args in (("validate", path), ("run", path, "--out", out)):
        message = assert_refused(run_here(*args, cwd=cwd), "big.yaml", "run.persons",
                                 "GiB", "PARCOURS_MEMORY", "person rows")  # fmt: skip
    assert "5,000,000 persons" in message, message
    assert_nothing_written(cwd, out)


def test_workers_times_the_estimate_is_checked(place, monkeypatch):
    scn, cwd, out = place
    monkeypatch.setenv("PARCOURS_MEMORY", "1G")
    path = write_scenario(scn, "mid", {"name": "mid", "run": {"persons": 100_000,
                                       "months": 12, "person_views": False}})  # fmt: skip
    assert run_here("validate", path, cwd=cwd).returncode == 0, "one task fits in 1 GiB"
    done = run_here("run", path, "--replications", "4", "--workers", "4", "--out", out, cwd=cwd)
    assert_refused(done, "mid.yaml", "run.persons", "4 tasks at once", "--workers")
    assert_nothing_written(cwd, out)


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["a/b", "../../../../escaped", "/tmp/abs", ".hidden", "a b"])
def test_a_name_that_is_not_a_plain_name_is_refused(place, name):
    scn, cwd, out = place
    path = write_scenario(scn, "named", {"name": name})
    messages = refusals(path, cwd, out, "name")
    assert all("plain name" in m for m in messages), messages
    done = run_here("run", path, "--quiet", cwd=cwd)  # no --out: results/<name>-...
    assert_refused(done, "named.yaml", "name", "plain name")
    assert_nothing_written(cwd)


def test_an_automatic_run_directory_stays_under_results(place):
    scn, cwd, out = place
    path = write_scenario(scn, "plain", tiny({"name": "plain-name_1.0"}))
    done = run_here("run", path, "--quiet", "--workers", "1", cwd=cwd)
    assert done.returncode == 0, done.describe()
    (run_dir,) = (cwd / "results").iterdir()
    assert run_dir.name.startswith("plain-name_1.0-"), run_dir.name
    assert sorted(p.name for p in cwd.iterdir()) == ["results"]


# ----------------------------------------------------------------------------- territory
NO_INSTITUTION = {"siae": "flow_siae_hires", "shelters": "flow_shelter_admissions",
                  "employers": "flow_job_hires"}  # fmt: skip


@pytest.mark.parametrize("how", ["n_zero", "no_group"])
@pytest.mark.parametrize("section", list(NO_INSTITUTION))
def test_a_territory_without_a_kind_of_institution_runs(place, section, how):
    """Decision: no SIAE (all groups ``n: 0``), no shelter or no employer is a legitimate
    territory (a département without IAE, say): it runs, and their flows stay at zero."""
    import pandas as pd

    scn, cwd, out = place
    groups = yaml.safe_load(BASELINE.read_text())["territory"][section]
    if how == "n_zero":
        body = tiny(
            {"name": f"no_{section}", "territory": {section: {g: {"n": 0} for g in groups}}}
        )
        runs(write_scenario(scn, "none", body), cwd, out)
    else:  # every group removed: a standalone file, since extends merges mappings
        data = yaml.safe_load(BASELINE.read_text())
        data.update(tiny({"name": f"no_{section}"}))
        data["run"] = {**yaml.safe_load(BASELINE.read_text())["run"], **tiny()["run"]}
        data["territory"][section] = {}
        runs(write_scenario(scn, "none", data, extends=None), cwd, out)
    monthly = pd.read_parquet(out / "monthly.parquet")
    flow = NO_INSTITUTION[section]
    assert monthly[flow].sum() == 0, f"no {section}, yet {flow} = {monthly[flow].sum()}"


def test_a_territory_without_france_travail_agencies_is_refused(place):
    """Every person has a home agency: a territory needs at least one."""
    scn, cwd, out = place
    body = {"name": "no_ft", "territory": {"france_travail": {"agencies": 0}}}
    path = write_scenario(scn, "no_ft", body)
    messages = refusals(path, cwd, out, "territory.france_travail.agencies")
    assert all("greater than or equal to 1" in m for m in messages), messages


# ----------------------------------------------------------------------------- parameter files
def _params(scn: Path, text: str | None = None, tree: dict | None = None) -> Path:
    path = scn / "funding.yaml"
    if tree is not None:
        text = yaml.safe_dump(tree, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_tree() -> dict:
    return yaml.safe_load(FUNDING_FILE.read_text())


def _with_params(scn: Path, target: str) -> Path:
    body = {"name": "p", "policy": {"funding": {"parameters": target}}}
    return write_scenario(scn, "params", body)


def test_a_parameter_file_that_is_a_directory_is_refused(place):
    scn, cwd, out = place
    (scn / "pdir").mkdir()
    path = _with_params(scn, "pdir")
    messages = refusals(path, cwd, out, "policy.funding.parameters")
    assert all("is a directory" in m for m in messages), messages


def test_a_parameter_file_on_a_device_is_refused(place):
    scn, cwd, out = place
    path = _with_params(scn, "/dev/zero")
    messages = refusals(path, cwd, out, "policy.funding.parameters")
    assert all("outside" in m for m in messages), messages
    done = run_here("validate", path, "--allow-dir", "/dev", cwd=cwd)
    assert_refused(done, "params.yaml", "policy.funding.parameters", "not a regular file")


def test_a_parameter_file_missing_a_parameter_is_refused_naming_it(place):
    scn, cwd, out = place
    tree = _shipped_tree()
    del tree["aide_au_poste"]["modulated_share_max"]
    _params(scn, tree=tree)
    path = _with_params(scn, "funding.yaml")
    messages = refusals(path, cwd, out, "aide_au_poste.modulated_share_max", file="funding.yaml")
    assert all("missing parameter" in m for m in messages), messages


def test_a_bad_date_key_in_a_parameter_file_is_refused(place):
    scn, cwd, out = place
    tree = _shipped_tree()
    tree["smic_hourly"]["values"] = {"2024-13-01": 11.88}
    _params(scn, tree=tree)
    path = _with_params(scn, "funding.yaml")
    messages = refusals(path, cwd, out, "smic_hourly.values", file="funding.yaml")
    assert all("not a date" in m for m in messages), messages


@pytest.mark.parametrize("value", [".nan", ".inf", "-1"])
def test_nan_inf_and_negative_parameter_values_are_refused(place, value):
    scn, cwd, out = place
    text = FUNDING_FILE.read_text().replace("{2024-11-01: 23921}", f"{{2024-11-01: {value}}}", 1)
    assert text != FUNDING_FILE.read_text(), "the test's value was not placed"
    _params(scn, text)
    path = _with_params(scn, "funding.yaml")
    messages = refusals(path, cwd, out, "aide_au_poste.aci.values.2024-11-01", file="funding.yaml")
    assert all("between 0 and" in m for m in messages), messages


def test_a_start_date_with_no_funding_value_names_run_start(place):
    scn, cwd, out = place
    path = write_scenario(scn, "early", {"name": "early", "run": {"start": "2010-01-01"}})
    messages = refusals(path, cwd, out, "run.start")
    said = ("no value of the funding parameter", "2010-01-01")
    assert all(w in m for m in messages for w in said), messages


# ----------------------------------------------------------------------------- validate = run
ACCEPTED_BEFORE = {
    "budget_unknown_programme": ({"policy": {"budget": {"nonsense": {"state": 1e6}}}},
                                 "policy.budget.nonsense", "budgets fund"),
    "budget_no_structure": ({"territory": {"siae": {"ei": {"n": 0}}},
                             "policy": {"budget": {"aide_au_poste_ei": {"state": 1e6}}}},
                            "policy.budget.aide_au_poste_ei", "no structure"),
    "budget_infinite": ({"policy": {"extra_budget": {"phc": float("inf")}}},
                        "policy.extra_budget.phc", "finite"),
    "override_unknown": ({"policy": {"funding": {"overrides": {"aide_au_poste.acii": 1.0}}}},
                         "policy.funding.overrides.aide_au_poste.acii", "unknown funding"),
    "override_negative": ({"policy": {"funding": {"overrides": {"aide_au_poste.aci": -5.0}}}},
                          "policy.funding.overrides.aide_au_poste.aci", "greater than or equal"),
    "override_infinite": ({"policy": {"funding": {"overrides": {"aide_au_poste.aci": INF}}}},
                          "policy.funding.overrides.aide_au_poste.aci", "finite"),
    "override_nan": ({"policy": {"funding": {"overrides": {"aide_au_poste.aci": float("nan")}}}},
                     "policy.funding.overrides.aide_au_poste.aci", "finite"),
    "modulation_above_max": ({"policy": {"funding": {"modulation": {"share": 0.5}}}},
                             "policy.funding.modulation.share", "above the highest"),
    "aava_7": ({"territory": {"low_threshold": {"dur_aava": 7}}},
               "territory.low_threshold.dur_aava", "less than or equal to 6"),
    "aava_600": ({"territory": {"low_threshold": {"dur_aava": 600}}},
                 "territory.low_threshold.dur_aava", "less than or equal to 6"),
    "rel_nan": ({"behaviour": {"rel_global_support": float("nan")}},
                "behaviour.rel_global_support", "finite"),
    "insertion_officers_inf": ({"territory": {"siae": {"ei": {"insertion_officers": INF}}}},
                               "territory.siae.ei.insertion_officers", "finite"),
    "employability_nan": ({"behaviour": {"employability": {"obstacle": {"debt": float("nan")}}}},
                          "behaviour.employability.obstacle.debt", "finite"),
    "employability_inf": ({"behaviour": {"employability": {"intercept": float("-inf")}}},
                          "behaviour.employability.intercept", "finite"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(ACCEPTED_BEFORE))
def test_validate_refuses_what_run_refuses(place, case):
    scn, cwd, out = place
    body, field, words = ACCEPTED_BEFORE[case]
    path = write_scenario(scn, case, {"name": "x", **body})
    messages = refusals(path, cwd, out, field)
    assert all(words in m for m in messages), messages


# ----------------------------------------------------------------------------- messages
def test_a_defect_in_a_parent_names_the_parent(place):
    scn, cwd, out = place
    write_scenario(scn, "parent", {"name": "parent", "population": {"p_leave": 1.5}})
    path = write_scenario(scn, "child", {"name": "child"}, extends=Path("parent.yaml"))
    messages = refusals(path, cwd, out, "population.p_leave", file="parent.yaml")
    assert all("less than or equal to 1" in m for m in messages), messages


def test_a_defect_in_the_child_names_the_child_and_a_budget_defect_in_the_parent_the_parent(place):
    scn, cwd, out = place
    body = {"name": "parent", "policy": {"budget": {"nonsense": {"state": 1e6}}}}
    write_scenario(scn, "parent", body)
    path = write_scenario(scn, "child", {"name": "child"}, extends=Path("parent.yaml"))
    messages = refusals(path, cwd, out, "policy.budget.nonsense", file="parent.yaml")
    assert all("budgets fund" in m for m in messages), messages
    path = write_scenario(scn, "child2", {"name": "child2", "population": {"p_leave": 2}},
                          extends=Path("parent.yaml"))  # fmt: skip
    messages = refusals(path, cwd, out, "population.p_leave", file="child2.yaml")
    assert all("less than or equal" in m for m in messages), messages


def test_errors_found_before_running_name_the_file_not_the_scenario_name(place):
    scn, cwd, out = place
    body = {"name": "zzname", "policy": {"funding": {"modulation": {"share": 0.5}}}}
    path = write_scenario(scn, "badmod", body)
    done = run_here("compare", BASELINE, path, "--out", out, "--quiet", cwd=cwd)
    message = assert_refused(done, "badmod.yaml", "policy.funding.modulation.share")
    assert "zzname" not in message, message
    assert_nothing_written(cwd, out)


def test_an_unknown_key_suggests_the_nearest_name(place):
    scn, cwd, out = place
    body = {"name": "typo", "territory": {"france_travail": {"practise": 0.5}}}
    path = write_scenario(scn, "typo", body)
    messages = refusals(path, cwd, out, "territory.france_travail.practise")
    assert all("did you mean `practice`?" in m for m in messages), messages


@pytest.mark.parametrize(
    ("body", "field", "near"),
    [
        ({"population": {"obstacles": {"mental_helth": {}}}}, "population.obstacles.mental_helth",
         "mental_health"),
        ({"territory": {"shelters": {"emergency": {"practice_by_public": {"homeles": 0.5}}}}},
         "territory.shelters.emergency.practice_by_public.homeles", "homeless"),
        ({"policy": {"practice_override": {"linar": 1.0}}}, "policy", "linear"),
        ({"overrides": {"run.person": 10}}, "run.person", "persons"),
        ({"overrides": {"territory.siaa.*.posts": "x2"}}, "territory.siaa.*.posts", "siae"),
        ({"policy": {"funding": {"overrides": {"aide_au_poste.modulated_share_mx": 0.5}}}},
         "policy.funding.overrides.aide_au_poste.modulated_share_mx",
         "aide_au_poste.modulated_share_max"),
        ({"policy": {"extra_budget": {"phx": 1000.0}}}, "policy.extra_budget.phx", "phc"),
    ],
    ids=["obstacle", "public", "profile", "override", "wildcard", "funding", "budget"],
)  # fmt: skip
def test_an_unknown_name_in_a_mapping_suggests_the_nearest(place, body, field, near):
    scn, cwd, out = place
    path = write_scenario(scn, "near", {"name": "near", **body})
    messages = refusals(path, cwd, out, field)
    assert all(f"did you mean `{near}`?" in m for m in messages), messages


def test_every_validation_error_is_listed(place):
    scn, cwd, out = place
    body = {
        "name": "many",
        "run": {"months": "sixty"},
        "population": {"p_leave": 1.5, "share_womem": 0.5},
        "behaviour": {"p_apply": -1, "p_break": 2},
    }
    path = write_scenario(scn, "many", body)
    done = run_here("validate", path, cwd=cwd)
    assert_refused(done, "many.yaml", "run.months")
    fields = ("population.p_leave", "population.share_womem", "behaviour.p_apply",
              "behaviour.p_break")  # fmt: skip
    listed = done.stderr.splitlines()[1:]
    for field in fields:
        assert any(f"many.yaml: {field}: " in line for line in listed), done.stderr
    assert "more error" not in done.stderr, done.stderr


def test_load_scenario_keeps_every_error_on_the_exception(place):
    scn, cwd, out = place
    path = write_scenario(scn, "two", {"name": "two", "run": {"months": 0, "persons": 0}})
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    fields = [info.value.field] + [e.field for e in info.value.others]
    assert fields == ["run.months", "run.persons"], fields
