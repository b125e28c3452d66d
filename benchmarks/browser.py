"""The app under a real browser: a `streamlit run` server on a free loopback port, Chromium
through Playwright, and a clock that runs inside the page.

An edit is timed in the page itself, with performance.now(): from the Enter key that commits the
number to the first animation frame after the DOM shows both the new sum and the gate heatmaps
redrawn for it, so Playwright's own round trips are not counted.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from gru_viz.app.launch import browser_missing

VIEWPORT = {"width": 1400, "height": 1800}
WAIT_MS = 120_000  # longest wait for a page to load
EDIT_WAIT_MS = 30_000  # longest wait for one edit to show


def missing() -> str | None:
    """Why the browser benchmarks cannot run here, or None if they can."""
    return browser_missing()


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process now (rss) and at its peak (hwm), in MB (2**20 bytes)."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return {"rss": values["VmRSS"], "hwm": values["VmHWM"]}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far, all its threads (those that
    have ended included)."""
    return _stat_ticks(f"/proc/{pid}/stat") / os.sysconf("SC_CLK_TCK")


SETTLED = 0.05  # of a core: a server's background warm-up is over
IDLE_SECONDS = 10.0  # a server's idle CPU is taken over this long


def settle(pid: int, window: float = 2.0, limit: float = 120.0, below: float = SETTLED) -> float:
    """Seconds until the server's CPU over `window` falls below `below` of a core (its
    background warm-up done), at most `limit`."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        before = cpu_seconds(pid)
        time.sleep(window)
        if (cpu_seconds(pid) - before) / window < below:
            break
    return time.perf_counter() - start


def idle_cores(pid: int, seconds: float = IDLE_SECONDS) -> float:
    """Cores the server keeps busy over `seconds` while nobody does anything."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """User plus system CPU seconds each live thread of a process has used so far, by thread
    id. A thread that ends between the listing and the reading of its counter is left out
    (its seconds still count in `cpu_seconds`)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out[int(tid)] = _stat_ticks(f"/proc/{pid}/task/{tid}/stat") / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError):  # the thread is gone
            continue
    return out


def _stat_ticks(path: str) -> int:
    """utime + stime, in clock ticks, of a /proc stat file."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# THE PAGE


def new_page(chromium):
    """A page in a context of its own (its own cache and cookies), with the message clock."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.add_init_script(MESSAGE_CLOCK)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def query(a: int, b: int) -> str:
    return f"/?a={a}&b={b}"


# Installed before a page loads (add_init_script): the time of the last message from the server.
MESSAGE_CLOCK = """(() => {
  const Native = window.WebSocket;
  window.__gvLastMessage = null;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__gvLastMessage = performance.now(); });
    }
  };
})();"""

# Installed once per page: remember when Enter was pressed (capture phase, before Streamlit).
COMMIT_CLOCK = """() => {
  if (window.__gvClock) return;
  window.__gvClock = true;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') window.__gvCommit = performance.now();
  }, true);
}"""

# Watch the DOM until the page shows `expected` (the sum, in decimal) at least `need` times as a
# metric value or code block, and the gates figure (titles "Update gate z" and "Reset gate r")
# has new data whose title contains `title`; then note the next animation frame's time.
WATCH = """([expected, need, title]) => {
  const gates = () => [...document.querySelectorAll('.js-plotly-plot')].find((g) => {
    const notes = ((g.layout || {}).annotations || []).map((a) => a.text);
    return notes.includes('Update gate z') && notes.includes('Reset gate r');
  });
  const before = gates();
  const old = before ? before.data : null;
  window.__gvCommit = null;
  window.__gvDone = null;
  const ready = () => {
    let shown = 0;
    for (const el of document.querySelectorAll('[data-testid="stMetricValue"], pre code')) {
      if (el.textContent.trim() === expected) shown += 1;
    }
    if (shown < need) return false;
    const g = gates();
    if (!g || !g.data || g.data === old || !g._fullLayout) return false;
    const text = ((g.layout.title || {}).text || '');
    return text.includes(title);
  };
  const observer = new MutationObserver(check);
  const timer = setInterval(check, 25);
  let seen = false;
  function check() {
    if (seen || !ready()) return;
    seen = true;
    window.__gvServer = window.__gvLastMessage;
    observer.disconnect();
    clearInterval(timer);
    requestAnimationFrame(() => { window.__gvDone = performance.now(); });
  }
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true});
}"""


