"""A genetic algorithm (GA) speaking ask/tell, organised like the lecture's five steps.

The lecture ("Implementing GA on Computer") builds a GA in five steps; each is a part of
this class, and the operators themselves are plain functions in ``ga_operators.py``:

1. **Representation** (``encoding``): ``"binary"`` bit strings decoded to reals with a stated
   precision (:class:`~nasdemo.blackbox.ga_operators.BinaryEncoding`), ``"real"`` genomes
   that are the points themselves, ``"permutation"`` orderings (tours), or ``"categorical"``
   genomes of one choice per gene out of the integers ``bounds`` allow (a NAS cell's op per
   edge; ``ga_operators.CategoricalEncoding``).
2. **Fitness** ``F``, with constraints handled one of four ways (the lecture's list):

   * ``constraint_handling="penalty"``: ``F = f + penalty * violation`` ("via the fitness
     function", a static linear penalty);
   * ``"reject"``: violators take no part in selection while any feasible individual exists
     ("via the selection operator"), and rank after every feasible one in insertion (Deb's
     feasibility rules, 2000: feasible beats infeasible, then lower f, then lower violation);
   * ``"repair"``: ``repair(X)`` maps each new individual to a feasible one before it is
     evaluated, and the repaired genome replaces the original (Lamarckian repair);
   * a **representation** that only allows valid individuals (e.g. a permutation for a TSP
     tour, or a permutation decoded greedily into a knapsack packing): no ``constraint``
     needed at all; this is a choice of encoding and objective, not an option here.

   ``constraint(X)`` returns ``g(X)`` (``Tensor[k]`` or ``Tensor[k, m]`` for ``m``
   constraints), feasible where ``g <= 0``; the violation is ``sum(max(g, 0))``. The GA calls
   it itself: constraints are cheap, known functions, the objective is the black box.
   ``best_x`` / ``best_y`` are the best *feasible* individual told; ``minimize``'s
   ``Result`` summarises the raw values it saw, which with a penalty or rejection may
   include lower, infeasible ones, so read the GA's ``best_x`` / ``best_y`` there.

3. **Genetic operators**, one generation (``ask`` then ``tell``)::

       select    m parents from the population by fitness              (``selection``)
       pair      parents (0,1), (2,3), ...; with prob. crossover_rate    (``crossover``)
                 replace a pair by its two children
       mutate    each child with prob. mutation_prob; each gene with     (``mutation``)
                 prob. mutation_rate
       evaluate  ask for the children that are new, tell their f
       insert    build the next population                             (``insertion``)

   Selection: ``"roulette"`` (fitness proportionate with windowing), ``"rank"`` (Baker's
   linear ranking, pressure ``rank_pressure`` in [1, 2]), ``"tournament"`` (size
   ``tournament_size``). Crossover: ``"one_point"``, ``"two_point"``, ``"uniform"``
   (binary, real and categorical), ``"blend"`` (BLX-``blend_alpha``) and ``"sbx"``
   (``sbx_eta``) for reals, ``"ox"`` for permutations. Mutation: ``"bit_flip"``,
   ``"gaussian"`` (standard deviation ``mutation_sigma`` times the box width), ``"swap"``,
   ``"inversion"``, ``"reset"`` (categorical: a gene redrawn to another of its choices).
   Insertion: ``"generational"`` (children replace the population; ``m = pop_size``),
   ``"elitist"`` (the ``n_elite`` best survive, ``m = pop_size - n_elite`` children fill the
   rest), ``"steady_state"`` (``m = n_offspring`` children replace the worst ``m``,
   GENITOR-style; one "generation" is then one such step).

   Defaults per encoding: binary -- two-point, bit flip; real -- SBX, Gaussian;
   permutation -- OX, inversion; categorical -- uniform, reset. ``mutation_rate`` defaults
   to ``1 / L`` (one change per genome on average), ``crossover_rate`` to 0.9,
   ``mutation_prob`` to 1, insertion to elitist with one elite, selection to tournaments of 3.

4. **Execute and monitor**: ``log`` holds one dict per generation (entry 0 is the initial
   population) with ``generation``, ``evals``, ``best`` and ``mean`` (best and average
   fitness ``F`` of the population), ``worst``, ``best_so_far`` (best feasible ``f`` told so
   far), ``diversity`` (mean pairwise distance between genomes, see
   :func:`~nasdemo.blackbox.ga_operators.diversity`), ``feasible`` (fraction of the
   population), ``x_best`` (the population's best individual, a phenotype) and, with
   ``record_population=True``, ``X`` and ``F`` of the whole population. ``best_x`` /
   ``best_y`` / ``best_genome`` identify the best feasible individual seen.
5. **Tune**: ``mutation_rate``, ``mutation_prob``, ``crossover_rate``, ``tournament_size`` /
   ``rank_pressure`` (selection pressure), ``pop_size``, ``insertion`` / ``n_elite``.

Minimisation and maximisation
-----------------------------
Like every optimiser in ``nasdemo.blackbox`` the GA **minimises** ``f``: lower fitness is
better. Maximise a score such as OneMax (the number of ones) or a knapsack's value by
minimising its negative.

Evaluations: only new individuals are asked
-------------------------------------------
With ``skip_unchanged=True`` (the default; it assumes a deterministic objective) a child
whose genome equals that of a member of the current population -- a parent copied without
crossover, the child of two equal parents, a mutation that changed nothing -- inherits that
member's ``f``, and children equal to each other are asked once: every ``ask`` returns
distinct genomes, none of them in the population. In a converged population most children
are such copies, so this saves many evaluations (about half on OneMax). If a whole
generation brings nothing new the GA goes on to the next one without asking; after 1000 such
generations in a row ``ask`` returns the children anyway and ``stop()`` reports
``no_new_individuals``. ``skip_unchanged=False`` is DEAP's ``eaSimple`` rule instead: every
child that an operator was applied to is evaluated, even when nothing changed (e.g. a
mutation that flipped no bit), and only untouched copies inherit their fitness.

Differences from DEAP (``benchmarks/ga_vs_deap.py`` compares the two)
--------------------------------------------------------------------
With ``insertion="generational"``, ``selection="tournament"``, ``crossover_rate=cxpb``,
``mutation_prob=mutpb`` and ``skip_unchanged=False`` one generation is DEAP's
``eaSimple`` with ``varAnd`` (select, pair consecutive parents, cross with ``cxpb``, mutate
each with ``mutpb``, evaluate invalidated individuals, replace). Details that differ:
two-point crossover cuts at two distinct sites in ``1..L-1`` (DEAP: in ``1..L``, so a cut
after the last gene makes it one-point); BLX-alpha draws the two children independently
(DEAP mirrors them); DEAP has no built-in inversion mutation.

Representation notes: the binary encoding decodes each coordinate from its own block of
bits (``bits`` or ``precision``, optionally Gray coded); for a problem that *is* a bit
string (OneMax, knapsack) use :meth:`GeneticAlgorithm.bits`, whose phenotype is the 0/1
vector itself. :meth:`GeneticAlgorithm.permutation` makes a permutation GA over ``0..n-1``;
``ask`` returns the permutations as ``float64`` rows (exact integers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

from . import ga_operators as ops
from ..utils import check_int, check_number, check_positive, check_prob, few_threads
from .base import Optimizer

__all__ = ["GeneticAlgorithm"]

_CROSSOVERS = {
    "binary": ("one_point", "two_point", "uniform"),
    "real": ("one_point", "two_point", "uniform", "blend", "sbx"),
    "permutation": ("ox",),
    "categorical": ("one_point", "two_point", "uniform"),
}
_MUTATIONS = {"binary": ("bit_flip",), "real": ("gaussian",),
              "permutation": ("swap", "inversion"), "categorical": ("reset",)}
_DEFAULTS = {"binary": ("two_point", "bit_flip"), "real": ("sbx", "gaussian"),
             "permutation": ("ox", "inversion"), "categorical": ("uniform", "reset")}
_SELECTIONS = ("tournament", "rank", "roulette")
_INSERTIONS = ("generational", "elitist", "steady_state")
_HANDLINGS = ("penalty", "reject", "repair")
_MAX_EMPTY = 1000  # generations in a row without a new individual before ask gives up


class GeneticAlgorithm(Optimizer):
    """A genetic algorithm on binary, real, permutation or categorical genomes (minimisation).

    ``GeneticAlgorithm(bounds, seed=0, encoding="real", pop_size=50, **options)``; see the
    module docstring for the algorithm, the options and the log. Shortcuts:
    :meth:`bits` for bit-string problems, :meth:`permutation` for orderings.

    ``ask()`` returns the new individuals of the next generation (the whole population the
    first time; the same points again if called twice without ``tell``); ``tell`` must get
    back exactly those points, in the same order.
    """

    def __init__(self, bounds: Tensor | Sequence[Sequence[float]], seed: int = 0,
                 encoding: str = "real", pop_size: int = 50, *,
                 bits: int | Sequence[int] | None = None,
                 precision: float | Sequence[float] | None = None, gray: bool = False,
                 selection: str = "tournament", tournament_size: int = 3,
                 rank_pressure: float = 1.5,
                 crossover: str | None = None, crossover_rate: float = 0.9,
                 blend_alpha: float = 0.5, sbx_eta: float = 15.0,
                 mutation: str | None = None, mutation_rate: float | None = None,
                 mutation_prob: float = 1.0, mutation_sigma: float = 0.1,
                 insertion: str = "elitist", n_elite: int | None = None, n_offspring: int = 2,
                 constraint: Callable[[Tensor], Tensor] | None = None,
                 constraint_handling: str | None = None, penalty: float | None = None,
                 repair: Callable[[Tensor], Tensor] | None = None,
                 skip_unchanged: bool = True, record: bool = True,
                 record_population: bool = False, device: Any = None) -> None:
        super().__init__(bounds, seed, device)
        dev = self.device

        # ---- step 1: representation
        if encoding not in _CROSSOVERS:
            raise ValueError(f"encoding must be 'binary', 'real', 'permutation' or "
                             f"'categorical', got {encoding!r}")
        if encoding != "binary" and (bits is not None or precision is not None or gray):
            raise ValueError("bits, precision and gray only apply to encoding='binary'")
        if encoding == "binary":
            self.encoding: Any = ops.BinaryEncoding(self.bounds, bits=bits, precision=precision,
                                                    gray=gray)
        elif encoding == "real":
            self.encoding = ops.RealEncoding(self.bounds)
        elif encoding == "categorical":
            self.encoding = ops.CategoricalEncoding(self.bounds)
        else:
            n = self.dim
            expected = torch.tensor([[0.0] * n, [n - 1.0] * n], dtype=torch.float64,
                                    device=dev)
            if not torch.equal(self.bounds, expected):
                raise ValueError("a permutation GA over 0..n-1 needs bounds [[0]*n, [n-1]*n]; "
                                 "build it with GeneticAlgorithm.permutation(n, ...)")
            self.encoding = ops.PermutationEncoding(n, device=dev)
        self.kind = encoding
        L = self.genome_length = self.encoding.length

        # ---- population and rates
        pop_size = check_int(pop_size, "pop_size", minimum=2)
        self.pop_size = pop_size
        if selection not in _SELECTIONS:
            raise ValueError(f"selection must be one of {_SELECTIONS}, got {selection!r}")
        tournament_size = check_int(tournament_size, "tournament_size", minimum=1)
        if check_number(rank_pressure, "rank_pressure", minimum=1.0) > 2.0:
            raise ValueError(f"rank_pressure must be in [1, 2], got {rank_pressure!r}")
        self.selection, self.tournament_size = selection, tournament_size
        self.rank_pressure = float(rank_pressure)

        cx_default, mut_default = _DEFAULTS[encoding]
        crossover = cx_default if crossover is None else crossover
        mutation = mut_default if mutation is None else mutation
        if crossover not in _CROSSOVERS[encoding]:
            raise ValueError(f"crossover {crossover!r} does not apply to {encoding} genomes; "
                             f"choose one of {_CROSSOVERS[encoding]}")
        if mutation not in _MUTATIONS[encoding]:
            raise ValueError(f"mutation {mutation!r} does not apply to {encoding} genomes; "
                             f"choose one of {_MUTATIONS[encoding]}")
        if (crossover == "one_point" and L < 2) or (crossover == "two_point" and L < 3):
            raise ValueError(f"{crossover} crossover needs a longer genome (length {L})")
        mutation_rate = 1.0 / L if mutation_rate is None else mutation_rate
        crossover_rate = check_prob(crossover_rate, "crossover_rate")
        mutation_rate = check_prob(mutation_rate, "mutation_rate")
        mutation_prob = check_prob(mutation_prob, "mutation_prob")
        if crossover_rate == 0 and (mutation_rate == 0 or mutation_prob == 0):
            raise ValueError("with crossover_rate = 0 and no mutation the children would "
                             "never differ from their parents")
        self.crossover, self.crossover_rate = crossover, crossover_rate
        self.mutation, self.mutation_rate = mutation, mutation_rate
        self.mutation_prob = mutation_prob
        self.mutation_sigma = check_positive(mutation_sigma, "mutation_sigma")
        self.blend_alpha = check_number(blend_alpha, "blend_alpha", minimum=0)
        self.sbx_eta = check_number(sbx_eta, "sbx_eta", minimum=0)

        # ---- insertion
        if insertion not in _INSERTIONS:
            raise ValueError(f"insertion must be one of {_INSERTIONS}, got {insertion!r}")
        if insertion == "elitist":
            n_elite = 1 if n_elite is None else n_elite
            n_elite = check_int(n_elite, "n_elite", minimum=1)
            if n_elite >= pop_size:
                raise ValueError(f"n_elite must be below pop_size ({pop_size}), got {n_elite}")
            self.n_children = pop_size - n_elite
        else:
            if n_elite not in (None, 0):
                raise ValueError("n_elite applies to insertion='elitist' only")
            n_elite = 0
            if insertion == "steady_state":
                n_offspring = check_int(n_offspring, "n_offspring", minimum=1)
                if n_offspring > pop_size:
                    raise ValueError(f"n_offspring must be at most pop_size ({pop_size}), got "
                                     f"{n_offspring}")
                self.n_children = n_offspring
            else:
                self.n_children = pop_size
        self.insertion, self.n_elite = insertion, n_elite

        # ---- step 2: constraints
        if constraint is not None and not callable(constraint):
            raise ValueError("constraint must be a function X -> g(X) (feasible where g <= 0)")
        if repair is not None and not callable(repair):
            raise ValueError("repair must be a function X -> repaired X")
        if constraint_handling is not None and constraint_handling not in _HANDLINGS:
            raise ValueError(f"constraint_handling must be one of {_HANDLINGS} (or None), got "
                             f"{constraint_handling!r}")
        if constraint is not None and constraint_handling is None:
            raise ValueError("a constraint needs constraint_handling='penalty', 'reject' or "
                             "'repair'")
        if constraint_handling in ("penalty", "reject") and constraint is None:
            raise ValueError(f"constraint_handling={constraint_handling!r} needs a constraint")
        if constraint_handling == "repair" and repair is None:
            raise ValueError("constraint_handling='repair' needs a repair function")
        if repair is not None and constraint_handling != "repair":
            raise ValueError("a repair function needs constraint_handling='repair'")
        if constraint_handling == "penalty":
            penalty = check_positive(penalty, "the penalty coefficient (F = f + penalty * "
                                     "violation) of constraint_handling='penalty'")
        elif penalty is not None:
            raise ValueError("penalty applies to constraint_handling='penalty' only")
        self.constraint, self.constraint_handling = constraint, constraint_handling
        self.penalty, self.repair = penalty, repair
        self.skip_unchanged = bool(skip_unchanged)

        # ---- state
        self.generation = 0
        self.population: Tensor | None = None  # genomes [N, L]
        self.values: Tensor | None = None  # raw f [N]
        self.violation: Tensor | None = None  # [N], 0 where feasible
        self.best_genome: Tensor | None = None
        self._pending: _Asked | None = None  # the generation between ask and tell
        self._empty_streak = 0
        self._gave_up = False
        self.record, self.record_population = bool(record), bool(record_population)
        self.log: list[dict[str, Any]] = []

    # ---- shortcuts ---------------------------------------------------------------------
    @classmethod
    def bits(cls, n_bits: int, seed: int = 0, **options: Any) -> "GeneticAlgorithm":
        """A GA on bit strings of length ``n_bits`` whose phenotype is the 0/1 vector itself
        (bounds ``[0, 1]`` per bit, one bit each): OneMax, knapsack, feature subsets."""
        n_bits = check_int(n_bits, "n_bits", minimum=1)
        for key in ("bits", "precision", "encoding"):
            if key in options:
                raise ValueError(f"GeneticAlgorithm.bits fixes {key!r}")
        return cls([[0.0] * n_bits, [1.0] * n_bits], seed, encoding="binary", bits=1, **options)

    @classmethod
    def permutation(cls, n: int, seed: int = 0, **options: Any) -> "GeneticAlgorithm":
        """A GA on permutations of ``0..n-1`` (tours, orderings)."""
        n = check_int(n, "a permutation's n", minimum=2)
        if "encoding" in options:
            raise ValueError("GeneticAlgorithm.permutation fixes the encoding")
        return cls([[0.0] * n, [n - 1.0] * n], seed, encoding="permutation", **options)

    # ---- step 2: fitness with constraints -----------------------------------------------
    def violation_of(self, X: Tensor) -> Tensor:
        """Total constraint violation ``sum(max(g(X), 0))`` per row (0 without a constraint)."""
        if self.constraint is None:
            return torch.zeros(X.shape[0], dtype=torch.float64, device=self.device)
        g = torch.as_tensor(self.constraint(X), dtype=torch.float64, device=self.device)
        if g.ndim == 1:
            g = g[:, None]
        if g.ndim != 2 or g.shape[0] != X.shape[0]:
            raise ValueError(f"constraint(X) must return [k] or [k, m] values for k = "
                             f"{X.shape[0]} points, got shape {list(g.shape)}")
        if not torch.isfinite(g).all():
            raise ValueError("constraint(X) returned NaN or inf")
        return g.clamp(min=0).sum(1)

    def fitness_of(self, y: Tensor, violation: Tensor) -> Tensor:
        """The fitness ``F`` the GA selects on: ``f + penalty * violation`` with the penalty
        method, ``f`` otherwise."""
        if self.constraint_handling == "penalty":
            return y + self.penalty * violation
        return y

    @property
    def fitness(self) -> Tensor | None:
        """Fitness ``F`` of the current population (lower is better)."""
        if self.values is None:
            return None
        return self.fitness_of(self.values, self.violation)

    @property
    def population_X(self) -> Tensor | None:
        """The current population decoded to phenotypes, ``Tensor[N, d]``."""
        return None if self.population is None else self.encoding.decode(self.population)

    def _ranking(self, y: Tensor, viol: Tensor) -> Tensor:
        """Indices from best to worst. With rejection: Deb's feasibility rules (feasible
        first by f, then infeasible by violation); otherwise by F."""
        if self.constraint_handling == "reject":
            infeasible = viol > 0
            key = torch.where(infeasible, viol, y)
            order = torch.argsort(key, stable=True)
            return order[torch.argsort(infeasible[order].long(), stable=True)]
        return torch.argsort(self.fitness_of(y, viol), stable=True)

    # ---- step 3: one generation; ask breeds it, tell inserts it --------------------------
    def _ask(self) -> Tensor:
        """Select, cross, mutate (and repair) until a generation has a new child; ask for the
        new children, each once (see "Evaluations" in the module docstring)."""
        if self._pending is not None:  # asked twice without tell: the same points again
            return self._pending.X.clone()
        dev, g, m = self.device, self.generator, self.n_children
        with few_threads(dev):
            if self.population is None:  # generation 0: the random initial population
                kids = self.encoding.random(self.pop_size, g)
                if self.repair is not None:
                    kids = self._apply_repair(kids)
                unknown = torch.full((self.pop_size,), torch.nan, dtype=torch.float64,
                                     device=dev)
                everyone = torch.arange(self.pop_size, device=dev)
                self._pending = _Asked(self.encoding.decode(kids), kids, unknown,
                                       unknown.clone(), everyone, everyone)
                return self._pending.X.clone()
            while True:
                # select m parents by fitness; each child starts as a copy of one
                parents = self._select(m)
                kids = self.population[parents].clone()
                touched = torch.zeros(m, dtype=torch.bool, device=dev)
                # pair parents (0,1), (2,3), ...; with prob. crossover_rate a pair is replaced
                # by its two children
                if m >= 2:
                    crossed = torch.rand(m // 2, generator=g, dtype=torch.float64,
                                         device=dev) < self.crossover_rate
                    if bool(crossed.any()):
                        rows = crossed.nonzero().flatten() * 2
                        kids[rows], kids[rows + 1] = self._cross(kids[rows], kids[rows + 1])
                        touched[rows] = touched[rows + 1] = True
                # mutate each child with prob. mutation_prob
                mutated = torch.rand(m, generator=g, dtype=torch.float64,
                                     device=dev) < self.mutation_prob
                if bool(mutated.any()):
                    kids[mutated] = self._mutate(kids[mutated])
                    touched |= mutated
                if self.repair is not None:
                    kids = self._apply_repair(kids)
                # which children need an evaluation? the others inherit f and the violation
                if self.skip_unchanged:  # equal to a member of the population
                    known, source = _find_rows(kids, self.population)
                else:  # DEAP's rule: untouched copies of their first parent
                    known, source = ~touched, parents
                y = torch.where(known, self.values[source], torch.nan)
                v = torch.where(known, self.violation[source], torch.nan)
                new = (~known).nonzero().flatten()
                if len(new):
                    self._empty_streak = 0
                    break
                self._empty_streak += 1
                if self._empty_streak >= _MAX_EMPTY:  # give up: re-evaluate what we have
                    self._gave_up = True
                    new = torch.arange(m, device=dev)
                    break
                self._insert(kids, y, v)  # nothing new: a generation without evaluations
                self._record()
            if self.skip_unchanged and not self._gave_up:  # equal new children: ask once
                first, where = _first_unique(kids[new])
                asked = new[first]
            else:
                asked, where = new, torch.arange(len(new), device=dev)
            self._pending = _Asked(self.encoding.decode(kids[asked]), kids, y, v, new, where)
        return self._pending.X.clone()

    def _check_points(self, X: Tensor) -> Tensor:
        """``tell`` must get back the individuals of the last ``ask()``: all, in order."""
        return self._expect_asked(X, None if self._pending is None else self._pending.X)

    def _update_best(self, X: Tensor, values: list[float]) -> None:
        """``best_x`` / ``best_y`` track the best *feasible* individual (all are feasible
        without a constraint); the violations are kept for ``_tell``."""
        v = self._pending.v_told = self.violation_of(X)
        told = [i for i, ok in enumerate((v <= 0).tolist()) if ok]
        if told:
            i = min(told, key=values.__getitem__)
            if values[i] < self.best_y:
                self.best_y, self.best_x = values[i], X[i].clone()
                self.best_genome = self.encoding.encode(X[i:i + 1])[0]

    def _tell(self, X: Tensor, y: Tensor) -> None:
        """The told values complete the generation; insert it into the population."""
        a, self._pending = self._pending, None
        with few_threads(self.device):
            a.y[a.new], a.v[a.new] = y[a.where], a.v_told[a.where]
            if self.population is None:  # generation 0 becomes the population
                self.population, self.values, self.violation = a.kids, a.y, a.v
            else:
                self._insert(a.kids, a.y, a.v)
            self._record()

    # ---- the operators a generation calls ------------------------------------------------
    def _select(self, k: int) -> Tensor:
        """Indices of ``k`` parents drawn from the population."""
        F = self.fitness
        pool = None
        if self.constraint_handling == "reject":
            feasible = self.violation <= 0
            if bool(feasible.any()):  # reject violators: select among feasible only
                pool = feasible.nonzero().flatten()
                F = F[pool]
            else:  # nobody feasible yet: select on the violation
                F = self.violation
        g = self.generator
        if self.selection == "tournament":
            idx = ops.tournament_selection(F, k, self.tournament_size, generator=g)
        elif self.selection == "rank":
            idx = ops.rank_selection(F, k, self.rank_pressure, generator=g)
        else:
            idx = ops.roulette_selection(F, k, generator=g)
        return idx if pool is None else pool[idx]

    def _cross(self, A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
        g, lo, hi = self.generator, self.bounds[0], self.bounds[1]
        c = self.crossover
        if c == "one_point":
            return ops.one_point_crossover(A, B, g)
        if c == "two_point":
            return ops.two_point_crossover(A, B, g)
        if c == "uniform":
            return ops.uniform_crossover(A, B, g)
        if c == "blend":
            return ops.blend_crossover(A, B, lo, hi, g, alpha=self.blend_alpha)
        if c == "sbx":
            return ops.sbx_crossover(A, B, lo, hi, g, eta=self.sbx_eta)
        return ops.order_crossover(A, B, g)

    def _mutate(self, G: Tensor) -> Tensor:
        g, rate, m = self.generator, self.mutation_rate, self.mutation
        if m == "bit_flip":
            return ops.bit_flip_mutation(G, rate, g)
        if m == "gaussian":
            lo, hi = self.bounds
            return ops.gaussian_mutation(G, rate, self.mutation_sigma * (hi - lo), lo, hi, g)
        if m == "swap":
            return ops.swap_mutation(G, rate, g)
        if m == "reset":
            lo, hi = self.bounds
            return ops.reset_mutation(G, rate, lo, hi, g)
        return ops.inversion_mutation(G, rate, g)

    def _apply_repair(self, G: Tensor) -> Tensor:
        X = self.encoding.decode(G)
        Xr = torch.as_tensor(self.repair(X.clone()), dtype=torch.float64, device=self.device)
        if Xr.shape != X.shape:
            raise ValueError(f"repair(X) must return the shape it got, {list(X.shape)}, not "
                             f"{list(Xr.shape)}")
        return self.encoding.encode(Xr)

    def _insert(self, kids: Tensor, y: Tensor, v: Tensor) -> None:
        """Build the next population from the current one and the evaluated children."""
        if self.insertion == "generational":
            self.population, self.values, self.violation = kids, y, v
        elif self.insertion == "elitist":  # the n_elite best survive, children fill the rest
            elite = self._ranking(self.values, self.violation)[: self.n_elite]
            self.population = torch.cat([self.population[elite], kids])
            self.values = torch.cat([self.values[elite], y])
            self.violation = torch.cat([self.violation[elite], v])
        else:  # steady state: the children replace the worst members
            worst = self._ranking(self.values, self.violation)[-kids.shape[0]:]
            self.population = self.population.clone()
            self.values, self.violation = self.values.clone(), self.violation.clone()
            self.population[worst], self.values[worst], self.violation[worst] = kids, y, v
        self.generation += 1

    # ---- step 4: monitor -----------------------------------------------------------------
    def _record(self) -> None:
        if not self.record:
            return
        cpu = torch.device("cpu")
        F = self.fitness
        order = self._ranking(self.values, self.violation)
        entry = dict(
            generation=self.generation, evals=self.n_told, best=float(F[order[0]]),
            mean=float(F.mean()), worst=float(F.max()),
            best_so_far=self.best_y,
            diversity=ops.diversity(self.population, self.kind, self.bounds[0], self.bounds[1]),
            feasible=float((self.violation <= 0).double().mean()),
            x_best=self.encoding.decode(self.population[order[:1]])[0].to(cpu),
        )
        if self.record_population:
            entry["X"] = self.encoding.decode(self.population).to(cpu)
            entry["F"] = F.to(cpu)
        self.log.append(entry)

    def stop(self) -> dict[str, Any]:
        """``{"no_new_individuals": 1000}`` once 1000 generations in a row brought nothing
        new (the population has converged and the operators cannot leave it)."""
        return {"no_new_individuals": _MAX_EMPTY} if self._gave_up else {}

    def __repr__(self) -> str:
        return (f"GeneticAlgorithm({getattr(self, 'kind', '?')}, "
                f"length={getattr(self, 'genome_length', '?')}, "
                f"pop_size={getattr(self, 'pop_size', '?')}, seed={self.seed}, "
                f"generation={getattr(self, 'generation', 0)}, told={self.n_told})")


@dataclass
class _Asked:
    """A generation between ``ask`` and ``tell``."""

    X: Tensor  # the points asked: the new children, each distinct child once, decoded
    kids: Tensor  # every child's genome (generation 0: the initial population)
    y: Tensor  # raw f per child: inherited, NaN until told
    v: Tensor  # constraint violation per child, likewise
    new: Tensor  # indices of the children that need the told values ...
    where: Tensor  # ... and for each of them its row in X
    v_told: Tensor | None = None  # the violations of X, set by tell


def _find_rows(A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    """For each row of ``A``: whether it equals some row of ``B``, and which (0 where none).

    Rows are compared by an integer hash first (``[a, b]`` instead of ``[a, b, L]``
    comparisons); a hash match is then checked exactly, so a collision can only cost a
    missed match, never a wrong one. The hash is exact integer arithmetic (float64 genes are
    hashed through their bit patterns), so equal rows always get equal hashes, whatever the
    shapes of A and B (a floating-point matmul would not guarantee that)."""
    L = A.shape[1]
    w = torch.randint(1, 1 << 20, (L,), generator=torch.Generator().manual_seed(L)).to(A.device)

    def hash_rows(G: Tensor) -> Tensor:
        v = G.view(torch.int64) if G.dtype == torch.float64 else G.long()
        return (torch.remainder(v, 1_000_003) * w).sum(1)

    hA, hB = hash_rows(A), hash_rows(B)
    cand = hA[:, None] == hB[None, :]
    index = cand.long().argmax(1)
    found = cand.any(1) & (A == B[index]).all(1)
    return found, torch.where(found, index, 0)


def _first_unique(A: Tensor) -> tuple[Tensor, Tensor]:
    """Rows of ``A`` that are the first occurrence of their value, in order (``first``),
    and for every row the position in ``first`` of its value (``where``):
    ``A[first][where] == A``."""
    if A.shape[0] == 0:
        empty = torch.zeros(0, dtype=torch.long, device=A.device)
        return empty, empty
    _, inv = torch.unique(A, dim=0, return_inverse=True)
    n_unique = int(inv.max()) + 1
    pos = torch.arange(A.shape[0], device=A.device)
    first = torch.full((n_unique,), A.shape[0], dtype=torch.long, device=A.device)
    first = first.scatter_reduce(0, inv, pos, reduce="amin")
    order = torch.argsort(first)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(n_unique, device=A.device)
    return first[order], rank[inv]
