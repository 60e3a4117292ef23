"""benchmarks/darts_nb201.py: --save records DARTS runs, --rejudge judges them on the table
without searching again."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from nasdemo.nas import Benchmark, Cell

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "darts_nb201.py"
CELLS = ["|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
         "|none~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_1x1~2|",
         "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|skip_connect~2|"]
METHODS = ["DARTS 1st order", "DARTS 2nd order", "DARTS 1st + cutting/10ep"]


def _record(seed, method, cell, wall=40.0):
    return {"seed": seed, "method": method, "wall_s": wall, "cell": cell, "epochs": 50,
            "channels": 8, "prune_every": 10}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300)


def _save(path: Path, runs: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in runs))


def _mean_run_s(bench: Benchmark) -> float:
    ts = [t for t in map(bench.training_seconds, bench.cells()) if t > 0]
    return sum(ts) / len(ts)


def test_rejudge_looks_up_every_saved_cell_and_runs_the_baselines(tmp_path):
    runs = [_record(s, m, c, 40.0 + s) for s in (3, 7) for m, c in zip(METHODS, CELLS)]
    saved = tmp_path / "runs.jsonl"
    _save(saved, runs)
    out = _run("--rejudge", str(saved), "--baseline-runs", "2")
    assert out.returncode == 0, out.stderr
    bench = Benchmark.default()
    for r in runs:
        c = r["cell"]
        row = (f"{r['seed']:4d} {r['method']:32s} {r['wall_s']:7.1f} {bench.lookup(c):6.2f} "
               f"{bench.lookup(c, test=True):6.2f} {bench.rank(c):6d}  {c}")
        assert row in out.stdout
    budget = max(2, round(43.0 / _mean_run_s(bench)))  # seed 3's fastest run: 43 s
    assert f"   3 random search ({budget} q)" in out.stdout
    assert "random search (same wall time)        4" in out.stdout  # 2 runs x 2 seeds


def test_rejudge_errors_name_what_is_wrong(tmp_path):
    out = _run("--rejudge", str(tmp_path / "nope.jsonl"))
    assert out.returncode != 0 and "no such file" in out.stderr
    saved = tmp_path / "runs.jsonl"
    _save(saved, [_record(0, METHODS[0], CELLS[0])])
    out = _run("--rejudge", str(saved))
    assert out.returncode != 0 and "no run of 'DARTS 2nd order' with seed 0" in out.stderr
    _save(saved, [_record(0, m, c) for m, c in zip(METHODS, CELLS)] * 2)
    out = _run("--rejudge", str(saved))
    assert out.returncode != 0 and "second run of 'DARTS 1st order' with seed 0" in out.stderr
    _save(saved, [_record(0, m, c) for m, c in zip(METHODS, CELLS)]
          + [{**_record(1, METHODS[0], CELLS[0]), "epochs": 20}])
    out = _run("--rejudge", str(saved))
    assert out.returncode != 0 and "mixes (epochs, channels, prune_every)" in out.stderr
    saved.write_text(json.dumps(_record(0, METHODS[0], CELLS[0])) + "\n{seed: 1\n")
    out = _run("--rejudge", str(saved))
    assert out.returncode != 0 and "line 2 is not JSON" in out.stderr


def test_save_writes_what_rejudge_reads(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("darts_nb201", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    calls = []

    def fake_search(net, data, epochs, seed, **opts):  # no training: one cell per variant
        calls.append((seed, epochs, opts))
        return SimpleNamespace(architecture=Cell.from_string(CELLS[len(calls) % 3]))

    monkeypatch.setattr(script, "darts_search", fake_search)
    monkeypatch.setattr(script.torch, "set_num_threads", lambda n: None)  # leave pytest's alone
    saved = tmp_path / "runs.jsonl"
    script.main(["--seeds", "1", "--first-seed", "4", "--epochs", "5", "--channels", "2",
                 "--baseline-runs", "1", "--save", str(saved)])
    runs = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [r["method"] for r in runs] == ["DARTS 1st order", "DARTS 2nd order",
                                           "DARTS 1st + cutting/1ep"]
    assert [r["cell"] for r in runs] == [CELLS[1], CELLS[2], CELLS[0]]
    assert all(r["seed"] == 4 and r["epochs"] == 5 and r["channels"] == 2
               and r["prune_every"] == 1 for r in runs)
    assert calls[2][2] == {"order": 1, "prune_every": 1}
    with pytest.raises(SystemExit, match="nothing to --save"):
        script.main(["--rejudge", str(saved), "--save", str(tmp_path / "again.jsonl")])
    script.main(["--rejudge", str(saved), "--baseline-runs", "1"])  # reads them back


def test_shipped_runs_file_is_what_notebook_07_replays():
    """The recorded runs notebook 07 replays: one run of each variant for seeds 0-4, one
    setting (50 epochs, C=8, a cut every 10 epochs), valid cells; the script reads them."""
    spec = importlib.util.spec_from_file_location("darts_nb201", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    path = SCRIPT.parents[1] / "nasdemo" / "data" / "darts_nb201_runs_2026-11-28.jsonl"
    runs = script.load_runs(path)
    assert len(runs) == 15
    for seed in range(5):
        for method in METHODS:
            run = script.saved_run(runs, seed, method, path)
            assert Cell.from_string(run["cell"]) and run["wall_s"] > 0
    assert {(r["epochs"], r["channels"], r["prune_every"]) for r in runs} == {(50, 8, 10)}