def digits(n: int) -> str:
    """n in decimal, without Python's 4,300-digit limit on int -> str."""
    from gru_viz.inputs import int_to_digits

    return int_to_digits(n)


def title_part(a: int, b: int) -> str:
    """How the gates figure's title names a + b (see gru_viz.bit_table.addition_label)."""
    words = [
        digits(n) if len(digits(n)) <= 24 else f"a {len(digits(n)):,}-digit number" for n in (a, b)
    ]
    return " + ".join(words)


@dataclass(frozen=True)
class Edit:
    """One committed edit, in seconds from the Enter key: to the last message the server had
    sent when the result showed, and to the result on screen."""

    server: float
    visible: float


TIMES = """() => ({server: (window.__gvServer - window.__gvCommit) / 1000,
                 visible: (window.__gvDone - window.__gvCommit) / 1000})"""
DONE = "window.__gvDone !== null && window.__gvCommit !== null"


def timed_edit(page, label: str, value: int, a: int, b: int, need: int = 2) -> Edit:
    """Type `value` into the input `label` (a, b: both numbers after the edit), press Enter and
    time it until the new sum and the redrawn gates are on screen. need=2 asks for the sum
    twice (predicted and true, so only for a model that gets it right)."""
    box = page.get_by_role("textbox", name=label)
    box.fill(digits(value))
    page.evaluate(COMMIT_CLOCK)
    page.evaluate(WATCH, [digits(a + b), need, title_part(a, b)])
    box.press("Enter")
    page.wait_for_function(DONE, timeout=EDIT_WAIT_MS, polling=50)
    return Edit(**page.evaluate(TIMES))


LABELS = {"a": "First number", "b": "Second number"}


@dataclass
class Inputs:
    """A page and the two numbers its inputs hold."""

    page: object
    a: int
    b: int

    def edit(self, which: str, value: int, need: int = 2) -> Edit:
        """Commit `value` as number `which` ("a" or "b") and time it (see timed_edit)."""
        setattr(self, which, value)
        return timed_edit(self.page, LABELS[which], value, self.a, self.b, need)


# True once the page shows the sum `expected` at least `need` times and gates titled for it.
RESULT_SHOWN = """([expected, need, title]) => {
  let shown = 0;
  for (const el of document.querySelectorAll('[data-testid="stMetricValue"], pre code'))
    if (el.textContent.trim() === expected) shown += 1;
  const g = [...document.querySelectorAll('.js-plotly-plot')].find((g) =>
    ((g.layout || {}).annotations || []).some((n) => n.text === 'Update gate z'));
  return shown >= need && !!g && !!g._fullLayout &&
         ((g.layout.title || {}).text || '').includes(title);
}"""


def wait_for_result(page, a: int, b: int, need: int = 2) -> None:
    """Wait until the page shows a + b and gates for it (after a page load)."""
    page.wait_for_function(
        RESULT_SHOWN, arg=[digits(a + b), need, title_part(a, b)], timeout=WAIT_MS, polling=25
    )


# The same for Playwright's async API, for many pages at once.


async def wait_for_result_async(page, a: int, b: int, need: int = 2) -> None:
    await page.wait_for_function(
        RESULT_SHOWN, arg=[digits(a + b), need, title_part(a, b)], timeout=WAIT_MS, polling=25
    )


async def timed_edit_async(page, label: str, value: int, a: int, b: int, need: int = 2) -> Edit:
    """timed_edit for an async page."""
    box = page.get_by_role("textbox", name=label)
    await box.fill(digits(value))
    await page.evaluate(COMMIT_CLOCK)
    await page.evaluate(WATCH, [digits(a + b), need, title_part(a, b)])
    await box.press("Enter")
    await page.wait_for_function(DONE, timeout=EDIT_WAIT_MS, polling=50)
    return Edit(**await page.evaluate(TIMES))


def page_timings(page) -> dict:
    """Seconds from the start of navigation to the load event and to the last server message."""
    return page.evaluate("""() => ({
      load: performance.getEntriesByType('navigation')[0].loadEventEnd / 1000,
      server: window.__gvLastMessage / 1000})""")


def page_problems(page) -> list[str]:
    """Tracebacks Streamlit shows on the page (st.exception boxes)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()
