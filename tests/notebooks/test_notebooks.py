"""Execute every teaching notebook top to bottom with a real Jupyter kernel.

Each notebook asserts the lectures' numbers in its own cells, so running it is the test: any
exception (a failed ``assert`` included) fails the notebook. A notebook also has to finish
within ``TIME_LIMIT`` seconds in total (a deadline shared by its cells, not a per-cell limit),
and to show what it promises: figures (matplotlib PNGs, Graphviz SVGs) and, where it steps
through backprop, the stepper's HTML player.

Matplotlib is left to pick its backend: a kernel without a display uses the inline backend
(Agg underneath), so figures are real PNG outputs. Setting ``MPLBACKEND=Agg`` globally would
silently drop them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
TIME_LIMIT = 120  # seconds per notebook, all cells together
KERNEL = "python3"  # ipykernel's spec; jupyter_client launches it with this interpreter

#: The course, in order (issue 6).
EXPECTED = [
    "01_computation_graphs.ipynb",
    "02_perceptron.ipynb",
    "03_backprop_mlp.ipynb",
    "04_vectorized.ipynb",
    "05_training.ipynb",
    "06_cnn.ipynb",
    "07_higher_order.ipynb",
    "08_watching_training.ipynb",
    "09_practice.ipynb",
]

#: Output MIME types each notebook must produce when executed.
MUST_SHOW = {
    "01_computation_graphs": {"image/png", "image/svg+xml", "text/html"},
    "02_perceptron": {"image/png"},
    "03_backprop_mlp": {"image/svg+xml", "text/html"},
    "04_vectorized": {"image/svg+xml"},
    "05_training": {"image/png"},
    "06_cnn": {"image/png"},
    "07_higher_order": {"image/svg+xml", "text/html"},
    "08_watching_training": {"image/png", "text/html"},
    "09_practice": {"text/html"},
}


def _mime_types(nb) -> set[str]:
    kinds: set[str] = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            kinds.update(out.get("data", {}).keys())
    return kinds


def test_the_notebooks_exist_and_are_listed():
    assert [p.name for p in NOTEBOOKS] == EXPECTED
    readme = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert name in readme, f"notebooks/README.md does not list {name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name}: cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    deadline = time.monotonic() + TIME_LIMIT

    def remaining(cell) -> int:  # every cell gets what is left of the notebook's budget
        return max(1, int(deadline - time.monotonic()))

    client = nbclient.NotebookClient(
        nb,
        timeout=TIME_LIMIT,
        timeout_func=remaining,
        kernel_name=KERNEL,
        allow_errors=False,
        # run where files written by the notebook (player HTML, images) can be thrown away
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError (with the traceback) on any failing cell
    errors = [out for cell in nb.cells for out in cell.get("outputs", [])
              if out.get("output_type") == "error"]
    assert errors == []
    expected = set(MUST_SHOW[path.stem])
    if shutil.which("dot") is None:  # drawings fall back to their DOT source as text
        expected.discard("image/svg+xml")
    missing = expected - _mime_types(nb)
    assert not missing, f"{path.name} showed no {sorted(missing)} output"
