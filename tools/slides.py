"""Give every notebook RISE slide metadata, so a lecturer can present it as a slideshow
(``pip install jupyterlab-rise==0.43.1``, then Alt+R in JupyterLab; see the README's
"Lecture mode"). The slide types come from the notebook's own structure, so the tool can be
rerun after any edit and gives the same result (idempotent):

* a markdown cell that starts with a ``#`` or ``##`` heading starts a new ``slide`` (one slide
  per section); a ``###`` (or deeper) heading starts a ``subslide`` of its section;
* markdown before the section's first code cell is ``-`` (it continues the slide: the text a
  lecturer talks over is there when the slide opens);
* the section's code cells, and everything after the first of them, are ``fragment``: the demo
  appears on the next key press, in reading order. (Text after a demo usually comments on its
  figure; as ``-`` it would show before the figure it talks about, because reveal.js shows a
  slide's non-fragment content at once.)
* ``skip``: the Colab setup cell, the parameter cell and the closing cell of asserts. They
  must run, but they are plumbing and tests, not lecture content.

It also sets the notebook's ``rise`` metadata to ``{"scroll": true}``: a demo with its figure
is taller than a 800 px projector screen, and without scrolling the bottom is cut off.

    python tools/slides.py            # write the metadata into notebooks/*.ipynb
    python tools/slides.py --check    # exit 1 (naming the notebooks) if any is out of date
    python tools/slides.py A.ipynb    # only these notebooks
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from colab_cell import SETUP_MARK  # noqa: E402  the first line of each notebook's setup cell

ROOT = Path(__file__).resolve().parent.parent
PARAMS_MARK = "# Parameters"               # first line of each notebook's parameter cell
HEADING = re.compile(r"(#{1,6})\s+\S")     # a markdown ATX heading on the cell's first line
RISE_SETTINGS = {"scroll": True}


def _first_line(source: str) -> str:
    """The cell's first non-blank line, stripped (cells may start with an empty line)."""
    return next((line.strip() for line in source.splitlines() if line.strip()), "")


def _heading_level(cell: nbformat.NotebookNode) -> int:
    """1-6 for a markdown cell that opens with a heading, 0 otherwise."""
    if cell.cell_type != "markdown":
        return 0
    m = HEADING.match(_first_line(cell.source))
    return len(m.group(1)) if m else 0


def _is_closing_asserts(cells: list, i: int) -> bool:
    """The notebook's last cell, when it is the code cell of asserts every notebook ends with."""
    cell = cells[i]
    return (i == len(cells) - 1 and cell.cell_type == "code"
            and re.search(r"^\s*assert\b", cell.source, re.M) is not None)


def slide_types(nb: nbformat.NotebookNode) -> list[str]:
    """The RISE slide type of each cell of ``nb``, from its headings and cell kinds alone."""
    cells = nb.cells
    types = []
    seen_code_in_section = False
    for i, cell in enumerate(cells):
        level = _heading_level(cell)
        first = _first_line(cell.source)
        if level:
            types.append("slide" if level <= 2 else "subslide")
            seen_code_in_section = False
        elif cell.cell_type == "code" and (first.startswith(SETUP_MARK)
                                           or first.startswith(PARAMS_MARK)
                                           or _is_closing_asserts(cells, i)):
            types.append("skip")
        elif cell.cell_type == "code":
            types.append("fragment")
            seen_code_in_section = True
        elif cell.cell_type in ("markdown", "raw"):
            types.append("fragment" if seen_code_in_section else "-")
        else:
            raise ValueError(f"cell {i}: unknown cell_type {cell.cell_type!r}")
    return types


def apply(nb: nbformat.NotebookNode) -> bool:
    """Write the slide types (and the ``rise`` settings) into ``nb``; True if anything changed.

    Other cell and notebook metadata are kept as they are."""
    changed = False
    for cell, kind in zip(nb.cells, slide_types(nb)):
        show = cell.metadata.get("slideshow")
        if show is not None and not isinstance(show, dict):
            raise ValueError(f"cell metadata 'slideshow' must be a dict, got {show!r}")
        if (show or {}).get("slide_type") != kind:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
            changed = True
    rise = nb.metadata.get("rise", {})
    if any(rise.get(k) != v for k, v in RISE_SETTINGS.items()):
        nb.metadata["rise"] = {**rise, **RISE_SETTINGS}
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path,
                    help="notebooks to process (default: notebooks/*.ipynb)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if any notebook's slide metadata is out of date")
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    stale = []
    for path in paths:
        if not path.is_file():
            raise SystemExit(f"{path}: no such notebook")
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            stale.append(path.name)
            if not args.check:
                nbformat.write(nb, path)
        counts = Counter(slide_types(nb))
        print(f"{path.name}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    if args.check and stale:
        print(f"slide metadata out of date in: {', '.join(stale)} (run python tools/slides.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
