"""Watch a GRU add binary numbers: type two numbers, read the sum bit by bit, see the gates.

Run with `streamlit run streamlit_app.py`. This file lays out widgets and calls gru_viz; every
choice with a branch worth testing lives in gru_viz.app.page and the rest of the package.
"""

from __future__ import annotations

import logging

import streamlit as st

from gru_viz import inputs
from gru_viz.app import page
from gru_viz.app.resources import (
    analysis_cache,
    reference_models,
    shared_model,
    shipped_replays,
    training_slots,
)
from gru_viz.app.settings import AppSettings, settings_from_env


def main() -> None:
    st.set_page_config(page_title="GRU addition explorer", page_icon="🧮", layout="wide")
    title, switch = st.columns([5, 1], vertical_alignment="bottom")
    title.title("Watch a GRU add binary numbers")
    present = switch.toggle(
        "Presentation",
        key="present",
        bind="query-params",
        help="For a room: no sidebar, no explanations, larger type. The link keeps it.",
    )
    if present:
        st.html(page.PRESENT_CSS)
    explain(
        "A gated recurrent unit, written by hand in TensorFlow, reads two numbers one bit at a "
        "time, least significant bit first, and writes their sum. Type two numbers to see the "
        "sum it gives and what its gates do at every bit."
    )
    settings = read_settings()
    a, b = number_inputs(settings.max_digits)
    # Everything above reaches the browser before TensorFlow is imported below.
    from gru_viz.app.workspace import Workspace

    if "workspace" not in st.session_state:
        from gru_viz.app.runtime import page_alive_check

        st.session_state.workspace = Workspace(
            training_slots(settings.max_trainings),
            max_paused=settings.max_paused,
            page_alive=page_alive_check(),
            record=True,
            max_started=settings.max_session_trainings,
        )
        open_training_link(settings)
    training_link_messages()
    st.session_state.workspace.collect()  # keep the model of a training that has ended
    with st.spinner("Loading the model..."):
        shared_model(settings)
    with st.sidebar:
        model_panel(settings)
        training_panel(settings)
    views = (
        show_results,
        step_by_step,
        lambda *args: background_view("length", *args, how_far),
        lambda *args: background_view("machine", *args, inside_the_machine),
        lambda *args: background_view("replay", *args, how_it_learned),
        lambda *args: background_view("compare", *args, side_by_side),
    )  # one per tab of page.TABS; only the open tab runs
    tabs = st.tabs(page.TABS, key="tab", bind="query-params", on_change="rerun")
    for tab, view in zip(tabs, views):
        if tab.open:
            with tab:
                view(settings, a, b)


# SETTINGS AND SHARED RESOURCES


def read_settings() -> AppSettings:
    try:
        return settings_from_env()
    except ValueError as error:
        st.warning(page.literal(f"{error}. Using the default limits."))
        return AppSettings()


def use_own() -> bool:
    return st.session_state.get("model_source") == page.OWN_CHOICE


def current_model(settings: AppSettings):
    """The model the page shows: the session's choice, with the units it switched off."""
    active = page.chosen_model(
        st.session_state.get("model_source"),
        shared_model(settings).active(),
        reference_models()[page.TUTORIAL_REFERENCE],
        st.session_state.workspace,
    )
    return page.with_units_off(active, st.session_state.get(units_off_key(active), []))


def units_off_key(active) -> str:
    hidden = 0 if active.model is None else active.model.config.hidden_size
    return f"units_off_{hidden}"


def open_training_link(settings: AppSettings) -> None:
    """A link made for a model trained on the page (?train=...) trains it again, once, as the
    page opens: training is deterministic, so it is the same model."""
    from gru_viz.config import TUNABLE

    text = st.query_params.get("train")
    if not text:
        return
    ws = st.session_state.workspace
    try:
        config = page.check_caps(page.parse_train_link(text), settings)
    except ValueError as error:
        st.session_state.link_message = ("error", page.bad_train_link(error))
        show_shipped_model()
        return
    st.session_state.preset = config.preset  # the panel shows the link's settings
    st.session_state.update({t.name: getattr(config, t.name) for t in TUNABLE})
    full = page.link_slots_full(ws.slots)
    if full:
        st.session_state.link_message = ("warning", full)
        show_shipped_model()
        return
    ws.start_training(config)
    st.session_state.model_source = page.OWN_CHOICE
    st.session_state.link_config = config


