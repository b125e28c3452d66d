"""The sum and its gates: the predicted and the true sum with a verdict that says why, the bits
least significant first, and the gates (or states) of every hidden unit at every bit."""

from __future__ import annotations

import logging

import streamlit as st

from gru_viz import bit_table, figures
from gru_viz.analyses import CARRY_UNITS, TRACE
from gru_viz.app import panel, wording
from gru_viz.app.resources import analysis_cache, shared_model
from gru_viz.app.session import (
    current_model,
    rerun_when_training_ends,
    unchecked_warning,
    use_own,
)
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import chart, downloads, explain, present, theme
from gru_viz.carry import PROBE_BITS, PROBE_PAIRS
from gru_viz.sources import unchecked
from gru_viz.views import VIEWS, gates
from gru_viz.why import explain as explain_sum

TITLE = "The sum and its gates"
BIT_TABLE_TITLE = "Bit by bit, least significant bit first"
GATES_TITLE = "Inside the GRU"
VIEWS_SHOWN = ("gates", "states")


def render(settings: AppSettings, a: int | None, b: int | None) -> None:
    """The results, in a fragment that redraws with the model while a training is live."""
    ws = st.session_state.workspace
    live = (ws.training and use_own()) or shared_model(settings).live
    st.fragment(run_every=panel.results_refresh(a, b, live))(results)(settings, a, b)


def results(settings: AppSettings, a: int | None, b: int | None) -> None:
    try:
        draw_results(settings, a, b)
    except Exception as error:  # a message on the page, the traceback in the server's log
        logging.getLogger(__name__).exception("drawing the results failed")
        st.error(
            wording.literal(f"Sorry, the results could not be drawn: {error}"),
            icon=":material/error:",
        )


def draw_results(settings: AppSettings, a: int | None, b: int | None) -> None:
    from gru_viz.app.jobs import progress_text

    shared = shared_model(settings)
    fallback = panel.fallback_message(shared)
    if fallback:
        st.warning(wording.literal(fallback), icon=":material/error:")
        status = shared.fallback_status()
        st.progress(status.fraction, text=progress_text(status))
        rerun_when_training_ends("fallback", status.live)
    active = current_model(settings)
    if active.model is None:
        st.info("Waiting for the first steps of training...", icon=":material/hourglass_top:")
        return
    if a is None or b is None:
        st.info("Fix the number above to see the model's sum.", icon=":material/edit:")
        return
    cache = analysis_cache()
    try:
        trace = cache.get(active.model, TRACE, a, b)
    except ValueError as error:  # too long for this model: the limit, in words
        st.error(wording.literal(str(error)), icon=":material/error:")
        return
    why = explain_sum(trace, active.model, cache.get(active.model, CARRY_UNITS))
    st.caption(wording.literal(f"Model: {active.label}"))
    if present():  # the verdict, then the figure on the first screen; the rest under it
        show_verdict(trace, active, settings)
        show_gates(active, a, b, trace, why)
        show_sums(trace, why, active, settings, verdict=False)
        show_bit_table(trace)
        return
    show_sums(trace, why, active, settings)
    show_bit_table(trace)
    show_gates(active, a, b, trace, why)


def show_verdict(trace, active, settings: AppSettings) -> None:
    """Right or wrong; a right sum of a model that never passed its training check is a
    warning that says so, with the offer to train on (session.unchecked_warning)."""
    if not trace.correct:
        st.error(wording.verdict(trace), icon=":material/cancel:")
    elif unchecked(active.model):
        st.warning(wording.verdict(trace), icon=":material/warning:")
    else:
        st.success(wording.verdict(trace), icon=":material/check_circle:")
    unchecked_warning(active, settings, "go_on")


def show_sums(trace, why, active, settings: AppSettings, verdict: bool = True) -> None:
    sums = wording.sums(trace)
    if sums.short:
        left, right = st.columns(2)
        left.metric("Predicted sum", sums.predicted, border=True)
        right.metric("True sum", sums.true, border=True)
    else:
        for label, digits in (("Predicted sum", sums.predicted), ("True sum", sums.true)):
            st.markdown(f"**{label}** ({len(digits):,} digits)")
            st.code(digits, language=None, wrap_lines=True, height=120)
    if verdict:
        show_verdict(trace, active, settings)
    st.markdown(f"**Why.** {why.text}")


