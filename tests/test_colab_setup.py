"""The first code cell of every notebook: on Colab (a stub ``google.colab`` module here) it
installs nasdemo and everything the notebook needs that Colab lacks; elsewhere it does
nothing. The pip call is recorded, never run: no network."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _first_cell(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def _run(source: str, monkeypatch, on_colab: bool) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(list(args)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "first cell", "exec"), {})
    return calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_installs_what_colab_lacks(path, monkeypatch):
    source = _first_cell(path)
    assert _run(source, monkeypatch, on_colab=False) == []  # nothing happens elsewhere
    calls = _run(source, monkeypatch, on_colab=True)
    assert len(calls) == 1 and calls[0][1:5] == ["-m", "pip", "install", "-q"]
    installed = set(calls[0][5:])
    assert colab_cell.REPO in installed
    nb = nbformat.read(path, as_version=4)
    missing = set(colab_cell.needs(nb)) - installed
    assert not missing, f"{path.name} uses {sorted(missing)} but its first cell does not install them"
    assert source == colab_cell.cell_source(colab_cell.needs(nb)), \
        f"{path.name}: run python tools/colab_cell.py to rewrite its setup cell"


def test_needs_are_found_and_pinned_as_in_requirements():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import cma\nfrom nasdemo.nas import train_cell")])
    assert colab_cell.needs(nb) == [colab_cell.pins()["mnist1d"], colab_cell.pins()["cma"]]
    assert colab_cell.pins()["mnist1d"].startswith("mnist1d==")
    assert colab_cell.needs(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# cma is compared with later")])) == []
