"""AmoebaNet's Figure 3 on a tabular benchmark, as numbers: aging evolution vs REINFORCE vs
random search (and non-aging evolution), many seeds, same query budget.

    python benchmarks/search_comparison.py                       # shipped MNIST-1D table
    python benchmarks/search_comparison.py --csv nb201_cifar10.csv --test-column test_acc
    python benchmarks/search_comparison.py --noisy               # one seed's result per query

Prints, per strategy: mean +- SD of the best validation accuracy found, the mean test accuracy
of the cell each run returns, its mean regret to the table's best cell (by mean validation
accuracy), and a one-sided Mann-Whitney U test of "this strategy's returned test accuracy is
higher than random search's". Then the speed check: 200 aging-evolution runs of 1,000 queries
on one thread.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import torch
from scipy.stats import mannwhitneyu

from nasdemo.nas import Benchmark, aging_evolution, compare, random_search, reinforce


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=int, default=150)
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--noisy", action="store_true", help="queries return one random seed")
    p.add_argument("--csv", help="a NAS-Bench-201 export instead of the shipped table")
    p.add_argument("--arch-column", default="arch")
    p.add_argument("--metric-column", default="val_acc")
    p.add_argument("--test-column", default=None)
    p.add_argument("--skip-speed", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(1)

    bench = (Benchmark.from_csv(a.csv, a.arch_column, a.metric_column, test_column=a.test_column)
             if a.csv else Benchmark.default())
    strategies = {
        "aging evolution": partial(aging_evolution, noisy=a.noisy),
        "non-aging evolution": partial(aging_evolution, aging=False, noisy=a.noisy),
        "REINFORCE (softmax)": partial(reinforce, noisy=a.noisy),
        "random search": partial(random_search, noisy=a.noisy),
    }
    t0 = time.perf_counter()
    res = compare(bench, strategies, a.budget, seeds=a.seeds)
    wall = time.perf_counter() - t0
    best_cell, best_val = bench.best()
    print(f"table {bench.name}: {len(bench)} cells, best mean val {best_val:.2f} "
          f"(test {bench.lookup(best_cell, test=True):.2f}) {best_cell}")
    print(f"budget {a.budget} queries, {a.seeds} seeds, noisy={a.noisy}; {wall:.1f} s for all\n")
    print(f"{'strategy':22s} {'best val found':>15s} {'test of returned':>17s} "
          f"{'val regret':>11s} {'MW p (> RS, test)':>18s}")
    rs_test = res.test["random search"]
    for name in strategies:
        v, t = res.final(name), res.test[name]
        pval = (mannwhitneyu(t, rs_test, alternative="greater").pvalue
                if name != "random search" else float("nan"))
        print(f"{name:22s} {v.mean():7.2f} ± {v.std():5.2f} {t.mean():8.2f} ± {t.std():5.2f} "
              f"{(best_val - v).mean():11.2f} {pval:18.2g}")

    if not a.skip_speed:
        t0 = time.perf_counter()
        for s in range(200):
            aging_evolution(bench, 1000, seed=s)
        print(f"\nspeed: 200 aging-evolution runs x 1,000 queries in "
              f"{time.perf_counter() - t0:.1f} s (one thread)")


if __name__ == "__main__":
    main()
