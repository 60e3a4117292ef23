"""nasdemo's GeneticAlgorithm against DEAP (``deap==1.4.4``), side by side in the same run.

(a) OneMax, 100 bits: population 100, two-point crossover with probability 0.5, bit-flip
    mutation (each bit with probability 0.01) applied to an individual with probability 0.2,
    tournaments of 3, generational replacement without elitism: DEAP's ``eaSimple`` with the
    crossover and mutation probabilities of its OneMax example. We count objective calls until
    the first evaluation of the all-ones string (median over seeds). Three rows:

    * DEAP ``eaSimple`` (written out as its loop so that it can stop at the optimum);
    * ours with ``skip_unchanged=False``: DEAP's rule of evaluating every child that an
      operator touched, i.e. the same algorithm; it should need about as many evaluations;
    * ours as it comes (``skip_unchanged=True``): children equal to a member of the
      population, or to each other, are not evaluated again.

(b) The seeded 50-city Euclidean TSP ``nasdemo.problems.tsp(50, seed=0)`` under the same
    budget of tour evaluations (default 20,000), best tour length per run:

    * DEAP ``eaSimple`` with the settings of its TSP example (population 300, partially
      matched crossover with probability 0.7, ``mutShuffleIndexes`` with ``indpb=0.05``
      applied with probability 0.2, tournaments of 3);
    * DEAP ``eaSimple`` with our operators and settings (population 50, ``cxOrdered``, our
      inversion mutation written as a DEAP operator, crossover probability 0.5, mutation
      probability 1, tournaments of 5);
    * ours, ``GeneticAlgorithm.permutation(50, pop_size=50, tournament_size=5,
      crossover_rate=0.5)`` (OX, inversion mutation, one elite);
    * ours without elitism and with DEAP's evaluation rule, to compare with the second row;
    * for scale, 2-opt local search (first improvement) from 10 random tours.

Both libraries get the same seeds (0, 1, ...): DEAP through ``random.seed``, ours through
its ``seed``. Everything runs on one CPU thread.

    python benchmarks/ga_vs_deap.py [--seeds 10] [--budget 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from importlib.metadata import version

import torch

from deap import algorithms, base, creator, tools
from nasdemo.blackbox.base import minimize
from nasdemo.blackbox.genetic import GeneticAlgorithm
from nasdemo.problems import tsp

N_BITS = 100

creator.create("FitnessMax", base.Fitness, weights=(1.0,))
creator.create("FitnessMin", base.Fitness, weights=(-1.0,))
creator.create("BitString", list, fitness=creator.FitnessMax)
creator.create("Tour", list, fitness=creator.FitnessMin)


# ---------------------------------------------------------------------------------- OneMax


def deap_onemax(seed: int, max_evals: int) -> int | None:
    """DEAP's eaSimple on OneMax; evaluations up to the first optimum."""
    random.seed(seed)
    tb = base.Toolbox()
    tb.register("bit", random.randint, 0, 1)
    tb.register("individual", tools.initRepeat, creator.BitString, tb.bit, N_BITS)
    tb.register("population", tools.initRepeat, list, tb.individual)
    tb.register("mate", tools.cxTwoPoint)
    tb.register("mutate", tools.mutFlipBit, indpb=0.01)
    tb.register("select", tools.selTournament, tournsize=3)
    n = 0

    def evaluate(pop):  # count calls in order; stop at the optimum
        nonlocal n
        for ind in pop:
            if not ind.fitness.valid:
                n += 1
                ind.fitness.values = (sum(ind),)
                if ind.fitness.values[0] == N_BITS:
                    return n
        return None

    pop = tb.population(n=100)
    hit = evaluate(pop)
    while hit is None and n < max_evals:
        offspring = algorithms.varAnd(tb.select(pop, len(pop)), tb, cxpb=0.5, mutpb=0.2)
        hit = evaluate(offspring)
        pop[:] = offspring
    return hit


