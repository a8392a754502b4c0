"""The result store: one self-describing directory per run (DESIGN.md, decision 8).

A run directory holds ``manifest.json`` (what was run: resolved scenarios, seeds, design points,
tasks and their status, versions, git commit, timings), one directory per task under ``tasks/``
(a task is one scenario x sweep point x replication), and, once every task is done, the tables
assembled from them:

- ``indicators.parquet``: scenario, point, replication, indicator, public, value;
- ``summary.parquet``: per scenario, point, indicator and public: n, mean, median, p10, p90 and
  the 95% confidence interval of the mean;
- ``differences.parquet`` (comparisons): each scenario minus the first, paired by replication;
- ``points.parquet`` (sweeps, sensitivity and explain runs): the parameter values of each
  design point;
- ``explain.parquet`` (explain runs): each field's contribution to every indicator's B - A;
- ``ensemble.parquet`` and ``ensemble_differences.parquet`` (runs over a posterior,
  ``--ensemble``): intervals including parameter uncertainty, the share of variance from the
  parameters, and for differences the share of plausible sets in which the sign holds;
- ``monthly.parquet`` and ``ledger.parquet``: every task's monthly records and ledger, with the
  scenario, point and replication columns;
- ``cohort.parquet``: a sample of each task's entry cohort with its status month by month;
- ``persons.parquet``: one row per person (single runs, or when asked for);
- ``siae.parquet``: one row per SIAE of every task: hires, hires of persons with three obstacles
  or more at entry, exits, exits to an ordinary job (:func:`sim.events.siae_frame`);
- ``events.parquet``: the events table of every task that keeps its persons table
  (:mod:`sim.events`);
- ``trial_*.parquet`` (trials, :mod:`sim.experiments.trial`): effects, Kaplan-Meier curves,
  balance, capacity held by arm, and the enrolled persons of every replication.

Every file is written atomically (written under a temporary name, flushed to disk, then
renamed): a task's directory exists only once all its files are complete, so an interrupted run
loses no finished task and counts none twice. An existing output directory is never
overwritten, and ``--out`` is checked before anything runs (not inside a file, a name of at most
255 bytes, a folder this process may write in).

Integrity. Each task directory holds ``task.json``, its own small manifest: the task's id, its
seed (entropy and spawn key), the SHA-256 of its resolved scenario, and the size and SHA-256 of
each of its files. Once a run is complete, the run manifest records the size and SHA-256 of each
assembled table (``tables``). :func:`verify_run` checks all of them: a task missing, emptied,
swapped with another, run with another seed or scenario, or whose files were edited, truncated
or replaced, is reported by name. ``parcours resume`` runs such tasks again (and cleans the
temporary files a killed run leaves, ``.*.partial-PID`` and ``.*.tmp-PID``, of processes no longer
alive); assembling the tables, ``results show`` and ``report`` refuse a damaged run, naming
what is damaged; ``parcours results verify RUN`` checks a run end to end.

Errors. A damaged run directory (a manifest that is not valid JSON, not an object or lacks keys;
damaged tasks) raises :class:`RunDirError`; a bad ``--out``, :class:`OutputError` or
:class:`OutputExistsError` (bad input: exit 2, nothing written). A write that fails during a run
(a full disk, a read-only file system) raises :class:`WriteError` (exit 1): what was done is
kept and the run stays resumable.
"""

from __future__ import annotations

import copy
import datetime as dt
import errno
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

TABLES = (
    "indicators",
    "summary",
    "differences",
    "points",
    "allocations",
    "explain",
    "ensemble",
    "ensemble_differences",
    "costs",
    "monthly",
    "ledger",
    "cohort",
    "persons",
    "siae",
    "events",
    "trial_effects",
    "trial_km",
    "trial_balance",
    "trial_capacity",
    "trial_persons",
    "trial_ensemble",
)
TASK_TABLES = ("indicators", "monthly", "ledger", "cohort")
"""The tables every task writes (and ``persons`` when its ``persons_table`` is set)."""
RESULTS_DIR = Path("results")
TASKS = "tasks"
MANIFEST = "manifest.json"
TASK_MANIFEST = "task.json"
TASK_FORMAT = 1
NAME_MAX = 255
"""Longest file name, in bytes, on common file systems."""
MAX_LABEL = 120
"""Longest label in an automatic run id (scenario names joined for a comparison)."""
PLAIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
LEFTOVER = re.compile(r"^\..+\.(partial|tmp)-(\d+)$")
RUN_KEYS = {
    "kind": str,
    "status": str,
    "created": str,
    "seed": int,
    "replications": int,
    "common_seeds": bool,
    "scenarios": dict,
    "points": list,
    "persons_tables": bool,
    "tasks": list,
    "task_status": dict,
    "timings": dict,
    "versions": dict,
    "git_commit": str,
}
TASK_KEYS = {
    "id": str,
    "scenario_key": str,
    "point": int,
    "replication": int,
    "entropy": int,
    "spawn_key": list,
    "persons_table": bool,
}
CALIBRATION_KEYS = {"kind": str, "status": str, "created": str, "scenario": dict, "seed": int}


