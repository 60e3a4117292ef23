"""The tabular benchmark on small CSV files written by the tests."""

import csv
import gzip
import io
import json
import random
import re
import time

import pytest

from nasdemo.nas.table import build as bt
from nasdemo.nas.benchmark import Benchmark
from nasdemo.nas.cell import Cell

A = "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"
B = "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
C = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def _write(path, rows, header=("arch", "val_acc", "test_acc", "seconds")):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def small(tmp_path):
    path = _write(tmp_path / "t.csv", [(A, 80.5, 79.0, 10), (B, 91.25, 90.0, 20), (C, 10, 10, 1)])
    return Benchmark.from_csv(path, arch_column="arch", metric_column="val_acc",
                              test_column="test_acc", seconds_column="seconds")


def test_query_counts_and_simulates_time(small):
    assert small.query(Cell.from_string(A)) == 80.5
    assert small.query(B) == 91.25  # a string works too
    assert small.query(A, test=True) == 79.0
    assert small.n_queries == 3 and small.seconds == 40
    small.reset()
    assert small.n_queries == 0 and small.seconds == 0
    assert len(small) == 3 and A in small and Cell.from_string(B) in small


def test_best_and_rank(small):
    cell, acc = small.best()
    assert str(cell) == B and acc == 91.25 and small.n_queries == 0
    assert small.best(test=True)[1] == 90.0
    assert small.rank(B) == 1 and small.rank(C) == 3


