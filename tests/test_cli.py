"""End-to-end tests of the ``parcours`` command line, run as a subprocess.

Every run is small (``--persons 1500 --months 30``) and writes under pytest's temporary
directory. The one successful ``--json`` run is shared by the tests of a module-scoped fixture.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import Done, parcours, parcours_many

from sim.events import EVENT_INDICATORS
from sim.outcomes import INDICATORS

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
SHIPPED = (
    "baseline",
    "convergence",
    "iterative",
    "linear",
    "more_phc",
    "pre_reform",
    "reform_2025",
)
SMALL = ("--persons", "1500", "--months", "30", "--burn-in", "12")  # quick warm start
SEED = 7
TABLES = (
    "indicators",
    "summary",
    "costs",
    "monthly",
    "persons",
    "ledger",
    "cohort",
    "siae",
    "events",
)
# A single run keeps its events: the indicators computed from them are added.
SINGLE_RUN_INDICATORS = (*INDICATORS, *EVENT_INDICATORS)
TASK_COLUMNS = ["scenario", "point", "replication"]
RATE_INDICATORS = tuple(n for n in INDICATORS if "rate" in n or n.endswith("share"))


def run_args(out: Path, seed: int = SEED, *extra: str) -> tuple[str | Path, ...]:
    return ("run", BASELINE, "--seed", str(seed), *SMALL, "--out", out, *extra)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs of the baseline, made at once: JSON, table (same seed), another seed.

    The table run doubles as the "same seed again" run of the reproducibility tests.
    """
    base = tmp_path_factory.mktemp("runs")
    dirs = {k: base / k for k in ("json", "table", "other_seed")}
    json_run, table_run, other_seed = parcours_many(
        run_args(dirs["json"], SEED, "--json"),
        run_args(dirs["table"], SEED),
        run_args(dirs["other_seed"], SEED + 1, "--quiet"),
        cwd=base,
    )
    return {
        "dirs": dirs,
        "json": json_run,
        "table": table_run,
        "same_seed": table_run,
        "other_seed": other_seed,
        "cwd": base,
    }


def _ok(done: Done) -> Done:
    assert done.returncode == 0, done.describe()
    return done


@pytest.fixture(scope="module")
def json_run(runs):
    return _ok(runs["json"])


