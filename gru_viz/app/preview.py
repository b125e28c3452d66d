"""The first sum before TensorFlow is ready: on a fresh server the first visitor waits seconds
for TensorFlow's import. Meanwhile the page shows the shipped model's sum, verdict, why, bits and
gates for the two numbers, computed from the same model file by the numpy reference GRU
(gru_viz.reference.ReferenceModel: the same weights and equations, held within 2e-5 of the
TensorFlow model by the tests), and says so. Once the model is loaded, the page draws the sum
tab as usual in its place.

Only for what the reference can show at once and exactly as the page would: the shipped model
(no other model, no edits, no units off), the sum tab, numbers of at most MAX_BITS bits.
"""

from __future__ import annotations

import streamlit as st

from gru_viz import bit_table, checkpoint, figures
from gru_viz.analyses import CARRY_UNITS, Compute
from gru_viz.app import wording
from gru_viz.app.pages import the_sum
from gru_viz.app.panel import SHIPPED_CHOICE
from gru_viz.app.resources import loading, shared_libraries_settled
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import chart, theme
from gru_viz.reference import ReferenceModel
from gru_viz.sources import shipped_active, unchecked
from gru_viz.views import VIEWS, gates
from gru_viz.why import explain as explain_sum

DEFAULT_VIEW = next(iter(gates.CHOICES))  # the label the page's "Show" control starts on
MAX_BITS = 256  # the reference runs step by step in Python: longer sums wait for TensorFlow
# A link with other parameters asks for something the reference does not show as the page would
PLAIN_LINK = {"a", "b", "tab", "by_carry", "view", "msb_first"}
NOTE = (
    "Computed from the model file by the numpy reference GRU (the same weights and equations) "
    "while TensorFlow loads; the full page follows in a few seconds."
)


def shows_preview(settings: AppSettings, a: int | None, b: int | None) -> bool:
    """Whether this run should draw the preview: two numbers of at most MAX_BITS bits, the
    shipped model still loading, a plain link to the sum tab, no other model chosen."""
    if a is None or b is None or max(a.bit_length(), b.bit_length()) > MAX_BITS:
        return False
    params = st.query_params
    if set(params) - PLAIN_LINK or params.get("tab", the_sum.TITLE) != the_sum.TITLE:
        return False
    if params.get("view", DEFAULT_VIEW) != DEFAULT_VIEW:  # (h~ and h chosen)
        return False
    if st.session_state.get("model_source", SHIPPED_CHOICE) != SHIPPED_CHOICE:
        return False
    return loading(settings)


def first_sum(settings: AppSettings, a: int | None, b: int | None) -> None:
    """Draw the preview if this run should (see shows_preview); the page runs again, without
    it, once the model is loaded. A model file that cannot be read shows nothing here (the page
    says what is wrong once it has tried)."""
    if not shows_preview(settings, a, b):
        return
    try:
        file = checkpoint.read_model_file(settings.model_path)
    except (OSError, ValueError):
        return
    model = ReferenceModel(file)
    if unchecked(model):  # its warning offers a button that the page draws again
        return
    active = shipped_active(model)
    analyses = Compute()
    trace = model.trace(a, b)
    why = explain_sum(trace, model, analyses.get(model, CARRY_UNITS))
    with st.container(key="preview"):
        st.caption(wording.literal(f"Model: {active.label}. {NOTE}"))
        the_sum.show_sums(trace, why, active, settings)
        st.subheader(the_sum.BIT_TABLE_TITLE)
        positions = bit_table.table_window(
            trace.n_bits, wording.table_start(trace), wording.TABLE_WIDTH
        )
        st.html(figures.bit_table_html(bit_table.bit_table(trace), positions, theme=theme()))
        st.subheader(the_sum.GATES_TITLE)
        by_carry = st.query_params.get("by_carry", "true").lower() != "false"
        with shared_libraries_settled():  # (other pages may be importing pandas)
            fig = VIEWS["gates"].build(active, a, b, theme(), analyses, by_carry=by_carry)
            chart(fig, VIEWS["gates"].file_name(a, b), "gates", "preview_gates_chart")
