"""benchmarks/showdown.py driven as a user would (subprocess): a tiny run and its errors."""

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "showdown.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_a_small_showdown_prints_the_ranking(tmp_path):
    out = tmp_path / "rows.csv"
    r = _run("--runs", "2", "--budget", "12", "--methods", "random_search,cmaes",
             "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "2 methods x 2 runs x 12 queries" in r.stdout
    ranked = re.findall(r"^ ?\d (\w+) +2 +\d+\.\d\d ±", r.stdout, re.M)
    assert sorted(ranked) == ["cmaes", "random_search"]
    rows = list(csv.DictReader(out.open()))
    assert {row["method"] for row in rows} == {"cmaes", "random_search"}
    assert all(float(row["queries"]) == 12 for row in rows)


def test_bad_arguments_get_clear_errors():
    r = _run("--methods", "random_search,nope")
    assert r.returncode == 2 and "unknown search method 'nope'" in r.stderr
    r = _run("--runs", "0")
    assert r.returncode == 2 and "--runs and --budget must be positive" in r.stderr
    r = _run("--methods", "cmaes,cmaes")
    assert r.returncode == 2 and "twice" in r.stderr
