"""`toolenv view` in a real browser: headless Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs when missing) driven by Playwright with ``executable_path`` (no browser
download). The view of a ``--smoke`` training run: every page loads from ``file://`` without a
console error or a failed request, the filters change the visible episodes, the run page reaches a
failed episode and its search tree in clicks, two stages compare side by side; hostile model output
is shown as text. Screenshots go to the test's temp folder, and to ``$TOOLENV_VIEW_SCREENSHOTS``
when set (how docs/images/viewer-*.png are made: docs/viewer.md).

``TOOLENV_VIEW_RUN=DIR`` reuses an existing run directory instead of running the pipeline;
``TOOLENV_CHROMIUM=PATH`` names the browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # hang guard per browser action, not a speed assertion


def chromium() -> str | None:
    given = os.environ.get("TOOLENV_CHROMIUM")
    if given:
        return given
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the test extra)")
    exe = chromium()
    if exe is None:
        pytest.skip("no chromium: `.ci/run` installs Debian's package (apt-get install chromium); "
                    "it could not be installed here")
    pw = sync_api.sync_playwright().start()
    try:
        # a fresh profile per launch: Playwright makes one (it refuses --user-data-dir here)
        b = pw.chromium.launch(executable_path=exe, args=FLAGS, timeout=TIMEOUT_MS)
    except Exception:
        pw.stop()
        raise
    yield b
    b.close()
    pw.stop()


class Page:
    """A browser page that records console errors, page errors and failed requests."""

    def __init__(self, browser, shots: Path):
        self.page = browser.new_page(viewport={"width": 1180, "height": 760})
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.shots = shots

    def open(self, url: str, page: str) -> None:
        self.page.goto(url)
        self.wait(page)

    def wait(self, page: str) -> None:
        self.page.wait_for_selector(f'#main[data-page="{page}"]')

    def count(self) -> tuple[int, int]:
        shown, _, total = self.page.inner_text("#episode-count").split()[:3]
        return int(shown), int(total)

    def shot(self, name: str, full: bool = False) -> None:
        path = self.shots / f"viewer-{name}.png"
        self.page.screenshot(path=str(path), full_page=full)
        docs = os.environ.get("TOOLENV_VIEW_SCREENSHOTS")
        if docs:  # commit-sized copies for the docs (a 64-colour palette)
            from PIL import Image

            Path(docs).mkdir(parents=True, exist_ok=True)
            Image.open(path).convert("RGB").quantize(colors=64).save(Path(docs) / path.name, optimize=True)


@pytest.fixture(scope="module")
def run_view(tmp_path_factory) -> Path:
    """The index.html of a smoke run's view, as the pipeline wrote it at the end of the run."""
    given = os.environ.get("TOOLENV_VIEW_RUN")
    if given:
        from toolenv.view import build_view

        return build_view(given)
    pytest.importorskip("trl")
    run = tmp_path_factory.mktemp("view-run") / "smoke"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, "-m", "training.itool", "--config", str(ROOT / "configs" / "tiny.yaml"),
                           "--smoke", "--output-dir", str(run)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    index = run / "view" / "index.html"
    assert proc.stdout.strip().splitlines()[-1].endswith(f"view: {index}")  # the run ends by naming its view
    return index


