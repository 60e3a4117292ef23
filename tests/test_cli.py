"""``python -m nasdemo``'s subcommands driven as a user drives them: in a subprocess, reading
what they print and the files they write, including their error messages."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nasdemo.nas import METHODS

ROOT = Path(__file__).resolve().parents[1]


def nasdemo(*args, cwd=None, env=None, timeout=300):
    """Run ``python -m nasdemo ARGS`` as a user would; the finished process."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "nasdemo", *map(str, args)], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def test_every_command_has_help_and_the_console_script_is_main():
    top = nasdemo("--help")
    assert top.returncode == 0
    for command in ("search", "compare", "figures", "build-table", "site"):
        assert command in top.stdout
    for command, words in (("search", "--method NAME"), ("compare", "--scheduler"),
                           ("figures", "--out DIR"), ("build-table", "--finalise")):
        p = nasdemo(command, "--help")
        assert p.returncode == 0 and words in p.stdout, (command, p.stderr)
    pyproject = (ROOT / "pyproject.toml").read_text()  # tomllib is Python 3.11+; we support 3.10
    assert '[project.scripts]\nnasdemo = "nasdemo.__main__:main"\n' in pyproject


def test_search_prints_the_cell_its_accuracy_and_rank():
    from nasdemo.nas import Benchmark, aging_evolution

    p = nasdemo("search", "--method", "aging_evolution", "--budget", 40, "--seed", 3)
    assert p.returncode == 0, p.stderr
    bench = Benchmark.default()
    cell = aging_evolution(bench, 40, seed=3).best[0]
    assert f"returned cell: {cell}\n" in p.stdout
    assert (f"validation {bench.lookup(cell):.2f} %" in p.stdout
            and f"test {bench.lookup(cell, test=True):.2f} %" in p.stdout)
    assert f"rank: {bench.rank(cell):,} of 15,625" in p.stdout


def test_search_on_a_table_of_ones_own(tmp_path):
    from nasdemo.nas import Benchmark, random_search

    bench = Benchmark.default()
    table = tmp_path / "mine.csv"
    with open(table, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["architecture", "accuracy"])
        for c in bench.cells():
            w.writerow([str(c), round(100 - bench.lookup(c), 2)])  # a table upside down
    p = nasdemo("search", "--method", "random_search", "--budget", 30, "--table", table,
                "--arch-column", "architecture", "--metric-column", "accuracy")
    assert p.returncode == 0, p.stderr
    mine = Benchmark.from_csv(table, "architecture", "accuracy")
    cell = random_search(mine, 30, seed=0).best[0]
    assert f"returned cell: {cell}\n" in p.stdout and "test" not in p.stdout
    assert f"rank: {mine.rank(cell):,} of 15,625" in p.stdout
    bad = nasdemo("search", "--method", "random_search", "--table", table,
                  "--metric-column", "val")
    assert bad.returncode == 2
    assert "--table" in bad.stderr and "no column 'architecture'" not in bad.stderr
    assert "no column 'arch'; the columns are ['architecture', 'accuracy']" in bad.stderr
    part = tmp_path / "part.csv"  # a table missing cells: the search meets one it lacks
    part.write_text("".join(table.read_text().splitlines(keepends=True)[:2001]))
    bad = nasdemo("compare", "--runs", 2, "--budget", 100, "--table", part,
                  "--arch-column", "architecture", "--metric-column", "accuracy")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "is not in the benchmark table 'part.csv'" in bad.stderr
    assert "the table must hold every one" in bad.stderr


@pytest.mark.parametrize("args, words", [
    (["search", "--method", "darts_by_hand"],
     "unknown search method 'darts_by_hand'; choose one of " + ", ".join(sorted(METHODS))),
    (["search", "--method", "random_search", "--budget", "0"],
     "argument --budget: must be a positive integer, got 0"),
    (["search", "--method", "random_search", "--table", "no/such.csv"],
     "--table no/such.csv: no such file"),
    (["search"], "the following arguments are required: --method"),
    (["compare", "--budget", "50,0"], "argument --budget: must be a positive integer, got 0"),
    (["compare", "--methods", "random_search,random_search"], "names a method twice"),
    (["compare", "--scheduler", "localhost:8786"],
     "must be a Dask scheduler address such as tcp://"),
    (["figures"], "the following arguments are required: --out"),
    (["figures", "--out", "x", "--only", "figure_99"], "unknown figure 'figure_99'"),
    (["build-table", "--population", "0"], "--population: must be an integer >= 1"),
])
def test_bad_arguments_are_named(tmp_path, args, words):
    p = nasdemo(*args, cwd=tmp_path)
    assert p.returncode == 2 and words in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert not any(tmp_path.iterdir())  # nothing written


