"""Which model a browser session uses: the shared one (shipped, or trained in its place), the
session's own (trained here or uploaded), or its training as it goes."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import replace

from gru_viz.addition import AdditionModel
from gru_viz.app.jobs import JobStatus, TrainingJob, describe_status
from gru_viz.app.slots import TrainingSlots
from gru_viz.config import TrainConfig
from gru_viz.sources import FALLBACK, OWN, TRAINING, ActiveModel, shipped_active, unchecked


class SharedModel:
    """The model every session can use: the pretrained one, loaded once and never changed, or,
    if it cannot be loaded, a default model trained in the background in its place."""

    def __init__(
        self,
        path: str | None,
        slots: TrainingSlots,
        train_fn: Callable | None = None,
        on_load: Callable[[AdditionModel], None] | None = None,
    ) -> None:
        from gru_viz.model import load_model

        self.error = ""
        self.model: AdditionModel | None = None
        self.fallback: TrainingJob | None = None
        try:
            self.model = load_model(path)
        except ValueError as error:
            self.error = str(error)
            self.fallback = TrainingJob(TrainConfig(), slots, abandon_after=None, train_fn=train_fn)
            self.fallback.start()
        if self.model is not None and on_load is not None:
            threading.Thread(target=on_load, args=(self.model,), daemon=True).start()

    def fallback_status(self) -> JobStatus | None:
        return None if self.fallback is None else self.fallback.status()

    @property
    def live(self) -> bool:
        """True while the default model is still being trained."""
        status = self.fallback_status()
        return status is not None and status.live

    def active(self) -> ActiveModel:
        if self.model is not None:
            return shipped_active(self.model)
        status = self.fallback_status()
        doing = f"training, step {status.step:,}" if status.live else describe_status(status)
        label = f"default model trained on this server ({doing})"
        return ActiveModel(status.model, FALLBACK, label, live=status.live)


class Workspace:
    """One browser session's models: its own (trained here or uploaded) and its training job.
    Kept in st.session_state; whether the session looks at its own model is the page's choice,
    passed to `active`."""

    def __init__(
        self,
        slots: TrainingSlots,
        abandon_after: float | None = 300.0,
        max_paused: float | None = None,
        page_alive: Callable[[], bool] | None = None,
        record: bool = False,
        max_started: int | None = None,
    ) -> None:
        self.slots = slots
        self.max_started = max_started  # trainings this session may start in all (None: any)
        self.started = 0
        self.record = record  # keep snapshots of each training, to replay how it learned
        self.abandon_after = abandon_after
        self.max_paused = max_paused  # see TrainingJob: when its training stops by itself
        self.page_alive = page_alive
        self.job: TrainingJob | None = None
        self.own: AdditionModel | None = None  # the session's finished or uploaded model
        self.own_label = ""
        self.own_replay = None  # how `own` learned, if it was trained here
        self.own_config: TrainConfig | None = None  # what trains `own` again, if trained here
        self.last_status: JobStatus | None = None  # of the last training that ended
        self._jobs: list[TrainingJob] = []
        weakref.finalize(self, _stop_all, self._jobs)  # the session ended: stop its training

    def start_training(
        self, config: TrainConfig, train_fn: Callable | None = None, at_once: bool = False
    ) -> TrainingJob | None:
        """Start a training of `config` (it waits in line for a slot); with `at_once`, only if
        a slot is free for it now, else None and nothing changes."""
        if self.training:
            raise ValueError("a training is already running in this session; stop it first")
        if self.max_started is not None and self.started >= self.max_started:
            raise ValueError(
                f"this page has started {self.started} trainings, the most one visitor may start "
                f"on this server (GRU_VIZ_MAX_SESSION_TRAININGS); the models you have stay "
                "as they are"
            )
        job = TrainingJob(
            config,
            self.slots,
            abandon_after=self.abandon_after,
            train_fn=train_fn,
            max_paused=self.max_paused,
            page_alive=self.page_alive,
            recorder=_recorder() if self.record else None,
        )
        if at_once and not self.slots.reserve(job):
            return None
        self.job = job.start()
        self._jobs[:] = [self.job]
        self.started += 1
        return self.job

    def job_status(self) -> JobStatus | None:
        """The status of this session's training, if any; reading it counts as a touch."""
        if self.job is None:
            return None
        self.job.touch()
        return self.job.status()

    def latest_status(self) -> JobStatus | None:
        """The training running now, else the last one that ended, else None."""
        return self.job_status() or self.last_status

    def collect(self) -> bool:
        """Keep the model of a training that has ended as the session's own; True if a new one
        was taken."""
        if self.job is None:
            return False
        status = self.job.status()
        if status.live:
            return False
        self.job, self.last_status = None, status
        if status.model is not None:
            self.own, self.own_replay = status.model, status.replay
            self.own_config = trained_config(status)
            self.own_label = f"trained in this session ({describe_status(status)})"
            if unchecked(status.model):
                self.own_label += "; it never passed its training check"
        return True

    def upload(self, data: bytes, name: str) -> None:
        """Use the model file in `data` as the session's own; CheckpointError (a ValueError)
        for a bad file, which then changes nothing."""
        if self.training:
            raise ValueError("stop the training before uploading a model file")
        from gru_viz.model import load_model_bytes

        self.own = load_model_bytes(data, source=name)
        self.own_label, self.own_replay = f"uploaded from {name}", None
        self.own_config = None  # not known to train it again

    def reset(self) -> None:
        """Stop any training and forget the session's own model."""
        if self.job is not None:
            self.job.stop("reset")
        self.job, self.own, self.own_label, self.last_status = None, None, "", None
        self.own_replay, self.own_config = None, None

    @property
    def training(self) -> bool:
        """True while this session's training is waiting, running or paused."""
        return self.job is not None and self.job.status().live

    def set_paused(self, paused: bool) -> None:
        """Pause this session's training (paused), or resume it. What the button said is what
        happens: a click that reaches the server twice, or late, cannot undo itself."""
        if self.job is None:
            return
        self.job.touch()
        if paused:
            self.job.pause()
        else:
            self.job.resume()

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()

    def active(self, shared: ActiveModel, use_own: bool) -> ActiveModel:
        """With use_own, the session's training (its latest snapshot) or else its own model;
        `shared` if it has neither, or without use_own."""
        if use_own and self.job is not None:
            self.job.touch()
            status = self.job.status()
            if status.model is not None:
                label = f"training in this session: step {status.step:,}"
                return ActiveModel(status.model, TRAINING, label, live=status.live)
        if use_own and self.own is not None:
            return ActiveModel(self.own, OWN, self.own_label)
        return shared

    def notice(self, active: ActiveModel, use_own: bool) -> str:
        """What to tell someone who chose their own model but is shown the shared one."""
        if not use_own or active.own:
            return ""
        if self.job is not None:
            return "Your model is training; the results follow it from its first step."
        return "This session has no model of its own yet: train one below or upload one."


def trained_config(status: JobStatus) -> TrainConfig | None:
    """The settings that train the model of an ended training again: its config, with the
    step limit at the last step if it was stopped early (training is deterministic, and a
    model stopped at step k is the model after k steps); None for a training that failed."""
    if status.stopped not in ("converged", "max_steps", "stopped"):
        return None
    if status.stopped == "stopped" and status.step:
        return replace(status.config, max_steps=status.step)
    return status.config


def _recorder():
    from gru_viz.replay import SnapshotRecorder

    return SnapshotRecorder()


def _stop_all(jobs: list[TrainingJob]) -> None:
    for job in jobs:
        job.stop("the browser session ended")
