"""Step by step: one addition a bit at a time (slider, back, step, play, next chain, next wrong
bit), the step's arithmetic with the real numbers, the gates around it, the machine's move and
the hidden state as a map. Only this part of the page reruns per step.

While it plays, the position lives on the server (`play_t`), never in a widget the browser
sends back: a rerun asked for before the last one reached the browser carries an old slider
value, which would send the position back. The slider is then a disabled copy that only shows
the position, and the machine and the map, slow to draw, stay as they were when playing
began; they catch up when it stops.
"""

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
    chart,
    explain,
    export_button,
    machine_chart,
    show_view,
    theme,
)
from gru_viz.views import VIEWS
from gru_viz.views import steps as step_view
from gru_viz.views.machine import MACHINE, states_word

TITLE = "Step by step"
VIEWS_SHOWN = ("steps", "state-map")
SLIDER_LABEL = "Step t (bit position)"


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
    t, playing = _played(n_bits)
    if playing != st.session_state.get("play_configured"):
        st.rerun()  # start or stop the clock that plays
    t = step_slider(n_bits, t)
    step_buttons(trace, n_bits, t, playing)
    now = steps.step(trace, t, units.order[: step_view.STEP_UNITS])
    shown = st.session_state.get("play_from", t) if playing else t  # for the slow parts
    left, right = st.columns([1.6, 1])
    with left:
        window = step_view.step_window(t, n_bits)
        fig = VIEWS["gates"].build(active, a, b, theme(), analyses, window=window, cursor=t)
        chart(fig, "gru-viz-step", "gates", "step_chart")
        animation_download(active, a, b, analyses)
    with right:
        st.markdown(step_view.step_words(now))
        table = bit_table.bit_table(trace)
        positions = range(*step_view.step_window(t, n_bits, step_view.STEP_TABLE_WINDOW))
        st.html(figures.bit_table_html(table, positions, now=t, theme=theme(), block=None))
        st.table(step_view.step_rows(now))
        st.caption(step_view.TABLE_NOTE)
        if not active.live:
            show_machine_step(active, a, b, shown, analyses)
    if not active.live:
        st.markdown("**The hidden state as a map**")
        explain(VIEWS["state-map"].note(active.model))
        options = dict(step=shown, label="this addition")
        show_view("state-map", active, a, b, analyses, "state_map_chart", **options)
    waiting = analyses.waiting
    if waiting != st.session_state.get("steps_pending", False):
        st.session_state.steps_pending = waiting
        if not playing:  # (while playing, the fragment reruns per step anyway)
            st.rerun()  # start or stop polling


def _played(n_bits: int) -> tuple[int | None, bool]:
    """While playing, the step one past the server's own position (play_t) and whether to go
    on: playing stops at the last bit, and the slider is set to where it stopped. Else
    (None, False): the slider says."""
    if not st.session_state.get("playing", False):
        return None, False
    t, playing = panel.next_step(st.session_state.get("play_t", 0), n_bits, True)
    st.session_state.play_t, st.session_state.playing = t, playing
    if not playing:
        st.session_state.step_t = t  # the slider comes back where playing ended
    return t, playing


def show_machine_step(active, a, b, t: int, analyses: PageAnalyses) -> None:
    """The machine inside, with the move the addition makes at step t lit up."""
    dot = build_view("machine", active, a, b, analyses, step=t, transparent=True)
    if dot is not None:
        found = analyses.get(active.model, MACHINE)
        st.markdown(f"**The machine inside: {states_word(found.n_states)}**")
        machine_chart(dot)


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


def step_slider(n_bits: int, playing_at: int | None) -> int:
    """The step: the slider's (from the link, when the page opens on one), or while playing,
    `playing_at`, shown on a disabled copy of the slider."""
    if playing_at is not None:
        st.session_state.play_shown = playing_at
        st.slider(SLIDER_LABEL, 0, n_bits - 1, key="play_shown", disabled=True)
        return playing_at
    if st.session_state.get("step_t", 0) > n_bits - 1:  # a shorter sum than the last
        st.session_state.step_t = n_bits - 1
    return st.slider(SLIDER_LABEL, 0, n_bits - 1, key="step_t", bind="query-params")


def step_buttons(trace, n_bits: int, t: int, playing: bool) -> None:
    """Back, step, play or pause, next chain and next wrong bit, in one row that wraps on a
    narrow screen."""
    chain, wrong = steps.next_chain(trace, t), steps.next_wrong(trace, t)
    with st.container(horizontal=True, key="step_buttons"):
        st.button(
            "Back",
            icon=":material/skip_previous:",
            key="step_back",
            on_click=_move,
            args=(-1, n_bits),
        )
        st.button(
            "Step",
            icon=":material/skip_next:",
            key="step_next",
            on_click=_move,
            args=(1, n_bits),
        )
        st.button(
            "Pause" if playing else "Play",
            icon=":material/pause:" if playing else ":material/play_arrow:",
            key="play",
            on_click=_toggle_play,
            args=(n_bits,),
        )
        st.button(
            "Next carry chain",
            disabled=chain is None,
            on_click=_jump,
            args=(chain,),
            key="to_chain",
        )
        st.button(
            "Next wrong bit", disabled=wrong is None, on_click=_jump, args=(wrong,), key="to_wrong"
        )


def _shown(n_bits: int) -> int:
    """The step on the page as a button is pressed: the server's own while playing, else the
    slider's (which a person may just have moved)."""
    key = "play_t" if st.session_state.get("playing", False) else "step_t"
    return min(st.session_state.get(key, 0), n_bits - 1)


def _move(delta: int, n_bits: int) -> None:
    _jump(min(max(0, _shown(n_bits) + delta), n_bits - 1))


def _jump(position: int | None) -> None:
    if position is not None:
        st.session_state.step_t = position
    st.session_state.playing = False


def _toggle_play(n_bits: int) -> None:
    """Play from the step shown, or pause there."""
    t = _shown(n_bits)
    st.session_state.playing = not st.session_state.get("playing", False)
    st.session_state.play_t = st.session_state.play_from = st.session_state.step_t = t
