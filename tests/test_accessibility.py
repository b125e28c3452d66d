"""Every tab, in both looks, in a real browser checked by axe-core (Deque's engine): no serious
or critical violations (contrast, names, keyboard reach); every figure has a text alternative
(its aria-label: the view and what the figure shows, from gru_viz.views.View.describe).

axe-core is the npm package's axe.min.js: AXE_CORE_JS names it, else node_modules/axe-core in
the checkout (`npm install --no-save axe-core@4`); .ci/run installs it. Without it (or without
Chromium) these tests are skipped, except where CI is set in the environment.
"""

import os
from pathlib import Path

import pytest

from gru_viz.app import launch

ROOT = Path(__file__).resolve().parent.parent
TABS = (  # each tab, and a text that shows once its content is drawn
    ("Story", "Step 1 of 8"),
    ("The sum and its gates", "Inside the GRU"),
    ("Step by step", "The machine inside:"),
    ("How far it adds", "Which units it needs"),
    ("Inside the machine", "Read off this GRU"),
    ("How it learned", "Its machine has"),
    ("Side by side", "Its machine:"),
)
WAIT_MS = 180_000
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter((v) => ['serious', 'critical'].includes(v.impact))
  .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.html).join(' | ')}`)"""


IDLE = """() => !document.querySelector("[data-stale='true']")
  && !document.querySelector("[data-testid='stStatusWidgetRunningIcon']")"""


def axe_source() -> str | None:
    named = os.environ.get("AXE_CORE_JS")
    path = Path(named) if named else ROOT / "node_modules" / "axe-core" / "axe.min.js"
    return path.read_text() if path.is_file() else None


@pytest.fixture(scope="module")
def axe():
    source = axe_source()
    missing = launch.browser_missing() or (None if source else "axe-core is not installed")
    if missing and os.environ.get("CI"):
        pytest.fail(f"{missing}, and CI is set, so the accessibility test must run")
    if missing:
        pytest.skip(missing)
    return source


@pytest.fixture(scope="module")
def server(axe, tmp_path_factory):
    server = launch.start_server(log=tmp_path_factory.mktemp("server") / "streamlit.log")
    try:
        launch.wait_healthy(server)
        yield server.url
    finally:
        launch.stop_server(server)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_tab_has_serious_or_critical_violations(axe, server, scheme):
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)
        page.set_default_timeout(WAIT_MS)
        for tab, shown in TABS:
            page.goto(f"{server}/?tab={tab.replace(' ', '+')}")
            page.get_by_text(shown).last.wait_for()
            page.wait_for_timeout(1000)
            # Between runs Streamlit fades what it may redraw: its contrast is not the page's.
            page.wait_for_function(IDLE, timeout=WAIT_MS)
            page.add_script_tag(content=axe)
            found[tab] = page.evaluate(RUN_AXE)
            charts = "[data-testid='stPlotlyChart'], [data-testid='stGraphVizChart']"
            unnamed = page.evaluate(
                f'() => [...document.querySelectorAll("{charts}")]'
                ".filter((e) => !(e.getAttribute('aria-label') || '').trim()).length"
            )
            assert not unnamed, f"{tab}: {unnamed} figures without a text alternative"
        browser.close()
    assert not {tab: v for tab, v in found.items() if v}, found
