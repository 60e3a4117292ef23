"""Drive the notebooks' widgets in a real browser: JupyterLab in headless Chromium.

nbval runs every notebook, but a kernel alone cannot tell whether a slider still moves its
figure: a widget callback that raises is only logged by the front end. This script starts
JupyterLab on a copy of ``notebooks/``, opens each notebook, runs all cells (fast mode), then
for every figure that has a step slider presses Home and End on it and checks that the
figure's title follows, presses play, and works notebook 05's cell designer and notebook
06's interact button. It prints one line per check and exits 1 if any failed.

Not part of the test suite: it needs Chromium and Playwright, which the lecture does not.

    apt-get install chromium          # Debian's; Playwright's own browser download is not used
    pip install playwright
    python tools/widget_check.py [NOTEBOOK_NAME ...]      # default: all notebooks
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


PORT = _free_port()  # our own server, never one already running
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags that keep headless Chromium off the network and quiet.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TITLES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(gd => (gd.querySelector('.gtitle') || {}).textContent || '')"""


def start_lab(workdir: Path) -> subprocess.Popen:
    """JupyterLab on ``workdir`` without a token; notebooks render every cell (no windowing,
    so the checks see every figure) and no news pop-up covers them."""
    settings = workdir / ".settings"
    for ext, body in (("notebook-extension/tracker", {"windowingMode": "none"}),
                      ("apputils-extension/notification", {"fetchNews": "false"})):
        f = settings / "@jupyterlab" / f"{ext}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(body))
    env = {**os.environ, "NASDEMO_FAST": "1", "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={PORT}", "--allow-root",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={workdir}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        if proc.poll() is not None:
            raise SystemExit(f"JupyterLab exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://localhost:{PORT}/api/status")
            return proc
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("JupyterLab did not start")


def run_all(page: Page, name: str, timeout: float = 600) -> float:
    """Open ``name`` in a fresh workspace, run all cells, wait until none is running."""
    page.goto(f"http://localhost:{PORT}/lab/workspaces/w{time.time_ns()}/tree/{name}?reset")
    try:  # a notebook without kernel metadata asks which kernel: the default
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=15_000)
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=120_000)
    page.click("text=Run")
    page.click("text=Run All Cells")
    t0 = time.time()
    while time.time() - t0 < timeout:  # done when every code cell has an execution count
        if page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                                .every(e => /\\[\\d+\\]/.test(e.textContent))"""):
            return time.time() - t0
        time.sleep(2)
    raise TimeoutError(f"{name} still running after {timeout} s")


def check_sliders(page: Page) -> list[tuple[str, bool]]:
    """Home, then End, on every step slider: the figure next to it must be retitled."""
    results = []
    plots = page.locator(".js-plotly-plot")
    for i in range(plots.count()):
        box = plots.nth(i).locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
        if box.count() == 0 or box.locator(".noUi-handle").count() == 0:
            continue
        handle = box.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("Home")
        time.sleep(2)
        first = page.evaluate(TITLES_JS)[i]
        page.keyboard.press("End")
        time.sleep(2)
        last = page.evaluate(TITLES_JS)[i]
        results.append((f"slider {i}: {first[:50]!r} -> {last[:50]!r}", first != last))
    return results


def check_cell_designer(page: Page) -> list[tuple[str, bool]]:
    """Notebook 05: changing an edge's op retitles the cell with its accuracy and rank."""
    selects = page.locator(".widget-dropdown select")
    before = page.evaluate(TITLES_JS)[-1]
    selects.nth(0).select_option("none")
    time.sleep(3)
    after = page.evaluate(TITLES_JS)[-1]
    return [(f"cell designer: {before!r} -> {after!r}", before != after and "rank" in after)]


def check_interact(page: Page) -> list[tuple[str, bool]]:
    """Notebook 06: 'Run Interact' prints evolution against random search."""
    page.locator("button:has-text('Run Interact')").first.click()
    text = ""
    for _ in range(120):
        time.sleep(1)
        text = page.locator(".widget-interact").first.text_content() or ""
        if "random search" in text:
            break
    return [(f"interact: {text[-90:]!r}", "random search" in text)]


EXTRA = {"05_search_space_and_benchmark": check_cell_designer,
         "06_aging_evolution": check_interact}


def main(names: list[str]) -> int:
    names = names or sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for nb in (ROOT / "notebooks").glob("*.ipynb"):
            shutil.copy(nb, work)
        lab = start_lab(work)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name in names:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    errors: list[str] = []
                    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                            else None)
                    seconds = run_all(page, f"{name}.ipynb")
                    checks = [(f"ran in {seconds:.0f} s, no error output",
                               page.locator("[data-mime-type='application/vnd.jupyter.stderr'],"
                                            "[data-mime-type='application/vnd.jupyter.error']")
                               .count() == 0)]
                    checks += check_sliders(page)
                    if name in EXTRA:
                        checks += EXTRA[name](page)
                    checks.append((f"browser console errors: {errors[:3]}", not errors))
                    for text, ok in checks:
                        print(f"{'ok  ' if ok else 'FAIL'} {name}: {text}", flush=True)
                        failed += not ok
                    page.close()
                    for k in json.load(urllib.request.urlopen(
                            f"http://localhost:{PORT}/api/kernels")):
                        urllib.request.urlopen(urllib.request.Request(
                            f"http://localhost:{PORT}/api/kernels/{k['id']}", method="DELETE"))
                browser.close()
        finally:
            lab.terminate()
            lab.wait(30)
    print(f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
