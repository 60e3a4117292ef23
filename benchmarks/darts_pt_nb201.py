"""DARTS-PT against DARTS on the NAS-Bench-201 space, judged by the tabular benchmark: for each
seed, first-order DARTS trains the supernet exactly as ``benchmarks/darts_nb201.py`` does
(50 epochs, 8 channels), then perturbation-based selection (``darts_pt_search``: 5 epochs of
tuning between edge decisions) picks the cell. Both cells come from the same supernet, so the
comparison isolates the selection: arg-max alpha (DARTS) against "keep the op whose removal
hurts the supernet most" (DARTS-PT, Wang et al., ICLR 2021).

    python benchmarks/darts_pt_nb201.py --seeds 5 --save runs.jsonl
    # or split over processes (each appends its finished runs to the same file):
    python benchmarks/darts_pt_nb201.py --seeds 3 --save runs.jsonl &
    python benchmarks/darts_pt_nb201.py --seeds 2 --first-seed 3 --save runs.jsonl

One thread per process. Each run is a function of its seed; ``--save`` appends one JSON line
per finished run (seed, method, wall seconds of the whole run and of its DARTS phase, the
DARTS-PT cell, the DARTS cell of the same supernet, settings, and every edge decision with its
accuracy drops and alpha weights); ``--rejudge FILE`` reads such a file instead of searching,
e.g. ``nasdemo/data/darts_pt_nb201_runs_2026-12-02.jsonl``, which ships with nasdemo and which
notebook 07 replays. The DARTS cell of each run is checked against the recorded first-order
DARTS run of that seed (``nasdemo/data/darts_nb201_runs_2026-11-28.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from nasdemo.nas import Benchmark, Cell, NB201Supernet, darts_pt_search, load_mnist1d
from nasdemo.nas.records import DARTS_RUNS, load_runs

METHOD = "DARTS-PT 1st order"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--tune-epochs", type=int, default=5)
    p.add_argument("--save", type=Path, default=None,
                   help="append each finished run to this JSON-lines file")
    p.add_argument("--rejudge", type=Path, default=None,
                   help="read the runs from this file (written by --save) instead of searching")
    a = p.parse_args(argv)
    if a.rejudge and a.save:
        raise SystemExit("--rejudge searches nothing, so there is nothing to --save")
    torch.set_num_threads(1)
    bench = Benchmark.default()
    try:
        darts = {r.seed: r for r in load_runs(DARTS_RUNS) if r.method == "DARTS 1st order"}
        saved = (sorted((r for r in load_runs(a.rejudge) if r.method == METHOD),
                        key=lambda r: r.seed) if a.rejudge else None)
    except ValueError as e:
        raise SystemExit(f"darts_pt_nb201: {e}") from None
    if saved is not None and not saved:
        raise SystemExit(f"--rejudge: {a.rejudge} has no run of {METHOD!r}")

    def judge(c: Cell) -> tuple[float, int]:
        return bench.lookup(c, test=True), bench.rank(c)

    print(f"table {bench.name}; DARTS-PT on first-order DARTS supernets; test % and rank "
          f"(1 = best of 15,625)\n")
    print(f"{'seed':>4s} {'DARTS test':>10s} {'rank':>6s} {'PT test':>8s} {'rank':>6s} "
          f"{'wall s':>7s} {'(DARTS s)':>9s}  same DARTS cell as record?  DARTS-PT cell")
    data = load_mnist1d() if saved is None else None
    rows = []
    runs = saved if saved is not None else range(a.first_seed, a.first_seed + a.seeds)
    for item in runs:
        if saved is not None:
            rec = item.record
            seed, cell, darts_cell = item.seed, item.cell, Cell.from_string(rec["darts_cell"])
            wall, search_wall = item.wall_s, rec["search_wall_s"]
        else:
            seed = item
            r = darts_pt_search(data, NB201Supernet(channels=a.channels), epochs=a.epochs,
                                tune_epochs=a.tune_epochs, seed=seed)
            cell, darts_cell = r.architecture, r.darts_cell
            wall, search_wall = round(r.seconds, 1), round(r.search_seconds, 1)
            if a.save:
                rec = {"seed": seed, "method": METHOD, "wall_s": wall, "cell": str(cell),
                       "search_wall_s": search_wall, "darts_cell": str(darts_cell),
                       "epochs": a.epochs, "channels": a.channels, "tune_epochs": a.tune_epochs,
                       "decisions": [{"edge": list(d.edge), "base_acc": d.base_acc,
                                      "acc_without": d.acc_without,
                                      "alpha": {o: round(w, 5) for o, w in d.alpha.items()},
                                      "op": d.op} for d in r.decisions]}
                with open(a.save, "a") as f:
                    f.write(json.dumps(rec) + "\n")
        same = ("-" if seed not in darts else
                "yes" if darts[seed].cell == darts_cell else f"no: {darts[seed].cell}")
        d_acc, d_rank = judge(darts_cell)
        pt_acc, pt_rank = judge(cell)
        rows.append((d_acc, d_rank, pt_acc, pt_rank, wall, search_wall))
        print(f"{seed:4d} {d_acc:10.2f} {d_rank:6d} {pt_acc:8.2f} {pt_rank:6d} {wall:7.1f} "
              f"{search_wall:9.1f}  {same:26s} {cell}", flush=True)
    if rows:
        cols = list(zip(*rows))
        print(f"\nmean over {len(rows)} seeds: DARTS {statistics.fmean(cols[0]):.2f} % "
              f"(median rank {statistics.median(cols[1]):.0f}), DARTS-PT "
              f"{statistics.fmean(cols[2]):.2f} % (median rank {statistics.median(cols[3]):.0f}); "
              f"DARTS-PT better on {sum(p > d for d, p in zip(cols[0], cols[2]))} of "
              f"{len(rows)} seeds; mean wall s {statistics.fmean(cols[4]):.0f} "
              f"(DARTS phase {statistics.fmean(cols[5]):.0f})")


if __name__ == "__main__":
    main()
