"""DARTS on the NAS-Bench-201 space, judged by the tabular benchmark: for each seed, the cell
derived by first-order DARTS, second-order DARTS and first-order DARTS with progressive edge
cutting, its true accuracy and rank in the table, next to random search and aging evolution
given the same wall-clock time (as table queries: the search's wall time divided by the
table's mean training seconds per run).

    python benchmarks/darts_nb201.py --seeds 5 --epochs 50

One thread per process (``torch.set_num_threads(1)``); variants run one after another.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nasdemo.nas import (Benchmark, NB201Supernet, aging_evolution, darts_search,
                         random_search)
from nasdemo.nas.data import load_mnist1d


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0,
                   help="run seeds first-seed .. first-seed + seeds - 1 (to split over processes)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--prune-every", type=int, default=None,
                   help="epochs between cuts (default: spread 4 cuts over the run)")
    a = p.parse_args()
    torch.set_num_threads(1)
    bench = Benchmark.default()
    data = load_mnist1d()
    mean_run_s = statistics.fmean(bench.training_seconds(c) for c in bench.cells()
                                  if bench.training_seconds(c) > 0)
    prune_every = a.prune_every or max(1, a.epochs // 5)
    variants = {"DARTS 1st order": dict(order=1),
                "DARTS 2nd order": dict(order=2),
                f"DARTS 1st + cutting/{prune_every}ep": dict(order=1, prune_every=prune_every)}
    print(f"table {bench.name}: best {bench.best()[1]:.2f} % val; mean training s/run "
          f"{mean_run_s:.2f}; {a.epochs} epochs, C={a.channels}\n")
    print(f"{'seed':>4s} {'method':32s} {'wall s':>7s} {'val %':>6s} {'test %':>6s} "
          f"{'rank':>6s}  derived / returned cell")
    rows: dict[str, list[tuple[float, float, int]]] = {}
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        walls = []
        for name, opts in variants.items():
            torch.manual_seed(seed)
            net = NB201Supernet(channels=a.channels)
            t0 = time.perf_counter()
            res = darts_search(net, data, epochs=a.epochs, seed=seed, **opts)
            wall = time.perf_counter() - t0
            walls.append(wall)
            c = res.architecture
            row = (bench.lookup(c), bench.lookup(c, test=True), bench.rank(c))
            rows.setdefault(name, []).append(row)
            print(f"{seed:4d} {name:32s} {wall:7.1f} {row[0]:6.2f} {row[1]:6.2f} {row[2]:6d}  {c}",
                  flush=True)
        budget = max(2, round(statistics.fmean(walls) / mean_run_s))
        for name, r in (("random search", random_search(bench, budget, seed=seed)),
                        ("aging evolution", aging_evolution(bench, budget, seed=seed,
                                                            population_size=min(10, budget)))):
            c = r.best[0]
            row = (bench.lookup(c), bench.lookup(c, test=True), bench.rank(c))
            rows.setdefault(f"{name} (same wall time)", []).append(row)
            print(f"{seed:4d} {name + f' ({budget} q)':32s} {'-':>7s} {row[0]:6.2f} {row[1]:6.2f} "
                  f"{row[2]:6d}  {c}", flush=True)
    print(f"\n{'method':40s} {'mean val':>9s} {'mean test':>10s} {'median rank':>12s}")
    for name, rs in rows.items():
        print(f"{name:40s} {statistics.fmean(r[0] for r in rs):9.2f} "
              f"{statistics.fmean(r[1] for r in rs):10.2f} "
              f"{statistics.median(r[2] for r in rs):12.0f}")


if __name__ == "__main__":
    main()
