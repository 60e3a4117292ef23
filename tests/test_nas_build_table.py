"""The table builder: resumable partial file, finalising to 15,625 rows, quality figures."""

import csv
import gzip
import json
import random

import pytest

from nasdemo.nas import build_table as bt
from nasdemo.nas.cell import Cell
from nasdemo.nas.data import Splits, load_mnist1d
from nasdemo.nas.train import Recipe

TINY = Recipe(epochs=1, channels=2, batch_size=100)


@pytest.fixture
def tiny_data(monkeypatch):
    d = load_mnist1d()
    small = Splits(d.x_train[:100], d.y_train[:100], d.x_val[:50], d.y_val[:50],
                   d.x_test[:50], d.y_test[:50])
    monkeypatch.setattr("nasdemo.nas.train.load_mnist1d", lambda: small)
    monkeypatch.setattr("nasdemo.nas.data.load_mnist1d", lambda: small)
    return small


def test_plan_is_seed_major_and_deterministic():
    cells = Cell.unique()[:5]
    jobs = bt.plan(cells, range(2))
    assert len(jobs) == 10 and jobs == bt.plan(cells, range(2))
    assert [s for _, s in jobs] == [0] * 5 + [1] * 5
    assert {c for c, _ in jobs[:5]} == {str(c) for c in cells}


def test_run_jobs_resumes_and_survives_a_torn_line(tmp_path, tiny_data):
    out = tmp_path / "partial.jsonl"
    cells = [Cell.unique()[k] for k in (10, 20)] + [Cell(["none"] * 6)]
    jobs = bt.plan(cells, range(1))
    bt.run_jobs(jobs[:2], TINY, out, workers=1, population=2)
    rows = bt.read_partial(out)
    assert len(rows) == 2
    for r in rows:
        assert {"cell", "seed", "val_curve", "val_acc", "test_acc", "params", "flops",
                "seconds", "cpu_seconds", "recipe", "population"} <= set(r)
    assert all(r["population"] == 2 for r in rows)
    trained = [r for r in rows if not Cell.from_string(r["cell"]).is_disconnected]
    assert trained and all(r["seconds"] == trained[0]["seconds"] > 0 for r in trained)
    # A crash mid-write leaves a torn line: it is ignored and the run redone.
    with open(out, "a") as f:
        f.write('{"cell": "|nor_con')
    bt.run_jobs(jobs, TINY, out, workers=1)
    rows = bt.read_partial(out)
    assert sorted((r["cell"], r["seed"]) for r in rows) == sorted(jobs)
    # Everything done: nothing runs, nothing is appended.
    size = out.stat().st_size
    bt.run_jobs(jobs, TINY, out, workers=1)
    assert out.stat().st_size == size
    # A different recipe is refused rather than mixed in.
    with pytest.raises(SystemExit, match="recipe"):
        bt.run_jobs(jobs, Recipe(epochs=2), out, workers=1)


def _fake_rows(seeds=(0, 1)):
    rng = random.Random(0)
    rows = []
    for c in Cell.unique():
        skill = 10.0 if c.is_disconnected else 50 + 40 * rng.random()
        for s in seeds:
            v = skill if c.is_disconnected else skill + rng.gauss(0, 1)
            rows.append({"cell": str(c), "seed": s, "val_curve": [v / 2, v], "val_acc": v,
                         "test_acc": v + (0 if c.is_disconnected else rng.gauss(0, 1)),
                         "params": 100, "flops": 1000, "seconds": 0.5, "cpu_seconds": 0.4})
    return rows


def test_finalise_maps_every_cell_and_is_small(tmp_path):
    partial, table = tmp_path / "p.jsonl", tmp_path / "t.csv.gz"
    with open(partial, "w") as f:
        for r in _fake_rows():
            f.write(json.dumps(r) + "\n")
    assert bt.finalise(partial, table) == 15_625
    assert table.stat().st_size < 5e6
    with gzip.open(table, "rt") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 15_625 and list(rows[0]) == bt.COLUMNS
    assert {r["arch"] for r in rows} == {str(c) for c in Cell.all()}
    by_arch = {r["arch"]: r for r in rows}
    a = by_arch["|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"]
    b = by_arch["|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"]
    assert a["unique_id"] == b["unique_id"] and a["val_acc"] == b["val_acc"]
    assert len(a["val_curve_per_seed"].split(";")) == 2
    assert float(a["seconds"]) == 0.4  # the runs' CPU seconds (wall 0.5 includes waiting)
    assert len({r["unique_id"] for r in rows}) == 6_466


def test_finalise_refuses_an_unfinished_build(tmp_path):
    partial = tmp_path / "p.jsonl"
    with open(partial, "w") as f:
        for r in _fake_rows(seeds=(0,)):
            f.write(json.dumps(r) + "\n")
    with pytest.raises(SystemExit, match="fewer than 2 runs"):
        bt.finalise(partial, tmp_path / "t.csv.gz")


def test_quality_figures():
    q = bt.quality(_fake_rows())
    assert q["tau_seed"] > 0.9 and q["tau_val_test"] > 0.9
    assert q["best_minus_median"] > 15 and q["disconnected_max"] == 10.0
    assert abs(q["noise_sd"] - 1.0) < 0.05  # the fake runs' seed noise is N(0, 1)
    assert 0.0005 < q["tau_seed_se"] < 0.01  # 6,461 cells, tau ~0.95
    # Skill is uniform on [50, 90], the noise small: both halves rank well, quantiles follow.
    assert q["tau_seed_better_half"] > 0.8 and q["tau_seed_worse_half"] > 0.8
    qs = [q[f"val_q{p}"] for p in bt.QUANTILES]
    assert qs == sorted(qs) and q["val_q50"] == pytest.approx(q["median_val"])
    assert abs(q["val_q25"] - 60) < 1.5 and abs(q["val_q90"] - 86) < 1.5
    text = bt.format_quality(q)
    assert "tau_seed" in text and "FAIL" not in text
    assert "better half" in text and "noise SD" in text and "25 %:" in text


def test_quality_halves_are_unbiased_for_pure_noise():
    """No skill at all: each seed's accuracy is independent noise. Within halves chosen by
    seed 0, seed 1 is still unrelated (tau ~0); halves chosen by the two seeds' mean would
    give about -0.3."""
    rng = random.Random(1)
    rows = [{"cell": str(c), "seed": s, "val_curve": [0.0], "val_acc": rng.gauss(70, 3),
             "test_acc": 70.0, "params": 1, "flops": 1, "seconds": 0.1, "cpu_seconds": 0.1}
            for c in Cell.unique() if not c.is_disconnected for s in (0, 1)]
    q = bt.quality(rows)
    # Null standard error of Kendall's tau: sqrt(4 / 9n) ~ 0.008 for n = 6,461.
    assert abs(q["tau_seed"]) < 0.03 and 0.005 < q["tau_seed_se"] < 0.015
    assert abs(q["tau_seed_better_half"]) < 0.04 and abs(q["tau_seed_worse_half"]) < 0.04


def test_plan_puts_the_pilot_first():
    cells = Cell.unique()[:6]
    jobs = bt.plan(cells, range(2), pilot=2)
    assert len(jobs) == 12 and len(set(jobs)) == 12
    assert jobs[0][0] == jobs[1][0] and [s for _, s in jobs[:4]] == [0, 1, 0, 1]
    assert [s for _, s in jobs[4:]] == [0] * 4 + [1] * 4
