"""Table-building throughput: the serial builder against the same build on a Dask
``LocalCluster`` (and, for reference, the builder's own ``--workers`` process pool), on this
machine, with the same jobs and recipe.

    pip install -r requirements.txt -r requirements-cluster.txt
    python benchmarks/cluster_build.py --cells 48 --population 8 --workers 2 --epochs 2

Each build trains the first ``--cells`` unique cells of the builder's shuffled plan, one seed
each, into a fresh runs file, and reports runs per second from start (workers already up)
to the last line written. The Dask build also checks that every run it wrote equals the
serial build's (accuracies, curves), as tests/test_cluster.py does on a smaller build.
The Dask build runs twice: with Dask's defaults, and with the workers' glibc
``MALLOC_TRIM_THRESHOLD_`` raised from Dask's 64 KiB to 128 MiB (``TRIM``).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from nasdemo.nas.cell import Cell
from nasdemo.nas.table import build as bt
from nasdemo.nas.train import Recipe

KEEP = ("cell", "seed", "val_curve", "val_acc", "test_acc")
#: Dask's nanny starts workers with glibc's MALLOC_TRIM_THRESHOLD_=65536 (return freed memory
#: to the OS early), which may make torch's many small CPU allocations cost more: one group of 8
#: runs took ~1.1 CPU s per run in a worker against ~0.6 s in this process, ~0.77 s with the
#: threshold at 128 MiB (a busy machine; the throughput runs in BENCHMARKS.md did not confirm it).
TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
TRIM = 128 * 2 ** 20


def timed(label: str, jobs: list, recipe: Recipe, out: Path, **kw) -> dict:
    t0 = time.perf_counter()
    bt.run_jobs(jobs, recipe, out, report_every=10 ** 9, **kw)
    secs = time.perf_counter() - t0
    print(f"RESULT {label:32s} {len(jobs)} runs in {secs:6.1f} s = {len(jobs) / secs:.2f} runs/s",
          flush=True)
    return {(r["cell"], r["seed"]): {k: r[k] for k in KEEP} for r in bt.read_partial(out)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=48)
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args()
    import dask
    from distributed import Client, LocalCluster

    recipe = Recipe(epochs=args.epochs)
    cells = Cell.unique()
    random.Random(0).shuffle(cells)
    jobs = bt.plan(cells[:args.cells], range(1))
    print(f"{len(jobs)} runs, recipe {recipe.as_dict()}, populations of {args.population}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial = timed("serial (1 process)", jobs, recipe, tmp / "serial.jsonl",
                       workers=1, population=args.population)
        timed(f"process pool (--workers {args.workers})", jobs, recipe, tmp / "pool.jsonl",
              workers=args.workers, population=args.population)
        for trim in (None, TRIM):
            label = f"Dask LocalCluster ({args.workers} workers" + (")" if trim is None else
                                                                  ", trim 128 MiB)")
            with dask.config.set({TRIM_KEY: trim or 65536}), \
                    LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                 dashboard_address=None) as cluster, Client(cluster) as client:
                client.wait_for_workers(args.workers)
                runs = timed(label, jobs, recipe, tmp / f"dask_{trim}.jsonl",
                             population=args.population, executor=client)
            assert runs == serial, f"{label}: its runs differ from the serial build's"
    print("the Dask builds' runs equal the serial build's")


if __name__ == "__main__":
    main()