def show_shipped_model() -> None:
    """Choose the shipped model, over the link's choice of the session's own."""
    st.query_params.pop("model_source", None)  # the link's choice would win over the state
    st.session_state.model_source = page.SHIPPED_CHOICE
    st.rerun()  # before the choice is drawn


def training_link_messages() -> None:
    """What became of the link's model: the note that it is retrained, or why it is not."""
    kind, message = st.session_state.get("link_message", ("", ""))
    if message:
        (st.error if kind == "error" else st.warning)(page.literal(message), icon=":material/link:")
    config = st.session_state.get("link_config")
    if config is not None and page.link_training(use_own(), st.session_state.workspace) == config:
        st.info(page.literal(page.retrain_note(config)), icon=":material/link:")


# THE NUMBERS


def number_inputs(max_digits: int) -> tuple[int | None, int | None]:
    """The two text inputs, kept in the URL (?a=...&b=...) while they are short enough for a
    link; each shows its own error."""
    help_text = inputs.HELP.format(max_digits=max_digits)
    values = []
    labels = ("First number", "Second number")
    defaults = (page.DEFAULT_A, page.DEFAULT_B)
    for column, label, key, default in zip(st.columns(2), labels, "ab", defaults):
        with column:
            if key not in st.session_state:  # a new page: the link's number, if it has one
                st.session_state[key] = st.query_params.get(key, default)
            text = st.text_input(label, key=key, help=help_text)
            link = page.link_value(text, default)
            if link is None:
                st.query_params.pop(key, None)
            else:
                st.query_params[key] = link
            try:
                values.append(inputs.parse_number(text, max_digits))
            except ValueError as error:
                st.error(page.literal(str(error)), icon=":material/error:")
                values.append(None)
            note = page.link_note(text)
            if note:
                st.caption(note)
    return values[0], values[1]


# THE MODEL PANEL (sidebar)


def model_panel(settings: AppSettings) -> None:
    ws = st.session_state.workspace
    st.header("Model")
    st.radio(
        "Use",
        page.MODEL_CHOICES,
        key="model_source",
        bind="query-params",
        help="The shipped model adds numbers of any length; the tutorial model was trained "
        "by the 2017 article's recipe on 4-bit numbers. Both are shared by everyone; yours "
        "is trained or uploaded here.",
    )
    active = current_model(settings)
    link = page.link_training(use_own(), ws)  # a model trained here: its settings and seed
    if link is None:
        st.query_params.pop("train", None)
    else:
        st.query_params["train"] = page.train_link(link)
    notice = ws.notice(active, use_own())
    if notice:
        st.info(notice)
    if active.model is not None:
        units = analysis_cache().get(active.intact, page.carry_units)
        st.multiselect(
            "Switch units off",
            page.unit_options(active.model.config.hidden_size, units),
            key=units_off_key(active),
            bind="query-params",
            format_func=lambda u: page.unit_label(u, units),
            help="Hold these units' state at 0 at every step, in the real model. Every view "
            "then shows the model without them.",
        )
    if active.model is not None:
        st.download_button(
            "Download this model",
            data=active.model.to_bytes,
            file_name="gru-viz-model.npz",
            mime="application/octet-stream",
            on_click="ignore",
            icon=":material/download:",
        )
    st.file_uploader(
        "Upload a model file",
        type=["npz"],
        key="upload",
        on_change=_upload,
        help="A .npz file saved by gru-viz (the download button above, or `python -m gru_viz "
        "train`). It becomes this session's model.",
    )
    if st.session_state.get("upload_error"):
        st.error(page.literal(st.session_state.upload_error), icon=":material/error:")
    st.radio(
        "Camera button saves",
        tuple(page.IMAGE_FORMATS),
        key="image_format",
        bind="query-params",
        horizontal=True,
        format_func=page.IMAGE_FORMATS.get,
        help="The camera icon above each figure downloads it for slides.",
    )