@pytest.fixture(scope="module")
def json_output(json_run) -> dict:
    lines = [line for line in json_run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, f"--json must print exactly one line, got:\n{json_run.stdout}"
    obj = json.loads(lines[0])
    assert isinstance(obj, dict), f"--json must print a JSON object, got {type(obj).__name__}"
    return obj


@pytest.fixture(scope="module")
def out_dir(runs, json_run) -> Path:
    return runs["dirs"]["json"]


@pytest.fixture(scope="module")
def manifest(out_dir) -> dict:
    return json.loads((out_dir / "manifest.json").read_text())


# --------------------------------------------------------------------------- run --json
def test_json_run_exits_zero_without_traceback(json_run):
    assert json_run.returncode == 0
    assert "Traceback" not in json_run.stderr, json_run.describe()


def test_json_has_every_indicator(json_output):
    indicators = json_output.get("indicators")
    assert isinstance(indicators, dict), f"no 'indicators' object in {json_output}"
    assert set(indicators) == set(SINGLE_RUN_INDICATORS), (
        f"missing: {set(SINGLE_RUN_INDICATORS) - set(indicators)}, unexpected: "
        f"{set(indicators) - set(SINGLE_RUN_INDICATORS)}"
    )
    for name in SINGLE_RUN_INDICATORS:
        value = indicators[name]
        assert value is None or isinstance(value, int | float), f"{name} = {value!r}"


def test_json_rate_indicators_are_finite_shares(json_output):
    assert len(RATE_INDICATORS) >= 8, RATE_INDICATORS
    indicators = json_output["indicators"]
    for name in RATE_INDICATORS:
        value = indicators[name]
        assert isinstance(value, int | float), f"{name} is not a number: {value!r}"
        assert math.isfinite(value), f"{name} is not finite: {value!r}"
        assert 0.0 <= value <= 1.0, f"{name} = {value} is not a share"


def test_json_by_public_lists_the_same_indicators(json_output):
    by_public = json_output.get("by_public")
    assert isinstance(by_public, dict) and by_public, f"no 'by_public' in {json_output}"
    assert "all" not in by_public, "'all' belongs in 'indicators', not in 'by_public'"
    for public, values in by_public.items():
        assert set(values) == set(SINGLE_RUN_INDICATORS), f"public {public}: {sorted(values)}"


def test_json_out_is_the_results_directory(json_output, out_dir, manifest):
    assert Path(json_output.get("out", "")) == out_dir, json_output.get("out")
    assert out_dir.is_dir()
    names = sorted(p.name for p in out_dir.iterdir())
    expected = sorted(["manifest.json", "tasks", *(f"{t}.parquet" for t in TABLES)])
    assert names == expected, f"{out_dir} holds {names}"
    # A single run is one task: its own directory under tasks/, nothing else there.
    task_dirs = sorted(p.name for p in (out_dir / "tasks").iterdir())
    task_ids = [t["id"] for t in manifest["tasks"]]
    assert len(task_ids) == 1 and task_dirs == task_ids, f"tasks/ holds {task_dirs}, {task_ids=}"
    leftovers = [p.name for p in out_dir.parent.iterdir() if ".partial-" in p.name]
    assert not leftovers, f"partial directories left behind: {leftovers}"


def test_manifest_records_the_run(manifest):
    assert manifest["kind"] == "run", manifest["kind"]
    assert manifest["status"] == "complete", manifest["status"]
    assert manifest["seed"] == SEED
    assert manifest["replications"] == 1
    assert list(manifest["scenarios"]) == ["baseline"], list(manifest["scenarios"])
    run = manifest["scenarios"]["baseline"]["run"]
    assert run["persons"] == 1500, run
    assert run["months"] == 30, run
    assert manifest["points"] == [{"index": 0, "values": {}}], manifest["points"]
    ids = [t["id"] for t in manifest["tasks"]]
    assert len(ids) == 1, ids
    status = manifest["task_status"]
    assert set(status) == set(ids), status
    assert all(s["status"] == "done" for s in status.values()), status
    assert "run" in manifest["command"] and "--seed" in manifest["command"], manifest["command"]


def test_manifest_records_versions_commit_and_timings(manifest):
    versions = manifest["versions"]
    assert isinstance(versions, dict), versions
    for package in ("python", "parcours", "numpy", "pandas"):
        assert versions.get(package), f"no version of {package} in {versions}"
    assert isinstance(manifest["git_commit"], str) and manifest["git_commit"], manifest[
        "git_commit"
    ]
    timings = manifest["timings"]
    assert isinstance(timings, dict) and timings, timings
    assert all(isinstance(v, int | float) and v >= 0 for v in timings.values()), timings
    # Each task's own duration is recorded with its status.
    durations = {k: s["duration_s"] for k, s in manifest["task_status"].items()}
    assert durations and all(isinstance(v, int | float) and v >= 0 for v in durations.values()), (
        durations
    )


def test_manifest_records_the_resolved_scenario(manifest):
    scenario = manifest["scenarios"]["baseline"]
    assert set(scenario) >= {"name", "run", "population", "territory", "policy", "behaviour"}
    assert scenario["name"] == "baseline"
    # The command-line overrides are applied in the recorded scenario.
    assert scenario["run"]["seed"] == SEED
    assert scenario["run"]["persons"] == 1500
    assert scenario["run"]["months"] == 30
    # Values that only the scenario file gives are there too.
    assert scenario["population"]["p_leave"] == 0.004
    assert scenario["territory"]["siae"]["ei"]["type"] == "ei"


def test_monthly_has_one_row_per_month(out_dir):
    monthly = pd.read_parquet(out_dir / "monthly.parquet")
    assert len(monthly) == 30, f"{len(monthly)} monthly rows for 30 months"
    assert monthly["month"].tolist() == list(range(30))
    assert list(monthly.columns[:3]) == TASK_COLUMNS, list(monthly.columns)


def test_indicators_table_has_one_row_per_indicator_and_public(out_dir, json_output):
    ind = pd.read_parquet(out_dir / "indicators.parquet")
    assert list(ind.columns) == [*TASK_COLUMNS, "indicator", "public", "value"]
    # One task: the first (and only) scenario, point and replication.
    assert set(ind["scenario"]) == {"baseline"}, set(ind["scenario"])
    assert set(ind["point"]) == {0} and set(ind["replication"]) == {0}, ind[TASK_COLUMNS]
    dup = ind[ind.duplicated(["indicator", "public"], keep=False)]
    assert dup.empty, f"duplicated (indicator, public) rows:\n{dup}"
    assert set(ind["indicator"]) == set(SINGLE_RUN_INDICATORS)
    publics = set(ind["public"])
    assert publics == {"all", *json_output["by_public"]}
    assert len(ind) == len(SINGLE_RUN_INDICATORS) * len(publics)
    # The table agrees with what --json printed.
    everyone = ind[ind["public"] == "all"].set_index("indicator")["value"]
    for name, value in json_output["indicators"].items():
        if value is None:
            assert math.isnan(everyone[name]), name
        else:
            assert everyone[name] == pytest.approx(value), name


def test_other_tables_are_readable(out_dir):
    persons = pd.read_parquet(out_dir / "persons.parquet")
    ledger = pd.read_parquet(out_dir / "ledger.parquet")
    assert len(persons) >= 1500, f"{len(persons)} persons for a stock of 1500 at start"
    assert {"month", "programme", "funder", "amount"} <= set(ledger.columns)
    assert not ledger.empty


# --------------------------------------------------------------------------- table output
def test_table_output_lists_every_indicator(runs):
    done = _ok(runs["table"])
    first_words = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    missing = [name for name in INDICATORS if name not in first_words]
    assert not missing, f"indicators missing from the table: {missing}\n{done.stdout}"
    assert f"results written to {runs['dirs']['table']}" in done.stdout, done.stdout
    assert (runs["dirs"]["table"] / "manifest.json").exists()


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_gives_identical_indicators(runs, out_dir):
    _ok(runs["same_seed"])
    first = pd.read_parquet(out_dir / "indicators.parquet")
    second = pd.read_parquet(runs["dirs"]["table"] / "indicators.parquet")
    pd.testing.assert_frame_equal(first, second)


def test_same_seed_gives_identical_persons(runs, out_dir):
    _ok(runs["same_seed"])
    first = pd.read_parquet(out_dir / "persons.parquet")
    second = pd.read_parquet(runs["dirs"]["table"] / "persons.parquet")
    pd.testing.assert_frame_equal(first, second)


def test_other_seed_gives_other_persons(runs, out_dir):
    _ok(runs["other_seed"])
    first = pd.read_parquet(out_dir / "persons.parquet")
    other = pd.read_parquet(runs["dirs"]["other_seed"] / "persons.parquet")
    assert not first.equals(other), "seeds 7 and 8 gave the same persons table"
    manifest = json.loads((runs["dirs"]["other_seed"] / "manifest.json").read_text())
    assert manifest["seed"] == SEED + 1


# --------------------------------------------------------------------------- validate
@pytest.fixture(scope="module")
def validations(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("validate")
    done = parcours_many(*(("validate", SCENARIOS / f"{n}.yaml") for n in SHIPPED), cwd=cwd)
    return dict(zip(SHIPPED, done, strict=True)), cwd


# The commands of the README's command line section, each with the start of its short help.
COMMANDS = {
    "allocate": "Compare ways of splitting one budget",
    "calibrate": "Fit SCENARIO's uncertain parameters",
    "compare": "Run SCENARIOS on the same seeds",
    "explain": "Say why scenario B differs from scenario A",
    "explore": "Move policy levers and watch SCENARIO",
    "indicators": "List the indicators",
    "report": "Write report.html",
    "results": "List and summarise stored runs.",
    "resume": "Complete an interrupted or damaged run",
    "run": "Run SCENARIO (REPLICATIONS times)",
    "sensitivity": "Morris screening or Sobol' indices",
    "sweep": "Run SCENARIO over a grid",
    "trial": "Run a randomised trial",
    "validate": "Check SCENARIO (and the files it extends)",
}


def test_help_lists_every_command_with_its_short_help(tmp_path):
    # The commands are imported only when run; --help still lists each one with its help.
    done = _ok(parcours("--help", cwd=tmp_path))
    listed = done.stdout.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in listed if line.strip()]
    assert names == sorted(COMMANDS), f"listed {names}, expected {sorted(COMMANDS)}"
    for line in listed:
        if line.strip():
            name, short = line.split(None, 1)
            assert short.startswith(COMMANDS[name]), f"{name}: {short!r}"
    options = _ok(parcours("run", "--help", cwd=tmp_path)).stdout
    assert "--ensemble" in options and "--seeds-per-set" in options, options


def test_the_shipped_scenarios_are_listed():
    assert sorted(p.stem for p in SCENARIOS.glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_validate_shipped_scenario(validations, name):
    results, cwd = validations
    done = _ok(results[name])
    assert f"valid scenario '{name}'" in done.stdout, done.describe()
    assert done.stderr == "", done.describe()
    assert not any(cwd.iterdir()), f"validate wrote {sorted(cwd.iterdir())}"


# --------------------------------------------------------------------------- existing --out
def test_run_into_existing_directory_is_refused(tmp_path):
    out = tmp_path / "existing"
    out.mkdir()
    sentinel = out / "sentinel.txt"
    sentinel.write_text("do not touch\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    done = parcours(*run_args(out), cwd=cwd)

    assert done.returncode == 2, done.describe()
    assert str(out) in done.stderr, done.describe()
    assert "exists" in done.stderr, done.describe()
    assert done.stdout == "", done.describe()
    assert [p.name for p in out.iterdir()] == ["sentinel.txt"]
    assert sentinel.read_text() == "do not touch\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "existing"], (
        "something was written beside the existing directory"
    )
    assert not any(cwd.iterdir()), f"the run wrote {sorted(cwd.iterdir())} in its working dir"
