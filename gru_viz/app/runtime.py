"""Process tuning for a server that imports TensorFlow: garbage collection and XLA warm-up."""

from __future__ import annotations

from collections.abc import Callable

from gru_viz.addition import AdditionModel
from gru_viz.app.cache import AnalysisCache

WARM_LENGTHS = (12, 60, 100)  # padded to 32, 64 and 128 steps: sums of numbers up to 99 bits


def settle_memory() -> None:
    """Import TensorFlow and hide everything allocated so far from the garbage collector.

    After every script run Streamlit runs a full collection, and clears the session of Keras
    (which TensorFlow imports), which runs another. With TensorFlow's few hundred thousand
    objects each takes ~0.2 s holding the GIL, which stalled a training thread to a sixth of
    its speed while the page polled. Frozen objects are skipped by every later collection.
    """
    import gc

    from gru_viz import quiet, xla_cache

    quiet.tensorflow()  # imported here, without its start-up lines
    # Before the first op below: TensorFlow reads its XLA flags, the persistent cache's
    # directory among them, once, at its first op; enabled any later, the cache is not used.
    xla_cache.enable()

    keep_keras_session()
    lower_tensorflow_priority()
    gc.collect()
    gc.freeze()


TENSORFLOW_NICENESS = 10  # of 19: pages first, then whatever TensorFlow computes


def lower_tensorflow_priority(niceness: int = TENSORFLOW_NICENESS) -> list[int]:
    """Lower the scheduling priority of TensorFlow's worker threads; the thread ids lowered.

    Every TensorFlow op of this process, a training's compiled steps included, runs on the
    worker threads TensorFlow starts at its first op; the pages' own work (running the script,
    building figures, answering the browser) runs on Streamlit's threads. With both cores
    busy training, niceness 10 gives a page's threads about ten times the share of a
    TensorFlow thread, so trainings slow down instead of the pages. A page's own small
    forward passes run on those threads too, at the trainings' priority, as before.
    Only where threads can be told apart (Linux) and only the first time TensorFlow runs an
    op in this process (later calls find no new threads); elsewhere nothing changes.
    """
    import os

    tasks = f"/proc/{os.getpid()}/task"
    if not hasattr(os, "setpriority") or not os.path.isdir(tasks):
        return []
    import tensorflow as tf

    before = set(os.listdir(tasks))
    (tf.constant(1.0) + 1.0).numpy()  # TensorFlow starts its thread pools at its first op
    lowered = []
    for tid in sorted(set(os.listdir(tasks)) - before, key=int):
        try:
            os.setpriority(os.PRIO_PROCESS, int(tid), niceness)
            lowered.append(int(tid))
        except OSError:  # the thread ended, or this system refuses: leave it
            continue
    return lowered


def keep_keras_session() -> None:
    """Stop Streamlit from clearing Keras's session after every script run.

    Streamlit does that for apps that build Keras models in their script; this one builds
    none (its GRU is hand-written), but TensorFlow imports Keras, so every run of the page
    emptied TensorFlow's kernel cache and ran a full garbage collection: about a tenth of the
    server's CPU per edit, and the kernels of the next run, and of any training, built again.
    """
    import sys

    keras = sys.modules.get("keras")
    backend = getattr(keras, "backend", None)
    if backend is not None and hasattr(backend, "clear_session"):
        backend.clear_session = _keep_session


def _keep_session(*args, **kwargs) -> None:
    """Keras's clear_session, for this process: nothing to clear (see keep_keras_session)."""


def run_unknown_fragments_in_full() -> bool:
    """Have an edit in a fragment a session never drew run the whole page instead; whether
    that is in place (not with a Streamlit without the check this relies on).

    With the numbers and the views in one fragment, the browser asks for a run of that fragment
    when a number changes. A page that lost its server (a replica gone, a server restarted)
    reconnects as a new session, whose first request is then a run of a fragment the new
    session does not know: Streamlit drops it, so that edit, and every edit after it, would
    never arrive. Here such a request (not a fragment's timed rerun, which Streamlit drops on
    purpose) runs the whole page with the widget values it carries, which draws the fragment.
    Only a server that calls this before its first request (gru_viz.app.serve) may draw the
    numbers in a fragment: see unknown_fragments_run_in_full.
    """
    from streamlit.runtime.app_session import AppSession

    if unknown_fragments_run_in_full():
        return True
    if not hasattr(AppSession, "has_fragment"):
        return False
    original = AppSession.request_rerun

    def request_rerun(self, client_state=None) -> None:
        if (
            client_state is not None
            and client_state.fragment_id
            and not client_state.is_auto_rerun
            and not self.has_fragment(client_state.fragment_id)
        ):
            client_state.fragment_id = ""
        original(self, client_state)

    request_rerun.runs_unknown_fragments_in_full = True
    AppSession.request_rerun = request_rerun
    return True


def unknown_fragments_run_in_full() -> bool:
    """Whether this process runs a request for a fragment its session never drew as a run of the
    whole page (run_unknown_fragments_in_full was called). `streamlit run streamlit_app.py`
    runs none of this package's code before its first request, so there it is never in place,
    and the page runs whole on every edit."""
    from streamlit.runtime.app_session import AppSession

    return getattr(AppSession.request_rerun, "runs_unknown_fragments_in_full", False)


def page_alive_check() -> Callable[[], bool] | None:
    """A check, safe from any thread, that the browser session running this script is still
    connected; None where there is no Streamlit server (a test, a bare run)."""
    session = page_session()
    return None if session is None else session[1]


def page_session() -> tuple[str, Callable[[], bool]] | None:
    """The id of the browser session running this script and page_alive_check's check; None
    where there is no Streamlit server."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        context, runtime = get_script_run_ctx(), Runtime.instance()
    except Exception:  # no runtime: nothing to ask
        return None
    if context is None:
        return None
    session_id = context.session_id
    return session_id, lambda: runtime.is_active_session(session_id)


def warm_up(model: AdditionModel, cache: AnalysisCache, quick: list) -> None:
    """Compute the quick analyses of `model` into `cache` (each `quick` entry is a
    gru_viz.analyses.Analysis) and compile the forward pass for the lengths of short additions,
    so the first edits do not wait for XLA; then share what was compiled with later starts."""
    from gru_viz import xla_cache

    for analysis in quick:
        cache.get(model, analysis)
    for n_bits in WARM_LENGTHS:
        model.trace(2 ** (n_bits - 2), 1, n_bits=n_bits)
    xla_cache.publish()
