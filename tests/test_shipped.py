"""The shipped models' results that come with the code (gru_viz.app.shipped): they are the
current code's and equal what it computes now, and a page reads them instead of computing, only
for the shipped (kept) models and only while the code that computed them is the current one."""

import dataclasses
import math
import re

import numpy as np
from test_cache import TinyModel
from test_result_store import CALLS, WORTH, computed

from gru_viz.app import result_store, shipped
from gru_viz.app.cache import AnalysisCache, disk_key
from gru_viz.app.result_store import PREFIX, SHIPPED_ROOT, ResultStore, analysis_version

TIMED = re.compile(r"\d+(\.\d+)? s\b")  # "after 1.9 s": how long a search took, in words


def assert_same(a, b, where="result") -> None:
    """a equals b: arrays and floats to within 1e-6 (another processor may round the last bit
    differently), everything else exactly, but for how long it took (a field `seconds`, and
    "... s" in words), which differs from run to run."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for field in dataclasses.fields(a):
            if field.name != "seconds":
                value_a, value_b = getattr(a, field.name), getattr(b, field.name)
                assert_same(value_a, value_b, f"{where}.{field.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (np.ndarray, np.generic)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, where
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=where)
        else:
            assert np.array_equal(a, b), where
    elif isinstance(a, str):
        assert isinstance(b, str) and TIMED.sub("# s", a) == TIMED.sub("# s", b), where
    elif isinstance(a, float):
        assert isinstance(b, float), where
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-6), where
    else:
        assert a == b, where


def test_the_shipped_results_are_the_current_codes_and_what_it_computes():
    folder = SHIPPED_ROOT / f"{PREFIX}{analysis_version()}"
    assert folder.is_dir(), (
        f"assets/results has no results for this code ({folder.name}): the analyses changed; "
        "run `python -m gru_viz.app.shipped` and commit assets/results"
    )
    assert [p.name for p in SHIPPED_ROOT.glob(f"{PREFIX}*")] == [folder.name]  # no old ones
    store = ResultStore(SHIPPED_ROOT, version=analysis_version(), read_only=True)
    expected = set()
    for model in shipped.shipped_models():
        for analysis in shipped.results_shipped():
            value = analysis(model)
            if not analysis.lasts(value):  # (a search cut short by its clock: never shipped)
                continue
            key = disk_key(analysis, ())
            found, kept = store.load(model.fingerprint(), key)
            assert found, f"{analysis.name} of {model.fingerprint()} is not shipped"
            assert_same(kept, value, f"{analysis.name} of {model.fingerprint()}")
            expected.add(store.path(model.fingerprint(), key).name)
    assert {p.name for p in folder.glob("*.pkl")} == expected
    assert len(expected) >= 4 * 6  # four shipped models, five views and the carry units at least


def test_a_page_reads_the_shipped_results_instead_of_computing_them(tmp_path):
    CALLS.clear()
    model = TinyModel(1.0)
    maker = ResultStore(tmp_path, version="v1")  # as gru_viz.app.shipped writes them
    shipped_value = {"value": 1.0, "args": (7,), "shipped": True}
    assert maker.save(model.fingerprint(), disk_key(WORTH, (7,)), shipped_value)

    page = AnalysisCache(shipped=ResultStore(tmp_path, version="v1", read_only=True))
    page.keep(model)
    result = page.request(model, WORTH, 7)
    assert result.ready and result.value == shipped_value  # at once, on the first request
    assert CALLS == []
    assert computed(page, model, WORTH, 8) == {"value": 1.0, "args": (8,)}  # not shipped
    assert len(CALLS) == 1
    assert len(list(maker.folder.glob("*.pkl"))) == 1  # the shipped folder is never written
    page.close()

    newer_code = AnalysisCache(shipped=ResultStore(tmp_path, version="v2", read_only=True))
    newer_code.keep(model)
    not_kept = AnalysisCache(shipped=ResultStore(tmp_path, version="v1", read_only=True))
    for other in (newer_code, not_kept):  # (an upload's model is never kept)
        assert computed(other, model, WORTH, 7) == {"value": 1.0, "args": (7,)}
        other.close()
    assert len(CALLS) == 3


def test_the_page_finds_the_shipped_results_unless_told_not_to(monkeypatch):
    monkeypatch.delenv(result_store.SHIPPED_ENV, raising=False)
    store = result_store.open_shipped()
    assert store.read_only and store.folder == SHIPPED_ROOT / f"{PREFIX}{analysis_version()}"
    monkeypatch.setenv(result_store.SHIPPED_ENV, "off")
    assert result_store.open_shipped() is None
