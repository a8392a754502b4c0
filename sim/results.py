"""The result store: one self-describing directory per run (DESIGN.md, decision 8).

A run directory holds ``manifest.json`` (resolved scenario, seed, package version, git commit,
timings) and Parquet tables: ``indicators.parquet`` (indicator, public, value),
``monthly.parquet`` (one row per month), ``persons.parquet`` (one row per person who arrived) and
``ledger.parquet`` (month, programme, funder, amount).

Writes are atomic: everything is written to a hidden sibling directory that is renamed to the
final name at the end, so an interrupted run leaves no half-written results, and an existing
directory is never overwritten.
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

TABLES = ("indicators", "monthly", "persons", "ledger")
RESULTS_DIR = Path("results")


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


def write_run(out: Path, tables: dict, manifest: dict) -> Path:
    """Write ``tables`` and ``manifest`` to ``out`` atomically; refuse an existing ``out``."""
    out = Path(out)
    check_free(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        check_free(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def load_run(out: str | Path) -> dict:
    """Read a run directory: ``{"manifest": dict, "<table>": DataFrame, ...}``."""
    import pandas as pd

    out = Path(out)
    if not (out / "manifest.json").exists():
        raise FileNotFoundError(f"{out} is not a run directory (no manifest.json)")
    run = {"manifest": json.loads((out / "manifest.json").read_text())}
    for name in TABLES:
        path = out / f"{name}.parquet"
        if path.exists():
            run[name] = pd.read_parquet(path)
    return run
