"""Eight sessions at once: `python -m benchmarks --only load`.

One server (the start command, deploy/serve: launch.start_server) on a loopback port and one
Chromium with a context (its own cookies, its own Streamlit session) per session:
1. all sessions open at once, each on its own pair of 64-bit numbers (?a=...&b=...);
2. quiet phase: once the server's background warm-up is over, every session commits new 64-bit
   numbers, one after another with a short pause, all sessions in parallel, for a bounded
   number of edits and a bounded time, with no training running; each edit is timed in the
   page from Enter to the new sum and redrawn heatmaps, and to the server's last message (the
   server's own time to answer). The server process's CPU seconds over the phase, divided by
   the number of edits, is the server's cost of one edit (the browser runs in other processes:
   not on that clock); full runs of the page (which send its title) are counted too;
3. as many sessions as the training cap allows (GRU_VIZ_MAX_TRAININGS) start a training that
   cannot converge (learning rate 1e-5), so it runs the whole time; one more session then asks to
   train too and must be told to wait for a free slot (the cap holds), and gives up;
4. loaded phase: the same edits again while the trainings run. The ratio of the server's p50
   answer time loaded over quiet, in the same run, says whether trainings starve the pages;
5. every page must name its own model (the training sessions their own training, the others the
   shared pretrained model) and show no traceback; the trainings are stopped.
The server's resident memory is sampled twice a second throughout.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

import numpy as np

from benchmarks import browser
from benchmarks.browser import cpu_seconds
from benchmarks.common import Row, latency_summary, log, ms, secs, verdict
from gru_viz.app import launch

TRAIN_LEARNING_RATE = "0.00001"  # the smallest the page accepts: it never converges
SETTLE_LIMIT = 180.0  # seconds, at most, for the background warm-up before the quiet phase
SETTLED_PAGES = 0.15  # of a core: the warm-up is over (eight idle pages poll a little)
TRAIN_STEP_LIMIT = "50000"  # the largest the page accepts: it runs until stopped
STOP_WAIT_MS = 20_000  # after this long without "stopped" on the page, Stop is clicked again
PAGE_TITLE = b"Watch a GRU add binary numbers"  # sent again by every full run of the script


@dataclass(frozen=True)
class Plan:
    sessions: int
    cap: int  # trainings at once (GRU_VIZ_MAX_TRAININGS); this many sessions train
    edits: int  # timed edits per session
    think: float  # seconds between one session's edits
    time_limit: float  # seconds for each editing phase


FULL = Plan(sessions=8, cap=2, edits=10, think=0.25, time_limit=300.0)
QUICK = Plan(sessions=2, cap=1, edits=2, think=0.25, time_limit=60.0)


@dataclass
class Session:
    index: int
    role: str  # "trains", "waits" (asks while the cap is full, then gives up) or "edits"
    page: object
    a: int
    b: int
    open_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # commit to result on screen
    server: list[float] = field(default_factory=list)  # commit to the server's last message
    quiet: list[float] = field(default_factory=list)  # latencies before any training started
    quiet_server: list[float] = field(default_factory=list)
    runs: int = 0  # full script runs this page received (each sends the page's title again)
    errors: list[str] = field(default_factory=list)
    model: str = ""
    repeated_clicks: int = 0  # Stop clicks the page did not answer within STOP_WAIT_MS

    training: bool = False  # True once this session's own training has started

    @property
    def need(self) -> int:
        """How often the sum must show: predicted and true, except for a model in training."""
        return 1 if self.training else 2

    def count_run(self, frame) -> None:
        if isinstance(frame, bytes) and PAGE_TITLE in frame:
            self.runs += 1


def roles(plan: Plan) -> list[str]:
    return ["trains"] * plan.cap + ["waits"] + ["edits"] * (plan.sessions - plan.cap - 1)


def random_64(rng: np.random.Generator) -> int:
    return (1 << 63) | int(rng.integers(0, 2**63))


async def open_session(chromium, url: str, index: int, role: str, rng) -> Session:
    context = await chromium.new_context(viewport=browser.VIEWPORT)
    await context.add_init_script(browser.MESSAGE_CLOCK)
    page = await context.new_page()
    page.set_default_timeout(browser.WAIT_MS)
    session = Session(index, role, page, random_64(rng), random_64(rng))
    page.on("pageerror", lambda error: session.errors.append(f"page error: {error}"))
    page.on("websocket", lambda socket: socket.on("framereceived", session.count_run))
    start = time.perf_counter()
    await page.goto(url + browser.query(session.a, session.b))
    await browser.wait_for_result_async(page, session.a, session.b)
    session.open_seconds = time.perf_counter() - start
    return session


async def set_number(page, label: str, value: str) -> None:
    box = page.get_by_role("spinbutton", name=label, exact=True)
    await box.fill(value)
    await box.press("Enter")


async def start_training(session: Session) -> None:
    """A robust training that never converges, seeded by the session's number."""
    page = session.page
    await set_number(page, "Learning rate", TRAIN_LEARNING_RATE)
    await set_number(page, "Step limit", TRAIN_STEP_LIMIT)
    await set_number(page, "Seed", str(session.index + 1))
    await page.get_by_role("button", name="Start").click()
    session.training = True
    await page.locator('[data-testid="stProgress"]', has_text="loss").first.wait_for()


