"""What one server process holds: `python -m benchmarks --only capacity`.

One server (the start command, launch.start_server) on a loopback port, driven by a client that
speaks Streamlit's own protocol instead of a browser: a browser per session on the same two
cores would measure the browser. Each session is a WebSocket to /_stcore/stream with the
"streamlit" subprotocol (no page GET, cookie or XSRF token is needed: those only guard the
login cookie), carrying protobuf messages as the browser's would: a BackMsg rerun_script with
a ClientState (the page's query string, the widget states, the hashes of the large elements it
already holds, the browser's context) asks for a run of the page, and the server answers with
ForwardMsgs (new_session, deltas, ..., script_finished). The first run of a session, on its own
pair of 64-bit numbers (?a=...&b=...), names the widgets: the "First number" text input's id is
in its delta. An edit is a rerun with that widget's state set to a new number, timed from the
send to the server's script_finished: the server's own answer time, without a browser's
drawing. Every answer must contain the right sum. A session the server asks to poll (a
fragment's auto_rerun, as a training's progress bar does) is polled as a browser would. Unlike
a browser, a rerun carries only the widget states this client changed (the server keeps the
others' values), and only the first tab is ever open. The client runs on the same cores; its
CPU time is reported beside the server's.

1. Sessions served: N sessions each edit once every EDIT_INTERVAL seconds (a new random 64-bit
   first number, the second fixed per session) for a step of fixed length; N steps up until the
   server's answer p95 reaches P95_LIMIT (or an edit goes unanswered or wrong), or the ladder
   ends. Once on a server with no training, once on a fresh one where two sessions first start
   a training that cannot converge (learning rate 1e-5, step limit 50,000: it runs throughout),
   set up through the training panel's widgets and its Start button, as the page does (and
   started again should one reach its step limit).
2. Memory: the server's resident memory 1 s after its health check (before any page: the first
   page starts TensorFlow's import), at every step, and peak.
3. Start time: from the start command to /_stcore/health and to the first page's answer (the
   default 1024 + 16) over the protocol, with an empty XLA cache (GRU_VIZ_XLA_CACHE pointing to
   a new directory) and again with the cache that first start left there.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.browser import cpu_seconds, memory_mb
from benchmarks.common import Row, latency_summary, log, ms, secs
from gru_viz.app import launch

EDIT_INTERVAL = 2.0  # seconds between one session's edits
P95_LIMIT = 1.0  # seconds: a step is served if the server's answer p95 stays under this
ANSWER_TIMEOUT = 30.0  # seconds: an edit not answered by then counts as failed
TRAIN_LEARNING_RATE = 0.00001  # the smallest the page accepts: it never converges
TRAIN_STEP_LIMIT = 50_000  # the largest the page accepts: it runs until stopped
OPEN_AT_ONCE = 8  # new sessions opened concurrently when a step adds sessions


@dataclass(frozen=True)
class Plan:
    ladder: tuple[int, ...]  # concurrent editing sessions, step by step
    step_seconds: float  # editing time per step
    trainings: int  # trainings running in the loaded ladder
    start_times: bool  # measure cold and warm start


FULL = Plan(
    ladder=(2, 4, 8, 12, 16, 24, 32, 40, 48, 64, 80, 96),
    step_seconds=35.0,
    trainings=2,
    start_times=True,
)
TARGET_SESSIONS = 80  # with no training running (issue 19)
QUICK = Plan(ladder=(2,), step_seconds=5.0, trainings=2, start_times=False)


# THE PROTOCOL CLIENT


def _messages():
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return BackMsg, ForwardMsg


@dataclass
class Widget:
    id: str
    kind: str  # the element type: text_input, number_input, button, ...
    integer: bool = False  # a number_input holding an int (else a float)
    fragment_id: str = ""  # the fragment it is drawn in: a change reruns only that fragment


@dataclass
class Answer:
    seconds: float  # send to script_finished
    status: int  # ForwardMsg.ScriptFinishedStatus
    payload: bytes  # every message of the run, serialized, joined


@dataclass
class Client:
    """One Streamlit session over the protocol: a WebSocket and the state a browser keeps."""

    url: str  # http://host:port
    query_string: str  # the page's URL query, updated as the server changes it
    widgets: dict[str, Widget] = field(default_factory=dict)  # by label
    progress: str = ""  # the text of the last progress bar received
    fragment_runs: int = 0  # fragment runs finished (the polling of a live training)
    errors: list[str] = field(default_factory=list)
    _socket: object = None
    _reader: asyncio.Task | None = None
    _waiter: asyncio.Future | None = None
    _waiting_fragment: bool = False  # the run waited for is a fragment's
    _frames: list[bytes] = field(default_factory=list)
    _cached: dict[str, int] = field(default_factory=dict)  # hash of a large element -> its run
    _runs: int = 0
    _polls: dict[str, tuple[float, asyncio.Task]] = field(default_factory=dict)

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        stream = self.url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._socket = await connect(stream, subprotocols=["streamlit"], max_size=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        for _, task in self._polls.values():
            task.cancel()
        self._polls.clear()
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    def _back_msg(self, states=(), fragment_id: str = "", auto: bool = False) -> bytes:
        """A rerun_script BackMsg: the query, the given widget states, the cached hashes."""
        back_msg_class, _ = _messages()
        msg = back_msg_class()
        client_state = msg.rerun_script
        client_state.query_string = self.query_string
        client_state.fragment_id = fragment_id
        client_state.is_auto_rerun = auto
        for widget, kind, value in states:
            state = client_state.widget_states.widgets.add()
            state.id = widget.id
            setattr(state, kind, value)
        client_state.cached_message_hashes.extend(
            h for h, run in self._cached.items() if run >= self._runs - 2
        )
        info = client_state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.url}/?{self.query_string}" if self.query_string else self.url + "/"
        info.color_scheme = "light"
        return msg.SerializeToString()

    async def run(self, states=(), timeout: float = ANSWER_TIMEOUT) -> Answer:
        """Ask for a run with these (widget, field, value) states, as the browser would: of
        the fragment the widgets are drawn in, if they share one, else of the whole page; its
        answer."""
        fragments = {widget.fragment_id for widget, _, _ in states}
        fragment = fragments.pop() if len(fragments) == 1 else ""
        self._waiter = asyncio.get_running_loop().create_future()
        self._waiting_fragment = bool(fragment)
        self._frames = []
        start = time.perf_counter()
        await self._socket.send(self._back_msg(states, fragment_id=fragment))
        status = await asyncio.wait_for(self._waiter, timeout)
        seconds = time.perf_counter() - start
        self._runs += 1
        return Answer(seconds, status, b"".join(self._frames))

    async def _read(self) -> None:
        _, forward_msg_class = _messages()
        try:
            async for data in self._socket:
                msg = forward_msg_class.FromString(data)
                self._frames.append(data)
                self._handle(msg)
        except Exception as error:  # the connection closed: a waiting run fails at once
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_exception(ConnectionError(f"connection lost: {error}"))

    def _handle(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "delta":
            if msg.metadata.cacheable:
                self._cached[msg.hash] = self._runs
            if msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._poll(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                poll = self._polls.pop(fragment_id, None)
                if poll:
                    poll[1].cancel()
        elif kind == "script_finished":
            status = msg.script_finished
            if status == 3:  # FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                self.fragment_runs += 1
            waited = 3 if self._waiting_fragment else 0  # (an edit's fragment, or the page)
            if status in (waited, 1) and self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(status)  # finished successfully, or a compile error

    def _element(self, element, fragment_id: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind == "progress":
            self.progress = element.progress.text
            return
        if kind == "exception":
            self.errors.append(f"traceback: {element.exception.message[:200]}")
            return
        body = getattr(element, kind, None)
        if body is None or not hasattr(body, "id") or not hasattr(body, "label") or not body.id:
            return
        integer = kind == "number_input" and body.data_type == 0  # NumberInput.INT
        self.widgets.setdefault(body.label, Widget(body.id, kind, integer, fragment_id))

    def _poll(self, fragment_id: str, interval: float) -> None:
        """As the browser does for an auto_rerun: ask for the fragment every `interval` s."""
        if not fragment_id or self._polls.get(fragment_id, (None,))[0] == interval:
            return
        old = self._polls.pop(fragment_id, None)
        if old:
            old[1].cancel()

        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:
                    await self._socket.send(self._back_msg(fragment_id=fragment_id, auto=True))
                except Exception:
                    return

        self._polls[fragment_id] = (interval, asyncio.create_task(loop()))

    def widget(self, label: str) -> Widget:
        try:
            return self.widgets[label]
        except KeyError:
            raise RuntimeError(f"no widget {label!r} on the page: {sorted(self.widgets)}") from None


async def open_client(url: str, query: str = "") -> tuple[Client, Answer]:
    """A new session and the answer to its first run (the page as a new visitor sees it)."""
    client = Client(url, query)
    await client.connect()
    return client, await client.run(timeout=120.0)


def shows(payload: bytes, number: int) -> int:
    """How often the decimal digits of `number` appear in a run's messages."""
    return len(re.findall(rb"(?<!\d)" + str(number).encode() + rb"(?!\d)", payload))


