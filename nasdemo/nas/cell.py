"""The NAS-Bench-201 search space: one cell, six edges, five operations.

Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search",
ICLR 2020, Section 2.1: a cell is a DAG of 4 nodes; node 0 is the cell's input, node 3 its
output, and every edge i -> j (i < j) carries one operation. Node j is the sum of its incoming
edges' outputs. With 6 edges and 5 operations there are 5**6 = 15,625 cells.

Architectures are written as in NAS-Bench-201 and NATS-Bench, one ``|op~i|`` group per
incoming edge, nodes 1, 2, 3 separated by ``+``::

    |nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|

Randomness convention: every function that draws takes ``rng``, a ``random.Random`` (or an
``int`` seed, or ``None`` for a fresh unseeded one). Choices here are discrete and few, so the
standard library generator is the simplest and fastest fit; searches own one generator each
so two searches in one notebook do not disturb each other.
"""

from __future__ import annotations

import itertools
import random
import re
from functools import lru_cache
from typing import Sequence

import torch
from torch import Tensor

__all__ = ["OPS", "EDGES", "N_NODES", "Cell", "as_rng"]

#: The operations, in NAS-Bench-201's order; an op's index is its token / one-hot position.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: The edges (source, target), in the order they appear in the string form.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_NODES = 4

_OP_INDEX = {op: k for k, op in enumerate(OPS)}
_EDGE_INDEX = {e: k for k, e in enumerate(EDGES)}
_GROUP = re.compile(r"^\|(.*)\|$")
_ZERO = "#"  # the canonical form's symbol for a tensor that is always zero