def show_bit_table(trace) -> None:
    st.subheader(BIT_TABLE_TITLE)
    explain(wording.BIT_TABLE_NOTE)
    table = bit_table.bit_table(trace)
    start = 0
    if wording.table_start_needed(trace.n_bits):
        start = st.slider(
            f"The table shows {wording.TABLE_WIDTH} of {trace.n_bits:,} positions, starting at",
            0,
            trace.n_bits - wording.TABLE_WIDTH,
            wording.table_start(trace),
            step=1,
            key=f"table_start_{trace.n_bits}",
        )
    positions = bit_table.table_window(trace.n_bits, start, wording.TABLE_WIDTH)
    st.html(figures.bit_table_html(table, positions, theme=theme()))
    usual = "Also show the usual reading, most significant bit first"
    if st.toggle(usual, key="msb_first", bind="query-params"):
        st.caption(wording.USUAL_READING_NOTE)
        st.html(figures.bit_table_html(table, positions, msb_first=True, theme=theme()))
        usual = wording.usual_reading_text(trace)
        if usual:
            st.code(usual, language=None)


def show_gates(active, a: int, b: int, trace, why) -> None:
    """The gates' heatmaps under their controls; in presentation mode the figure comes first,
    a slide on the first screen, and its controls under it."""
    if not present():
        st.subheader(GATES_TITLE)
    slide = st.container() if present() else None
    controls = st.columns([3, 2, 3])  # (the two choices of "Show" fit at 1280 px)
    choice = controls[0].segmented_control(
        "Show",
        tuple(gates.CHOICES),
        default=next(iter(gates.CHOICES)),
        required=True,
        key="view",
        bind="query-params",
    )
    by_carry = controls[1].toggle(
        "Carry units first",
        value=True,
        key="by_carry",
        bind="query-params",
        help="Order the hidden units by how well their state reads as the true carry "
        f"(measured on {PROBE_PAIRS} additions of {PROBE_BITS}-bit numbers, two thirds with "
        "long carry chains), so the carry units sit at the top.",
    )
    chain = gates.chain_range(why, trace.n_bits)
    zoom = controls[2].toggle(
        "Zoom to the chain that broke",
        key="zoom_chain",
        bind="query-params",
        disabled=chain is None,
        help="Show the carry chain that reaches the first wrong bit, and nothing else.",
    )
    name = gates.CHOICES[choice]
    options = dict(by_carry=by_carry, x_range=chain if zoom else None)
    cache = analysis_cache()
    fig = VIEWS[name].build(active, a, b, theme(), cache, **options)
    figure_column, text_column = (slide, None) if present() else st.columns([2.2, 1])
    with figure_column:
        file_name = VIEWS[name].file_name(a, b)
        if present():  # the figure alone, full width, 16:9
            # 16:9 by gru_viz.app.look.PRESENT_CSS, in a frame that scrolls on a phone
            with st.container(key="slide_frame"), st.container(key="slide_figure"):
                fig = figures.fit_to_aspect(fig)  # already in the page's theme
                chart(fig, file_name, name, "gates_chart", height="stretch")
        else:
            chart(fig, file_name, name, "gates_chart")
        downloads(name, fig, active, a, b, cache, "gates", **options)
        note = wording.zoom_note(trace.n_bits)
        if note:
            st.caption(note)
    if text_column is not None:
        with text_column:
            equations()


def equations() -> None:
    st.markdown("**The GRU, one step per bit**")
    st.latex(
        r"""\small\begin{aligned}
        z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z) \\
        r_t &= \sigma(x_t W_r + h_{t-1} U_r + b_r) \\
        \tilde h_t &= \tanh\big(x_t W_h \\
        &\qquad + (r_t \odot h_{t-1})\, U_h + b_h\big) \\
        h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t
        \end{aligned}"""
    )
    st.markdown(VIEWS["gates"].note(None))
