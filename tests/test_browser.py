"""The page in a real browser: Playwright drives Debian's Chromium against `streamlit run`.

Skipped, with the reason, where Chromium or Playwright is missing; with CI set in the
environment (as .ci/run does) a missing browser fails the test instead.
"""

import os
import struct
from pathlib import Path

import pytest

from gru_viz.app import launch

WAIT_MS = 180_000  # a cold server imports TensorFlow before the first result


@pytest.fixture(scope="module")
def sync_playwright():
    reason = launch.browser_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set, so the browser test must run")
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    return sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    server = launch.start_server(log=log)
    try:
        launch.wait_healthy(server)
        yield server.url
    finally:
        launch.stop_server(server)


@pytest.fixture
def page(sync_playwright, server):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def figure_titles(page) -> list[str]:
    return page.locator(".js-plotly-plot .annotation-text").all_text_contents()


# The first figure's paper is the page's own background (after a switch of look: once redrawn)
FIGURE_ON_PAGE_BACKGROUND = """() => {
  const paper = document.querySelector('.js-plotly-plot .main-svg');
  const page = getComputedStyle(document.querySelector('.stApp')).backgroundColor;
  return paper && getComputedStyle(paper).backgroundColor === page
    && page !== 'rgb(255, 255, 255)';
}"""


def test_type_numbers_see_sum_and_gates_then_a_bad_input(page, server, tmp_path):
    page.goto(server)
    first = page.get_by_role("textbox", name="First number")
    second = page.get_by_role("textbox", name="Second number")
    page.get_by_text("1040").first.wait_for()  # the default example
    first.fill("123456789")
    first.press("Enter")
    second.fill("987654321")
    second.press("Enter")
    page.get_by_text("1111111110").first.wait_for()
    page.locator(".js-plotly-plot .gtitle", has_text="123456789 + 987654321").wait_for()
    assert {"Update gate z", "Reset gate r"} <= set(figure_titles(page))
    assert "a=123456789" in page.url and "b=987654321" in page.url  # shareable
    page.screenshot(path=tmp_path / "sum.png", full_page=True)
    # The visitor's menu chooses the dark look, and the figures follow without an edit
    page.get_by_test_id("stMainMenu").click()
    page.get_by_test_id("stMainMenuItem-theme-Dark").click()
    page.keyboard.press("Escape")
    page.wait_for_function(FIGURE_ON_PAGE_BACKGROUND)

    first.fill("1e5")
    first.press("Enter")
    page.get_by_text("Exponents such as '1e5' are not accepted").wait_for()
    # (drawn by the sum tab, once the model is loaded: a server loads it after its first page)
    page.get_by_text("Fix the number above").wait_for()
    second.fill("12")  # the page keeps working
    second.press("Enter")
    page.wait_for_url("**b=12**")
    screenshot = tmp_path / "bad-input.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 10_000


