"""``python -m nasdemo compare``: several search methods over many seeds and budgets on one
table (``nasdemo.nas.compare``), printed as a table, optionally saved run by run (CSV) and
plotted (HTML), here, on local processes or on a Dask cluster."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any

from .common import (CommandError, add_executor_arguments, add_table_arguments,
                     executor_from_args, int_at_least, int_list, load_table, method_names,
                     searching)

CSV_COLUMNS = ["method", "budget", "seed", "cell", "val_acc", "seen_acc", "test_acc", "rank",
               "queries", "seconds"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``compare`` subcommand's options."""
    from ..nas.methods import METHODS

    parser.add_argument("--methods", type=method_names(), metavar="A,B,...",
                        default=["random_search", "aging_evolution", "reinforce"],
                        help=f"comma-separated methods among {', '.join(sorted(METHODS))}, "
                             "or all (default random_search,aging_evolution,reinforce)")
    parser.add_argument("--budget", type=int_list(1, "--budget"), default=[150],
                        metavar="B1,B2,...", help="budgets in queries (default 150)")
    parser.add_argument("--runs", type=int_at_least(1, "--runs"), default=100,
                        help="seeds per method and budget: 0..runs-1 (default 100)")
    parser.add_argument("--out", type=Path, metavar="results.csv",
                        help="also write every run (method, budget, seed, returned cell, its "
                             "accuracies and rank, queries, seconds) to this CSV")
    parser.add_argument("--plot", type=Path, metavar="figure.html",
                        help="also write the returned cells' accuracy against budget, per "
                             "method, as an HTML figure")
    parser.add_argument("--force", action="store_true",
                        help="overwrite an existing --out or --plot file")
    add_table_arguments(parser)
    add_executor_arguments(parser)


def _check_new(path: Path | None, flag: str, force: bool) -> None:
    if path is None:
        return
    if path.is_dir():
        raise CommandError(f"{flag} {path} is a directory; give a file name")
    if path.exists() and not force:
        raise CommandError(f"{flag} {path} exists; refusing to overwrite it (pass --force, or "
                           "choose another file)")
    if not path.parent.is_dir():
        raise CommandError(f"{flag} {path}: no folder {path.parent}")


def run(args: argparse.Namespace) -> int:
    """Run the ``compare`` subcommand: 0 done, 2 bad input."""
    import numpy as np

    from ..nas import compare
    from ..nas.methods import get_method
    from ..utils import few_threads

    _check_new(args.out, "--out", args.force)
    _check_new(args.plot, "--plot", args.force)
    if args.out is not None and args.plot is not None and args.out.resolve() == args.plot.resolve():
        raise CommandError("--out and --plot name the same file")
    bench = load_table(args)
    strategies = {name: get_method(name) for name in args.methods}
    results = {}
    with executor_from_args(args) as executor, few_threads(), searching(args.table):
        for budget in args.budget:
            results[budget] = compare(bench, strategies, budget, seeds=args.runs,
                                      executor=executor, progress=True)
    has_test = all(r.test for r in results.values())
    vals = np.sort(np.asarray(bench.accuracies()))
    print(f"{len(args.methods)} methods x {args.runs} runs on {bench.name}; the table's best "
          f"validation accuracy {bench.best()[1]:.2f} %")
    for budget, comparison in results.items():  # mean, SD, CI, rank, cost, test vs random
        print(f"\nbudget {budget}:\n{comparison.ranking(bench)}")
    if args.out is not None:
        rows = [_row(name, budget, r, bench, vals, has_test)
                for budget, comparison in results.items()
                for name, runs in comparison.runs.items() for r in runs]
        _write_atomically(args.out, lambda f: _write_csv(f, rows))
        print(f"\nwrote {len(rows)} runs to {args.out}", file=sys.stderr)
    if args.plot is not None:
        from ..viz import budget_figure

        scores = {name: {b: (c.test[name] if has_test else c.final(name))
                         for b, c in results.items()} for name in args.methods}
        what = "test accuracy of the returned cell, %" if has_test else \
            "best validation accuracy found, %"
        fig = budget_figure(scores, ylabel=what, title=f"{bench.name}: mean over "
                                                      f"{args.runs} runs, 95 % CI")
        _write_atomically(args.plot, lambda f: f.write(fig.to_html(include_plotlyjs=True)))
        print(f"wrote the figure to {args.plot}", file=sys.stderr)
    return 0


def _row(name: str, budget: int, r: Any, bench: Any, sorted_vals: Any,
         has_test: bool) -> dict[str, Any]:
    """One run as a CSV row; rank as ``Benchmark.rank`` counts it (1 + cells strictly
    better), from the sorted accuracies instead of a pass over the table per run."""
    import numpy as np

    cell, seen = r.best
    val = bench.lookup(cell)
    rank = 1 + len(sorted_vals) - int(np.searchsorted(sorted_vals, val, side="right"))
    return {"method": name, "budget": budget, "seed": r.seed, "cell": str(cell),
            "val_acc": val, "seen_acc": seen,
            "test_acc": bench.lookup(cell, test=True) if has_test else "",
            "rank": rank, "queries": len(r), "seconds": round(r.seconds, 3)}


def _write_csv(f: Any, rows: list[dict[str, Any]]) -> None:
    w = csv.DictWriter(f, CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)


def _write_atomically(path: Path, write: Any) -> None:
    """Write through a temporary file renamed over ``path``: an interrupted write leaves
    nothing half-written."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        write(f)
    os.replace(tmp, path)