class OutputExistsError(FileExistsError):
    """The output directory exists already; runs are never overwritten."""


class OutputError(ValueError):
    """The output directory cannot be created there (bad input, found before anything runs)."""


class RunDirError(ValueError):
    """A run directory is damaged: its manifest, or tasks and tables named in the message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        """The message, and the damaged items by name (task id or table file) with the reason."""
        super().__init__(message)
        self.problems = dict(problems or {})


class WriteError(OSError):
    """A file of a run could not be written (full disk, read-only file system...)."""

    def __init__(self, path: str | Path, code: int | None = None, reason: str = ""):
        """The file that could not be written, the system's error number and its text."""
        super().__init__(code, reason)
        self.path = Path(path)
        self.reason = reason

    @classmethod
    def of(cls, path: str | Path, err: OSError) -> WriteError:
        """The error of writing ``path`` that failed with ``err``."""
        return cls(path, err.errno, err.strerror or str(err))

    def __str__(self) -> str:
        """``could not write PATH: REASON``."""
        return f"could not write {self.path}: {self.reason}"

    def __reduce__(self):
        """Pickle with its fields (errors travel back from worker processes)."""
        return (type(self), (str(self.path), self.errno, self.reason))


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    try:  # Linux: the state follows the command name in parentheses
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2 :][:1] not in ("Z", "X")
    except (OSError, ValueError):
        return True


def new_run_id(scenario_name: str, seed: int) -> str:
    """A run id that sorts by time: ``<scenario>-<UTC time>-s<seed>`` (a plain file name)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    label = re.sub(r"[^A-Za-z0-9_.-]", "_", scenario_name).lstrip(".") or "run"
    if len(label) > MAX_LABEL:
        digest = hashlib.sha256(label.encode()).hexdigest()[:8]
        label = f"{label[: MAX_LABEL - 9]}-{digest}"
    return f"{label}-{stamp}-s{seed}"


def check_free(out: Path) -> None:
    """Check ``out`` before anything runs: a new directory that this process can create.

    Raises:
        OutputExistsError: ``out`` exists already.
        OutputError: a name longer than 255 bytes, a parent that is a file, or a folder this
            process may not write in.
    """
    out = Path(out)
    for part in out.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(
                f"--out {shorten(out)}: a name of {len(os.fsencode(part))} bytes; at most "
                f"{NAME_MAX}"
            )
    if out.exists() or out.is_symlink():
        raise OutputExistsError(
            f"output directory {out} exists already; choose another --out (runs are never "
            "overwritten)"
        )
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"--out {out}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"--out {out}: cannot write in {parent} (read-only file system or no permission)"
        )


def shorten(path: Path | str, keep: int = 80) -> str:
    """A path cut to ``keep`` characters, for messages."""
    text = str(path)
    return text if len(text) <= keep else text[: keep - 3] + "..."


def git_commit() -> str:
    """The commit of the source tree the package runs from, or ``"unknown"``."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if out.returncode != 0:
        return "unknown"
    try:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        dirty = ""
    return out.stdout.strip() + ("-dirty" if dirty else "")


