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
- ``monthly.parquet`` and ``ledger.parquet``: every task's monthly records and ledger, with the
  scenario, point and replication columns;
- ``cohort.parquet``: a sample of each task's entry cohort with its status month by month;
- ``persons.parquet``: one row per person (single runs, or when asked for).

Every file is written atomically (written under a temporary name, then renamed): a task's
directory exists only once all its files are complete, so an interrupted run loses no finished
task and counts none twice; ``parcours resume`` runs only the tasks whose directory is missing.
An existing output directory is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

TABLES = (
    "indicators",
    "summary",
    "differences",
    "points",
    "allocations",
    "explain",
    "costs",
    "monthly",
    "ledger",
    "cohort",
    "persons",
)
RESULTS_DIR = Path("results")
TASKS = "tasks"
MANIFEST = "manifest.json"


class OutputExistsError(FileExistsError):
    """The output directory exists already; runs are never overwritten."""


def new_run_id(scenario_name: str, seed: int) -> str:
    """A run id that sorts by time: ``<scenario>-<UTC time>-s<seed>``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{scenario_name}-{stamp}-s{seed}"


def check_free(out: Path) -> None:
    """Raise :class:`OutputExistsError` if ``out`` exists (checked before anything runs)."""
    if out.exists():
        raise OutputExistsError(
            f"output directory {out} exists already; choose another --out (runs are never "
            "overwritten)"
        )


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
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=here,
        capture_output=True,
        text=True,
        timeout=5,
    ).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def versions() -> dict[str, str]:
    """Versions of Python, the package and its main dependencies."""
    out = {"python": platform.python_version()}
    for dist in ("parcours", "mesa", "numpy", "pandas", "pyarrow", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def write_text(path: Path, content: str | bytes) -> None:
    """Write a text (or bytes) file atomically: under a temporary name, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def write_figure(path: Path, fig, dpi: int | None = None) -> None:
    """Save a matplotlib figure as PNG atomically (at the figure's dpi by default); close it."""
    import matplotlib.pyplot as plt

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fig.savefig(tmp, dpi=dpi or "figure", format="png")
    plt.close(fig)
    os.replace(tmp, path)


def read_manifest(out: str | Path) -> dict:
    """The manifest of a run directory."""
    path = Path(out) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{out} is not a run directory (no {MANIFEST})")
    return json.loads(path.read_text())


def write_manifest(out: Path, manifest: dict) -> None:
    """Replace the manifest atomically."""
    _write_json(Path(out) / MANIFEST, manifest)


def create_run_dir(out: Path, manifest: dict) -> None:
    """Create ``out`` with its manifest and an empty ``tasks/``, atomically; never overwrite."""
    out = Path(out)
    check_free(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / TASKS).mkdir(parents=True)
    write_manifest(tmp, manifest)
    try:
        check_free(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def task_path(out: Path, task_id: str) -> Path:
    """Where a task's files are."""
    return Path(out) / TASKS / task_id


def task_done(out: Path, task_id: str) -> bool:
    """Whether a task's directory is complete (it exists only once all its files are written)."""
    return task_path(out, task_id).is_dir()


def write_task(out: Path, task_id: str, tables: dict) -> None:
    """Write one task's tables atomically; a task already done is left as it is."""
    final = task_path(out, task_id)
    if final.exists():
        return
    tmp = final.with_name(f".{task_id}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.exists():
            raise


def read_tasks(out: Path, tasks: list[dict], table: str):
    """One table of every task, concatenated, with the task's scenario, point and replication."""
    import pandas as pd

    frames = []
    for task in tasks:
        path = task_path(out, task["id"]) / f"{table}.parquet"
        if path.exists():
            frame = pd.read_parquet(path)
            frame.insert(0, "replication", task["replication"])
            frame.insert(0, "point", task["point"])
            frame.insert(0, "scenario", task["scenario_key"])
            frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_tables(out: Path, tables: dict) -> None:
    """Write final tables atomically, each under a temporary name then renamed."""
    for name, frame in tables.items():
        path = Path(out) / f"{name}.parquet"
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)


def load_run(out: str | Path) -> dict:
    """Read a run directory: ``{"manifest": dict, "<table>": DataFrame, ...}``."""
    import pandas as pd

    out = Path(out)
    run = {"manifest": read_manifest(out)}
    for name in TABLES:
        path = out / f"{name}.parquet"
        if path.exists():
            run[name] = pd.read_parquet(path)
    return run


def list_runs(base: str | Path = RESULTS_DIR) -> list[dict]:
    """One line of description per run directory under ``base``, oldest first."""
    rows = []
    for path in sorted(Path(base).glob("*/" + MANIFEST)):
        try:
            m = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        tasks = m.get("tasks", [])
        done = sum(task_done(path.parent, t["id"]) for t in tasks)
        rows.append(
            {
                "run": path.parent.name,
                "kind": m.get("kind", "run"),
                "scenarios": ", ".join(m.get("scenarios", {}))
                or m.get("scenario", {}).get("name", ""),  # a calibration has one
                "replications": m.get("replications", 1),
                "points": len(m.get("points", [])) or 1,
                "tasks": f"{done}/{len(tasks)}",
                "status": m.get("status", "?"),
                "created": m.get("created", ""),
            }
        )
    return rows
