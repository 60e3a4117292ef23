"""Genetic algorithm: encodings, every operator, the GA loop, constraints, reproducibility and
errors (nasdemo/blackbox/ga_operators.py and genetic.py)."""

import math

import pytest
import torch

from nasdemo import functions
from nasdemo.blackbox.base import minimize
from nasdemo.blackbox import ga_operators as ops
from nasdemo.blackbox.genetic import GeneticAlgorithm
from nasdemo.problems import knapsack, tsp


pytestmark = pytest.mark.usefixtures("one_thread")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def is_perm(P):
    return bool((torch.sort(P, 1).values == torch.arange(P.shape[1])).all())


def onemax(X):
    return -X.sum(1)


# ================================================================================ encodings


def test_binary_decoding_precision_and_grid():
    enc = ops.BinaryEncoding([[-5.0, 0.0], [5.0, 1.0]], precision=[0.01, 1e-3])
    # the smallest number of bits whose grid spacing is <= the precision asked for
    assert enc.bits == [10, 10]  # 10 / 1023 = 0.0098 <= 0.01 < 10 / 511
    assert torch.all(enc.precision <= torch.tensor([0.01, 1e-3], dtype=torch.float64))
    assert enc.length == 20
    X = torch.rand(500, 2, generator=gen(), dtype=torch.float64) * torch.tensor([10.0, 1.0]) \
        - torch.tensor([5.0, 0.0])
    err = (enc.decode(enc.encode(X)) - X).abs()
    assert torch.all(err <= enc.precision / 2 + 1e-12)  # rounding to the nearest grid point
    # the grid includes both ends of the box
    lo = enc.decode(torch.zeros(1, 20, dtype=torch.long))
    hi = enc.decode(torch.ones(1, 20, dtype=torch.long))
    assert torch.equal(lo[0], enc.bounds[0]) and torch.allclose(hi[0], enc.bounds[1])


def test_binary_decoding_known_values_and_gray_code():
    enc = ops.BinaryEncoding([[0.0], [15.0]], bits=4)
    assert enc.decode(torch.tensor([[1, 0, 0, 1], [0, 1, 1, 1]])).flatten().tolist() == [9.0, 7.0]
    gray = ops.BinaryEncoding([[0.0], [15.0]], bits=4, gray=True)
    G = gray.encode(torch.arange(16.0)[:, None])
    assert G[:4].tolist() == [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [0, 0, 1, 0]]
    assert torch.equal(gray.decode(G).flatten(), torch.arange(16.0, dtype=torch.float64))
    # neighbours differ in exactly one bit (no Hamming cliffs), unlike plain binary 7 -> 8
    assert torch.all((G[1:] != G[:-1]).sum(1) == 1)
    B = enc.encode(torch.arange(16.0)[:, None])
    assert int((B[8] != B[7]).sum()) == 4


def test_binary_encoding_blocks_per_coordinate():
    enc = ops.BinaryEncoding([[0.0, 0.0, -1.0], [1.0, 3.0, 1.0]], bits=[1, 2, 5], gray=True)
    assert enc.length == 8
    X = enc.decode(enc.random(200, gen()))
    assert torch.equal(enc.decode(enc.encode(X)), X)
    assert set(X[:, 1].tolist()) <= {0.0, 1.0, 2.0, 3.0}


@pytest.mark.parametrize("kwargs, match", [
    (dict(bits=8, precision=0.1), "either bits or precision"),
    (dict(bits=53), "1..52"),
    (dict(bits=0), "1..52"),
    (dict(bits=[4, 4]), "entries"),
    (dict(precision=-1.0), "positive"),
])
def test_binary_encoding_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ops.BinaryEncoding([[0.0], [1.0]], **kwargs)


def test_real_and_permutation_encodings():
    enc = ops.RealEncoding([[-2.0, 0.0], [2.0, 5.0]])
    X = enc.random(1000, gen())
    assert X.dtype == torch.float64
    assert torch.all(X >= enc.bounds[0]) and torch.all(X <= enc.bounds[1])
    perm = ops.PermutationEncoding(7)
    P = perm.random(50, gen())
    assert P.dtype == torch.long and is_perm(P)
    assert torch.equal(perm.encode(perm.decode(P)), P)
    with pytest.raises(ValueError, match="not a permutation"):
        perm.encode(torch.tensor([[0, 0, 1, 2, 3, 4, 5]]))
    with pytest.raises(ValueError, match="permutation.s n must be an integer >= 2"):
        ops.PermutationEncoding(1)


