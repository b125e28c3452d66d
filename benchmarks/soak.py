"""A long run on one server: `python -m benchmarks --only soak` (30 minutes; --quick: seconds).

One server (the start command), two sessions whose trainings run throughout (started from the
training panel as in benchmarks/capacity.py, and started again whenever one ends), and 20
sessions each editing once every 2 s over Streamlit's own protocol, for DURATION seconds,
measured in windows of WINDOW seconds: each window's answers (p50, p95, max), wrong or
unanswered edits, and the server's resident memory at its end. Memory growth is the last
window's against the first's (the first window pays for warm-up); errors are tracebacks on any
page, wrong sums and unanswered edits; "p95 steady" compares the last third of the windows with
the first third.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.browser import memory_mb
from benchmarks.capacity import keep_training, open_editor, start_training, step
from benchmarks.common import Row, log, ms
from gru_viz.app import launch


@dataclass(frozen=True)
class Plan:
    sessions: int  # editing at once
    trainings: int  # running throughout
    duration: float  # seconds of editing in all
    window: float  # seconds per measured window


FULL = Plan(sessions=20, trainings=2, duration=1800.0, window=60.0)
QUICK = Plan(sessions=2, trainings=0, duration=4.0, window=2.0)


async def run(plan: Plan) -> dict:
    rng = np.random.default_rng(30)
    env = {"GRU_VIZ_MAX_TRAININGS": str(max(1, plan.trainings))}  # (the server needs a slot)
    log_file = Path(tempfile.mkstemp(prefix="gru-viz-soak-", suffix=".log")[1])
    server = launch.start_server(env, log=log_file)
    editors, trainers, keeper = [], [], None
    out: dict = {"windows": []}
    try:
        launch.wait_healthy(server)
        pid = server.process.pid
        for seed in range(1, plan.trainings + 1):
            trainers.append(await start_training(server.url, seed))
        keeper = asyncio.create_task(keep_training(trainers))
        for _ in range(plan.sessions):
            editors.append(await open_editor(server.url, rng))
        out["memory_start"] = memory_mb(pid)
        started = time.perf_counter()
        while time.perf_counter() - started < plan.duration:
            window = await step(editors, plan.window, rng, pid)
            window["at"] = time.perf_counter() - started
            out["windows"].append(window)
            a = window["answer"]
            log(
                f"soak: {window['at']:.0f} s: p50 {ms(a['p50']) if a else '-'}, p95 "
                f"{ms(a['p95']) if a else '-'}, wrong {window['wrong']}, unanswered "
                f"{window['unanswered']}, {window['memory']['rss']:.0f} MB"
            )
        clients = [*(e.client for e in editors), *(t.client for t in trainers)]
        out["errors"] = [error for client in clients for error in client.errors]
        out["training_restarts"] = sum(t.restarts for t in trainers)
        out["memory_peak"] = memory_mb(pid)["hwm"]
    finally:
        if keeper is not None:
            keeper.cancel()
        for client in [*(e.client for e in editors), *(t.client for t in trainers)]:
            await client.close()
        launch.stop_server(server)
    out["server_log_tail"] = log_file.read_text(errors="replace")[-1500:]
    log_file.unlink(missing_ok=True)
    return out


def measure(quick: bool = False) -> dict:
    plan = QUICK if quick else FULL
    load_before = os.getloadavg()
    out = asyncio.run(run(plan))
    out["plan"] = plan.__dict__
    out["load_average"] = {"before": list(load_before), "after": list(os.getloadavg())}
    return out


def summary(result: dict) -> dict:
    windows = result["windows"]
    third = max(1, len(windows) // 3)
    p95 = [w["answer"]["p95"] for w in windows if w["answer"]]
    first, last = windows[0]["memory"]["rss"], windows[-1]["memory"]["rss"]
    return {
        "growth": (last - first) / first,
        "first_mb": first,
        "last_mb": last,
        "p95_early": float(np.median(p95[:third])) if p95 else None,
        "p95_late": float(np.median(p95[-third:])) if p95 else None,
        "p95_worst": max(p95) if p95 else None,
        "edits": sum(w["edits"] for w in windows),
        "wrong": sum(w["wrong"] for w in windows),
        "unanswered": sum(w["unanswered"] for w in windows),
    }


def rows(result: dict) -> list[Row]:
    plan, s = result["plan"], summary(result)
    what = (
        f"{plan['sessions']} sessions editing every 2 s and {plan['trainings']} trainings for "
        f"{plan['duration'] / 60:g} min"
    )
    errors = len(result["errors"]) + s["wrong"] + s["unanswered"]
    return [
        Row(
            "soak",
            f"{what}: server memory growth, first to last window",
            f"{s['growth']:+.1%}",
            f"{s['first_mb']:.0f} MB after the first {plan['window']:g} s, {s['last_mb']:.0f} MB "
            f"at the end; peak {result['memory_peak']:.0f} MB",
            "< 10%",
        ),
        Row(
            "soak",
            f"{what}: answer p95, first third of the windows and last third (medians)",
            f"{ms(s['p95_early'])} / {ms(s['p95_late'])}" if s["p95_early"] else "no answers",
            f"worst window {ms(s['p95_worst'])}; {s['edits']:,} edits" if s["p95_worst"] else "",
            "steady",
        ),
        Row(
            "soak",
            f"{what}: errors",
            str(errors),
            f"{s['wrong']} wrong sums, {s['unanswered']} unanswered, {len(result['errors'])} on "
            f"the pages; trainings started again {result['training_restarts']} times",
            "0",
        ),
    ]