def ours_onemax(seed: int, max_evals: int, skip_unchanged: bool) -> int | None:
    ga = GeneticAlgorithm.bits(N_BITS, seed=seed, pop_size=100, insertion="generational",
                               selection="tournament", tournament_size=3,
                               crossover="two_point", crossover_rate=0.5, mutation="bit_flip",
                               mutation_rate=0.01, mutation_prob=0.2,
                               skip_unchanged=skip_unchanged, record=False)
    res = minimize(lambda X: -X.sum(1), ga, max_evals, target=-N_BITS)
    return res.evals_to(-N_BITS)


# ------------------------------------------------------------------------------------- TSP


def mut_inversion(ind, rate):
    """Our inversion mutation as a DEAP operator: Binomial(n, rate) segment reversals."""
    n = len(ind)
    for _ in range(sum(random.random() < rate for _ in range(n))):
        i, j = random.sample(range(n), 2)
        i, j = min(i, j), max(i, j)
        ind[i:j + 1] = ind[i:j + 1][::-1]
    return (ind,)


def deap_tsp(seed: int, budget: int, D: list[list[float]], settings: str) -> float:
    random.seed(seed)
    n = len(D)
    tb = base.Toolbox()
    tb.register("indices", random.sample, range(n), n)
    tb.register("individual", tools.initIterate, creator.Tour, tb.indices)
    tb.register("population", tools.initRepeat, list, tb.individual)
    if settings == "example":  # deap/examples/ga/tsp.py
        pop_size, cxpb, mutpb = 300, 0.7, 0.2
        tb.register("mate", tools.cxPartialyMatched)
        tb.register("mutate", tools.mutShuffleIndexes, indpb=0.05)
        tb.register("select", tools.selTournament, tournsize=3)
    else:  # our operators and settings
        pop_size, cxpb, mutpb = 50, 0.5, 1.0
        tb.register("mate", tools.cxOrdered)
        tb.register("mutate", mut_inversion, rate=1.0 / n)
        tb.register("select", tools.selTournament, tournsize=5)
    n_evals, best = 0, float("inf")

    def evaluate(pop):
        nonlocal n_evals, best
        for ind in pop:
            if not ind.fitness.valid:
                if n_evals >= budget:
                    ind.fitness.values = (float("inf"),)
                    continue
                n_evals += 1
                length = sum(D[ind[i - 1]][ind[i]] for i in range(n))
                ind.fitness.values = (length,)
                best = min(best, length)

    pop = tb.population(n=pop_size)
    evaluate(pop)
    while n_evals < budget:
        offspring = algorithms.varAnd(tb.select(pop, len(pop)), tb, cxpb, mutpb)
        evaluate(offspring)
        pop[:] = offspring
    return best


def ours_tsp(seed: int, budget: int, problem, deap_rule: bool = False) -> float:
    kw = dict(insertion="generational", skip_unchanged=False) if deap_rule else {}
    ga = GeneticAlgorithm.permutation(problem.dim, seed=seed, pop_size=50, tournament_size=5,
                                      crossover="ox", crossover_rate=0.5,
                                      mutation="inversion", record=False, **kw)
    return minimize(problem, ga, budget).best_y


def two_opt(seed: int, D: list[list[float]]) -> float:
    """First-improvement 2-opt from a random tour, to a local optimum."""
    rng = random.Random(seed)
    n = len(D)
    t = list(range(n))
    rng.shuffle(t)
    improved = True
    while improved:
        improved = False
        for i in range(n - 1):
            for j in range(i + 2, n if i > 0 else n - 1):
                a, b, c, d = t[i], t[i + 1], t[j], t[(j + 1) % n]
                if D[a][c] + D[b][d] < D[a][b] + D[c][d] - 1e-12:
                    t[i + 1:j + 1] = t[i + 1:j + 1][::-1]
                    improved = True
    return sum(D[t[i - 1]][t[i]] for i in range(n))


# ------------------------------------------------------------------------------------ main


