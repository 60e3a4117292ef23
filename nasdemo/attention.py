"""Neural attention in a few lines, as the lecture writes it (DARTS section, "Neural
Attention", equations 1-4; Luong, Pham & Manning 2015; Bahdanau, Cho & Bengio 2015).

A decoder state h_t looks at every encoder state h̄_s, scores how well they match, and reads a
weighted average of them::

    alpha_ts = softmax_s score(h_t, h̄_s)                       (1) attention weights
    c_t      = sum_s alpha_ts h̄_s                               (2) context vector
    a_t      = tanh(W_c [c_t; h_t])                            (3) attention vector
    score    = h_t^T h̄_s                     Luong "dot"
             = h_t^T W h̄_s                   Luong "general" (multiplicative)    (4)
             = v_a^T tanh(W_1 h_t + W_2 h̄_s)  Bahdanau (additive)

The demo task is *reversing* a sequence of digits: output position t must copy input position
S - 1 - t, so a model that learned to attend shows an anti-diagonal alignment map. A GRU
encoder-decoder with attention learns it in a few seconds on one CPU core; without attention
(the decoder sees only the encoder's last state) it cannot hold a long sequence.

DARTS (notebook 07) reuses the construction: a softmax over learned scores weighting a sum,
but over candidate *operations* on an edge instead of over input *positions*.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .utils import get_device

__all__ = ["Score", "Seq2Seq", "reversal_batch", "train_reversal", "SCORES"]

SCORES = ("dot", "general", "additive")


class Score(nn.Module):
    """score(h_t, h̄_s) of equation (4) for every decoder step t and encoder step s:
    ``query[B, T, H]`` and ``keys[B, S, H]`` give ``[B, T, S]``."""

    def __init__(self, kind: str, hidden: int) -> None:
        super().__init__()
        if kind not in SCORES:
            raise ValueError(f"score kind must be one of {SCORES}, got {kind!r}")
        self.kind = kind
        if kind == "general":
            self.W = nn.Linear(hidden, hidden, bias=False)
        elif kind == "additive":
            self.W1 = nn.Linear(hidden, hidden, bias=False)
            self.W2 = nn.Linear(hidden, hidden, bias=False)
            self.v = nn.Linear(hidden, 1, bias=False)

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        if self.kind == "dot":  # h_t^T h̄_s
            return query @ keys.transpose(1, 2)
        if self.kind == "general":  # h_t^T W h̄_s
            return query @ self.W(keys).transpose(1, 2)
        # v_a^T tanh(W1 h_t + W2 h̄_s), broadcast over (t, s)
        return self.v(torch.tanh(self.W1(query)[:, :, None] + self.W2(keys)[:, None])).squeeze(-1)


class Seq2Seq(nn.Module):
    """GRU encoder, GRU decoder (teacher forcing), Luong-style attention on top of the decoder
    states (equations 1-3), or no attention (``score=None``: the decoder starts from the
    encoder's last state and sees nothing else)."""

    def __init__(self, vocab: int = 10, hidden: int = 32, score: str | None = "dot") -> None:
        super().__init__()
        self.vocab = vocab
        self.embed = nn.Embedding(vocab + 1, hidden)  # the last token is "start"
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.decoder = nn.GRU(hidden, hidden, batch_first=True)
        self.score = Score(score, hidden) if score else None
        self.W_c = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, src: Tensor, tgt_in: Tensor) -> tuple[Tensor, Tensor | None]:
        """Logits ``[B, T, vocab]`` and attention weights ``[B, T, S]`` (None without
        attention)."""
        enc, last = self.encoder(self.embed(src))       # h̄_s for every s
        dec, _ = self.decoder(self.embed(tgt_in), last)  # h_t for every t
        if self.score is None:
            return self.out(torch.tanh(self.W_c(torch.cat([torch.zeros_like(dec), dec], -1)))), None
        alpha = torch.softmax(self.score(dec, enc), dim=-1)       # (1)
        context = alpha @ enc                                      # (2)
        a = torch.tanh(self.W_c(torch.cat([context, dec], -1)))   # (3)
        return self.out(a), alpha


def reversal_batch(n: int, length: int, vocab: int, gen: torch.Generator,
                   device: torch.device | str = "cpu") -> tuple[Tensor, Tensor, Tensor]:
    """``n`` random digit sequences, the decoder input (start token, then the reversed
    sequence shifted right) and the target (the reversed sequence)."""
    src = torch.randint(0, vocab, (n, length), generator=gen).to(device)
    tgt = src.flip(1)
    start = torch.full((n, 1), vocab, dtype=torch.long, device=device)
    return src, torch.cat([start, tgt[:, :-1]], 1), tgt


def train_reversal(score: str | None = "dot", steps: int = 600, length: int = 12,
                   vocab: int = 10, hidden: int = 32, batch: int = 64, lr: float = 3e-3,
                   seed: int = 0, device: torch.device | str | None = "cpu"
                   ) -> tuple[Seq2Seq, list[float]]:
    """Train a ``Seq2Seq`` to reverse sequences; returns the model and the per-step token
    accuracy on the training batches (teacher forcing)."""
    if length < 2:
        raise ValueError(f"length must be at least 2, got {length}")
    if steps < 1:
        raise ValueError(f"steps must be positive, got {steps}")
    dev = get_device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Seq2Seq(vocab, hidden, score).to(dev)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    accs = []
    for _ in range(steps):
        src, tgt_in, tgt = reversal_batch(batch, length, vocab, gen, dev)
        logits, _ = model(src, tgt_in)
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        accs.append((logits.argmax(-1) == tgt).float().mean().item())
    return model, accs