def _upload() -> None:
    file = st.session_state.upload
    st.session_state.upload_error = ""
    if file is None:
        return
    try:
        st.session_state.workspace.upload(file.getvalue(), file.name)
        st.session_state.model_source = page.OWN_CHOICE
    except ValueError as error:
        st.session_state.upload_error = f"Not loaded, nothing changed: {error}"


# THE TRAINING PANEL (sidebar)


def training_panel(settings: AppSettings) -> None:
    from gru_viz.config import PRESETS, TUNABLE

    ws = st.session_state.workspace
    live = ws.training
    st.header("Train a model")
    if "preset" not in st.session_state:
        _reset_fields("robust")
    st.selectbox(
        "Preset",
        tuple(PRESETS),
        key="preset",
        on_change=_reset_fields,
        disabled=live,
        help="robust: fresh random 16-bit sums, cross-entropy; it adds numbers of any length. "
        "tutorial: the article's 100 fixed 4-bit examples and quadratic loss.",
    )
    for column, field in zip(st.columns(2) * 3, TUNABLE):
        column.number_input(
            field.label, key=field.name, disabled=live, **page.number_input_args(field, settings)
        )
    pause_label, pause_icon = page.pause_button(ws.job_status())
    left, right = st.columns(2)
    left.button(
        "Start",
        key="start",
        on_click=_start,
        args=(settings,),
        disabled=live,
        type="primary",
        width="stretch",
        icon=":material/play_arrow:",
    )
    right.button(
        pause_label,
        key="pause",
        on_click=ws.toggle_pause,
        disabled=not live,
        width="stretch",
        icon=pause_icon,
    )
    left.button(
        "Stop",
        key="stop",
        on_click=ws.stop,
        disabled=not live,
        width="stretch",
        icon=":material/stop:",
    )
    right.button(
        "Reset",
        key="reset",
        on_click=_reset,
        width="stretch",
        icon=":material/restart_alt:",
        help="Stop, forget this session's model and restore the preset's settings.",
    )
    if st.session_state.get("train_error"):
        st.error(page.literal(st.session_state.train_error), icon=":material/error:")
    st.fragment(run_every=0.5 if live else None)(training_progress)()


def _reset_fields(preset: str | None = None) -> None:
    from gru_viz.config import preset_values

    st.session_state.preset = preset or st.session_state.preset
    st.session_state.update(preset_values(st.session_state.preset))
    st.session_state.train_error = ""


def _start(settings: AppSettings) -> None:
    try:
        config = page.training_config(st.session_state.preset, st.session_state, settings)
        st.session_state.workspace.start_training(config)
        st.session_state.model_source = page.OWN_CHOICE
        st.session_state.train_error = ""
        st.session_state.link_message = ("", "")
    except ValueError as error:
        st.session_state.train_error = str(error)


def _reset() -> None:
    st.session_state.workspace.reset()
    st.session_state.model_source = page.SHIPPED_CHOICE
    _reset_fields()


def training_progress() -> None:
    """Progress of this session's training; reruns twice a second while it is live."""
    from gru_viz import figures
    from gru_viz.app.jobs import progress_text

    ws = st.session_state.workspace
    status = ws.latest_status()
    if status is None:
        return
    waiting = page.waiting_text(status, ws.slots)
    if waiting:
        st.info(waiting, icon=":material/hourglass_top:")
    st.progress(status.fraction, text=progress_text(status))
    if status.error:
        st.error(page.literal(status.error))
    if status.steps:
        fig = figures.training_figure(status.steps, status.losses, status.checks)
        st.plotly_chart(
            themed(fig), config=figures.plot_config("gru-viz-training", _image_format())
        )
    rerun_when_training_ends("job", status.live)


def rerun_when_training_ends(name: str, live: bool) -> None:
    """While a training is live parts of the page poll; when it ends, one full rerun picks up
    its model and stops the polling."""
    was_live = st.session_state.get(f"{name}_was_live", False)
    st.session_state[f"{name}_was_live"] = live
    if was_live and not live:
        st.rerun()


def _image_format() -> str:
    return st.session_state.get("image_format", "png")


# THE RESULTS


