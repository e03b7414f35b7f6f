"""The pages in a real browser (Playwright driving Debian's chromium): the runs page, a run, a
task's log, a running task's state changing, and the report opened offline.

CI installs chromium (`apt-get install chromium`); the test extra brings Playwright. Without a
browser these tests skip with one line.
"""

import shutil
import socket
import threading
import time

import pytest
from ui_store import job_log, pipeline_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None
if sync_playwright is None or CHROMIUM is None:
    pytest.skip(
        "no browser: apt-get install chromium; pip install -e '.[ui,browser-tests]'",
        allow_module_level=True,
    )
pytest.importorskip("uvicorn", reason="the [ui] extra is not installed")

pytestmark = pytest.mark.slow
WAIT_MS = 20_000  # an upper bound for a page to catch up on a loaded machine, not a speed goal


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def served(root):
    """``domino-flows ui``'s app on a free local port, in a thread of this process."""
    import uvicorn

    from domino_flows.ui.app import create_app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    app = create_app(root / ".domino-flows" / "runs.sqlite", refresh_ms=200)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def test_runs_a_run_a_task_log_and_a_state_that_changes(served, root, page):
    pipeline_run(root, "r0")
    store = pipeline_run(root, "r1", running=True)
    page.goto(served)
    expect(page.locator("table.runs tbody tr")).to_have_count(2)
    page.click('a[href="run?id=r1"]')
    expect(page.locator("#run-state")).to_have_text("Running")
    train = page.locator('svg.dag g.node[data-node="n1"]')
    expect(train).to_have_class("node running")
    train.click()
    log = page.locator("#panel pre.log")
    expect(log).to_contain_text("pipeline.train says hello")
    job_log(root, "r1/pipeline.train/1", "pipeline.train says hello\nepoch 2 done\n")
    expect(log).to_contain_text("epoch 2 done")  # the log follows the running task
    store.finish_attempt("r1", "pipeline.train", 1, "Succeeded")
    expect(train).to_have_class("node succeeded selected")
    expect(page.locator('g.node[data-node="n1"] .state-text')).to_have_text("Succeeded")
    store.finish_run("r1", "Stopped", "the run was interrupted")
    expect(page.locator("#run-state")).to_have_text("Stopped")
    expect(page.locator('g.node[data-node="n2"]')).to_have_class("node not-run")


def test_the_report_opens_offline_with_the_same_content(browser, root, tmp_path):
    from domino_flows.ui.model import run_view
    from domino_flows.ui.render import run_page

    store = pipeline_run(root, "r1")
    report = tmp_path / "report.html"
    report.write_text(run_page(store, run_view(store, "r1"), embed=True))
    context = browser.new_context(offline=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri())
    panel = page.locator('section.panel[data-node="n0"]')
    expect(panel).to_be_hidden()
    page.click('svg.dag g.node[data-node="n0"]')
    expect(panel).to_be_visible()
    expect(panel.locator("pre.log")).to_contain_text("pipeline.prepare says hello")
    expect(page.locator(".markdown strong")).to_have_text("0.91")
    assert all(url.startswith("file://") for url in requested), requested
    context.close()
