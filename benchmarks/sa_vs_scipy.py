"""nasdemo's SimulatedAnnealing against scipy's ``dual_annealing``, side by side in one run.

1. 10-D Rastrigin, 20,000 evaluations, seeds 0..9: ours with ``schedule="gsa"`` (the
   generalised annealing of Tsallis & Stariolo with scipy's defaults: T0 = 5230,
   q_v = 2.62, q_a = -5, chains of 2 d moves, restart at 2e-5 T0) against
   ``scipy.optimize.dual_annealing(..., no_local_search=True, maxfun=20000)``, which is the
   same algorithm without its local search. Both evaluate the same torch objective. Reported:
   median final f, and how many runs end in the global basin (f < 1). Targets: our median
   within 10x of scipy's, and at least 8 of 10 runs in the basin. For contrast, the
   classical SA (geometric schedule, Gaussian moves, Metropolis) under the same budget.
2. The seeded 50-city Euclidean TSP (``nasdemo.problems.tsp(50, seed=0)``): tour lengths of
   SA with 2-opt and with swap moves, geometric schedule planned for the budget (20,000 tour
   evaluations, the budget of ``benchmarks/ga_vs_deap.py``; SA seeds 0..9), next to the mean
   length of a random tour.

    python benchmarks/sa_vs_scipy.py            # ~2 minutes on one core
    python benchmarks/sa_vs_scipy.py --seeds 3 --tsp-seeds 2 --no-classic   # quick look
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time

import numpy as np
import scipy
import torch
from scipy.optimize import dual_annealing

from nasdemo import functions
from nasdemo.blackbox.annealing import SimulatedAnnealing
from nasdemo.blackbox.base import minimize
from nasdemo.problems import tsp


def run_ours(obj, seed: int, budget: int, **options) -> float:
    sa = SimulatedAnnealing(obj.bounds, seed=seed, record=False, **options)
    return minimize(obj, sa, budget).best_y


def run_scipy(obj, seed: int, budget: int) -> tuple[float, int]:
    bounds = list(zip(obj.bounds[0].tolist(), obj.bounds[1].tolist()))

    def f(x: np.ndarray) -> float:
        return float(obj(torch.from_numpy(x)))

    res = dual_annealing(f, bounds, maxfun=budget, no_local_search=True,
                         rng=np.random.default_rng(seed))
    return float(res.fun), int(res.nfev)


def summary(values: list[float], basin: float = 1.0) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return (f"{statistics.median(values):>10.2e} {q[0]:>9.2e} {q[2]:>9.2e} "
            f"{max(values):>9.2e} {sum(v < basin for v in values):>4}/{len(values):<3}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="Rastrigin runs per method")
    ap.add_argument("--dim", type=int, default=10)
    ap.add_argument("--budget", type=int, default=20_000)
    ap.add_argument("--tsp-seeds", type=int, default=10, help="SA runs on the TSP")
    ap.add_argument("--tsp-budget", type=int, default=20_000)
    ap.add_argument("--no-classic", action="store_true",
                    help="skip the classical (geometric, Gaussian) SA row")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    words = [sys.argv[0], *(sys.argv[1:] if argv is None else argv)]
    print("command: python " + " ".join(shlex.quote(w) for w in words))
    print(f"torch {torch.__version__}, scipy {scipy.__version__}, numpy {np.__version__}")

    # --- 1. Rastrigin ------------------------------------------------------------------------
    obj = functions.get("rastrigin", args.dim)
    print(f"\n{args.dim}-D Rastrigin on [-5.12, 5.12]^{args.dim}, {args.budget} evaluations, "
          f"seeds 0..{args.seeds - 1}; final f = best value found (f* = 0)")
    header = (f"{'method':<44} {'median f':>10} {'q25':>9} {'q75':>9} {'worst':>9} "
              f"{'f<1':>8} {'s/run':>6}")
    print(header)
    print("-" * len(header))
    rows: dict[str, list[float]] = {}

    def row(label: str, fn) -> None:
        t = time.time()
        vals = [fn(s) for s in range(args.seeds)]
        rows[label] = vals
        print(f"{label:<44} {summary(vals)} {(time.time() - t) / args.seeds:>6.1f}")

    nfev: list[int] = []

    def scipy_run(s: int) -> float:
        f, n = run_scipy(obj, s, args.budget)
        nfev.append(n)
        return f

    row("nasdemo SimulatedAnnealing(schedule='gsa')",
        lambda s: run_ours(obj, s, args.budget, schedule="gsa"))
    row("scipy dual_annealing(no_local_search=True)", scipy_run)
    if not args.no_classic:
        row("nasdemo SA, geometric + Gaussian (classic)",
            lambda s: run_ours(obj, s, args.budget, schedule="geometric",
                               horizon=args.budget))
    ours, ref = rows["nasdemo SimulatedAnnealing(schedule='gsa')"], \
        rows["scipy dual_annealing(no_local_search=True)"]
    ratio = statistics.median(ours) / statistics.median(ref)
    basin = sum(v < 1 for v in ours)
    print(f"scipy evaluations per run: {sorted(set(nfev))}")
    print("per seed, ours / scipy: " + "  ".join(f"{o:.1e}/{r:.1e}" for o, r in zip(ours, ref)))
    print(f"median ratio ours / scipy = {ratio:.2f} (target <= 10: "
          f"{'PASS' if ratio <= 10 else 'FAIL'}); ours in the global basin: {basin}/"
          f"{args.seeds} (target >= 80%: {'PASS' if basin >= 0.8 * args.seeds else 'FAIL'})")

    # --- 2. TSP --------------------------------------------------------------------------------
    P = tsp(50, seed=0)
    g = torch.Generator().manual_seed(0)
    rand_len = P(torch.stack([torch.randperm(50, generator=g) for _ in range(1000)])).mean()
    print(f"\nTSP: nasdemo.problems.tsp(50, seed=0), {args.tsp_budget} evaluations, SA seeds "
          f"0..{args.tsp_seeds - 1}; mean random tour {rand_len:.3f}")
    header = f"{'method':<44} {'median':>8} {'best':>8} {'worst':>8} {'s/run':>6}   per seed"
    print(header)
    print("-" * len(header))
    for label, opts in (("SA 2-opt, geometric (horizon = budget)", dict(move="2opt")),
                        ("SA swap, geometric (horizon = budget)", dict(move="swap"))):
        t = time.time()
        vals = [run_ours(P, s, args.tsp_budget, encoding="permutation",
                         horizon=args.tsp_budget, **opts) for s in range(args.tsp_seeds)]
        print(f"{label:<44} {statistics.median(vals):>8.3f} {min(vals):>8.3f} "
              f"{max(vals):>8.3f} {(time.time() - t) / args.tsp_seeds:>6.1f}   "
              + " ".join(f"{v:.3f}" for v in vals))


if __name__ == "__main__":
    main()