def test_a_views_button_that_chooses_a_model_moves_the_sidebar_and_the_link_with_it(page, server):
    # The button is drawn in the view's fragment, whose clicks rerun only that fragment: the
    # sidebar's Use (and then the link) must follow all the same.
    page.goto(f"{server}/?a=3&b=4&tab=Build+it+yourself")
    use = page.get_by_role("radiogroup", name="Use")
    use.get_by_role("radio", name="Shipped model").wait_for(state="attached")
    assert use.get_by_role("radio", name="Shipped model").is_checked()
    page.get_by_role("button", name="Show the hand-made adder on every tab").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[role=radiogroup][aria-label="Use"] input')]
            .some((r) => r.checked && r.closest('label').textContent.includes('Hand-made'))"""
    )
    page.get_by_role("tab", name="The sum and its gates").click()
    page.wait_for_url("**model_source=Hand-made+adder**")


def test_an_edit_of_a_number_reruns_the_numbers_and_views_not_the_heading_or_sidebar(page, server):
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    page.goto(f"{server}/?a=3&b=4")
    page.get_by_role("heading", name="Train a model").wait_for()  # the whole page, sidebar too
    page.locator(".js-plotly-plot .gtitle", has_text="3 + 4").wait_for()
    page.wait_for_timeout(1000)
    before = len(frames)
    first = page.get_by_role("textbox", name="First number")
    first.fill("1000")
    first.press("Enter")
    page.locator(".js-plotly-plot .gtitle", has_text="1000 + 4").wait_for()
    page.wait_for_timeout(1000)
    edit = [f for f in frames[before:] if isinstance(f, bytes)]
    assert any(b"1004" in f for f in edit)
    # Neither the heading nor the sidebar is sent again for an edit of a number.
    assert not any(b"Watch a GRU add binary numbers" in f for f in edit)
    assert not any(b"Train a model" in f for f in edit)
    assert not page.get_by_text("Traceback").count()


def download_from_camera(page) -> tuple[str, bytes]:
    plot = page.locator(".js-plotly-plot").first
    plot.hover()
    with page.expect_download() as download:
        page.locator('.modebar-btn[data-title^="Download plot"]').first.click()
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def test_camera_button_saves_a_slide_sized_png_or_an_svg(page, server):
    page.goto(f"{server}/?a=2718281828&b=3141592653")
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for()
    name, data = download_from_camera(page)
    assert name == "gru-viz-gates-2718281828-plus-3141592653.png"
    assert data[:4] == b"\x89PNG"
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)  # 16:9, for a slide
    page.get_by_text("SVG", exact=True).click()
    # The camera button's title drops "as a PNG" once the figure is set to save SVG.
    page.locator('.modebar-btn[data-title="Download plot"]').wait_for(state="attached")
    name, data = download_from_camera(page)
    assert name.endswith(".svg") and b"<svg" in data[:500]
    with page.expect_download() as download:
        page.get_by_role("button", name="Interactive HTML").first.click()
    html = Path(download.value.path()).read_text()
    assert download.value.suggested_filename.endswith(".html") and "Plotly.newPlot" in html
    # Made on the server when clicked (in its export line: every cell a rectangle), then saved.
    page.get_by_role("button", name="Vector SVG").first.click()
    save = page.get_by_role("button", name="Save gru-viz-gates-2718281828-plus-3141592653.svg")
    with page.expect_download() as download:
        save.click()
    svg = Path(download.value.path()).read_text()
    assert download.value.suggested_filename == "gru-viz-gates-2718281828-plus-3141592653.svg"
    assert svg.count("<rect") > 2 * 16 * 33 and "<image" not in svg


# Typed into the numbers through a link: a bare URL, an address, an image. Each is refused with a
# message that echoes it, and none may become a link or an image on the page.
HOSTILE = [("http://example.com/x", "www.example.com"), ("![x](http://127.0.0.1:9/b)", "me@a.io")]


@pytest.mark.parametrize("a, b", HOSTILE)
def test_text_from_a_link_never_becomes_a_link(page, server, a, b):
    from urllib.parse import urlencode

    page.goto(f"{server}/?{urlencode({'a': a, 'b': b})}")
    alerts = page.locator("[data-testid='stAlert']")
    alerts.filter(has_text=a[-8:]).first.wait_for()
    alerts.filter(has_text=b[-4:]).first.wait_for()
    shown = " ".join(alerts.all_inner_texts()).replace("\u2060", "")
    assert a[:12] in shown and b in shown  # echoed as typed ...
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map((a) => a.href)")
    hrefs = [href for href in hrefs if not href.startswith(f"{server}/")]  # the page's own
    sources = page.evaluate("[...document.querySelectorAll('img')].map((i) => i.src)")
    for address in ("example.com", "127.0.0.1:9", "a.io"):  # ... and never linked
        assert not [href for href in hrefs if address in href], hrefs
        assert not [src for src in sources if address in src], sources


def test_every_view_of_the_tutorial_model_draws(page, server, tmp_path):
    page.goto(f"{server}/?a=1048575&b=1")
    page.get_by_text("1048576").first.wait_for()
    page.get_by_text("Tutorial model", exact=True).click()
    page.get_by_text("The first wrong bit is 8").wait_for()
    page.wait_for_url("**model_source=Tutorial*")  # the link names the model
    page.get_by_role("tab", name="How far it adds").click()
    page.wait_for_url("**tab=How*")
    page.locator(".js-plotly-plot .gtitle", has_text="Each unit switched off alone").wait_for()
    page.locator(".js-plotly-plot").nth(1).wait_for()
    page.get_by_role("tab", name="Inside the machine").click()
    page.get_by_text("It is not the two-state adder").wait_for()
    page.locator("[data-testid='stGraphVizChart'] svg").nth(1).wait_for()  # drawn in the browser
    page.screenshot(path=tmp_path / "machine.png", full_page=True)
    assert not page.get_by_text("Traceback").count()


@pytest.fixture(scope="module")
def one_slot_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    server = launch.start_server(env={"GRU_VIZ_MAX_TRAININGS": "1"}, log=log)
    try:
        launch.wait_healthy(server)
        yield server.url
    finally:
        launch.stop_server(server)


def start_training(page, url: str, steps: str) -> None:
    page.goto(url)
    page.get_by_text("1040").first.wait_for()
    limit = page.get_by_role("spinbutton", name="Step limit")
    limit.fill(steps)
    limit.press("Enter")
    page.get_by_role("button", name="Start").click()


def test_a_closed_tab_frees_its_training_slot_within_seconds(sync_playwright, one_slot_server):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        first = browser.new_context().new_page()
        first.set_default_timeout(WAIT_MS)
        start_training(first, one_slot_server, "50000")
        first.get_by_role("button", name="Pause").click()
        first.get_by_text("paused").first.wait_for()
        first.context.close()  # the tab is gone, its training paused in the only slot
        second = browser.new_context().new_page()
        second.set_default_timeout(WAIT_MS)
        start_training(second, one_slot_server, "30")
        # It may wait a few seconds in line, then it runs: the slot was freed.
        second.get_by_text("step 30 of 30").first.wait_for(timeout=60_000)
        browser.close()


def play_button(page, label: str):
    """The step view's Play/Pause button showing `label` (the training panel has a Pause too)."""
    return page.locator(".st-key-play button", has_text=label)