async def ask_while_full(session: Session) -> str:
    """Ask to train while every slot is taken; the page's answer, then give up (Stop)."""
    page = session.page
    await page.get_by_role("button", name="Start").click()
    waiting = page.get_by_text("Waiting for a free training slot").first
    await waiting.wait_for()
    answer = await waiting.inner_text()
    await click_stop(session)
    return answer


async def click_stop(session: Session, attempts: int = 3) -> object:
    """Click Stop until the progress bar says "stopped" (waiting STOP_WAIT_MS each time); every
    click that had to be repeated is noted on the session. Returns the progress bar."""
    done = session.page.locator('[data-testid="stProgress"]', has_text="stopped").first
    for attempt in range(1, attempts + 1):
        await session.page.get_by_role("button", name="Stop").click()
        try:
            await done.wait_for(timeout=STOP_WAIT_MS)
            return done
        except Exception:  # the page still shows the training as live
            session.repeated_clicks += 1
            if attempt == attempts:
                raise
    return done


async def edit_loop(session: Session, plan: Plan, deadline: float, rng, quiet: bool) -> None:
    latencies, server = (
        (session.quiet, session.quiet_server) if quiet else (session.latencies, session.server)
    )
    for _ in range(plan.edits):
        if time.monotonic() > deadline:
            break
        session.a = random_64(rng)
        try:
            edit = await browser.timed_edit_async(
                session.page, "First number", session.a, session.a, session.b, session.need
            )
        except Exception as error:  # a timeout: counted, and this session stops editing
            session.errors.append(f"edit {len(latencies) + 1}: {error}".split("\n")[0])
            break
        latencies.append(edit.visible)
        server.append(edit.server)
        await asyncio.sleep(plan.think)


async def edit_phase(sessions: list[Session], plan: Plan, rng, quiet: bool, pid: int) -> dict:
    """Every session edits (edit_loop) at once; seconds, server CPU seconds and full runs."""
    runs, cpu = sum(s.runs for s in sessions), cpu_seconds(pid)
    deadline = time.monotonic() + plan.time_limit
    start = time.perf_counter()
    await asyncio.gather(*(edit_loop(s, plan, deadline, rng, quiet) for s in sessions))
    await asyncio.sleep(1.0)  # the last runs' messages arrive
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": cpu_seconds(pid) - cpu,
        "runs": sum(s.runs for s in sessions) - runs,
        "edits": sum(len(s.quiet if quiet else s.latencies) for s in sessions),
    }


async def model_caption(session: Session) -> str:
    caption = session.page.locator('[data-testid="stCaptionContainer"]', has_text="Model:")
    return (await caption.first.inner_text()).strip()


def own_model_shown(session: Session) -> bool:
    expected = "training in this session" if session.role == "trains" else "shipped pretrained"
    return expected in session.model


async def stop_training(session: Session) -> dict:
    """Stop the session's training; its steps and seconds from the progress bar."""
    done = await click_stop(session)
    text = await done.inner_text()
    steps = re.search(r"step ([\d,]+) of", text)
    seconds = re.search(r"([\d.]+) s\b", text)
    return {
        "text": text,
        "steps": int(steps.group(1).replace(",", "")) if steps else None,
        "seconds": float(seconds.group(1)) if seconds else None,
    }


async def sample_memory(pid: int, samples: list[float], every: float = 0.5) -> None:
    while True:
        try:
            samples.append(browser.memory_mb(pid)["rss"])
        except OSError:
            return
        await asyncio.sleep(every)


