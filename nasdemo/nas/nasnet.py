"""The NASNet / AmoebaNet / DARTS cell: B intermediate nodes, each summing two chosen inputs.

Zoph et al., "Learning Transferable Architectures for Scalable Image Recognition", CVPR 2018,
Section 3 and Figure 3: a cell receives two hidden states, the outputs of the previous two
cells; it then builds B blocks, each choosing two earlier hidden states, one op per choice,
and combining the two results into a new hidden state. Real et al., "Regularized Evolution for
Image Classifier Architecture Search", AAAI 2019 (AmoebaNet), fix the combination to a sum and
search this space by mutation (Figure 2). Liu et al., "DARTS: Differentiable Architecture
Search", ICLR 2019, Section 2.1, use the same cell and write the derived cell ("genotype") as a
flat list of (op, input) pairs, two per node.

Hidden states are numbered as in DARTS's code: 0 and 1 are the cell's inputs (``c_{k-2}`` and
``c_{k-1}``), and intermediate node k (k = 2 .. B+1) is hidden state k. Node k may read any
hidden state 0 .. k-1, and the same one twice.

Randomness follows ``nasdemo.nas.cell``: functions that draw take ``rng``, a
``random.Random``, an ``int`` seed, or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from random import Random
from typing import Literal, Sequence

from .cell import as_rng

__all__ = ["DARTS_OPS", "NASNET_OPS", "N_INPUTS", "NASNetCell", "Mutation"]

#: DARTS's candidate operations (PRIMITIVES in the paper's code, in that order); ``none`` is
#: the zero op that the continuous relaxation needs (DARTS Section 2.1).
DARTS_OPS: tuple[str, ...] = ("none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                              "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
#: The ops a derived cell may hold: DARTS excludes ``none`` when it keeps the strongest
#: inputs of each node (Section 2.4), so a genotype never contains it.
NASNET_OPS: tuple[str, ...] = tuple(op for op in DARTS_OPS if op != "none")
#: Hidden states 0 and 1 are the cell's inputs; intermediate nodes start at 2.
N_INPUTS = 2

#: One intermediate node: two (op, input hidden state) pairs, whose results are summed.
Node = tuple[tuple[str, int], tuple[str, int]]


class NASNetCell:
    """One NASNet-style cell: per intermediate node, two (op, input) pairs that are summed.

    Immutable, hashable and compared by value; the allowed op set ``ops`` is part of the value,
    because it decides which op mutations are possible.
    """

    __slots__ = ("_nodes", "_ops", "_hash")

    def __init__(self, nodes: Sequence[Node], ops: Sequence[str] = NASNET_OPS) -> None:
        ops = tuple(ops)
        if not ops or not all(isinstance(op, str) for op in ops):
            raise ValueError(f"ops must be a non-empty sequence of op names, got {ops!r}")
        nodes = tuple(nodes)
        if not nodes:
            raise ValueError("a cell needs at least 1 intermediate node, got 0")
        checked = []
        for k, node in enumerate(nodes, start=N_INPUTS):
            if not (isinstance(node, Sequence) and len(node) == 2):
                raise ValueError(f"node {k} must be two (op, input) pairs, got {node!r}")
            pairs = []
            for pair in node:
                if not (isinstance(pair, Sequence) and not isinstance(pair, str)
                        and len(pair) == 2):
                    raise ValueError(f"node {k} has {pair!r}; each input is an (op, input) "
                                     f"pair")
                op, h = pair
                if op not in ops:
                    raise ValueError(f"node {k} has op {op!r}, which is not in the op set "
                                     f"({', '.join(ops)})")
                if isinstance(h, bool) or not isinstance(h, Integral) or not 0 <= h < k:
                    raise ValueError(f"node {k} reads hidden state {h!r}; it may read only "
                                     f"0..{k - 1} (the inputs and earlier nodes)")
                pairs.append((op, int(h)))
            checked.append((pairs[0], pairs[1]))
        self._nodes: tuple[Node, ...] = tuple(checked)
        self._ops = ops
        self._hash = hash((self._nodes, ops))

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_darts(cls, genotype: Sequence[tuple[str, int]],
                   ops: Sequence[str] = NASNET_OPS) -> "NASNetCell":
        """Read DARTS's genotype format: a flat list of 2*B (op, input) pairs, nodes in order,
        e.g. ``[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ...]``."""
        pairs = list(genotype)
        if len(pairs) % 2:
            raise ValueError(f"a DARTS genotype lists two (op, input) pairs per node, got an "
                             f"odd number ({len(pairs)})")
        return cls([(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)], ops)

    @classmethod
    def random(cls, n_nodes: int = 5, rng: Random | int | None = None,
               ops: Sequence[str] = NASNET_OPS) -> "NASNetCell":
        """A cell with ``n_nodes`` intermediate nodes, each input and op uniform and
        independent (AmoebaNet's random initial population, Real et al. 2019, Section 2)."""
        if n_nodes < 1:
            raise ValueError(f"n_nodes must be at least 1, got {n_nodes}")
        r = as_rng(rng)
        ops = tuple(ops)
        nodes = [tuple((r.choice(ops), r.randrange(k)) for _ in range(2))
                 for k in range(N_INPUTS, N_INPUTS + n_nodes)]
        return cls(nodes, ops)

    # ----------------------------------------------------------------- basic facts
    @property
    def nodes(self) -> tuple[Node, ...]:
        """The intermediate nodes 2, 3, ..., each as its two (op, input) pairs."""
        return self._nodes

    @property
    def ops(self) -> tuple[str, ...]:
        """The allowed op set (what ``random`` and ``mutate_op`` draw from)."""
        return self._ops

    @property
    def n_nodes(self) -> int:
        """B, the number of intermediate nodes."""
        return len(self._nodes)

    def node(self, k: int) -> Node:
        """The two (op, input) pairs of intermediate node ``k`` (hidden state k, k >= 2)."""
        if not N_INPUTS <= k < N_INPUTS + self.n_nodes:
            raise ValueError(f"no intermediate node {k}; they are "
                             f"{N_INPUTS}..{N_INPUTS + self.n_nodes - 1}")
        return self._nodes[k - N_INPUTS]

    @property
    def concat(self) -> tuple[int, ...]:
        """The hidden states concatenated into the cell's output: all intermediate nodes, as
        in DARTS (Section 2.1: the output is a reduction, concatenation, of all of them)."""
        return tuple(range(N_INPUTS, N_INPUTS + self.n_nodes))

    @property
    def unused(self) -> tuple[int, ...]:
        """The intermediate nodes no other node reads: NASNet's and AmoebaNet's cell output
        concatenates only these (Zoph et al. 2018, Section 3), unlike ``concat``."""
        read = {h for node in self._nodes for _, h in node}
        return tuple(k for k in self.concat if k not in read)

    def to_darts(self) -> list[tuple[str, int]]:
        """The DARTS genotype list (inverse of ``from_darts``)."""
        return [pair for node in self._nodes for pair in node]

    def __str__(self) -> str:
        return "; ".join(f"h{k} = {a}(h{i}) + {b}(h{j})"
                         for k, ((a, i), (b, j)) in enumerate(self._nodes, start=N_INPUTS))

    def __repr__(self) -> str:
        ops = "" if self._ops == NASNET_OPS else f", ops={self._ops!r}"
        return f"NASNetCell.from_darts({self.to_darts()!r}{ops})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, NASNetCell) and self._nodes == other._nodes
                and self._ops == other._ops)

    def __hash__(self) -> int:
        return self._hash

    # ----------------------------------------------------------------- variation
    def replace(self, k: int, slot: int, *, op: str | None = None,
                input: int | None = None) -> "NASNetCell":
        """A copy in which node ``k``'s input ``slot`` (0 or 1) has a new ``op`` and/or reads
        a new ``input`` hidden state; the result is validated like any new cell."""
        if slot not in (0, 1):
            raise ValueError(f"slot must be 0 or 1 (each node has two inputs), got {slot!r}")
        old_op, old_input = self.node(k)[slot]
        nodes = [list(node) for node in self._nodes]
        nodes[k - N_INPUTS][slot] = (old_op if op is None else op,
                                     old_input if input is None else input)
        return NASNetCell(nodes, self._ops)

    def mutate_hidden_state(self, rng: Random | int | None = None) -> "Mutation":
        """AmoebaNet's hidden state mutation (Real et al. 2019, Figure 2, top): pick a node
        uniformly, one of its two inputs uniformly, and rewire that input to a different
        earlier hidden state, uniform among the other ones in 0..k-1. Node 2 reads from
        {0, 1}, so every input has an alternative and the child always differs."""
        r = as_rng(rng)
        k = N_INPUTS + r.randrange(self.n_nodes)
        slot = r.randrange(2)
        old = self.node(k)[slot][1]
        new = r.choice([h for h in range(k) if h != old])
        return Mutation("hidden_state", k, slot, old, new, self.replace(k, slot, input=new))

    def mutate_op(self, rng: Random | int | None = None) -> "Mutation":
        """AmoebaNet's op mutation (Real et al. 2019, Figure 2, bottom): pick a node and one of
        its two ops uniformly and replace the op by a different one from ``ops``."""
        if len(self._ops) < 2:
            raise ValueError(f"op mutation needs at least 2 ops to choose from, the op set "
                             f"is {self._ops!r}")
        r = as_rng(rng)
        k = N_INPUTS + r.randrange(self.n_nodes)
        slot = r.randrange(2)
        old = self.node(k)[slot][0]
        new = r.choice([op for op in self._ops if op != old])
        return Mutation("op", k, slot, old, new, self.replace(k, slot, op=new))

    def mutate(self, rng: Random | int | None = None,
               p_hidden: float = 0.5) -> "Mutation":
        """A hidden state mutation with probability ``p_hidden``, else an op mutation.

        AmoebaNet also draws an identity mutation (no change); it is left out here because a
        search move must produce a new cell.
        """
        if not 0.0 <= p_hidden <= 1.0:
            raise ValueError(f"p_hidden must be a probability in [0, 1], got {p_hidden}")
        r = as_rng(rng)
        if r.random() < p_hidden:
            return self.mutate_hidden_state(r)
        return self.mutate_op(r)


@dataclass(frozen=True)
class Mutation:
    """One mutation step: what changed, and the resulting cell ``child``.

    ``node`` is the intermediate node (hidden state number, >= 2), ``slot`` which of its two
    inputs (0 or 1); ``old``/``new`` are hidden-state numbers for kind ``"hidden_state"`` and op
    names for kind ``"op"``. ``str()`` counts inputs from 1 for people:
    ``"node 4, input 2: h1 -> h3"``.
    """

    kind: Literal["hidden_state", "op"]
    node: int
    slot: int
    old: int | str
    new: int | str
    child: NASNetCell

    @property
    def edge(self) -> tuple[int, int]:
        """``(node, slot)``: the changed edge, as ``nasnet_figure``'s ``highlight`` wants."""
        return self.node, self.slot

    def __str__(self) -> str:
        where = f"node {self.node}, input {self.slot + 1}"
        if self.kind == "hidden_state":
            return f"{where}: h{self.old} -> h{self.new}"
        return f"{where}: {self.old} -> {self.new}"