# ================================================================================ selection


def test_roulette_probabilities_windowing():
    f = torch.tensor([1.0, 3.0, 2.0, 5.0], dtype=torch.float64)
    p = ops.roulette_probabilities(f)  # goodness 5 - f = 4, 2, 3, 0
    assert torch.allclose(p, torch.tensor([4, 2, 3, 0], dtype=torch.float64) / 9)
    assert torch.allclose(ops.roulette_probabilities(f + 100), p)  # shift invariant
    uniform = torch.full((5,), 0.2, dtype=torch.float64)
    assert torch.allclose(ops.roulette_probabilities(torch.ones(5)), uniform)


def test_rank_selection_probabilities():
    f = torch.tensor([0.3, -2.0, 7.0, 1.0, 0.5], dtype=torch.float64)  # ranks 2, 1, 5, 4, 3
    N, s = 5, 1.8
    p = ops.rank_probabilities(f, s)
    rank = torch.tensor([2, 1, 5, 4, 3], dtype=torch.float64)
    expected = (s - (2 * s - 2) * (rank - 1) / (N - 1)) / N  # Baker's linear ranking
    assert torch.allclose(p, expected)
    assert math.isclose(float(p.sum()), 1.0)
    assert math.isclose(float(p[1]) * N, s) and math.isclose(float(p[2]) * N, 2 - s)
    assert torch.allclose(ops.rank_probabilities(f, 1.0), torch.full((5,), 0.2,
                                                                      dtype=torch.float64))
    # only the order matters
    assert torch.allclose(ops.rank_probabilities(f**3 * 100, s), p)
    # the sampler follows the probabilities
    idx = ops.rank_selection(f, 200_000, s, generator=gen())
    freq = torch.bincount(idx, minlength=N).double() / 200_000
    assert torch.allclose(freq, p, atol=0.005)


def test_tournament_selection_probabilities_and_pressure():
    f = torch.tensor([4.0, 1.0, 3.0, 0.0, 2.0], dtype=torch.float64)
    for k in (1, 2, 3, 5):
        p = ops.tournament_probabilities(f, k)
        assert math.isclose(float(p.sum()), 1.0)
        idx = ops.tournament_selection(f, 100_000, k, generator=gen(k))
        freq = torch.bincount(idx, minlength=5).double() / 100_000
        assert torch.allclose(freq, p, atol=0.006), k
    p1, p5 = ops.tournament_probabilities(f, 1), ops.tournament_probabilities(f, 5)
    assert torch.allclose(p1, torch.full((5,), 0.2, dtype=torch.float64))  # size 1: random
    assert p5[3] > 0.67 and p5[0] < 1e-3  # best wins 1 - (4/5)^5; worst only if drawn 5 times


def test_roulette_selection_follows_probabilities():
    f = torch.tensor([1.0, 3.0, 2.0, 5.0], dtype=torch.float64)
    idx = ops.roulette_selection(f, 100_000, generator=gen())
    freq = torch.bincount(idx, minlength=4).double() / 100_000
    assert torch.allclose(freq, ops.roulette_probabilities(f), atol=0.006)
    assert int((idx == 3).sum()) == 0  # the worst has a zero slice


def test_selection_errors():
    with pytest.raises(ValueError, match="pressure"):
        ops.rank_probabilities(torch.ones(3), 2.5)
    with pytest.raises(ValueError, match="finite"):
        ops.roulette_probabilities(torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="tournament size"):
        ops.tournament_selection(torch.ones(3), 2, size=0)
    with pytest.raises(ValueError, match="1-D"):
        ops.roulette_probabilities(torch.ones(2, 2))


# ================================================================================ crossover


def parents_bits(pairs=200, L=30, seed=0):
    g = gen(seed)
    return torch.randint(0, 2, (pairs, L), generator=g), torch.randint(0, 2, (pairs, L),
                                                                       generator=g)


def origin(C, A, B):
    """+1 where C takes A's gene and B's differs, -1 for B's, 0 where A == B."""
    return (C == A).long() - (C == B).long()