async def run(plan: Plan) -> dict:
    from playwright.async_api import async_playwright

    rng = np.random.default_rng(11)
    server = launch.start_server({"GRU_VIZ_MAX_TRAININGS": str(plan.cap)})
    memory: list[float] = []
    try:
        launch.wait_healthy(server)
        sampler = asyncio.create_task(sample_memory(server.process.pid, memory))
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=launch.CHROMIUM, args=list(launch.CHROMIUM_ARGS)
            )
            try:
                out = await scenario(chromium, server, plan, rng)
            finally:
                await chromium.close()
        out["memory_peak"] = browser.memory_mb(server.process.pid)["hwm"]
        sampler.cancel()
    finally:
        launch.stop_server(server)
    out["memory_samples_max"] = max(memory) if memory else None
    return out


async def scenario(chromium, server: launch.Server, plan: Plan, rng) -> dict:
    url, pid = server.url, server.process.pid
    start = time.perf_counter()
    sessions = await asyncio.gather(
        *(open_session(chromium, url, i, role, rng) for i, role in enumerate(roles(plan)))
    )
    out: dict = {"open_all_seconds": time.perf_counter() - start}
    log(f"load: {len(sessions)} sessions open in {out['open_all_seconds']:.1f} s")
    # The server computes the shipped models' analyses in the background after its first page:
    # the edits' CPU is taken once that is over (the open pages' own polling still counts)
    out["settled_seconds"] = await asyncio.to_thread(
        browser.settle, pid, limit=SETTLE_LIMIT, below=SETTLED_PAGES
    )
    out["idle_cores"] = await asyncio.to_thread(browser.idle_cores, pid)  # nobody editing
    log(f"load: settled after {out['settled_seconds']:.1f} s; idle {out['idle_cores']:.3f} cores")
    out["quiet_phase"] = await edit_phase(sessions, plan, rng, quiet=True, pid=pid)
    log(f"load: quiet phase {out['quiet_phase']}")
    trainers = [s for s in sessions if s.role == "trains"]
    await asyncio.gather(*(start_training(s) for s in trainers))
    waiter = next(s for s in sessions if s.role == "waits")
    out["waiting_message"] = await ask_while_full(waiter)
    log(f"load: cap {plan.cap}: {out['waiting_message']!r}")
    out["loaded_phase"] = await edit_phase(sessions, plan, rng, quiet=False, pid=pid)
    out["edit_phase_seconds"] = out["loaded_phase"]["seconds"]
    log(f"load: loaded phase {out['loaded_phase']}")
    for session in sessions:
        session.model = await model_caption(session)
    out["trainings"] = await asyncio.gather(*(stop_training(s) for s in trainers))
    for session in sessions:
        tracebacks = await session.page.locator('[data-testid="stException"]').all_inner_texts()
        session.errors += [f"traceback: {t[:200]}" for t in tracebacks]
    out["sessions"] = [
        {
            "index": s.index,
            "role": s.role,
            "open_seconds": s.open_seconds,
            "latencies": s.latencies,
            "server": s.server,
            "quiet": s.quiet,
            "quiet_server": s.quiet_server,
            "errors": s.errors,
            "repeated_clicks": s.repeated_clicks,
            "model": s.model,
            "own_model": own_model_shown(s),
        }
        for s in sessions
    ]
    return out


def measure(quick: bool = False) -> dict:
    if browser.missing():
        return {"skipped": browser.missing()}
    plan = QUICK if quick else FULL
    out = asyncio.run(run(plan))
    out["plan"] = plan.__dict__
    out["summary"] = summarize(out, plan)
    s = out["summary"]
    log(f"load: edits p50 {ms(s['all']['p50'])}, p95 {ms(s['all']['p95'])}; errors {s['errors']}")
    return out


def summarize(out: dict, plan: Plan) -> dict:
    sessions = out["sessions"]
    every = [t for s in sessions for t in s["latencies"]]
    training = [t for s in sessions if s["role"] == "trains" for t in s["latencies"]]
    others = [t for s in sessions if s["role"] != "trains" for t in s["latencies"]]
    rates = [t["steps"] / t["seconds"] for t in out["trainings"] if t["steps"] and t["seconds"]]
    server = latency_summary([t for s in sessions for t in s["server"]])
    quiet_server = latency_summary([t for s in sessions for t in s["quiet_server"]])
    phase = out["quiet_phase"]
    return {
        "all": latency_summary(every),
        "server": server,
        "quiet": latency_summary([t for s in sessions for t in s["quiet"]]),
        "quiet_server": quiet_server,
        "server_ratio": server["p50"] / quiet_server["p50"],
        "cpu_per_edit": phase["cpu_seconds"] / max(phase["edits"], 1),
        "training_sessions": latency_summary(training) if training else None,
        "other_sessions": latency_summary(others) if others else None,
        "edits_planned": plan.sessions * plan.edits,
        "errors": sum(len(s["errors"]) for s in sessions),
        "repeated_clicks": sum(s["repeated_clicks"] for s in sessions),
        "own_model": sum(s["own_model"] for s in sessions),
        "cap_held": f"{plan.cap} of {plan.cap} trainings are running" in out["waiting_message"],
        "open_max": max(s["open_seconds"] for s in sessions),
        "training_steps_per_second": rates,
    }