# ONE STEP OF THE LADDER


def random_64(rng: np.random.Generator) -> int:
    return (1 << 63) | int(rng.integers(0, 2**63))


@dataclass
class Editor:
    """A session that edits its first number; its second number stays."""

    client: Client
    b: int
    latencies: list[float] = field(default_factory=list)
    wrong: int = 0  # answers without the right sum
    unanswered: int = 0
    late: int = 0  # edits sent late because the previous answer took longer than the interval


async def open_editor(url: str, rng) -> Editor:
    a, b = random_64(rng), random_64(rng)
    client, answer = await open_client(url, f"a={a}&b={b}")
    editor = Editor(client, b)
    if shows(answer.payload, a + b) < 1:
        editor.wrong += 1
        client.errors.append("the first page does not show the sum")
    client.widget("First number")  # the page must have it
    return editor


async def edit_loop(editor: Editor, rng, start: float, until: float) -> None:
    widget = editor.client.widget("First number")
    tick = start
    while True:
        await asyncio.sleep(max(0.0, tick - time.perf_counter()))
        if tick >= until:
            return
        a = random_64(rng)
        try:
            answer = await editor.client.run([(widget, "string_value", str(a))])
        except (asyncio.TimeoutError, ConnectionError) as error:
            editor.unanswered += 1
            editor.client.errors.append(f"edit unanswered: {error!r}"[:200])
            return
        editor.latencies.append(answer.seconds)
        if shows(answer.payload, a + editor.b) < 1:
            editor.wrong += 1
        tick += EDIT_INTERVAL
        while tick < time.perf_counter():
            tick += EDIT_INTERVAL
            editor.late += 1


