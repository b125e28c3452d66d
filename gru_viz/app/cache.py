"""Analyses of a model, computed once per model and shared by every browser session.

Results are keyed by the model's fingerprint (a hash of its config, weights and ablation), the
analysis function and its arguments. A live training's snapshots, an upload and the shipped
model each have their own fingerprint, so none is ever served another's results, and two
sessions looking at the same model share one computation.

A view plugs in with one compute function `fn(model, *args)`: `get` runs it on the page's thread
(quick analyses: a trace, the carry order); `request` runs it on one background worker and
answers at once with `Pending` (and its progress) until the result is ready (heavy analyses:
length curves, the automaton, ablation rankings). A background function takes a keyword
`progress`, a callable given the fraction done.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import queue
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from gru_viz.interface import AdditionModel

MAX_MODELS = 12  # models whose results are kept; the least recently used is dropped first
MAX_RESULTS = 24  # results kept per model, least recently used dropped first
MAX_BYTES = 256 * 2**20  # arrays kept in all results at most; the oldest go first


@dataclass(frozen=True)
class Pending:
    """A background analysis under way: `fraction` done so far, in [0, 1]."""

    fraction: float


@dataclass(frozen=True)
class Failed:
    """A background analysis that raised; `message` says what went wrong."""

    message: str


class _Progress:
    def __init__(self) -> None:
        self.fraction = 0.0

    def __call__(self, fraction: float) -> None:
        self.fraction = min(1.0, max(0.0, float(fraction)))


class AnalysisCache:
    """Results per model fingerprint, least recently used models and results dropped first."""

    def __init__(
        self,
        max_models: int = MAX_MODELS,
        max_results: int = MAX_RESULTS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.max_models = max_models
        self.max_results = max_results
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._models: OrderedDict[str, OrderedDict[Hashable, object]] = OrderedDict()
        self._running: dict[tuple[str, Hashable], tuple[Future, _Progress]] = {}
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        _OPEN.add(self)

    def get(self, model: AdditionModel, fn: Callable, *args: Hashable) -> object:
        """fn(model, *args), computed here the first time and remembered for this model."""
        fingerprint, key = model.fingerprint(), _key(fn, args)
        found, value = self._lookup(fingerprint, key)
        if found:
            return value
        value = fn(model, *args)
        self._store(fingerprint, key, value)
        return value

    def request(self, model: AdditionModel, fn: Callable, *args: Hashable) -> object:
        """fn(model, *args, progress=...) if it is ready; else start it in the background (once)
        and return Pending with its progress, or Failed if it raised."""
        fingerprint, key = model.fingerprint(), _key(fn, args)
        found, value = self._lookup(fingerprint, key)
        if found:
            return value
        with self._lock:
            if (fingerprint, key) not in self._running:
                progress = _Progress()
                future = self._submit(fn, model, *args, progress=progress)
                self._running[fingerprint, key] = (future, progress)
                future.add_done_callback(lambda f: self._finish(fingerprint, key, f))
            future, progress = self._running[fingerprint, key]
        if future.done():
            return self._finish(fingerprint, key, future)
        return Pending(progress.fraction)

    def wait(self, model: AdditionModel, fn: Callable, *args: Hashable) -> object:
        """The background result of fn(model, *args), waiting for it if need be."""
        result = self.request(model, fn, *args)
        if isinstance(result, Pending):
            with self._lock:
                future, _ = self._running[model.fingerprint(), _key(fn, args)]
            future.exception()  # waits
            result = self.request(model, fn, *args)
        return result

    def close(self, timeout: float = 60.0) -> None:
        """Let the analysis under way finish, drop the queued ones and stop the worker: a
        process must not exit while the worker is inside TensorFlow (it would abort)."""
        with self._lock:
            worker, self._worker = self._worker, None
            while not self._jobs.empty():
                job = self._jobs.get_nowait()
                if job is not None:
                    job[0].cancel()
            self._jobs.put(None)
        if worker is not None:
            worker.join(timeout)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()

    def _submit(self, fn: Callable, *args: object, **kwargs: object) -> Future:
        """Queue fn(*args, **kwargs) for the one background worker (a daemon thread, so a
        server that exits does not wait for it). Called with the lock held."""
        future: Future = Future()
        self._jobs.put((future, fn, args, kwargs))
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="gru-viz-analysis", daemon=True)
            self._worker.start()
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:  # close(): the process is ending
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # reported by request() as Failed
                future.set_exception(error)

    def _finish(self, fingerprint: str, key: Hashable, future: Future) -> object:
        if future.cancelled():  # close(): the process is ending
            return Failed("cancelled: the server is stopping")
        error = future.exception()
        if error is None:
            self._store(fingerprint, key, future.result())
            with self._lock:
                self._running.pop((fingerprint, key), None)
            return future.result()
        if not (isinstance(error, RuntimeError) and "after shutdown" in str(error)):
            # (that one is the interpreter exiting under a running analysis: nothing to report)
            logging.getLogger(__name__).error("analysis failed", exc_info=error)
        return Failed(str(error) or type(error).__name__)

    def _lookup(self, fingerprint: str, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            results = self._models.get(fingerprint)
            if results is None or key not in results:
                return False, None
            self._models.move_to_end(fingerprint)
            results.move_to_end(key)
            return True, results[key]

    def _store(self, fingerprint: str, key: Hashable, value: object) -> None:
        with self._lock:
            results = self._models.setdefault(fingerprint, OrderedDict())
            results[key] = value
            self._models.move_to_end(fingerprint)
            while len(results) > self.max_results:
                results.popitem(last=False)
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
            self._shrink_to_bytes()

    @property
    def nbytes(self) -> int:
        """Bytes of arrays held in all results."""
        return sum(_nbytes(v) for results in self._models.values() for v in results.values())

    def _shrink_to_bytes(self) -> None:
        """Drop least recently used results until the arrays held fit max_bytes (the newest
        result is kept even if it alone is larger). Called with the lock held."""
        total = self.nbytes
        while total > self.max_bytes:
            fingerprint, results = next(iter(self._models.items()))
            if len(self._models) == 1 and len(results) == 1:
                return
            _, value = results.popitem(last=False)
            total -= _nbytes(value)
            if not results:
                del self._models[fingerprint]


_OPEN: weakref.WeakSet[AnalysisCache] = weakref.WeakSet()  # caches to close at exit


@atexit.register
def _close_all() -> None:
    for cache in list(_OPEN):
        cache.close()


def _nbytes(value: object) -> int:
    """Bytes of the numpy arrays in a result (an array, or a dataclass holding arrays)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if dataclasses.is_dataclass(value):
        return sum(_nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def _key(fn: Callable, args: tuple) -> Hashable:
    # The function itself: compute functions live in the package, so they are the same objects
    # on every rerun of the page.
    return (fn, args)
