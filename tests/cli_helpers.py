"""Running the ``parcours`` command line (as a subprocess or in this process) for the tests."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 300


def _command() -> list[str]:
    script = Path(sys.executable).parent / "parcours"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.present.cli"]


@dataclass
class Done:
    """A finished command: its arguments, exit code and output."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"command: {' '.join(self.args)}\nexit code: {self.returncode}\n"
            f"stdout:\n{self.stdout[-3000:]}\nstderr:\n{self.stderr[-3000:]}"
        )


def parcours(*args: str | Path, cwd: Path) -> Done:
    """Run ``parcours ARGS`` in ``cwd`` and wait for it."""
    argv = [*_command(), *map(str, args)]
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    return Done(argv, proc.returncode, proc.stdout, proc.stderr)


def parcours_here(*args: str | Path, cwd: Path) -> Done:
    """Run ``parcours ARGS`` in this process (click's test runner), in ``cwd``.

    For commands that run little or nothing (refusals, ``results``), without the cost of
    starting an interpreter; an unexpected exception propagates with its traceback.
    """
    import pytest
    from click.testing import CliRunner

    from sim.present.cli import main

    argv = [str(a) for a in args]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return Done(["parcours", *argv], result.exit_code, result.stdout, result.stderr)


def start(*args: str | Path, cwd: Path, **popen_kwargs) -> subprocess.Popen:
    """Start ``parcours ARGS`` in ``cwd`` without waiting (the caller waits or kills it)."""
    return subprocess.Popen([*_command(), *map(str, args)], cwd=cwd, **popen_kwargs)


def parcours_many(*commands: tuple[str | Path, ...], cwd: Path) -> list[Done]:
    """Run several ``parcours`` commands at once (they are independent) and wait for all."""
    argvs = [[*_command(), *map(str, args)] for args in commands]
    procs = [
        subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    done = []
    try:
        for argv, proc in zip(argvs, procs, strict=True):
            out, err = proc.communicate(timeout=TIMEOUT)
            done.append(Done(argv, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done