def play(page) -> None:
    """Press Play until the button turns into Pause (a click during a run can be lost)."""
    for _ in range(3):
        play_button(page, "Play").click()
        try:
            play_button(page, "Pause").wait_for(timeout=15_000)
            return
        except Exception:  # playwright's TimeoutError: try once more
            continue
    raise AssertionError("the Play button did not start playing")


def test_playing_40_steps_reruns_only_the_step_view(page, server, tmp_path):
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    page.goto(f"{server}/?a=1099511627775&b=1&tab=Step+by+step")  # 2^40 - 1 + 1: 41 steps
    page.locator("strong", has_text="Bit 0.").wait_for()
    page.wait_for_timeout(1000)
    before = len(frames)
    play(page)
    page.screenshot(path=tmp_path / "playing.png")
    # Each step shows for a quarter of a second, too short to catch one by polling the page:
    # wait for the end, then count what the server sent.
    play_button(page, "Play").wait_for()
    page.locator("strong", has_text="Bit 40.").wait_for()
    during = [f for f in frames[before:] if isinstance(f, bytes)]
    # A full run of the page sends its title again; the playing fragment sends only itself.
    full_runs = sum(b"Watch a GRU add binary numbers" in f for f in during)
    assert full_runs <= 2, f"{full_runs} full-page runs while playing 40 steps"
    assert sum(b"Bit " in f for f in during) >= 32  # one redraw of the step view per step
    # It ends where it says: the last bit, in the words and on the slider.
    page.wait_for_timeout(1000)
    assert page.locator("strong", has_text="Bit ").first.text_content() == "Bit 40."
    assert page.locator("[data-testid='stSliderThumbValue']").first.text_content() == "40"


# Every text of every figure must lie inside its figure (nothing cut off at the edges), and no
# two texts of a figure may cover each other (a heatmap's digits are inside their cells).
TEXT_TROUBLE = """() => {
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    const texts = [...plot.querySelectorAll('text')].filter((t) => t.textContent.trim()
      && t.getBoundingClientRect().width > 0).map((t) => [t, t.getBoundingClientRect()]);
    texts.forEach(([t, r], i) => {
      const name = t.textContent.trim();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1) out.push(`cut: ${name}`);
      if (t.closest('.heatmap-label')) return;
      for (const [u, q] of texts.slice(i + 1)) {
        if (u.closest('.heatmap-label')) continue;
        const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (w > 2 && h > 3) out.push(`${name} / ${u.textContent.trim()}`);
      }
    });
  }
  return out;
}"""

