"""Time each researcher notebook at its default size (``quick``), as a user runs it.

Each notebook of ``notebooks/`` runs top to bottom in a fresh ``python3`` kernel (nbclient), with
``PARCOURS_NOTEBOOK_SIZE`` unset (the default ``quick`` size, meant to take about 30 s on
2 cores) or set by ``--size``, its outputs in a temporary directory. The table gives the wall
time and the CPU time of the kernel and the worker processes it started (from
``/proc/<pid>/stat`` of the kernel, children included, read when it ends), and the load average:
on a busy machine the wall time overstates what a quiet one takes, the CPU time much less.

    .venv/bin/python benchmarks/bench_notebooks.py
    .venv/bin/python benchmarks/bench_notebooks.py --size full 01_quickstart

Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(path: Path, size: str | None) -> tuple[float, float]:
    """Execute one notebook; its wall time and the CPU time of the kernel and its children."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="parcours-bench-nb-") as out:
        env = {"PARCOURS_NOTEBOOK_OUT": out}
        if size:
            env["PARCOURS_NOTEBOOK_SIZE"] = size
        old = {k: os.environ.get(k) for k in (*env, "PARCOURS_NOTEBOOK_SMALL")}
        os.environ.update(env)
        os.environ.pop("PARCOURS_NOTEBOOK_SMALL", None)
        where = {"metadata": {"path": str(path.parent)}}
        client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=1800, resources=where)
        cpu = 0.0
        start = time.perf_counter()
        try:
            with client.setup_kernel():
                pid = client.km.provisioner.process.pid
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
                cpu = _cpu_with_children(pid)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return time.perf_counter() - start, cpu


def _cpu_with_children(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its waited-for children (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    """Run the notebooks one after the other and print their times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks (stems) [all]")
    parser.add_argument("--size", choices=["small", "quick", "full"], help="[quick]")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names]
    print(f"{'notebook':<40}{'wall s':>10}{'CPU s':>10}{'load':>8}")
    for path in paths:
        wall, cpu = run(path, args.size)
        print(f"{path.stem:<40}{wall:>10.1f}{cpu:>10.1f}{os.getloadavg()[0]:>8.1f}", flush=True)
    print(f"size {args.size or 'quick (default)'}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
