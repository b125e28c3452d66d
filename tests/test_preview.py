"""The first sum before TensorFlow is ready: the numpy reference runs the shipped model file,
and the page shows its sum, bits and gates, saying where they come from."""

import subprocess
import sys

import numpy as np
import streamlit as st
from streamlit.testing.v1 import AppTest

from gru_viz.app import preview
from gru_viz.checkpoint import read_model_file
from gru_viz.model import load_model
from gru_viz.reference import ReferenceModel


def test_the_reference_model_gives_the_shipped_models_sum_and_gates():
    reference, model = ReferenceModel(read_model_file()), load_model()
    for a, b in ((1024, 16), (2**40 - 1, 1), (123456789, 987654321)):
        mine, theirs = reference.trace(a, b), model.trace(a, b)
        assert mine.predicted_sum == theirs.predicted_sum == a + b
        for name in ("z", "r", "h_tilde", "h", "p"):
            np.testing.assert_allclose(getattr(mine, name), getattr(theirs, name), atol=2e-5)
    assert reference.fingerprint() != model.fingerprint()  # never served the other's results


def test_the_preview_imports_no_tensorflow():
    code = (
        "import sys\n"
        "from gru_viz.app import preview\n"
        "from gru_viz.checkpoint import read_model_file\n"
        "from gru_viz.reference import ReferenceModel\n"
        "assert ReferenceModel(read_model_file()).trace(1024, 16).predicted_sum == 1040\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def draw(a, b):
    from gru_viz.app.preview import first_sum
    from gru_viz.app.settings import AppSettings

    first_sum(AppSettings(), a, b)


def run_preview(monkeypatch, a, b, **query) -> AppTest:
    monkeypatch.setattr(preview, "loading", lambda settings: True)  # as if TensorFlow loads
    st.cache_resource.clear()
    at = AppTest.from_function(draw, args=(a, b), default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_while_tensorflow_loads_the_page_shows_the_sum_from_the_numpy_reference(monkeypatch):
    at = run_preview(monkeypatch, 1024, 16)
    assert {m.label: m.value for m in at.metric} == {"Predicted sum": "1040", "True sum": "1040"}
    assert any("numpy reference" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # the gates
    assert at.success  # the verdict


def test_no_preview_for_what_the_reference_would_not_show_as_the_page_does(monkeypatch):
    assert not run_preview(monkeypatch, 2**300, 1).metric  # too long for a step-by-step loop
    assert not run_preview(monkeypatch, 5, 6, tab="How far it adds").metric
    assert not run_preview(monkeypatch, 5, 6, edit="bz.2:-30").metric
    assert not run_preview(monkeypatch, 5, 6, present="true").metric
    assert run_preview(monkeypatch, 5, 6, tab="The sum and its gates").metric
