"""Our GP-BO against Optuna's GPSampler, side by side in one run.

For each test function (Branin with 30 evaluations, Hartmann6 with 60) and each method, run
5 seeds and report the median simple regret ``min(y) - f_opt`` and the mean wall-clock and
CPU time per run (CPU time is steadier on a shared machine).
Optuna runs with its defaults (``GPSampler(seed=s)``: 10 random startup trials, Matérn-5/2
ARD GP, log-EI); ours with its defaults (``BayesOpt(bounds, seed=s, acquisition=...)``).

    python benchmarks/bo_vs_optuna.py                 # everything (a few minutes on 2 cores)
    python benchmarks/bo_vs_optuna.py --methods ei optuna --seeds 3

Needs ``pip install -r benchmarks/requirements.txt``. Both libraries do their GP work in
torch; Optuna limits torch to one thread while it optimises, and so do we, so the timing
compares like with like. Set OMP_NUM_THREADS=1 to also pin anything outside those sections.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch

from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.bayesopt import BayesOpt
from nasdemo.functions import get

PROBLEMS = [("branin", 30), ("hartmann6", 60)]


def run_ours(name: str, budget: int, seed: int, acquisition: str) -> float:
    f = get(name)
    res = minimize(f, BayesOpt(f.bounds, seed=seed, acquisition=acquisition), budget)
    return res.best_y - f.f_opt


def run_optuna(name: str, budget: int, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    f = get(name)
    lo, hi = f.bounds.tolist()

    def objective(trial: "optuna.Trial") -> float:
        x = [trial.suggest_float(f"x{i}", lo[i], hi[i]) for i in range(f.dim)]
        return float(f(torch.tensor([x], dtype=torch.float64))[0])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature notices
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
        study.optimize(objective, n_trials=budget)
    return study.best_value - f.f_opt


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--methods", nargs="+", default=["ei", "ucb", "pi", "optuna"],
                   choices=["ei", "ucb", "pi", "optuna"])
    args = p.parse_args()

    rows = []
    for name, budget in PROBLEMS:
        # Seeds outermost, so a burst of load on a shared machine hits every method alike.
        res: dict[str, list[tuple[float, float, float]]] = {m: [] for m in args.methods}
        for seed in range(args.seeds):
            for method in args.methods:
                t0, c0 = time.perf_counter(), time.process_time()
                if method == "optuna":
                    r = run_optuna(name, budget, seed)
                else:
                    r = run_ours(name, budget, seed, method)
                res[method].append((r, time.perf_counter() - t0, time.process_time() - c0))
            print(f"  {name} seed {seed}: " + ", ".join(
                f"{m} {res[m][-1][0]:.1e} ({res[m][-1][1]:.1f} s)" for m in args.methods),
                flush=True)
        for method in args.methods:
            regrets = [r for r, _, _ in res[method]]
            label = "optuna GPSampler" if method == "optuna" else f"nasdemo BayesOpt {method}"
            rows.append((name, budget, label, statistics.median(regrets),
                         statistics.mean(w for _, w, _ in res[method]),
                         statistics.mean(c for _, _, c in res[method]), regrets))

    print()
    print(f"{'function':<10} {'evals':>5}  {'method':<22} {'median regret':>13} "
          f"{'wall s/run':>10} {'cpu s/run':>9}  regret per seed")
    for name, budget, label, med, wall, cpu, regrets in rows:
        per_seed = " ".join(f"{r:.1e}" for r in regrets)
        print(f"{name:<10} {budget:>5}  {label:<22} {med:>13.2e} {wall:>10.2f} {cpu:>9.2f}  "
              f"{per_seed}")


if __name__ == "__main__":
    main()