async def step(editors: list[Editor], seconds: float, rng, pid: int) -> dict:
    """All editors edit at once for `seconds`, each starting at a random point of its first
    interval; the server's answers, CPU and memory over the step."""
    for editor in editors:
        editor.latencies, editor.wrong, editor.unanswered, editor.late = [], 0, 0, 0
    cpu, client_cpu = cpu_seconds(pid), time.process_time()
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(
        *(edit_loop(e, rng, start + float(rng.uniform(0, EDIT_INTERVAL)), until) for e in editors)
    )
    elapsed = time.perf_counter() - start
    latencies = [t for e in editors for t in e.latencies]
    out = {
        "sessions": len(editors),
        "seconds": elapsed,
        "edits": len(latencies),
        "edits_planned": round(len(editors) * seconds / EDIT_INTERVAL),
        "answer": latency_summary(latencies) if latencies else None,
        "wrong": sum(e.wrong for e in editors),
        "unanswered": sum(e.unanswered for e in editors),
        "late": sum(e.late for e in editors),
        "server_cpu_seconds": cpu_seconds(pid) - cpu,
        "client_cpu_seconds": time.process_time() - client_cpu,
        "memory": memory_mb(pid),
    }
    out["served"] = bool(
        latencies
        and out["answer"]["p95"] < P95_LIMIT
        and out["wrong"] == 0
        and out["unanswered"] == 0
    )
    return out


