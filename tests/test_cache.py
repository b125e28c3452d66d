"""The per-model analysis cache: one result per model fingerprint, never another model's."""

import threading
import time

import numpy as np
import pytest

from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analysis, NotReady, pending, ready
from gru_viz.app.cache import AnalysisCache
from gru_viz.config import ModelConfig

WAIT = 30.0


class TinyModel(AdditionModel):
    """A model whose weights are one number; enough to be told apart by its fingerprint."""

    def __init__(self, value: float) -> None:
        super().__init__(ModelConfig(hidden_size=1))
        self.value = np.float32(value)

    def weights(self) -> dict[str, np.ndarray]:
        return {"w": np.array([self.value])}

    def run(self, x, keep_internals=True):
        return {"y": np.full(x.shape[:2], self.value)}


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model, *args):
        self.calls += 1
        return (float(model.value), args)


def quick(fn) -> Analysis:
    return Analysis("a quick test", fn)


def heavy(fn) -> Analysis:
    return Analysis("a heavy test", fn, heavy=True, takes_progress=True)


def test_a_result_is_computed_once_per_model_and_arguments():
    cache, calls = AnalysisCache(), Counter()
    count = quick(calls)
    model = TinyModel(1.0)
    assert cache.get(model, count, 5) == (1.0, (5,))
    assert cache.get(model, count, 5) == (1.0, (5,))
    assert calls.calls == 1
    cache.get(model, count, 6)
    assert calls.calls == 2


def test_a_changed_model_never_sees_the_old_result():
    # A live training publishes new weights; an upload brings other weights: new fingerprints.
    cache, calls = AnalysisCache(), Counter()
    count = quick(calls)
    snapshot = TinyModel(1.0)
    assert cache.get(snapshot, count)[0] == 1.0
    later = TinyModel(2.0)
    assert cache.get(later, count)[0] == 2.0
    same_weights = TinyModel(1.0)  # the same file uploaded again shares the result
    assert cache.get(same_weights, count)[0] == 1.0
    assert calls.calls == 2


def test_least_recently_used_models_and_results_are_dropped():
    cache, calls = AnalysisCache(max_models=2, max_results=2), Counter()
    count = quick(calls)
    models = [TinyModel(v) for v in (1.0, 2.0, 3.0)]
    for model in models:
        cache.get(model, count)
    cache.get(models[0], count)  # dropped when the third came
    assert calls.calls == 4
    for n in range(3):
        cache.get(models[0], count, n)
    cache.get(models[0], count, 0)  # pushed out by 1 and 2
    assert calls.calls == 8


def test_a_background_request_reports_progress_then_the_result():
    cache = AnalysisCache()
    release, halfway = threading.Event(), threading.Event()

    @heavy
    def slow(model, progress):
        progress(0.5)
        halfway.set()
        assert release.wait(WAIT)
        return "done"

    model = TinyModel(1.0)
    first = cache.request(model, slow)
    assert first.pending and not first.ready and not first.failed
    assert halfway.wait(WAIT)
    assert cache.request(model, slow) == pending(0.5)
    with pytest.raises(NotReady) as waiting:  # a view that needs it is told it is not ready
        cache.get(model, slow)
    assert waiting.value.result == pending(0.5)
    release.set()
    assert cache.wait(model, slow) == ready("done")
    assert cache.request(model, slow) == ready("done")
    assert cache.get(model, slow) == "done"


def test_a_failing_background_analysis_is_reported_not_raised():
    cache = AnalysisCache()

    @heavy
    def broken(model, progress):
        raise RuntimeError("no memory left")

    result = cache.wait(TinyModel(1.0), broken)
    assert result.failed and not result.pending and "no memory left" in result.message
    with pytest.raises(NotReady) as failing:
        cache.get(TinyModel(1.0), broken)
    assert failing.value.result.failed


def test_ablation_changes_the_fingerprint():
    pytest.importorskip("tensorflow")
    import gru_viz

    model = gru_viz.load_model()
    assert gru_viz.ablate(model, [0]).fingerprint() != model.fingerprint()
    assert model.copy().fingerprint() == model.fingerprint()


def test_the_memory_count_follows_results_dropped_by_the_count_and_model_limits():
    cache = AnalysisCache(max_models=2, max_results=2, max_bytes=10**9)

    @quick
    def array(model, n):
        return np.zeros(n, np.float64)  # 8 n bytes

    models = [TinyModel(v) for v in (1.0, 2.0, 3.0)]
    for n in (10, 20, 30):  # the first made room for the third
        cache.get(models[0], array, n)
    assert cache.nbytes == 8 * (20 + 30)
    cache.get(models[0], array, 30)  # the same result again: counted once
    assert cache.nbytes == 8 * (20 + 30)
    cache.get(models[1], array, 5)
    cache.get(models[2], array, 7)  # the least recently used model goes, all its results
    assert cache.nbytes == 8 * (5 + 7)
    cache.clear()
    assert cache.nbytes == 0
    cache.get(models[0], array, 3)
    assert cache.nbytes == 24


