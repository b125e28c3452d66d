"""The app wing's training and model choice without TensorFlow: a stand-in train function
drives the callbacks."""

import threading
import time
from types import SimpleNamespace

import pytest

from gru_viz.app import panel
from gru_viz.app.jobs import (
    FAILED,
    FINISHED,
    PAUSED,
    RUNNING,
    WAITING,
    JobStatus,
    TrainingJob,
    progress_text,
)
from gru_viz.app.slots import TrainingSlots
from gru_viz.app.workspace import Workspace
from gru_viz.config import TrainConfig
from gru_viz.sources import OWN, SHIPPED, TRAINING, ActiveModel

WAIT = 30.0  # seconds; only ever reached if something hangs


class FakeModel:
    def __init__(self, step: int = 0) -> None:
        self.step = step

    def copy(self) -> "FakeModel":
        return FakeModel(self.step)


class FakeTrain:
    """A train function: `steps` steps, each waiting for `gate` (if given) first."""

    def __init__(self, steps: int = 10, gate: threading.Event | None = None) -> None:
        self.steps, self.gate = steps, gate
        self.started = threading.Event()

    def __call__(self, config, on_step):
        self.started.set()
        model = FakeModel()
        for step in range(1, self.steps + 1):
            if self.gate is not None:
                assert self.gate.wait(WAIT)
            model.step = step
            accuracy = {16: step / self.steps} if step % 5 == 0 else None
            info = SimpleNamespace(
                step=step,
                max_steps=config.max_steps,
                loss=1.0 / step,
                accuracy=accuracy,
                model=model,
            )
            if on_step(info):
                return model, SimpleNamespace(stopped="stopped")
        return model, SimpleNamespace(stopped="max_steps")


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


CONFIG = TrainConfig(max_steps=10)


def test_a_job_reports_every_step_and_keeps_its_model():
    job = TrainingJob(CONFIG, TrainingSlots(1), snapshot_every=0.0, train_fn=FakeTrain(10))
    job.start()
    assert job.join(WAIT)
    status = job.status()
    assert status.state == FINISHED and status.stopped == "max_steps"
    assert status.steps == tuple(range(1, 11))
    assert status.losses[0] == 1.0
    assert status.checks == ((5, {16: 0.5}), (10, {16: 1.0}))
    assert status.model.step == 10 and status.fraction == 1.0
    assert not status.live


def test_snapshots_are_copies_published_at_most_every_interval():
    gate = threading.Event()
    job = TrainingJob(CONFIG, TrainingSlots(1), snapshot_every=3600.0, train_fn=FakeTrain(4, gate))
    job.start()
    gate.set()
    assert job.join(WAIT)
    # Step 1 is always published; then nothing until the hour is up, but the final model is.
    assert job.status().version == 2


def test_pause_blocks_training_and_resume_continues():
    gate = threading.Event()
    job = TrainingJob(CONFIG, TrainingSlots(1), train_fn=FakeTrain(10, gate))
    job.pause()
    job.start()
    gate.set()
    wait_for(lambda: job.status().state == PAUSED, "the pause")
    step = job.status().step
    time.sleep(0.1)
    assert job.status().step == step  # nothing moves while paused
    job.resume()
    assert job.join(WAIT)
    assert job.status().stopped == "max_steps"


def test_stop_ends_training_early_and_keeps_the_model():
    gate = threading.Event()
    train = FakeTrain(10, gate)
    job = TrainingJob(CONFIG, TrainingSlots(1), train_fn=train).start()
    assert train.started.wait(WAIT)
    job.stop()
    gate.set()
    assert job.join(WAIT)
    status = job.status()
    assert status.state == FINISHED and status.stopped == "stopped"
    assert status.step == 1 and status.model is not None
    assert status.stop_reason == "stopped from the page"


def start_one_and_queue_one(slots: TrainingSlots):
    """A first job that holds the only slot until `gate` is set, and a second one behind it."""
    gate = threading.Event()
    first = TrainingJob(CONFIG, slots, train_fn=FakeTrain(3, gate)).start()
    wait_for(lambda: slots.running == 1, "the first job to start")
    second = TrainingJob(CONFIG, slots, train_fn=FakeTrain(3)).start()
    return gate, first, second


def test_the_cap_makes_later_jobs_wait_their_turn():
    slots = TrainingSlots(1)
    gate, first, second = start_one_and_queue_one(slots)
    wait_for(lambda: second.status().place_in_line == 1, "the second job to queue")
    assert second.status().state == WAITING
    assert "waiting for a free training slot" in progress_text(second.status())
    gate.set()
    assert first.join(WAIT) and second.join(WAIT)
    assert second.status().stopped == "max_steps"  # it waited, it did not fail
    assert slots.running == 0


