"""The building blocks of a genetic algorithm: encodings and genetic operators, in torch.

Everything here is a plain function (or a small encoding class) acting on a whole population
at once, so a notebook can call one operator on a few genomes and look at the result, and
:class:`~nasdemo.blackbox.genetic.GeneticAlgorithm` can chain them. Conventions:

* A **genome** (genotype, chromosome) is one row of a tensor ``G[n, L]``: ``long`` 0/1 bits
  for the binary encoding, ``long`` city indices for permutations, ``float64`` numbers for
  the real encoding. Operators never change their inputs; they return new tensors.
* **Fitness is minimised**, like everything in ``nasdemo.blackbox``: the best individual has
  the *lowest* fitness. (A maximisation problem such as OneMax is negated first.)
* Every random draw uses the ``generator`` passed in, so a run is reproducible under a seed.

Contents (the lecture's steps 1 and 3, "Define the representation" and "Define the genetic
operators")

* Encodings: :class:`BinaryEncoding` (bits <-> reals with a stated precision, optionally Gray
  coded), :class:`RealEncoding` (genotype = phenotype), :class:`PermutationEncoding`,
  :class:`CategoricalEncoding` (one choice out of a few per gene, e.g. a NAS cell's op per
  edge).
* Selection: :func:`roulette_selection` (fitness proportionate), :func:`rank_selection`
  (linear ranking), :func:`tournament_selection`; :func:`roulette_probabilities`,
  :func:`rank_probabilities` and :func:`tournament_probabilities` give the exact
  probabilities.
* Crossover (one pair per row of ``A`` and ``B``; two children each): :func:`one_point_crossover`,
  :func:`two_point_crossover`, :func:`uniform_crossover` (any encoding but permutations),
  :func:`blend_crossover` (BLX-alpha) and :func:`sbx_crossover` (simulated binary) for reals,
  :func:`order_crossover` (OX) for permutations.
* Mutation: :func:`bit_flip_mutation`, :func:`gaussian_mutation`, :func:`swap_mutation`,
  :func:`inversion_mutation`, :func:`reset_mutation` (categorical genes).
* Monitoring: :func:`diversity`, the mean pairwise distance between genomes.

References: Goldberg, *Genetic Algorithms in Search, Optimization and Machine Learning*
(1989) for roulette wheel and one/two-point crossover; Baker (1985), "Adaptive selection
methods for genetic algorithms", for linear ranking; Eshelman & Schaffer (1993), "Real-coded
genetic algorithms and interval-schemata", for BLX-alpha; Deb & Agrawal (1995), "Simulated
binary crossover for continuous search space", and Deb's bounded variant (as in NSGA-II's
code) for SBX; Davis (1985), "Applying adaptive algorithms to epistatic domains", for order
crossover.
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import torch
from torch import Tensor

from ..utils import check_int, check_prob

__all__ = [
    "BinaryEncoding", "RealEncoding", "PermutationEncoding", "CategoricalEncoding",
    "roulette_probabilities", "rank_probabilities", "tournament_probabilities",
    "roulette_selection", "rank_selection", "tournament_selection",
    "one_point_crossover", "two_point_crossover", "uniform_crossover", "blend_crossover",
    "sbx_crossover", "order_crossover",
    "bit_flip_mutation", "gaussian_mutation", "swap_mutation", "inversion_mutation",
    "reverse_segments", "diversity", "random_permutations", "reset_mutation",
]

_MAX_BITS = 52  # float64 holds every integer below 2**53 exactly


# ================================================================================ encodings


def random_permutations(n: int, length: int, generator: torch.Generator | None = None,
                        device: Any = None) -> Tensor:
    """``n`` independent uniformly random permutations of ``0..length-1``, ``long[n, length]``
    (the argsort of i.i.d. uniforms is a uniform permutation)."""
    device = generator.device if generator is not None and device is None else device
    u = torch.rand(n, length, generator=generator, dtype=torch.float64, device=device)
    return torch.argsort(u, dim=1)


class BinaryEncoding:
    """Real numbers in a box written as bit strings: the lecture's genotype ``10010011110``.

    Each coordinate ``i`` gets ``bits[i]`` bits, most significant first; the whole genome is
    their concatenation (``length = sum(bits)``). The bits are read as an integer
    ``k in [0, 2^b - 1]`` (after Gray decoding if ``gray``) and **decoded** to

        x = lower + k * (upper - lower) / (2^b - 1),

    so the grid includes both ends of the interval and its spacing, the **precision**, is
    ``(upper - lower) / (2^b - 1)``. Give either ``bits`` (an int, or one per coordinate) or
    the precision you need (``precision``: the number of bits is then the smallest with
    spacing <= precision); neither means 16 bits per coordinate. ``encode`` rounds to the
    nearest grid point, so ``decode(encode(x))`` is within ``precision / 2`` of ``x``.

    ``gray=True`` uses the reflected binary Gray code, in which neighbouring integers differ
    in one bit (no "Hamming cliffs" such as 0111 -> 1000), so one bit flip can always make the
    smallest step.
    """

    kind = "binary"

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]],
                 bits: int | Sequence[int] | None = None,
                 precision: float | Sequence[float] | None = None, gray: bool = False,
                 device: Any = None) -> None:
        from .base import check_bounds

        self.bounds = check_bounds(bounds, device=device)
        self.device = self.bounds.device
        d = self.bounds.shape[1]
        span = self.bounds[1] - self.bounds[0]
        if bits is not None and precision is not None:
            raise ValueError("give either bits or precision, not both")
        if precision is not None:
            p = torch.as_tensor(precision, dtype=torch.float64, device=self.device)
            if p.ndim > 1 or (p.ndim == 1 and p.shape[0] != d):
                raise ValueError(f"precision must be a number or have {d} entries, got "
                                 f"shape {list(p.shape)}")
            if not torch.isfinite(p).all() or (p <= 0).any():
                raise ValueError(f"precision must be positive, got {p.tolist()}")
            # smallest b with span / (2^b - 1) <= p  <=>  2^b >= span / p + 1
            b = torch.ceil(torch.log2(span / p.expand(d) + 1) - 1e-12).clamp(min=1)
            bits_list = [int(v) for v in b.tolist()]
        else:
            if bits is None:
                bits = 16
            bl = [bits] * d if isinstance(bits, numbers.Integral) else list(bits)
            if len(bl) != d:
                raise ValueError(f"bits must be an int or have {d} entries, got {len(bl)}")
            bits_list = bl
        bits_list = [check_int(b, "bits per coordinate", maximum=_MAX_BITS)
                     for b in bits_list]
        self.bits = bits_list
        self.gray = bool(gray)
        self.length = sum(bits_list)
        self.dim = d
        dev = self.device
        self._levels = torch.tensor([2.0**b - 1 for b in bits_list], dtype=torch.float64,
                                    device=dev)
        #: spacing of the decoding grid per coordinate (the stated precision)
        self.precision = span / self._levels
        # block index of each bit, and its place value 2^(b-1-j) inside its block
        self._block = torch.repeat_interleave(torch.arange(d, device=dev),
                                              torch.tensor(bits_list, device=dev))
        starts = torch.tensor([0] + bits_list[:-1], device=dev).cumsum(0)
        self._start = starts
        pos = torch.arange(self.length, device=dev) - starts[self._block]
        self._shift = torch.tensor(bits_list, device=dev)[self._block] - 1 - pos  # long
        self._place = torch.pow(2.0, self._shift.double())
        self._W = torch.zeros(self.length, d, dtype=torch.float64, device=dev)
        self._W[torch.arange(self.length, device=dev), self._block] = self._place

    def random(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` random genomes (each bit 0 or 1 with probability 1/2), ``long[n, length]``."""
        return torch.randint(0, 2, (n, self.length), generator=generator, device=self.device)

    def to_integers(self, G: Tensor) -> Tensor:
        """The integer ``k`` of every coordinate, ``float64[n, d]`` (exact below 2^53)."""
        G = _check_genomes(G, self.length, "binary genomes")
        if self.gray:
            # Gray -> binary: b_j = g_0 xor g_1 xor ... xor g_j inside each block
            c = G.cumsum(1)
            before = torch.where(self._start > 0, c[:, (self._start - 1).clamp(min=0)],
                                 torch.zeros_like(c[:, :1]))
            G = (c - before[:, self._block]) % 2
        return G.double() @ self._W

    def decode(self, G: Tensor) -> Tensor:
        """Genotype -> phenotype: bit strings ``[n, length]`` to points ``float64[n, d]``."""
        k = self.to_integers(G)
        return self.bounds[0] + k * (self.bounds[1] - self.bounds[0]) / self._levels

    def encode(self, X: Tensor) -> Tensor:
        """Phenotype -> genotype: the nearest grid point of each coordinate, as bits."""
        X = torch.as_tensor(X, dtype=torch.float64, device=self.device)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise ValueError(f"encode expects points of shape [n, {self.dim}], got "
                             f"{list(X.shape)}")
        k = torch.round((X - self.bounds[0]) / self.precision)
        k = torch.minimum(k.clamp(min=0), self._levels).long()
        if self.gray:
            k = k ^ (k >> 1)
        return (k[:, self._block] >> self._shift) & 1

    def __repr__(self) -> str:
        return (f"BinaryEncoding(dim={self.dim}, bits={self.bits if self.dim <= 6 else '...'}, "
                f"length={self.length}, gray={self.gray})")


