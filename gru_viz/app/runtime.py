"""Process tuning for a server that imports TensorFlow: garbage collection and XLA warm-up."""

from __future__ import annotations

from collections.abc import Callable

from gru_viz.app.cache import AnalysisCache
from gru_viz.interface import AdditionModel

WARM_LENGTHS = (60, 100)  # padded lengths 64 and 128: additions of numbers up to 99 bits


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


def page_alive_check() -> Callable[[], bool] | None:
    """A check, safe from any thread, that the browser session running this script is still
    connected; None where there is no Streamlit server (a test, a bare run)."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        context, runtime = get_script_run_ctx(), Runtime.instance()
    except Exception:  # no runtime: nothing to ask
        return None
    if context is None:
        return None
    session_id = context.session_id
    return lambda: runtime.is_active_session(session_id)


def warm_up(model: AdditionModel, cache: AnalysisCache, quick: list) -> None:
    """Compute the quick analyses of `model` into `cache` (each `quick` entry is a function of
    the model) and compile the forward pass for the lengths of short additions, so the first
    edits do not wait for XLA."""
    for fn in quick:
        cache.get(model, fn)
    for n_bits in WARM_LENGTHS:
        model.trace(2 ** (n_bits - 2), 1, n_bits=n_bits)