def versions() -> dict[str, str]:
    """Versions of Python, the package and its main dependencies."""
    from importlib import metadata  # only when a run is written: reading one does not need it

    out = {"python": platform.python_version()}
    for dist in ("parcours", "mesa", "numpy", "pandas", "pyarrow", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


# ----------------------------------------------------------------------------- writing files
def _digest(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def file_digest(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"sha256": h.hexdigest(), "bytes": size}


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and flush it to disk (a full disk fails here, not later)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_bytes(path: Path, data: bytes) -> dict[str, Any]:
    """Write a file atomically (a temporary name, flushed, then renamed); its size and SHA-256.

    Raises:
        WriteError: the file could not be written; no temporary file is left.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        _write_new(tmp, data)
        os.replace(tmp, path)
    except OSError as err:
        _unlink(tmp)
        raise WriteError.of(path, err) from None
    return _digest(data)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _write_json(path: Path, data: dict) -> None:
    write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


def write_text(path: Path, content: str | bytes) -> None:
    """Write a text (or bytes) file atomically: under a temporary name, then renamed."""
    write_bytes(path, content if isinstance(content, bytes) else content.encode("utf-8"))


def write_figure(path: Path, fig, dpi: int | None = None) -> None:
    """Save a matplotlib figure as PNG atomically (at the figure's dpi by default); close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, dpi=dpi or "figure", format="png")
    finally:
        plt.close(fig)
    write_bytes(path, buf.getvalue())


def parquet_bytes(frame) -> bytes:
    """A table as Parquet, in memory."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


# ----------------------------------------------------------------------------- manifests
def _bad_keys(data: dict, keys: dict[str, type]) -> list[str]:
    bad = []
    for key, kind in keys.items():
        value = data.get(key)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            bad.append(key if key not in data else f"{key} (not {kind.__name__})")
    return bad


def check_manifest(manifest: Any, path: Path) -> dict:
    """Refuse a manifest that is not an object with the keys a run reads; return it.

    Raises:
        RunDirError: naming the file and what is wrong with it.
    """
    if not isinstance(manifest, dict):
        raise RunDirError(f"{path} is damaged: not a JSON object")
    if manifest.get("kind") == "calibration":
        bad = _bad_keys(manifest, CALIBRATION_KEYS)
        if bad:
            raise RunDirError(f"{path} is damaged: missing or wrong keys: {', '.join(bad)}")
        return manifest
    bad = _bad_keys(manifest, RUN_KEYS)
    if bad:
        raise RunDirError(f"{path} is damaged: missing or wrong keys: {', '.join(bad)}")
    seen = set()
    n_points = len(manifest["points"])
    for i, task in enumerate(manifest["tasks"]):
        if not isinstance(task, dict):
            raise RunDirError(f"{path} is damaged: tasks[{i}] is not an object")
        bad = _bad_keys(task, TASK_KEYS)
        if bad:
            raise RunDirError(f"{path} is damaged: tasks[{i}]: missing or wrong keys: "
                              + ", ".join(bad))  # fmt: skip
        tid = task["id"]
        if not PLAIN_ID.match(tid) or tid in seen:
            raise RunDirError(f"{path} is damaged: tasks[{i}]: the id is not a plain unique name")
        seen.add(tid)
        if task["scenario_key"] not in manifest["scenarios"] or not 0 <= task["point"] < n_points:
            raise RunDirError(f"{path} is damaged: tasks[{i}] ({tid}): unknown scenario or point")
    for i, point in enumerate(manifest["points"]):
        if not isinstance(point, dict) or not isinstance(point.get("values"), dict):
            raise RunDirError(f"{path} is damaged: points[{i}] is not an object with values")
    return manifest


def read_manifest(out: str | Path) -> dict:
    """The manifest of a run directory, checked (:func:`check_manifest`).

    Raises:
        FileNotFoundError: ``out`` has no manifest.
        RunDirError: the manifest is not valid JSON, not an object, or lacks keys.
    """
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{out} is not a run directory (no {MANIFEST})")
    try:
        text = path.read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        kind = "empty" if path.stat().st_size == 0 else "not valid JSON"
        raise RunDirError(f"{path} is damaged ({kind}: {type(err).__name__})") from None
    except OSError as err:
        raise RunDirError(f"{path} cannot be read ({err.strerror})") from None
    return check_manifest(manifest, path)


def write_manifest(out: Path, manifest: dict) -> None:
    """Replace the manifest atomically."""
    _write_json(Path(out) / MANIFEST, manifest)


def create_run_dir(out: Path, manifest: dict) -> None:
    """Create ``out`` with its manifest and an empty ``tasks/``, atomically; never overwrite.

    Raises:
        OutputExistsError, OutputError: see :func:`check_free`.
        WriteError: the directory could not be written (nothing is left behind).
    """
    out = Path(out)
    check_free(out)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / TASKS).mkdir(parents=True)
        write_manifest(tmp, manifest)
        check_free(out)
        os.rename(tmp, out)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, OutputExistsError | WriteError):
            raise
        raise WriteError.of(out, err) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ----------------------------------------------------------------------------- tasks
def task_path(out: Path, task_id: str) -> Path:
    """Where a task's files are."""
    return Path(out) / TASKS / task_id


def task_done(out: Path, task_id: str) -> bool:
    """Whether a task's directory exists (it exists only once all its files are written).

    Whether its files are intact is :func:`task_problem`'s question.
    """
    return task_path(out, task_id).is_dir()


def scenario_sha256(data: dict) -> str:
    """SHA-256 of a resolved scenario (as plain data), independent of key order."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def task_scenario(manifest: dict, task: dict) -> dict:
    """The resolved scenario of a task: its scenario, posterior set, then sweep point's values.

    The parameter set is the one drawn for the task's replication in a run over a posterior
    (``--ensemble``); a sweep point's values are applied after it.
    """
    data = with_parameter_set(manifest, manifest["scenarios"][task["scenario_key"]], task)
    point = manifest["points"][task["point"]]["values"]
    if point:
        from sim.scenario import apply_overrides

        apply_overrides(data, point, Path(manifest.get("out", "<run>")) / MANIFEST)
    return data


def with_parameter_set(manifest: dict, scenario: dict, task: dict) -> dict:
    """A copy of ``scenario`` (as data) with the posterior set of ``task``'s replication.

    Unchanged (a copy) outside a run over a posterior. The status quo's burn-in of replication
    ``r`` takes the same set as the scenarios that start from it.
    """
    data = copy.deepcopy(scenario)
    drawn = manifest.get("ensemble")  # a run over a posterior: this replication's parameter set
    if drawn:
        from sim.scenario import apply_overrides

        values = drawn["sets"][task["replication"] // drawn["seeds_per_set"]]
        apply_overrides(data, values, Path(manifest.get("out", "<run>")) / MANIFEST)
    return data


def task_meta(task: dict, scenario: dict) -> dict:
    """What a task's own manifest records besides its files: id, seed, scenario hash."""
    return {
        "format": TASK_FORMAT,
        "id": task["id"],
        "entropy": task["entropy"],
        "spawn_key": list(task["spawn_key"]),
        "persons_table": bool(task["persons_table"]),
        "scenario_sha256": scenario_sha256(scenario),
    }


def write_task(out: Path, task_id: str, tables: dict, meta: dict | None = None) -> None:
    """Write one task's tables and its ``task.json`` atomically; a task already done is kept.

    Args:
        out: the run directory.
        task_id: the task.
        tables: its tables (name -> DataFrame).
        meta: what ``task.json`` records besides the files (:func:`task_meta`).

    Raises:
        WriteError: a file could not be written; no partial directory is left.
    """
    final = task_path(out, task_id)
    if final.exists():
        return
    tmp = final.with_name(f".{task_id}.partial-{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        files = {}
        for name, frame in tables.items():
            data = parquet_bytes(frame)
            _write_new(tmp / f"{name}.parquet", data)
            files[f"{name}.parquet"] = _digest(data)
        own = {**(meta or {"format": TASK_FORMAT, "id": task_id}), "files": files}
        _write_new(tmp / TASK_MANIFEST, (json.dumps(own, indent=2) + "\n").encode())
        os.rename(tmp, final)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if final.exists() and err.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return  # another process finished the same task first
        raise WriteError.of(final, err) from None


def task_problem(out: Path, task: dict, manifest: dict) -> str | None:
    """What is wrong with a task's directory, or None if it is complete and intact.

    Checks its ``task.json`` (id, seed, scenario hash against the run manifest) and the size and
    SHA-256 of every file it lists, and that it lists every table a task writes.
    """
    where = task_path(out, task["id"])
    if not where.is_dir():
        return "missing"
    try:
        own = json.loads((where / TASK_MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {TASK_MANIFEST} (emptied, or written by an older version)"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return f"{TASK_MANIFEST} is damaged"
    if not isinstance(own, dict) or not isinstance(own.get("files"), dict):
        return f"{TASK_MANIFEST} is damaged"
    if own.get("id") != task["id"]:
        return f"holds the results of another task ({shorten(str(own.get('id')), 60)})"
    if own.get("entropy") != task["entropy"] or own.get("spawn_key") != list(task["spawn_key"]):
        return "was run with another seed than the manifest's"
    try:
        expected = scenario_sha256(task_scenario(manifest, task))
    except (ValueError, KeyError, TypeError, IndexError):
        return "its scenario or sweep point in the manifest cannot be applied"
    if own.get("scenario_sha256") != expected:
        return "was run with another scenario than the manifest's"
    needed = TASK_TABLES + (("persons",) if task["persons_table"] else ())
    for name in needed:
        if f"{name}.parquet" not in own["files"]:
            return f"{name}.parquet is not listed in {TASK_MANIFEST}"
    for name, expected in own["files"].items():
        path = where / str(name)
        if not isinstance(expected, dict) or not path.is_file():
            return f"{name} is missing"
        try:
            got = file_digest(path)
        except OSError:
            return f"{name} cannot be read"
        if got["bytes"] != expected.get("bytes"):
            return f"{name} is damaged ({got['bytes']} bytes instead of {expected.get('bytes')})"
        if got["sha256"] != expected.get("sha256"):
            return f"{name} is damaged (its checksum differs)"
    return None


def task_problems(out: Path, manifest: dict) -> dict[str, str]:
    """Every task of the run that is not complete and intact, with what is wrong."""
    out = Path(out)
    problems = {}
    for task in manifest["tasks"]:
        problem = task_problem(out, task, manifest)
        if problem is not None:
            problems[task["id"]] = problem
    return problems


def table_problems(out: Path, manifest: dict) -> dict[str, str]:
    """Every assembled table recorded in the manifest that is missing or changed."""
    problems = {}
    for name, expected in (manifest.get("tables") or {}).items():
        path = Path(out) / str(name)
        if not path.is_file():
            problems[name] = "missing"
            continue
        try:
            got = file_digest(path)
        except OSError:
            problems[name] = "cannot be read"
            continue
        if not isinstance(expected, dict) or got != expected:
            problems[name] = "damaged (its size or checksum differs)"
    return problems


def record_tables(out: Path, manifest: dict) -> None:
    """Record in ``manifest`` the size and SHA-256 of every assembled table of ``out``."""
    manifest["tables"] = {
        f"{name}.parquet": file_digest(Path(out) / f"{name}.parquet")
        for name in TABLES
        if (Path(out) / f"{name}.parquet").is_file()
    }


def verify_run(out: str | Path) -> dict[str, str]:
    """Check a run directory end to end: its manifest, every task, the assembled tables.

    Returns:
        Each damaged item (a task id, or a table's file name) and what is wrong; empty when
        the run is intact. Tasks not run yet count only once the run is marked complete.

    Raises:
        FileNotFoundError, RunDirError: no manifest, or a damaged one.
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest["kind"] == "calibration":
        return {}
    problems = task_problems(out, manifest)
    if manifest["status"] != "complete":
        problems = {k: v for k, v in problems.items() if v != "missing"}
    problems.update(table_problems(out, manifest))
    return problems


def damaged_message(out: Path, problems: dict[str, str], advice: str = "") -> str:
    """One message naming every damaged item of a run (the first 20, and how many more)."""
    items = list(problems.items())
    shown = "; ".join(f"{k}: {v}" for k, v in items[:20])
    more = f"; and {len(items) - 20} more" if len(items) > 20 else ""
    return f"{out} is damaged: {shown}{more}" + (f"; {advice}" if advice else "")


def check_intact(out: Path, manifest: dict, tables: bool = True) -> None:
    """Refuse a run with a damaged task (or table), naming each.

    Raises:
        RunDirError: naming the damaged items and saying that ``parcours resume`` runs the
            tasks again and assembles the tables again.
    """
    problems = task_problems(out, manifest)
    if tables:
        problems.update(table_problems(out, manifest))
    if problems:
        raise RunDirError(
            damaged_message(out, problems, f"parcours resume {out} runs it again"), problems
        )


def clean_leftovers(out: Path) -> list[str]:
    """Remove the temporary files of dead processes from a run directory; their names.

    A killed run leaves ``.NAME.partial-PID`` directories and ``.NAME.tmp-PID`` files; those of
    processes still alive (another run writing there) are kept.
    """
    out = Path(out)
    removed = []
    places = [(out, None), (out / TASKS, None), (out.parent, f".{out.name}.partial-")]
    for folder, prefix in places:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = LEFTOVER.match(path.name)
            if not m or (prefix and not path.name.startswith(prefix)):
                continue
            if folder == out.parent and prefix is None:
                continue
            if _pid_alive(int(m.group(2))):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                _unlink(path)
            removed.append(str(path.relative_to(out.parent)))
    return removed


def read_tasks(out: Path, tasks: list[dict], table: str):
    """One table of every task, concatenated, with the task's scenario, point and replication."""
    import pandas as pd

    frames = []
    for task in tasks:
        path = task_path(out, task["id"]) / f"{table}.parquet"
        if path.exists():
            try:
                frame = pd.read_parquet(path)
            except Exception as err:  # pyarrow raises several kinds on a damaged file
                raise RunDirError(
                    f"{path} cannot be read ({type(err).__name__}); parcours resume {out} runs "
                    "the task again",
                    {task["id"]: f"{table}.parquet cannot be read"},
                ) from None
            frame.insert(0, "replication", task["replication"])
            frame.insert(0, "point", task["point"])
            frame.insert(0, "scenario", task["scenario_key"])
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_tables(out: Path, tables: dict) -> dict[str, dict]:
    """Write final tables atomically, each under a temporary name then renamed; their digests."""
    return {
        f"{name}.parquet": write_bytes(Path(out) / f"{name}.parquet", parquet_bytes(frame))
        for name, frame in tables.items()
    }


def refuse_damaged(out: Path, manifest: dict) -> None:
    """Refuse to read a run with a damaged task or table (a task still to run is not damage).

    What :func:`load_run` checks before reading; the commands that read only some tables
    (``results show``, ``report``) check the same.

    Raises:
        RunDirError: naming the damaged items and saying that ``parcours resume`` runs it again.
    """
    problems = task_problems(out, manifest)
    if manifest["status"] != "complete":
        problems = {k: v for k, v in problems.items() if v != "missing"}
    problems.update(table_problems(out, manifest))
    if problems:
        raise RunDirError(
            damaged_message(out, problems, f"parcours resume {out} runs it again"), problems
        )


def load_run(out: str | Path, verify: bool = True) -> dict:
    """Read a run directory: ``{"manifest": dict, "<table>": DataFrame, ...}``.

    Args:
        out: the run directory.
        verify: refuse a damaged run (:func:`check_intact`) instead of reading it.

    Raises:
        FileNotFoundError: not a run directory.
        RunDirError: a damaged manifest, task or table.
    """
    import pandas as pd

    out = Path(out)
    run = {"manifest": read_manifest(out)}
    if verify and run["manifest"]["kind"] != "calibration":
        refuse_damaged(out, run["manifest"])
    for name in TABLES:
        path = out / f"{name}.parquet"
        if path.exists():
            try:
                run[name] = pd.read_parquet(path)
            except Exception as err:  # pyarrow raises several kinds on a damaged file
                raise RunDirError(
                    f"{path} cannot be read ({type(err).__name__}); parcours resume {out} "
                    "assembles it again",
                    {path.name: "cannot be read"},
                ) from None
    return run


def read_rows(path: str | Path) -> list[dict]:
    """A parquet table as a list of rows (one dict each), read with pyarrow alone.

    For commands that print a small table (``parcours results show``) without importing pandas.
    A missing float (null) reads as NaN, as :func:`pandas.read_parquet` reads it.
    """
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read()
    floats = [f.name for f in table.schema if str(f.type) in ("double", "float", "halffloat")]
    rows = table.to_pylist()
    for row in rows:
        for name in floats:
            if row[name] is None:
                row[name] = math.nan
    return rows


def list_runs(base: str | Path = RESULTS_DIR) -> list[dict]:
    """One line of description per run directory under ``base``, oldest first.

    A run whose manifest is damaged is listed with the status ``damaged``.
    """
    rows = []
    for path in sorted(Path(base).glob("*/" + MANIFEST)):
        try:
            m = read_manifest(path.parent)
        except (OSError, RunDirError):
            rows.append(
                {
                    "run": path.parent.name,
                    "kind": "?",
                    "scenarios": "",
                    "replications": "?",
                    "points": "?",
                    "tasks": "?",
                    "status": "damaged",
                    "created": "",
                }
            )
            continue
        tasks = m.get("tasks", [])
        done = sum(task_done(path.parent, t["id"]) for t in tasks if isinstance(t, dict))
        scenario = m.get("scenario") if isinstance(m.get("scenario"), dict) else {}
        rows.append(
            {
                "run": path.parent.name,
                "kind": m.get("kind", "run"),
                "scenarios": ", ".join(m.get("scenarios", {}))
                or str(scenario.get("name", "")),  # a calibration has one
                "replications": m.get("replications", 1),
                "points": len(m.get("points", [])) or 1,
                "tasks": f"{done}/{len(tasks)}",
                "status": m.get("status", "?"),
                "created": m.get("created", ""),
            }
        )
    return rows
