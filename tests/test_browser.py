"""What a student sees: every notebook run in JupyterLab in headless Chromium.

The checks are ``tools/widget_check.py``'s (see its docstring): the browser's trace data
against the kernel's for every plotly figure, at the first step and after each slider move;
figures that fit the notebook's width; readable matplotlib text; sliders, the cell designer
and the interact button answering; no error output, console error or kernel traceback.

Needs Debian's Chromium (``apt-get install chromium``) and ``pip install playwright``;
skipped with the reason when either is missing (``.ci/run`` installs both). A failed notebook
leaves a full-page screenshot, its console log and the check list in ``browser-artifacts/``.

    python -m pytest tests/test_browser.py               # every notebook, about 5 minutes
    python -m pytest tests/test_browser.py -k 06         # one notebook
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "browser-artifacts"

sys.path.insert(0, str(ROOT / "tools"))
import widget_check  # noqa: E402  (imports playwright only when it drives a browser)

_missing = [what for what, there in (
    ("playwright (pip install playwright)", importlib.util.find_spec("playwright") is not None),
    ("Chromium (apt-get install chromium)", os.path.exists(widget_check.CHROMIUM)),
) if not there]
pytestmark = pytest.mark.skipif(bool(_missing), reason=f"browser checks need {', '.join(_missing)}")


@pytest.fixture(scope="module")
def lab_browser():
    with widget_check.lab_and_browser() as lab_and_browser:
        yield lab_and_browser


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_in_the_browser(lab_browser, name):
    lab, browser = lab_browser
    checks = widget_check.check_notebook(lab, browser, name, ARTIFACTS)
    failed = [text for text, ok in checks if not ok]
    assert not failed, (f"{len(failed)} of {len(checks)} browser checks failed on {name} "
                        f"(screenshot and console log in {ARTIFACTS}):\n" + "\n".join(failed))


def test_the_check_compares_data_not_titles():
    """The comparison behind the browser checks: x lost in the front end is a difference,
    base64 arrays (plotly's JSON for numpy data) equal their values, NaN equals null."""
    wc = widget_check

    kernel = [{"x": [0.0, 0.5, 1.0], "y": [1, 2, 3], "marker": {"color": "red"}}]
    assert wc.trace_differences([{"x": [0.0, 0.5, 1.0], "y": [1, 2, 3], "marker.color": "red"}],
                                kernel) == []
    lost = wc.trace_differences([{"y": [1, 2, 3], "marker.color": "red"}], kernel)
    assert lost and "trace 0 x" in lost[0]
    b64 = {"dtype": "f8", "bdata": "AAAAAAAAAAAAAAAAAADgPwAAAAAAAPA/"}  # [0, 0.5, 1]
    assert wc.trace_differences([{"x": b64, "y": [1, 2, 3], "marker.color": "red"}], kernel) == []
    assert wc.same([float("nan"), 1.0], [None, 1.0 + 1e-12])
    assert not wc.same([1.0, 2.0], [1.0, 2.1])
    assert wc.trace_differences([{}], []) == ["1 traces in the browser, 0 in the kernel"]
