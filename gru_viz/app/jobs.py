"""One background training: gru_viz.train in a plain thread that never calls Streamlit.

The page reads a `JobStatus`, a consistent snapshot, as often as it likes; the thread publishes a
copy of the model it trains at most every `snapshot_every` seconds, so the page can draw the gates
as they settle.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from gru_viz.app.slots import TrainingSlots
from gru_viz.config import TrainConfig

# Job states, as the page shows them.
WAITING, RUNNING, PAUSED, FINISHED, FAILED = "waiting", "running", "paused", "finished", "failed"
LIVE_STATES = (WAITING, RUNNING, PAUSED)
GONE_GRACE = 5.0  # seconds a page may be disconnected (a network blip) before its job stops


@dataclass(frozen=True)
class JobStatus:
    """What a training job has done so far; `model` is the latest published copy (or, once
    finished, the trained model) and `version` counts how often it changed."""

    job_id: int
    state: str
    config: TrainConfig
    step: int
    steps: tuple[int, ...]
    losses: tuple[float, ...]
    checks: tuple[tuple[int, dict[int, float]], ...]
    model: object | None
    version: int
    stopped: str  # once finished: "converged", "max_steps" or "stopped"
    stop_reason: str  # why it was stopped, in words, if it was
    error: str
    place_in_line: int | None
    seconds: float  # training time so far, pauses included
    replay: object | None = None  # once finished, if recorded: a gru_viz.replay.Replay

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def waiting(self) -> bool:
        return self.state == WAITING

    @property
    def paused(self) -> bool:
        return self.state == PAUSED

    @property
    def fraction(self) -> float:
        """Share of the step limit done; 1 once finished, converged early or not."""
        if self.state == FINISHED:
            return 1.0
        return min(1.0, self.step / self.config.max_steps)


_job_ids = itertools.count(1)


class TrainingJob:
    """One call of gru_viz.train in a background thread, with pause, resume and stop.

    It stops by itself, keeping the model so far and freeing its slot, when nobody called
    touch() for `abandon_after` seconds, when `page_alive()` has said False for GONE_GRACE
    seconds (the browser tab was closed), or when it has been paused for `max_paused`
    seconds; None turns each off. train_fn is gru_viz.train unless a test passes another.
    """

    def __init__(
        self,
        config: TrainConfig,
        slots: TrainingSlots,
        snapshot_every: float = 0.5,
        abandon_after: float | None = 300.0,
        train_fn: Callable | None = None,
        max_paused: float | None = None,
        page_alive: Callable[[], bool] | None = None,
        recorder: Callable | None = None,
    ) -> None:
        self.job_id = next(_job_ids)
        self.config = config
        self._slots = slots
        self._snapshot_every = snapshot_every
        self._abandon_after = abandon_after
        self._max_paused = max_paused
        self._page_alive = page_alive
        self._recorder = recorder  # e.g. a gru_viz.replay.SnapshotRecorder: sees every step
        self._replay = None
        self._gone_since: float | None = None  # when page_alive() first said False
        self._paused_since: float | None = None
        self._train_fn = train_fn
        self._lock = threading.Condition()
        self._state = WAITING
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._checks: list[tuple[int, dict[int, float]]] = []
        self._model = None
        self._version = 0
        self._stopped = ""
        self._stop_reason = ""
        self._error = ""
        self._pause = False
        self._stop = False
        self._last_touch = time.monotonic()
        self._last_snapshot = 0.0
        self._started = 0.0
        self._ended = 0.0
        self._thread = threading.Thread(
            target=self._run, name=f"gru-viz-train-{self.job_id}", daemon=True
        )

    # The page's side.

    def start(self) -> "TrainingJob":
        self._thread.start()
        return self

    def pause(self) -> None:
        with self._lock:
            self._pause = True

    def resume(self) -> None:
        with self._lock:
            self._pause = False
            self._lock.notify_all()

    def stop(self, reason: str = "stopped from the page") -> None:
        with self._lock:
            if not self._stop:
                self._stop, self._stop_reason = True, reason
            self._lock.notify_all()

    def touch(self) -> None:
        """Say that someone is still looking at this job (see abandon_after)."""
        with self._lock:
            self._last_touch = time.monotonic()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def status(self) -> JobStatus:
        place = self._slots.place_in_line(self)  # taken before our own lock: never both at once
        with self._lock:
            end = self._ended or time.monotonic()
            return JobStatus(
                job_id=self.job_id,
                state=self._state,
                config=self.config,
                step=self._steps[-1] if self._steps else 0,
                steps=tuple(self._steps),
                losses=tuple(self._losses),
                checks=tuple(self._checks),
                model=self._model,
                version=self._version,
                stopped=self._stopped,
                stop_reason=self._stop_reason,
                error=self._error,
                place_in_line=place,
                seconds=end - self._started if self._started else 0.0,
                replay=self._replay,
            )

    # The training thread's side.

    def _should_quit(self) -> bool:
        reason = self._quit_reason()
        with self._lock:
            if reason and not self._stop:
                self._stop, self._stop_reason = True, reason
            return self._stop

    def _quit_reason(self) -> str:
        """Why the job should stop by itself now, or "" (see the class docstring)."""
        now = time.monotonic()
        alive = self._page_alive is None or self._page_alive()  # never under our lock
        self._gone_since = None if alive else (self._gone_since or now)
        if self._gone_since is not None and now - self._gone_since >= GONE_GRACE:
            return "the browser tab was closed"
        with self._lock:
            if self._abandon_after is not None and now - self._last_touch > self._abandon_after:
                return "the page was left alone too long"
            paused = self._paused_since
        if self._max_paused is not None and paused is not None:
            if now - paused > self._max_paused:
                return f"it was paused for more than {self._max_paused:,.0f} s"
        return ""

    def _run(self) -> None:
        if not self._slots.acquire(self, self._should_quit):
            self._end(FINISHED, stopped="stopped")
            return
        try:
            with self._lock:
                self._state = RUNNING  # PAUSED once a step has ended and it waits
                self._started = time.monotonic()
            train = self._train_fn
            if train is None:
                from gru_viz.training import train
            model, history = train(self.config, on_step=self._on_step)
            replay = self._recorder.replay(model) if self._recorder is not None else None
            with self._lock:
                self._model, self._version, self._replay = model, self._version + 1, replay
            self._end(FINISHED, stopped=history.stopped)
        except Exception as error:  # shown on the page; the details go to the server log
            traceback.print_exc(file=sys.stderr)
            self._end(FAILED, error=f"training failed: {error}")
        finally:
            self._slots.release()

    def _end(self, state: str, stopped: str = "", error: str = "") -> None:
        with self._lock:
            self._state, self._stopped, self._error = state, stopped, error
            self._ended = time.monotonic()
            self._lock.notify_all()

    def _on_step(self, info) -> bool:
        if self._recorder is not None:
            self._recorder(info)
        now = time.monotonic()
        snapshot = None
        if info.accuracy or now - self._last_snapshot >= self._snapshot_every or info.step == 1:
            snapshot, self._last_snapshot = info.model.copy(), now
        with self._lock:
            self._steps.append(info.step)
            self._losses.append(info.loss)
            if info.accuracy:
                self._checks.append((info.step, dict(info.accuracy)))
            if snapshot is not None:
                self._model, self._version = snapshot, self._version + 1
        return self._wait_while_paused()

    def _wait_while_paused(self) -> bool:
        """Block while paused; True if training should stop."""
        while True:
            if self._should_quit():
                return True
            with self._lock:
                if not self._pause:
                    self._state, self._paused_since = RUNNING, None
                    return False
                self._state = PAUSED
                self._paused_since = self._paused_since or time.monotonic()
                self._lock.wait(0.25)


def describe_status(status: JobStatus) -> str:
    """How a training ended, in words."""
    ends = {"converged": "converged", "max_steps": "reached its step limit"}
    how = ends.get(status.stopped, "stopped early") if status.state == FINISHED else status.state
    return f"{how} after {status.step:,} steps"


def progress_text(status: JobStatus) -> str:
    """One line for the progress bar: step, loss, latest exact-sum check, time."""
    if status.state == WAITING:
        return "waiting for a free training slot"
    if status.state == RUNNING and not status.steps:
        return (
            f"preparing: compiling the training steps ({status.seconds:.0f} s; a few seconds, "
            "the first time a model of this size trains on this server)"
        )
    parts = [f"step {status.step:,} of {status.config.max_steps:,}"]
    if status.losses:
        parts.append(f"loss {status.losses[-1]:.4f}")
    if status.checks:
        _, accuracy = status.checks[-1]
        parts.append("exact: " + ", ".join(f"{acc:.0%} at {n} bits" for n, acc in accuracy.items()))
    parts.append(f"{status.seconds:.1f} s")
    ends = {"converged": "converged", "max_steps": "step limit reached", "stopped": "stopped"}
    if status.state == PAUSED:
        parts.append("paused")
    elif status.state == FINISHED:
        reason = f" ({status.stop_reason})" if status.stopped == "stopped" else ""
        parts.append(ends.get(status.stopped, "finished") + reason)
    elif status.state == FAILED:
        parts.append("failed")
    return " · ".join(parts)