def show_results(settings: AppSettings, a: int | None, b: int | None) -> None:
    """The results, in a fragment that redraws with the model while a training is live."""
    ws = st.session_state.workspace
    live = (ws.training and use_own()) or shared_model(settings).live
    st.fragment(run_every=page.results_refresh(a, b, live))(results)(settings, a, b)


def results(settings: AppSettings, a: int | None, b: int | None) -> None:
    try:
        draw_results(settings, a, b)
    except Exception as error:  # a message on the page, the traceback in the server's log
        logging.getLogger(__name__).exception("drawing the results failed")
        st.error(
            page.literal(f"Sorry, the results could not be drawn: {error}"), icon=":material/error:"
        )


def draw_results(settings: AppSettings, a: int | None, b: int | None) -> None:
    from gru_viz.app.jobs import progress_text

    shared = shared_model(settings)
    fallback = page.fallback_message(shared)
    if fallback:
        st.warning(page.literal(fallback), icon=":material/error:")
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
        trace = cache.get(active.model, page.trace, a, b)
    except ValueError as error:  # too long for this model: the limit, in words
        st.error(page.literal(str(error)), icon=":material/error:")
        return
    why = page.explanation(trace, active.model, cache.get(active.model, page.carry_units))
    st.caption(page.literal(f"Model: {active.label}"))
    show_sums(trace, why)
    show_bit_table(trace)
    show_gates(active.model, trace, why)


def show_sums(trace, why) -> None:
    sums = page.sums(trace)
    if sums.short:
        left, right = st.columns(2)
        left.metric("Predicted sum", sums.predicted, border=True)
        right.metric("True sum", sums.true, border=True)
    else:
        for label, digits in (("Predicted sum", sums.predicted), ("True sum", sums.true)):
            st.markdown(f"**{label}** ({len(digits):,} digits)")
            st.code(digits, language=None, wrap_lines=True, height=120)
    if trace.correct:
        st.success(page.verdict(trace), icon=":material/check_circle:")
    else:
        st.error(page.verdict(trace), icon=":material/cancel:")
    st.markdown(f"**Why.** {why.text}")


def show_bit_table(trace) -> None:
    from gru_viz import analysis, figures

    st.subheader("Bit by bit, least significant bit first")
    explain(
        "The model reads both numbers from their lowest bit, as you add with a carry: column t "
        "holds the bit worth 2^t. p is the model's probability that the sum bit is 1; the carry "
        "is the true carry into each position."
    )
    table = analysis.bit_table(trace)
    start = 0
    if page.table_start_needed(trace.n_bits):
        start = st.slider(
            f"The table shows {page.TABLE_WIDTH} of {trace.n_bits:,} positions, starting at",
            0,
            trace.n_bits - page.TABLE_WIDTH,
            0,
            step=1,
            key=f"table_start_{trace.n_bits}",
        )
    positions = analysis.table_window(trace.n_bits, start, page.TABLE_WIDTH)
    st.html(figures.bit_table_html(table, positions, theme=theme()))
    usual = "Also show the usual reading, most significant bit first"
    if st.toggle(usual, key="msb_first", bind="query-params"):
        st.caption(
            "Written the usual way, the same bits run the other way round: the position "
            "numbers count down. Reversing the strings is all it takes to go from one reading "
            "to the other."
        )
        st.html(figures.bit_table_html(table, positions, msb_first=True, theme=theme()))
        usual = page.usual_reading_text(trace)
        if usual:
            st.code(usual, language=None)


