"""Drive the notebooks' widgets in a real browser: JupyterLab in headless Chromium.

nbval runs every notebook, but a kernel alone cannot tell whether a slider still moves its
figure: a widget callback that raises is only logged by the front end. This script starts
JupyterLab on a copy of ``notebooks/`` (fast mode, widgets forced on), opens each notebook and
runs all cells, then checks that:

- every code cell ran, and no cell printed an error or a traceback;
- there are as many step sliders as the notebook has ``step_through(`` calls;
- each slider's figure is retitled by Home and End, and shows its first title again when
  the slider is moved back to where it started (a callback reading a global that a later
  cell rebound shows another figure's titles, or raises and freezes the figure);
- notebook 05's cell designer and notebook 06's interact button answer;
- neither the browser console nor the kernel (the server's log) reported an error.

It prints one line per check and exits 1 if any failed.

Not part of the test suite: it needs Chromium and Playwright, which the lecture does not.

    apt-get install chromium          # Debian's; Playwright's own browser download is not used
    pip install playwright
    python tools/widget_check.py [NOTEBOOK_NAME ...]      # default: all notebooks
"""

from __future__ import annotations

import json
import os
import re
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


def start_lab(workdir: Path, log: Path) -> subprocess.Popen:
    """JupyterLab on ``workdir`` without a token, its output (kernels' included) in ``log``;
    notebooks render every cell (no windowing, so the checks see every figure) and no news
    pop-up covers them."""
    settings = workdir / ".settings"
    for ext, body in (("notebook-extension/tracker", {"windowingMode": "none"}),
                      ("apputils-extension/notification", {"fetchNews": "false"})):
        f = settings / "@jupyterlab" / f"{ext}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(body))
    env = {**os.environ, "NASDEMO_FAST": "1", "NASDEMO_VIZ": "widget",
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={PORT}", "--allow-root",
             "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
             f"--ServerApp.root_dir={workdir}"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(60):
        if proc.poll() is not None:
            raise SystemExit(f"JupyterLab exited with code {proc.returncode}: see {log}")
        try:
            urllib.request.urlopen(f"http://localhost:{PORT}/api/status")
            return proc
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("JupyterLab did not start")


def code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


def run_all(page: Page, name: str, n_code: int, timeout: float = 600) -> tuple[str, bool]:
    """Open ``name`` in a fresh workspace and run all cells; done when all ``n_code`` code
    cells have an execution count, failed when nothing runs any more but some have none."""
    page.goto(f"http://localhost:{PORT}/lab/workspaces/w{time.time_ns()}/tree/{name}?reset")
    try:  # a fresh workspace may ask which kernel to start: the notebook's own
        page.locator(".jp-Dialog .jp-mod-accept").click(timeout=15_000)
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    t0 = time.time()
    idle_since = None
    while time.time() - t0 < timeout:
        time.sleep(2)
        prompts = page.evaluate("""() => [...document.querySelectorAll(
            '.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent)""")
        done = sum(bool(re.search(r"\[\d+\]", p)) for p in prompts)
        if len(prompts) == n_code and done == n_code:
            return f"all {n_code} code cells ran in {time.time() - t0:.0f} s", True
        if any("*" in p for p in prompts):
            idle_since = None
        elif idle_since is None:
            idle_since = time.time()
        elif time.time() - idle_since > 10:  # Run All stopped at an error
            return f"only {done} of {n_code} code cells ran", False
    return f"{done} of {n_code} code cells ran in {timeout:.0f} s", False


def error_outputs(page: Page) -> int:
    return page.locator("[data-mime-type='application/vnd.jupyter.stderr'],"
                        "[data-mime-type='application/vnd.jupyter.error']").count()


def check_sliders(page: Page, expected: int) -> list[tuple[str, bool]]:
    """Every step slider: Home and End retitle its figure, and back where it started the
    figure shows the title it was drawn with (computed when its cell ran)."""
    first_titles = page.evaluate(TITLES_JS)
    plots = page.locator(".js-plotly-plot")
    results, found = [], 0
    for i in range(plots.count()):
        box = plots.nth(i).locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
        if box.count() == 0 or box.locator(".noUi-handle").count() == 0:
            continue
        found += 1
        handle = box.locator(".noUi-handle").first
        start = round(float(handle.get_attribute("aria-valuenow")))
        handle.scroll_into_view_if_needed()
        handle.focus()
        titles = []
        for keys in (["Home"], ["End"], ["Home"] + ["ArrowRight"] * start):
            for key in keys:
                page.keyboard.press(key)
            time.sleep(2)
            titles.append(page.evaluate(TITLES_JS)[i])
        ok = titles[0] != titles[1] and titles[2] == first_titles[i]
        results.append((f"slider {i}: {titles[0][:40]!r} -> {titles[1][:40]!r}, back at step "
                        f"{start}: {titles[2][:40]!r}", ok))
    results.append((f"{found} step sliders for {expected} step_through calls", found == expected))
    return results


def check_cell_designer(page: Page) -> list[tuple[str, bool]]:
    """Notebook 05: changing an edge's op retitles the cell with its accuracy and rank."""
    before = page.evaluate(TITLES_JS)[-1]
    page.locator(".widget-dropdown select").nth(0).select_option("none")
    time.sleep(3)
    after = page.evaluate(TITLES_JS)[-1]
    return [(f"cell designer: {before!r} -> {after!r}", before != after and "rank" in after)]


def check_interact(page: Page) -> list[tuple[str, bool]]:
    """Notebook 06: 'Run Interact' prints evolution against random search."""
    page.locator("button:has-text('Run Interact')").first.click()
    answer = re.compile(r"evolution \d+\.\d+ % vs random search \d+\.\d+ %")
    text = ""
    for _ in range(120):
        time.sleep(1)
        text = page.locator(".widget-interact").first.text_content() or ""
        if answer.search(text) or "Traceback" in text:
            break
    return [(f"interact: {text[-90:]!r}", bool(answer.search(text)) and "Traceback" not in text)]


EXTRA = {"05_search_space_and_benchmark": check_cell_designer,
         "06_aging_evolution": check_interact}


def check_notebook(page: Page, path: Path, log: Path) -> list[tuple[str, bool]]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_start = log.stat().st_size
    cells = code_cells(path)
    checks = [run_all(page, path.name, len(cells))]
    checks += check_sliders(page, sum(c.count("step_through(") for c in cells))
    if path.stem in EXTRA:
        checks += EXTRA[path.stem](page)
    checks.append((f"{error_outputs(page)} error outputs", error_outputs(page) == 0))
    with open(log, errors="replace") as f:
        f.seek(log_start)
        kernel_log = f.read()
    tb = kernel_log.find("Traceback")
    checks.append(("kernel log: " + (repr(kernel_log[tb:tb + 200]) if tb >= 0 else "no traceback"),
                   tb < 0))
    checks.append((f"browser console errors: {errors[:3]}", not errors))
    return checks


def main(names: list[str]) -> int:
    available = {p.stem: p for p in (ROOT / "notebooks").glob("*.ipynb")}
    unknown = [n for n in names if n not in available]
    if unknown:
        raise SystemExit(f"no notebook {unknown}; there are {sorted(available)}")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work, log = Path(tmp), Path(tmp) / "lab.log"
        for nb in available.values():
            shutil.copy(nb, work)
        lab = start_lab(work, log)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for name in names or sorted(available):
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    for text, ok in check_notebook(page, work / f"{name}.ipynb", log):
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