def test_unknown_and_malformed_queries(small):
    with pytest.raises(KeyError, match="not in the benchmark"):
        small.query(Cell(["skip_connect"] * 6))
    with pytest.raises(ValueError, match="unknown op"):
        small.query("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(TypeError):
        small.query(3)
    with pytest.raises(ValueError, match="per-seed"):
        small.query(A, seed=0)
    with pytest.raises(ValueError, match="learning curves"):
        small.query(A, epoch=1)


def test_from_csv_minimal_columns_and_gzip(tmp_path):
    path = _write(tmp_path / "t.csv.gz", [(A, "80"), (B, "90")], header=("architecture", "acc"))
    b = Benchmark.from_csv(path, arch_column="architecture", metric_column="acc")
    assert b.query(A) == 80.0 and b.seconds == 0
    with pytest.raises(ValueError, match="test accuracies"):
        b.query(A, test=True)


@pytest.mark.parametrize("rows, header, words", [
    ([(A, 1.0)], ("arch", "val"), "no column 'val_acc'; the columns are"),
    ([(A, "high")], ("arch", "val_acc"), ":2: column 'val_acc' must be a number"),
    ([(A, 1.0), ("|nor_conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", 2.0)],
     ("arch", "val_acc"), ":3: bad architecture: unknown op"),
    ([(A, 1.0), (A, 2.0)], ("arch", "val_acc"), "already given on line 2"),
    ([(A, "nan")], ("arch", "val_acc"), "must be finite"),
    ([], ("arch", "val_acc"), "empty"),
])
def test_from_csv_errors_name_the_problem(tmp_path, rows, header, words):
    path = _write(tmp_path / "bad.csv", rows, header=header)
    with pytest.raises(ValueError, match=words):
        Benchmark.from_csv(path)


def test_built_table_format_round_trip(tmp_path, monkeypatch):
    rng = random.Random(0)
    partial, table = tmp_path / "p.jsonl", tmp_path / "t.csv.gz"
    with open(partial, "w") as f:
        for c in Cell.unique():
            for s in (0, 1):
                v = 10.0 if c.is_disconnected else round(50 + 40 * rng.random(), 2)
                f.write(json.dumps({"cell": str(c), "seed": s, "val_curve": [v / 2, v],
                                    "val_acc": v, "test_acc": v - 1, "params": 1, "flops": 1,
                                    "seconds": 2.0, "cpu_seconds": 1.0}) + "\n")
    bt.finalise(partial, table)
    monkeypatch.setenv("NASDEMO_TABLE", str(table))  # Benchmark.default() loads this one
    from nasdemo.nas import benchmark as bm
    bm._load_built_table.cache_clear()
    try:
        t0 = time.perf_counter()
        b = Benchmark.default()
        assert time.perf_counter() - t0 < 5  # ~0.3 s on a laptop; generous for shared CI
        assert len(b) == 15_625
        cell = Cell.from_string(A)
        v0, v1 = b.query(cell, seed=0), b.query(cell, seed=1)
        assert b.query(cell) == pytest.approx((v0 + v1) / 2, abs=0.01)
        assert b.query(cell, epoch=1) == pytest.approx(b.query(cell) / 2, abs=0.01)
        # the table's cost is the runs' CPU seconds (1.0), not their wall seconds (2.0)
        assert b.n_queries == 5 and b.seconds == pytest.approx(4 * 1.0 + 0.5)
        assert Benchmark.default().n_queries == 0  # each call has its own counters
        # look-ups for reporting and plotting do not count as queries
        b.reset()
        assert b.lookup(cell) == b.query(cell) and b.n_seeds == 2
        assert b.lookup(cell, test=True) == pytest.approx(b.lookup(cell) - 1, abs=0.01)
        assert b.curve(cell, seed=1) == [v1 / 2, v1] and b.training_seconds(cell) == 1.0
        assert b.per_seed()[b.cells().index(cell)] == [v0, v1]
        assert b.n_queries == 1
        with pytest.raises(ValueError, match="seed"):
            b.curve(cell, seed=2)
        # >= 100,000 queries a second
        cells = [Cell.random(rng) for _ in range(1000)]
        t0 = time.perf_counter()
        for _ in range(100):
            for c in cells:
                b.query(c)
        rate = 100_000 / (time.perf_counter() - t0)
        assert rate > 100_000, f"{rate:.0f} queries/s"
    finally:
        bm._load_built_table.cache_clear()


def test_nasdemo_table_names_the_default_table(tmp_path, monkeypatch):
    monkeypatch.setenv("NASDEMO_TABLE", str(tmp_path / "nope.csv.gz"))
    with pytest.raises(FileNotFoundError, match="table.build"):
        Benchmark.default()


def test_default_without_table_says_how_to_build(tmp_path, monkeypatch):
    from nasdemo.nas import benchmark as bm
    monkeypatch.setattr(bm, "DEFAULT_TABLE", tmp_path / "nothing.csv.gz")
    monkeypatch.delenv("NASDEMO_TABLE", raising=False)
    try:
        with pytest.raises(FileNotFoundError, match="table.build"):
            Benchmark.default()
    finally:
        bm._load_built_table.cache_clear()


def test_shipped_table():
    """The table in the package: every cell, two seeds, three-epoch curves, under 5 MB, loads
    in under a second (best of three, so a busy CI machine does not decide it), disconnected
    cells at chance, and a data card next to it."""
    from nasdemo.nas import benchmark as bm
    assert bm.DEFAULT_TABLE.stat().st_size < 5e6
    assert (bm.DEFAULT_TABLE.parent / "nb201_mnist1d.md").exists()
    times = []
    for _ in range(3):
        bm._load_built_table.cache_clear()
        t0 = time.perf_counter()
        b = Benchmark._from_built_table(bm.DEFAULT_TABLE)
        times.append(time.perf_counter() - t0)
    assert min(times) < 1.0, times
    assert len(b) == 15_625 and b.n_seeds == 2
    assert len(b.curve(Cell.from_string(A))) == 3
    disc = [c for c in Cell.all() if c.is_disconnected]
    assert max(b.lookup(c) for c in disc) < 15 < b.best()[1]
    rep = {u.canonical(): u for u in Cell.unique()}
    ps, idx = b.per_seed(), {c: i for i, c in enumerate(b.cells())}
    for c in Cell.all()[::7]:  # isomorphic cells share their class's numbers
        assert ps[idx[c]] == ps[idx[rep[c.canonical()]]]


# ---------------------------------------------------------------- bad tables get clear errors
def _built_rows(scale: float = 1.0) -> list[dict]:
    """A table in the builder's format, every cell, accuracies times ``scale``."""
    rows = []
    for k, c in enumerate(Cell.all()):
        v = round((10.0 if c.is_disconnected else 50 + (k % 400) / 10) * scale, 4)
        rows.append({"arch": str(c), "unique_id": k, "params": 1, "flops": 1, "seconds": 1.0,
                     "val_acc": v, "test_acc": v, "n_seeds": 2, "seeds": "0;1",
                     "val_acc_per_seed": f"{v};{v}", "test_acc_per_seed": f"{v};{v}",
                     "val_curve_per_seed": f"{v}:{v};{v}:{v}"})
    return rows


def _write_built(path, rows, gz=True):
    text = io.StringIO()
    w = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text.getvalue())
    else:
        path.write_text(text.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def env_table(tmp_path, monkeypatch):
    """Point NASDEMO_TABLE at a file; clear the loader's cache before and after."""
    from nasdemo.nas import benchmark as bm

    def use(path):
        monkeypatch.setenv("NASDEMO_TABLE", str(path))
        bm._load_built_table.cache_clear()
        return path
    yield use
    bm._load_built_table.cache_clear()


@pytest.mark.parametrize("column, value, words", [
    ("val_acc", "nan", "column 'val_acc' must be finite"),
    ("test_acc", "inf", "column 'test_acc' must be finite"),
    ("val_acc", "150", "column 'val_acc' is an accuracy in percent, 0-100"),
    ("val_acc_per_seed", "70;-3", "column 'val_acc_per_seed' is an accuracy in percent"),
    ("val_curve_per_seed", "1:2;3:nan", "column 'val_curve_per_seed' must be finite"),
    ("seconds", "-1", "column 'seconds' is a training time"),
])
def test_nasdemo_table_with_bad_numbers_names_file_and_row(tmp_path, env_table, column, value,
                                                           words):
    rows = _built_rows()
    rows[7][column] = value
    path = env_table(_write_built(tmp_path / "t.csv.gz", rows))
    with pytest.raises(ValueError, match=rf"t\.csv\.gz:9: {words}"):
        Benchmark.default()


def test_nasdemo_table_of_fractions_is_refused(tmp_path, env_table):
    env_table(_write_built(tmp_path / "frac.csv.gz", _built_rows(scale=0.01)))
    with pytest.raises(ValueError, match=r"frac\.csv\.gz: column 'val_acc' .* fractions"):
        Benchmark.default()


def test_nasdemo_table_missing_cells_fails_at_load(tmp_path, env_table):
    rows = _built_rows()
    gone = rows.pop(3)["arch"]
    env_table(_write_built(tmp_path / "part.csv.gz", rows))
    with pytest.raises(ValueError, match=rf"part\.csv\.gz covers 15,624 of the 15,625 cells "
                                         rf"\(first missing: {re.escape(gone)}\)"):
        Benchmark.default()


def test_nasdemo_table_of_the_wrong_format_names_file_and_column(tmp_path, env_table):
    env_table(_write(tmp_path / "plain.csv", [(A, 80.0, 79.0, 1)],
                     header=("arch", "val_acc", "test", "seconds")))
    with pytest.raises(ValueError, match=r"plain\.csv is not a table written by .* no column "
                                         r"'test_acc'.*Benchmark\.from_csv"):
        Benchmark.default()


@pytest.mark.parametrize("name", ["table.csv", "TABLE.CSV.GZ"])
def test_gzip_is_told_by_content_not_name(tmp_path, env_table, name):
    env_table(_write_built(tmp_path / name, _built_rows()))
    assert len(Benchmark.default()) == 15_625
    path = tmp_path / f"small_{name}"
    with gzip.open(path, "wt", newline="") as f:
        f.write(f"arch,val_acc\n{A},80\n{B},90\n")
    assert Benchmark.from_csv(path).query(B) == 90.0


def test_plain_table_named_gz_and_bom_read_fine(tmp_path):
    bom = tmp_path / "excel.csv"
    bom.write_bytes(f"\ufeffarch,val_acc\n{A},80\n{B},90\n".encode("utf-8"))
    assert Benchmark.from_csv(bom).query(A) == 80.0
    named_gz = tmp_path / "notgz.csv.gz"
    named_gz.write_text(f"arch,val_acc\n{A},80\n{B},90\n")
    assert Benchmark.from_csv(named_gz).query(A) == 80.0


@pytest.mark.parametrize("rows, words", [
    ([(A, "150"), (B, "90")], r":2: column 'val_acc' is an accuracy in percent, 0-100"),
    ([(A, "90"), (B, "-0.5")], r":3: column 'val_acc' is an accuracy in percent"),
    ([(A, "-inf"), (B, "90")], r":2: column 'val_acc' must be finite"),
    ([(A, "0.80"), (B, "0.91")], r": column 'val_acc' holds only values in \[0, 1\].*fractions"),
])
def test_from_csv_refuses_values_that_are_not_percent(tmp_path, rows, words):
    with pytest.raises(ValueError, match=r"bad\.csv" + words):
        Benchmark.from_csv(_write(tmp_path / "bad.csv", rows, header=("arch", "val_acc")))


def test_a_query_that_raises_is_not_counted(small, tmp_path, env_table):
    for bad in ({"seed": 0}, {"epoch": 1}):
        with pytest.raises(ValueError):
            small.query(A, **bad)
    with pytest.raises(KeyError, match=r"not in the benchmark table 't\.csv' \(3 of the "
                                       r"15,625 architectures\)"):
        small.query(Cell(["skip_connect"] * 6))
    assert small.n_queries == 0 and small.seconds == 0
    env_table(_write_built(tmp_path / "t.csv.gz", _built_rows()))
    b = Benchmark.default()
    for bad in ({"seed": 2}, {"epoch": 3}, {"epoch": 1, "seed": 5}, {"epoch": 1, "test": True}):
        with pytest.raises(ValueError):
            b.query(A, **bad)
    assert b.n_queries == 0 and b.seconds == 0
    assert b.query(A, epoch=1, seed=1) > 0 and b.n_queries == 1


def test_to_csv_reads_back_equal_and_refuses_to_overwrite(small, tmp_path):
    path = small.to_csv(tmp_path / "out.csv")
    back = Benchmark.from_csv(path, test_column="test_acc", seconds_column="seconds")
    assert back.cells() == small.cells()
    assert back.accuracies() == small.accuracies()
    assert back.accuracies(test=True) == small.accuracies(test=True)
    assert [back.training_seconds(c) for c in back] == [small.training_seconds(c) for c in small]
    with pytest.raises(FileExistsError, match="out.csv exists.*force=True"):
        small.to_csv(path)
    val_only = Benchmark([Cell.from_string(A)], [12.5], name="v")
    val_only.to_csv(path, force=True)  # no test accuracies: no test_acc column
    with open(path) as f:
        assert f.readline().strip() == "arch,val_acc,seconds"
    assert Benchmark.from_csv(path).query(A) == 12.5