def show_gates(model, trace, why) -> None:
    from gru_viz import figures

    st.subheader("Inside the GRU")
    controls = st.columns([2, 2, 3])
    view = controls[0].segmented_control(
        "Show",
        tuple(page.VIEW_CHOICES),
        default=next(iter(page.VIEW_CHOICES)),
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
        "(measured on 96 additions of 64-bit numbers, two thirds with long carry chains), so "
        "the carry units sit at the top.",
    )
    chain = page.chain_range(why, trace.n_bits)
    zoom = controls[2].toggle(
        "Zoom to the chain that broke",
        key="zoom_chain",
        bind="query-params",
        disabled=chain is None,
        help="Show the carry chain that reaches the first wrong bit, and nothing else.",
    )
    units = analysis_cache().get(model, page.carry_units)
    order = page.unit_order(units.order, trace.hidden_size, by_carry)
    fig = page.inside_figure(trace, view, order, units, chain if zoom else None, theme=theme())
    present = st.session_state.get("present", False)  # the figure alone, full width, 16:9
    figure_column, text_column = (st.container(), None) if present else st.columns([2.2, 1])
    with figure_column:
        config = figures.plot_config(page.figure_file_name(view, trace), _image_format())
        if present:
            with st.container(key="slide_figure"):  # 16:9 by page.PRESENT_CSS
                fig = figures.fit_to_aspect(fig)  # already in the page's theme
                st.plotly_chart(fig, key="gates_chart", config=config, height="stretch")
        else:
            st.plotly_chart(fig, key="gates_chart", config=config)  # in the page's theme
        name = config["toImageButtonOptions"]["filename"]
        html_download(fig, name, "gates_html", page.VIEW_CHOICES[view])
        note = page.zoom_note(trace.n_bits)
        if note:
            st.caption(note)
    if text_column is not None:
        with text_column:
            equations()


# STEP BY STEP


def step_by_step(settings: AppSettings, a, b) -> None:
    """One step at a time: the only part that reruns per step is this fragment."""
    playing = st.session_state.get("playing", False)
    st.session_state.play_configured = playing
    st.fragment(run_every=page.PLAY_SECONDS if playing else None)(_step_body)(settings, a, b)


def _step_body(settings: AppSettings, a, b) -> None:
    from gru_viz import analysis, figures, steps

    active = current_model(settings)
    if active.model is None or a is None or b is None:
        st.info("Type two numbers (and wait for a model) to step through their sum.")
        return
    trace = analysis_cache().get(active.model, page.trace, a, b)
    units = analysis_cache().get(active.intact, page.carry_units)
    n_bits = trace.n_bits
    t = min(st.session_state.get("step_t", 0), n_bits - 1)
    t, playing = page.next_step(t, n_bits, st.session_state.get("playing", False))
    st.session_state.step_t, st.session_state.playing = t, playing
    if playing != st.session_state.get("play_configured"):
        st.rerun()  # start or stop the clock that plays
    step_controls(trace, n_bits)
    t = st.session_state.step_t
    now = steps.step(trace, t, units.order[: page.STEP_UNITS])
    left, right = st.columns([1.6, 1])
    with left:
        window = page.step_window(t, n_bits)
        fig = page.inside_figure(
            trace, "Gates z and r", units.order, units, window=window, cursor=t, theme=theme()
        )
        st.plotly_chart(fig, key="step_chart", config=plot_config("gru-viz-step"))
        animation_download(trace, units)
    with right:
        st.markdown(page.step_words(now))
        table = analysis.bit_table(trace)
        positions = range(*page.step_window(t, n_bits, page.STEP_TABLE_WINDOW))
        st.html(figures.bit_table_html(table, positions, now=t, theme=theme()))
        st.table(page.step_rows(now))
        st.caption(
            "h(t-1) is what each unit brings from the bits below; z(t) how much of it the unit "
            "replaces; r(t) how much of it goes into the candidate h~(t); h(t) what it keeps."
        )
        if not active.live:
            machine = analysis_cache().request(active.model, page.machine)
            path = page.machine_step(machine, trace, t)
            if path is None:
                st.caption("The machine inside appears here once it is read out (a step on).")
            else:
                st.markdown(f"**The machine inside: {page.states_word(machine.n_states)}**")
                st.graphviz_chart(
                    figures.machine_dot(machine, path, colours=dot_colours()), width="stretch"
                )
    if not active.live:
        show_state_map(active.model, trace, t)


def show_state_map(model, trace, t: int) -> None:
    """The hidden states as a map, the current addition's path over it and its step t."""
    from gru_viz import figures, state_map

    st.markdown("**The hidden state as a map**")
    explain(page.STATE_MAP_NOTE)
    found = analysis_cache().request(model, page.hidden_state_map)
    if not isinstance(found, state_map.StateMap):
        st.caption("The map appears here once it is computed (a step on).")
        return
    path = state_map.trace_path(found, trace, "this addition")
    fig = figures.state_map_figure(found, path, current=t)
    st.plotly_chart(themed(fig), key="state_map_chart", config=plot_config("gru-viz-state-map"))
    html_download(fig, "gru-viz-state-map", "state_map_html", "state-map")


