"""Probe the table's network skeleton and initialisation (see benchmarks/research/nas_pilot.md).

Trains the first ``--cells`` cells of ``Cell.unique()`` after ``random.Random(0).shuffle`` (the
cells ``table.build --limit N`` pilots; disconnected ones skipped) with one seed, 16 at a time,
exactly as the builder does (``nasdemo.nas.table.population.train_population``) but with any
``Recipe`` field overridden, e.g. more cells per stage (``--n-cells 2``). ``--init keyed``
instead re-draws every layer's initial weights from a generator keyed by (seed, the layer's
place in the skeleton, and for a cell op its edge and op name), so that within one seed all
cells start from the same stem, reductions and classifier, and cells sharing an op on an edge
start from the same weights for it ("common random numbers": does correlating the runs of one
seed make its ranking of the cells more reproducible?). Run one process per seed, then
``stats``:

    python benchmarks/research/nas_skeleton_probe.py run --seed 0 --out /tmp/p.0.jsonl \
        [--n-cells 2] &
    python benchmarks/research/nas_skeleton_probe.py run --seed 1 --out /tmp/p.1.jsonl [--n-cells 2]
    python benchmarks/research/nas_skeleton_probe.py stats /tmp/p

One thread per process: run it under ``nice``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import zlib

import torch

import nasdemo.nas.table.population as population
from nasdemo.nas.cell import Cell
from nasdemo.nas.network import CellModule, Network
from nasdemo.nas.table.build import format_quality, quality
from nasdemo.nas.train import Recipe


def _reset(module: torch.nn.Module, seed: int, key: str) -> None:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed((seed * 1_000_003 + zlib.crc32(key.encode())) % 2**63)
        module.reset_parameters()


def keyed_init(net: Network, seed: int) -> None:
    """Re-initialise ``net``'s layers, each from its own key (see the module docstring)."""
    for idx, block in enumerate(net.features):
        if isinstance(block, CellModule):
            for (i, j), op in zip(block.edges, block.ops):
                for name, m in op.named_modules():
                    if hasattr(m, "reset_parameters"):
                        _reset(m, seed, f"f{idx}/{i}{j}/{block.cell.op(i, j)}/{name}")
        else:
            for name, m in block.named_modules():
                if hasattr(m, "reset_parameters"):
                    _reset(m, seed, f"f{idx}/{name}")
    for name, m in net.head.named_modules():
        if hasattr(m, "reset_parameters"):
            _reset(m, seed, f"h/{name}")


class KeyedNetwork(Network):
    """``Network`` with ``keyed_init`` under the seed ``train_population`` has just set."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keyed_init(self, torch.initial_seed())


def cmd_run(a: argparse.Namespace) -> None:
    cells = Cell.unique()
    random.Random(0).shuffle(cells)
    cells = [c for c in cells[:a.cells] if not c.is_disconnected]
    overrides = {k: getattr(a, k) for k in ("epochs", "n_cells", "channels", "batch_size", "lr")
                 if getattr(a, k) is not None}
    recipe = Recipe(**overrides)
    print(recipe, flush=True)
    network, threads = population.Network, torch.get_num_threads()
    torch.set_num_threads(1)
    if a.init == "keyed":
        population.Network = KeyedNetwork  # what train_population builds each model from
    start = time.process_time()
    try:
        with open(a.out, "w") as f:
            for g in range(0, len(cells), 16):
                group = cells[g:g + 16]
                for r in population.train_population(group, [a.seed] * len(group), recipe,
                                                device="cpu"):
                    f.write(json.dumps(r.as_dict()) + "\n")
    finally:
        population.Network = network
        torch.set_num_threads(threads)
    print(f"init {a.init} seed {a.seed}: {time.process_time() - start:.1f} CPU s")


def cmd_stats(a: argparse.Namespace) -> None:
    rows = []
    for seed in (0, 1):
        with open(f"{a.prefix}.{seed}.jsonl") as f:
            rows += [json.loads(line) for line in f]
    print(format_quality(quality(rows)))
    v0 = {r["cell"]: r["val_acc"] for r in rows if r["seed"] == 0}
    v1 = {r["cell"]: r["val_acc"] for r in rows if r["seed"] == 1}
    both = [c for c in v0 if c in v1]
    print(f"mean |seed 0 - seed 1| over {len(both)} cells: "
          f"{statistics.fmean(abs(v0[c] - v1[c]) for c in both):.2f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(required=True)
    q = sub.add_parser("run")
    q.set_defaults(func=cmd_run)
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--cells", type=int, default=120)
    q.add_argument("--init", choices=["default", "keyed"], default="default")
    q.add_argument("--epochs", type=int)
    q.add_argument("--n-cells", type=int)
    q.add_argument("--channels", type=int)
    q.add_argument("--batch-size", type=int)
    q.add_argument("--lr", type=float)
    q = sub.add_parser("stats")
    q.set_defaults(func=cmd_stats)
    q.add_argument("prefix", help="files PREFIX.0.jsonl and PREFIX.1.jsonl")
    a = p.parse_args(argv)
    a.func(a)


if __name__ == "__main__":
    main()
