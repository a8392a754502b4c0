"""Helpers for the tests of bad input: write a scenario, run the CLI in this process, check.

A refusal is: exit code 2, exactly one line on stderr starting with ``error:`` that names the
file and the field (further errors of the same file follow on indented lines), no traceback,
nothing on stdout, and nothing written: neither the output directory nor anything else in the
working directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from cli_helpers import Done, parcours_here

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
TINY = {"run": {"persons": 60, "months": 3, "person_views": False}}
"""A run small enough to finish in a fraction of a second (in-process)."""


def write_scenario(folder: Path, name: str, body: dict | str, extends: Path | None = BASELINE):
    """Write ``folder/name.yaml``: ``body`` (a mapping, or raw text) extending ``extends``."""
    path = folder / f"{name}.yaml"
    if isinstance(body, str):
        path.write_text(body, encoding="utf-8")
        return path
    data = {"extends": str(extends)} if extends is not None else {}
    data.update(body)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def tiny(body: dict | None = None) -> dict:
    """``body`` with the tiny run settings merged in (``body``'s own run settings win)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY.items()}
    for key, value in (body or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def error_lines(done: Done) -> list[str]:
    """The lines of stderr that start with ``error:``."""
    return [line for line in done.stderr.splitlines() if line.startswith("error:")]


def assert_refused(
    done: Done,
    file: str | Path | None,
    field: str | None,
    *words: str,
) -> str:
    """Exit 2 and one ``error:`` line naming the file and the field; the line.

    Args:
        done: the command.
        file: a text the message must contain to name the file (None: not checked).
        field: the field the message must name, as ``: FIELD: `` (None: not checked).
        words: further texts the message must contain.
    """
    assert done.returncode == 2, done.describe()
    assert "Traceback" not in done.stderr, done.describe()
    lines = error_lines(done)
    assert len(lines) == 1, f"expected one error: line\n{done.describe()}"
    others = [x for x in done.stderr.splitlines() if x.strip() and not x.startswith("error:")]
    assert all(x.startswith("  ") for x in others), f"unexpected stderr lines\n{done.describe()}"
    message = lines[0]
    if file is not None:
        assert str(file) in message, f"the message does not name {file}:\n{done.describe()}"
    if field is not None:
        assert f": {field}: " in message, f"the message does not name {field}:\n{message}"
    for word in words:
        assert word in done.stderr, f"{word!r} not in the message:\n{done.stderr}"
    assert done.stdout == "", done.describe()
    return message


def assert_usage_error(done: Done, *words: str) -> None:
    """A refusal of click's own (an argument out of its range): exit 2, no traceback."""
    assert done.returncode == 2, done.describe()
    assert "Traceback" not in done.stderr, done.describe()
    for word in words:
        assert word in done.stderr, f"{word!r} not in:\n{done.stderr}"


def assert_nothing_written(cwd: Path, out: Path | None = None, before: set | None = None) -> None:
    """``out`` does not exist and ``cwd`` holds what it held ``before`` (default: nothing)."""
    if out is not None:
        assert not out.exists(), f"{out} was written despite the error"
        partial = sorted(p.name for p in out.parent.glob(f".{out.name}.*"))
        assert not partial, f"partial results left in {out.parent}: {partial}"
    now = {p.name for p in cwd.iterdir()}
    assert now == (before or set()), f"written in {cwd}: {sorted(now - (before or set()))}"


def run_here(*args, cwd: Path) -> Done:
    """``parcours ARGS`` in this process, in ``cwd``."""
    return parcours_here(*args, cwd=cwd)
