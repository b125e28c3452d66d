"""Two replicas behind nginx on loopback (deploy/nginx.conf), driven by two browser pages.

Each page is sent to its own replica by its affinity cookie; both add; then one replica is
killed: its page must reconnect to the other replica by itself and answer its first edit there,
come back with its numbers (from its URL) when reloaded, and the other page must go on
answering. Skipped, with the reason, where nginx, Chromium or Playwright
is missing; with CI set in the environment (as .ci/run does) it fails instead.
"""

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gru_viz.app import launch, replicas

WAIT_MS = 60_000  # for one answer of a page (a replica's first page also loads its model)
COOKIE = "gru_viz_replica"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sync_playwright():
    reason = launch.browser_missing() or replicas.nginx_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set, so the replica test must run")
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    return sync_playwright


@pytest.fixture(scope="module")
def cluster(sync_playwright, tmp_path_factory):
    """(nginx's URL, {upstream "127.0.0.1:PORT": its launch.Server})."""
    folder = tmp_path_factory.mktemp("replicas")
    servers = [launch.start_server(log=folder / f"replica-{i}.log") for i in (1, 2)]
    nginx = None
    try:
        with ThreadPoolExecutor(2) as pool:  # both start at once
            list(pool.map(launch.wait_healthy, servers))
        upstreams = {server.url.removeprefix("http://"): server for server in servers}
        listen = f"127.0.0.1:{launch.free_port()}"
        nginx = replicas.start_nginx(listen, list(upstreams), folder)
        replicas.wait_answering(f"http://{listen}/_stcore/health", nginx, 30)
        yield f"http://{listen}", upstreams
    finally:
        replicas.stop([nginx] if nginx else [])
        for server in servers:
            launch.stop_server(server)


def upstream(url: str, cookie: str) -> str:
    """The replica nginx sends a browser with this affinity cookie to."""
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Gru-Viz-Upstream"].split(", ")[-1]


def cookies_per_replica(url: str, upstreams) -> dict[str, str]:
    """An affinity cookie value for each replica, found by asking nginx (a bounded search)."""
    found = {}
    for k in range(64):
        found.setdefault(upstream(url, f"{COOKIE}=page-{k}"), f"page-{k}")
        if len(found) == len(upstreams):
            return found
    raise AssertionError(f"64 cookies all went to {list(found)}")


def open_page(browser, url: str, cookie: str, sockets: list):
    """A page in a browser context of its own, with its WebSockets collected in `sockets`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": url}])
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(url)
    page.get_by_text("1040").first.wait_for()  # the default example
    return page


def add(page, a: int, b: int) -> None:
    """Type a and b and wait for their sum (the predicted and the true sum both show it)."""
    for name, value in (("First number", a), ("Second number", b)):
        box = page.get_by_role("textbox", name=name)
        box.fill(str(value))
        box.press("Enter")
    page.wait_for_url(f"**a={a}&b={b}**")
    page.get_by_text(f"{a + b}", exact=True).first.wait_for()


def served_by(page, url: str) -> str:
    """The replica that answers this page's browser now."""
    response = page.context.request.get(f"{url}/_stcore/health")
    return response.headers["x-gru-viz-upstream"].split(", ")[-1]


def test_two_pages_on_two_replicas_survive_losing_one(sync_playwright, cluster):
    url, upstreams = cluster
    cookies = cookies_per_replica(url, upstreams)
    (doomed, doomed_cookie), (survivor, survivor_cookie) = sorted(cookies.items())
    with sync_playwright() as p:
        browser = launch.launch_chromium(p)
        try:
            sockets = []  # the WebSockets of the page that stays
            moved = open_page(browser, url, doomed_cookie, [])
            stayed = open_page(browser, url, survivor_cookie, sockets)
            add(moved, 123456789, 987654321)
            add(stayed, 2718281828, 3141592653)
            assert served_by(moved, url) == doomed and served_by(stayed, url) == survivor

            upstreams[doomed].process.kill()
            upstreams[doomed].process.wait(10)

            # Without a reload, the moved page reconnects by itself, as a new session on the
            # survivor, and the first edit after the move arrives.
            add(moved, 1000, 24)
            assert served_by(moved, url) == survivor
            # Opened again, it is a new session on the survivor, its numbers from its URL.
            moved.reload()
            moved.get_by_text("1024", exact=True).first.wait_for()
            assert "a=1000" in moved.url and "b=24" in moved.url
            # An upload passes Streamlit's XSRF check through nginx, after the move too.
            moved.locator("input[type=file]").set_input_files(ROOT / "assets" / "tutorial.npz")
            moved.get_by_text("uploaded from tutorial.npz").first.wait_for()
            # The other page never noticed: the same connection, and it answers.
            add(stayed, 99, 1)
            assert served_by(stayed, url) == survivor
            assert len(sockets) == 1 and not sockets[0].is_closed()
        finally:
            browser.close()