def test_reading_a_waiting_jobs_status_never_deadlocks():
    slots = TrainingSlots(1, poll=1e-5)  # the waiting job checks whether to give up non-stop
    gate, first, second = start_one_and_queue_one(slots)

    # The page reads the status while the job's thread polls for a slot, many times over.
    def read_for_a_while():
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            second.status()

    reader = threading.Thread(target=read_for_a_while, daemon=True)
    reader.start()
    reader.join(WAIT)
    assert not reader.is_alive(), "status() deadlocked against the waiting job"
    gate.set()
    assert first.join(WAIT) and second.join(WAIT)


def test_a_waiting_job_can_be_stopped():
    slots = TrainingSlots(1)
    gate, first, second = start_one_and_queue_one(slots)
    wait_for(lambda: second.status().place_in_line == 1, "the second job to queue")
    second.stop()
    assert second.join(WAIT)
    assert second.status().stopped == "stopped" and second.status().model is None
    gate.set()
    assert first.join(WAIT)


def test_an_abandoned_job_stops_itself():
    gate = threading.Event()
    job = TrainingJob(CONFIG, TrainingSlots(1), abandon_after=0.0, train_fn=FakeTrain(10, gate))
    job.start()
    gate.set()
    assert job.join(WAIT)
    assert job.status().stopped == "stopped"
    assert "left alone" in job.status().stop_reason


def test_a_failing_training_is_reported_not_raised():
    def broken(config, on_step):
        raise RuntimeError("out of memory")

    job = TrainingJob(CONFIG, TrainingSlots(1), train_fn=broken).start()
    assert job.join(WAIT)
    status = job.status()
    assert status.state == FAILED and "out of memory" in status.error


def test_slots_refuse_a_bad_limit():
    with pytest.raises(ValueError, match="at least 1"):
        TrainingSlots(0)


SHARED = ActiveModel("shared model", SHIPPED, "shipped")


def test_workspace_switches_between_shared_live_and_own_models():
    ws = Workspace(TrainingSlots(1))
    assert ws.active(SHARED, use_own=True) is SHARED
    assert "no model of its own yet" in ws.notice(SHARED, use_own=True)
    assert ws.notice(SHARED, use_own=False) == ""
    gate = threading.Event()
    ws.start_training(CONFIG, train_fn=FakeTrain(10, gate))
    assert ws.training
    assert "Your model is training" in ws.notice(SHARED, use_own=True)
    with pytest.raises(ValueError, match="already running"):
        ws.start_training(CONFIG, train_fn=FakeTrain(1))
    gate.set()
    wait_for(lambda: not ws.training, "the training to end")
    assert ws.collect()
    active = ws.active(SHARED, use_own=True)
    assert active.source == OWN and active.own and active.model.step == 10
    assert "trained in this session" in active.label
    assert ws.notice(active, use_own=True) == ""
    assert ws.active(SHARED, use_own=False) is SHARED
    ws.reset()
    assert ws.active(SHARED, use_own=True) is SHARED  # nothing of its own any more


def test_workspace_shows_the_live_model_while_training():
    gate = threading.Event()
    ws = Workspace(TrainingSlots(1))
    ws.start_training(CONFIG, train_fn=FakeTrain(10, gate))
    gate.set()
    wait_for(lambda: ws.job.status().model is not None, "a first snapshot")
    assert ws.active(SHARED, use_own=True).source in (TRAINING, OWN)
    ws.job.join(WAIT)


def test_pause_resume_and_stop_end_the_sessions_training():
    gate = threading.Event()
    ws = Workspace(TrainingSlots(1))
    ws.start_training(CONFIG, train_fn=FakeTrain(10, gate))
    label, _, pauses = panel.pause_button(ws.job_status())
    assert (label, pauses) == ("Pause", True)
    ws.set_paused(pauses)
    gate.set()
    wait_for(lambda: ws.job_status().paused, "the pause")
    # The same Pause click reaching the server again keeps it paused (a toggle resumed it).
    ws.set_paused(pauses)
    time.sleep(0.6)  # (the fake training waits 0.25 s per look while paused)
    assert ws.job_status().paused
    label, _, pauses = panel.pause_button(ws.job_status())
    assert (label, pauses) == ("Resume", False)
    ws.set_paused(pauses)
    wait_for(lambda: not ws.job_status().paused, "the resume")
    ws.stop()
    wait_for(lambda: not ws.training, "the stop")
    assert ws.job_status().stopped in ("stopped", "max_steps")
    assert panel.pause_button(None)[0] == "Pause"


def test_a_bad_upload_changes_nothing():
    ws = Workspace(TrainingSlots(1))
    with pytest.raises(ValueError, match="not-a-model.npz"):
        ws.upload(b"hello", "not-a-model.npz")
    assert ws.own is None
    assert ws.active(SHARED, use_own=True) is SHARED


