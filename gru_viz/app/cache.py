"""Analyses of a model, computed once per model and shared by every browser session.

Results are keyed by the model's fingerprint (a hash of its config, weights and ablation), the
analysis function and its arguments. A live training's snapshots, an upload and the shipped
model each have their own fingerprint, so none is ever served another's results, and two
sessions looking at the same model share one computation.

The cache is a gru_viz.analyses.Analyses, so views ask it as they ask anything else: `request`
answers at once with a Result, ready, pending (with its progress) or failed; `get` answers with
the value, computing a quick analysis on the page's thread (a trace, the carry order) and
raising NotReady while a heavy one (length curves, the machine, the unit ranking) is computed
in the background, or if it failed. Two background workers run the jobs, pages' requests first;
only one of them runs prefetched jobs (`prefetch`), so a request never waits behind a long one.

A model only one page can see (an upload, a training's snapshot) is `own`ed by that page: once
the page has been gone for OWNER_GRACE seconds (its tab closed), its results are dropped and
its queued jobs cancelled, rather than kept until newer models push them out.

With a `store` (gru_viz.app.result_store), the heavy results (and the quick ones marked
`stored`) of models the server `keep`s (the shared and the shipped ones) are also written to
disk and read from there before they are computed, so that a server started again has them at
once; `shipped` results (the shipped models' results that come with the code, read only) are
read after the store, so that a first start has them too.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import threading
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future

import numpy as np

from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analysis, NotReady, Result, failed, pending, ready
from gru_viz.app.result_store import ResultStore

MAX_MODELS = 12  # models whose results are kept; the least recently used is dropped first
MAX_RESULTS = 24  # results kept per model, least recently used dropped first
MAX_BYTES = 256 * 2**20  # arrays kept in all results at most; the oldest go first
WORKERS = 2  # background threads: one also runs prefetches, the other only what pages ask for
OWNER_GRACE = 5.0  # seconds a page may be gone (a network blip) before its own models' results go
SWEEP_SECONDS = 2.0  # between looks at whether the pages owning models are still there


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
        store: ResultStore | None = None,
        shipped: ResultStore | None = None,
    ) -> None:
        self.store = store
        self.shipped = shipped
        self._kept: set[str] = set()  # fingerprints whose heavy results go to the store
        self.max_models = max_models
        self.max_results = max_results
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._models: OrderedDict[str, OrderedDict[Hashable, object]] = OrderedDict()
        # Bytes of arrays per result held, and their sum: kept as results come and go, since
        # summing them all again on every store took a millisecond of every edit
        self._sizes: dict[tuple[str, Hashable], int] = {}
        self._bytes = 0
        self._running: dict[tuple[str, Hashable], tuple[Future, _Progress]] = {}
        self._queued = threading.Condition()  # guards the two queues and `_closing`
        self._urgent: deque[tuple] = deque()  # jobs a page asked for, first come first served
        self._later: deque[tuple] = deque()  # jobs asked for ahead of need (`prefetch`)
        self._closing = False
        self._workers: list[threading.Thread] = []
        self._owners: dict[str, dict[Hashable, Callable[[], bool]]] = {}  # fingerprint -> pages
        self._gone_since: dict[Hashable, float] = {}  # owner -> when it was first seen gone
        self._orphans: set[tuple[str, Hashable]] = set()  # running for a page that is gone
        self._sweeper: threading.Thread | None = None
        _OPEN.add(self)

    def get(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> object:
        """analysis(model, *args), remembered for this model: a quick one computed here the
        first time; a heavy one from the background (NotReady while pending or if it failed)."""
        if analysis.heavy:
            result = self.request(model, analysis, *args)
            if not result.ready:
                raise NotReady(analysis, result)
            return result.value
        fingerprint, key = model.fingerprint(), _key(analysis, args)
        found, value = self._lookup(fingerprint, key)
        if not found:
            found, value = self._load(fingerprint, key)
        if found:
            return value
        value = analysis(model, *args)
        self._store(fingerprint, key, value)
        self._save(fingerprint, key, value)
        return value

    def request(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> Result:
        """Ready if analysis(model, *args) is; else start it in the background (once, ahead of
        anything only prefetched) and answer pending with its progress, or failed if it
        raised."""
        return self._ask(model, analysis, args, urgent=True)

    def prefetch(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> None:
        """Compute analysis(model, *args) in the background when nothing a page asked for is
        waiting, so that it is ready before it is needed."""
        self._ask(model, analysis, args, urgent=False)

    def keep(self, model: AdditionModel) -> None:
        """Keep this model's heavy (and `stored`) results in the store too (a model every
        visitor may see)."""
        with self._lock:
            self._kept.add(model.fingerprint())

    def _ask(self, model: AdditionModel, analysis: Analysis, args: tuple, urgent: bool) -> Result:
        fingerprint, key = model.fingerprint(), _key(analysis, args)
        found, value = self._lookup(fingerprint, key)
        if not found:
            with self._lock:
                running = (fingerprint, key) in self._running
            if not running:
                found, value = self._load(fingerprint, key)
        if found:
            return ready(value)
        new = None
        with self._lock:
            known = self._running.get((fingerprint, key))
            if known is None or known[0].cancelled():  # (cancelled: see cancel_queued)
                progress = _Progress()
                new = self._submit(analysis, model, args, progress, urgent)
                self._running[fingerprint, key] = (new, progress)
            future, progress = self._running[fingerprint, key]
        if new is not None:  # (outside the lock: a job done already calls back at once)
            new.add_done_callback(lambda f: self._finish(fingerprint, key, f, save=True))
        if urgent:
            self._hurry(future)
        if future.done():
            return self._finish(fingerprint, key, future)
        return pending(progress.fraction)

    def cancel_queued(self, model: AdditionModel) -> int:
        """Take the jobs for `model` that have not started out of the queues (a page that no
        longer shows it: an edit replaced it); how many. Anyone who asks again gets them
        queued afresh."""
        fingerprint = model.fingerprint()
        with self._lock:
            mine = {id(f) for (fp, _), (f, _) in self._running.items() if fp == fingerprint}
        dropped = 0
        with self._queued:
            for queue in (self._urgent, self._later):
                jobs = list(queue)
                queue.clear()
                for job in jobs:
                    if id(job[0]) in mine and job[0].cancel():
                        dropped += 1
                    else:
                        queue.append(job)
        return dropped

    def wait(self, model: AdditionModel, analysis: Analysis, *args: Hashable) -> Result:
        """The background result of analysis(model, *args), waiting for it if need be."""
        result = self.request(model, analysis, *args)
        if result.pending:
            with self._lock:
                future, _ = self._running[model.fingerprint(), _key(analysis, args)]
            future.exception()  # waits
            result = self.request(model, analysis, *args)
        return result

    def close(self, timeout: float = 60.0) -> None:
        """Let the analysis under way finish, drop the queued ones and stop the worker: a
        process must not exit while the worker is inside TensorFlow (it would abort)."""
        with self._lock:
            workers, self._workers = self._workers, []
        with self._queued:
            for job in (*self._urgent, *self._later):
                job[0].cancel()
            self._urgent.clear()
            self._later.clear()
            self._closing = True
            self._queued.notify_all()
        for worker in workers:
            worker.join(timeout)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
            self._sizes.clear()
            self._bytes = 0

    def own(self, model: AdditionModel, owner: Hashable, alive: Callable[[], bool]) -> None:
        """`model` is seen by the page `owner` only (or by a few pages, each owning it): its
        results go once every owner's alive() has said False for OWNER_GRACE seconds."""
        fingerprint = model.fingerprint()
        with self._lock:
            self._owners.setdefault(fingerprint, {})[owner] = alive
            if self._sweeper is None:
                self._sweeper = threading.Thread(
                    target=self._sweep_forever, name="gru-viz-analysis-sweep", daemon=True
                )
                self._sweeper.start()

    def sweep(self, now: float | None = None) -> list[str]:
        """Drop the results and queued jobs of models whose every owner is gone; the
        fingerprints dropped."""
        now = time.monotonic() if now is None else now
        with self._lock:
            owners = {o: alive for pages in self._owners.values() for o, alive in pages.items()}
        gone = set()
        for owner, alive in owners.items():  # outside the lock: alive() may take locks
            if _still_there(alive):
                self._gone_since.pop(owner, None)
            elif now - self._gone_since.setdefault(owner, now) >= OWNER_GRACE:
                gone.add(owner)
        dropped = []
        with self._lock:
            for fingerprint, pages in list(self._owners.items()):
                for owner in gone:
                    pages.pop(owner, None)
                if not pages:
                    del self._owners[fingerprint]
                    self._drop_model(fingerprint)
                    self._orphans |= {job for job in self._running if job[0] == fingerprint}
                    dropped.append(fingerprint)
            for owner in gone:
                self._gone_since.pop(owner, None)
        if dropped:
            self._cancel_queued(set(dropped))
        return dropped

    def _sweep_forever(self) -> None:
        while not self._closing:
            time.sleep(SWEEP_SECONDS)
            self.sweep()

    def _cancel_queued(self, fingerprints: set[str]) -> None:
        with self._queued:
            for queued in (self._urgent, self._later):
                for job in [j for j in queued if j[2].fingerprint() in fingerprints]:
                    queued.remove(job)
                    job[0].cancel()

    def _submit(
        self, analysis: Analysis, model: AdditionModel, args: tuple, progress, urgent: bool
    ) -> Future:
        """Queue analysis(model, *args, progress=progress) for the background workers (daemon
        threads, so a server that exits does not wait for them). Called with the lock held."""
        future: Future = Future()
        with self._queued:
            self._closing = False
            queued = self._urgent if urgent else self._later
            queued.append((future, analysis, model, args, progress))
            self._queued.notify_all()
        while len(self._workers) < WORKERS:
            worker = threading.Thread(
                target=self._work,
                args=(len(self._workers) == 0,),
                name=f"gru-viz-analysis-{len(self._workers)}",
                daemon=True,
            )
            self._workers.append(worker)
            worker.start()
        return future

    def _hurry(self, future: Future) -> None:
        """Move a prefetched job that a page now asks for to the urgent queue."""
        with self._queued:
            for job in self._later:
                if job[0] is future:
                    self._later.remove(job)
                    self._urgent.append(job)
                    self._queued.notify_all()  # the worker kept for pages may be waiting
                    return

    def _work(self, prefetches: bool) -> None:
        """Run queued jobs: what pages asked for first, and prefetched ones only on the worker
        that `prefetches`, so that the other is free for a page however long a prefetch
        runs."""
        while True:
            with self._queued:
                while not (self._urgent or (prefetches and self._later) or self._closing):
                    self._queued.wait()
                if self._closing:  # close(): the process is ending
                    return
                queued = self._urgent or self._later
                future, analysis, model, args, progress = queued.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(analysis(model, *args, progress=progress))
            except BaseException as error:  # reported by request() as failed
                future.set_exception(error)

    def _finish(self, fingerprint: str, key: Hashable, future: Future, save=False) -> Result:
        """The Result of a job that is done, kept (and, once, when it finishes, `save`d to the
        store if the model is kept there)."""
        if future.cancelled():  # close(): the process is ending; or the page that asked is gone
            with self._lock:
                if self._running.get((fingerprint, key), (None,))[0] is future:
                    del self._running[fingerprint, key]
            return failed("cancelled: the server is stopping")
        error = future.exception()
        if error is None:
            with self._lock:
                orphan = (fingerprint, key) in self._orphans
                self._orphans.discard((fingerprint, key))
            if not orphan:  # (computed for a page that is gone: not kept)
                self._store(fingerprint, key, future.result())
                if save:
                    self._save(fingerprint, key, future.result())
            with self._lock:
                self._running.pop((fingerprint, key), None)
            return ready(future.result())
        if not (isinstance(error, RuntimeError) and "after shutdown" in str(error)):
            # (that one is the interpreter exiting under a running analysis: nothing to report)
            logging.getLogger(__name__).error("analysis failed", exc_info=error)
        return failed(str(error) or type(error).__name__)

    def _stored(self, fingerprint: str, key: Hashable) -> bool:
        """Whether this result belongs on disk (a kept model's, worth keeping)."""
        with self._lock:
            kept = fingerprint in self._kept
        return kept and key[0].storable

    def _load(self, fingerprint: str, key: Hashable) -> tuple[bool, object]:
        """The result from the store or the shipped results, if it belongs there and is there
        (then kept here too)."""
        if not self._stored(fingerprint, key):
            return False, None
        for place in (self.store, self.shipped):
            if place is not None:
                found, value = place.load(fingerprint, disk_key(*key))
                if found:
                    self._store(fingerprint, key, value)
                    return True, value
        return False, None

    def _save(self, fingerprint: str, key: Hashable, value: object) -> None:
        """Write a result to the store if it belongs there and would be found again."""
        if self.store is not None and self._stored(fingerprint, key) and key[0].lasts(value):
            self.store.save(fingerprint, disk_key(*key), value)

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
            size = _nbytes(value)
            self._bytes += size - self._sizes.get((fingerprint, key), 0)
            self._sizes[(fingerprint, key)] = size
            self._models.move_to_end(fingerprint)
            while len(results) > self.max_results:
                self._drop_oldest(fingerprint, results)
            while len(self._models) > self.max_models:
                self._drop_model(next(iter(self._models)))
            self._shrink_to_bytes()

    @property
    def nbytes(self) -> int:
        """Bytes of arrays held in all results."""
        return self._bytes

    def _shrink_to_bytes(self) -> None:
        """Drop least recently used results until the arrays held fit max_bytes (the newest
        result is kept even if it alone is larger). Called with the lock held."""
        while self._bytes > self.max_bytes:
            fingerprint, results = next(iter(self._models.items()))
            if len(self._models) == 1 and len(results) == 1:
                return
            self._drop_oldest(fingerprint, results)
            if not results:
                del self._models[fingerprint]

    def _drop_oldest(self, fingerprint: str, results: OrderedDict) -> None:
        """Drop a model's least recently used result. Called with the lock held."""
        key, _ = results.popitem(last=False)
        self._bytes -= self._sizes.pop((fingerprint, key), 0)

    def _drop_model(self, fingerprint: str) -> None:
        """Drop every result of a model. Called with the lock held."""
        for key in self._models.pop(fingerprint, {}):
            self._bytes -= self._sizes.pop((fingerprint, key), 0)


_OPEN: weakref.WeakSet[AnalysisCache] = weakref.WeakSet()  # caches to close at exit


@atexit.register
def _close_all() -> None:
    for cache in list(_OPEN):
        cache.close()


def _still_there(alive: Callable[[], bool]) -> bool:
    try:
        return bool(alive())
    except Exception:  # a check that fails counts as a page still there
        return True


def _nbytes(value: object) -> int:
    """Bytes of the numpy arrays in a result (an array, or a dataclass holding arrays)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if dataclasses.is_dataclass(value):
        return sum(_nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def _key(analysis: Analysis, args: tuple) -> Hashable:
    # The analysis itself: analyses live in the package, so they are the same objects on every
    # rerun of the page.
    return (analysis, args)


def disk_key(analysis: Analysis, args: tuple) -> Hashable:
    """The key of a result on disk: the same in every process (an Analysis holds a function,
    whose repr is its address)."""
    fn = analysis.fn
    return (analysis.name, fn.__module__, getattr(fn, "__qualname__", type(fn).__qualname__), args)
