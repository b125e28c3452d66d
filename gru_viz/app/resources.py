"""What all sessions of one server share: the training slots, the analysis cache, the shared
pretrained model and the shipped reference models and their training records.

Each is made once per process by Streamlit's resource cache (so `st.cache_resource.clear()`
starts afresh, as the tests do). They are declared here, in a module imported once, and not in
the page's script: Streamlit re-runs the script on every edit, and declaring a cached function
there hashed its source again on every run.
"""

from __future__ import annotations

import contextlib
import logging
import threading

import streamlit as st

from gru_viz.app.settings import AppSettings
from gru_viz.sources import REFERENCES


@st.cache_resource(show_spinner=False)
def training_slots(limit: int):
    from gru_viz.app.slots import TrainingSlots

    return TrainingSlots(limit)


@st.cache_resource(show_spinner=False)
def analysis_cache():
    """Analyses of every model, shared by all sessions (see gru_viz.app.cache)."""
    from gru_viz.app import result_store
    from gru_viz.app.cache import AnalysisCache

    return AnalysisCache(store=result_store.open_default(), shipped=result_store.open_shipped())


@st.cache_resource(show_spinner=False)
def _shared_model(path: str | None, max_trainings: int):
    from gru_viz.app import runtime
    from gru_viz.app.workspace import SharedModel

    runtime.settle_memory()

    def warm_up(model) -> None:
        from gru_viz.analyses import CARRY_UNITS

        analysis_cache().keep(model)  # every visitor sees it: its results are kept on disk
        runtime.warm_up(model, analysis_cache(), quick=[CARRY_UNITS])

    try:
        return SharedModel(path, training_slots(max_trainings), on_load=warm_up)
    finally:  # (loaded, or failed: either way the page no longer waits for it to load)
        _loaded(path, max_trainings).set()


@st.cache_resource(show_spinner=False)
def _loaded(path: str | None, max_trainings: int) -> threading.Event:
    """Set once _shared_model is done."""
    return threading.Event()


def start_loading(settings: AppSettings) -> None:
    """Load the shared model in the background from the first page's first moment, so that
    TensorFlow's import overlaps drawing the page (shared_model then waits for it)."""
    _loading(settings.model_path, settings.max_trainings)


def loading(settings: AppSettings) -> bool:
    """True until the shared model is loaded (TensorFlow's import, the file, the first
    compiles), whether or not start_loading has been called yet."""
    return not _loaded(settings.model_path, settings.max_trainings).is_set()


_SHARED_IMPORT = threading.Lock()  # held while import_shared_libraries imports


def import_shared_libraries() -> None:
    """Import, on this thread, what TensorFlow's import and the page's charts both import, before
    a thread imports TensorFlow: two threads importing one package at once can see it half
    made ("partially initialized module 'pandas'" on a fresh server's first page). These are
    the packages both import (gru_viz's own modules import in one order: no circles)."""
    with _SHARED_IMPORT:
        import pandas  # noqa: F401
        import PIL.Image  # noqa: F401


@contextlib.contextmanager
def shared_libraries_settled():
    """Hold off import_shared_libraries while a page draws a figure before the model is loaded
    (the preview): Plotly looks pandas up among the imported modules, and pages opened at once
    on a new server took it half made while the first of them imported it."""
    with _SHARED_IMPORT:
        yield


@st.cache_resource(show_spinner=False)
def _loading(path: str | None, max_trainings: int) -> threading.Thread:
    import_shared_libraries()
    thread = threading.Thread(
        target=_shared_model, args=(path, max_trainings), name="gru-viz-load", daemon=True
    )
    thread.start()
    return thread


def shared_model(settings: AppSettings):
    """The pretrained model (or the default one trained in its place), one for all sessions."""
    return _shared_model(settings.model_path, settings.max_trainings)


@st.cache_resource(show_spinner=False)
def shipped_replays():
    """How the shipped models learned, by model fingerprint (those whose record is shipped)."""
    from gru_viz.replay import load_replay, replay_path

    replays = {}
    for model, path in zip(reference_models().values(), REFERENCES.values()):
        if not model.train_config:  # written, not trained: there is no record to read
            continue
        try:
            replays[model.fingerprint()] = load_replay(replay_path(path))
        except ValueError:  # no record shipped, or a broken one: the tab says there is none
            logging.getLogger(__name__).warning("no training record beside %s", path)
    return replays


@st.cache_resource(show_spinner=False)
def reference_models():
    """The shipped robust and tutorial models, drawn beside any model as references."""
    from gru_viz.sources import reference_models as load_references

    models = load_references()
    for model in models.values():  # every visitor may see them: their results kept on disk
        analysis_cache().keep(model)
    return models


def warm_views(settings: AppSettings) -> None:
    """Once per process, after the first page, unless GRU_VIZ_WARM_UP is off: see _warm_views."""
    if settings.warm_up:
        _warm_views(settings.model_path, settings.max_trainings)


@st.cache_resource(show_spinner=False)
def _warm_views(path: str | None, max_trainings: int) -> bool:
    """Once per process, after the first page: queue the heavy analyses of the shared and the
    shipped models behind anything a visitor asks for, so that a tab opened later finds its
    figures ready (those that came with the code are read, not computed: gru_viz.app.shipped)."""
    from gru_viz.app.shipped import analyses_ahead

    shared = _shared_model(path, max_trainings).model
    unique = {m.fingerprint(): m for m in (shared, *reference_models().values()) if m}
    models = list(unique.values())  # the shared model first, then the shipped ones not it
    cache = analysis_cache()
    for analysis in analyses_ahead():  # one analysis for every model, then the next
        for model in models:
            cache.prefetch(model, analysis)
    return True


@st.cache_resource(show_spinner=False)
def export_line():
    """The line in which files asked for on the page are made (see gru_viz.app.exports)."""
    from gru_viz.app.exports import ExportLine
    from gru_viz.export import kept_browser

    return ExportLine(session=kept_browser)
