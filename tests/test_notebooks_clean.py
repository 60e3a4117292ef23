"""Notebook conventions: committed without outputs, the Colab cell first, a parameters
cell second, and a final cell of asserts on what the notebook teaches."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    with_outputs = [i for i, c in enumerate(code) if c.outputs or c.execution_count]
    assert not with_outputs, f"{path.name}: code cells {with_outputs} have outputs; strip them"
    assert nb.cells[0].cell_type == "markdown" and "Lecture" in nb.cells[0].source
    assert "google.colab" in code[0].source, "first code cell must be the guarded Colab setup"
    assert "pick(" in code[1].source or "Parameters" in code[1].source
    assert code[-1].source.count("assert ") >= 3, "last cell must assert what was taught"


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert path.stem in readme, f"README does not list {path.name}"
