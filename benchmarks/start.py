"""A fresh server, as a newcomer meets it: `python -m benchmarks --only start`.

For the README's command (`streamlit run streamlit_app.py`) and for `deploy/serve`, each started
afresh (the on-disk XLA cache warm, as after a first run), first with no results kept on disk
(the first start of a new version: gru_viz.app.result_store, in a new folder; the shipped
models' results that come with the code are read, as on any first start: gru_viz.app.shipped)
and then with those the first start's warm-up kept (where every result it needs came with the
code, it keeps none, and every start is a first one): seconds from spawning it to its
health check, to the number inputs in a browser opened at once, and to the first sum with its
heatmaps; then, one after the other, each tab's time from the click to its content; then the
server's idle CPU (browser.idle_cores) with that tab open and nothing happening, once its
background warm-up is over (an idle page must cost nothing; a file watcher once kept a core
busy here).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import browser
from benchmarks.app import cold_start
from benchmarks.common import Row, log, secs, stats, verdict
from gru_viz.app import launch
from gru_viz.app.result_store import RESULTS_ENV

TARGETS = {"first_sum_after_health": 4.0, "tab": 3.0, "idle_cores": 0.02}
# Each tab, and a text that shows once its content is drawn (its heavy figure or machine).
TABS = (
    ("How far it adds", "Exact sums by operand length"),
    ("Inside the machine", "Read off this GRU"),
    ("Step by step", "The machine inside:"),
    ("How it learned", "Its machine has"),
    ("Side by side", "Its machine:"),
    ("The sum and its gates", "Inside the GRU"),
)
COMMANDS = {"readme": "streamlit run streamlit_app.py (the README)", "serve": "deploy/serve"}


@dataclass(frozen=True)
class Plan:
    commands: tuple[str, ...]
    runs: int
    settle_limit: float  # seconds to wait for the background warm-up before the idle figure
    idle: bool = True  # take the idle figure (once the warm-up is over)


FULL = Plan(commands=("readme", "serve"), runs=3, settle_limit=120.0)
# The warm-up runs for a minute or so after the last tab on this machine: a quick run does not
# wait for it, so it takes no idle figure.
QUICK = Plan(commands=("readme",), runs=1, settle_limit=0.0, idle=False)


def fresh_start(playwright, command: str, plan: Plan, store: Path) -> dict:
    """One start with the results kept in `store` (empty, or left by an earlier start)."""
    stored = any(store.glob("*/*.pkl"))
    env = {RESULTS_ENV: str(store)}
    times, chromium, page, server = cold_start(playwright, command == "readme", env)
    times["stored"] = stored
    try:
        times["tabs"] = {}
        for tab, shown in TABS:
            start = time.perf_counter()
            page.get_by_role("tab", name=tab).click()
            page.get_by_text(shown).last.wait_for(state="visible")
            times["tabs"][tab] = time.perf_counter() - start
        if plan.idle:
            times["settled"] = browser.settle(server.process.pid, limit=plan.settle_limit)
            times["quiet"] = times["settled"] < plan.settle_limit
            times["idle_cores"] = browser.idle_cores(server.process.pid)
    finally:
        chromium.close()
        launch.stop_server(server)
    return times


def measure(quick: bool = False) -> dict:
    if browser.missing():
        return {"skipped": browser.missing()}
    from playwright.sync_api import sync_playwright

    plan = QUICK if quick else FULL
    out: dict = {"plan": plan.__dict__, "runs": {}}
    with sync_playwright() as playwright:
        for command in plan.commands:
            runs = []
            with tempfile.TemporaryDirectory(prefix="gru-viz-results-") as store:
                for i in range(plan.runs):  # the first with nothing kept yet
                    runs.append(fresh_start(playwright, command, plan, Path(store)))
                    log(f"start: {command} run {i + 1}: {runs[-1]}")
            out["runs"][command] = runs
    return out


def rows(result: dict) -> list[Row]:
    out = []
    for command, all_runs in result["runs"].items():
        for stored in (False, True):
            runs = [r for r in all_runs if r.get("stored", False) == stored]
            if runs:
                what = COMMANDS[command] + (
                    ", results kept by an earlier start" if stored else ", nothing kept yet"
                )
                out += command_rows(what, runs)
    return out


def command_rows(what: str, runs: list[dict]) -> list[Row]:
    out = []
    n = len(runs)
    health = stats([r["health"] for r in runs])
    first = stats([r["first_sum"] for r in runs])
    after = stats([r["first_sum"] - r["health"] for r in runs])
    inputs = stats([r["inputs"] for r in runs])
    target = TARGETS["first_sum_after_health"]
    out += [
        Row(
            "start",
            f"{what}: health check answers, median of {n}",
            secs(health.median),
            f"{secs(health.low)} - {secs(health.high)}",
        ),
        Row(
            "start",
            f"{what}: number inputs visible",
            secs(inputs.median),
            f"{secs(inputs.low)} - {secs(inputs.high)}",
        ),
        Row(
            "start",
            f"{what}: first sum and heatmaps",
            secs(first.median),
            f"{secs(first.low)} - {secs(first.high)}",
        ),
        Row(
            "start",
            f"{what}: first sum after the health check",
            secs(after.median),
            f"{secs(after.low)} - {secs(after.high)}",
            f"<= {secs(target)}",
            verdict(after.median, target, " s"),
        ),
    ]
    for tab, _ in TABS:
        opened = stats([r["tabs"][tab] for r in runs])
        out.append(
            Row(
                "start",
                f"{what}: {tab}, click to content",
                secs(opened.median),
                f"{secs(opened.low)} - {secs(opened.high)}",
                f"<= {secs(TARGETS['tab'])}",
                verdict(opened.median, TARGETS["tab"], " s"),
            )
        )
    if not all("idle_cores" in r for r in runs):
        out.append(
            Row(
                "start",
                f"{what}: server CPU with one idle tab open",
                "not taken",
                "a quick run does not wait for the background warm-up to end",
            )
        )
        return out
    settled = stats([r["settled"] for r in runs])
    out.append(
        Row(
            "start",
            f"{what}: background warm-up done, after the last tab",
            secs(settled.median),
            f"{secs(settled.low)} - {secs(settled.high)}",
        )
    )
    idle = stats([r["idle_cores"] for r in runs])
    busy = sum(not r.get("quiet", True) for r in runs)
    out.append(
        Row(
            "start",
            f"{what}: server CPU with one idle tab open, {browser.IDLE_SECONDS:g} s",
            f"{idle.median:.1%} of a core",
            f"{idle.low:.1%} - {idle.high:.1%}"
            + (f"; in {busy} of {len(runs)} runs the warm-up had not ended" if busy else ""),
            f"<= {TARGETS['idle_cores']:.0%}",
            verdict(idle.median, TARGETS["idle_cores"], "") if not busy else "not idle yet",
        )
    )
    return out
