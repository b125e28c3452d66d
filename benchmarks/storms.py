"""Hostile crowds on one server: `python -m benchmarks --only storms`.

One server (the start command, its default limits) on a loopback port, driven over Streamlit's
own protocol (benchmarks/capacity.py's client), with one more session that edits its first
number once a second throughout: the server's answer to it says whether the crowd starves the
pages. Three storms, one after another, each bounded in count and time:

1. Exports: N sessions press "Vector SVG" at once (on their own 64-bit sums). Each must see a
   file to save (fetched and checked to be an SVG) or a message, and each that waited must have
   been told its place in line. Chromium processes started by the server (kaleido's, one per
   figure drawn) are counted twice a second: their peak must stay within the export line's cap
   (gru_viz.app.exports.DRAWING). The server's and Chromium's resident memory at their peaks.
2. Training links: N sessions open a ?train=... link at once (each its own seed). At most
   GRU_VIZ_MAX_TRAININGS of them may start a training; every other one must be told that the
   training slots are busy, naming the setting. Then they all close.
3. Uploads: N sessions each upload a different valid model file (the shipped model with one
   bias moved a little), as a browser does (a URL asked for over the WebSocket, the file PUT
   with Streamlit's XSRF cookie and header, then the uploader's state sent), and must see it
   in use; the server's memory is read before, at the peak and after all of them closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.browser import memory_mb
from benchmarks.capacity import Client, _messages, random_64, shows
from benchmarks.common import Row, latency_summary, log, ms, secs
from gru_viz.app import launch

EDIT_EVERY = 1.0  # seconds between the watching session's edits
STORM_TIMEOUT = 300.0  # seconds for one storm's sessions to get their answers
SAMPLE_EVERY = 0.5  # seconds between counts of Chromium processes and memory


@dataclass(frozen=True)
class Plan:
    exports: int
    links: int
    uploads: int
    quiet: float  # seconds the watching session edits alone, before the storms


FULL = Plan(exports=30, links=50, uploads=100, quiet=10.0)
QUICK = Plan(exports=2, links=3, uploads=2, quiet=2.0)


def plain(markdown: str) -> str:
    """Text as shown: backslash escapes and word joiners (gru_viz.app.wording.literal) gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


