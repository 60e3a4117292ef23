"""``python -m nasdemo search``: one search on the benchmark table, and what it returned."""

from __future__ import annotations

import argparse

from .common import add_table_arguments, int_at_least, load_table, method_names, searching


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``search`` subcommand's options."""
    from ..nas.methods import METHODS

    parser.add_argument("--method", required=True, type=method_names(single=True),
                        metavar="NAME",
                        help=f"the search strategy: {', '.join(sorted(METHODS))}")
    parser.add_argument("--budget", type=int_at_least(1, "--budget"), default=150,
                        metavar="QUERIES", help="models evaluated (table queries; default 150)")
    parser.add_argument("--seed", type=int_at_least(0, "--seed"), default=0,
                        help="the search's random seed (default 0)")
    add_table_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the ``search`` subcommand: 0 done, 2 bad input."""
    from ..nas.methods import get_method
    from ..utils import few_threads

    (name,) = args.method
    bench = load_table(args)
    with few_threads(), searching(args.table):  # tiny torch ops: one thread is faster
        result = get_method(name)(bench, args.budget, seed=args.seed)
    cell, seen = result.best
    best_cell, best_val = bench.best()
    test = ""
    try:
        test = f", test {bench.lookup(cell, test=True):.2f} %"
    except ValueError:  # the table has no test accuracies
        pass
    print(f"{name} on {bench.name}: {len(result)} queries, seed {args.seed}, "
          f"{result.seconds:,.0f} simulated training seconds")
    print(f"returned cell: {cell}")
    print(f"accuracy: validation {bench.lookup(cell):.2f} % (the search saw {seen:.2f} %)"
          f"{test}")
    print(f"rank: {bench.rank(cell):,} of {len(bench):,} by validation accuracy "
          f"(the table's best: {best_val:.2f} %, {best_cell})")
    return 0
