"""Probe training recipes for nasdemo's tabular benchmark (see
benchmarks/research/nas_pilot.md).

Trains the first ``--cells`` cells of ``Cell.unique()`` after ``random.Random(0).shuffle`` (the
cells ``table.build --limit N`` pilots) with seeds 0 and 1 as ``PopulationNetwork``s, like
``nasdemo.nas.table.population.train_population``, but with a choice of learning-rate schedule
(``constant`` makes every epoch's accuracy the accuracy of a shorter run of the same recipe;
``cosine`` is the builder's) and, besides the standard 1,000-signal validation split, an extra
held-out evaluation set drawn from the same MNIST-1D generator with another seed
(``--extra-eval``), to separate validation-sampling noise from training noise. Training CPU time
and evaluation CPU time are measured separately.

    python benchmarks/research/nas_recipe_probe.py run --out /tmp/p.jsonl [--epochs 10 ...]
    python benchmarks/research/nas_recipe_probe.py stats /tmp/p.jsonl
    python benchmarks/research/nas_recipe_probe.py time [--stem-stride 4 ...]  # CPU s/model-epoch

One thread (``torch.set_num_threads(1)``): run it under ``nice``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from nasdemo.nas.cell import Cell
from nasdemo.nas.data import load_mnist1d
from nasdemo.nas.network import Network
from nasdemo.nas.table.population import PopulationNetwork, evaluate_population


def pilot_cells(n: int) -> list[Cell]:
    cells = Cell.unique()
    random.Random(0).shuffle(cells)
    return [c for c in cells[:n] if not c.is_disconnected]


def generate(args) -> dict:
    """``mnist1d.data.make_dataset(args)`` without disturbing the global ``random`` / numpy
    generators it reseeds."""
    from mnist1d.data import make_dataset
    py, npst = random.getstate(), np.random.get_state()
    try:
        return make_dataset(args)
    finally:
        random.setstate(py)
        np.random.set_state(npst)


def extra_data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` more MNIST-1D signals from the package's generator with another seed."""
    from mnist1d.data import get_dataset_args
    args = get_dataset_args()
    args.num_samples, args.seed, args.train_split = n, seed, 1.0
    d = generate(args)
    return (torch.tensor(d["x"], dtype=torch.float32).unsqueeze(1),
            torch.tensor(d["y"], dtype=torch.long))