def test_compare_prints_writes_plots_and_never_overwrites(tmp_path):
    out, plot = tmp_path / "results.csv", tmp_path / "figure.html"
    args = ["compare", "--methods", "random_search,reinforce", "--budget", "10,20",
            "--runs", 4, "--out", out, "--plot", plot]
    p = nasdemo(*args)
    assert p.returncode == 0, p.stderr
    assert "budget 10:" in p.stdout and "budget 20:" in p.stdout
    assert "reinforce" in p.stdout and "random_search" in p.stdout
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 * 4
    from nasdemo.nas import Benchmark, random_search
    bench = Benchmark.default()
    r = random_search(bench, 20, seed=3)
    row = next(x for x in rows if (x["method"], x["budget"], x["seed"]) ==
               ("random_search", "20", "3"))
    assert row["cell"] == str(r.best[0]) and int(row["rank"]) == bench.rank(r.best[0])
    assert float(row["test_acc"]) == bench.lookup(r.best[0], test=True)
    assert "plotly" in plot.read_text()
    before = out.read_bytes()
    again = nasdemo(*args)
    assert again.returncode == 2 and "exists; refusing to overwrite it" in again.stderr
    assert out.read_bytes() == before
    # --force overwrites; two processes give the serial table and runs.
    pooled = nasdemo(*args, "--force", "--workers", 2)
    assert pooled.returncode == 0, pooled.stderr
    assert pooled.stdout == p.stdout and out.read_bytes() == before


def test_scheduler_without_dask_says_how_to_install_it(tmp_path):
    fake = tmp_path / "distributed"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    p = nasdemo("compare", "--runs", 2, "--budget", 5, "--scheduler", "tcp://127.0.0.1:9",
                env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"})
    assert p.returncode == 2
    assert 'pip install "nasdemo[cluster]"' in p.stderr and "Traceback" not in p.stderr


def test_figures_writes_html_and_png_and_keeps_out_of_other_folders(tmp_path):
    out = tmp_path / "figs"
    p = nasdemo("figures", "--out", out, "--only", "amoebanet_figure3", "--fast")
    assert p.returncode == 0, p.stderr
    marker = json.loads((out / ".nasdemo-figures.json").read_text())
    assert set(marker["figures"]) == {"amoebanet_figure3"}
    png = (out / "amoebanet_figure3.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert "amoebanet_figure3.png" in (out / "amoebanet_figure3.html").read_text()
    # A folder the command did not write is refused; its own is rewritten.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused = nasdemo("figures", "--out", mine, "--only", "amoebanet_figure3", "--fast")
    assert refused.returncode == 2 and "refusing to write into it" in refused.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_build_table_is_the_builder(tmp_path):
    runs = tmp_path / "runs.jsonl"
    p = nasdemo("build-table", "--partial", runs, "--limit", 2, "--seeds", 1, "--pilot", 0,
                "--workers", 1, "--epochs", 1, "--channels", 2, "--population", 2)
    assert p.returncode == 0, p.stderr
    assert "2/2 runs" in p.stdout
    assert len(runs.read_text().splitlines()) == 2


def _tiny_figures(monkeypatch):
    """The registry with one cheap plotly figure in it, for the writer's own tests."""
    import plotly.graph_objects as go

    from nasdemo import figures

    monkeypatch.setattr(figures, "FIGURES", {"tiny": lambda: go.Figure(go.Scatter(y=[1, 3, 2]))})
    return figures


def test_without_kaleido_plotly_figures_are_html_and_the_command_says_why(tmp_path,
                                                                          monkeypatch):
    figures = _tiny_figures(monkeypatch)
    monkeypatch.setitem(sys.modules, "kaleido", None)  # import kaleido now raises ImportError
    done = figures.write_figures(tmp_path / "f", log=lambda m: None)
    assert 'pip install "nasdemo[figures]"' in done["png_skipped"]
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        ".nasdemo-figures.json", "plotly.min.js", "tiny.html"]
    assert 'src="plotly.min.js"' in (tmp_path / "f" / "tiny.html").read_text()


def test_with_kaleido_plotly_figures_get_a_png_too(tmp_path, monkeypatch):
    pytest.importorskip("kaleido", reason='PNG of plotly figures: pip install "nasdemo[figures]"')
    figures = _tiny_figures(monkeypatch)
    done = figures.write_figures(tmp_path / "f", log=lambda m: None)
    assert done["png_skipped"] is None
    assert (tmp_path / "f" / "tiny.png").read_bytes().startswith(b"\x89PNG")


def test_methods_all_names_every_registered_method():
    from nasdemo.commands.common import method_names

    assert method_names()("all") == list(METHODS)
    assert method_names()("nao, cmaes") == ["nao", "cmaes"]
