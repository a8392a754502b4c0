"""Resources, not labels (DESIGN.md, decision 3): the logics differ only through their fields.

- Two profiles with the same fields give the same results on common seeds, whatever their names:
  any remaining difference would be a hidden branch on a logic's name.
- No module outside ``sim/pathways/`` names ``Logic.LINEAR`` or ``Logic.ITERATIVE``.
- ``linear.yaml`` and ``iterative.yaml`` differ only in the fields of the profile every
  structure applies, which are the baseline's two profiles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from conftest import SCENARIOS, SMALL, run_small

from sim.model import InsertionModel
from sim.scenario import load_scenario, scenario_to_dict

SIM = Path(__file__).resolve().parents[1] / "sim"
CASE = {"run.persons": 2000, "run.months": 30, "run.seed": 5}


def _profile(name: str) -> dict:
    """A profile of the baseline as dotted overrides of ``policy.practices.<target>``."""
    profile = scenario_to_dict(load_scenario(SCENARIOS / "baseline.yaml"))["policy"]["practices"]
    return profile[name]


def _as(target: str, fields: dict) -> dict:
    return {f"policy.practices.{target}": fields}


def _results(model) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ind = model.indicators().set_index(["indicator", "public"])["value"]
    monthly = model.recorder.frame()
    return ind, monthly, model.ledger.frame()


def _assert_identical(a, b, what: str) -> None:
    ind_a, monthly_a, ledger_a = _results(a)
    ind_b, monthly_b, ledger_b = _results(b)
    different = ind_a.index[~np.isclose(ind_a, ind_b, rtol=0, atol=0, equal_nan=True)]
    assert different.empty, (
        f"{what}: identical profiles must give identical indicators on common seeds; these "
        f"differ (a hidden branch on the logic's name?): {list(different)[:8]}"
    )
    pd.testing.assert_frame_equal(monthly_a, monthly_b, check_exact=True, obj=f"{what}: monthly")
    pd.testing.assert_frame_equal(ledger_a, ledger_b, check_exact=True, obj=f"{what}: ledger")
    assert np.array_equal(a.recorder.history, b.recorder.history), f"{what}: pathways differ"


def test_linear_made_identical_to_iterative_gives_identical_results():
    """Linear without gates or compulsory phases, with the iterative follow-up and mediation."""
    iterative = _profile("iterative")
    everyone_linear = run_small(
        **CASE, **{"policy.practice_override": 0.0}, **_as("linear", iterative)
    )
    everyone_iterative = run_small(**CASE, **{"policy.practice_override": 1.0})
    _assert_identical(everyone_linear, everyone_iterative, "linear made iterative")


def test_a_third_profile_with_the_same_fields_gives_identical_results(tmp_path):
    """A hybrid profile is just a name: with the linear profile's fields it is the linear logic."""
    path = tmp_path / "hybrid.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "extends": str(SCENARIOS / "baseline.yaml"),
                "name": "hybrid",
                "policy": {
                    "practice_override": {"hybrid": 1.0},
                    "practices": {"hybrid": _profile("linear")},
                },
            }
        )
    )
    hybrid = InsertionModel(load_scenario(path, {**SMALL, **CASE}))
    hybrid.run()
    linear = run_small(**CASE, **{"policy.practice_override": 0.0})
    _assert_identical(hybrid, linear, "a hybrid profile with the linear fields")


def test_the_symmetry_check_sees_a_one_field_difference():
    """The check has power: one field changed (the follow-up) changes the results."""
    iterative = _profile("iterative")
    changed = {**iterative, "dur_follow_up": 0}
    a = run_small(**CASE, **{"policy.practice_override": 0.0}, **_as("linear", changed))
    b = run_small(**CASE, **{"policy.practice_override": 1.0})
    assert not a.recorder.frame().equals(b.recorder.frame()), (
        "a profile without follow-up in the job must not run like one with six months of it"
    )


def _logic_names(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("LINEAR", "ITERATIVE")
        and isinstance(node.value, ast.Name)
        and node.value.id == "Logic"
    ]


def test_no_rule_outside_the_pathways_names_a_logic():
    """Only sim/pathways/ may know the profiles' names; no submodel may branch on them."""
    found = {
        str(path.relative_to(SIM.parent)): lines
        for path in sorted(SIM.rglob("*.py"))
        if "pathways" not in path.relative_to(SIM).parts and (lines := _logic_names(path))
    }
    assert not found, f"Logic.LINEAR / Logic.ITERATIVE used outside sim/pathways/: {found}"


def _flat(data, prefix=""):
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: data}


def test_linear_and_iterative_scenarios_differ_only_in_the_applied_profile():
    linear = scenario_to_dict(load_scenario(SCENARIOS / "linear.yaml"))
    iterative = scenario_to_dict(load_scenario(SCENARIOS / "iterative.yaml"))
    a, b = _flat(linear), _flat(iterative)
    assert a.keys() == b.keys(), "the two scenarios must have the same fields"
    differ = {k for k in a if a[k] != b[k]} - {"name", "description"}
    outside = sorted(k for k in differ if not k.startswith("policy.practices.applied."))
    assert not outside, f"linear.yaml and iterative.yaml also differ in {outside}"
    assert differ, "the two scenarios must differ in their applied profile"
    assert linear["policy"]["practice_override"] == {"applied": 1.0}
    assert linear["policy"]["practices"]["applied"] == _profile("linear"), (
        "linear.yaml's applied profile must be the baseline's linear profile, field for field"
    )
    assert iterative["policy"]["practices"]["applied"] == _profile("iterative"), (
        "iterative.yaml's applied profile must be the baseline's iterative profile"
    )