def test_one_and_two_point_crossover():
    A = torch.zeros(500, 12, dtype=torch.long)
    B = torch.ones(500, 12, dtype=torch.long)
    C, D = ops.one_point_crossover(A, B, gen())
    assert torch.equal(C + D, A + B)  # every gene goes to exactly one child
    switches = (C[:, 1:] != C[:, :-1]).sum(1)
    assert torch.all(switches == 1) and torch.all(C[:, 0] == 0) and torch.all(C[:, -1] == 1)
    C, D = ops.two_point_crossover(A, B, gen())
    assert torch.equal(C + D, A + B)
    switches = (C[:, 1:] != C[:, :-1]).sum(1)
    assert torch.all(C[:, 0] == 0) and torch.all(C[:, -1] == 0)  # cuts in 1..L-1
    assert torch.all(switches == 2)
    # cut points are spread over all sites
    first = (C == 1).long().argmax(1)
    assert set(first.tolist()) == set(range(1, 11))
    C, D = ops.two_point_crossover(A[:1], B[:1], cuts=torch.tensor([[2, 5]]))
    assert C.tolist() == [[0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]]
    with pytest.raises(ValueError, match="length >= 3"):
        ops.two_point_crossover(A[:, :2], B[:, :2], gen())


def test_uniform_crossover():
    A, B = parents_bits()
    C, D = ops.uniform_crossover(A, B, gen())
    assert torch.equal(C + D, A + B)
    assert torch.all((C == A) | (C == B))
    A0 = torch.zeros(2000, 50, dtype=torch.long)
    C, _ = ops.uniform_crossover(A0, A0 + 1, gen(), swap_prob=0.3)
    assert abs(C.double().mean().item() - 0.3) < 0.01


def test_blend_crossover_bounds():
    g = gen()
    lo = torch.tensor([-1.0, 0.0], dtype=torch.float64)
    hi = torch.tensor([1.0, 10.0], dtype=torch.float64)
    A = lo + torch.rand(4000, 2, generator=g, dtype=torch.float64) * (hi - lo)
    B = lo + torch.rand(4000, 2, generator=g, dtype=torch.float64) * (hi - lo)
    alpha = 0.5
    C, D = ops.blend_crossover(A, B, lo, hi, g, alpha=alpha)
    d = (A - B).abs()
    for K in (C, D):
        assert torch.all(K >= lo) and torch.all(K <= hi)  # clipped into the box
        assert torch.all(K >= torch.minimum(A, B) - alpha * d - 1e-12)
        assert torch.all(K <= torch.maximum(A, B) + alpha * d + 1e-12)
    # some children fall outside the parents' interval (exploration), none with alpha = 0
    assert bool(((C < torch.minimum(A, B)) | (C > torch.maximum(A, B))).any())
    C0, _ = ops.blend_crossover(A, B, lo, hi, g, alpha=0.0)
    assert torch.all(C0 >= torch.minimum(A, B)) and torch.all(C0 <= torch.maximum(A, B))


def test_sbx_crossover_bounds_and_spread():
    g = gen()
    lo = torch.zeros(3, dtype=torch.float64)
    hi = torch.ones(3, dtype=torch.float64)
    A = torch.rand(5000, 3, generator=g, dtype=torch.float64)
    B = torch.rand(5000, 3, generator=g, dtype=torch.float64)
    A[:100, 0], B[:100, 0] = 0.0, 1e-3  # parents near the bounds
    C, D = ops.sbx_crossover(A, B, lo, hi, g, eta=2.0)
    assert torch.all(C >= 0) and torch.all(C <= 1) and torch.all(D >= 0) and torch.all(D <= 1)
    # far from the bounds SBX is symmetric about the parents' midpoint (mean-preserving);
    # near a bound the bounded form shortens that side's spread
    C, D = ops.sbx_crossover(A, B, lo - 1e6, hi + 1e6, g, eta=2.0, gene_prob=1.0)
    assert torch.allclose(C + D, A + B, atol=1e-6)
    C, D = ops.sbx_crossover(A, B, lo, hi, g, eta=2.0, gene_prob=1.0)
    assert bool((C + D - A - B).abs().max() > 1e-3)
    # a large eta keeps the children closer to their parents
    spread = {}
    for eta in (1.0, 50.0):
        C, D = ops.sbx_crossover(A, B, lo, hi, gen(1), eta=eta, gene_prob=1.0)
        spread[eta] = ((C - A).abs().minimum((C - B).abs())).mean().item()
    assert spread[50.0] < 0.3 * spread[1.0]
    C, D = ops.sbx_crossover(A, B, lo, hi, g, gene_prob=0.0)
    assert torch.equal(C, A) and torch.equal(D, B)
    with pytest.raises(ValueError, match="eta"):
        ops.sbx_crossover(A, B, lo, hi, g, eta=-1.0)


