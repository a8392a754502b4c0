"""Fault injection: kills, damaged task files, read-only and full disks, unreachable schedulers.

- A run is killed (SIGKILL) at several moments, chosen deterministically by a driver that kills
  its own process on the N-th call of a store function (before the first task is saved, in the
  middle of writing a task's files, between tasks, before the tables are assembled, before the
  run is marked complete), and once from outside while two worker processes run: ``resume``
  completes it, leaves no temporary file, and the tables equal those of an uninterrupted run.
- Each kind of damage to a finished run's files (a task deleted, emptied, swapped with
  another, its values edited, a table file garbage, empty or truncated, its ``task.json``
  missing, edited or garbage, an assembled table edited): ``results verify`` and ``results
  show`` name it with exit 2, ``resume`` runs the task again (saying so) and the tables equal
  the original ones.
- A read-only output location and a full disk (a small tmpfs, mounted when the tests run as
  root; skipped otherwise, saying why): exit 2 before anything is written, or exit 1 with what
  was done kept and the run resumable once there is room.
- Worker processes die with their parent.
- An unreachable, malformed or unroutable scheduler: exit 2 naming it, within seconds, and no
  output directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import Done, start
from refusals import BASELINE, assert_nothing_written, assert_refused, run_here

REPO = Path(__file__).resolve().parents[1]
ARGS = ("--replications", "4", "--persons", "300", "--months", "6", "--quiet")
COMPARED = ("indicators", "summary", "monthly", "ledger", "cohort", "costs")
TIMEOUT = 300
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOT_ROOT = "mounting a small tmpfs needs root: run the tests as root to include this case"

KILL_DRIVER = """
import os, signal, sys
from sim.experiments import store
name, nth = sys.argv[1], int(sys.argv[2])
real = getattr(store, name)
calls = [0]
def patched(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
setattr(store, name, patched)
from sim.present.cli import main
main(sys.argv[3:], prog_name="parcours")
"""


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """The assembled tables of a run, rows in a fixed order."""
    frames = {}
    for name in COMPARED:
        frame = pd.read_parquet(out / f"{name}.parquet")
        frames[name] = frame.sort_values(list(frame.columns[:4])).reset_index(drop=True)
    return frames


def assert_same_tables(expected: Path, got: Path) -> None:
    mine, theirs = tables(expected), tables(got)
    for name in COMPARED:
        pd.testing.assert_frame_equal(mine[name], theirs[name], obj=f"{name}.parquet")


def leftovers(out: Path) -> list[str]:
    """Temporary files and directories left in a run directory or beside it."""
    places = [out, out / "tasks", out.parent]
    return sorted(
        p.name
        for folder in places
        if folder.is_dir()
        for p in folder.iterdir()
        if ".partial-" in p.name or ".tmp-" in p.name
    )


def ok(done: Done) -> Done:
    assert done.returncode == 0, done.describe()
    return done


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run, the one every interrupted and repaired run must equal."""
    base = tmp_path_factory.mktemp("reference")
    ok(run_here("run", BASELINE, *ARGS, "--workers", "1", "--out", base / "run", cwd=base))
    return base / "run"


# ----------------------------------------------------------------------------- kills
MOMENTS = {
    "before_the_first_task_is_saved": ("write_task", 1),
    "while_writing_a_task": ("_write_new", 4),
    "between_tasks": ("write_task", 3),
    "before_the_tables_are_assembled": ("write_tables", 1),
    "before_the_run_is_marked_complete": ("record_tables", 1),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_run_killed_at_any_moment_is_completed_by_resume(reference, tmp_path, moment):
    name, nth = MOMENTS[moment]
    out = tmp_path / "run"
    argv = [sys.executable, "-c", KILL_DRIVER, name, str(nth), "run", str(BASELINE), *ARGS,
            "--workers", "1", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, f"not killed at {moment}:\n{proc.stderr[-2000:]}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running", f"killed {moment}, the run says {manifest['status']}"
    shown = run_here("results", "show", out, cwd=tmp_path)
    assert shown.returncode == 0 and "not complete" in shown.stdout, shown.describe()

    resumed = ok(run_here("resume", out, "--quiet", "--workers", "1", cwd=tmp_path))

    assert_same_tables(reference, out)
    assert not leftovers(out), f"left behind after resume: {leftovers(out)}"
    ok(run_here("results", "verify", out, cwd=tmp_path))
    if moment == "while_writing_a_task":
        assert "removed" in resumed.stderr and ".partial-" in resumed.stderr, resumed.stderr


def test_an_interrupted_run_with_a_damaged_task_is_repaired_by_resume(reference, tmp_path):
    """Killed between tasks, then a finished task's table damaged: named, run again."""
    out = tmp_path / "run"
    argv = [sys.executable, "-c", KILL_DRIVER, "write_task", "3", "run", str(BASELINE), *ARGS,
            "--workers", "1", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    victim = sorted((out / "tasks").iterdir())[0]
    (victim / "indicators.parquet").write_bytes(b"PAR1junk" * 60)
    verify = run_here("results", "verify", out, cwd=tmp_path)
    assert_refused(verify, victim.name, None, "indicators.parquet")
    show = run_here("results", "show", out, cwd=tmp_path)
    assert_refused(show, victim.name, None, "indicators.parquet")
    resumed = ok(run_here("resume", out, "--quiet", "--workers", "1", cwd=tmp_path))
    assert f"task {victim.name} is damaged" in resumed.stderr, resumed.stderr
    assert_same_tables(reference, out)


def test_a_run_with_workers_killed_from_outside_is_completed_by_resume(reference, tmp_path):
    out = tmp_path / "run"
    proc = start("run", BASELINE, *ARGS, "--workers", "2", "--out", out, cwd=tmp_path,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        while proc.poll() is None and not any((out / "tasks").glob("baseline-*")):
            assert time.monotonic() < deadline, "no task finished"
            time.sleep(0.01)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    ok(run_here("resume", out, "--quiet", "--workers", "2", cwd=tmp_path))
    assert_same_tables(reference, out)
    assert not leftovers(out), leftovers(out)


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_worker_processes_die_with_their_parent(tmp_path):
    """Killing only the main process of a --workers 2 run leaves no worker running."""
    out = tmp_path / "run"
    long_tasks = ("--replications", "4", "--persons", "20000", "--months", "120", "--quiet")
    proc = start("run", BASELINE, *long_tasks, "--workers", "2", "--out", out, cwd=tmp_path,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    workers: list[int] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(workers) < 2:
            assert proc.poll() is None, "the run ended before its workers started"
            assert time.monotonic() < deadline, "the workers did not start"
            workers = [p for p in _children(proc.pid) if b"spawn_main" in
                       Path(f"/proc/{p}/cmdline").read_bytes()]  # fmt: skip
            time.sleep(0.1)
        time.sleep(1.0)  # the workers are computing their first tasks
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 60  # a liveness bound, far above the 1 s watch period
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        alive = [p for p in workers if _alive(p)]
        assert not alive, f"workers {alive} still run after their parent was killed"
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- damaged tasks
def _task(out: Path, i: int) -> Path:
    return out / "tasks" / f"baseline-p000-r{i:03d}"


def _edit_values(out: Path) -> None:
    path = _task(out, 1) / "indicators.parquet"
    frame = pd.read_parquet(path)
    frame["value"] = frame["value"] * 2
    frame.to_parquet(path, index=False)


def _swap(out: Path) -> None:
    a, b, tmp = _task(out, 1), _task(out, 2), out / "tasks" / "swap"
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _empty(out: Path) -> None:
    for path in _task(out, 1).iterdir():
        path.unlink()


def _truncate(name: str, keep: float):
    def damage(out: Path) -> None:
        path = _task(out, 1) / name
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return damage


def _task_json(change):
    def damage(out: Path) -> None:
        path = _task(out, 1) / "task.json"
        path.write_text(change(path.read_text()))

    return damage


def _reseed(text: str) -> str:
    data = json.loads(text)
    data["entropy"] += 1
    return json.dumps(data)


DAMAGES = {
    "deleted": (lambda out: shutil.rmtree(_task(out, 1)), "baseline-p000-r001", "missing"),
    "emptied": (_empty, "baseline-p000-r001", "task.json"),
    "swapped": (_swap, "baseline-p000-r001", "another task"),
    "values_edited": (_edit_values, "baseline-p000-r001", "indicators.parquet"),
    "garbage": (lambda out: (_task(out, 1) / "indicators.parquet").write_bytes(b"PAR1junk" * 60),
                "baseline-p000-r001", "indicators.parquet"),
    "empty_file": (_truncate("monthly.parquet", 0.0), "baseline-p000-r001", "monthly.parquet"),
    "truncated": (_truncate("cohort.parquet", 0.5), "baseline-p000-r001", "cohort.parquet"),
    "task_manifest_deleted": (lambda out: (_task(out, 1) / "task.json").unlink(),
                              "baseline-p000-r001", "task.json"),
    "task_manifest_garbage": (_task_json(lambda text: "{not json"), "baseline-p000-r001",
                              "task.json"),
    "task_manifest_seed": (_task_json(_reseed), "baseline-p000-r001", "another seed"),
    "assembled_table_edited": (lambda out: (out / "summary.parquet").write_bytes(b"garbage"),
                               "summary.parquet", "damaged"),
}  # fmt: skip


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    base = tmp_path_factory.mktemp("intact")
    ok(run_here("run", BASELINE, *ARGS, "--workers", "1", "--out", base / "run", cwd=base))
    return base / "run"


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_each_kind_of_damage_is_named_and_repaired_by_resume(intact, tmp_path, damage):
    out = tmp_path / "run"
    shutil.copytree(intact, out)
    ok(run_here("results", "verify", out, cwd=tmp_path))
    harm, item, words = DAMAGES[damage]
    harm(out)

    verify = run_here("results", "verify", out, cwd=tmp_path)
    assert_refused(verify, item, None, words, "parcours resume")
    show = run_here("results", "show", out, cwd=tmp_path)
    assert_refused(show, item, None, words)
    report = run_here("report", out, cwd=tmp_path)
    assert_refused(report, item, None)

    resumed = ok(run_here("resume", out, "--quiet", "--workers", "1", cwd=tmp_path))
    if item.startswith("baseline-"):
        assert f"task {item} is damaged" in resumed.stderr or words == "missing", resumed.stderr
    assert_same_tables(intact, out)
    ok(run_here("results", "verify", out, cwd=tmp_path))


def test_a_task_run_with_another_scenario_than_the_manifest_is_named(intact, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(intact, out)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["scenarios"]["baseline"]["behaviour"]["p_apply"] = 0.5
    path.write_text(json.dumps(manifest))
    verify = run_here("results", "verify", out, cwd=tmp_path)
    assert_refused(verify, "baseline-p000-r000", None, "another scenario")


# ----------------------------------------------------------------------------- disks
@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs at ``tmp_path/mnt`` with the given options; unmounted at the end."""
    if not IS_ROOT:
        pytest.skip(NOT_ROOT)
    where = tmp_path / "mnt"
    where.mkdir()
    mounted = []

    def mount(options: str) -> Path:
        cmd = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)]
        if mounted:
            cmd = ["mount", "-o", f"remount,{options}", str(where)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
        mounted.append(where)
        return where

    yield mount
    if mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_read_only_output_location_is_refused_before_anything_runs(tmpfs, tmp_path):
    where = tmpfs("ro,size=1m")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    done = run_here("run", BASELINE, *ARGS, "--workers", "1", "--out", where / "run", cwd=cwd)
    assert_refused(done, "--out", None, "read-only")
    assert not any(where.iterdir())
    assert_nothing_written(cwd)


def test_a_full_disk_exits_1_keeps_what_was_done_and_resumes(reference, tmpfs, tmp_path):
    where = tmpfs("size=2m")
    out = where / "run"
    big = ("--replications", "4", "--persons", "3000", "--months", "24", "--quiet",
           "--persons-tables", "--workers", "1")  # fmt: skip
    done = run_here("run", BASELINE, *big, "--out", out, cwd=tmp_path)
    assert done.returncode == 1, done.describe()
    assert "Traceback" not in done.stderr and "No space left" in done.stderr, done.describe()
    assert f"parcours resume {out}" in done.stderr, done.describe()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running", "a run whose tables were not all written is complete"
    assert not leftovers(out), f"temporary files left: {leftovers(out)}"
    verify = run_here("results", "verify", out, cwd=tmp_path)
    assert verify.returncode == 0, f"the tasks written must be intact\n{verify.describe()}"

    tmpfs("size=64m")
    ok(run_here("resume", out, "--quiet", "--workers", "1", cwd=tmp_path))
    uninterrupted = tmp_path / "uninterrupted"
    ok(run_here("run", BASELINE, *big, "--out", uninterrupted, cwd=tmp_path))
    assert_same_tables(uninterrupted, out)
    ok(run_here("results", "verify", out, cwd=tmp_path))


# ----------------------------------------------------------------------------- schedulers
@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("tcp://127.0.0.1:1", "no Dask scheduler answered"),
        ("nonsense", "not a scheduler address"),
        ("tcp://10.255.255.1:8786", "no Dask scheduler answered"),
        ("tcp://no-such-host.invalid:8786", "unknown host"),
    ],
    ids=["nothing_listening", "nonsense", "unroutable", "unknown_host"],
)
def test_an_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path, address, words):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = cwd / "run"
    done = run_here("run", BASELINE, *ARGS, "--scheduler", address, "--out", out, cwd=cwd)
    assert_refused(done, address, None, words)
    assert_nothing_written(cwd, out)


def test_a_server_that_is_not_a_dask_scheduler_is_refused(tmp_path):
    """Something answers (an HTTP server or proxy), but not with Dask's handshake."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    out = cwd / "run"
    try:
        address = f"tcp://127.0.0.1:{port}"
        done = run_here("run", BASELINE, *ARGS, "--scheduler", address, "--out", out, cwd=cwd)
    finally:
        server.close()
    assert_refused(done, address, None, "not a Dask scheduler")
    assert_nothing_written(cwd, out)