def test_view_of_a_smoke_run(browser, run_view, tmp_path):
    p = Page(browser, tmp_path)
    url = run_view.as_uri()
    data = json.loads((run_view.parent / "data.js").read_text()[len("window.TOOLENV_VIEW = "):].rstrip().rstrip(";"))
    assert data["trees"] and data["pairs"] and data["episodes"], "the smoke run wrote no trees, pairs or episodes"

    # every page loads
    p.open(url, "run")
    assert p.page.locator("section#success svg.chart rect").count() > 0
    assert "within noise" in p.page.inner_text(".noise-line")
    assert p.page.locator("#deficiencies td a").count() > 0 and p.page.locator("#config pre").count() == 1
    p.shot("run")
    for page in ("episodes", "trees", "pairs"):
        p.page.click(f"#nav-{page}")
        p.wait(page)
    p.shot("pairs")

    # filters change the visible episodes
    p.open(url + "#/episodes", "episodes")
    shown, total = p.count()
    assert shown == total == len(data["episodes"]) and p.page.locator("tr.episode-row").count() == min(total, 50)
    p.page.select_option("#filter-outcome", "failed")
    p.page.wait_for_function("location.hash.includes('outcome=failed')")
    failed, _ = p.count()
    assert 0 < failed < total
    outcomes = p.page.eval_on_selector_all("tr.episode-row", "rows => rows.map(r => r.dataset.outcome)")
    assert outcomes and set(outcomes) == {"failed"}
    p.page.select_option("#filter-stage", "round-1/deficiency")
    p.page.wait_for_function("location.hash.includes('stage=round-1')")
    in_stage, _ = p.count()
    assert 0 < in_stage <= failed
    assert set(p.page.eval_on_selector_all("tr.episode-row td:first-child", "tds => tds.map(t => t.textContent)")) \
        == {"round-1/deficiency"}
    p.page.select_option("#filter-def", index=1)
    p.page.wait_for_function("location.hash.includes('def=')")
    assert p.count()[0] <= in_stage
    p.page.click("text=clear filters")
    p.page.wait_for_function("!location.hash.includes('outcome')")
    assert p.count() == (total, total)
    p.page.select_option("#filter-outcome", "failed")
    p.page.wait_for_function("location.hash.includes('outcome=failed')")
    p.shot("episodes")

    # run page -> a failed episode -> its search tree (-> a node of it)
    p.open(url, "run")
    p.page.click("a.failed-episode-link >> nth=0")  # click 1
    p.wait("episode")
    assert p.page.locator(".ep-head .badge.bad", has_text="failed").count() == 1
    assert p.page.locator(".step").count() >= 1 and p.page.locator("pre.expected").count() >= 1
    p.shot("episode")
    p.page.click("a.tree-link >> nth=0")  # click 2
    p.wait("tree")
    tree_id = p.page.evaluate("decodeURIComponent(location.hash.split('/')[2].split('?')[0])")
    tree = next(t for t in data["trees"] if f"{t['round']}|{t['task_id']}" == tree_id)
    assert p.page.locator("#tree .node").count() == len(tree["nodes"]) > 1  # every node drawn
    assert p.page.locator("#tree .node.chosen, #tree .node.rejected, #tree .node.pair").count() > 0  # the pairs' nodes
    p.page.click("#tree .node >> nth=1")  # click 3: a node's text, values and leaf replay
    p.page.wait_for_selector("#node-detail")
    assert "Leaf replay" in p.page.inner_text("#node-detail")
    p.shot("tree")
    # a pair of the dataset links back to the node that produced it
    p.page.click("#nav-pairs")
    p.wait("pairs")
    p.page.click(".pair-card a >> nth=0")
    p.wait("tree")
    p.page.wait_for_selector(".node.selected")

    # two stages on the same task, side by side
    p.open(url + "#/episodes?stage=sft&set=test", "episodes")
    p.page.click("tr.episode-row a >> nth=0")
    p.wait("episode")
    p.page.select_option("#compare", index=1)
    p.page.wait_for_selector("#compare-view")
    assert p.page.locator("#compare-view .conversation").count() == 2
    p.shot("compare")
    assert p.errors == []


def test_hostile_output_is_shown_as_text_from_file_and_server(browser, tmp_path):
    evil = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"><b>bold?</b>'
    row = {"task_id": "t<i>1</i>", "category": "simple", "success": False, "return": -1.0, "steps": 1,
           "deficiencies": ["format:unparseable"], "stage": "agent<script>", "set": "tasks",
           "trace": {"tools": [{"type": "function", "function": {"name": evil, "description": evil, "parameters": {}}}],
                     "prompt": [{"role": "user", "content": evil}],
                     "steps": [{"action": evil, "calls": [{"name": evil, "arguments": {"x": evil}}],
                                "responses": [{"role": "tool", "name": evil, "content": evil}], "reward": -1.0,
                                "deficiencies": [evil], "expected": evil}],
                     "ground_truth": [{"user": evil, "steps": [[{"name": evil, "arguments": {}}]], "answer": evil}]}}
    traj = tmp_path / "evil.jsonl"
    traj.write_text(json.dumps(row) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "toolenv.cli", "view", str(traj), "--serve", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        for line in proc.stdout:  # "view written to ...", then "serving ... at http://127.0.0.1:PORT/index.html"
            if " at http://127.0.0.1:" in line:
                url = line.split(" at ", 1)[1].split()[0]
                break
        assert url, "toolenv view --serve did not start"
        index = tmp_path / "evil-view" / "index.html"
        for base in (index.as_uri(), url):
            p = Page(browser, tmp_path)
            p.open(base + "#/episodes", "episodes")
            assert p.count() == (1, 1)
            p.page.click("tr.episode-row a")
            p.wait("episode")
            p.page.click("details.tools summary")
            text = p.page.inner_text("#main")
            assert text.count(evil) >= 5  # the raw text, on screen
            assert p.page.evaluate("window.__pwned") is None
            assert p.page.locator("#main img, #main script").count() == 0  # no element made from the text
            assert not p.page.evaluate("[...document.querySelectorAll('#main b')].some(b => b.textContent === 'bold?')")
            p.open(base + "#/run", "run")
            assert p.errors == []
    finally:
        proc.terminate()
        proc.wait(timeout=30)
