"""The attention primer: equations 1-4 of the lecture's "Neural Attention" slide."""

import pytest
import torch

from nasdemo.attention import Score, Seq2Seq, reversal_batch, train_reversal


def test_scores_match_the_formulas():
    torch.manual_seed(0)
    q, k = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    dot = Score("dot", 4)
    torch.testing.assert_close(dot(q, k)[1, 2, 3], q[1, 2] @ k[1, 3])
    gen = Score("general", 4)
    torch.testing.assert_close(gen(q, k)[0, 1, 4], q[0, 1] @ gen.W.weight @ k[0, 4])
    with torch.no_grad():
        gen.W.weight.copy_(torch.eye(4))
    torch.testing.assert_close(gen(q, k), dot(q, k))  # general with W = I is dot
    add = Score("additive", 4)
    want = add.v.weight[0] @ torch.tanh(add.W1.weight @ q[0, 2] + add.W2.weight @ k[0, 1])
    torch.testing.assert_close(add(q, k)[0, 2, 1], want)


def test_attention_weights_are_a_distribution_and_context_their_average():
    torch.manual_seed(0)
    m = Seq2Seq(score="additive")
    g = torch.Generator().manual_seed(0)
    src, tgt_in, _ = reversal_batch(3, 6, 10, g)
    logits, alpha = m(src, tgt_in)
    assert logits.shape == (3, 6, 10) and alpha.shape == (3, 6, 6)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(3, 6))
    assert (alpha >= 0).all()
    assert Seq2Seq(score=None)(src, tgt_in)[1] is None


def test_reversal_batch_targets_are_reversed():
    g = torch.Generator().manual_seed(1)
    src, tgt_in, tgt = reversal_batch(4, 5, 10, g)
    assert torch.equal(tgt, src.flip(1))
    assert (tgt_in[:, 0] == 10).all() and torch.equal(tgt_in[:, 1:], tgt[:, :-1])


def test_attention_learns_to_reverse_and_aligns():
    model, accs = train_reversal("dot", steps=200, length=6, hidden=16, lr=1e-2, seed=0)
    assert sum(accs[-20:]) / 20 > 0.8 > sum(accs[:20]) / 20
    g = torch.Generator().manual_seed(5)
    src, tgt_in, _ = reversal_batch(200, 6, 10, g)
    with torch.no_grad():
        _, alpha = model(src, tgt_in)
    peak = alpha.mean(0).argmax(-1)
    # output t attends to where it reads from: s = S-1-t or, having just written src[S-t],
    # that token's position (its left neighbour is in the encoder state there)
    assert all(int(p) in (5 - t, 6 - t) for t, p in enumerate(peak)), peak


def test_reproducible_and_checked():
    a = train_reversal("general", steps=5, length=4, seed=3)[1]
    b = train_reversal("general", steps=5, length=4, seed=3)[1]
    assert a == b
    with pytest.raises(ValueError, match="score kind"):
        Score("cosine", 4)
    with pytest.raises(ValueError, match="length"):
        train_reversal(length=1)
