"""REINFORCE: architecture search as reinforcement learning (Zoph & Le 2017), as NAS-Bench-201
runs it for its RL baseline.

This is *not* the RL baseline of AmoebaNet's Figure 3. Real et al. ran Zoph et al.'s (2018)
NASNet controller: an LSTM that builds each block of a NASNet cell by choosing its two input
hidden states as well as its ops, trained with Proximal Policy Optimization (PPO). Here the
policy only chooses the op on each of a NAS-Bench-201 cell's six edges (the cell has no inputs
to choose) and is trained with plain REINFORCE, one sampled cell per step.

A controller is a policy over architectures. Each step it samples a cell a ~ pi_theta, the
cell is "trained" (a table query), and its accuracy R is the reward. Williams' REINFORCE
estimates the gradient of the expected reward from that one sample::

    grad_theta E[R] ~= (R - b) * grad_theta log pi_theta(a)       (Williams 1992, eq. 11)

with b a moving average of past rewards, b <- m * b + (1 - m) * R, which lowers the variance
without biasing the gradient (NAS-Bench-201's REINFORCE uses m = 0.9). We minimise
-(R - b) log pi(a) with Adam.

Two controllers:
- ``"softmax"`` (the default): independent logits per edge,
  pi(a) = prod_e softmax(theta_e)[a_e] (NAS-Bench-201's baseline);
- ``"lstm"``: a sequence controller in the style of NASNet's: an LSTM emits the six ops one
  after another, each step fed the embedding of the previous choice, so later choices can
  depend on earlier ones (NASNet's also emits inputs, and is trained with PPO).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..utils import get_device
from .benchmark import Benchmark
from .cell import EDGES, OPS, Cell, as_rng
from .result import SearchResult, check_budget, evaluate

__all__ = ["reinforce", "SoftmaxPolicy", "LSTMPolicy"]


class SoftmaxPolicy(nn.Module):
    """One categorical distribution per edge, logits ``theta[6, 5]`` starting at zero (the
    uniform policy, i.e. random search before any learning)."""

    def __init__(self) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(len(EDGES), len(OPS)))

    def sample(self, gen: torch.Generator) -> tuple[list[int], Tensor]:
        """Draw one op per edge; return the tokens and the log-probability (with graph)."""
        logp = torch.log_softmax(self.theta, dim=-1)
        a = torch.multinomial(logp.detach().exp().cpu(), 1, generator=gen).to(logp.device)
        return a.squeeze(1).tolist(), logp.gather(1, a).sum()

    def probs(self) -> Tensor:
        """``[6, 5]`` op probabilities per edge."""
        return torch.softmax(self.theta.detach(), dim=-1)


class LSTMPolicy(nn.Module):
    """NASNet-style controller (ops only, trained here with REINFORCE, not PPO): an LSTM cell unrolled over the six edges; step t reads the
    embedding of the op chosen at t-1 (a learned start token at t=0) and a linear head turns
    its hidden state into the logits of edge t's op."""

    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(OPS) + 1, hidden)  # the last row is the start token
        self.lstm = nn.LSTMCell(hidden, hidden)
        self.heads = nn.ModuleList(nn.Linear(hidden, len(OPS)) for _ in EDGES)
        for h in self.heads:  # start from (nearly) uniform, like the softmax policy
            nn.init.zeros_(h.weight)
            nn.init.zeros_(h.bias)

    def _logits(self, tokens: list[int] | None, gen: torch.Generator | None):
        dev = self.embed.weight.device
        prev = torch.tensor([len(OPS)], device=dev)
        state = None
        chosen, logps = [], []
        for t, head in enumerate(self.heads):
            state = self.lstm(self.embed(prev), state)
            logp = torch.log_softmax(head(state[0]), dim=-1)[0]
            a = tokens[t] if tokens is not None else int(
                torch.multinomial(logp.detach().exp().cpu(), 1, generator=gen))
            chosen.append(a)
            logps.append(logp)
            prev = torch.tensor([a], device=dev)
        return chosen, torch.stack(logps)

    def sample(self, gen: torch.Generator) -> tuple[list[int], Tensor]:
        """Draw the six ops in sequence; return the tokens and the log-probability."""
        a, logp = self._logits(None, gen)
        return a, logp[torch.arange(len(EDGES)), torch.tensor(a, device=logp.device)].sum()

    def probs(self) -> Tensor:
        """``[6, 5]`` op probabilities per edge along the policy's most likely sequence."""
        with torch.no_grad():
            prev: list[int] = []
            out = []
            for t in range(len(EDGES)):
                _, logp = self._logits(prev + [0] * (len(EDGES) - len(prev)), None)
                out.append(logp[t].exp())
                prev.append(int(logp[t].argmax()))
            return torch.stack(out)


def reinforce(bench: Benchmark, budget: int, seed: int = 0, *, controller: str = "softmax",
              lr: float = 0.05, baseline_decay: float = 0.9, noisy: bool = False,
              record: bool = False, device: torch.device | str | None = "cpu") -> SearchResult:
    """Train a controller with REINFORCE for ``budget`` queries (one sampled cell, one query,
    one policy-gradient step each). Reward = accuracy / 100.

    ``lr`` is Adam's learning rate (Adam makes the step size nearly independent of the reward
    scale; 0.05 lets the softmax policy move within ~150 queries, see benchmarks/). With
    ``record`` the per-edge op probabilities after each step are kept in
    ``result.info["probs"]`` (``Tensor[budget, 6, 5]``).
    """
    budget = check_budget(budget)
    if not 0.0 <= baseline_decay < 1.0:
        raise ValueError(f"baseline_decay must be in [0, 1), got {baseline_decay}")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if noisy and bench.n_seeds == 0:
        raise ValueError(f"noisy=True needs per-seed results; table {bench.name!r} has none")
    policies = {"softmax": SoftmaxPolicy, "lstm": LSTMPolicy}
    if controller not in policies:
        raise ValueError(f"controller must be one of {sorted(policies)}, got {controller!r}")
    dev = get_device(device)
    rng = as_rng(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        policy = policies[controller]().to(dev)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(policy.parameters(), lr=lr)
    bench.reset()
    history: list[tuple[Cell, float]] = []
    probs = []
    baseline: float | None = None
    for _ in range(budget):
        tokens, logp = policy.sample(gen)
        cell = Cell.from_tokens(tokens)
        acc = evaluate(bench, cell, rng, noisy)
        history.append((cell, acc))
        reward = acc / 100.0
        if baseline is None:
            baseline = reward  # first step: no advantage yet
        loss = -(reward - baseline) * logp  # REINFORCE with a baseline
        opt.zero_grad()
        loss.backward()
        opt.step()
        baseline = baseline_decay * baseline + (1.0 - baseline_decay) * reward
        if record:
            probs.append(policy.probs().cpu())
    info = {"controller": controller, "lr": lr, "baseline_decay": baseline_decay,
            "final_probs": policy.probs().cpu()}
    if record:
        info["probs"] = torch.stack(probs)
    return SearchResult(f"REINFORCE ({controller})", history, seed, bench.seconds, info)