def reference_ox(a, b, c1, c2):
    """Davis's order crossover written as a plain loop."""
    L = len(a)
    child = [None] * L
    child[c1:c2] = a[c1:c2]
    fill = [b[(c2 + i) % L] for i in range(L) if b[(c2 + i) % L] not in a[c1:c2]]
    positions = [(c2 + i) % L for i in range(L) if not c1 <= (c2 + i) % L < c2]
    for p, v in zip(positions, fill):
        child[p] = v
    return child


def test_order_crossover_is_valid_and_matches_the_definition():
    g = gen()
    A, B = ops.random_permutations(3000, 10, g), ops.random_permutations(3000, 10, g)
    C, D = ops.order_crossover(A, B, g)
    assert is_perm(C) and is_perm(D)
    # the slide's-style worked example
    a, b = list(range(9)), [8, 2, 6, 7, 1, 5, 4, 0, 3]
    C, D = ops.order_crossover(torch.tensor([a]), torch.tensor([b]), cuts=torch.tensor([[3, 7]]))
    assert C[0].tolist() == [2, 7, 1, 3, 4, 5, 6, 0, 8]
    assert D[0].tolist() == reference_ox(b, a, 3, 7)
    # against the loop for random cuts (including empty tails and a full segment)
    A, B = ops.random_permutations(300, 8, g), ops.random_permutations(300, 8, g)
    c1 = torch.randint(0, 8, (300,), generator=g)
    c2 = c1 + 1 + (torch.rand(300, generator=g) * (8 - c1)).long()
    cuts = torch.stack([c1, c2.clamp(max=8)], 1)
    C, D = ops.order_crossover(A, B, cuts=cuts)
    for i in range(300):
        x, y = cuts[i].tolist()
        assert C[i].tolist() == reference_ox(A[i].tolist(), B[i].tolist(), x, y)
        assert D[i].tolist() == reference_ox(B[i].tolist(), A[i].tolist(), x, y)
    with pytest.raises(ValueError, match="cuts"):
        ops.order_crossover(A[:1], B[:1], cuts=torch.tensor([[4, 4]]))


def test_crossover_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        ops.one_point_crossover(torch.zeros(2, 5), torch.zeros(3, 5), gen())


# ================================================================================= mutation


def test_bit_flip_mutation_rate():
    G = torch.zeros(1000, 100, dtype=torch.long)
    M = ops.bit_flip_mutation(G, 0.05, gen())
    assert set(M.unique().tolist()) <= {0, 1}
    assert abs(M.double().mean().item() - 0.05) < 0.003
    assert torch.equal(ops.bit_flip_mutation(G, 0.0, gen()), G)
    assert torch.equal(ops.bit_flip_mutation(G, 1.0, gen()), 1 - G)
    with pytest.raises(ValueError, match="probability"):
        ops.bit_flip_mutation(G, 1.5, gen())


def test_gaussian_mutation_bounds_and_rate():
    lo, hi = torch.tensor([0.0, -1.0]), torch.tensor([1.0, 1.0])
    G = torch.full((4000, 2), 0.5, dtype=torch.float64)
    M = ops.gaussian_mutation(G, 0.25, 0.3, lo, hi, gen())
    assert torch.all(M >= lo) and torch.all(M <= hi)
    assert abs((M != G).double().mean().item() - 0.25) < 0.02
    M = ops.gaussian_mutation(G, 1.0, 0.3, lo - 100, hi + 100, gen())  # far from the bounds
    assert abs((M - 0.5).std().item() - 0.3) < 0.01


