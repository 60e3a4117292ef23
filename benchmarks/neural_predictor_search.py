"""The Neural Predictor (Wen et al. 2020) on a tabular benchmark, as numbers: its search
against aging evolution and random search at the same budget N + K, and what it costs.

    python benchmarks/neural_predictor_search.py                  # shipped MNIST-1D table
    python benchmarks/neural_predictor_search.py --seeds 200 --budgets 100 150 300
    python benchmarks/neural_predictor_search.py --record nasdemo/data   # notebook 09's data

Per budget: mean +- SD of the test accuracy of the cell each run returns (the best of its
N + K queries by validation accuracy), for the Neural Predictor with and without the
classifier -> regressor cascade (N = default_n_train(budget)), aging evolution (P=10, S=3) and
random search, with a one-sided Mann-Whitney U test of "higher than random search" and of
"higher than aging evolution". Then the cost, on one thread: training one predictor (the
regressor) on 172 cells, 100 such predictors as one batched model, predicting all 15,625
cells with one predictor, and the same at the paper's width and schedule (hidden 144, 300
epochs at lr 1e-4) for comparison.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import mannwhitneyu

from nasdemo.nas import (Benchmark, Cell, aging_evolution, default_n_train, encode_cells,
                         figure6_data, figure7_data, kendall_tau, neural_predictor_runs,
                         random_search)
from nasdemo.nas.neural_predictor import GCNPredictor, PredictorSettings, fit_predictor


def search_table(bench: Benchmark, budget: int, seeds: list[int]) -> None:
    n = default_n_train(budget)
    test: dict[str, np.ndarray] = {}
    walls: dict[str, float] = {}
    for name, cascade in (("neural predictor", True), ("NP, no cascade", False)):
        t0 = time.perf_counter()
        runs = neural_predictor_runs(bench, budget, seeds, cascade=cascade)
        walls[name] = time.perf_counter() - t0
        assert all(len(r) == budget for r in runs)
        test[name] = np.array([bench.lookup(r.best[0], test=True) for r in runs])
    for name, fn in (("aging evolution", aging_evolution), ("random search", random_search)):
        t0 = time.perf_counter()
        test[name] = np.array([bench.lookup(fn(bench, budget, s).best[0], test=True)
                               for s in seeds])
        walls[name] = time.perf_counter() - t0
    print(f"\nbudget N + K = {budget} (predictor: N = {n}, K = {budget - n}), "
          f"{len(seeds)} seeds")
    print(f"{'strategy':18s} {'test of returned':>17s} {'p (> RS)':>9s} {'p (> AE)':>9s} "
          f"{'wall s':>7s}")
    for name, t in test.items():
        p_rs = (mannwhitneyu(t, test["random search"], alternative="greater").pvalue
                if name != "random search" else float("nan"))
        p_ae = (mannwhitneyu(t, test["aging evolution"], alternative="greater").pvalue
                if name not in ("aging evolution", "random search") else float("nan"))
        print(f"{name:18s} {t.mean():8.2f} ± {t.std():5.2f} {p_rs:9.2g} {p_ae:9.2g} "
              f"{walls[name]:7.1f}")


def timed_fit(bench: Benchmark, runs: int, cfg: PredictorSettings, n: int = 172
              ) -> tuple[float, float, float]:
    """Seconds to train ``runs`` regressors on n cells each as one batched model, seconds to
    predict all cells with them, and the mean Kendall tau of their predictions."""
    cells = bench.cells()
    graphs = encode_cells(cells)
    acc = torch.tensor(bench.accuracies())
    rng = np.random.default_rng(0)
    idx = torch.tensor(np.stack([rng.choice(len(cells), n, replace=False) for _ in range(runs)]))
    y = acc[idx]
    y = (y - y.mean(1, keepdim=True)) / y.std(1, keepdim=True)
    model = GCNPredictor(list(range(runs)), cfg)
    t0 = time.perf_counter()
    fit_predictor(model, tuple(g[idx] for g in graphs), y, torch.ones(runs, n, dtype=torch.bool))
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict(*graphs)
    t_pred = time.perf_counter() - t0
    tau = float(np.mean([kendall_tau(p.numpy(), acc.numpy()) for p in pred]))
    return t_fit, t_pred, tau


def record(bench: Benchmark, out: Path) -> None:
    """Notebook 09's Figure 6 (N = 50, N + K up to 200, 100 runs of each method) and Figure 7
    (N = 25, 50, 100 without the cascade, 100 runs each), saved for the notebook to replay."""
    t0 = time.perf_counter()
    figure6_data(bench, 200, 100, n_train=50).save(out / "np_figure6.npz")
    print(f"Figure 6: {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    figure7_data(bench, (25, 50, 100), 200, 100, cascade=False).save(out / "np_figure7.npz")
    print(f"Figure 7: {time.perf_counter() - t0:.0f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budgets", type=int, nargs="+", default=[100, 150])
    p.add_argument("--seeds", type=int, default=100)
    p.add_argument("--skip-search", action="store_true")
    p.add_argument("--skip-cost", action="store_true")
    p.add_argument("--skip-paper", action="store_true", help="skip timing the paper's settings")
    p.add_argument("--record", metavar="DIR", help="only compute notebook 09's Figures 6 and 7 "
                   "(100 runs each) and save them to DIR/np_figure6.npz and np_figure7.npz")
    a = p.parse_args()
    torch.set_num_threads(1)
    bench = Benchmark.default()
    if a.record:
        record(bench, Path(a.record))
        return
    best_cell, best_val = bench.best()
    print(f"table {bench.name}: {len(bench)} cells, best val {best_val:.2f} "
          f"(test {bench.lookup(best_cell, test=True):.2f}); torch threads: "
          f"{torch.get_num_threads()}")
    if not a.skip_search:
        for budget in a.budgets:
            search_table(bench, budget, list(range(a.seeds)))
    if a.skip_cost:
        return
    print("\ncost on one thread, regressor on N = 172 cells (mean Kendall tau on all cells):")
    t0 = time.perf_counter()
    graphs = encode_cells(Cell.all())
    print(f"  encode all 15,625 cells as graphs: {time.perf_counter() - t0:.2f} s")
    settings = [("defaults", PredictorSettings())]
    if not a.skip_paper:
        settings.append(("paper (144, 300 ep, 1e-4)",
                         PredictorSettings(hidden=144, epochs=300, lr=1e-4)))
    for label, cfg in settings:
        f1, p1, tau1 = timed_fit(bench, 1, cfg)
        print(f"  {label}: one predictor: train {f1:.2f} s, predict all {p1:.2f} s, "
              f"tau {tau1:.3f}")
        if label == "defaults":
            f100, p100, tau100 = timed_fit(bench, 100, cfg)
            print(f"  {label}: 100 batched: train {f100:.2f} s ({f100 / f1:.1f}x one), "
                  f"predict all {p100:.2f} s ({p100 / p1:.1f}x one), mean tau {tau100:.3f}")
    del graphs


if __name__ == "__main__":
    main()
