"""Write the first code cell of every notebook: on Colab it installs nasdemo and what that
notebook needs that Colab lacks (``pip --no-deps``, so Colab's own torch, numpy, plotly ...
stay as they are); elsewhere it does nothing. tests/test_colab_setup.py checks both.

    python tools/colab_cell.py        # rewrite the cells after a dependency changes
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
REPO = "git+https://github.com/nasdemo/nasdemo"
SETUP_MARK = "# Setup: on Google Colab"  # how the setup cell begins (tools/slides.py skips it)
# What a notebook may need that Colab does not ship, and the code that shows it needs it.
COLAB_LACKS = {
    "mnist1d": re.compile(r"\b(load_mnist1d|train_cell)\b"),  # nasdemo imports it lazily
    "cma": re.compile(r"^\s*(import cma|from cma\b)", re.M),   # pycma, compared with in 02
}


def pins() -> dict[str, str]:
    """name -> 'name==version' from requirements.txt (one pin, one source)."""
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if m:
            out[m.group(1).lower()] = m.group(0)
    return out


def needs(nb: nbformat.NotebookNode) -> list[str]:
    """The pinned packages Colab lacks that this notebook's code uses."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    p = pins()
    return [p[name] for name, used in COLAB_LACKS.items() if used.search(code)]


def cell_source(packages: list[str]) -> str:
    args = ", ".join(f'"{a}"' for a in [REPO, *packages])
    return (f"{SETUP_MARK} this installs nasdemo and what this notebook needs that\n"
            "# Colab lacks; everywhere else it does nothing.\n"
            "import subprocess, sys\n"
            'if "google.colab" in sys.modules:\n'
            '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",\n'
            f"                    {args}], check=True)")


def main() -> int:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if not first.source.startswith(SETUP_MARK):
            raise SystemExit(f"{path.name}: the first code cell is not the Colab setup cell")
        first.source = cell_source(needs(nb))
        nbformat.write(nb, path)
        print(f"{path.name}: {', '.join(needs(nb)) or 'nasdemo only'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