# The type as drawn, in px, of every figure text (ticks, titles, legends, colour bars, the bit
# strip's digits), every bit table cell and every label of a machine (Graphviz scales its
# drawing: its type times the drawing's scale), where smaller than `least`.
SMALL_TEXT = """(least) => {
  const out = [];
  const px = (e) => parseFloat(getComputedStyle(e).fontSize);
  for (const t of document.querySelectorAll('.js-plotly-plot text')) {
    if (t.textContent.trim() && px(t) < least) out.push(['figure', t.textContent, px(t)]);
  }
  for (const t of document.querySelectorAll('.gv-bits th, .gv-bits td')) {
    if (px(t) < least) out.push(['bit table', t.textContent, px(t)]);
  }
  for (const t of document.querySelectorAll("[data-testid='stGraphVizChart'] svg text")) {
    const drawn = px(t) * t.getScreenCTM().a;
    if (drawn < least) out.push(['machine', t.textContent, Math.round(drawn * 10) / 10]);
  }
  return out;
}"""

SLIDE_FIGURE_SIZE = """() => { const r = document.querySelector(
  '.st-key-slide_figure .js-plotly-plot').getBoundingClientRect(); return [r.width, r.height]; }"""

FIRST_FIGURE_TOP = """() => Math.min(...[...document.querySelectorAll(
  "[data-testid='stMain'] .js-plotly-plot, [data-testid='stMain'] [data-testid='stGraphVizChart']"
  )].map((e) => e.getBoundingClientRect().top))"""

# Each tab with the figures and machines it draws once it is ready.
TAB_FIGURES = {
    "The sum and its gates": (1, 0),
    "Step by step": (2, 1),
    "How far it adds": (2, 0),
    "Inside the machine": (1, 2),
    "How it learned": (3, 1),
    "Side by side": (3, 2),
}


def open_tab(page, url: str, tab: str) -> None:
    """Open `tab` of 1048575 + 1 at `url` (a query string may follow) and wait until every
    figure and machine of it is drawn (the tutorial model's on the right of Side by side)."""
    page.goto(f"{url}&tab={tab.replace(' ', '+')}")
    plots, machines = TAB_FIGURES[tab]
    page.locator(".js-plotly-plot").nth(plots - 1).wait_for()
    if machines:
        page.locator("[data-testid='stGraphVizChart'] svg text").nth(0).wait_for()
        page.locator("[data-testid='stGraphVizChart']").nth(machines - 1).wait_for()
    page.wait_for_timeout(1500)  # the last redraws settle


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_dark_presentation_at_projector_size_keeps_every_text_inside(
    sync_playwright, server, tmp_path, width, height
):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        viewport = {"width": width, "height": height}
        page = browser.new_page(viewport=viewport, color_scheme="dark")
        page.set_default_timeout(WAIT_MS)
        for tab in TAB_FIGURES:
            open_tab(page, f"{server}/?a=1048575&b=1&present=true", tab)
            assert not page.locator("section[data-testid='stSidebar']").is_visible()
            assert page.evaluate(TEXT_TROUBLE) == [], tab
            assert page.evaluate(SMALL_TEXT, 16) == [], tab  # read from across a room
            assert page.evaluate(FIRST_FIGURE_TOP) < height - 200, tab  # on the first screen
            if tab == "The sum and its gates":
                figure_width, figure_height = page.evaluate(SLIDE_FIGURE_SIZE)
                assert figure_width > 0.9 * width  # the main figure fills the screen's width ...
                assert abs(figure_width / figure_height - 16 / 9) < 0.02  # ... laid out 16:9
                background = page.evaluate(
                    "getComputedStyle(document.querySelector('.js-plotly-plot .main-svg'))"
                    ".backgroundColor"
                )
                assert background not in ("rgb(255, 255, 255)", "white")  # the figure is dark
                page.screenshot(path=tmp_path / "dark-presentation.png")
        # The title and the switch out of presentation are below the header, and it works.
        title = page.get_by_role("heading", name="Watch a GRU add binary numbers")
        header = page.locator("[data-testid='stHeader']").bounding_box()
        assert title.bounding_box()["y"] >= header["y"] + header["height"] - 1
        page.get_by_text("Presentation", exact=True).click()
        page.locator("section[data-testid='stSidebar']").wait_for(state="visible")
        assert "present=true" not in page.url
        browser.close()