def idle_share(result: dict) -> float:
    """Seconds of the server's CPU per quiet edit that its open pages cost idle."""
    quiet = result["quiet_phase"]
    return result.get("idle_cores", 0.0) * quiet["seconds"] / max(quiet["edits"], 1)


def rows(result: dict) -> list[Row]:
    s, plan = result["summary"], result["plan"]
    n = plan["sessions"]
    quiet = result["quiet_phase"]
    out = [
        Row(
            "load",
            f"{n} sessions opened at once on a new server: slowest to first sum",
            secs(s["open_max"]),
            f"all open after {secs(result['open_all_seconds'])}",
        ),
        Row(
            "load",
            "server CPU per 64-bit edit (no training)",
            ms(s["cpu_per_edit"]),
            f"{quiet['cpu_seconds']:.2f} CPU s for {quiet['edits']} edits in "
            f"{quiet['seconds']:.0f} s, of which the {n} open pages' idle cost "
            f"{idle_share(result) * 1e3:.1f} ms per edit ({result.get('idle_cores', 0):.3f} "
            f"cores); taken {result.get('settled_seconds', 0):.0f} s after the pages opened, "
            "once the background warm-up was over",
            "20 ms",
            verdict(s["cpu_per_edit"], 0.020),
        ),
        Row(
            "load",
            "server CPU per 64-bit edit, the open pages' idle cost taken out",
            ms(s["cpu_per_edit"] - idle_share(result)),
            f"the CPU the edits added to what the {n} pages cost with nobody editing",
            "",
            "",
        ),
        Row(
            "load",
            f"edits, all {n} sessions in parallel, no training",
            f"p50 {ms(s['quiet']['p50'])}",
            f"p95 {ms(s['quiet']['p95'])}; server done at p50 {ms(s['quiet_server']['p50'])}, "
            f"p95 {ms(s['quiet_server']['p95'])}",
        ),
        Row(
            "load",
            f"server's answer to an edit, p50 with {plan['cap']} trainings over without",
            f"{s['server_ratio']:.2f}x",
            f"{ms(s['server']['p50'])} vs {ms(s['quiet_server']['p50'])}, same sessions, same run",
            "2x",
            verdict(s["server_ratio"], 2.0),
        ),
        Row(
            "load",
            f"edits, all {n} sessions in parallel, {plan['cap']} training",
            f"p50 {ms(s['all']['p50'])}",
            f"p95 {ms(s['all']['p95'])}, max {ms(s['all']['max'])}; "
            f"{s['all']['n']} of {s['edits_planned']} edits in "
            f"{secs(result['edit_phase_seconds'])}; server done at p50 {ms(s['server']['p50'])}",
        ),
    ]
    for key, label in (
        ("other_sessions", "sessions using the shared model"),
        ("training_sessions", "sessions whose own model is training"),
    ):
        if s[key]:
            out.append(
                Row(
                    "load",
                    f"edits, {label}",
                    f"p50 {ms(s[key]['p50'])}",
                    f"p95 {ms(s[key]['p95'])}, max {ms(s[key]['max'])}; n={s[key]['n']}",
                )
            )
    rates = ", ".join(f"{r:.0f}" for r in s["training_steps_per_second"])
    out += [
        Row(
            "load", "training speed in the app under this load", f"{rates} steps/s", "per training"
        ),
        Row(
            "load",
            "errors on any page (tracebacks, page errors, edit timeouts)",
            str(s["errors"]),
            f"Stop clicks that had to be repeated: {s['repeated_clicks']}",
            "0",
            "met" if s["errors"] == 0 else "MISSED",
        ),
        Row(
            "load",
            "sessions naming their own model",
            f"{s['own_model']} of {n}",
            "",
            f"{n} of {n}",
            "met" if s["own_model"] == n else "MISSED",
        ),
        Row(
            "load",
            f"training cap ({plan['cap']}): one more session is told to wait",
            "yes" if s["cap_held"] else "no",
            result["waiting_message"][:60],
            "yes",
            "met" if s["cap_held"] else "MISSED",
        ),
        Row("load", "server resident memory, peak over the run", f"{result['memory_peak']:.0f} MB"),
    ]
    return out