def summary(values: list[float | None]) -> tuple[float, float, float, int]:
    ok = [v for v in values if v is not None]
    if not ok:
        return float("nan"), float("nan"), float("nan"), 0
    return statistics.median(ok), min(ok), max(ok), len(ok)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=20_000, help="TSP tour evaluations per run")
    ap.add_argument("--onemax-max-evals", type=int, default=50_000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = range(args.seeds)
    print(f"nasdemo GeneticAlgorithm vs DEAP {version('deap')} | torch {torch.__version__} | "
          f"python {sys.version.split()[0]} | seeds 0..{args.seeds - 1}\n")

    # (a) OneMax
    print(f"(a) OneMax, {N_BITS} bits: population 100, two-point crossover p=0.5, bit flip "
          "0.01/bit on p=0.2 of the children,\n    tournament 3, generational (eaSimple). "
          "Evaluations to the optimum:")
    rows = {}
    t0 = time.perf_counter()
    rows["DEAP eaSimple"] = [deap_onemax(s, args.onemax_max_evals) for s in seeds]
    t_deap = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows["ours, DEAP's evaluation rule"] = [ours_onemax(s, args.onemax_max_evals, False)
                                            for s in seeds]
    rows["ours (skip unchanged, default)"] = [ours_onemax(s, args.onemax_max_evals, True)
                                              for s in seeds]
    t_ours = time.perf_counter() - t0
    print(f"    {'':<32}{'median':>8}{'min':>8}{'max':>8}{'solved':>9}")
    for name, v in rows.items():
        med, lo, hi, ok = summary(v)
        print(f"    {name:<32}{med:>8.0f}{lo:>8.0f}{hi:>8.0f}{ok:>6}/{len(v)}")
    med_deap = summary(rows["DEAP eaSimple"])[0]
    med_ours = summary(rows["ours (skip unchanged, default)"])[0]
    med_rule = summary(rows["ours, DEAP's evaluation rule"])[0]
    print(f"    ours / DEAP (medians): {med_ours / med_deap:.2f} as it comes, "
          f"{med_rule / med_deap:.2f} with DEAP's evaluation rule "
          f"[time: DEAP {t_deap:.1f} s, ours (both rows) {t_ours:.1f} s]")
    print(f"    check: ours <= DEAP: {'yes' if med_ours <= med_deap else 'NO'}\n")

    # (b) TSP
    problem = tsp(50, seed=0)
    D = problem.distances.tolist()
    print(f"(b) TSP, 50 cities (nasdemo.problems.tsp(50, seed=0)), {args.budget:,} tour "
          "evaluations per run. Best tour length:")
    runs: dict[str, list[float]] = {}
    times: dict[str, float] = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        runs[name] = [fn(s) for s in seeds]
        times[name] = time.perf_counter() - t0

    timed("DEAP eaSimple, its TSP example", lambda s: deap_tsp(s, args.budget, D, "example"))
    timed("DEAP eaSimple, our operators", lambda s: deap_tsp(s, args.budget, D, "ours"))
    timed("ours (OX, inversion, 1 elite)", lambda s: ours_tsp(s, args.budget, problem))
    timed("ours, no elite, DEAP's rule", lambda s: ours_tsp(s, args.budget, problem, True))
    timed("2-opt local search (reference)", lambda s: two_opt(s, D))
    print(f"    {'':<33}{'median':>8}{'min':>8}{'max':>8}{'time/run':>10}")
    for name, v in runs.items():
        med, lo, hi, _ = summary(v)
        print(f"    {name:<33}{med:>8.3f}{lo:>8.3f}{hi:>8.3f}{times[name] / len(v):>9.3f}s")
    ours = summary(runs["ours (OX, inversion, 1 elite)"])[0]
    deap_best = min(summary(runs[k])[0] for k in runs if k.startswith("DEAP"))
    print(f"    check: ours <= DEAP's best configuration: "
          f"{'yes' if ours <= deap_best else 'NO'} ({ours:.3f} vs {deap_best:.3f})")


if __name__ == "__main__":
    main()