def test_results_are_dropped_oldest_first_to_fit_the_memory_budget():
    cache, computed = AnalysisCache(max_bytes=3 * 8000), []

    @quick
    def array(model, n):
        computed.append(n)
        return np.zeros(1000, np.float64) + n  # 8,000 bytes

    models = [TinyModel(v) for v in (1.0, 2.0)]
    for n in range(3):
        cache.get(models[n % 2], array, n)
    assert cache.nbytes == 24_000
    cache.get(models[1], array, 3)
    assert cache.nbytes == 24_000  # the oldest (n = 0) made room
    cache.get(models[1], array, 1)  # still there
    cache.get(models[0], array, 0)  # computed again
    assert computed == [0, 1, 2, 3, 0]


def test_jobs_of_a_model_no_longer_shown_leave_the_queue_and_come_back_if_asked():
    cache = AnalysisCache()
    release, started, ran = threading.Event(), threading.Event(), []

    @heavy
    def slow(model, progress):
        started.set()
        ran.append(float(model.value))
        assert release.wait(WAIT)
        return float(model.value)

    busy = [TinyModel(v) for v in (1.0, 2.0)]  # both workers busy with these
    for model in busy:
        cache.request(model, slow)
    assert started.wait(WAIT)
    stale, fresh = TinyModel(3.0), TinyModel(4.0)
    cache.request(stale, slow)
    cache.request(fresh, slow)
    assert cache.cancel_queued(stale) == 1  # an edit replaced it
    assert cache.cancel_queued(busy[0]) == 0  # running: it finishes
    release.set()
    assert cache.wait(fresh, slow) == ready(4.0)
    assert 3.0 not in ran
    assert cache.wait(stale, slow) == ready(3.0)  # asked again: computed afresh


def test_a_pages_own_models_are_dropped_once_the_page_is_gone(monkeypatch):
    from gru_viz.app import cache as cache_module

    cache, calls = AnalysisCache(), Counter()
    count = quick(calls)
    shared, mine, theirs = TinyModel(1.0), TinyModel(2.0), TinyModel(3.0)
    here = {"mine": True, "theirs": True}
    cache.own(mine, "mine", lambda: here["mine"])
    cache.own(theirs, "theirs", lambda: here["theirs"])
    for model in (shared, mine, theirs):
        cache.get(model, count, 1)
    assert cache.sweep(now=0.0) == []
    here["mine"] = False  # the tab is closed ...
    assert cache.sweep(now=100.0) == []  # ... a moment ago: a network blip is forgiven
    assert cache.sweep(now=100.0 + cache_module.OWNER_GRACE) == [mine.fingerprint()]
    cache.get(shared, count, 1)
    cache.get(theirs, count, 1)
    assert calls.calls == 3  # the others' results stay
    here["mine"] = True  # the same model opened again (a reload): computed afresh
    cache.own(mine, "mine again", lambda: True)
    cache.get(mine, count, 1)
    assert calls.calls == 4


def test_a_result_finished_after_its_page_is_gone_is_not_kept():
    from gru_viz.app import cache as cache_module

    release = threading.Event()

    def slow(model, progress=None):
        release.wait(WAIT)
        return np.zeros(1000)

    cache, model, here = AnalysisCache(), TinyModel(4.0), {"page": True}
    cache.own(model, "page", lambda: here["page"])
    slowly = heavy(slow)
    assert cache.request(model, slowly).pending
    here["page"] = False
    cache.sweep(now=0.0)
    assert cache.sweep(now=cache_module.OWNER_GRACE) == [model.fingerprint()]
    release.set()
    cache.close()
    assert cache.nbytes == 0


def test_a_prefetched_job_a_page_asks_for_runs_beside_a_long_prefetch():
    """The warm-up queues heavy analyses ahead of need; when a page opens a tab that needs one
    still in that queue, the worker kept for pages runs it at once, not after the prefetch
    that is running (a fresh server once made "Inside the machine" wait for a length curve)."""
    cache = AnalysisCache()
    release, started = threading.Event(), threading.Event()

    @heavy
    def long_prefetch(model, progress):
        started.set()
        assert release.wait(WAIT)
        return "long"

    @heavy
    def wanted(model, progress):
        return float(model.value)

    model = TinyModel(5.0)
    cache.prefetch(model, long_prefetch)
    assert started.wait(WAIT)
    assert cache.wait(TinyModel(6.0), wanted) == ready(6.0)  # the page's worker is up, idle
    time.sleep(0.2)  # and back to waiting for work
    cache.prefetch(model, wanted)  # queued behind the long one
    time.sleep(0.2)  # (the workers have looked at the queues and gone back to waiting)
    assert cache.request(model, wanted).pending  # a page asks for it now
    try:
        done = threading.Event()

        def page() -> None:
            cache.wait(model, wanted)
            done.set()

        threading.Thread(target=page, daemon=True).start()
        # (well before the long prefetch gives up waiting, WAIT s after it started)
        assert done.wait(WAIT / 3), "the page's job waited for the prefetch"
        assert cache.request(model, wanted) == ready(5.0)
    finally:
        release.set()