def animation_download(trace, units) -> None:
    """A button that saves the step-through as one HTML file that plays, made when clicked."""
    from gru_viz import figures

    look = theme()  # read here: the file is made outside this run
    st.download_button(
        "Animated HTML",
        data=lambda: page.figure_html(page.step_animation(trace, units, look)),
        file_name=f"{page.file_name('steps', trace)}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/animation:",
        key="steps_html",
        help="The step-through as one self-contained HTML file with a play button and a "
        "slider: the cursor and the carry unit's state move bit by bit, with each step's "
        f"arithmetic above. It plays bits 0 to {figures.MAX_FRAMES - 1} at most.",
    )


def step_controls(trace, n_bits: int) -> None:
    from gru_viz import steps

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


# THE BACKGROUND VIEWS: how far it adds, inside the machine


def background_view(name: str, settings: AppSettings, a, b, draw) -> None:
    """A view whose analyses run in the background: it polls while any is still computing."""
    polling = st.session_state.get(f"{name}_pending", False)
    st.fragment(run_every=0.5 if polling else None)(_background_body)(name, settings, a, b, draw)


def _background_body(name: str, settings: AppSettings, a, b, draw) -> None:
    active = current_model(settings)
    notice = page.unsettled_notice(active)
    if notice:
        st.info(notice, icon=":material/hourglass_top:")
        return
    try:
        pending = draw(active, a, b)
    except Exception as error:  # a message on the page, the traceback in the server's log
        logging.getLogger(__name__).exception("drawing the %s view failed", name)
        st.error(
            page.literal(f"Sorry, this view could not be drawn: {error}"), icon=":material/error:"
        )
        pending = False
    was = st.session_state.get(f"{name}_pending", False)
    st.session_state[f"{name}_pending"] = pending
    if pending != was:  # start or stop polling
        st.rerun()


def background(model, fn, what: str):
    """fn(model) from the cache, or None while it computes (a progress bar says so)."""
    from gru_viz.app.cache import Failed, Pending

    result = analysis_cache().request(model, fn)
    if isinstance(result, Pending):
        st.progress(result.fraction, text=page.pending_text(what, result.fraction))
        return None
    if isinstance(result, Failed):
        st.error(
            page.literal(f"Computing {what} failed: {result.message}"), icon=":material/error:"
        )
        return None
    return result


def how_far(active, a, b) -> bool:
    """Length curves of this model and the references, and the ablation ranking; True while
    any of them is still computing."""
    from gru_viz import figures

    st.subheader("How far it adds")
    explain(page.LENGTH_NOTE)
    named, pending = [], False
    for name, model, main in page.curve_models(active, reference_models()):
        curve = background(model, page.length_curve, f"how far the {name} adds")
        pending |= curve is None
        if curve is not None:
            named.append(figures.NamedCurve(name, curve, main))
    if named:
        fig = figures.length_figure(named, page.train_bits(active.model))
        st.plotly_chart(themed(fig), key="length_chart", config=plot_config("gru-viz-length"))
        html_download(fig, "gru-viz-length", "length_html", "length")
    st.subheader("Which units it needs")
    explain(page.RANKING_NOTE)
    ranking = background(active.model, page.ranking, "what each unit is worth")
    if ranking is not None:
        units = analysis_cache().get(active.intact, page.carry_units)
        fig = figures.ablation_figure(ranking, units.carriers)
        st.plotly_chart(themed(fig), key="ablation_chart", config=plot_config("gru-viz-units-off"))
        html_download(fig, "gru-viz-units-off", "ablation_html")
    return pending or ranking is None