class RealEncoding:
    """Genotype = phenotype: a genome is the point itself, ``float64[n, d]`` in the box."""

    kind = "real"

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], device: Any = None) -> None:
        from .base import check_bounds

        self.bounds = check_bounds(bounds, device=device)
        self.device = self.bounds.device
        self.dim = self.length = self.bounds.shape[1]

    def random(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` points drawn uniformly from the box."""
        U = torch.rand(n, self.dim, generator=generator, dtype=torch.float64, device=self.device)
        return self.bounds[0] + U * (self.bounds[1] - self.bounds[0])

    def decode(self, G: Tensor) -> Tensor:
        return _check_genomes(G, self.length, "real genomes").double()

    def encode(self, X: Tensor) -> Tensor:
        X = torch.as_tensor(X, dtype=torch.float64, device=self.device)
        return torch.minimum(torch.maximum(X, self.bounds[0]), self.bounds[1])

    def __repr__(self) -> str:
        return f"RealEncoding(dim={self.dim})"


class PermutationEncoding:
    """A genome is an ordering of ``0..n-1`` (a tour, a packing order): ``long[k, n]``.

    Every genome is a valid permutation and the permutation operators (order crossover,
    swap, inversion) keep it so: this is the lecture's "only allow representations of the
    TSP that correspond to a valid tour". The phenotype is the same numbers as ``float64``
    (the ask/tell protocol speaks float tensors); its box is ``[0, n-1]^n``.
    """

    kind = "permutation"

    def __init__(self, n: int, device: Any = None) -> None:
        n = check_int(n, "a permutation's n", minimum=2)
        self.dim = self.length = n
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.bounds = torch.tensor([[0.0] * n, [n - 1.0] * n], dtype=torch.float64,
                                   device=self.device)

    def random(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return random_permutations(n, self.length, generator, device=self.device)

    def decode(self, G: Tensor) -> Tensor:
        return _check_genomes(G, self.length, "permutations").double()

    def encode(self, X: Tensor) -> Tensor:
        X = torch.as_tensor(X, device=self.device)
        P = torch.round(X.double()).long() if X.is_floating_point() else X.long()
        if P.ndim != 2 or P.shape[1] != self.length:
            raise ValueError(f"expected permutations of shape [k, {self.length}], got "
                             f"{list(P.shape)}")
        ok = torch.sort(P, 1).values == torch.arange(self.length, device=P.device)
        if not bool(ok.all()):
            raise ValueError("not a permutation of 0..n-1: every row must contain each of "
                             f"0..{self.length - 1} exactly once")
        return P

    def __repr__(self) -> str:
        return f"PermutationEncoding(n={self.length})"


class CategoricalEncoding:
    """A genome is one choice per gene, gene ``j`` taking the integers ``low_j..high_j``
    (``bounds`` ``[2, L]`` of integers): a NAS cell's op per edge, a configuration's
    categorical settings. Genotype = phenotype, as exact integers in ``float64[n, L]`` (the
    ask/tell protocol speaks float tensors). The values are labels, not quantities: crossover
    exchanges them whole and :func:`reset_mutation` redraws them, nothing averages them."""

    kind = "categorical"

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], device: Any = None) -> None:
        from .base import check_bounds

        self.bounds = check_bounds(bounds, device=device)
        if not torch.equal(self.bounds, self.bounds.round()):
            raise ValueError("categorical bounds must be integers (the lowest and highest "
                             "choice of each gene)")
        self.device = self.bounds.device
        self.dim = self.length = self.bounds.shape[1]

    def random(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` genomes, each gene uniform over its choices."""
        lo, hi = self.bounds
        U = torch.rand(n, self.dim, generator=generator, dtype=torch.float64, device=self.device)
        return torch.minimum(lo + torch.floor(U * (hi - lo + 1)), hi)

    def decode(self, G: Tensor) -> Tensor:
        return _check_genomes(G, self.length, "categorical genomes").double()

    def encode(self, X: Tensor) -> Tensor:
        X = torch.as_tensor(X, dtype=torch.float64, device=self.device)
        if X.ndim != 2 or X.shape[1] != self.length:
            raise ValueError(f"expected categorical genomes of shape [k, {self.length}], got "
                             f"{list(X.shape)}")
        lo, hi = self.bounds
        if not (torch.equal(X, X.round()) and bool(((X >= lo) & (X <= hi)).all())):
            raise ValueError("categorical genes must be integers within their bounds")
        return X

    def __repr__(self) -> str:
        return f"CategoricalEncoding(length={self.length})"


def _check_genomes(G: Tensor, length: int, what: str) -> Tensor:
    if not isinstance(G, Tensor):
        G = torch.as_tensor(G)
    if G.ndim != 2 or G.shape[1] != length:
        raise ValueError(f"{what} must have shape [n, {length}], got {list(G.shape)}")
    return G


# ================================================================================ selection
# All selection functions take the fitness of the population (lower is better) and return
# ``k`` indices of selected parents (with replacement: a good individual can be picked often).


def _check_fitness(fitness: Tensor) -> Tensor:
    f = torch.as_tensor(fitness, dtype=torch.float64)
    if f.ndim != 1 or f.shape[0] < 1:
        raise ValueError(f"fitness must be a non-empty 1-D tensor, got shape {list(f.shape)}")
    if not torch.isfinite(f).all():
        raise ValueError("fitness values must be finite")
    return f


def roulette_probabilities(fitness: Tensor) -> Tensor:
    """Fitness-proportionate probabilities for **minimisation**.

    The wheel needs non-negative "goodness" to share out. We use Goldberg's *windowing*:
    ``g_i = f_worst - f_i``, so the worst individual gets a zero slice and the others a slice
    proportional to how much better than the worst they are (invariant to shifting ``f``,
    not to scaling it). A population of equal values gets a uniform wheel.
    """
    f = _check_fitness(fitness)
    g = f.max() - f
    total = g.sum()
    if total <= 0:
        return torch.full_like(f, 1.0 / f.shape[0])
    return g / total


def rank_probabilities(fitness: Tensor, pressure: float = 1.5) -> Tensor:
    """Baker's linear ranking: with rank ``r = 1`` for the best and ``N`` for the worst,

        p_r = (s - (2s - 2) (r - 1) / (N - 1)) / N,     1 <= s <= 2,

    so the best individual expects ``s`` copies (the **selection pressure**), the median one
    copy and the worst ``2 - s``. Only the order of the fitness values matters, so one
    outlier cannot take over the wheel. Ties are ranked by position (stable sort).
    """
    f = _check_fitness(fitness)
    if not 1.0 <= float(pressure) <= 2.0:
        raise ValueError(f"rank selection pressure must be in [1, 2], got {pressure!r}")
    N = f.shape[0]
    if N == 1:
        return torch.ones_like(f)
    order = torch.argsort(f, stable=True)
    r = torch.arange(N, dtype=torch.float64, device=f.device)  # r - 1
    p_sorted = (pressure - (2 * pressure - 2) * r / (N - 1)) / N
    p = torch.empty_like(f)
    p[order] = p_sorted
    return p


def tournament_probabilities(fitness: Tensor, size: int) -> Tensor:
    """Exact probability that tournament selection picks each individual (distinct values):
    the individual of rank ``r`` (1 = best) wins when it is drawn and nobody better is, i.e.
    ``((N - r + 1)^k - (N - r)^k) / N^k``. With ties, tied individuals share by position."""
    f = _check_fitness(fitness)
    size = check_int(size, "tournament size")
    N = f.shape[0]
    order = torch.argsort(f, stable=True)
    r = torch.arange(1, N + 1, dtype=torch.float64, device=f.device)
    p_sorted = ((N - r + 1) ** size - (N - r) ** size) / N**size
    p = torch.empty_like(f)
    p[order] = p_sorted
    return p


def roulette_selection(fitness: Tensor, k: int, generator: torch.Generator | None = None) -> Tensor:
    """Spin the roulette wheel of :func:`roulette_probabilities` ``k`` times."""
    p = roulette_probabilities(fitness)
    return torch.multinomial(p, k, replacement=True, generator=generator)


def rank_selection(fitness: Tensor, k: int, pressure: float = 1.5,
                   generator: torch.Generator | None = None) -> Tensor:
    """Spin the wheel of :func:`rank_probabilities` ``k`` times."""
    p = rank_probabilities(fitness, pressure)
    return torch.multinomial(p, k, replacement=True, generator=generator)


def tournament_selection(fitness: Tensor, k: int, size: int = 3,
                         generator: torch.Generator | None = None) -> Tensor:
    """``k`` tournaments: draw ``size`` individuals uniformly (with replacement) and keep the
    best of them. A larger ``size`` is a higher selection pressure; ``size=1`` is random
    selection. Ties go to the one drawn first (as in DEAP's ``selTournament``)."""
    f = _check_fitness(fitness)
    size = check_int(size, "tournament size")
    idx = torch.randint(0, f.shape[0], (k, size), generator=generator, device=f.device)
    winner = torch.argmin(f[idx], dim=1)  # first minimum in draw order
    return idx.gather(1, winner[:, None]).squeeze(1)


# ================================================================================ crossover
# Each row i of A and B is one pair of parents; each function returns two children (C, D).


def _pair(A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    if not isinstance(A, Tensor) or not isinstance(B, Tensor):
        raise ValueError("parents must be tensors")
    if A.ndim != 2 or A.shape != B.shape:
        raise ValueError(f"parents must be two tensors of the same shape [pairs, L], got "
                         f"{list(A.shape)} and {list(B.shape)}")
    return A, B


def _swap_where(A: Tensor, B: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    return torch.where(mask, B, A), torch.where(mask, A, B)


def one_point_crossover(A: Tensor, B: Tensor, generator: torch.Generator | None = None,
                        cut: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Cut both parents at the same place ``c in 1..L-1`` and swap the tails:
    ``C = A[:c] + B[c:]``, ``D = B[:c] + A[c:]`` (``cut`` gives ``c`` per pair)."""
    A, B = _pair(A, B)
    P, L = A.shape
    if L < 2:
        raise ValueError("one-point crossover needs genomes of length >= 2")
    if cut is None:
        cut = torch.randint(1, L, (P,), generator=generator, device=A.device)
    pos = torch.arange(L, device=A.device)
    return _swap_where(A, B, pos >= cut[:, None])


def two_point_crossover(A: Tensor, B: Tensor, generator: torch.Generator | None = None,
                        cuts: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Cut at two distinct places ``1 <= c1 < c2 <= L-1`` and swap the middle segment
    ``[c1, c2)``. ``cuts`` (``long[pairs, 2]``) fixes the cut points."""
    A, B = _pair(A, B)
    P, L = A.shape
    if L < 3:
        raise ValueError("two-point crossover needs genomes of length >= 3 (two distinct cut "
                         "points between genes)")
    if cuts is None:
        c1 = torch.randint(1, L, (P,), generator=generator, device=A.device)
        c2 = torch.randint(1, L - 1, (P,), generator=generator, device=A.device)
        c2 = c2 + (c2 >= c1).long()  # uniform over the L-2 values other than c1
        cuts = torch.stack([torch.minimum(c1, c2), torch.maximum(c1, c2)], 1)
    pos = torch.arange(L, device=A.device)
    return _swap_where(A, B, (pos >= cuts[:, :1]) & (pos < cuts[:, 1:]))


def uniform_crossover(A: Tensor, B: Tensor, generator: torch.Generator | None = None,
                      swap_prob: float = 0.5) -> tuple[Tensor, Tensor]:
    """Each gene comes from either parent independently: swapped with ``swap_prob``."""
    A, B = _pair(A, B)
    check_prob(swap_prob, "swap_prob")
    mask = torch.rand(A.shape, generator=generator, dtype=torch.float64,
                      device=A.device) < swap_prob
    return _swap_where(A, B, mask)


def blend_crossover(A: Tensor, B: Tensor, low: Tensor, high: Tensor,
                    generator: torch.Generator | None = None,
                    alpha: float = 0.5) -> tuple[Tensor, Tensor]:
    """BLX-alpha (Eshelman & Schaffer 1993) for real genes: each child gene is drawn uniformly
    from the parents' interval widened by ``alpha`` times its length on both sides,
    ``[min - alpha d, max + alpha d]`` with ``d = |a - b|``, then clipped to ``[low, high]``.
    The two children are drawn independently. (DEAP's ``cxBlend`` draws one factor per gene
    and mirrors it, so its children sit symmetrically about the parents' midpoint.)"""
    A, B = _pair(A, B)
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0, got {alpha!r}")
    lo, hi = torch.minimum(A, B), torch.maximum(A, B)
    d = hi - lo
    a, b = lo - alpha * d, hi + alpha * d
    U = torch.rand((2,) + A.shape, generator=generator, dtype=torch.float64, device=A.device)
    kids = a + U * (b - a)
    kids = torch.minimum(torch.maximum(kids, low), high)
    return kids[0], kids[1]


def sbx_crossover(A: Tensor, B: Tensor, low: Tensor, high: Tensor,
                  generator: torch.Generator | None = None, eta: float = 15.0,
                  gene_prob: float = 0.5) -> tuple[Tensor, Tensor]:
    """Simulated binary crossover (Deb & Agrawal 1995), in Deb's bounded form.

    SBX mimics one-point crossover of bit strings on reals: the children are spread about
    the parents' midpoint by a factor ``beta`` with density ``~ beta^eta`` near 1 (a large
    distribution index ``eta`` keeps children close to their parents). The bounded form
    truncates that density so children never leave ``[low, high]``: with ``y1 <= y2`` and a
    uniform ``u``, for each side

        beta  = 1 + 2 (y1 - low) / (y2 - y1)      (or 1 + 2 (high - y2) / (y2 - y1))
        alpha = 2 - beta^-(eta+1)
        beta_q = (u alpha)^(1/(eta+1))                 if u <= 1/alpha
                 (1 / (2 - u alpha))^(1/(eta+1))       otherwise
        c1 = (y1 + y2 - beta_q (y2 - y1)) / 2,   c2 = (y1 + y2 + beta_q (y2 - y1)) / 2.

    Each gene is crossed with probability ``gene_prob`` (and only where the parents differ);
    the children's genes are then swapped with probability 1/2, as in Deb's code and DEAP's
    ``cxSimulatedBinaryBounded``.
    """
    A, B = _pair(A, B)
    if not eta >= 0:
        raise ValueError(f"eta must be >= 0, got {eta!r}")
    check_prob(gene_prob, "gene_prob")
    shape, dev = A.shape, A.device
    R = torch.rand((3,) + shape, generator=generator, dtype=torch.float64, device=dev)
    y1, y2 = torch.minimum(A, B), torch.maximum(A, B)
    gap = y2 - y1
    active = (R[0] < gene_prob) & (gap > 1e-14)
    gap_safe = torch.where(active, gap, torch.ones_like(gap))
    u, e = R[1], 1.0 / (eta + 1.0)

    def beta_q(beta: Tensor) -> Tensor:
        alpha = 2.0 - beta.clamp(min=1.0) ** -(eta + 1.0)
        inside = u <= 1.0 / alpha
        return torch.where(inside, (u * alpha).clamp(min=0) ** e,
                           (1.0 / (2.0 - u * alpha).clamp(min=1e-300)) ** e)

    c1 = 0.5 * (y1 + y2 - beta_q(1.0 + 2.0 * (y1 - low) / gap_safe) * gap)
    c2 = 0.5 * (y1 + y2 + beta_q(1.0 + 2.0 * (high - y2) / gap_safe) * gap)
    c1 = torch.minimum(torch.maximum(c1, low), high)
    c2 = torch.minimum(torch.maximum(c2, low), high)
    flip = R[2] < 0.5
    C = torch.where(active, torch.where(flip, c2, c1), A)
    D = torch.where(active, torch.where(flip, c1, c2), B)
    return C, D


def order_crossover(A: Tensor, B: Tensor, generator: torch.Generator | None = None,
                    cuts: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Order crossover, OX (Davis 1985), for permutations.

    Child C keeps the segment ``A[c1:c2]`` in place; its other positions, starting at ``c2``
    and wrapping around, are filled with the elements missing from the segment in the order
    they appear in B, also read from position ``c2`` on. D is the same with the parents'
    roles swapped. The children are valid permutations that keep a block of one parent and
    the relative order of the other. ``cuts`` (``long[pairs, 2]``, ``0 <= c1 < c2 <= L``)
    fixes the segments; by default ``c1 < c2`` are two distinct cut points in ``0..L``.

    Vectorised over pairs: with B rotated to start at ``c2``, the genes to copy are those of
    B not in A's segment (a stable sort brings them to the front, in B's order), and the
    free positions are ``c2, c2+1, ...`` mod L outside the segment (another stable sort).
    """
    A, B = _pair(A, B)
    P, L = A.shape
    if L < 2:
        raise ValueError("order crossover needs permutations of length >= 2")
    dev = A.device
    if cuts is None:
        c1 = torch.randint(0, L + 1, (P,), generator=generator, device=dev)
        c2 = torch.randint(0, L, (P,), generator=generator, device=dev)
        c2 = c2 + (c2 >= c1).long()
        cuts = torch.stack([torch.minimum(c1, c2), torch.maximum(c1, c2)], 1)
    cuts = torch.as_tensor(cuts, device=dev).long()
    if cuts.shape != (P, 2) or bool(((cuts[:, 0] < 0) | (cuts[:, 0] >= cuts[:, 1])
                                     | (cuts[:, 1] > L)).any()):
        raise ValueError(f"cuts must be [pairs, 2] with 0 <= c1 < c2 <= {L}")
    pos = torch.arange(L, device=dev)
    seg = (pos >= cuts[:, :1]) & (pos < cuts[:, 1:])  # [P, L] positions kept from the parent
    rot = (pos + cuts[:, 1:]) % L  # positions c2, c2+1, ... (mod L)

    def ox(keep: Tensor, donor: Tensor) -> Tensor:
        in_seg = torch.zeros_like(seg).scatter(1, keep, seg)  # gene g is in keep's segment
        donor_rot = donor.gather(1, rot)  # donor read from c2 on
        taken = in_seg.gather(1, donor_rot)
        genes = donor_rot.gather(1, torch.argsort(taken.long(), dim=1, stable=True))
        free = rot.gather(1, torch.argsort(seg.gather(1, rot).long(), dim=1, stable=True))
        # the first L - len(segment) entries of genes/free pair up; the rest are the
        # segment's own genes and positions, overwritten by the segment just below
        child = torch.empty_like(keep).scatter(1, free, genes)
        return torch.where(seg, keep, child)

    return ox(A, B), ox(B, A)


# ================================================================================= mutation
# ``rate`` is a per-gene probability everywhere: the expected number of changes per genome is
# rate * L. ``mutation_prob`` (whether an individual is mutated at all) is the caller's job.


def bit_flip_mutation(G: Tensor, rate: float, generator: torch.Generator | None = None) -> Tensor:
    """Flip each bit independently with probability ``rate``."""
    check_prob(rate, "mutation rate")
    flip = torch.rand(G.shape, generator=generator, dtype=torch.float64, device=G.device) < rate
    return torch.where(flip, 1 - G, G)


def gaussian_mutation(G: Tensor, rate: float, sigma: Tensor | float, low: Tensor, high: Tensor,
                      generator: torch.Generator | None = None) -> Tensor:
    """Add ``N(0, sigma^2)`` noise to each gene with probability ``rate``, then clip to
    ``[low, high]`` (``sigma`` per gene or one number)."""
    check_prob(rate, "mutation rate")
    R = torch.rand(G.shape, generator=generator, dtype=torch.float64, device=G.device)
    Z = torch.randn(G.shape, generator=generator, dtype=torch.float64, device=G.device)
    out = torch.where(R < rate, G + sigma * Z, G)
    return torch.minimum(torch.maximum(out, low), high)


def swap_mutation(P: Tensor, rate: float, generator: torch.Generator | None = None) -> Tensor:
    """Swap mutation for permutations: position ``i = 0..L-1`` is, with probability ``rate``,
    exchanged with another position chosen uniformly (the rule of DEAP's
    ``mutShuffleIndexes``). The result is still a permutation."""
    check_prob(rate, "mutation rate")
    P = P.clone()
    n, L = P.shape
    hit = torch.rand(n, L, generator=generator, dtype=torch.float64, device=P.device) < rate
    other = torch.randint(0, L - 1, (n, L), generator=generator, device=P.device)
    rows = torch.arange(n, device=P.device)
    for i in range(L):
        r = rows[hit[:, i]]
        if len(r) == 0:
            continue
        j = other[r, i] + (other[r, i] >= i).long()  # uniform over positions != i
        a, b = P[r, i].clone(), P[r, j].clone()
        P[r, i], P[r, j] = b, a
    return P


def inversion_mutation(P: Tensor, rate: float, generator: torch.Generator | None = None) -> Tensor:
    """Inversion mutation for permutations: reverse a random segment ``P[i..j]`` (``i < j``).
    Each genome gets ``K ~ Binomial(L, rate)`` such reversals, one after the other (about one
    with the default ``rate = 1/L``). On a tour, one reversal is a 2-opt move: it replaces
    two edges and keeps all others."""
    check_prob(rate, "mutation rate")
    n, L = P.shape
    dev = P.device
    K = (torch.rand(n, L, generator=generator, dtype=torch.float64, device=dev) < rate).sum(1)
    for m in range(int(K.max()) if n else 0):
        i = torch.randint(0, L, (n,), generator=generator, device=dev)
        j = torch.randint(0, L - 1, (n,), generator=generator, device=dev)
        j = j + (j >= i).long()  # uniform over positions != i
        a, b = torch.minimum(i, j), torch.maximum(i, j)
        b = torch.where(K > m, b, a)  # rows with fewer moves: an empty reversal
        P = reverse_segments(P, a, b)
    return P


def reset_mutation(G: Tensor, rate: float, low: Tensor, high: Tensor,
                   generator: torch.Generator | None = None) -> Tensor:
    """Random resetting for categorical genes (Eiben & Smith, *Introduction to Evolutionary
    Computing*, 2nd ed. 2015, sec. 4.3.1): each gene, with probability ``rate``, takes a
    *different* value drawn uniformly from its other choices ``low_j..high_j``. On a NAS cell
    with ``rate = 1/6`` this is, on average, AmoebaNet's op mutation of one edge."""
    check_prob(rate, "mutation rate")
    R = torch.rand(G.shape, generator=generator, dtype=torch.float64, device=G.device)
    U = torch.rand(G.shape, generator=generator, dtype=torch.float64, device=G.device)
    others = high - low  # choices other than the current one
    step = 1 + torch.minimum(torch.floor(U * others), others - 1)  # 1..others
    new = low + torch.remainder(G - low + step, others + 1)  # a uniform other value
    return torch.where(R < rate, new, G)


def reverse_segments(P: Tensor, start: Tensor, end: Tensor) -> Tensor:
    """Reverse ``P[r, start[r]..end[r]]`` (both ends included) in every row ``r``."""
    pos = torch.arange(P.shape[1], device=P.device)
    a, b = start[:, None], end[:, None]
    inside = (pos >= a) & (pos <= b)
    return P.gather(1, torch.where(inside, a + b - pos, pos))


# =============================================================================== monitoring


def diversity(G: Tensor, kind: str, low: Tensor | None = None,
              high: Tensor | None = None) -> float:
    """Mean pairwise distance between the genomes of a population, in [0, 1]:

    * ``"binary"``: the fraction of positions at which two genomes differ (Hamming distance
      / L); random bit strings give about 0.5, a population of clones 0.
    * ``"permutation"``: the fraction of adjacencies of one genome that the other lacks,
      reading each permutation as a cycle whose neighbours are unordered pairs (the edges of
      a tour). Tours that are rotations or reversals of each other are at distance 0;
      random tours of L cities are at about ``1 - 2 / (L - 1)``.
    * ``"real"``: the mean ``|a_j - b_j| / (high_j - low_j)`` over genes; uniform random
      points give about 1/3.
    * ``"categorical"``: the fraction of genes at which two genomes differ (Hamming / L);
      random genomes over ``c`` choices give about ``1 - 1/c``.

    Averaged over all pairs, computed from per-position (or per-edge) counts or sorted
    values: O(N L) (O(N L log N) for reals), not O(N^2 L).
    """
    N, L = G.shape
    if N < 2:
        return 0.0
    pairs = N * (N - 1) / 2
    if kind == "binary":
        ones = G.double().sum(0)
        return float((ones * (N - ones)).sum() / (pairs * L))
    if kind == "permutation":
        if L <= 3:  # every tour of <= 3 cities has the same edges
            return 0.0
        a, b = G, G.roll(-1, dims=1)
        edge = torch.minimum(a, b) * L + torch.maximum(a, b)  # undirected edge id
        count = torch.bincount(edge.flatten(), minlength=L * L).double()
        shared = (count * (count - 1) / 2).sum()  # sum over pairs of their common edges
        return float(1 - shared / (pairs * L))
    if kind == "categorical":
        agree = 0.0
        for j in range(L):  # pairs that agree at gene j: sum over values of C(count, 2)
            count = torch.unique(G[:, j], return_counts=True)[1].double()
            agree += float((count * (count - 1) / 2).sum())
        return 1 - agree / (pairs * L)
    if kind == "real":
        if low is None or high is None:
            raise ValueError("real diversity needs low and high")
        S = torch.sort((G - low) / (high - low), 0).values
        k = torch.arange(N, dtype=torch.float64, device=G.device)[:, None]
        return float(((2 * k - N + 1) * S).sum() / (pairs * L))
    raise ValueError(f"kind must be 'binary', 'real', 'permutation' or 'categorical', got "
                     f"{kind!r}")