# Wider than the page: the whole page scrolls sideways, or a bit table hides columns.
TOO_WIDE = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page');
  const main = document.querySelector("[data-testid='stMain']");
  if (main.scrollWidth > main.clientWidth + 1) out.push('the main area');
  for (const table of document.querySelectorAll('.gv-bits')) {
    if (table.scrollWidth > table.clientWidth + 1) out.push('a bit table');
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_shows_every_tab_without_sideways_scrolling(
    sync_playwright, server, tmp_path, scheme
):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
        page.set_default_timeout(WAIT_MS)
        for tab in TAB_FIGURES:
            open_tab(page, f"{server}/?a=1048575&b=1", tab)
            assert page.evaluate(TOO_WIDE) == [], tab
            assert page.evaluate(TEXT_TROUBLE) == [], tab
            if tab == "Step by step":  # with Play at the top of the screen, the figure is on it
                page.get_by_role("button", name="Play").evaluate("(e) => e.scrollIntoView()")
                top = page.locator(".js-plotly-plot").first.bounding_box()["y"]
                assert top < 844 - 300, f"the figure starts {top:.0f} px down, under Play"
                page.screenshot(path=tmp_path / f"phone-{scheme}-play.png")
        browser.close()


# Every cell of every bit table lies inside the table's box: nothing scrolled out of sight.
HIDDEN_CELLS = """() => {
  const out = [];
  for (const table of document.querySelectorAll('.gv-bits')) {
    const box = table.getBoundingClientRect();
    for (const cell of table.querySelectorAll('th, td')) {
      const r = cell.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) out.push(cell.textContent);
    }
  }
  return out;
}"""


def test_bit_tables_show_every_column_beside_the_sidebar(sync_playwright, server):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{server}/?a=1048575&b=1")
        page.locator(".gv-bits").first.wait_for()
        assert page.evaluate(HIDDEN_CELLS) == []  # bit 20, the only 1 of the sum, included
        label = page.locator(".st-key-page_head [data-testid='stWidgetLabel']").first
        assert label.evaluate("(e) => e.scrollWidth <= e.clientWidth")  # "Presentation", whole
        # A link to a step opens on it, and its column is in view.
        page.goto(f"{server}/?a=1099511627775&b=1&tab=Step+by+step&step_t=9")
        page.locator("strong", has_text="Bit 9.").wait_for()
        assert page.locator("[data-testid='stSliderThumbValue']").first.text_content() == "9"
        assert page.evaluate(HIDDEN_CELLS) == []
        assert page.locator(".gv-bits td.now").count() == 6  # the step's column, every row
        browser.close()


def test_replay_and_side_by_side_draw_in_the_browser(page, server):
    page.goto(f"{server}/?a=1048575&b=1&tab=How+it+learned")
    page.get_by_text("Its machine has 2 states").wait_for()  # the shipped model, at its end
    page.locator(".js-plotly-plot").nth(1).wait_for()
    page.get_by_role("tab", name="Side by side").click()
    page.get_by_text("The first wrong bit is 8").wait_for()  # the tutorial model, on the right
    page.locator("[data-testid='stGraphVizChart'] svg").nth(1).wait_for()
    assert not page.get_by_text("Traceback").count()
    assert not page.get_by_text("could not be drawn").count()


def test_presentation_on_a_phone_keeps_the_slide_readable_in_a_frame_that_scrolls(
    sync_playwright, server, tmp_path
):
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(WAIT_MS)
        open_tab(page, f"{server}/?a=1048575&b=1&present=true", "The sum and its gates")
        figure_width, figure_height = page.evaluate(SLIDE_FIGURE_SIZE)
        assert figure_width >= 1150  # the slide as on a projector, not squeezed to the phone ...
        assert abs(figure_width / figure_height - 16 / 9) < 0.02
        assert page.evaluate(TOO_WIDE) == []  # ... in a frame that scrolls, not the page
        assert page.evaluate(TEXT_TROUBLE) == []
        title = page.get_by_role("heading", name="Watch a GRU add binary numbers")
        header = page.locator("[data-testid='stHeader']").bounding_box()
        assert title.bounding_box()["y"] >= header["y"] + header["height"] - 1  # not under it
        page.screenshot(path=tmp_path / "phone-presentation.png", full_page=True)
        browser.close()