def inside_the_machine(active, a, b) -> bool:
    """The machine read off the GRU beside the textbook adder, with the current addition's
    path; True while it is still computing."""
    from gru_viz import figures

    st.subheader("The machine inside")
    explain(page.MACHINE_NOTE)
    found = background(active.model, page.machine, "the machine inside this model")
    if found is None:
        return True
    paths = page.machine_paths(found, a, b)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Read off this GRU: {page.states_word(found.n_states)}**")
        st.graphviz_chart(
            figures.machine_dot(found, paths.found, colours=dot_colours()), width="stretch"
        )
    with right:
        st.markdown("**The textbook adder: 2 states**")
        st.graphviz_chart(
            figures.machine_dot(paths.adder, paths.adder_path, colours=dot_colours()),
            width="stretch",
        )
    if paths.note:
        st.caption(paths.note)
    st.markdown(page.machine_text(found))
    st.subheader("How the gates are used")
    explain(page.SATURATION_NOTE)
    used = background(active.model, page.saturation, "how the gates are used")
    if used is None:
        return True
    units = analysis_cache().get(active.intact, page.carry_units)
    fig = figures.saturation_figure(used, units.carriers)
    st.plotly_chart(themed(fig), key="saturation_chart", config=plot_config("gru-viz-saturation"))
    html_download(fig, "gru-viz-saturation", "saturation_html", "saturation")
    return False


def how_it_learned(active, a, b) -> bool:
    """Replay how the page's model learned; True while an analysis of its snapshot computes."""
    from gru_viz import figures
    from gru_viz.replay import replay_model

    st.subheader("How it learned")
    explain(page.REPLAY_NOTE)
    replay = page.replay_of(active, st.session_state.workspace.own_replay, shipped_replays())
    if replay is None:
        st.info(page.NO_REPLAY, icon=":material/history:")
        return False
    i = st.select_slider(
        "Training step",
        options=range(len(replay)),
        value=len(replay) - 1,
        format_func=lambda i: f"{int(replay.steps[i]):,}",
        key=f"replay_{id(replay)}",
    )
    steps = range(1, len(replay.losses) + 1)
    fig = figures.training_figure(
        steps,
        replay.losses,
        page.replay_checks(replay),
        marker_step=int(replay.steps[i]),
        height=460,
    )
    st.plotly_chart(themed(fig), key="replay_chart", config=plot_config("gru-viz-training"))
    model = replay_model(replay, i)
    units = analysis_cache().get(model, page.carry_units)
    found = analysis_cache().request(model, page.machine)
    st.markdown(page.snapshot_words(replay, i, units, found))
    left, right = st.columns([1.4, 1])
    pending = not hasattr(found, "n_states")
    with left:
        if a is not None and b is not None:
            trace = analysis_cache().get(model, page.trace, a, b)
            fig = page.inside_figure(trace, "Gates z and r", units.order, units)
            st.plotly_chart(themed(fig), key="replay_gates", config=plot_config("gru-viz-gates"))
    with right:
        if not pending:
            path = page.machine_paths(found, a, b).found
            st.graphviz_chart(
                figures.machine_dot(found, path, colours=dot_colours()), width="stretch"
            )
        curve = background(model, page.length_curve, "how far it added then")
        if curve is not None:
            named = [figures.NamedCurve(f"step {int(replay.steps[i]):,}", curve, True)]
            fig = figures.length_figure(named, model.train_bits)
            st.plotly_chart(themed(fig), key="replay_length", config=plot_config("gru-viz-length"))
    return pending or curve is None


def side_by_side(active, a, b) -> bool:
    """Two models on the same addition; True while an analysis of either still computes."""
    from gru_viz import figures

    st.subheader("Side by side")
    explain(page.COMPARE_NOTE)
    settings = read_settings()
    choices = page.MODEL_CHOICES
    columns = st.columns(2)
    chosen = []
    for column, key, default in zip(columns, ("left_model", "right_model"), (0, 1)):
        choice = column.selectbox("Model", choices, index=default, key=key)
        model = page.chosen_model(
            choice,
            shared_model(settings).active(),
            reference_models()[page.TUTORIAL_REFERENCE],
            st.session_state.workspace,
        )
        chosen.append((choice, model))
    pending, curves = False, []
    for column, (choice, model) in zip(columns, chosen):
        with column:
            if model.model is None or model.live:
                st.info(page.unsettled_notice(model) or "No model yet.")
                continue
            st.caption(page.literal(model.label))
            pending |= compare_column(model.model, a, b, choice)
            curve = background(model.model, page.length_curve, f"how far the {choice} adds")
            if curve is not None:
                curves.append(figures.NamedCurve(choice, curve, not curves))
            pending |= curve is None
    if curves:
        fig = figures.length_figure(curves)
        st.plotly_chart(themed(fig), key="compare_length", config=plot_config("gru-viz-compare"))
    return pending


