"""Arguments that would exhaust the machine, damaged run directories, bad calibration targets.

One named test per case of the issue on robustness: each is refused with a message before
anything starts (exit 2, nothing written), or, for a damaged run directory, named in the
message. The commands run in this process (click's test runner) on tiny runs.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from refusals import (
    BASELINE,
    assert_nothing_written,
    assert_refused,
    assert_usage_error,
    run_here,
    tiny,
    write_scenario,
)

TINY_ARGS = ("--persons", "60", "--months", "3", "--quiet", "--workers", "1")


@pytest.fixture
def cwd(tmp_path):
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny run of two replications (copied by the tests that damage it)."""
    base = tmp_path_factory.mktemp("finished")
    out = base / "run"
    done = run_here("run", BASELINE, "--replications", "2", *TINY_ARGS, "--out", out, cwd=base)
    assert done.returncode == 0, done.describe()
    return out


@pytest.fixture
def copy(finished, tmp_path):
    """A copy of the finished run, to damage."""
    target = tmp_path / "cwd" / "run"
    target.parent.mkdir(exist_ok=True)
    shutil.copytree(finished, target)
    return target


# ----------------------------------------------------------------------------- arguments
def test_a_billion_replications_are_refused_at_once(cwd):
    done = run_here("run", BASELINE, "--replications", "1000000000", "--out", cwd / "o", cwd=cwd)
    assert_usage_error(done, "--replications", "10000")
    assert_nothing_written(cwd)


