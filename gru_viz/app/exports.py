"""Files the server makes when a visitor asks (a vector SVG drawn by Chromium, an animation as
HTML), made in a line with a cap, so that a crowd pressing the buttons at once cannot start a
Chromium each or fill the memory. Plain threads; no Streamlit calls.

Left to itself kaleido starts one headless Chromium per figure (about 3 s, and a dozen
processes holding 300-900 MB, each), and two drawn at once from two threads can fail. So files
are made one at a time (DRAWING) in one server process, and a line that has figures to draw
keeps one Chromium open for them (`session`, gru_viz.export.kept_browser; a file made without a
browser, such as an animation's HTML, opens none): 0.5-1 s a figure, closed again once the
line has been idle for IDLE seconds. Up to WAITING requests wait in line, first come,
first served, and each knows its place; a request beyond that is refused at once with a
message naming the limit. A request whose page is gone before its turn is dropped. Each session
keeps only the newest file per button, until it downloads it or asks again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DRAWING = 1  # files made at once per server process, in one Chromium kept open meanwhile
WAITING = 32  # requests waiting in line at most; later ones are refused with a message
MAX_WAIT = 150.0  # seconds a request may wait for its turn before it is given up
IDLE = 10.0  # seconds the line keeps its session (Chromium) open for the next request


class ExportRefused(ValueError):
    """The line is full; the message names the limit and says what to do."""


# A request's states, as the page shows them.
QUEUED, MAKING, DONE, FAILED = "queued", "making", "done", "failed"


@dataclass
class ExportJob:
    """One file asked for: made by `make()` in the line's workers."""

    make: Callable[[], bytes]
    what: str  # e.g. "the SVG", for messages
    alive: Callable[[], bool] | None = None  # False once the page that asked is gone
    needs_session: bool = True  # False for a file made without the line's session (HTML)
    state: str = QUEUED
    data: bytes | None = None
    error: str = ""
    asked: float = 0.0  # time.monotonic() when it joined the line
    seconds: float = 0.0  # making time, once done

    @property
    def live(self) -> bool:
        return self.state in (QUEUED, MAKING)


class ExportLine:
    """At most `drawing` jobs made at once, `waiting` more in line (see the module doc)."""

    def __init__(
        self,
        drawing: int = DRAWING,
        waiting: int = WAITING,
        max_wait: float = MAX_WAIT,
        session: Callable[[], contextlib.AbstractContextManager] | None = None,
        idle: float = IDLE,
    ) -> None:
        if drawing < 1 or waiting < 0:
            raise ValueError(f"drawing must be at least 1 and waiting at least 0; got {drawing}")
        self.drawing, self.waiting, self.max_wait = drawing, waiting, max_wait
        self.session = session or contextlib.nullcontext  # held open while there is work
        self.idle = idle
        self._line: deque[ExportJob] = deque()
        self._making = 0
        self._changed = threading.Condition()
        self._workers: list[threading.Thread] = []
        self.peak_making = 0  # the most jobs made at once so far (for tests and benchmarks)

    def submit(self, job: ExportJob) -> ExportJob:
        """Put `job` in line; ExportRefused if the line is full."""
        with self._changed:
            if len(self._line) >= self.waiting:
                raise ExportRefused(
                    f"{len(self._line)} files are waiting to be made on this server, the most "
                    f"it keeps in line ({self.waiting}; it makes {self.drawing} at a time). "
                    "Nothing was made: try again in a minute."
                )
            job.state, job.asked = QUEUED, time.monotonic()
            self._line.append(job)
            self._changed.notify_all()
            while len(self._workers) < self.drawing:
                worker = threading.Thread(
                    target=self._work, name=f"gru-viz-export-{len(self._workers)}", daemon=True
                )
                self._workers.append(worker)
                worker.start()
        return job

    def place(self, job: ExportJob) -> int | None:
        """1 for the next to be made, None if `job` is not waiting."""
        with self._changed:
            for place, waiting in enumerate(self._line, start=1):
                if waiting is job:
                    return place
            return None

    @property
    def making(self) -> int:
        return self._making

    @property
    def queued(self) -> int:
        return len(self._line)

    def _next(self) -> ExportJob | None:
        """The next job to make, dropping those whose page is gone or that waited too long;
        None once the line has been empty for `idle` seconds. Called with the lock held."""
        while True:
            if not self._line:
                self._changed.wait(self.idle)
                if not self._line:
                    return None
            job = self._line.popleft()
            if job.alive is not None and not _safe(job.alive):
                job.state, job.error = FAILED, "the page that asked for it is gone"
                continue
            if time.monotonic() - job.asked > self.max_wait:
                job.state = FAILED
                job.error = (
                    f"it waited more than {self.max_wait:.0f} s for its turn (the server "
                    f"makes {self.drawing} at a time); nothing was made: try again"
                )
                continue
            return job

    def _work(self) -> None:
        """Wait for work; make jobs until the line is idle, with the session open from the
        first job that needs it until then."""
        while True:
            with self._changed:
                while not self._line:
                    self._changed.wait()
            with contextlib.ExitStack() as session:
                while self._make_next(session):
                    pass

    def _make_next(self, session: contextlib.ExitStack) -> bool:
        """Make the next job, opening the session for it if it needs one and none is open;
        False once the line is idle."""
        with self._changed:
            job = self._next()
            if job is None:
                return False
            job.state = MAKING
            self._making += 1
            self.peak_making = max(self.peak_making, self._making)
        if job.needs_session and not getattr(session, "opened", False):
            try:
                session.enter_context(self.session())
            except Exception:  # (no browser: the job itself says what is wrong)
                pass
            session.opened = True
        self._make(job)
        return True

    def _make(self, job: ExportJob) -> None:
        started = time.perf_counter()
        try:
            job.data = job.make()
            job.state = DONE
        except Exception as error:  # shown by the button; one line
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            job.error, job.state = first, FAILED
        finally:
            job.seconds = time.perf_counter() - started
            with self._changed:
                self._making -= 1
                self._changed.notify_all()


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a check that fails counts as a page still there
        return True


def job_words(job: ExportJob, line: ExportLine) -> str:
    """Where a job is, in words, for the page."""
    if job.state == QUEUED:
        place = line.place(job)
        ahead = "next in line" if place in (None, 1) else f"{place - 1} ahead of it in line"
        return (
            f"Waiting to make {job.what}: {ahead} (the server makes {line.drawing} at a time, "
            f"at most {line.waiting} waiting)."
        )
    if job.state == MAKING:
        return f"Making {job.what} on the server (a few seconds)..."
    if job.state == DONE:
        return f"{job.what.capitalize()} is ready ({len(job.data or b'') / 1024:,.0f} KB)."
    return f"Could not make {job.what}: {job.error}"
