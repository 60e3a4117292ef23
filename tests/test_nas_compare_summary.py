"""Comparison.summary / ranking / mean_ci: the showdown's ranking table (nasdemo/nas/compare.py)."""

from functools import partial

import numpy as np
import pytest

from nasdemo.nas import (Benchmark, Cell, Comparison, SearchResult, aging_evolution, compare,
                         random_search)
from nasdemo.nas.compare import mean_ci, ranking_text, record_rows

SCORE = {"none": 0.0, "skip_connect": 1.0, "nor_conv_1x1": 2.0, "nor_conv_3x3": 3.0,
         "avg_pool_3x3": 0.5}


def _table(with_test: bool = True) -> Benchmark:
    cells = Cell.all()
    rng = np.random.default_rng(1)
    val = [(10.0 if c.is_disconnected else 40.0 + 3.0 * sum(SCORE[c.op(i, j)]
                                                            for i, j in c.live_edges()))
           + rng.standard_normal() for c in cells]
    test = [v + 0.3 * rng.standard_normal() for v in val] if with_test else None
    secs = [1.0 + (c.index % 7) for c in cells]
    return Benchmark(cells, val, test=test, seconds=secs, name="synthetic")


@pytest.fixture(scope="module")
def bench() -> Benchmark:
    return _table()


def _worst(bench: Benchmark, budget: int, seed: int = 0) -> SearchResult:
    """A 'search' that queries the same poor cell every time (no random search beats it
    being worse)."""
    bench.reset()
    cell = Cell.from_index(0)  # all 'none': disconnected
    return SearchResult("worst", [(cell, bench.query(cell)) for _ in range(budget)], seed,
                        bench.seconds)


def test_summary_rows_hold_what_the_showdown_needs(bench):
    comp = compare(bench, {"random_search": random_search,
                           "evolution": partial(aging_evolution, population_size=5),
                           "worst": _worst}, 40, seeds=12)
    rows = comp.summary(bench)
    assert [r["place"] for r in rows] == [1, 2, 3]
    assert rows[-1]["method"] == "worst"
    by = {r["method"]: r for r in rows}
    for name, r in by.items():
        acc = comp.test[name]
        ranks = [bench.rank(run.best[0]) for run in comp.runs[name]]
        assert r["runs"] == 12 and r["metric"] == "test" and r["queries"] == 40
        assert r["acc_mean"] == pytest.approx(acc.mean())
        assert r["acc_sd"] == pytest.approx(acc.std(ddof=1))
        assert r["rank_mean"] == pytest.approx(np.mean(ranks))
        assert r["rank_median"] == pytest.approx(np.median(ranks))
        assert r["acc_lo"] <= r["acc_mean"] <= r["acc_hi"]
        assert r["rank_lo"] <= r["rank_mean"] <= r["rank_hi"]
        assert r["rank_lo"] >= 1
        secs = [run.seconds for run in comp.runs[name]]
        assert r["seconds_mean"] == pytest.approx(np.mean(secs))
    assert by["random_search"]["p"] is None
    assert by["worst"]["p"] > 0.99  # never more accurate than random search
    assert by["worst"]["acc_sd"] < 1e-12 and by["worst"]["acc_lo"] == by["worst"]["acc_hi"]
    text = comp.ranking(bench)
    assert "random_search" in text and "evolution" in text and "95% CI" in text
    assert text.splitlines()[1].split()[1] == rows[0]["method"]


def test_a_clearly_better_method_gets_a_small_p(bench):
    def best_cell(b, budget, seed=0):
        b.reset()
        cell = b.best()[0]
        return SearchResult("oracle", [(cell, b.query(cell))] * budget, seed, b.seconds)

    comp = compare(bench, {"random_search": random_search, "oracle": best_cell}, 10, seeds=15)
    row = {r["method"]: r for r in comp.summary(bench)}["oracle"]
    assert row["p"] < 1e-4 and row["rank_mean"] == 1 and row["place"] == 1


def test_without_test_accuracies_the_summary_ranks_validation():
    b = _table(with_test=False)
    comp = compare(b, {"random_search": random_search}, 20, seeds=3)
    (row,) = comp.summary(b, baseline=None)
    assert row["metric"] == "val" and row["p"] is None
    assert row["acc_mean"] == pytest.approx(comp.final("random_search").mean())
    assert "val acc" in comp.ranking(b, baseline=None)