# TRAININGS


@dataclass
class Trainer:
    """A session whose own training runs; restarted whenever it ends, so it runs throughout."""

    client: Client
    states: list  # the training panel's fields and its Start button, as (widget, field, value)
    restarts: int = 0


ENDED = ("converged", "step limit reached", "stopped", "finished", "failed", "paused")


def training_live(progress: str) -> bool:
    return "loss" in progress and not any(word in progress for word in ENDED)


async def start_training(url: str, seed: int) -> Trainer:
    """A session that starts a robust training that never converges, as a visitor does in the
    training panel: the fields set, then Start clicked (a trigger), all in one rerun."""
    client, _ = await open_client(url)
    states = [
        (client.widget("Learning rate"), "double_value", TRAIN_LEARNING_RATE),
        (client.widget("Step limit"), "int_value", TRAIN_STEP_LIMIT),
        (client.widget("Seed"), "int_value", seed),
        (client.widget("Start"), "trigger_value", True),
    ]
    if not client.widgets["Step limit"].integer or not client.widgets["Seed"].integer:
        raise RuntimeError("the training panel's step limit or seed is no longer an integer")
    trainer = Trainer(client, states)
    await press_start(trainer)
    return trainer


async def press_start(trainer: Trainer) -> None:
    """Start (or start again) and wait until the polled progress bar shows a live training."""
    client = trainer.client
    client.progress = ""
    await client.run(trainer.states, timeout=60.0)
    deadline = time.monotonic() + 60.0
    while not training_live(client.progress):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the training did not start: {client.progress!r} {client.errors}")
        await asyncio.sleep(0.2)


async def keep_training(trainers: list[Trainer]) -> None:
    """Start every training again as soon as it ends (50,000 steps can end within a ladder)."""
    while True:
        await asyncio.sleep(1.0)
        for trainer in trainers:
            if not training_live(trainer.client.progress):
                trainer.restarts += 1
                log(f"capacity: a training ended ({trainer.client.progress}); started again")
                await press_start(trainer)


def training_steps(client: Client) -> int | None:
    found = re.search(r"step ([\d,]+) of", client.progress)
    return int(found.group(1).replace(",", "")) if found else None


# ONE LADDER ON ONE SERVER


async def ladder(plan: Plan, trainings: int, rng) -> dict:
    env = {"GRU_VIZ_MAX_TRAININGS": str(max(trainings, 1))}
    log_file = Path(tempfile.mkstemp(prefix="gru-viz-capacity-", suffix=".log")[1])
    server = launch.start_server(env, log=log_file)
    out: dict = {"trainings": trainings, "steps": []}
    editors: list[Editor] = []
    trainers: list[Trainer] = []
    keeper = None
    name = f"{trainings} training{'s' if trainings != 1 else ''}"
    try:
        out["healthy_seconds"] = launch.wait_healthy(server)
        pid = server.process.pid
        await asyncio.sleep(1.0)
        out["idle_memory"] = memory_mb(pid)
        log(f"capacity ({name}): server up, idle {out['idle_memory']['rss']:.0f} MB")
        for seed in range(1, trainings + 1):
            trainers.append(await start_training(server.url, seed))
        if trainings:
            out["memory_trainings_idle"] = memory_mb(pid)
            log(f"capacity ({name}): trainings started ({trainers[0].client.progress})")
            keeper = asyncio.create_task(keep_training(trainers))
        for n in plan.ladder:
            while len(editors) < n:
                batch = min(OPEN_AT_ONCE, n - len(editors))
                editors += await asyncio.gather(
                    *(open_editor(server.url, rng) for _ in range(batch))
                )
            result = await step(editors, plan.step_seconds, rng, pid)
            result["training_progress"] = [t.client.progress for t in trainers]
            result["training_steps"] = [training_steps(t.client) for t in trainers]
            result["trainings_live"] = sum(training_live(t.client.progress) for t in trainers)
            out["steps"].append(result)
            a = result["answer"]
            log(
                f"capacity ({name}): N={n}: {result['edits']} edits, answer p50 "
                f"{ms(a['p50']) if a else '-'}, p95 {ms(a['p95']) if a else '-'}, wrong "
                f"{result['wrong']}, unanswered {result['unanswered']}, late {result['late']}, "
                f"server CPU {result['server_cpu_seconds']:.1f} s, "
                f"{result['memory']['rss']:.0f} MB: {'served' if result['served'] else 'FAILED'}"
            )
            if not result["served"]:
                break
        out["memory_peak"] = memory_mb(pid)["hwm"]
        clients = [*(e.client for e in editors), *(t.client for t in trainers)]
        out["errors"] = [error for client in clients for error in client.errors]
        out["fragment_runs"] = [t.client.fragment_runs for t in trainers]
        out["training_restarts"] = [t.restarts for t in trainers]
    finally:
        if keeper is not None:
            keeper.cancel()
        for client in [*(e.client for e in editors), *(t.client for t in trainers)]:
            await client.close()
        launch.stop_server(server)
    out["server_log_tail"] = log_file.read_text(errors="replace")[-1500:]
    log_file.unlink(missing_ok=True)
    return out