def test_swap_and_inversion_mutations_keep_permutations():
    P = ops.random_permutations(500, 12, gen())
    S = ops.swap_mutation(P, 0.2, gen(1))
    assert is_perm(S) and not torch.equal(S, P)
    moved = (S != P).sum(1)
    assert torch.all((moved == 0) | (moved >= 2))  # swaps move two elements at a time
    I = ops.inversion_mutation(P, 0.2, gen(2))
    assert is_perm(I) and not torch.equal(I, P)
    assert torch.equal(ops.swap_mutation(P, 0.0, gen()), P)
    assert torch.equal(ops.inversion_mutation(P, 0.0, gen()), P)


def test_a_reversal_is_a_2opt_move():
    tour = torch.arange(20)[None].expand(2, 20)
    rev = ops.reverse_segments(tour, torch.tensor([4, 7]), torch.tensor([11, 7]))
    assert rev[0].tolist() == list(range(4)) + list(range(11, 3, -1)) + list(range(12, 20))
    assert torch.equal(rev[1], tour[1])  # an empty reversal (start == end) changes nothing

    def edges(t):
        return {frozenset((t[i], t[(i + 1) % 20])) for i in range(20)}

    assert len(edges(tour[0].tolist()) - edges(rev[0].tolist())) == 2  # two edges replaced
    # with a small rate most tours get no reversal, the others one or a few
    I = ops.inversion_mutation(ops.random_permutations(2000, 20, gen()), 0.01, gen(1))
    assert is_perm(I)


# =============================================================================== diversity


def brute_diversity(G, kind, lo=None, hi=None):
    N, L = G.shape
    tot, n = 0.0, 0
    for i in range(N):
        for j in range(i + 1, N):
            if kind == "real":
                tot += ((G[i] - G[j]).abs() / (hi - lo)).mean().item()
            elif kind == "permutation":
                ea, eb = (
                    {frozenset((t[k], t[(k + 1) % L])) for k in range(L)}
                    for t in (G[i].tolist(), G[j].tolist()))
                tot += len(ea - eb) / L
            else:
                tot += (G[i] != G[j]).double().mean().item()
            n += 1
    return tot / n


def test_diversity_measures():
    g = gen()
    B = torch.randint(0, 2, (30, 16), generator=g)
    assert math.isclose(ops.diversity(B, "binary"), brute_diversity(B, "binary"))
    assert ops.diversity(B[:1].expand(10, 16), "binary") == 0.0
    P = ops.random_permutations(25, 9, g)
    assert math.isclose(ops.diversity(P, "permutation"), brute_diversity(P, "permutation"))
    # rotations and reversals of a tour are the same tour
    t = P[:1]
    same_tours = torch.cat([t, t.roll(3, 1), t.flip(1), t.flip(1).roll(-2, 1)])
    assert abs(ops.diversity(same_tours, "permutation")) < 1e-12
    rand = ops.random_permutations(400, 50, g)
    assert abs(ops.diversity(rand, "permutation") - (1 - 2 / 49)) < 0.01
    lo, hi = torch.tensor([0.0, -2.0]), torch.tensor([1.0, 2.0])
    R = lo + torch.rand(20, 2, generator=g, dtype=torch.float64) * (hi - lo)
    assert math.isclose(ops.diversity(R, "real", lo, hi), brute_diversity(R, "real", lo, hi))
    big = torch.randint(0, 2, (400, 200), generator=g)
    assert abs(ops.diversity(big, "binary") - 0.5) < 0.01
    with pytest.raises(ValueError, match="kind"):
        ops.diversity(B, "tree")


# =============================================================================== the GA loop


def run(ga, f, generations):
    for _ in range(generations):
        X = ga.ask()
        ga.tell(X, f(X))
    return ga


def test_onemax_is_solved_and_log_is_complete():
    ga = GeneticAlgorithm.bits(60, seed=1, pop_size=60)
    res = minimize(onemax, ga, 20_000, target=-60)
    assert res.best_y == -60 and res.stop_reason == "target"
    assert ga.best_x.tolist() == [1.0] * 60
    assert ga.best_genome.dtype == torch.long and int(ga.best_genome.sum()) == 60
    log = ga.log
    assert log[0]["generation"] == 0 and log[0]["evals"] == 60
    for key in ("best", "mean", "worst", "best_so_far", "diversity", "feasible", "x_best"):
        assert key in log[-1]
    assert log[-1]["best"] <= log[-1]["mean"] <= log[-1]["worst"]
    assert log[-1]["diversity"] < log[0]["diversity"]  # selection reduced diversity
    assert 0.4 < log[0]["diversity"] < 0.6  # random bit strings


