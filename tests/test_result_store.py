"""Heavy results kept on disk (gru_viz.app.result_store): a server started again shows what an
earlier one computed without computing it, never a result of other code or another model, and a
damaged store costs a computation, not a page."""

import os
import pickle

from test_cache import WAIT, TinyModel

from gru_viz.analyses import Analysis
from gru_viz.app import result_store
from gru_viz.app.cache import AnalysisCache
from gru_viz.app.result_store import ResultStore

CALLS: list[tuple] = []


def worth(model, *args):
    CALLS.append((float(model.value), args))
    return {"value": float(model.value), "args": args}


def race(model):
    CALLS.append((float(model.value),))
    return {"ran out of time": model.value > 1}


WORTH = Analysis("what it is worth", worth, heavy=True)
RACE = Analysis("a race", race, heavy=True, lasting=lambda v: not v["ran out of time"])


def server(folder, version="v1") -> AnalysisCache:
    """A new process's cache: nothing in memory, the store in `folder`."""
    return AnalysisCache(store=ResultStore(folder, version=version))


def computed(cache, model, analysis=WORTH, *args):
    result = cache.wait(model, analysis, *args)
    assert result.ready, result
    return result.value


def test_a_new_server_shows_what_an_earlier_one_computed_without_computing_it(tmp_path):
    CALLS.clear()
    model = TinyModel(1.0)
    first = server(tmp_path)
    first.keep(model)
    assert computed(first, model, WORTH, 7) == {"value": 1.0, "args": (7,)}
    first.close(WAIT)
    assert len(CALLS) == 1

    second = server(tmp_path)
    second.keep(TinyModel(1.0))  # (the same weights, loaded again: the same fingerprint)
    result = second.request(TinyModel(1.0), WORTH, 7)
    assert result.ready and result.value == {"value": 1.0, "args": (7,)}
    assert len(CALLS) == 1  # read, not computed
    assert computed(second, model, WORTH, 8)["args"] == (8,)  # other arguments: computed
    assert len(CALLS) == 2
    second.close(WAIT)


def test_other_code_another_model_or_a_visitors_model_is_never_served_a_kept_result(tmp_path):
    CALLS.clear()
    model, other = TinyModel(1.0), TinyModel(2.0)
    first = server(tmp_path)
    first.keep(model)
    computed(first, model)
    computed(first, other)  # not kept: a visitor's upload or training stays in memory only
    first.close(WAIT)
    assert len(list(tmp_path.glob("*/*.pkl"))) == 1

    changed = server(tmp_path, version="v2")  # the code changed since
    changed.keep(model)
    changed.keep(other)
    assert computed(changed, model) == {"value": 1.0, "args": ()}
    assert computed(changed, other) == {"value": 2.0, "args": ()}
    changed.close(WAIT)
    assert len(CALLS) == 4  # both computed again


def test_a_result_that_ran_out_of_time_is_computed_again_by_the_next_server(tmp_path):
    CALLS.clear()
    slow, quick = TinyModel(2.0), TinyModel(0.5)
    first = server(tmp_path)
    for model in (slow, quick):
        first.keep(model)
        computed(first, model, RACE)
    first.close(WAIT)
    second = server(tmp_path)
    for model in (slow, quick):
        second.keep(model)
    assert second.request(quick, RACE).ready
    assert len(CALLS) == 2
    computed(second, slow, RACE)  # it might finish in time on this one: computed again
    second.close(WAIT)
    assert len(CALLS) == 3


def test_a_damaged_entry_is_computed_again_and_written_whole(tmp_path):
    CALLS.clear()
    model = TinyModel(1.0)
    first = server(tmp_path)
    first.keep(model)
    computed(first, model)
    first.close(WAIT)
    (entry,) = tmp_path.glob("*/*.pkl")
    entry.write_bytes(entry.read_bytes()[:10])  # cut short, as by a full disk
    second = server(tmp_path)
    second.keep(model)
    assert computed(second, model) == {"value": 1.0, "args": ()}
    second.close(WAIT)
    assert len(CALLS) == 2
    assert pickle.loads(entry.read_bytes())[1] == {"value": 1.0, "args": ()}  # whole again
    assert not list(tmp_path.glob("*/.part-*"))


def test_the_store_keeps_its_newest_results_within_its_size(tmp_path):
    store = ResultStore(tmp_path, version="old", max_bytes=10_000)
    store.save("f", "old", b"x" * 4_000)
    os.utime(store.path("f", "old"), (1e9 - 1, 1e9 - 1))
    newer = ResultStore(tmp_path, version="new", max_bytes=10_000)
    for i in range(3):
        path = newer.path("f", i)
        newer.save("f", i, b"x" * 4_000)
        os.utime(path, (1e9 + i, 1e9 + i))  # (mtimes apart, however fast the disk)
    found = {p.parent.name: p for p in tmp_path.glob("*/*.pkl")}
    assert "results-old" not in found  # the oldest went first, and its folder with it
    assert not (tmp_path / "results-old").exists()
    assert newer.load("f", 2)[0] and newer.load("f", 1)[0]  # the newest two: 8 kB of 10


def test_off_or_unwritable_means_nothing_kept_and_a_plain_message(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(result_store.RESULTS_ENV, "off")
    assert result_store.open_default() is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(result_store.RESULTS_ENV, str(blocked))
    assert result_store.open_default() is None
    assert "results cannot be kept" in caplog.text
    monkeypatch.setenv(result_store.RESULTS_ENV, str(tmp_path / "kept"))
    assert result_store.open_default().folder.parent == tmp_path / "kept"


def test_the_code_version_changes_with_the_code(tmp_path, monkeypatch):
    before = result_store.code_version()
    assert before == result_store.code_version()
    real = result_store.Path.read_bytes

    def edited(path):
        data = real(path)
        return data + b"# edited" if path.name == "length.py" else data

    monkeypatch.setattr(result_store.Path, "read_bytes", edited)
    assert result_store.code_version() != before


def test_a_proof_search_that_ran_out_of_time_is_not_kept_and_a_failed_one_in_time_is():
    from gru_viz.certificate import Proof
    from gru_viz.proof import Settings
    from gru_viz.views.proof import MODEL_PROOF, Verdict

    budget = Settings().seconds
    assert not MODEL_PROOF.lasts(Verdict(Proof(False, "out of time", 0.1, budget + 0.01, 9)))
    assert MODEL_PROOF.lasts(Verdict(Proof(False, "a wrong sign", 0.1, budget / 2, 9)))


def test_a_quick_result_marked_stored_is_kept_and_a_per_sum_one_is_not(tmp_path):
    CALLS.clear()
    units = Analysis("which units carry", worth, stored=True)
    per_sum = Analysis("the addition", worth)  # one per typed sum: never on disk
    model = TinyModel(1.0)
    first = server(tmp_path)
    first.keep(model)
    assert first.get(model, units) == {"value": 1.0, "args": ()}
    first.get(model, per_sum, 3, 4)
    assert len(list(tmp_path.glob("*/*.pkl"))) == 1
    second = server(tmp_path)
    second.keep(model)
    assert second.get(model, units) == {"value": 1.0, "args": ()}
    assert len(CALLS) == 2  # read, not computed
