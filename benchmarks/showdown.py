"""The showdown: every search strategy in ``nasdemo.nas.METHODS`` on one NAS problem, same query
budget, many seeds, ranked with confidence intervals (issue 17; notebook 10 is its live view).

    python benchmarks/showdown.py                    # all methods, 150 queries, 100 runs
    python benchmarks/showdown.py --runs 20 --methods random_search,bayesopt,cmaes
    python benchmarks/showdown.py --csv nb201_cifar10.csv --test-column test_acc

The methods come from the registry at run time, so a strategy added to METHODS joins the
showdown without touching this script. Each run returns the cell with the best validation
accuracy it queried; the table ranks methods by the mean *test* accuracy of that cell (the
search never saw it), with its SD and a bootstrap 95 % CI, the cell's rank in the table
(1 = best validation accuracy of all 15,625), the simulated training hours the queries
cost, and a one-sided Mann-Whitney U test against random search. Wall-clock seconds per
method are printed too (this machine, all runs of the method).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time

import torch

from nasdemo.nas import METHODS, Benchmark, compare, get_method
from nasdemo.nas.compare import Comparison


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=100, help="seeds per method (default 100)")
    p.add_argument("--budget", type=int, default=150, help="queries per run (default 150)")
    p.add_argument("--methods", default="",
                   help=f"comma-separated names from METHODS (default all: {', '.join(METHODS)})")
    p.add_argument("--csv", help="a NAS-Bench-201 export instead of the shipped MNIST-1D table")
    p.add_argument("--arch-column", default="arch")
    p.add_argument("--metric-column", default="val_acc")
    p.add_argument("--test-column", default=None)
    p.add_argument("--out", help="write the ranking rows to this CSV file")
    a = p.parse_args(argv)
    if a.runs < 1 or a.budget < 1:
        p.error(f"--runs and --budget must be positive, got {a.runs} and {a.budget}")
    names = [m.strip() for m in a.methods.split(",") if m.strip()] or list(METHODS)
    for m in names:
        try:
            get_method(m)
        except ValueError as err:
            p.error(str(err))
    if len(set(names)) != len(names):
        p.error(f"--methods names a method twice: {a.methods}")
    a.names = names
    return a


def run(a: argparse.Namespace) -> tuple[Benchmark, Comparison, dict[str, float]]:
    """Each method over seeds 0..runs-1, one method at a time (timed)."""
    bench = (Benchmark.from_csv(a.csv, a.arch_column, a.metric_column, test_column=a.test_column)
             if a.csv else Benchmark.default())
    parts, wall = [], {}
    for name in a.names:
        t0 = time.perf_counter()
        parts.append(compare(bench, {name: METHODS[name]}, a.budget, seeds=a.runs))
        wall[name] = time.perf_counter() - t0
        print(f"  {name}: {a.runs} runs in {wall[name]:.1f} s", file=sys.stderr, flush=True)
    return bench, Comparison.combine(parts), wall


def main(argv: list[str] | None = None) -> None:
    a = parse(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    bench, comp, wall = run(a)
    total = time.perf_counter() - t0
    best_cell, best_val = bench.best()
    print(f"table {bench.name}: {len(bench):,} cells, best mean validation {best_val:.2f} %"
          + (f" (test {bench.lookup(best_cell, test=True):.2f} %)" if comp.test else ""))
    print(f"{len(a.names)} methods x {a.runs} runs x {a.budget} queries; "
          f"{total:.0f} s wall in all, one thread\n")
    print(comp.ranking(bench))
    print("\nwall seconds per run: " + ", ".join(f"{n} {wall[n] / a.runs:.2f}" for n in a.names))
    if a.out:
        rows = comp.summary(bench)
        with open(a.out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]) + ["wall_s_per_run"])
            w.writeheader()
            for r in rows:
                w.writerow({**r, "wall_s_per_run": wall[r["method"]] / a.runs})
        print(f"rows written to {a.out}")


if __name__ == "__main__":
    main()
