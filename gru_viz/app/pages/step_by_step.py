"""Step by step: one addition a bit at a time (slider, back, step, play, next chain, next wrong
bit), the step's arithmetic with the real numbers, the gates around it, the machine's move and
the hidden state as a map. Only this part of the page reruns per step."""

from __future__ import annotations

import streamlit as st

from gru_viz import bit_table, figures, steps
from gru_viz.analyses import CARRY_UNITS, TRACE
from gru_viz.app import panel
from gru_viz.app.session import current_model
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import (
    POLL_SECONDS,
    PageAnalyses,
    build_view,
    explain,
    export_button,
    plot_config,
    show_view,
    theme,
)
from gru_viz.views import VIEWS
from gru_viz.views import steps as step_view
from gru_viz.views.machine import MACHINE, states_word

TITLE = "Step by step"
VIEWS_SHOWN = ("steps", "state-map")


def render(settings: AppSettings, a, b) -> None:
    """A fragment that reruns alone: per step while playing, twice a second while the machine
    or the map is still computing."""
    playing = st.session_state.get("playing", False)
    waiting = st.session_state.get("steps_pending", False)
    st.session_state.play_configured = playing
    every = panel.PLAY_SECONDS if playing else POLL_SECONDS if waiting else None
    st.fragment(run_every=every)(_body)(settings, a, b)


def _body(settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if active.model is None or a is None or b is None:
        st.info("Type two numbers (and wait for a model) to step through their sum.")
        return
    analyses = PageAnalyses()
    trace = analyses.get(active.model, TRACE, a, b)
    units = analyses.get(active.intact, CARRY_UNITS)
    n_bits = trace.n_bits
    t = min(st.session_state.get("step_t", 0), n_bits - 1)
    t, playing = panel.next_step(t, n_bits, st.session_state.get("playing", False))
    st.session_state.step_t, st.session_state.playing = t, playing
    if playing != st.session_state.get("play_configured"):
        st.rerun()  # start or stop the clock that plays
    step_controls(trace, n_bits)
    t = st.session_state.step_t
    now = steps.step(trace, t, units.order[: step_view.STEP_UNITS])
    left, right = st.columns([1.6, 1])
    with left:
        window = step_view.step_window(t, n_bits)
        fig = VIEWS["gates"].build(active, a, b, theme(), analyses, window=window, cursor=t)
        st.plotly_chart(fig, key="step_chart", config=plot_config("gru-viz-step"))
        animation_download(active, a, b, analyses)
    with right:
        st.markdown(step_view.step_words(now))
        table = bit_table.bit_table(trace)
        positions = range(*step_view.step_window(t, n_bits, step_view.STEP_TABLE_WINDOW))
        st.html(figures.bit_table_html(table, positions, now=t, theme=theme()))
        st.table(step_view.step_rows(now))
        st.caption(step_view.TABLE_NOTE)
        if not active.live:
            show_machine_step(active, a, b, t, analyses)
    if not active.live:
        st.markdown("**The hidden state as a map**")
        explain(VIEWS["state-map"].note(active.model))
        options = dict(step=t, label="this addition")
        show_view("state-map", active, a, b, analyses, "state_map_chart", **options)
    waiting = analyses.waiting
    if waiting != st.session_state.get("steps_pending", False):
        st.session_state.steps_pending = waiting
        if not playing:  # (while playing, the fragment reruns per step anyway)
            st.rerun()  # start or stop polling


def show_machine_step(active, a, b, t: int, analyses: PageAnalyses) -> None:
    """The machine inside, with the move the addition makes at step t lit up."""
    dot = build_view("machine", active, a, b, analyses, step=t, transparent=True)
    if dot is not None:
        found = analyses.get(active.model, MACHINE)
        st.markdown(f"**The machine inside: {states_word(found.n_states)}**")
        st.graphviz_chart(dot, width="stretch")


def animation_download(active, a, b, analyses: PageAnalyses) -> None:
    """A button that saves the step-through as one HTML file that plays, made when clicked."""
    from gru_viz.export import figure_html

    look = theme()  # read here: the file is made outside this run
    cache = analyses.cache
    export_button(
        "Animated HTML",
        lambda: figure_html(VIEWS["steps"].build(active, a, b, look, cache)).encode(),
        "the animation",
        f"{VIEWS['steps'].file_name(a, b)}.html",
        "text/html",
        key="steps_html",
        browser=False,
        help="The step-through as one self-contained HTML file with a play button and a "
        "slider: the cursor and the carry unit's state move bit by bit, with each step's "
        f"arithmetic above. It plays bits 0 to {figures.MAX_FRAMES - 1} at most.",
    )


def step_controls(trace, n_bits: int) -> None:
    st.slider("Step t (bit position)", 0, n_bits - 1, key="step_t", bind="query-params")
    buttons = st.columns(5)
    buttons[0].button(
        "Back", icon=":material/skip_previous:", key="step_back", on_click=_move, args=(-1, n_bits)
    )
    buttons[1].button(
        "Step", icon=":material/skip_next:", key="step_next", on_click=_move, args=(1, n_bits)
    )
    playing = st.session_state.get("playing", False)
    buttons[2].button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key="play",
        on_click=_toggle_play,
    )
    t = st.session_state.step_t
    chain, wrong = steps.next_chain(trace, t), steps.next_wrong(trace, t)
    buttons[3].button(
        "Next carry chain", disabled=chain is None, on_click=_jump, args=(chain,), key="to_chain"
    )
    buttons[4].button(
        "Next wrong bit", disabled=wrong is None, on_click=_jump, args=(wrong,), key="to_wrong"
    )


def _move(delta: int, n_bits: int) -> None:
    st.session_state.step_t = min(max(0, st.session_state.step_t + delta), n_bits - 1)
    st.session_state.playing = False


def _jump(position: int | None) -> None:
    if position is not None:
        st.session_state.step_t = position
    st.session_state.playing = False


def _toggle_play() -> None:
    st.session_state.playing = not st.session_state.get("playing", False)
