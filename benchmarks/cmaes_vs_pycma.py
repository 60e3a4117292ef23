"""nasdemo's CMAES against pycma (``cma``), side by side in the same run.

For each function and seed both optimisers start from the same x0 (the box centre) with the
same sigma0 (0.3 * range, nasdemo's default) in the same box (pycma gets the bounds, hence
its default ``BoundTransform``, the same boundary transformation nasdemo uses). Neither
restarts. We count evaluations until the first f < target, on the same torch objective.
pycma's seed is ``seed + 1`` because pycma treats seed 0 as "seed from the clock".

Prints a table: median evaluations over the successful runs, success rates, and the ratio
ours / pycma of the medians (target: <= 1.15 with no lower success rate).

    python benchmarks/cmaes_vs_pycma.py --seeds 10 --dim 10
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time

import numpy as np
import torch

import cma
from nasdemo import functions
from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.cmaes import CMAES


def first_hit(history: list[float], target: float) -> int | None:
    for i, f in enumerate(history):
        if f < target:
            return i + 1
    return None


def run_ours(obj, seed: int, target: float, budget: int) -> int | None:
    opt = CMAES(obj.bounds, seed=seed, record=False)
    res = minimize(obj, opt, budget, target=target / 2)  # stop once f < target surely hit
    return first_hit(res.history.tolist(), target)


def run_pycma(obj, seed: int, target: float, budget: int) -> int | None:
    lb, ub = obj.bounds[0].numpy(), obj.bounds[1].numpy()
    x0 = (lb + ub) / 2
    sigma0 = float(0.3 * (ub - lb).max())  # equal ranges here: nasdemo's default sigma0
    es = cma.CMAEvolutionStrategy(x0.tolist(), sigma0, {
        "bounds": [lb.tolist(), ub.tolist()], "seed": seed + 1, "verbose": -9,
        "maxfevals": budget, "ftarget": target / 2})
    history: list[float] = []
    while not es.stop():
        X = es.ask()
        f = obj(torch.as_tensor(np.asarray(X), dtype=torch.float64)).tolist()
        es.tell(X, f)
        history += f
        if min(f) < target:
            break
    return first_hit(history, target)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="runs per function (seeds 0..N-1)")
    ap.add_argument("--dim", type=int, default=10)
    ap.add_argument("--functions", nargs="+", default=["sphere", "ellipsoid", "rosenbrock"])
    ap.add_argument("--target", type=float, default=1e-8)
    ap.add_argument("--budget", type=int, default=None,
                    help="evaluations per run (default 3000 * dim)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    budget = args.budget or 3000 * args.dim
    words = [sys.argv[0], *(sys.argv[1:] if argv is None else argv)]
    print("command: python " + " ".join(shlex.quote(w) for w in words))
    print(f"torch {torch.__version__}, cma {cma.__version__}; dim {args.dim}, seeds "
          f"0..{args.seeds - 1}, target f < {args.target:g}, budget {budget}, no restarts")
    header = (f"{'function':<12} {'ours median':>11} {'ours ok':>8} {'pycma median':>12} "
              f"{'pycma ok':>8} {'ratio':>6}   ours / pycma evals per seed")
    print(header)
    print("-" * len(header))
    t0 = time.time()
    for name in args.functions:
        obj = functions.get(name, args.dim)
        ours = [run_ours(obj, s, args.target, budget) for s in range(args.seeds)]
        ref = [run_pycma(obj, s, args.target, budget) for s in range(args.seeds)]
        ok_o = [e for e in ours if e is not None]
        ok_r = [e for e in ref if e is not None]
        med_o = statistics.median(ok_o) if ok_o else float("nan")
        med_r = statistics.median(ok_r) if ok_r else float("nan")
        ratio = med_o / med_r if ok_o and ok_r else float("nan")
        per_seed = " ".join(f"{o or '-'}/{r or '-'}" for o, r in zip(ours, ref))
        print(f"{name:<12} {med_o:>11.0f} {len(ok_o):>4}/{args.seeds:<3} {med_r:>12.0f} "
              f"{len(ok_r):>4}/{args.seeds:<3} {ratio:>6.3f}   {per_seed}")
    print(f"(medians over successful runs; ratio = ours / pycma; {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