def test_reproducible_under_a_seed_and_different_seeds_differ():
    def hist(seed, **kw):
        f = functions.get("rastrigin", 3)
        ga = GeneticAlgorithm(f.bounds, seed=seed, pop_size=20, **kw)
        return minimize(f, ga, 300).history

    for kw in (dict(encoding="real"), dict(encoding="binary", precision=1e-3),
               dict(encoding="real", crossover="blend", selection="roulette"),
               dict(encoding="binary", selection="rank", insertion="steady_state")):
        assert torch.equal(hist(3, **kw), hist(3, **kw))
        assert not torch.equal(hist(3, **kw), hist(4, **kw))
    P = tsp(12, seed=0)
    a = minimize(P, GeneticAlgorithm.permutation(12, seed=5, pop_size=20), 400).history
    b = minimize(P, GeneticAlgorithm.permutation(12, seed=5, pop_size=20), 400).history
    assert torch.equal(a, b)


def test_elitism_keeps_the_best_and_generational_can_lose_it():
    f = functions.get("rastrigin", 4)
    ga = run(GeneticAlgorithm(f.bounds, seed=0, pop_size=20, insertion="elitist", n_elite=2,
                              mutation_rate=0.5, mutation_sigma=0.3), f, 40)
    best = [e["best"] for e in ga.log]
    assert all(b1 <= b0 for b0, b1 in zip(best, best[1:]))  # never gets worse
    assert ga.log[-1]["best"] == ga.best_y
    lost = False
    for seed in range(5):
        ga = run(GeneticAlgorithm(f.bounds, seed=seed, pop_size=20, insertion="generational",
                                  mutation_rate=0.5, mutation_sigma=0.3), f, 40)
        best = [e["best"] for e in ga.log]
        lost |= any(b1 > b0 for b0, b1 in zip(best, best[1:]))
    assert lost  # without elitism the population's best can get worse


def test_steady_state_replaces_the_worst():
    f = functions.get("sphere", 3)
    # every child changes (crossover and mutation of every gene), so one ask = one step
    ga = GeneticAlgorithm(f.bounds, seed=0, pop_size=10, insertion="steady_state",
                          n_offspring=2, crossover_rate=1.0, mutation_rate=1.0)
    run(ga, f, 1)
    for _ in range(30):
        before = ga.values.clone()
        X = ga.ask()
        assert X.shape[0] == 2
        y = f(X)
        ga.tell(X, y)
        expected = sorted(before.tolist())[:8] + y.tolist()  # the 2 worst are replaced
        assert sorted(ga.values.tolist()) == sorted(expected)
    assert ga.generation == 30 and ga.population.shape == (10, 3)


def test_only_new_individuals_are_asked():
    f = functions.get("sphere", 4)
    ga = GeneticAlgorithm(f.bounds, seed=0, pop_size=30, encoding="binary", bits=3,
                          crossover_rate=0.5, mutation_prob=0.3)
    run(ga, f, 1)
    for _ in range(15):
        parents = ga.population.clone()
        X = ga.ask()
        G = ga.encoding.encode(X)
        # asked genomes are distinct and none is a member of the population they came from
        assert len(torch.unique(G, dim=0)) == len(G)
        same = (G[:, None, :] == parents[None, :, :]).all(2).any(1)
        assert not bool(same.any())
        ga.tell(X, f(X))
        assert ga.population.shape == (30, ga.genome_length)
        # every member's value is its own f (copies inherited the right value)
        assert torch.equal(ga.values, f(ga.population_X))
    # DEAP's rule (skip_unchanged=False) evaluates every touched child, so the same budget
    # lasts fewer generations
    gens = {}
    for skip in (True, False):
        ga = GeneticAlgorithm.bits(40, seed=0, pop_size=40, crossover_rate=0.5,
                                   mutation_prob=0.2, mutation_rate=0.02, skip_unchanged=skip)
        minimize(onemax, ga, 2000)
        gens[skip] = ga.generation
        assert torch.equal(ga.values, onemax(ga.population_X))
    assert gens[True] > 1.3 * gens[False]


