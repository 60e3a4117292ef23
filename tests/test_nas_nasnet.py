"""The NASNet/DARTS cell: DARTS genotypes in and out, validation, AmoebaNet's mutations."""

import random

import pytest

from nasdemo.nas.nasnet import DARTS_OPS, NASNET_OPS, Mutation, NASNetCell

# DARTS_V2 normal cell, as published with DARTS (genotypes.py).
DARTS_V2_NORMAL = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0),
                   ("sep_conv_3x3", 1), ("sep_conv_3x3", 1), ("skip_connect", 0),
                   ("skip_connect", 0), ("dil_conv_3x3", 2)]


def test_darts_round_trip_and_printing():
    c = NASNetCell.from_darts(DARTS_V2_NORMAL)
    assert c.to_darts() == DARTS_V2_NORMAL
    assert c.n_nodes == 4 and c.concat == (2, 3, 4, 5)
    assert c.node(5) == (("skip_connect", 0), ("dil_conv_3x3", 2))
    assert c.unused == (3, 4, 5)  # node 5 reads h2
    assert str(c).startswith("h2 = sep_conv_3x3(h0) + sep_conv_3x3(h1); h3 = ")
    assert str(c).endswith("h5 = skip_connect(h0) + dil_conv_3x3(h2)")
    assert eval(repr(c), {"NASNetCell": NASNetCell}) == c
    wide = NASNetCell.from_darts(DARTS_V2_NORMAL, ops=DARTS_OPS)
    assert eval(repr(wide), {"NASNetCell": NASNetCell}) == wide != c


def test_value_semantics():
    a = NASNetCell.from_darts(DARTS_V2_NORMAL)
    b = NASNetCell([[list(p) for p in node] for node in a.nodes])
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert NASNET_OPS == DARTS_OPS[1:] and "none" not in NASNET_OPS
    with pytest.raises(AttributeError):
        a.foo = 1


@pytest.mark.parametrize("nodes, words", [
    ([], "at least 1 intermediate node"),
    ([(("sep_conv_3x3", 0), ("sep_conv_3x3", 2))], "node 2 reads hidden state 2"),
    ([(("sep_conv_3x3", 0), ("sep_conv_3x3", 1)), (("skip_connect", -1), ("skip_connect", 0))],
     r"node 3 reads hidden state -1; it may read only 0\.\.2"),
    ([(("conv_7x7", 0), ("sep_conv_3x3", 1))], "node 2 has op 'conv_7x7'"),
    ([(("none", 0), ("sep_conv_3x3", 1))], "node 2 has op 'none'"),
    ([(("sep_conv_3x3", 0),)], "node 2 must be two"),
    ([(("sep_conv_3x3", 0), "skip")], "node 2 has 'skip'"),
    ([(("sep_conv_3x3", 0), ("sep_conv_3x3", 1.0))], "hidden state 1.0"),
])
def test_validation_names_node_and_value(nodes, words):
    with pytest.raises(ValueError, match=words):
        NASNetCell(nodes)


def test_from_darts_and_option_errors():
    with pytest.raises(ValueError, match="odd number"):
        NASNetCell.from_darts(DARTS_V2_NORMAL[:3])
    with pytest.raises(ValueError, match="at least 1"):
        NASNetCell.from_darts([])
    with pytest.raises(ValueError, match="n_nodes"):
        NASNetCell.random(0)
    c = NASNetCell.from_darts(DARTS_V2_NORMAL)
    with pytest.raises(ValueError, match="p_hidden"):
        c.mutate(0, p_hidden=1.5)
    with pytest.raises(ValueError, match="slot must be 0 or 1"):
        c.replace(2, 2, op="skip_connect")
    with pytest.raises(ValueError, match="no intermediate node 6"):
        c.node(6)
    with pytest.raises(ValueError, match="at least 2 ops"):
        NASNetCell([(("skip_connect", 0), ("skip_connect", 1))], ops=["skip_connect"]).mutate_op()


def _differences(a: NASNetCell, b: NASNetCell) -> list[tuple[int, int, str]]:
    """(node, slot, "op"/"input") for every part that differs."""
    out = []
    for k, (na, nb) in enumerate(zip(a.nodes, b.nodes), start=2):
        for slot, ((opa, ha), (opb, hb)) in enumerate(zip(na, nb)):
            if opa != opb:
                out.append((k, slot, "op"))
            if ha != hb:
                out.append((k, slot, "input"))
    return out


@pytest.mark.parametrize("kind, part", [("hidden_state", "input"), ("op", "op")])
def test_mutations_change_exactly_one_part_of_their_kind(kind, part):
    rng = random.Random(0)
    cell = NASNetCell.random(5, rng)
    seen_nodes, seen_slots = set(), set()
    for _ in range(1000):
        m = cell.mutate_hidden_state(rng) if kind == "hidden_state" else cell.mutate_op(rng)
        assert isinstance(m, Mutation) and m.kind == kind
        child = m.child
        assert child != cell and child.ops == cell.ops
        assert _differences(cell, child) == [(m.node, m.slot, part)]
        before, after = cell.node(m.node)[m.slot], child.node(m.node)[m.slot]
        field = 1 if kind == "hidden_state" else 0
        assert (before[field], after[field]) == (m.old, m.new)
        assert NASNetCell(child.nodes, child.ops) == child  # still valid
        seen_nodes.add(m.node)
        seen_slots.add(m.slot)
        cell = child  # a random walk, so the tests see many different cells
    assert seen_nodes == set(range(2, 7)) and seen_slots == {0, 1}


def test_mutate_mixes_both_kinds_and_repeats_under_a_seed():
    cell = NASNetCell.from_darts(DARTS_V2_NORMAL)
    kinds = {cell.mutate(s).kind for s in range(200)}
    assert kinds == {"hidden_state", "op"}
    assert {cell.mutate(s, p_hidden=1.0).kind for s in range(50)} == {"hidden_state"}
    assert {cell.mutate(s, p_hidden=0.0).kind for s in range(50)} == {"op"}
    assert cell.mutate(7) == cell.mutate(7)
    assert NASNetCell.random(5, 3) == NASNetCell.random(5, random.Random(3))


def test_node_two_always_has_an_alternative_input():
    cell = NASNetCell([(("skip_connect", 0), ("skip_connect", 0))])
    for s in range(20):
        m = cell.mutate_hidden_state(s)
        assert (m.node, m.old, m.new) == (2, 0, 1)


def test_mutation_description():
    cell = NASNetCell.from_darts(DARTS_V2_NORMAL)
    child = cell.replace(4, 1, input=3)
    m = Mutation("hidden_state", 4, 1, 0, 3, child)
    assert str(m) == "node 4, input 2: h0 -> h3" and m.edge == (4, 1)
    m = Mutation("op", 2, 0, "sep_conv_3x3", "max_pool_3x3", cell.replace(2, 0, op="max_pool_3x3"))
    assert str(m) == "node 2, input 1: sep_conv_3x3 -> max_pool_3x3"


def test_random_cells_are_valid_and_varied():
    cells = {NASNetCell.random(4, s) for s in range(100)}
    assert len(cells) == 100
    assert all(c.n_nodes == 4 and all(op in NASNET_OPS for op, _ in c.to_darts()) for c in cells)
    ops = {op for c in cells for op, _ in c.to_darts()}
    inputs = {h for c in cells for _, h in c.to_darts()}
    assert ops == set(NASNET_OPS) and inputs == set(range(5))