@dataclass
class Watcher(Client):
    """A protocol client that also keeps the page's texts and its download buttons."""

    texts: list[str] = field(default_factory=list)
    downloads: dict[str, str] = field(default_factory=dict)  # label -> URL
    session_id: str = ""
    file_urls: asyncio.Future | None = None

    def _handle(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        elif kind == "file_urls_response" and self.file_urls and not self.file_urls.done():
            self.file_urls.set_result(msg.file_urls_response)
        super()._handle(msg)

    def _element(self, element, fragment_id: str = "") -> None:
        super()._element(element, fragment_id)
        kind = element.WhichOneof("type")
        if kind in ("markdown", "alert"):
            self.texts.append(plain(getattr(element, kind).body))
        elif kind == "download_button" and element.download_button.url:
            self.downloads[element.download_button.label] = element.download_button.url

    def _back_msg(self, states=(), fragment_id: str = "", auto: bool = False) -> bytes:
        """Client's, and a file uploader's state given as (widget, "file", (name, size, urls))."""
        back_msg_class, _ = _messages()
        files = [s for s in states if s[1] == "file"]
        scalars = [s for s in states if s[1] != "file"]
        msg = back_msg_class.FromString(super()._back_msg(scalars, fragment_id, auto))
        for widget, _, (name, size, urls) in files:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget.id
            info = state.file_uploader_state_value.uploaded_file_info.add()
            info.name, info.size, info.file_id = name, size, urls.file_id
            info.file_urls.CopyFrom(urls)
        return msg.SerializeToString()

    def saw(self, words: str) -> bool:
        return any(words in text for text in self.texts)


async def open_watcher(url: str, query: str = "") -> Watcher:
    client = Watcher(url, query)
    await client.connect()
    await client.run(timeout=STORM_TIMEOUT)
    return client


async def until(check, timeout: float = STORM_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


# WHAT THE SERVER RUNS


def descendants(pid: int) -> list[int]:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def chromiums(pid: int) -> tuple[int, float]:
    """(Chromium browsers the server started, the proportional resident MB of all their
    processes). Chromium writes its children's command lines as one string, "--type=..."
    inside: a browser is a chromium process without it."""
    browsers, pss = 0, 0.0
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            first = command.split(b"\0")[0].split(b" ")[0]
            if b"chrom" not in first and b"headless_shell" not in first and b"/exe" not in first:
                continue
            browsers += b"--type=" not in command
            pss += proportional_mb(child)
        except OSError:
            continue
    return browsers, pss


def proportional_mb(pid: int) -> float:
    """A process's proportional set size (shared pages divided among their sharers), MB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Sampler:
    pid: int
    peak_browsers: int = 0
    peak_browser_mb: float = 0.0
    peak_server_mb: float = 0.0

    async def run(self) -> None:
        while True:
            browsers, mb = chromiums(self.pid)
            self.peak_browsers = max(self.peak_browsers, browsers)
            self.peak_browser_mb = max(self.peak_browser_mb, mb)
            self.peak_server_mb = max(self.peak_server_mb, memory_mb(self.pid)["rss"])
            await asyncio.sleep(SAMPLE_EVERY)


@contextlib.asynccontextmanager
async def sampled(pid: int):
    sampler = Sampler(pid)
    task = asyncio.create_task(sampler.run())
    try:
        yield sampler
    finally:
        task.cancel()


@dataclass
class Editor:
    """One session that edits throughout; its answers show whether the server keeps up."""

    client: Client
    latencies: list[float] = field(default_factory=list)
    wrong: int = 0
    failed: int = 0

    async def run(self, rng) -> None:
        widget = self.client.widget("First number")
        while True:
            a = random_64(rng)
            try:
                answer = await self.client.run([(widget, "string_value", str(a))], timeout=60)
                self.latencies.append(answer.seconds)
                self.wrong += shows(answer.payload, a + 16) < 1
            except (asyncio.TimeoutError, ConnectionError):
                self.failed += 1
            await asyncio.sleep(EDIT_EVERY)

    def take(self) -> dict:
        out = {
            "answer": latency_summary(self.latencies) if self.latencies else None,
            "wrong": self.wrong,
            "failed": self.failed,
        }
        self.latencies, self.wrong, self.failed = [], 0, 0
        return out


# THE STORMS


async def export_storm(url: str, pid: int, n: int, rng) -> dict:
    clients = await asyncio.gather(
        *(open_watcher(url, f"a={random_64(rng)}&b={random_64(rng)}") for _ in range(n))
    )
    async with sampled(pid) as sampler:
        started = time.perf_counter()
        for client in clients:  # reset what the first run showed
            client.texts.clear()
        await asyncio.gather(
            *(c.run([(c.widget("Vector SVG"), "trigger_value", True)], timeout=60) for c in clients)
        )

        def ended(c: Watcher) -> bool:
            return any(k.startswith("Save ") for k in c.downloads) or c.saw("Could not make")

        await until(lambda: all(ended(c) for c in clients))
        seconds = time.perf_counter() - started
    files = await asyncio.gather(*(asyncio.to_thread(fetch_svg, url, c) for c in clients))
    out = {
        "sessions": n,
        "seconds": seconds,
        "files": sum(files),
        "messages": sum(c.saw("Could not make") for c in clients),
        "message_texts": sorted({t for c in clients for t in c.texts if "Could not make" in t}),
        "neither": sum(not ended(c) for c in clients),
        "told_to_wait": sum(c.saw("Waiting to make") for c in clients),
        "peak_chromiums": sampler.peak_browsers,
        "peak_chromium_mb": sampler.peak_browser_mb,
        "peak_server_mb": sampler.peak_server_mb,
        "errors": [e for c in clients for e in c.errors],
    }
    await asyncio.gather(*(c.close() for c in clients))
    return out


def fetch_svg(url: str, client: Watcher) -> bool:
    import urllib.request

    saves = [u for label, u in client.downloads.items() if label.startswith("Save ")]
    if not saves:
        return False
    link = saves[0] if saves[0].startswith("http") else url + saves[0]
    with urllib.request.urlopen(link, timeout=60) as response:
        return b"<svg" in response.read()[:2000]


TRAIN_LINK = "robust_h16_lr0.01_batch128_bits16_steps2000_seed{seed}"


async def link_storm(url: str, n: int, cap: int) -> dict:
    started = time.perf_counter()
    clients = await asyncio.gather(
        *(open_watcher(url, f"train={TRAIN_LINK.format(seed=k)}") for k in range(n))
    )
    seconds = time.perf_counter() - started
    retrained = sum(c.saw("This link retrains the model it was made with") for c in clients)
    busy = sum(
        c.saw(f"all {cap} training slots on this server are busy (GRU_VIZ_MAX_TRAININGS)")
        for c in clients
    )
    out = {
        "sessions": n,
        "cap": cap,
        "seconds": seconds,
        "retrained": retrained,
        "told_busy": busy,
        "errors": [e for c in clients for e in c.errors],
    }
    await asyncio.gather(*(c.close() for c in clients))
    return out


def model_files(n: int) -> list[bytes]:
    """n different valid model files: the shipped model with its output bias moved a little."""
    import gru_viz
    from gru_viz.model import GRUModel

    shipped = gru_viz.load_model()
    files = []
    for k in range(n):
        weights = shipped.weights()
        weights["bo"] = weights["bo"] + np.float32(1e-3 * (k + 1))
        model = GRUModel(shipped.config, weights, shipped.train_config, shipped.provenance)
        files.append(model.to_bytes())
    return files


async def upload(client: Watcher, data: bytes, name: str, cookie: str) -> None:
    """As the browser does: upload URLs asked for over the WebSocket, the file PUT with the XSRF
    cookie and header, then a rerun with the uploader's new state."""
    import requests

    back_msg_class, _ = _messages()
    client.file_urls = asyncio.get_running_loop().create_future()
    msg = back_msg_class()
    msg.file_urls_request.request_id = name
    msg.file_urls_request.file_names.append(name)
    msg.file_urls_request.session_id = client.session_id
    await client._socket.send(msg.SerializeToString())
    urls = (await asyncio.wait_for(client.file_urls, 60)).file_urls[0]
    target = urls.upload_url if urls.upload_url.startswith("http") else client.url + urls.upload_url
    headers = {"X-Xsrftoken": cookie, "Cookie": f"_streamlit_xsrf={cookie}"}
    files = {"file": (name, io.BytesIO(data), "application/octet-stream")}
    response = await asyncio.to_thread(
        requests.put, target, files=files, headers=headers, timeout=60
    )
    response.raise_for_status()
    widget = client.widget("Upload a model file")
    await client.run([(widget, "file", (name, len(data), urls))], timeout=STORM_TIMEOUT)


def xsrf_cookie(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("_streamlit_xsrf="):
                return header.split(";", 1)[0].split("=", 1)[1]
    raise RuntimeError("the server set no XSRF cookie")


async def upload_storm(url: str, pid: int, n: int, settle: float = 15.0) -> dict:
    files = await asyncio.to_thread(model_files, n)
    cookie = await asyncio.to_thread(xsrf_cookie, url)
    before = memory_mb(pid)["rss"]
    clients = await asyncio.gather(*(open_watcher(url) for _ in range(n)))
    async with sampled(pid) as sampler:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(
                upload(c, data, f"model-{k}.npz", cookie)
                for k, (c, data) in enumerate(zip(clients, files))
            ),
            return_exceptions=True,
        )
        seconds = time.perf_counter() - started
    in_use = sum(
        any(f"uploaded from model-{k}.npz" in t for t in c.texts) for k, c in enumerate(clients)
    )
    failures = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
    await asyncio.gather(*(c.close() for c in clients))
    await asyncio.sleep(settle)  # the tabs' grace, then the cache's sweep
    return {
        "sessions": n,
        "seconds": seconds,
        "in_use": in_use,
        "failures": failures,
        "memory_before": before,
        "memory_peak": sampler.peak_server_mb,
        "memory_after": memory_mb(pid)["rss"],
        "errors": [e for c in clients for e in c.errors],
    }


# THE MEASUREMENT


async def run(plan: Plan) -> dict:
    rng = np.random.default_rng(23)
    log_file = Path(tempfile.mkstemp(prefix="gru-viz-storms-", suffix=".log")[1])
    server = launch.start_server({}, log=log_file)
    out: dict = {}
    editor, editing = None, None
    try:
        launch.wait_healthy(server)
        pid = server.process.pid
        client = await open_watcher(server.url, "b=16")
        editor = Editor(client)
        editing = asyncio.create_task(editor.run(rng))
        out["idle_memory"] = memory_mb(pid)["rss"]
        await asyncio.sleep(plan.quiet)  # (its first edits compile: not counted)
        editor.take()
        await asyncio.sleep(plan.quiet)
        out["quiet"] = editor.take()
        log(f"storms: {plan.exports} exports at once")
        out["exports"] = await export_storm(server.url, pid, plan.exports, rng)
        out["exports"]["editor"] = editor.take()
        log(f"storms: {plan.links} training links at once")
        out["links"] = await link_storm(server.url, plan.links, cap=2)
        out["links"]["editor"] = editor.take()
        log(f"storms: {plan.uploads} uploads at once")
        out["uploads"] = await upload_storm(server.url, pid, plan.uploads)
        out["uploads"]["editor"] = editor.take()
    finally:
        if editing is not None:
            editing.cancel()
        if editor is not None:
            await editor.client.close()
        launch.stop_server(server)
    out["server_log_tail"] = log_file.read_text(errors="replace")[-1500:]
    log_file.unlink(missing_ok=True)
    return out


def measure(quick: bool = False) -> dict:
    from gru_viz.export import find_browser

    if find_browser() is None:
        return {"skipped": "no Chromium on this machine: the export storm needs one"}
    plan = QUICK if quick else FULL
    out = asyncio.run(run(plan))
    out["plan"] = plan.__dict__
    out["load_average"] = list(os.getloadavg())
    return out


def _editor(e: dict) -> str:
    a = e["answer"]
    answers = f"p50 {ms(a['p50'])}, p95 {ms(a['p95'])}, max {ms(a['max'])}" if a else "none"
    return f"an edit's answer meanwhile: {answers}; {e['wrong']} wrong, {e['failed']} unanswered"


def rows(result: dict) -> list[Row]:
    from gru_viz.app.exports import DRAWING

    ex, li, up = result["exports"], result["links"], result["uploads"]
    return [
        Row("storms", "before the storms", "", _editor(result["quiet"])),
        Row(
            "storms",
            f"{ex['sessions']} sessions press Vector SVG at once: files arrived (or a message)",
            f"{ex['files']} + {ex['messages']} of {ex['sessions']}",
            f"in {secs(ex['seconds'])}; {ex['told_to_wait']} told their place in line; "
            f"{_editor(ex['editor'])}",
            "all",
        ),
        Row(
            "storms",
            f"{ex['sessions']} exports at once: Chromium browsers alive at most",
            str(ex["peak_chromiums"]),
            f"their memory at most {ex['peak_chromium_mb']:.0f} MB (proportional); the "
            f"server's {ex['peak_server_mb']:.0f} MB",
            f"<= {DRAWING}",
        ),
        Row(
            "storms",
            f"{li['sessions']} ?train= links opened at once: trainings started / told busy",
            f"{li['retrained']} / {li['told_busy']}",
            f"cap {li['cap']} (GRU_VIZ_MAX_TRAININGS); all answered in {secs(li['seconds'])}; "
            f"{_editor(li['editor'])}",
            f"<= {li['cap']} / the rest",
        ),
        Row(
            "storms",
            f"{up['sessions']} different model files uploaded at once: in use",
            f"{up['in_use']} of {up['sessions']}",
            f"in {secs(up['seconds'])}; {len(up['failures'])} failed; {_editor(up['editor'])}",
            "all",
        ),
        Row(
            "storms",
            f"{up['sessions']} uploads: server memory before / peak / 15 s after the tabs closed",
            f"{up['memory_before']:.0f} / {up['memory_peak']:.0f} / {up['memory_after']:.0f} MB",
            "the analysis cache keeps at most 256 MiB of arrays; a closed tab's go after 5 s",
        ),
    ]