def test_converged_population_does_not_hang():
    ga = GeneticAlgorithm.bits(8, seed=0, pop_size=4, crossover_rate=1.0, mutation_rate=0.0)
    res = minimize(lambda X: torch.zeros(X.shape[0], dtype=torch.float64), ga, 500)
    assert res.n_evals <= 500
    assert res.stop_reason in ("budget", "no_new_individuals")


def test_real_ga_on_sphere_converges_and_stays_in_bounds():
    f = functions.get("sphere", 5)
    for cx in ("sbx", "blend", "uniform", "one_point", "two_point"):
        ga = GeneticAlgorithm(f.bounds, seed=0, pop_size=30, crossover=cx)
        res = minimize(f, ga, 3000)
        assert torch.all(res.X >= f.bounds[0]) and torch.all(res.X <= f.bounds[1])
        assert res.best_y < 1.0, cx


def test_binary_ga_phenotypes_are_on_the_grid():
    f = functions.get("rastrigin", 2)
    ga = GeneticAlgorithm(f.bounds, seed=0, encoding="binary", precision=0.01, gray=True)
    res = minimize(f, ga, 2000)
    k = (res.X - f.bounds[0]) / ga.encoding.precision
    assert torch.allclose(k, k.round(), atol=1e-6)
    assert res.best_y < 1.0


def test_permutation_ga_on_tsp_asks_valid_tours_and_improves():
    P = tsp(20, seed=1)
    for mut in ("swap", "inversion"):
        ga = GeneticAlgorithm.permutation(20, seed=0, pop_size=40, mutation=mut,
                                          tournament_size=5, crossover_rate=0.5)
        res = minimize(P, ga, 4000)
        assert is_perm(res.X.long())
        assert res.best_y < 0.7 * res.history[:40].min(), mut


def test_bits_and_permutation_shortcuts():
    ga = GeneticAlgorithm.bits(5, seed=0, pop_size=4)
    X = ga.ask()
    assert X.shape == (4, 5) and set(X.unique().tolist()) <= {0.0, 1.0}
    ga = GeneticAlgorithm.permutation(6, seed=0, pop_size=4)
    X = ga.ask()
    assert X.dtype == torch.float64 and is_perm(X.long())
    with pytest.raises(ValueError, match="GeneticAlgorithm.permutation"):
        GeneticAlgorithm([[0.0] * 6, [1.0] * 6], encoding="permutation")
    with pytest.raises(ValueError, match="fixes"):
        GeneticAlgorithm.bits(5, precision=0.1)


# ============================================================================= constraints


def overweight(K):
    return lambda X: K.weight(X) - K.capacity


def knap(seed=0, n=30, ratio=0.4):
    return knapsack(n, seed=seed, capacity_ratio=ratio)


def test_penalty_fitness():
    K = knap()
    ga = GeneticAlgorithm.bits(K.dim, seed=0, pop_size=40, constraint=overweight(K),
                               constraint_handling="penalty", penalty=10.0)
    run(ga, lambda X: -K(X), 1)
    expected = -K(ga.population_X) + 10.0 * K.excess(ga.population_X)
    assert torch.allclose(ga.fitness, expected)
    run(ga, lambda X: -K(X), 60)
    assert bool(K.feasible(ga.best_x)) and ga.best_y == -K(ga.best_x)


def test_rejection_never_selects_violators():
    K = knap()
    ga = GeneticAlgorithm.bits(K.dim, seed=0, pop_size=40, constraint=overweight(K),
                               constraint_handling="reject", crossover_rate=0.0, mutation_rate=0.02)
    run(ga, lambda X: -K(X), 1)
    feasible = (ga.violation <= 0).nonzero().flatten()
    assert 0 < len(feasible) < 40
    chosen = ga._select(5000)
    assert set(chosen.tolist()) <= set(feasible.tolist())
    run(ga, lambda X: -K(X), 40)
    assert ga.best_y < 0 and bool(K.feasible(ga.best_x))
    # the reported best is feasible even though infeasible individuals had lower f
    assert ga.best_y == -K(ga.best_x)