def test_training_config_takes_the_panel_fields_and_matches_the_library_preset():
    fields = dict(
        hidden_size=8, learning_rate=0.02, batch_size=32, train_bits=10, max_steps=50, seed=3
    )
    config = panel.training_config("robust", fields)
    assert (config.hidden_size, config.train_bits, config.max_steps, config.seed) == (8, 10, 50, 3)
    # Everything else is the library's preset: the page trains what the CLI trains.
    assert config == TrainConfig(preset="robust", **fields)
    with pytest.raises(ValueError, match="batch_size"):
        panel.training_config("robust", {**fields, "batch_size": 0})
    with pytest.raises(ValueError, match="use at least 4 training bits"):
        panel.training_config("tutorial", {**fields, "train_bits": 3})


def test_progress_text_and_refresh():
    status = JobStatus(
        job_id=1,
        state=RUNNING,
        config=CONFIG,
        step=5,
        steps=(1, 2, 3, 4, 5),
        losses=(0.9, 0.8, 0.7, 0.6, 0.5),
        checks=((5, {16: 0.25}),),
        model=None,
        version=1,
        stopped="",
        stop_reason="",
        error="",
        place_in_line=None,
        seconds=1.25,
    )
    text = progress_text(status)
    assert "step 5 of 10" in text and "loss 0.5000" in text and "25% at 16 bits" in text
    assert status.fraction == 0.5
    assert panel.refresh_seconds(64) == 0.5
    assert panel.refresh_seconds(30_000) > 0.5
    assert panel.results_refresh(2**63, 5, live=True) == 0.5
    assert panel.results_refresh(2**63, 5, live=False) is None
    assert panel.results_refresh(None, 5, live=True) == 0.5


def test_a_training_that_compiles_says_so_instead_of_step_0():
    from dataclasses import replace

    status = JobStatus(
        job_id=1,
        state=RUNNING,
        config=CONFIG,
        step=0,
        steps=(),
        losses=(),
        checks=(),
        model=None,
        version=0,
        stopped="",
        stop_reason="",
        error="",
        place_in_line=None,
        seconds=7.4,
    )
    assert progress_text(status).startswith("preparing: compiling the training steps (7 s")
    assert "step 0" not in progress_text(status)
    assert progress_text(replace(status, step=1, steps=(1,), losses=(0.7,))).startswith("step 1")


def test_a_job_whose_page_is_gone_stops_and_frees_its_slot(monkeypatch):
    from gru_viz.app import jobs

    monkeypatch.setattr(jobs, "GONE_GRACE", 0.05)
    slots, alive = TrainingSlots(1), [True]
    job = TrainingJob(CONFIG, slots, train_fn=FakeTrain(10), page_alive=lambda: alive[0])
    job.pause()  # started, then paused: it would hold its slot for ever
    job.start()
    wait_for(lambda: job.status().paused, "the pause")
    alive[0] = False  # the browser tab closed
    assert job.join(WAIT)
    assert job.status().stopped == "stopped" and "tab was closed" in job.status().stop_reason
    assert slots.running == 0 and job.status().model is not None


def test_a_paused_job_stops_after_the_paused_time_limit():
    job = TrainingJob(CONFIG, TrainingSlots(1), train_fn=FakeTrain(10), max_paused=0.2)
    job.pause()
    job.start()
    assert job.join(WAIT)
    status = job.status()
    assert status.stopped == "stopped" and "paused for more than" in status.stop_reason
    assert status.step == 1 and status.model is not None


def test_a_session_may_start_only_so_many_trainings_and_keeps_its_model():
    ws = Workspace(TrainingSlots(1), max_started=2)
    for _ in range(2):
        ws.start_training(CONFIG, train_fn=FakeTrain(3))
        ws.job.join(WAIT)
        assert ws.collect()
    kept = ws.active(SHARED, use_own=True)
    with pytest.raises(ValueError, match="started 2 trainings.*GRU_VIZ_MAX_SESSION_TRAININGS"):
        ws.start_training(CONFIG, train_fn=FakeTrain(3))
    assert not ws.training
    assert ws.active(SHARED, use_own=True).model is kept.model  # nothing of theirs is lost


def test_fifty_training_links_opened_at_once_start_only_as_many_as_the_cap():
    # Each page's check and its place in line are one step: the pages that find every slot
    # taken start nothing (they are told so), and nobody waits in line behind a link.
    slots, gate = TrainingSlots(2), threading.Event()
    spaces = [Workspace(slots) for _ in range(50)]
    barrier = threading.Barrier(50)
    started: list = []

    def open_link(ws: Workspace) -> None:
        barrier.wait(WAIT)
        started.append(ws.start_training(CONFIG, train_fn=FakeTrain(3, gate), at_once=True))

    threads = [threading.Thread(target=open_link, args=(ws,)) for ws in spaces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    jobs = [job for job in started if job is not None]
    assert len(started) == 50 and len(jobs) == 2
    wait_for(lambda: slots.running == 2, "both trainings to run")
    assert slots.waiting == 0
    assert not [ws for ws in spaces if ws.job is None and ws.started]  # the rest: unchanged
    gate.set()
    for job in jobs:
        assert job.join(WAIT)
    assert slots.running == 0
