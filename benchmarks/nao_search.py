"""NAO (Luo et al. 2018) on a tabular benchmark: how well its parts work and whether its search
beats random search, against aging evolution and REINFORCE on the same budget.

    python benchmarks/nao_search.py                        # shipped MNIST-1D table, 100 seeds
    python benchmarks/nao_search.py --seeds 200 --budget 150
    python benchmarks/nao_search.py --csv nb201_cifar10.csv --test-column test_acc
    python benchmarks/nao_search.py --save nasdemo/data/nao_runs.jsonl   # keep NAO's runs

``--save`` writes one JSON line per NAO run (seed, returned cell, its validation and test
accuracy, random cells filled in, wall seconds), which notebook 08 replays.

Prints
- reconstruction: the share of every run's evaluated cells that the final model decodes
  exactly (greedy decoding of its own encoding);
- predictor: Kendall tau between f and the true validation accuracy on 1,000 cells the model
  never saw, after training on an initial set of ``n_init`` random cells (as round 1 of
  Algorithm 1 does), per seed;
- search: mean +- SD of the test accuracy of the cell each run returns, a one-sided
  Mann-Whitney U test of "higher than random search" (and NAO against aging evolution,
  both ways), and the seconds per run on one CPU thread (wall and CPU time; NAO's runs go to
  ``--jobs`` processes, each on one thread).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time

import numpy as np
import torch
from scipy.stats import mannwhitneyu

from nasdemo.nas import (Benchmark, NAOModel, aging_evolution, compare, fit_nao,
                         kendall_tau, nao, random_search, reinforce)


def predictor_tau(bench: Benchmark, seed: int, n_init: int, epochs: int, n_test: int = 1000
                  ) -> float:
    """Kendall tau of f on ``n_test`` unseen cells after round 1's training on ``n_init``."""
    rng = random.Random(seed)
    cells = rng.sample(bench.cells(), n_init + n_test)
    train, test = cells[:n_init], cells[n_init:]
    acc = torch.tensor([bench.lookup(c) for c in train])
    scores = (acc - acc.min()) / (acc.max() - acc.min())
    torch.manual_seed(seed)
    model = NAOModel()
    fit_nao(model, torch.tensor([c.tokens() for c in train]), scores, epochs,
            torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4))
    with torch.no_grad():
        pred = model.predict(model.encode(torch.tensor([c.tokens() for c in test])))
    return kendall_tau(pred, torch.tensor([bench.lookup(c) for c in test]))


def reconstruction(runs: list) -> tuple[int, int]:
    """Of the evaluated cells each run's final model was trained on (all but the last round's
    new ones), how many it decodes back exactly, and how many there are, over ``runs``."""
    ok = total = 0
    for r in runs:
        model = r.info["model"]
        tokens = torch.tensor([c.tokens() for c, _ in r.history[: r.info["n_trained"]]])
        with torch.no_grad():
            ok += int((model.decode(model.encode(tokens)) == tokens).all(-1).sum())
        total += len(tokens)
    return ok, total


