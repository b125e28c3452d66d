"""Models for the app's browser sessions: background training, a cap on trainings at once, and
each session's choice between the shared pretrained model and its own.

Training runs in a plain thread that never calls Streamlit. The page reads a `JobStatus`, a
consistent snapshot, as often as it likes; the thread publishes a copy of the model it trains
at most every `snapshot_every` seconds, so the page can draw the gates as they settle.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gru_viz.analysis import probe_carry_scores, unit_order
from gru_viz.config import TrainConfig

# Job states, as the page shows them.
WAITING, RUNNING, PAUSED, FINISHED, FAILED = "waiting", "running", "paused", "finished", "failed"
LIVE_STATES = (WAITING, RUNNING, PAUSED)


class TrainingSlots:
    """At most `limit` trainings at once in this process; later ones wait in line (first come,
    first served) until a slot is free, or give up when asked to."""

    def __init__(self, limit: int, poll: float = 0.2) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(
                f"the training limit must be a whole number of at least 1; got {limit!r}"
            )
        self.limit = limit
        self.poll = poll  # seconds between a waiting job's checks whether to give up
        self._running = 0
        self._line: deque[object] = deque()
        self._changed = threading.Condition()

    def acquire(self, ticket: object, give_up: Callable[[], bool]) -> bool:
        """Wait for a slot for `ticket`; True once it has one, False if give_up() said so first.

        give_up is called without the line's lock held, so it may take locks of its own.
        """
        with self._changed:
            self._line.append(ticket)
        while True:
            with self._changed:
                if self._line[0] is ticket and self._running < self.limit:
                    self._line.popleft()
                    self._running += 1
                    self._changed.notify_all()
                    return True
            if give_up():
                with self._changed:
                    self._line.remove(ticket)
                    self._changed.notify_all()
                return False
            with self._changed:
                self._changed.wait(self.poll)

    def release(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def place_in_line(self, ticket: object) -> int | None:
        """1 for the next to start, None if `ticket` is not waiting."""
        with self._changed:
            for place, waiting in enumerate(self._line, start=1):
                if waiting is ticket:
                    return place
            return None

    @property
    def running(self) -> int:
        return self._running


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

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def fraction(self) -> float:
        """Share of the step limit done; 1 once finished, converged early or not."""
        if self.state == FINISHED:
            return 1.0
        return min(1.0, self.step / self.config.max_steps)


_job_ids = itertools.count(1)


class TrainingJob:
    """One call of gru_viz.train in a background thread, with pause, resume and stop.

    abandon_after: stop if nobody called touch() for this many seconds (a closed tab); None
    never. train_fn is gru_viz.train unless a test passes another.
    """

    def __init__(
        self,
        config: TrainConfig,
        slots: TrainingSlots,
        snapshot_every: float = 0.5,
        abandon_after: float | None = 300.0,
        train_fn: Callable | None = None,
    ) -> None:
        self.job_id = next(_job_ids)
        self.config = config
        self._slots = slots
        self._snapshot_every = snapshot_every
        self._abandon_after = abandon_after
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
                job_id=self.job_id, state=self._state, config=self.config,
                step=self._steps[-1] if self._steps else 0, steps=tuple(self._steps),
                losses=tuple(self._losses), checks=tuple(self._checks), model=self._model,
                version=self._version, stopped=self._stopped, stop_reason=self._stop_reason,
                error=self._error, place_in_line=place,
                seconds=end - self._started if self._started else 0.0,
            )  # fmt: skip

    # The training thread's side.

    def _should_quit(self) -> bool:
        with self._lock:
            if self._abandon_after is not None and not self._stop:
                if time.monotonic() - self._last_touch > self._abandon_after:
                    self._stop, self._stop_reason = True, "the page was left alone too long"
            return self._stop

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
            with self._lock:
                self._model, self._version = model, self._version + 1
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
                    self._state = RUNNING
                    return False
                self._state = PAUSED
                self._lock.wait(0.25)


@dataclass(frozen=True)
class ActiveModel:
    """The model the page should use now. `key` changes whenever the model does."""

    model: object | None
    key: tuple
    label: str


def describe(model) -> str:
    """A one-line description of a model from its config, training config and provenance."""
    train = model.train_config or {}
    parts = [f"{model.config.hidden_size} hidden units"]
    if train.get("preset"):
        parts.append(f"{train['preset']} preset")
    steps = model.provenance.get("steps")
    if steps:
        parts.append(f"{steps:,} steps")
    check = model.provenance.get("check") or {}
    if check:
        parts.append(
            "exact on " + ", ".join(f"{float(v):.0%} of {k}-bit sums" for k, v in check.items())
        )
    return ", ".join(parts)


class SharedModel:
    """The model every session can use: the pretrained one, loaded once and never changed, or,
    if it cannot be loaded, a default model trained in the background in its place."""

    def __init__(
        self,
        path: str | None,
        slots: TrainingSlots,
        train_fn: Callable | None = None,
        warm: bool = True,
    ) -> None:
        from gru_viz.checkpoint import load_model

        self.error = ""
        self.model = None
        self.fallback: TrainingJob | None = None
        settle_memory()
        try:
            self.model = load_model(path)
        except ValueError as error:
            self.error = str(error)
            config = TrainConfig()
            self.fallback = TrainingJob(config, slots, abandon_after=None, train_fn=train_fn)
            self.fallback.start()
        if self.model is not None and warm:
            threading.Thread(target=warm_up, args=(self.model,), daemon=True).start()

    def fallback_status(self) -> JobStatus | None:
        return None if self.fallback is None else self.fallback.status()

    @property
    def live(self) -> bool:
        """True while the default model is still being trained."""
        status = self.fallback_status()
        return status is not None and status.live

    def active(self) -> ActiveModel:
        if self.model is not None:
            label = f"shipped pretrained model: {describe(self.model)}"
            return ActiveModel(self.model, ("shipped",), label)
        status = self.fallback_status()
        doing = f"training, step {status.step:,}" if status.live else describe_status(status)
        label = f"default model trained on this server ({doing})"
        return ActiveModel(status.model, ("fallback", status.version), label)


def describe_status(status: JobStatus) -> str:
    """How a training ended, in words."""
    ends = {"converged": "converged", "max_steps": "reached its step limit"}
    how = ends.get(status.stopped, "stopped early") if status.state == FINISHED else status.state
    return f"{how} after {status.step:,} steps"


class Workspace:
    """One browser session's models: its own (trained here or uploaded), its training job, and
    which of its own or the shared model it uses. Kept in st.session_state."""

    def __init__(self, slots: TrainingSlots, abandon_after: float | None = 300.0) -> None:
        self.slots = slots
        self.abandon_after = abandon_after
        self.job: TrainingJob | None = None
        self.own = None  # the session's finished or uploaded model
        self.own_label = ""
        self.own_version = 0
        self.use_own = False
        self.last_status: JobStatus | None = None  # of the last training that ended
        self._traces: dict[tuple, object] = {}  # (model key, a, b) -> Trace, the last few
        self._orders: dict[tuple, np.ndarray] = {}  # model key -> units, carry units first
        self._jobs: list[TrainingJob] = []
        weakref.finalize(self, _stop_all, self._jobs)  # the session ended: stop its training

    def start_training(self, config: TrainConfig, train_fn: Callable | None = None) -> TrainingJob:
        if self.job is not None and self.job.status().live:
            raise ValueError("a training is already running in this session; stop it first")
        self.job = TrainingJob(
            config, self.slots, abandon_after=self.abandon_after, train_fn=train_fn
        ).start()
        self._jobs[:] = [self.job]
        self.use_own = True
        return self.job

    def job_status(self) -> JobStatus | None:
        """The status of this session's training, if any; reading it counts as a touch."""
        if self.job is None:
            return None
        self.job.touch()
        return self.job.status()

    def collect(self) -> bool:
        """Keep the model of a training that has ended as the session's own; True if a new one
        was taken (the page then reruns in full)."""
        if self.job is None:
            return False
        status = self.job.status()
        if status.live:
            return False
        self.job, self.last_status = None, status
        if status.model is not None:
            self._set_own(status.model, f"trained in this session ({describe_status(status)})")
        return True

    def upload(self, data: bytes, name: str) -> None:
        """Use the model file in `data` as the session's own; CheckpointError (a ValueError)
        for a bad file, which then changes nothing."""
        if self.job is not None and self.job.status().live:
            raise ValueError("stop the training before uploading a model file")
        from gru_viz.checkpoint import load_model_bytes

        model = load_model_bytes(data, source=name)
        self._set_own(model, f"uploaded from {name}")

    def reset(self) -> None:
        """Stop any training and forget the session's own model."""
        if self.job is not None:
            self.job.stop("reset")
        self.job, self.own, self.own_label, self.use_own = None, None, "", False
        self.last_status = None
        self.own_version += 1

    def _set_own(self, model, label: str) -> None:
        self.own, self.own_label, self.use_own = model, label, True
        self.own_version += 1

    @property
    def training(self) -> bool:
        """True while this session's training is waiting, running or paused."""
        return self.job is not None and self.job.status().live

    def active(self, shared: ActiveModel) -> ActiveModel:
        """The session's own model (live while it trains) if chosen and there is one, else
        `shared`."""
        if self.use_own and self.job is not None:
            self.job.touch()
            status = self.job.status()
            if status.model is not None:
                label = f"training in this session: step {status.step:,}"
                return ActiveModel(status.model, ("job", status.job_id, status.version), label)
        if self.use_own and self.own is not None:
            return ActiveModel(self.own, ("own", self.own_version), self.own_label)
        return shared

    def trace(self, active: ActiveModel, a: int, b: int):
        """active.model.trace(a, b), remembered for the last few models and numbers."""
        key = (active.key, a, b)
        if key not in self._traces:
            while len(self._traces) >= 4:
                self._traces.pop(next(iter(self._traces)))
            self._traces[key] = active.model.trace(a, b)
        return self._traces[key]

    def carry_order(self, active: ActiveModel) -> np.ndarray:
        """The model's units, those that follow the carry most closely first (H,)."""
        if active.key not in self._orders:
            self._orders.clear()
            self._orders[active.key] = unit_order(probe_carry_scores(active.model))
        return self._orders[active.key]


