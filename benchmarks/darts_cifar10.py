"""DARTS on CIFAR-10 images: the GPU path (the same ``nasdemo.nas.darts`` code with ``dims=2``).

    # the paper's search (Section 3.1.1): DARTS space, C=16, 8 cells, 50 epochs, batch 64
    python benchmarks/darts_cifar10.py --data ~/data --device cuda --space darts --order 2
    # NAS-Bench-201's DARTS baseline: its cell, C=16, 5 cells per stage; with a NAS-Bench-201
    # CSV export (see the README) the derived cell's CIFAR-10 accuracy is looked up
    python benchmarks/darts_cifar10.py --data ~/data --device cuda --space nb201 \
        --nb201-csv nb201_cifar10.csv
    # smoke test on random tensors of CIFAR shape (no data needed; CPU is fine)
    python benchmarks/darts_cifar10.py --random 64 --epochs 1 --channels 4 --layers 3

``--data`` is the folder where ``torchvision.datasets.CIFAR10(root, download=True)`` saved
``cifar-10-batches-py``; nothing is downloaded here. Prints one line per epoch: losses, the
derived architecture and the time, then peak GPU memory.
"""

from __future__ import annotations

import argparse
import time

import torch

from nasdemo.nas import Benchmark, DartsSearch, DartsSupernet, NB201Supernet, darts_search
from nasdemo.nas.data import Splits, load_cifar10


def random_cifar(n: int, seed: int = 0) -> Splits:
    """n random images of CIFAR-10's shape with random labels (for smoke tests only)."""
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)
    return Splits(x, y, x[:0], y[:0], x[:0], y[:0])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="folder holding cifar-10-batches-py")
    src.add_argument("--random", type=int, metavar="N", help="N random CIFAR-shaped images")
    p.add_argument("--space", choices=("darts", "nb201"), default="darts")
    p.add_argument("--order", type=int, choices=(1, 2), default=1)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--layers", type=int, default=None,
                   help="DARTS space: cells (default 8); NB-201: cells per stage (default 5)")
    p.add_argument("--device", default=None, help="cuda, cpu, ... (default: cuda if available)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nb201-csv", help="NAS-Bench-201 export to look the derived cell up in")
    a = p.parse_args(argv)

    splits = random_cifar(a.random, a.seed) if a.random else load_cifar10(a.data, n_val=0)
    if a.space == "darts":
        net = DartsSupernet(a.channels, layers=a.layers or 8, in_channels=3, dims=2,
                            device=a.device)
    else:
        net = NB201Supernet(a.channels, n_cells=a.layers or 5, stem_stride=1, in_channels=3,
                            dims=2, device=a.device)
    device = next(net.parameters()).device
    print(f"{a.space} supernet on {device}: {sum(p.numel() for p in net.weights()):,} weights; "
          f"{len(splits.y_train):,} images, half for w and half for alpha; order {a.order}")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()

    def report(epoch: int, searcher: DartsSearch) -> None:
        n = len(searcher.train_loss) // epoch
        print(f"epoch {epoch:3d}  train {sum(searcher.train_loss[-n:]) / n:.3f}  "
              f"val {sum(searcher.val_loss[-n:]) / n:.3f}  {time.perf_counter() - start:7.1f} s  "
              f"{net.derive()}", flush=True)

    res = darts_search(net, splits, epochs=a.epochs, batch_size=a.batch_size, order=a.order,
                       seed=a.seed, device=device, callback=report)
    print(f"derived: {res.architecture}\nsearch time {res.seconds:.1f} s")
    if device.type == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB")
    if a.nb201_csv and a.space == "nb201":
        bench = Benchmark.from_csv(a.nb201_csv)
        print(f"NAS-Bench-201 accuracy of the derived cell: {bench.lookup(res.architecture):.2f}"
              f" (rank {bench.rank(res.architecture)} of {len(bench)})")


if __name__ == "__main__":
    main()