def compare_column(model, a, b, name: str) -> bool:
    """One model's sum, why, gates and machine; True while its machine still computes."""
    from gru_viz import figures

    if a is None or b is None:
        st.info("Type two numbers to compare the models on them.")
        return False
    trace = analysis_cache().get(model, page.trace, a, b)
    units = analysis_cache().get(model, page.carry_units)
    why = page.explanation(trace, model, units)
    (st.success if trace.correct else st.error)(page.verdict(trace))
    st.markdown(why.text)
    fig = page.inside_figure(trace, "Gates z and r", units.order, units)
    st.plotly_chart(themed(fig), key=f"compare_gates_{name}", config=plot_config("gru-viz-gates"))
    found = background(model, page.machine, f"the machine inside the {name}")
    if found is None:
        return True
    st.markdown(f"**Its machine: {page.states_word(found.n_states)}**")
    path = page.machine_paths(found, a, b).found
    st.graphviz_chart(figures.machine_dot(found, path, colours=dot_colours()), width="stretch")
    return False


def theme():
    """The page's theme (light or dark, as the viewer chose), larger in presentation mode."""

    return page.page_theme(st.context.theme.type, st.session_state.get("present", False))


def themed(fig):
    from gru_viz import figures

    return figures.themed(fig, theme())


def dot_colours() -> dict:
    from gru_viz import figures

    return figures.dot_colours(theme())


def explain(text: str) -> None:
    """A view's explanation beside it; presentation mode leaves it out."""
    if not st.session_state.get("present", False):
        st.caption(text)


def html_download(fig, name: str, key: str, view: str | None = None) -> None:
    """Buttons that save the figure as one interactive HTML file (plotly.js inside) and as a
    vector SVG drawn on the server (`view`: its name for `python -m gru_viz figure`), each
    made only when clicked, off the page's run."""
    from gru_viz import figures
    from gru_viz.export import find_browser, static_image

    with st.container(horizontal=True):
        st.download_button(
            "Interactive HTML",
            data=lambda: page.figure_html(themed(fig)),
            file_name=f"{name}.html",
            mime="text/html",
            on_click="ignore",
            icon=":material/download:",
            key=key,
        )
        if find_browser() is None:
            a, b = st.session_state.get("a"), st.session_state.get("b")
            st.caption(page.no_browser_caption(view, a, b))
            return
        look = theme()  # read here: the file is made outside this run
        st.download_button(
            "Vector SVG",
            data=lambda: static_image(fig, "svg", figures.SLIDE_SIZE, look),
            file_name=f"{name}.svg",
            mime="image/svg+xml",
            on_click="ignore",
            icon=":material/download:",
            key=f"{key}_svg",
            help=page.vector_svg_help(),
        )


def plot_config(name: str) -> dict:
    from gru_viz import figures

    return figures.plot_config(name, _image_format())


def equations() -> None:
    st.markdown("**The GRU, one step per bit**")
    st.latex(
        r"""\small\begin{aligned}
        z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z) \\
        r_t &= \sigma(x_t W_r + h_{t-1} U_r + b_r) \\
        \tilde h_t &= \tanh(x_t W_h + (r_t \odot h_{t-1})\, U_h + b_h) \\
        h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t
        \end{aligned}"""
    )
    st.markdown(
        "$x_t = (a_t, b_t)$ are the two bits at position $t$, and $h_{t-1}$ is all the unit "
        "remembers from the bits below, the carry among them.\n\n"
        "- **Update gate z**: near 0 the unit keeps its previous state; near 1 it takes the "
        "new candidate $\\tilde h_t$.\n"
        "- **Reset gate r**: near 0 the unit forgets its previous state while it forms the "
        "candidate; near 1 it uses it.\n\n"
        "The output $y_t = h_t W_o + b_o$ gives sum bit $t$. The strip above the heatmaps "
        "repeats the bits, with wrong predicted bits in red."
    )


main()