def test_a_399_by_400_sweep_grid_is_refused_stating_the_number_of_tasks(cwd):
    a = ",".join(f"{x / 1000:.3f}" for x in range(399))
    b = ",".join(str(x) for x in range(400))
    done = run_here("sweep", BASELINE, "--set", f"behaviour.p_apply={a}",
                    "--set", f"run.seed={b}", "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_refused(done, "--replications", None, "159,600 points", "at most 100,000")
    assert_nothing_written(cwd)


def test_a_billion_point_latin_hypercube_is_refused(cwd):
    done = run_here("sweep", BASELINE, "--lhs", "1000000000", "--range",
                    "behaviour.p_apply=0:1", "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_usage_error(done, "--lhs")
    assert_nothing_written(cwd)


@pytest.mark.parametrize("budget", ["inf", "1e30", "nan", "-5"])
def test_allocate_refuses_a_budget_that_is_not_a_sane_number(cwd, budget):
    done = run_here("allocate", BASELINE, "--budget", budget, "--programmes", "phc,creche",
                    "--steps", "2", "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_usage_error(done, "--budget", "finite number")
    assert_nothing_written(cwd)


def test_allocate_refuses_a_huge_grid_stating_its_size(cwd):
    programmes = "aide_au_poste_aci,aide_au_poste_ei,aide_au_poste_ai,aide_au_poste_etti,phc,"
    programmes += "tapaj,creche,mobility,french,health,training"
    done = run_here("allocate", BASELINE, "--budget", "1000000", "--programmes", programmes,
                    "--steps", "40", "--out", cwd / "o", cwd=cwd)  # fmt: skip
    expected = math.comb(50, 10)
    assert_refused(done, "--steps", None, f"{expected:,} allocations", "--yes")
    assert_nothing_written(cwd)


@pytest.mark.parametrize(
    ("option", "value"), [("--max-evaluations", "0"), ("--steps", "0")], ids=["evals", "steps"]
)
def test_allocate_refuses_zero_steps_or_evaluations(cwd, option, value):
    method = ("--optimise", "employment_rate_12m") if option == "--max-evaluations" else ()
    done = run_here("allocate", BASELINE, "--budget", "100000", "--programmes", "phc,creche",
                    option, value, *method, "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_usage_error(done, option)
    assert_nothing_written(cwd)


def test_allocate_refuses_an_unknown_public_before_running(cwd):
    done = run_here("allocate", BASELINE, "--budget", "100000", "--programmes", "phc,creche",
                    "--steps", "2", "--public", "zz", *TINY_ARGS, "--out", cwd / "o",
                    cwd=cwd)  # fmt: skip
    assert_refused(done, "--public", None, "unknown public 'zz'", "three_plus_obstacles")
    assert_nothing_written(cwd)


def test_explore_refuses_an_address_it_cannot_listen_on(cwd):
    done = run_here("explore", BASELINE, "--host", "999.999.1.1", "--no-browser", cwd=cwd)
    assert_refused(done, "--host", None, "999.999.1.1")


def test_an_out_name_longer_than_255_bytes_is_refused(cwd):
    out = cwd / ("x" * 300)
    done = run_here("run", BASELINE, *TINY_ARGS, "--out", out, cwd=cwd)
    assert_refused(done, "--out", None, "300 bytes", "at most 255")
    assert_nothing_written(cwd)


def test_an_out_inside_a_file_is_refused(cwd):
    (cwd / "afile").write_text("x")
    done = run_here("run", BASELINE, *TINY_ARGS, "--out", cwd / "afile" / "a", cwd=cwd)
    assert_refused(done, "--out", None, "is a file, not a directory")
    assert_nothing_written(cwd, before={"afile"})


def test_out_of_range_workers_are_refused(cwd):
    done = run_here("run", BASELINE, *TINY_ARGS[:-2], "--workers", "100000", cwd=cwd)
    assert_usage_error(done, "--workers")
    assert_nothing_written(cwd)


# ----------------------------------------------------------------------------- damaged manifests
MANIFESTS = {
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "list": lambda text: "[1, 2, 3]\n",
    "keyless": lambda text: "{}\n",
    "no_tasks": lambda text: json.dumps(
        {k: v for k, v in json.loads(text).items() if k != "tasks"}
    ),  # fmt: skip
    "bad_task_id": lambda text: text.replace(
        '"id": "baseline-p000-r000"', '"id": "../../escape"', 1
    ),  # fmt: skip
}


@pytest.mark.parametrize("damage", list(MANIFESTS))
def test_a_damaged_manifest_is_reported_by_every_command(copy, damage):
    path = copy / "manifest.json"
    path.write_text(MANIFESTS[damage](path.read_text()))
    cwd = copy.parent
    for args in (("resume", copy, "--quiet"), ("report", copy), ("results", "show", copy),
                 ("results", "verify", copy)):  # fmt: skip
        done = run_here(*args, cwd=cwd)
        assert_refused(done, "manifest.json", None, "damaged")
    listed = run_here("results", "list", cwd, cwd=cwd)
    assert listed.returncode == 0, listed.describe()
    line = next(x for x in listed.stdout.splitlines()[1:] if x.startswith("run "))
    assert "damaged" in line.split(), listed.stdout
    assert not (copy / "summary.parquet").read_bytes() == b"", "resume must not rewrite tables"


# ----------------------------------------------------------------------------- calibration
TARGETS = """
targets:
  - {name: c1, id: C1, value: VALUE, tolerance: 0.02, statistic: rsa_job_entry_yearly,
     source: test}
parameters:
  - {path: PATH, low: 0.002, high: 0.03, start: 0.012, why: test}
"""


def _targets(folder: Path, value="0.12", path="behaviour.p_break") -> Path:
    file = folder / "targets.yaml"
    file.write_text(TARGETS.replace("VALUE", value).replace("PATH", path))
    return file


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_calibrate_refuses_a_target_without_a_finite_value(cwd, tmp_path, value):
    targets = _targets(tmp_path, value)
    done = run_here("calibrate", BASELINE, "--targets", targets, "--trials", "2",
                    *TINY_ARGS, "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_refused(done, "targets.yaml", "targets.0.value", "finite")
    assert_nothing_written(cwd)


def test_calibrate_on_runs_too_small_leaves_nothing_and_names_the_statistics(cwd, tmp_path):
    targets = _targets(tmp_path)
    done = run_here("calibrate", BASELINE, "--targets", targets, "--trials", "2",
                    "--replications", "1", *TINY_ARGS, "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_refused(done, "baseline.yaml", "run", "rsa_job_entry_yearly", "more persons")
    assert_nothing_written(cwd)


def test_calibrate_refuses_a_path_past_the_end_of_a_list(cwd, tmp_path):
    targets = _targets(tmp_path, path="population.obstacles.debt.p.7")
    done = run_here("calibrate", BASELINE, "--targets", targets, "--trials", "2",
                    *TINY_ARGS, "--out", cwd / "o", cwd=cwd)  # fmt: skip
    assert_refused(done, "targets.yaml", "parameters.0.path", "not a numeric scenario value")
    assert_nothing_written(cwd)


# ----------------------------------------------------------------------------- a tiny scenario
def test_the_tiny_scenario_of_these_tests_runs(tmp_path, cwd):
    path = write_scenario(tmp_path, "tiny", tiny({"name": "tiny"}))
    done = run_here("run", path, "--quiet", "--workers", "1", "--out", cwd / "o", cwd=cwd)
    assert done.returncode == 0, done.describe()