def _nao_chunk(bench: Benchmark | None, budget: int, seeds: list[int]
               ) -> tuple[list, float, float]:
    """NAO on ``seeds`` in a worker process (one thread): per run (seed, returned cell as a
    string, its validation accuracy, random fill-ins, reconstructed and trained cells), then
    wall and CPU seconds. Cells cross back as their strings (small to pickle)."""
    torch.set_num_threads(1)
    bench = bench or Benchmark.default()
    t0, c0 = time.perf_counter(), time.process_time()
    runs = compare(bench, {"NAO": nao}, budget, seeds=seeds).runs["NAO"]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows = [(r.seed, str(r.best[0]), r.best[1], r.info["random_fill"], *reconstruction([r]))
            for r in runs]
    return rows, wall, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=int, default=150)
    p.add_argument("--seeds", type=int, default=100)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--csv", help="a NAS-Bench-201 export instead of the shipped table")
    p.add_argument("--arch-column", default="arch")
    p.add_argument("--metric-column", default="val_acc")
    p.add_argument("--test-column", default=None)
    p.add_argument("--save", help="write NAO's runs here, one JSON line each")
    p.add_argument("--jobs", type=int, default=2, help="processes for NAO's runs")
    a = p.parse_args()
    torch.set_num_threads(1)
    bench = (Benchmark.from_csv(a.csv, a.arch_column, a.metric_column, test_column=a.test_column)
             if a.csv else Benchmark.default())
    seeds = range(a.first_seed, a.first_seed + a.seeds)
    defaults = nao.__kwdefaults__
    taus = [predictor_tau(bench, s, defaults["n_init"], defaults["first_epochs"])
            for s in seeds[:20]]

    strategies = {"NAO": nao, "aging evolution": aging_evolution,
                  "REINFORCE (softmax)": reinforce, "random search": random_search}
    results, secs, cpu = {}, {}, {}
    chunks = [list(seeds)[k::a.jobs] for k in range(a.jobs)]
    with multiprocessing.get_context("spawn").Pool(a.jobs) as pool:  # NAO only: it is slow
        parts = pool.starmap(_nao_chunk, [(a.csv and bench, a.budget, c) for c in chunks])
    runs = sorted((r for rs, _, _ in parts for r in rs), key=lambda r: r[0])
    secs["NAO"] = sum(w for _, w, _ in parts) / a.seeds
    cpu["NAO"] = sum(c for _, _, c in parts) / a.seeds
    for name, fn in strategies.items():
        if name == "NAO":
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        results[name] = compare(bench, {name: fn}, a.budget, seeds=seeds)
        secs[name] = (time.perf_counter() - t0) / a.seeds
        cpu[name] = (time.process_time() - c0) / a.seeds
    test = {"NAO": np.array([bench.lookup(r[1], test=True) for r in runs])}
    final = {"NAO": np.array([r[2] for r in runs])}
    print(f"table {bench.name}: {len(bench)} cells, best mean val {bench.best()[1]:.2f}; "
          f"budget {a.budget}, seeds {seeds.start}..{seeds.stop - 1}; NAO options {defaults}")
    ok, total = sum(r[4] for r in runs), sum(r[5] for r in runs)
    print(f"reconstruction: {100 * ok / total:.2f} % of the {total:,} evaluated cells "
          "each run's final model was trained on, decoded exactly")
    print(f"predictor: Kendall tau on 1,000 unseen cells after training on {defaults['n_init']} "
          f"({len(taus)} seeds): {np.mean(taus):.3f} ± {np.std(taus):.3f}")
    fills = [r[3] for r in runs]
    print(f"collapsed rounds: {sum(fills)} random cells filled in over {len(runs)} runs\n")
    print(f"{'strategy':22s} {'best val found':>15s} {'test of returned':>17s} "
          f"{'MW p (> RS, test)':>18s} {'wall s/run':>10s} {'CPU s/run':>9s}")
    for name in strategies:
        if name != "NAO":
            test[name], final[name] = results[name].test[name], results[name].final(name)
    for name in strategies:
        v, t = final[name], test[name]
        pval = (mannwhitneyu(t, test["random search"], alternative="greater").pvalue
                if name != "random search" else float("nan"))
        print(f"{name:22s} {v.mean():7.2f} ± {v.std():5.2f} {t.mean():8.2f} ± {t.std():5.2f} "
              f"{pval:18.2g} {secs[name]:10.3f} {cpu[name]:9.3f}")
    if a.save:
        with open(a.save, "w") as f:
            for seed, cell, val, fill, _, _ in runs:
                f.write(json.dumps({"seed": seed, "budget": a.budget, "cell": cell,
                                    "val": val, "test": bench.lookup(cell, test=True),
                                    "random_fill": fill,
                                    "wall_s": round(secs["NAO"], 3),
                                    "cpu_s": round(cpu["NAO"], 3)}) + "\n")
    for alt in ("greater", "less"):
        pv = mannwhitneyu(test["NAO"], test["aging evolution"], alternative=alt).pvalue
        print(f"NAO {alt} than aging evolution (test, one-sided MW): p = {pv:.2g}")


if __name__ == "__main__":
    main()
