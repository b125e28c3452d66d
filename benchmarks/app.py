"""The app in a real browser: `python -m benchmarks --only app`.

Playwright drives Debian's Chromium against `streamlit run streamlit_app.py` on a free loopback
port (the browser is started first and is not part of any figure):
- cold start: from spawning the server to the number inputs visible, and to the first sum
  (the default 1024 + 16) with its gate heatmaps visible;
- a second page on the warm server: the same two figures;
- warm edits: a new 64-bit number, then a new 1,000-digit number, committed with Enter, timed
  inside the page to the new sum and redrawn heatmaps (one untimed edit of each size first);
- the server's resident memory with 1 session, then with 8 sessions open (and its peak).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from benchmarks import browser
from benchmarks.common import Row, latency_summary, log, ms, secs, spread_s, stats, verdict
from gru_viz.app import launch

TARGETS = {
    "inputs": 3.0,
    "first_sum": 8.0,
    "edit_p50": 0.300,
    "edit_p95": 0.600,
    "memory_8": 800.0,
}
DEFAULT_SUM = (1024, 16)  # what the page shows before anyone types


@dataclass(frozen=True)
class Plan:
    cold_starts: int
    edits: int  # timed edits per size
    new_sessions: int  # new sessions opened one at a time on the warm server
    sessions: int  # sessions open at once for the memory figure


FULL = Plan(cold_starts=3, edits=20, new_sessions=3, sessions=8)
QUICK = Plan(cold_starts=1, edits=3, new_sessions=1, sessions=2)


def random_number(rng: np.random.Generator, n_digits: int) -> int:
    """A random number of exactly n_digits decimal digits."""
    from gru_viz.inputs import digits_to_int

    text = str(rng.integers(1, 10)) + "".join(map(str, rng.integers(0, 10, n_digits - 1)))
    return digits_to_int(text)


def random_bits(rng: np.random.Generator, n_bits: int) -> int:
    """A random number of exactly n_bits bits."""
    low = int.from_bytes(rng.bytes((n_bits + 7) // 8), "little") % (1 << (n_bits - 1))
    return (1 << (n_bits - 1)) | low


def cold_start(
    playwright, readme: bool = False, env: dict[str, str] | None = None
) -> tuple[dict, object, object, launch.Server]:
    """Spawn a server (deploy/serve, or the README's command) and load the page in a browser
    started just before; returns the times and the still open browser, page and server."""
    chromium = launch.launch_chromium(playwright)
    page = browser.new_page(chromium)
    server = launch.start_server(env, readme=readme)
    times = {"health": launch.wait_healthy(server)}
    page.goto(server.url)
    page.get_by_role("textbox", name="First number").wait_for(state="visible")
    times["inputs"] = time.perf_counter() - server.started
    browser.wait_for_result(page, *DEFAULT_SUM)
    times["first_sum"] = time.perf_counter() - server.started
    return times, chromium, page, server


def new_session(chromium, server: launch.Server) -> dict:
    """A new session (its own browser context, empty cache) on the warm server: seconds from
    navigation to the inputs and to the first sum, and where that time goes."""
    page = browser.new_page(chromium)
    start = time.perf_counter()
    page.goto(server.url)
    page.get_by_role("textbox", name="First number").wait_for(state="visible")
    inputs = time.perf_counter() - start
    browser.wait_for_result(page, *DEFAULT_SUM)
    times = {"inputs": inputs, "first_sum": time.perf_counter() - start}
    times.update({f"page_{k}": v for k, v in browser.page_timings(page).items()})
    page.context.close()
    return times


def edits(numbers: browser.Inputs, rng, make_number, count: int) -> dict:
    """Set the second number, then time `count` edits of the first, after one untimed one."""
    numbers.edit("b", make_number(rng))
    timings = [numbers.edit("a", make_number(rng)) for _ in range(count + 1)][1:]
    summary = latency_summary([t.visible for t in timings])
    summary["server"] = latency_summary([t.server for t in timings])
    return summary


def sessions_memory(chromium, server: launch.Server, count: int, rng) -> dict:
    """Open count - 1 more sessions, each on its own 64-bit sum; memory once all show it."""
    pages = []
    for _ in range(count - 1):
        page = browser.new_page(chromium)
        a, b = random_bits(rng, 64), random_bits(rng, 64)
        page.goto(server.url + browser.query(a, b))
        pages.append((page, a, b))
    for page, a, b in pages:
        browser.wait_for_result(page, a, b)
    time.sleep(1.0)  # let the last script runs finish and the collector run
    memory = browser.memory_mb(server.process.pid)
    problems = [p for page, _, _ in pages for p in browser.page_problems(page)]
    for page, _, _ in pages:
        page.context.close()
    return {**memory, "problems": problems}


def measure(quick: bool = False) -> dict:
    if browser.missing():
        return {"skipped": browser.missing()}
    from playwright.sync_api import sync_playwright

    plan = QUICK if quick else FULL
    rng = np.random.default_rng(7)
    out: dict = {"plan": plan.__dict__, "cold": []}
    with sync_playwright() as playwright:
        for i in range(plan.cold_starts):
            times, chromium, page, server = cold_start(playwright)
            log(f"app: cold start {i + 1}: {times}")
            out["cold"].append(times)
            try:
                if i == plan.cold_starts - 1:
                    out.update(warm_server(page, server, plan, rng, chromium))
            finally:
                chromium.close()
                launch.stop_server(server)
    out["summary"] = summarize(out)
    return out


def warm_server(page, server: launch.Server, plan: Plan, rng, chromium) -> dict:
    """Edits in the cold-started page, then new sessions, then memory."""
    numbers = browser.Inputs(page, *DEFAULT_SUM)
    out = {
        "edits_64_bit": edits(numbers, rng, lambda r: random_bits(r, 64), plan.edits),
        "edits_1000_digit": edits(numbers, rng, lambda r: random_number(r, 1000), plan.edits),
    }
    log(
        f"app: edit p50 {ms(out['edits_64_bit']['p50'])} (64-bit), "
        f"{ms(out['edits_1000_digit']['p50'])} (1,000-digit)"
    )
    out["new_sessions"] = [new_session(chromium, server) for _ in range(plan.new_sessions)]
    log(f"app: new sessions {out['new_sessions']}")
    time.sleep(1.0)
    out["memory_1"] = browser.memory_mb(server.process.pid)
    out["memory_n"] = sessions_memory(chromium, server, plan.sessions, rng)
    out["problems"] = browser.page_problems(page) + out["memory_n"].pop("problems")
    log(f"app: memory {out['memory_1']} -> {out['memory_n']}")
    return out


def summarize(out: dict) -> dict:
    fresh = out["new_sessions"]
    return {
        "inputs": stats([c["inputs"] for c in out["cold"]]).to_dict(),
        "first_sum": stats([c["first_sum"] for c in out["cold"]]).to_dict(),
        **{
            f"new_{key}": stats([s[key] for s in fresh]).to_dict()
            for key in ("inputs", "first_sum", "page_load", "page_server")
        },
    }


def rows(result: dict) -> list[Row]:
    s = result["summary"]
    n = len(result["cold"])
    out = [
        Row(
            "app",
            f"cold start to inputs visible ({n} starts)",
            secs(s["inputs"]["median"]),
            spread_s(s["inputs"]),
            "< 3 s",
            verdict(s["inputs"]["median"], TARGETS["inputs"], " s"),
        ),
        Row(
            "app",
            f"cold start to first sum + heatmaps visible ({n} starts)",
            secs(s["first_sum"]["median"]),
            spread_s(s["first_sum"]),
            "< 8 s",
            verdict(s["first_sum"]["median"], TARGETS["first_sum"], " s"),
        ),
        Row(
            "app",
            "new session on the warm server: inputs visible",
            secs(s["new_inputs"]["median"]),
            spread_s(s["new_inputs"]),
        ),
        Row(
            "app",
            "new session on the warm server: first sum + heatmaps",
            secs(s["new_first_sum"]["median"]),
            spread_s(s["new_first_sum"]) + f"; page loaded at {secs(s['new_page_load']['median'])}"
            f", last server message at {secs(s['new_page_server']['median'])}",
        ),
    ]
    for key, label in (("edits_64_bit", "64-bit"), ("edits_1000_digit", "1,000-digit")):
        e = result[key]
        p50_target = f"p50 < {ms(TARGETS['edit_p50'])}, p95 < {ms(TARGETS['edit_p95'])}"
        met = ""
        if key == "edits_64_bit":
            verdicts = [
                verdict(e["p50"], TARGETS["edit_p50"], " s"),
                verdict(e["p95"], TARGETS["edit_p95"], " s"),
            ]
            met = (
                "met"
                if verdicts == ["met", "met"]
                else "; ".join(f"{q}: {v}" for q, v in zip(("p50", "p95"), verdicts) if v != "met")
            )
        out.append(
            Row(
                "app",
                f"warm edit, {label} numbers, commit to sum + heatmaps ({e['n']} edits)",
                f"p50 {ms(e['p50'])}",
                f"p95 {ms(e['p95'])}, max {ms(e['max'])}; server done at "
                f"p50 {ms(e['server']['p50'])}",
                p50_target if key == "edits_64_bit" else "",
                met,
            )
        )
    m1, mn = result["memory_1"], result["memory_n"]
    sessions = result["plan"]["sessions"]
    out += [
        Row(
            "app",
            "server resident memory, 1 session",
            f"{m1['rss']:.0f} MB",
            f"peak so far {m1['hwm']:.0f} MB",
        ),
        Row(
            "app",
            f"server resident memory, {sessions} sessions",
            f"{mn['rss']:.0f} MB",
            f"peak {mn['hwm']:.0f} MB",
            "< 800 MB (8 sessions)",
            verdict(mn["rss"], TARGETS["memory_8"], " MB") if sessions == 8 else "",
        ),
        Row("app", "tracebacks shown on any page", str(len(result["problems"]))),
    ]
    return out