# START TIME


async def first_page(url: str) -> bool:
    """One new session's first run: the default page (1024 + 16) answers with its sum."""
    client, answer = await open_client(url)
    try:
        return answer.status == 0 and shows(answer.payload, 1024 + 16) >= 1
    finally:
        await client.close()


async def start_time(cache: Path) -> dict:
    server = launch.start_server({"GRU_VIZ_XLA_CACHE": str(cache)})
    try:
        healthy = launch.wait_healthy(server)
        right = await first_page(server.url)
        answered = time.perf_counter() - server.started
        idle = memory_mb(server.process.pid)
    finally:
        launch.stop_server(server)
    entries = len(list(cache.glob("*/*.pb")))
    return {
        "healthy": healthy,
        "first_page": answered,
        "right": right,
        "memory": idle,
        "cache_entries_after": entries,
    }


async def start_times() -> dict:
    """Cold (an empty XLA cache) then warm (the cache the cold start left)."""
    cache = Path(tempfile.mkdtemp(prefix="gru-viz-xla-"))
    out = {}
    try:
        for key in ("cold", "warm"):
            out[key] = s = await start_time(cache)
            log(
                f"capacity: {key} start: health at {secs(s['healthy'])}, first page answered "
                f"at {secs(s['first_page'])} ({s['cache_entries_after']} XLA cache entries after)"
            )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return out


# THE MEASUREMENT


def served(result: dict) -> tuple[dict | None, dict | None]:
    """The last step served and the first that failed (None where there is none)."""
    good = [s for s in result["steps"] if s["served"]]
    bad = [s for s in result["steps"] if not s["served"]]
    return (good[-1] if good else None), (bad[0] if bad else None)


async def run(plan: Plan) -> dict:
    rng = np.random.default_rng(23)
    out: dict = {}
    if plan.start_times:
        out["start"] = await start_times()
    out["quiet"] = await ladder(plan, 0, rng)
    out["loaded"] = await ladder(plan, plan.trainings, rng)
    return out


def measure(quick: bool = False) -> dict:
    import importlib.util
    import os

    if importlib.util.find_spec("websockets") is None:
        return {
            "skipped": "the websockets package is not installed (pip install -r requirements.txt)"
        }
    plan = QUICK if quick else FULL
    load_before = os.getloadavg()
    out = asyncio.run(run(plan))
    out["plan"] = plan.__dict__
    out["load_average"] = {"before": list(load_before), "after": list(os.getloadavg())}
    out["cpus"] = os.cpu_count()
    return out


# THE TABLE


