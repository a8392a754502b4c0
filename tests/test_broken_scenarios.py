"""Broken scenario files are refused with one message naming the file, the field and the rule.

Each file in ``tests/broken`` extends the baseline and adds one defect (or, for the missing
``extends`` and the top-level list, is the defect). ``parcours validate FILE`` and ``parcours run
FILE --out DIR`` must both exit with code 2, say what is wrong on stderr and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from cli_helpers import Done, parcours_many

from sim.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
BROKEN = Path(__file__).resolve().parent / "broken"
BASELINE = REPO / "scenarios" / "baseline.yaml"
# Small, in case a broken file were wrongly accepted; no --months, which would override the
# defect of wrong_type.yaml (run.months) and hide it.
SMALL = ("--persons", "1500")


@dataclass(frozen=True)
class Case:
    """A broken file, the field its error must name and words its message must contain."""

    file: str
    field: str | None
    words: tuple[str, ...]


CASES = [
    Case("unknown_key.yaml", "population.share_womem", ("unknown key",)),
    Case("wrong_type.yaml", "run.months", ("valid integer", "'sixty'")),
    Case("out_of_range.yaml", "population.p_leave", ("less than or equal to 1", "1.5")),
    Case("household_shares.yaml", "population.household", ("add up to 1", "0.9")),
    Case(
        "cofinancing_shares.yaml",
        "policy.funding.cofinancing.tapaj",
        ("co-financing", "add up to 1", "1.2"),
    ),
    Case("missing_extends.yaml", "extends", ("file not found", "does_not_exist.yaml")),
    Case("obstacle_severity_length.yaml", "population.obstacles.debt.p", ("at least 3",)),
    Case("unknown_siae_type.yaml", "territory.siae.ei.type", ("'aci'", "'ei'", "'ai'", "'etti'")),
    Case("not_a_mapping.yaml", None, ("mapping",)),
    Case("hotel_with_staff.yaml", "territory.shelters.hotels", ("hotel has no social workers",)),
]


def assert_refused(done: Done, file: str, field: str | None, words: tuple[str, ...]) -> None:
    """Exit code 2 and one message on stderr naming the file, the field and the rule."""
    assert done.returncode == 2, done.describe()
    assert "Traceback" not in done.stderr, done.describe()
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error message\n{done.describe()}"
    message = lines[0]
    assert message.startswith("error: "), message
    assert file in message, f"the message does not name the file {file}: {message}"
    if field is not None:
        assert f": {field}: " in message, f"the message does not name the field {field}: {message}"
    for word in words:
        assert word in message, f"{word!r} not in the message: {message}"
    assert done.stdout == "", done.describe()


def assert_nothing_written(out: Path, cwd: Path) -> None:
    """Neither ``out`` nor a hidden partial sibling exists, and the working directory is empty."""
    assert not out.exists(), f"{out} was written despite the error: {sorted(out.iterdir())}"
    partial = sorted(p.name for p in out.parent.glob(f".{out.name}.partial-*"))
    assert not partial, f"partial results left in {out.parent}: {partial}"
    assert sorted(p.name for p in out.parent.iterdir()) == [cwd.name], sorted(out.parent.iterdir())
    assert not any(cwd.iterdir()), f"written in the working directory: {sorted(cwd.iterdir())}"


def test_every_broken_file_has_a_case():
    on_disk = sorted(p.name for p in BROKEN.glob("*.yaml"))
    assert on_disk == sorted(c.file for c in CASES)
    for case in CASES:
        data = yaml.safe_load((BROKEN / case.file).read_text())
        if isinstance(data, dict) and case.field != "extends":
            assert data.get("extends") == "../../scenarios/baseline.yaml", case.file


@pytest.mark.parametrize("case", CASES, ids=[c.file.removesuffix(".yaml") for c in CASES])
def test_broken_scenario_is_refused(case, tmp_path):
    path = BROKEN / case.file
    assert path.exists(), path
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = tmp_path / "out"

    validate, run = parcours_many(("validate", path), ("run", path, *SMALL, "--out", out), cwd=cwd)

    assert_refused(validate, case.file, case.field, case.words)
    assert_refused(run, case.file, case.field, case.words)
    assert_nothing_written(out, cwd)


def test_zero_persons_on_the_command_line_is_refused(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = tmp_path / "out"

    (run,) = parcours_many(("run", BASELINE, "--persons", "0", "--out", out), cwd=cwd)

    assert_refused(run, "baseline.yaml", "run.persons", ("greater than or equal to 1",))
    assert_nothing_written(out, cwd)


def test_load_scenario_raises_scenario_error_with_file_and_field():
    path = BROKEN / "unknown_key.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.file) == path, err.file
    assert err.field == "population.share_womem"
    assert err.message == "unknown key; did you mean `share_women`?"
    assert str(err) == f"{path}: population.share_womem: unknown key; did you mean `share_women`?"


def test_load_scenario_names_the_extending_file_when_extends_is_missing():
    path = BROKEN / "missing_extends.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert Path(err.file).resolve() == path.resolve(), err.file
    assert err.field == "extends"
    assert "does_not_exist.yaml" in err.message, err.message