def custom_splits(spec: str, n_train: int):
    """MNIST-1D regenerated with ``make_dataset`` overrides ``k=v,k=v`` (e.g. a harder task):
    1,000 validation signals held out of the training part like ``load_mnist1d`` does, then
    the first ``n_train`` of the rest (all if 0)."""
    from mnist1d.data import get_dataset_args
    from nasdemo.nas.data import Splits
    args = get_dataset_args()
    for kv in filter(None, spec.split(",")):
        k, v = kv.split("=")
        if not hasattr(args, k):
            raise SystemExit(f"unknown make_dataset argument {k!r}")
        setattr(args, k, type(getattr(args, k))(float(v)) if not isinstance(getattr(args, k), list) else v)
    d = generate(args)
    x = torch.tensor(d["x"], dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(d["y"], dtype=torch.long)
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    val, train = perm[:1000], perm[1000:]
    if n_train:
        train = train[:n_train]
    xt = torch.tensor(d["x_test"], dtype=torch.float32).unsqueeze(1)[:2000]
    yt = torch.tensor(d["y_test"], dtype=torch.long)[:2000]
    return Splits(x[train], y[train], x[val], y[val], xt, yt)


def train_group(cells, seeds, a, data, xe, ye, x_train, y_train):
    nets = []
    for cell, seed in zip(cells, seeds):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            nets.append(Network(cell, a.channels, 1, stem_stride=a.stem_stride))
    pop = PopulationNetwork.from_networks(nets)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    opt = torch.optim.AdamW(pop.parameters(), lr=a.lr, weight_decay=0.0)
    n = len(y_train)
    steps_per_epoch = math.ceil(n / a.batch_size)
    total = a.epochs * steps_per_epoch
    if a.schedule == "cosine":
        lam = lambda t: 0.5 * (1.0 + math.cos(math.pi * t / total))  # noqa: E731
    else:
        lam = lambda t: 1.0  # noqa: E731
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    train_cpu = eval_cpu = 0.0
    val, extra, ema_val = [], [], []
    ema = None
    if a.ema:
        import copy
        ema = copy.deepcopy(pop)
        ema_t = [t for t in list(ema.parameters()) + list(ema.buffers()) if t.is_floating_point()]
        src_t = [t for t in list(pop.parameters()) + list(pop.buffers()) if t.is_floating_point()]
    for _ in range(a.epochs):
        t0 = time.process_time()
        pop.train()
        perms = torch.stack([torch.randperm(n, generator=g) for g in gens], dim=1)
        for s in range(0, n, a.batch_size):
            idx = perms[s:s + a.batch_size]
            logits = pop(x_train[idx].flatten(1, 2))
            loss = F.cross_entropy(logits.flatten(0, 1), y_train[idx].flatten(),
                                   reduction="sum") / len(idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if ema is not None:
                with torch.no_grad():
                    torch._foreach_lerp_(ema_t, src_t, 1.0 - a.ema)
        t1 = time.process_time()
        if ema is not None:
            ema_val.append(evaluate_population(ema, data.x_val, data.y_val))
        val.append(evaluate_population(pop, data.x_val, data.y_val))
        if xe is not None:
            extra.append(evaluate_population(pop, xe, ye))
        t2 = time.process_time()
        train_cpu += t1 - t0
        eval_cpu += t2 - t1
    t0 = time.process_time()
    test = evaluate_population(pop, data.x_test, data.y_test)
    eval_cpu += time.process_time() - t0
    rows = []
    for m, (cell, seed) in enumerate(zip(cells, seeds)):
        rows.append({"cell": str(cell), "seed": seed,
                     "val_curve": [round(v[m], 2) for v in val],
                     "extra_curve": [round(v[m], 2) for v in extra],
                     "ema_curve": [round(v[m], 2) for v in ema_val],
                     "test": round(test[m], 2),
                     "train_cpu": train_cpu / len(cells), "eval_cpu": eval_cpu / len(cells)})
    return rows


def cmd_run(a):
    torch.set_num_threads(1)
    data = custom_splits(a.data, a.n_train) if (a.data or a.n_train) else load_mnist1d()
    print("splits", data.sizes(), flush=True)
    x_train, y_train = data.x_train, data.y_train
    if a.extra_train:
        xt, yt = extra_data(a.extra_train, 4242)
        x_train, y_train = torch.cat([x_train, xt]), torch.cat([y_train, yt])
    xe = ye = None
    if a.extra_eval:
        xe, ye = extra_data(a.extra_eval, 777)
    jobs = [(c, s) for c in pilot_cells(a.cells) for s in range(a.seeds)]
    cfg = {k: v for k, v in vars(a).items() if k not in ("func", "out")}
    start = time.perf_counter()
    with open(a.out, "w") as f:
        f.write(json.dumps({"config": cfg}) + "\n")
        for g in range(0, len(jobs), a.population):
            grp = jobs[g:g + a.population]
            rows = train_group([c for c, _ in grp], [s for _, s in grp], a, data, xe, ye,
                               x_train, y_train)
            for r in rows:
                f.write(json.dumps(r) + "\n")
            f.flush()
            print(f"{g + len(grp)}/{len(jobs)} runs, {time.perf_counter() - start:.0f} s, "
                  f"train {rows[0]['train_cpu']:.2f} eval {rows[0]['eval_cpu']:.2f} CPU s/run",
                  flush=True)


def tau(x, y):
    from scipy.stats import kendalltau
    return kendalltau(x, y).statistic


def cmd_stats(a):
    with open(a.path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    cfg, rows = lines[0]["config"], lines[1:]
    by = {}
    for r in rows:
        by.setdefault(r["cell"], {})[r["seed"]] = r
    two = [v for v in by.values() if 0 in v and 1 in v]
    E = len(two[0][0]["val_curve"])
    tr = statistics.fmean(r["train_cpu"] for r in rows)
    ev = statistics.fmean(r["eval_cpu"] for r in rows)
    print(f"config {cfg}")
    print(f"{len(two)} cells with 2 seeds; train CPU s/run {tr:.3f} "
          f"({tr / E:.3f} per epoch), eval CPU s/run {ev:.3f}")
    has_extra = bool(two[0][0]["extra_curve"])
    hdr = "epoch  tau_seed(val1k)  best-med  med  best  mean|d|"
    if has_extra:
        hdr += "  tau_seed(extra)  tau_seed(val+extra)  tau_seed(2ep-mean,val)"
    print(hdr)
    ne = cfg.get("extra_eval", 0)
    for e in range(E):
        v0 = [c[0]["val_curve"][e] for c in two]
        v1 = [c[1]["val_curve"][e] for c in two]
        mean = [(x + y) / 2 for x, y in zip(v0, v1)]
        md = statistics.fmean(abs(x - y) for x, y in zip(v0, v1))
        line = (f"{e + 1:5d}  {tau(v0, v1):15.3f}  {max(mean) - statistics.median(mean):8.2f}"
                f"  {statistics.median(mean):5.2f}  {max(mean):5.2f}  {md:6.2f}")
        if has_extra:
            x0 = [c[0]["extra_curve"][e] for c in two]
            x1 = [c[1]["extra_curve"][e] for c in two]
            p0 = [(1000 * a_ + ne * b) / (1000 + ne) for a_, b in zip(v0, x0)]
            p1 = [(1000 * a_ + ne * b) / (1000 + ne) for a_, b in zip(v1, x1)]
            if e > 0:
                m0 = [(c[0]["val_curve"][e] + c[0]["val_curve"][e - 1]) / 2 for c in two]
                m1 = [(c[1]["val_curve"][e] + c[1]["val_curve"][e - 1]) / 2 for c in two]
                t2 = f"{tau(m0, m1):.3f}"
            else:
                t2 = "-"
            line += f"  {tau(x0, x1):15.3f}  {tau(p0, p1):19.3f}  {t2:>22s}"
        if two[0][0].get("ema_curve"):
            e0 = [c[0]["ema_curve"][e] for c in two]
            e1 = [c[1]["ema_curve"][e] for c in two]
            em = [(x + y) / 2 for x, y in zip(e0, e1)]
            line += (f"  EMA: tau {tau(e0, e1):.3f} best-med "
                     f"{max(em) - statistics.median(em):.2f} med {statistics.median(em):.2f}")
        print(line)
    mv = [(c[0]["val_curve"][-1] + c[1]["val_curve"][-1]) / 2 for c in two]
    mt = [(c[0]["test"] + c[1]["test"]) / 2 for c in two]
    print(f"final: tau val/test (seed means) {tau(mv, mt):.3f}; "
          f"per-seed tau val/test {tau([c[0]['val_curve'][-1] for c in two], [c[0]['test'] for c in two]):.3f}")
    # Bootstrap SE of the final tau_seed over cells.
    rng = random.Random(0)
    v0 = [c[0]["val_curve"][-1] for c in two]
    v1 = [c[1]["val_curve"][-1] for c in two]
    bs = []
    for _ in range(200):
        ix = [rng.randrange(len(two)) for _ in two]
        bs.append(tau([v0[i] for i in ix], [v1[i] for i in ix]))
    print(f"final tau_seed {tau(v0, v1):.3f}, bootstrap SE over cells {statistics.stdev(bs):.3f}")


def cmd_time(a):
    """CPU s per model-epoch of training, on the first ``--cells`` pilot cells (seed 0)."""
    torch.set_num_threads(1)
    data = load_mnist1d()
    cells = pilot_cells(a.cells)[:a.population]
    a.epochs = 1
    # warm-up (allocator, first-call overheads) on a small population
    train_group(cells[:2], [0, 0], a, data, None, None, data.x_train, data.y_train)
    t0 = time.process_time()
    rows = train_group(cells, [0] * len(cells), a, data, None, None, data.x_train,
                       data.y_train)
    total = time.process_time() - t0
    acc = statistics.fmean(r["val_curve"][-1] for r in rows)
    print(f"K={len(cells)} C={a.channels} stride={a.stem_stride} B={a.batch_size}: "
          f"train {rows[0]['train_cpu']:.3f} CPU s per model-epoch "
          f"(with eval {total / len(cells):.3f}); mean val after 1 epoch {acc:.1f}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(required=True)
    for name, fn in (("run", cmd_run), ("time", cmd_time)):
        q = sub.add_parser(name)
        q.set_defaults(func=fn)
        q.add_argument("--out", default="/tmp/probe.jsonl")
        q.add_argument("--cells", type=int, default=120)
        q.add_argument("--seeds", type=int, default=2)
        q.add_argument("--epochs", type=int, default=10)
        q.add_argument("--lr", type=float, default=3e-3)
        q.add_argument("--batch-size", type=int, default=64)
        q.add_argument("--channels", type=int, default=8)
        q.add_argument("--stem-stride", type=int, default=2)
        q.add_argument("--population", type=int, default=16)
        q.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
        q.add_argument("--extra-train", type=int, default=0)
        q.add_argument("--extra-eval", type=int, default=0)
        q.add_argument("--data", default="",
                       help="make_dataset overrides k=v,k=v (a harder MNIST-1D), e.g. "
                            "corr_noise_scale=0.5,num_samples=10000")
        q.add_argument("--n-train", type=int, default=0,
                       help="train on only the first N training signals (0: all)")
        q.add_argument("--ema", type=float, default=0.0,
                       help="also evaluate an EMA of the weights (and BN buffers), this decay")
    q = sub.add_parser("stats")
    q.set_defaults(func=cmd_stats)
    q.add_argument("path")
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