def test_repair_makes_every_asked_individual_feasible():
    K = knap()

    def repair(X):  # drop the items with the worst value/weight ratio until it fits
        X = X.clone()
        order = torch.argsort(K.values / K.weights)  # worst first
        for i in order.tolist():
            over = K.weight(X) > K.capacity
            X[over, i] = 0.0
        return X

    ga = GeneticAlgorithm.bits(K.dim, seed=0, pop_size=40, constraint=overweight(K),
                               constraint_handling="repair", repair=repair)
    for _ in range(30):
        X = ga.ask()
        assert bool(K.feasible(X).all())
        ga.tell(X, -K(X))
    assert all(e["feasible"] == 1.0 for e in ga.log)
    assert -ga.best_y >= 0.9 * K.optimum()[0]


def test_multiple_constraints_sum_violations():
    ga = GeneticAlgorithm([[0.0, 0.0], [1.0, 1.0]], seed=0, pop_size=4,
                          constraint=lambda X: torch.stack([X[:, 0] - 0.5, X[:, 1] - 0.5], 1),
                          constraint_handling="penalty", penalty=1.0)
    X = torch.tensor([[0.7, 0.9], [0.1, 0.2]], dtype=torch.float64)
    assert torch.allclose(ga.violation_of(X), torch.tensor([0.6, 0.0], dtype=torch.float64))


# ================================================================================== errors


@pytest.mark.parametrize("kwargs, match", [
    (dict(encoding="tree"), "encoding"),
    (dict(pop_size=1), "pop_size"),
    (dict(selection="best"), "selection"),
    (dict(tournament_size=0), "tournament_size"),
    (dict(rank_pressure=3.0), "rank_pressure"),
    (dict(crossover="ox"), "does not apply"),
    (dict(mutation="swap"), "does not apply"),
    (dict(crossover_rate=1.5), "crossover_rate"),
    (dict(mutation_rate=-0.1), "mutation_rate"),
    (dict(crossover_rate=0.0, mutation_rate=0.0), "never"),
    (dict(insertion="plus"), "insertion"),
    (dict(insertion="elitist", n_elite=10), "n_elite"),
    (dict(insertion="generational", n_elite=2), "n_elite applies"),
    (dict(insertion="steady_state", n_offspring=11), "n_offspring"),
    (dict(constraint=lambda X: X[:, 0]), "constraint_handling"),
    (dict(constraint=lambda X: X[:, 0], constraint_handling="penalty"), "penalty"),
    (dict(constraint_handling="reject"), "needs a constraint"),
    (dict(constraint_handling="repair"), "repair function"),
    (dict(bits=8), "binary"),
    (dict(mutation_sigma=0.0), "mutation_sigma"),
])
def test_bad_options_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GeneticAlgorithm([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], pop_size=kwargs.pop("pop_size", 10),
                         **kwargs)


def test_tell_errors():
    f = functions.get("sphere", 2)
    ga = GeneticAlgorithm(f.bounds, seed=0, pop_size=6)
    with pytest.raises(ValueError, match="ask"):
        ga.tell(torch.zeros(6, 2), torch.zeros(6))
    X = ga.ask()
    assert torch.equal(ga.ask(), X)  # asking again without tell returns the same points
    with pytest.raises(ValueError, match="exactly"):
        ga.tell(X + 1e-3, f(X))
    with pytest.raises(ValueError, match="values"):
        ga.tell(X, f(X)[:3])
    with pytest.raises(ValueError, match="finite"):
        ga.tell(X, torch.full((6,), float("nan")))
    ga.tell(X, f(X))
    ga_bad = GeneticAlgorithm(f.bounds, seed=0, pop_size=4, constraint=lambda X: X[:3, 0],
                              constraint_handling="reject")
    with pytest.raises(ValueError, match="constraint"):
        ga_bad.tell(ga_bad.ask(), torch.zeros(4))


def test_device_argument():
    f = functions.get("sphere", 3)
    ga = GeneticAlgorithm(f.bounds, seed=0, pop_size=8, device="cpu")
    X = ga.ask()
    assert X.device.type == "cpu" and X.dtype == torch.float64
    if torch.cuda.is_available():
        for ga in (GeneticAlgorithm(f.bounds, seed=0, pop_size=8, device="cuda"),
                   GeneticAlgorithm.permutation(9, seed=0, pop_size=8, device="cuda"),
                   GeneticAlgorithm(f.bounds, seed=0, encoding="binary", device="cuda")):
            for _ in range(5):
                X = ga.ask()
                assert X.device.type == "cuda"
                ga.tell(X, X.sum(1))