def as_rng(rng: random.Random | int | None) -> random.Random:
    """The ``random.Random`` to draw from: ``rng`` itself, a new one seeded with an ``int``,
    or an unseeded one for ``None``."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None or isinstance(rng, int):
        return random.Random(rng)
    raise TypeError(
        f"rng must be a random.Random, an int seed or None, got {type(rng).__name__}"
    )


class Cell:
    """One NAS-Bench-201 cell: the operation on each of the six edges, in ``EDGES`` order.

    Immutable, hashable and comparable: two cells are equal when their six ops are equal
    (isomorphic but different cells are *not* equal; compare ``canonical()`` for that).
    """

    __slots__ = ("_ops", "_hash")

    def __init__(self, ops: Sequence[str]) -> None:
        ops = tuple(ops)
        if len(ops) != len(EDGES):
            raise ValueError(f"a cell has {len(EDGES)} edges, got {len(ops)} ops: {ops}")
        for k, op in enumerate(ops):
            if op not in _OP_INDEX:
                i, j = EDGES[k]
                raise ValueError(
                    f"unknown op {op!r} on edge {i}->{j}; the ops are {', '.join(OPS)}"
                )
        self._ops: tuple[str, ...] = ops
        self._hash = hash(ops)

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_string(cls, text: str) -> "Cell":
        """Parse the NAS-Bench-201 string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

        Raises ``ValueError`` naming what is wrong: the number of node groups, a group's
        shape, an unknown op, or a wrong source-node index.
        """
        if not isinstance(text, str):
            raise TypeError(f"expected an architecture string, got {type(text).__name__}")
        s = text.strip()
        groups = s.split("+")
        if len(groups) != N_NODES - 1:
            raise ValueError(
                f"expected {N_NODES - 1} node groups separated by '+', got {len(groups)} "
                f"in {text!r}"
            )
        ops: list[str] = []
        for j, group in enumerate(groups, start=1):
            m = _GROUP.match(group)
            if m is None:
                raise ValueError(f"node {j}'s group {group!r} must start and end with '|'")
            parts = m.group(1).split("|")
            if len(parts) != j:
                raise ValueError(
                    f"node {j} must have {j} incoming edge(s) '|op~i|', got {len(parts)} "
                    f"in {group!r}"
                )
            for i, part in enumerate(parts):
                op, sep, src = part.partition("~")
                if not sep:
                    raise ValueError(f"edge {part!r} of node {j} must read 'op~{i}'")
                if src != str(i):
                    raise ValueError(
                        f"edge {part!r} of node {j} must come from node {i} (written "
                        f"'{op}~{i}'), got source {src!r}"
                    )
                if op not in _OP_INDEX:
                    raise ValueError(
                        f"unknown op {op!r} on edge {i}->{j}; the ops are {', '.join(OPS)}"
                    )
                ops.append(op)
        # The string lists edges node by node (0->1 | 0->2, 1->2 | 0->3, 1->3, 2->3): EDGES order.
        return cls(ops)

    @classmethod
    def from_index(cls, index: int) -> "Cell":
        """The cell with number ``index`` in 0..15,624 (base-5 digits = op indices, edge 0
        most significant); the order of ``Cell.all()``."""
        if not 0 <= index < len(OPS) ** len(EDGES):
            raise ValueError(f"cell index must be in 0..{len(OPS) ** len(EDGES) - 1}, got {index}")
        digits = []
        for _ in EDGES:
            index, d = divmod(index, len(OPS))
            digits.append(d)
        return cls([OPS[d] for d in reversed(digits)])

    @classmethod
    def from_tokens(cls, tokens: Sequence[int]) -> "Cell":
        """Inverse of ``tokens()``: six op indices in ``EDGES`` order."""
        toks = [int(t) for t in tokens]
        bad = [t for t in toks if not 0 <= t < len(OPS)]
        if bad:
            raise ValueError(f"op tokens must be in 0..{len(OPS) - 1}, got {bad}")
        return cls([OPS[t] for t in toks])

    @classmethod
    def random(cls, rng: random.Random | int | None = None) -> "Cell":
        """A cell drawn uniformly from the 15,625 (each edge's op uniform and independent)."""
        r = as_rng(rng)
        return cls([r.choice(OPS) for _ in EDGES])

    @classmethod
    def all(cls) -> list["Cell"]:
        """All 15,625 cells, in index order."""
        return list(_all_cells())

    @classmethod
    def unique(cls) -> list["Cell"]:
        """One representative per isomorphism class (6,466 cells): the lowest-index cell with
        each ``canonical()`` form, in index order."""
        return list(_unique_cells())

    # ----------------------------------------------------------------- basic facts
    @property
    def ops(self) -> tuple[str, ...]:
        """The op on each edge, in ``EDGES`` order."""
        return self._ops

    @property
    def index(self) -> int:
        """This cell's number in 0..15,624 (see ``from_index``)."""
        n = 0
        for op in self._ops:
            n = n * len(OPS) + _OP_INDEX[op]
        return n

    def op(self, i: int, j: int) -> str:
        """The op on edge ``i -> j``."""
        try:
            return self._ops[_EDGE_INDEX[(i, j)]]
        except KeyError:
            raise ValueError(f"no edge {i}->{j}; the edges are {EDGES}") from None

    def __str__(self) -> str:
        groups = []
        for j in range(1, N_NODES):
            groups.append("|" + "|".join(f"{self.op(i, j)}~{i}" for i in range(j)) + "|")
        return "+".join(groups)

    def __repr__(self) -> str:
        return f"Cell.from_string({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cell) and self._ops == other._ops

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...]]]:
        # Pickle the ops only: the cached hash is of strings, whose hashes differ between
        # processes (PYTHONHASHSEED), so a cell unpickled in a spawned or remote worker must
        # hash afresh there or every table look-up of it misses.
        return Cell, (self._ops,)

    def __lt__(self, other: "Cell") -> bool:  # lets sorted() order cells by index
        return self.index < other.index

    # ----------------------------------------------------------------- variation
    def with_op(self, i: int, j: int, op: str) -> "Cell":
        """A copy with edge ``i -> j`` set to ``op``."""
        if (i, j) not in _EDGE_INDEX:
            raise ValueError(f"no edge {i}->{j}; the edges are {EDGES}")
        ops = list(self._ops)
        ops[_EDGE_INDEX[(i, j)]] = op
        return Cell(ops)

    def mutate(self, rng: random.Random | int | None = None) -> "Cell":
        """Op mutation (Real et al. 2019, AmoebaNet; as used on NAS-Bench-201): pick one edge
        uniformly and replace its op by a *different* one, so the result always differs."""
        r = as_rng(rng)
        k = r.randrange(len(EDGES))
        new = r.choice([op for op in OPS if op != self._ops[k]])
        ops = list(self._ops)
        ops[k] = new
        return Cell(ops)

    def neighbours(self) -> list["Cell"]:
        """All 24 cells that differ from this one on exactly one edge (edge order, then op
        order)."""
        out = []
        for k, cur in enumerate(self._ops):
            for op in OPS:
                if op != cur:
                    ops = list(self._ops)
                    ops[k] = op
                    out.append(Cell(ops))
        return out

    # ----------------------------------------------------------------- structure
    @property
    def is_disconnected(self) -> bool:
        """True when no path of non-``none`` edges leads from the input (node 0) to the output
        (node 3): the cell's output is always zero and the network can only guess."""
        reach = {0}
        for j in range(1, N_NODES):
            if any(i in reach and self.op(i, j) != "none" for i in range(j)):
                reach.add(j)
        return (N_NODES - 1) not in reach

    def live_edges(self) -> list[tuple[int, int]]:
        """The edges whose op can change the output: not ``none``, fed by a node the input
        reaches, and feeding a node that reaches the output. A network need only compute these
        (the others contribute zero or nothing)."""
        from_input = {0}
        for j in range(1, N_NODES):
            if any(i in from_input and self.op(i, j) != "none" for i in range(j)):
                from_input.add(j)
        to_output = {N_NODES - 1}
        for i in range(N_NODES - 2, -1, -1):
            if any(j in to_output and self.op(i, j) != "none" for j in range(i + 1, N_NODES)):
                to_output.add(i)
        return [(i, j) for (i, j) in EDGES
                if self.op(i, j) != "none" and i in from_input and j in to_output]

    def canonical(self) -> str:
        """A string that is equal for isomorphic cells, NAS-Bench-201's definition (the
        reference code's ``to_unique_str(consider_zero=True)``); 6,466 distinct values.

        Each node is written as a symbolic expression: node 0 is ``0``; an edge with ``none``,
        or whose source is the all-zero node 1, contributes the zero symbol ``#``;
        ``skip_connect`` contributes its source's expression unchanged (identity); any other op
        ``o`` contributes ``(src)@o``; a node is the sorted ``+``-join of its contributions
        (addition commutes). The output node's expression is the form.

        This identifies cells that compute the same function, but conservatively: a few
        functionally equal cells keep different forms (e.g. zero terms stay in a sum). Merging
        every such case gives 4,930 classes; we keep the paper's 6,466 so counts and tables
        line up with NAS-Bench-201.
        """
        return _canonical(self._ops)

    # ----------------------------------------------------------------- encodings
    def tokens(self) -> list[int]:
        """The op index of each edge in ``EDGES`` order: a length-6 sequence over a
        vocabulary of 5 (``OPS``), for a sequence model (e.g. NAO's encoder/decoder)."""
        return [_OP_INDEX[op] for op in self._ops]

    def onehot(self) -> Tensor:
        """``Tensor[6, 5]`` (float32): row k is the one-hot op of edge ``EDGES[k]``. Flatten it
        for an MLP or a Gaussian-process kernel."""
        x = torch.zeros(len(EDGES), len(OPS))
        x[torch.arange(len(EDGES)), torch.tensor(self.tokens())] = 1.0
        return x

    #: Labels of the node-DAG's nodes: input, output, then the five ops.
    GRAPH_LABELS: tuple[str, ...] = ("input", "output") + OPS

    def to_graph(self) -> tuple[Tensor, Tensor]:
        """The cell as a node-labelled DAG, for a graph network (Neural Predictor, Wen et al.
        2020, encodes NAS-Bench-101 cells this way; NAS-Bench-201 cells convert by turning
        each edge into a node).

        Returns ``(adjacency, labels)``: ``adjacency`` is ``Tensor[8, 8]`` (float32, row ->
        column = data flows), nodes ordered input, the six edge-ops in ``EDGES`` order, output;
        ``labels`` is ``LongTensor[8]`` indexing ``GRAPH_LABELS``. An op node for edge i -> j
        takes input from the input node (i = 0) or from every op node whose edge ends at i,
        and feeds the output node when j = 3. ``none`` nodes keep their label but get no
        connections: no data passes through them.
        """
        n = len(EDGES) + 2
        adj = torch.zeros(n, n)
        out = n - 1
        for k, (i, j) in enumerate(EDGES):
            if self._ops[k] == "none":
                continue
            if i == 0:
                adj[0, k + 1] = 1.0
            for m, (a, b) in enumerate(EDGES):
                if b == i and self._ops[m] != "none":
                    adj[m + 1, k + 1] = 1.0
            if j == N_NODES - 1:
                adj[k + 1, out] = 1.0
        labels = [0] + [2 + _OP_INDEX[op] for op in self._ops] + [1]
        return adj, torch.tensor(labels, dtype=torch.long)


@lru_cache(maxsize=None)
def _canonical(ops: tuple[str, ...]) -> str:
    # NAS-Bench-201 (Dong & Yang 2020), reference code CellStructure.to_unique_str: see
    # Cell.canonical for the rules.
    expr = {0: "0"}
    for j in range(1, N_NODES):
        terms = []
        for i in range(j):
            op, src = ops[_EDGE_INDEX[(i, j)]], expr[i]
            if op == "none" or src == _ZERO:
                terms.append(_ZERO)
            elif op == "skip_connect":
                terms.append(src)
            else:
                terms.append(f"({src})@{op}")
        expr[j] = "+".join(sorted(terms))
    return expr[N_NODES - 1]


@lru_cache(maxsize=1)
def _all_cells() -> tuple[Cell, ...]:
    return tuple(Cell(ops) for ops in itertools.product(OPS, repeat=len(EDGES)))


@lru_cache(maxsize=1)
def _unique_cells() -> tuple[Cell, ...]:
    seen: dict[str, Cell] = {}
    for c in _all_cells():
        seen.setdefault(c.canonical(), c)
    return tuple(seen.values())
