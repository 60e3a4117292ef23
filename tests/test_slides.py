"""tools/slides.py: RISE slide metadata from a notebook's headings, on small notebooks built here."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("slides", ROOT / "tools" / "slides.py")
slides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slides)


def lecture_notebook() -> nbformat.NotebookNode:
    """The shape of every lecture notebook: title, setup, parameters, sections, asserts."""
    return new_notebook(cells=[
        new_markdown_cell("# 09 · A title\n\nWhat this notebook is about."),
        new_code_cell("# Setup: on Google Colab this installs nasdemo\nimport sys"),
        new_code_cell("# Parameters. NASDEMO_FAST=1 shrinks the budgets\nBUDGET = 10"),
        new_markdown_cell("## First section\n\nThe idea."),
        new_markdown_cell("More text before any demo."),
        new_code_cell("x = 1"),
        new_markdown_cell("What the figure above shows."),
        new_code_cell("y = 2"),
        new_markdown_cell("\n### A subsection\n\nIn 2-D."),
        new_code_cell("z = 3"),
        new_markdown_cell("## What we saw\n\n* a point"),
        new_code_cell("assert x == 1\nassert y == 2"),
    ])


EXPECTED = ["slide", "skip", "skip", "slide", "-", "fragment", "fragment", "fragment",
            "subslide", "fragment", "slide", "skip"]


def types_in(nb: nbformat.NotebookNode) -> list[str]:
    return [c.metadata["slideshow"]["slide_type"] for c in nb.cells]


def test_slide_types_follow_sections():
    nb = lecture_notebook()
    assert slides.slide_types(nb) == EXPECTED
    assert slides.apply(nb) is True
    assert types_in(nb) == EXPECTED
    assert nb.metadata["rise"] == {"scroll": True}
    nbformat.validate(nb)


def test_idempotent_and_keeps_other_metadata():
    nb = lecture_notebook()
    nb.cells[5].metadata["tags"] = ["demo"]
    nb.metadata["rise"] = {"theme": "serif"}
    assert slides.apply(nb) is True
    once = copy.deepcopy(nb)
    assert slides.apply(nb) is False
    assert nb == once
    assert nb.cells[5].metadata["tags"] == ["demo"]
    assert nb.metadata["rise"] == {"theme": "serif", "scroll": True}


def test_stale_types_are_rewritten():
    nb = lecture_notebook()
    slides.apply(nb)
    nb.cells[5].metadata["slideshow"]["slide_type"] = "skip"   # hand-edited, or cells moved
    nb.cells.insert(6, new_markdown_cell("## A new section"))
    assert slides.apply(nb) is True
    assert types_in(nb)[5:8] == ["fragment", "slide", "-"]


def test_code_only_in_last_cell_is_skipped_only_with_asserts():
    nb = new_notebook(cells=[new_markdown_cell("## S"), new_code_cell("print(1)")])
    assert slides.slide_types(nb) == ["slide", "fragment"]
    nb.cells.append(new_code_cell("x = 2\nassert x == 2"))
    assert slides.slide_types(nb) == ["slide", "fragment", "skip"]


def test_hash_without_space_is_not_a_heading():
    nb = new_notebook(cells=[new_markdown_cell("## S"), new_markdown_cell("#hashtag text")])
    assert slides.slide_types(nb) == ["slide", "-"]


def test_bad_slideshow_metadata_is_named():
    nb = lecture_notebook()
    nb.cells[3].metadata["slideshow"] = "slide"
    with pytest.raises(ValueError, match="'slideshow' must be a dict"):
        slides.apply(nb)


def test_cli_writes_then_check_passes(tmp_path, capsys):
    path = tmp_path / "09_demo.ipynb"
    nbformat.write(lecture_notebook(), path)
    assert slides.main(["--check", str(path)]) == 1
    assert "09_demo.ipynb" in capsys.readouterr().err
    assert "slideshow" not in nbformat.read(path, as_version=4).cells[0].metadata  # wrote nothing
    assert slides.main([str(path)]) == 0
    assert types_in(nbformat.read(path, as_version=4)) == EXPECTED
    assert slides.main(["--check", str(path)]) == 0


def test_cli_names_a_missing_notebook(tmp_path):
    with pytest.raises(SystemExit, match="no_such.ipynb: no such notebook"):
        slides.main([str(tmp_path / "no_such.ipynb")])


def test_repo_notebooks_slide_metadata_is_current(capsys):
    """Once the notebooks carry slide metadata, every edit must keep it current."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not any("slideshow" in c.metadata for p in notebooks
               for c in nbformat.read(p, as_version=4).cells):
        pytest.skip("no notebook has slide metadata yet: run python tools/slides.py")
    assert slides.main(["--check", *map(str, notebooks)]) == 0, capsys.readouterr().err
