"""Wall time and peak memory of every notebook, in fast mode and with the lecture's settings.

The issue's limits: under 60 s in fast mode and under 3 min normally on 2 CPU cores, with
peak memory under 1.5 GB. Each notebook is executed in a fresh kernel (nbclient); a cell
appended to a copy reports the kernel's peak resident memory (ru_maxrss).

    python benchmarks/notebook_budget.py [--mode fast|normal|both] [notebooks/01_*.ipynb ...]
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

PEAK_CELL = ("import resource, sys\n"
             "print('PEAK_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def run(path: str, fast: bool) -> tuple[float, float]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))
    os.environ["NASDEMO_FAST"] = "1" if fast else "0"
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    secs = time.perf_counter() - t0
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    peak = float(text.split("PEAK_MB")[1].split()[0])
    return secs, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--mode", choices=["fast", "normal", "both"], default="both")
    args = ap.parse_args()
    paths = args.notebooks or sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..",
                                                            "notebooks", "*.ipynb")))
    modes = {"fast": [True], "normal": [False], "both": [True, False]}[args.mode]
    print("command:", " ".join(["python"] + sys.argv))
    print(f"cores: {os.cpu_count()}")
    print(f"{'notebook':<34} {'mode':<7} {'wall s':>7} {'peak MB':>8}")
    for p in paths:
        for fast in modes:
            secs, peak = run(os.path.abspath(p), fast)
            print(f"{os.path.basename(p):<34} {'fast' if fast else 'normal':<7} {secs:>7.1f} "
                  f"{peak:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