def test_summary_checks_its_level(bench):
    comp = compare(bench, {"random_search": random_search}, 5, seeds=2)
    with pytest.raises(ValueError, match="level"):
        comp.summary(bench, level=1.5)


def test_mean_ci_is_a_bootstrap_interval_within_the_data():
    x = np.array([1.0] * 90 + [500.0] * 10)  # skewed, like ranks
    lo, hi = mean_ci(x)
    assert 1.0 <= lo < x.mean() < hi <= 500.0
    assert mean_ci(x) == (lo, hi)  # deterministic
    lo90, hi90 = mean_ci(x, 0.9)
    assert lo <= lo90 and hi90 <= hi
    assert mean_ci([3.0]) == (3.0, 3.0) and mean_ci([2.0, 2.0]) == (2.0, 2.0)
    normal = np.random.default_rng(0).normal(10.0, 2.0, 400)
    lo, hi = mean_ci(normal)
    half = 1.96 * normal.std(ddof=1) / np.sqrt(400)
    assert lo == pytest.approx(normal.mean() - half, abs=0.05)
    assert hi == pytest.approx(normal.mean() + half, abs=0.05)
    with pytest.raises(ValueError, match="1-D sample"):
        mean_ci([])
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=0)


def test_incumbent_and_elapsed_follow_each_run(bench):
    comp = compare(bench, {"random_search": random_search}, 30, seeds=4)
    inc, ela = comp.incumbent("random_search", bench), comp.elapsed("random_search", bench)
    assert inc.shape == ela.shape == (4, 30)
    for k, run in enumerate(comp.runs["random_search"]):
        for t in (0, 9, 29):
            seen = run.history[:t + 1]
            best = max(range(t + 1), key=lambda i: (seen[i][1], -i))  # first on ties
            assert inc[k, t] == bench.lookup(seen[best][0], test=True)
            assert ela[k, t] == pytest.approx(sum(bench.training_seconds(c) for c, _ in seen))
        assert inc[k, -1] == comp.test["random_search"][k]
        assert ela[k, -1] == pytest.approx(run.seconds)


def test_record_rows_judge_recorded_searches_on_the_table(bench):
    cells = [Cell.from_index(i) for i in (100, 2000, 9000)]
    records = [{"method": "DARTS", "cell": str(c), "wall_s": 10.0 * (k + 1)}
               for k, c in enumerate(cells)] + \
              [{"method": "other", "cell": str(bench.best()[0]), "wall_s": 5.0}]
    rows = {r["method"]: r for r in record_rows(records, bench, baseline=np.array([0.0, 1.0]))}
    d = rows["DARTS"]
    assert d["runs"] == 3 and d["seconds_mean"] == pytest.approx(20.0)
    assert d["acc_mean"] == pytest.approx(np.mean([bench.lookup(c, test=True) for c in cells]))
    assert d["rank_mean"] == pytest.approx(np.mean([bench.rank(c) for c in cells]))
    assert np.isnan(d["queries"]) and d["p"] < 0.2
    assert rows["other"]["rank_mean"] == 1
    text = ranking_text([rows["other"], d])
    assert text.splitlines()[1].split()[:2] == ["1", "other"]
    with pytest.raises(ValueError, match="lacks"):
        record_rows([{"method": "x", "cell": str(cells[0])}], bench)
    with pytest.raises(ValueError):
        record_rows([{"method": "x", "cell": "|bad|", "wall_s": 1.0}], bench)


def test_combine_joins_comparisons_of_one_table(bench):
    a = compare(bench, {"random_search": random_search}, 10, seeds=2)
    b = compare(bench, {"evolution": partial(aging_evolution, population_size=5)}, 10, seeds=2)
    both = Comparison.combine([a, b])
    assert list(both.runs) == ["random_search", "evolution"]
    assert both.curves["evolution"] is b.curves["evolution"] and both.optimum == a.optimum
    with pytest.raises(ValueError, match="more than one part"):
        Comparison.combine([a, a])
    other = compare(_table(with_test=False), {"x": random_search}, 10, seeds=1)
    other.optimum += 1.0
    with pytest.raises(ValueError, match="different tables"):
        Comparison.combine([a, other])
    with pytest.raises(ValueError, match="at least one"):
        Comparison.combine([])
