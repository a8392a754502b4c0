"""The initiatives of seed 004 as scenarios: each validates, runs, and cites its fiche."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, SCENARIOS

from sim.model import InsertionModel
from sim.scenario import load_scenario

INITIATIVES = sorted((SCENARIOS / "initiatives").glob("*.yaml"))
TINY = {"run.persons": 400, "run.months": 6, "run.check_invariants": True}
N_FICHES = 46  # seed 004, "Liste des fiches"


def test_at_least_twenty_initiatives_are_scenarios():
    assert len(INITIATIVES) >= 20, f"only {len(INITIATIVES)} initiative scenarios"


@pytest.mark.parametrize("path", INITIATIVES, ids=lambda p: p.stem)
def test_every_initiative_validates_and_runs_at_a_tiny_size(path):
    model = InsertionModel(load_scenario(path, TINY))  # invariants checked every month
    model.run()
    assert model.t == TINY["run.months"] - 1


@pytest.mark.parametrize("path", INITIATIVES, ids=lambda p: p.stem)
def test_every_initiative_cites_its_fiche(path):
    number = int(path.stem.split("_")[0])
    text = path.read_text(encoding="utf-8")
    assert f"Seed 004, fiche {number} " in text, f"{path.name} must cite 'Seed 004, fiche {number}'"
    assert re.search(r"L\d{3,4}-\d{3,4}", text), f"{path.name} must give the fiche's lines"
    assert load_scenario(path).territory != load_scenario(SCENARIOS / "baseline.yaml").territory


def test_the_readme_table_lists_all_46_fiches_and_every_scenario():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d{1,2}) \| ([^|]+) \| (yes|approx\.|no) \| ([^|]*) \|", readme, re.M)
    numbers = [int(r[0]) for r in rows]
    assert numbers == list(range(1, N_FICHES + 1)), f"fiches listed: {numbers}"
    files = {p.name for p in INITIATIVES}
    listed = set(re.findall(r"`initiatives/([\w.]+\.yaml)`", readme))
    assert listed == files, (
        f"in the table, not on disk: {listed - files}; not in it: {files - listed}"
    )
    for number, _, status, missing in rows:
        if status == "no":
            assert missing.strip(), f"fiche {number}: say what is missing"
