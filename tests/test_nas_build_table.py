"""The table builder (nasdemo.nas.table.build): resumable runs file, finalising to 15,625 rows,
quality figures, and refusing whatever would corrupt the table or destroy a file."""

import csv
import gzip
import json
import os
import random
import socket
import subprocess
import sys

import pytest

from nasdemo.nas.table import build as bt
from nasdemo.nas.cell import Cell
from nasdemo.nas.data import Splits, load_mnist1d
from nasdemo.nas.train import Recipe

TINY = Recipe(epochs=1, channels=2, batch_size=100)


@pytest.fixture
def tiny_data(monkeypatch):
    d = load_mnist1d()
    small = Splits(d.x_train[:100], d.y_train[:100], d.x_val[:50], d.y_val[:50],
                   d.x_test[:50], d.y_test[:50])
    monkeypatch.setattr("nasdemo.nas.table.population.load_mnist1d", lambda: small)
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


# ------------------------------------------------------- nothing lost, nothing silently wrong
def _write_runs(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path


def test_finalise_refuses_duplicated_runs_naming_the_lines(tmp_path):
    rows = _fake_rows()
    rows.insert(5, dict(rows[2]))  # the same (cell, seed) again, as two builders would write
    partial, table = _write_runs(tmp_path / "p.jsonl", rows), tmp_path / "t.csv.gz"
    with pytest.raises(SystemExit, match=r"p\.jsonl:6 repeats the run on line 3 .*seed 0"):
        bt.finalise(partial, table)
    assert not table.exists()
    with pytest.raises(SystemExit, match="repeats the run"):  # --stats would report tau 1.000
        bt.main(["--stats", "--partial", str(partial)])


def test_finalise_refuses_mixed_recipes_naming_the_lines(tmp_path):
    rows = [dict(r, recipe=TINY.as_dict()) for r in _fake_rows()]
    rows[9]["recipe"] = Recipe(epochs=2).as_dict()
    partial, table = _write_runs(tmp_path / "p.jsonl", rows), tmp_path / "t.csv.gz"
    with pytest.raises(SystemExit, match=r"p\.jsonl:10 was trained with recipe .*'epochs': 2"
                                         r".* but .*p\.jsonl:1 with"):
        bt.finalise(partial, table)
    assert not table.exists()


def test_a_second_builder_on_the_same_runs_file_is_refused(tmp_path, tiny_data):
    out = tmp_path / "runs.jsonl"
    jobs = bt.plan([Cell.unique()[10]], range(1))
    lock = tmp_path / "runs.jsonl.lock"
    lock.write_text(f"{os.getpid()} {socket.gethostname()}\n")  # a live builder holds it
    with pytest.raises(SystemExit, match=r"runs\.jsonl is being built by process .*lock file"):
        bt.run_jobs(jobs, TINY, out)
    assert not out.exists() and lock.exists()
    lock.write_text("1234 another-machine\n")  # can't tell from here: refused, not guessed
    with pytest.raises(SystemExit, match="another-machine"):
        bt.run_jobs(jobs, TINY, out)
    # A lock whose process is gone (a builder killed outright) is stale: taken over.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock.write_text(f"{gone.pid} {socket.gethostname()}\n")
    bt.run_jobs(jobs, TINY, out)
    assert len(bt.read_partial(out)) == 1 and not lock.exists()  # removed when done


def test_the_lock_is_released_on_ctrl_c(tmp_path, tiny_data, monkeypatch):
    out = tmp_path / "runs.jsonl"

    def interrupted(*args):
        assert (tmp_path / "runs.jsonl.lock").read_text().split()[0] == str(os.getpid())
        raise KeyboardInterrupt
        yield  # a generator, as _results is

    monkeypatch.setattr(bt, "_results", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bt.run_jobs(bt.plan([Cell.unique()[10]], range(1)), TINY, out)
    assert not (tmp_path / "runs.jsonl.lock").exists()


def test_finalise_never_destroys_the_runs_or_a_foreign_file(tmp_path, monkeypatch):
    partial = _write_runs(tmp_path / "p.jsonl", _fake_rows())
    before = partial.read_bytes()
    for force in ([], ["--force"]):  # --out the runs file: refused even with --force
        with pytest.raises(SystemExit, match="is the runs file itself"):
            bt.main(["--finalise", "--partial", str(partial), "--out", str(partial), *force])
        assert partial.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    with pytest.raises(SystemExit, match=r"notes\.txt exists and is not a table written"):
        bt.main(["--finalise", "--partial", str(partial), "--out", str(notes)])
    assert notes.read_text() == "my notes\n"
    # A table we wrote may be rewritten; the shipped one only with --force.
    ours = tmp_path / "ours.csv.gz"
    bt.finalise(partial, ours)
    bt.finalise(partial, ours)
    assert bt.is_table(ours)
    shipped = tmp_path / "shipped.csv.gz"
    shipped.write_bytes(ours.read_bytes())
    monkeypatch.setattr(bt, "DEFAULT_TABLE", shipped)
    shipped_before = shipped.read_bytes()
    with pytest.raises(SystemExit, match="is the shipped table; to replace it pass --force"):
        bt.main(["--finalise", "--partial", str(partial)])  # no --out: the shipped table
    assert shipped.read_bytes() == shipped_before
    bt.main(["--finalise", "--partial", str(partial), "--force"])
    bt.main(["--finalise", "--partial", str(partial), "--out", str(notes), "--force"])
    assert bt.is_table(notes)


def test_a_file_that_is_not_a_runs_file_is_never_appended_to(tmp_path, tiny_data):
    mine = tmp_path / "my_results.csv"
    mine.write_text("arch,val_acc\n|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|,80\n")
    before = mine.read_bytes()
    jobs = bt.plan([Cell.unique()[10]], range(1))
    with pytest.raises(SystemExit, match=r"my_results\.csv:1 is not a run .*--partial must "
                                         "name a runs file"):
        bt.run_jobs(jobs, TINY, mine)
    assert mine.read_bytes() == before
    for mode in ("--stats", "--finalise"):
        with pytest.raises(SystemExit, match="is not a run"):
            bt.main([mode, "--partial", str(mine), "--out", str(tmp_path / "t.csv.gz")])
    assert mine.read_bytes() == before


def test_runs_file_gzipped_is_read_and_resuming_it_says_how(tmp_path, tiny_data):
    rows = [dict(r, recipe=TINY.as_dict()) for r in _fake_rows()]
    for name in ("runs.jsonl.gz", "runs_without_suffix"):  # gzip told by content
        gz = tmp_path / name
        with gzip.open(gz, "wt") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        assert bt.read_partial(gz) == rows
        assert bt.finalise(gz, tmp_path / "t.csv.gz") == 15_625
    before = gz.read_bytes()
    with pytest.raises(SystemExit, match=r"is gzip-compressed .*`gunzip -c"):
        bt.run_jobs(bt.plan([Cell(["none"] * 6)], range(3)), TINY, gz)
    assert gz.read_bytes() == before


@pytest.mark.parametrize("flag, value, words", [
    ("--lr", "nan", "--lr must be a finite number > 0"),
    ("--lr", "-0.1", "--lr must be a finite number > 0"),
    ("--population", "0", "--population: must be an integer >= 1"),
    ("--limit", "-1", "--limit: must be an integer >= 1"),
    ("--epochs", "0", "--epochs must be a positive integer, got 0"),
    ("--batch-size", "0", "--batch-size must be a positive integer, got 0"),
    ("--channels", "0", "--channels must be a positive integer, got 0"),
    ("--workers", "0", "--workers: must be an integer >= 1"),
    ("--optimizer", "adagrad", "--optimizer must be 'sgd' or 'adam'"),
])
def test_builder_flags_are_checked(tmp_path, monkeypatch, capsys, flag, value, words):
    ran = []
    monkeypatch.setattr(bt, "run_jobs", lambda *a, **k: ran.append(a))
    with pytest.raises(SystemExit) as e:
        bt.main(["--partial", str(tmp_path / "p.jsonl"), flag, value])
    assert e.value.code == 2 and not ran
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("field, value", [("epochs", 0), ("lr", float("nan")),
                                          ("momentum", 1.0), ("weight_decay", -1e-4),
                                          ("batch_size", 2.5), ("channels", True)])
def test_recipe_checks_its_fields(field, value):
    with pytest.raises(ValueError, match=f"Recipe.{field} must be"):
        Recipe(**{field: value})


def test_the_shipped_runs_are_compressed_and_finalise_to_the_shipped_table(tmp_path, capsys):
    """The committed runs (data/, gzip) still work: --stats reads them, --finalise rebuilds
    the shipped table from them exactly; building into them says to decompress first."""
    assert bt.DEFAULT_RUNS.name == "nb201_mnist1d_runs.jsonl.gz"
    assert bt.DEFAULT_RUNS.stat().st_size < 1e6
    bt.main(["--finalise", "--out", str(tmp_path / "t.csv.gz")])  # --partial defaults to them
    assert "wrote 15625 rows" in capsys.readouterr().out
    with gzip.open(tmp_path / "t.csv.gz") as new, gzip.open(bt.DEFAULT_TABLE) as shipped:
        assert new.read() == shipped.read()
    bt.main(["--stats"])
    assert "tau_seed" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="is gzip-compressed"):
        bt.main(["--seeds", "3", "--limit", "1"])  # a third seed: work to append
    assert not bt.DEFAULT_RUNS.with_name(bt.DEFAULT_RUNS.name + ".lock").exists()
