"""Execute every researcher notebook (notebooks/*.ipynb) at the small size.

Each notebook runs top to bottom in a fresh ``python3`` kernel of this virtualenv (the
``python3`` kernelspec that ipykernel installs under ``sys.prefix``; a kernelspec whose command
is ``python`` runs ``sys.executable``), with ``PARCOURS_NOTEBOOK_SMALL=1`` and its outputs under a
temporary ``PARCOURS_NOTEBOOK_OUT``. The notebooks are executed in memory: the files are not
rewritten.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 300  # seconds per cell
KERNEL = "python3"
CHECK_PYTHON = "import sys\nprint(sys.executable)"

# What each notebook must show, beyond running without error.
EXPECTED = {
    "01_quickstart.ipynb": {"html_tables": 8, "images": 0},
    "02_linear_vs_iterative.ipynb": {"html_tables": 3, "images": 3},
    "03_funding_allocations.ipynb": {"html_tables": 6, "images": 2},
    "04_calibration_and_sensitivity.ipynb": {"html_tables": 4, "images": 3},
}


def notebook_files() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def kernel_python() -> str:
    """The interpreter the ``python3`` kernelspec starts (``python`` means sys.executable)."""
    from jupyter_client.kernelspec import KernelSpecManager

    argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    return sys.executable if argv[0] in {"python", "python3"} else argv[0]


def outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def notebook_runs_in_results(before: set[str]) -> list[str]:
    """Run directories added to results/ by a notebook kernel (their command is the kernel's)."""
    results = ROOT / "results"
    found = []
    for path in results.glob("*/manifest.json") if results.is_dir() else []:
        if path.parent.name not in before:
            command = json.loads(path.read_text()).get("command", "")
            if "ipykernel" in command:
                found.append(path.parent.name)
    return found


def results_entries() -> set[str]:
    results = ROOT / "results"
    return {p.name for p in results.iterdir()} if results.is_dir() else set()


def test_every_notebook_is_checked():
    assert {p.name for p in notebook_files()} == set(EXPECTED)


def test_kernel_is_this_virtualenv():
    assert Path(kernel_python()).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("path", notebook_files(), ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PARCOURS_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("PARCOURS_NOTEBOOK_OUT", str(tmp_path / "out"))
    before = results_entries()
    nb = nbformat.read(path, as_version=4)
    # A last cell, in memory only: which interpreter ran the notebook.
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_PYTHON))
    client = nbclient.NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    python = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(python).resolve() == Path(sys.executable).resolve()
    expected = EXPECTED[path.name]
    html = [o for o in outs if "text/html" in o.get("data", {})]
    tables = [o for o in html if "<table" in o["data"]["text/html"]]
    images = [o for o in outs if "image/png" in o.get("data", {})]
    assert len(tables) >= expected["html_tables"], f"{len(tables)} tables in {path.name}"
    assert len(images) >= expected["images"], f"{len(images)} images in {path.name}"
    if path.name == "01_quickstart.ipynb":
        assert any('class="dataframe"' in o["data"]["text/html"] for o in tables)
    # Everything went to the temporary directory, nothing into results/.
    assert notebook_runs_in_results(before) == []
    assert any((tmp_path / "out").iterdir())
