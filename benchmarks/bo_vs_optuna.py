"""Our GP-BO against Optuna's GPSampler, side by side in one run.

For each test function (Branin with 30 evaluations, Hartmann6 with 60) and each method, run
5 seeds and report the median simple regret ``min(y) - f_opt`` and the mean wall-clock and
CPU time per run (CPU time is steadier on a shared machine).
Optuna runs with its defaults (``GPSampler(seed=s)``: 10 random startup trials, Matérn-5/2
ARD GP, log-EI); ours with its defaults (``BayesOpt(bounds, seed=s, acquisition=...)``).

    python benchmarks/bo_vs_optuna.py                 # everything (a few minutes on 2 cores)
    python benchmarks/bo_vs_optuna.py --methods ei optuna --seeds 3
    python benchmarks/bo_vs_optuna.py --methods ei ei-scipy   # our batched L-BFGS vs scipy's

``ei-scipy`` (and ``ucb-scipy``, ``pi-scipy``) is our BayesOpt with its batched L-BFGS
(``nasdemo/blackbox/lbfgsb.py``: every starting point its own memory and step length)
replaced by scipy's L-BFGS-B on the *sum* of the starting points' objectives, one problem in
``B * p`` variables, the way BoTorch fits and optimises (``gen_candidates_scipy``), for
both the hyperparameter fit and the acquisition; same iteration limits and tolerances.

Needs ``pip install -r benchmarks/requirements.txt``. Both libraries do their GP work in
torch; Optuna limits torch to one thread while it optimises, and so do we, so the timing
compares like with like. Set OMP_NUM_THREADS=1 to also pin anything outside those sections.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from contextlib import nullcontext
from typing import Any
from unittest import mock

import numpy as np
import torch
from torch import Tensor

from nasdemo.blackbox import bayesopt, gp
from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.bayesopt import BayesOpt
from nasdemo.functions import get

PROBLEMS = [("branin", 30), ("hartmann6", 60)]


def scipy_lbfgsb_summed(f: Any, x0: Tensor, lower: Tensor | float, upper: Tensor | float,
                        max_iter: int = 50, history: int = 8, gtol: float = 1e-6,
                        ftol: float = 1e-9) -> tuple[Tensor, Tensor]:
    """``lbfgs_box``'s contract, solved BoTorch's way: scipy's L-BFGS-B on ``sum_b f(x_b)``
    over all ``B * p`` variables at once (gradients by autograd)."""
    from scipy.optimize import minimize as scipy_minimize

    shape, dt, dev = x0.shape, x0.dtype, x0.device
    lo = torch.as_tensor(lower, dtype=dt, device=dev).expand(shape).reshape(-1).tolist()
    hi = torch.as_tensor(upper, dtype=dt, device=dev).expand(shape).reshape(-1).tolist()
    x_start = torch.minimum(torch.maximum(x0.detach(), torch.tensor(lo, dtype=dt, device=dev)
                                          .view(shape)),
                            torch.tensor(hi, dtype=dt, device=dev).view(shape))

    def value_and_grad(z: np.ndarray) -> tuple[float, np.ndarray]:
        with torch.enable_grad():
            x = torch.tensor(z, dtype=dt, device=dev).view(shape).requires_grad_(True)
            total = f(x).sum()
            (g,) = torch.autograd.grad(total, x)
        value = total.item()
        if not np.isfinite(value):  # let the line search back off, as lbfgs_box does
            return np.inf, np.zeros(z.shape)
        return value, g.reshape(-1).cpu().numpy()

    res = scipy_minimize(value_and_grad, x_start.reshape(-1).cpu().numpy(), jac=True,
                         method="L-BFGS-B", bounds=list(zip(lo, hi)),
                         options={"maxiter": max_iter, "maxcor": history, "gtol": gtol,
                                  "ftol": ftol})
    x = torch.tensor(res.x, dtype=dt, device=dev).view(shape)
    with torch.no_grad():
        return x, f(x)


def run_ours(name: str, budget: int, seed: int, acquisition: str) -> float:
    f = get(name)
    acquisition, _, local = acquisition.partition("-")
    patches = (mock.patch.object(bayesopt, "lbfgs_box", scipy_lbfgsb_summed),
               mock.patch.object(gp, "lbfgs_box", scipy_lbfgsb_summed)) if local == "scipy" \
        else (nullcontext(), nullcontext())
    with patches[0], patches[1]:
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
                   choices=["ei", "ucb", "pi", "ei-scipy", "ucb-scipy", "pi-scipy", "optuna"])
    p.add_argument("--problems", nargs="+", default=[n for n, _ in PROBLEMS],
                   choices=[n for n, _ in PROBLEMS])
    args = p.parse_args()

    rows = []
    for name, budget in [(n, b) for n, b in PROBLEMS if n in args.problems]:
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
            label = label.replace("-scipy", " scipy")
            rows.append((name, budget, label, statistics.median(regrets),
                         statistics.mean(w for _, w, _ in res[method]),
                         statistics.mean(c for _, _, c in res[method]), regrets))

    print()
    print(f"{'function':<10} {'evals':>5}  {'method':<28} {'median regret':>13} "
          f"{'wall s/run':>10} {'cpu s/run':>9}  regret per seed")
    for name, budget, label, med, wall, cpu, regrets in rows:
        per_seed = " ".join(f"{r:.1e}" for r in regrets)
        print(f"{name:<10} {budget:>5}  {label:<28} {med:>13.2e} {wall:>10.2f} {cpu:>9.2f}  "
              f"{per_seed}")


if __name__ == "__main__":
    main()