def _answer(s: dict | None) -> str:
    if s is None or s["answer"] is None:
        return "no answers"
    a = s["answer"]
    extra = []
    if s["unanswered"]:
        extra.append(f"{s['unanswered']} unanswered")
    if s["wrong"]:
        extra.append(f"{s['wrong']} wrong")
    tail = f"; {', '.join(extra)}" if extra else ""
    return f"p50 {ms(a['p50'])}, p95 {ms(a['p95'])}, max {ms(a['max'])}; {a['n']} edits{tail}"


def _cpu(s: dict, quiet: bool) -> str:
    """The server's CPU over a step: per edit with no training (the trainings run in the server
    process too, so with them only the cores it kept busy say anything), and the client's."""
    server = s["server_cpu_seconds"]
    own = f"server CPU {ms(server / max(s['edits'], 1))} per edit" if quiet else ""
    client = s["client_cpu_seconds"]
    cores = f"server busy {server / s['seconds']:.2f} cores, client {client / s['seconds']:.2f}"
    return f"{own}; {cores}" if own else cores


def _sessions_verdict(n: int) -> str:
    return "met" if n >= TARGET_SESSIONS else f"MISSED: {n} of {TARGET_SESSIONS}"


def rows(result: dict) -> list[Row]:
    plan = result["plan"]
    top = max(plan["ladder"])
    per = f"1 edit per {EDIT_INTERVAL:g} s each, {plan['step_seconds']:g} s per step"
    out = []
    for key, label in (("quiet", "no training"), ("loaded", f"{plan['trainings']} trainings")):
        r = result[key]
        quiet = key == "quiet"
        good, bad = served(r)
        n = good["sessions"] if good else 0
        limit = f"first fail at N={bad['sessions']}" if bad else f"none failed up to N={top}"
        out.append(
            Row(
                "capacity",
                f"sessions editing at once on one server, {label} ({per})",
                f"{n}{'+' if not bad and good else ''}",
                f"{limit}; ladder {', '.join(str(s['sessions']) for s in r['steps'])}",
                f"answer p95 < {P95_LIMIT:g} s"
                + (f"; at least {TARGET_SESSIONS}" if quiet else ""),
                _sessions_verdict(n) if quiet else "",
            )
        )
        for s, how in ((good, "served"), (bad, "failed")):
            if s:
                out.append(
                    Row(
                        "capacity",
                        f"server's answer to an edit at N={s['sessions']} ({how}), {label}",
                        f"p95 {ms(s['answer']['p95'])}" if s["answer"] else "no answers",
                        f"{_answer(s)}; {_cpu(s, quiet)}",
                    )
                )
        memory_at = f"at N={good['sessions']}: {good['memory']['rss']:.0f} MB; " if good else ""
        out.append(
            Row(
                "capacity",
                f"server resident memory, {label}: 1 s after the health check, before any page",
                f"{r['idle_memory']['rss']:.0f} MB",
                f"{memory_at}peak {r['memory_peak']:.0f} MB",
            )
        )
        if not quiet:
            last = r["steps"][-1]
            steps = ", ".join(f"{x:,}" for x in last["training_steps"] if x is not None)
            out.append(
                Row(
                    "capacity",
                    f"the {plan['trainings']} trainings during the ladder",
                    f"{last['trainings_live']} of {plan['trainings']} live at the end",
                    f"at step {steps}; restarted {sum(r['training_restarts'])} times after the "
                    f"step limit; {sum(r['fragment_runs'])} progress polls answered",
                )
            )
        if r["errors"]:
            out.append(
                Row("capacity", f"errors, {label}", str(len(r["errors"])), r["errors"][0][:100])
            )
    start = result.get("start")
    if start:
        for key, label in (("cold", "empty XLA cache"), ("warm", "XLA cache of the first start")):
            s = start[key]
            out.append(
                Row(
                    "capacity",
                    f"start command to first page answered (1024 + 16), {label}",
                    secs(s["first_page"]),
                    f"health at {secs(s['healthy'])}; sum {'right' if s['right'] else 'MISSING'}; "
                    f"{s['memory']['rss']:.0f} MB after; {s['cache_entries_after']} cache entries",
                )
            )
    return out