def _stop_all(jobs: list[TrainingJob]) -> None:
    for job in jobs:
        job.stop("the browser session ended")


def settle_memory() -> None:
    """Import TensorFlow and hide everything allocated so far from the garbage collector.

    After every script run Streamlit runs a full collection, and clears the session of Keras
    (which TensorFlow imports), which runs another. With TensorFlow's few hundred thousand
    objects each takes ~0.2 s holding the GIL, which stalled a training thread to a sixth of
    its speed while the page polled. Frozen objects are skipped by every later collection.
    """
    import gc

    import tensorflow  # noqa: F401

    gc.collect()
    gc.freeze()


def warm_up(model, lengths: tuple[int, ...] = (60, 100)) -> None:
    """Compile the forward pass for the padded lengths that additions of up to 64-bit numbers
    use, and for the carry probe, so the first edits do not wait for XLA."""
    probe_carry_scores(model)
    for n_bits in lengths:
        model.trace(2 ** (n_bits - 2), 1, n_bits=n_bits)


ROBUST_CHECK_BITS = (16, 64, 256)  # the app's robust runs report exact sums at these lengths


def training_config(preset: str, **fields) -> TrainConfig:
    """The TrainConfig for the training panel: `preset` with the panel's fields (hidden_size,
    learning_rate, batch_size, train_bits, max_steps, seed). ValueError names a bad field."""
    extra = {"check_bits": ROBUST_CHECK_BITS} if preset == "robust" else {}
    config = TrainConfig(preset=preset, **fields, **extra)
    if config.n_examples:
        n_pairs = 4**config.train_bits
        if config.n_examples > n_pairs:
            raise ValueError(
                f"the {preset} preset trains on {config.n_examples} distinct pairs, but "
                f"{config.train_bits}-bit numbers make only {n_pairs}; use at least "
                f"{_bits_for_pairs(config.n_examples)} training bits"
            )
    return config


def _bits_for_pairs(n_pairs: int) -> int:
    bits = 1
    while 4**bits < n_pairs:
        bits += 1
    return bits


def progress_text(status: JobStatus) -> str:
    """One line for the progress bar: step, loss, latest exact-sum check, time."""
    if status.state == WAITING:
        return "waiting for a free training slot"
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


def refresh_seconds(n_bits: int) -> float:
    """How often the page redraws the results while a model trains: twice a second, less
    often for additions so long that drawing them takes a while."""
    if n_bits <= 2048:
        return 0.5
    return 1.0 if n_bits <= 8192 else 2.0
