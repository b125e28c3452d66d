"""The server's process tuning: trainings run below the pages' priority, Keras's session is not
cleared after every run, and a model's fingerprint follows its weights."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gru_viz.config import TrainConfig
from gru_viz.training import train

ROOT = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")

# In a fresh process (TensorFlow not yet started): lower TensorFlow's threads, then train in a
# thread as the app does and see which threads did the work.
TRAIN_BELOW_PAGES = textwrap.dedent(
    """
    import os, threading
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    from gru_viz.app import runtime
    from gru_viz.config import TrainConfig
    from gru_viz.training import train

    from benchmarks.browser import cpu_seconds, thread_cpu_seconds

    lowered = runtime.lower_tensorflow_priority()
    assert lowered, "no TensorFlow threads found"
    assert all(os.getpriority(os.PRIO_PROCESS, t) == runtime.TENSORFLOW_NICENESS for t in lowered)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0  # the page's thread
    config = TrainConfig(seed=3, max_steps=100, learning_rate=1e-5, check_every=100)
    train(TrainConfig(seed=3, max_steps=25, learning_rate=1e-5))  # compiled before the count
    pid = os.getpid()
    before, process_before = thread_cpu_seconds(pid), cpu_seconds(pid)
    worker = threading.Thread(target=train, args=(config,))
    worker.start()
    worker.join()
    after, spent = thread_cpu_seconds(pid), cpu_seconds(pid) - process_before
    # The process's own counter keeps the seconds of threads that have ended (the worker's).
    share = sum(after.get(t, 0) - before.get(t, 0) for t in lowered) / max(1e-9, spent)
    print(f"share {share:.2f}")
    """
)


@pytest.mark.skipif(not LINUX, reason="thread priorities are set per thread on Linux only")
def test_trainings_run_on_threads_below_the_pages_priority():
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_BELOW_PAGES],
        cwd=ROOT,  # for benchmarks.browser
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    share = float(done.stdout.split("share")[-1])
    assert share > 0.5, f"only {share:.0%} of a training's CPU ran on the lowered threads"


def test_streamlit_can_no_longer_clear_the_keras_session():
    from streamlit.runtime.scriptrunner.script_runner import _clean_problem_modules

    from gru_viz.app import runtime

    runtime.keep_keras_session()
    model, _ = train(TrainConfig(seed=1, max_steps=2, check_every=2))
    before = model.trace(5, 3)
    _clean_problem_modules()  # what Streamlit calls after every run of the page
    keras = sys.modules["keras"]
    assert keras.backend.clear_session is runtime._keep_session
    np.testing.assert_array_equal(model.trace(5, 3).h, before.h)


def test_a_fingerprint_is_remembered_and_follows_training():
    seen = []
    model, _ = train(
        TrainConfig(seed=2, max_steps=75, check_every=25),
        on_step=lambda info: seen.append(info.model.fingerprint()) if info.step % 25 == 0 else None,
    )
    assert len(set(seen)) == 3  # the live model's weights changed between reports: so did it
    assert model.fingerprint() == model.copy().fingerprint() == seen[-1]


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_a_thread_that_ends_while_the_threads_are_read_is_left_out(monkeypatch):
    import os

    from benchmarks import browser

    listdir = os.listdir
    gone = "2147483647"  # listed, then gone before its counter is read
    monkeypatch.setattr(browser.os, "listdir", lambda path: [*listdir(path), gone])
    seconds = browser.thread_cpu_seconds(os.getpid())
    assert int(gone) not in seconds and os.getpid() in seconds
    assert sum(seconds.values()) <= browser.cpu_seconds(os.getpid()) + 0.05
