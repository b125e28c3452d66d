"""Watch a GRU add binary numbers: type two numbers, read the sum bit by bit, see the gates.

Run with `streamlit run streamlit_app.py`. The page lays out widgets and calls gru_viz; the
numbers, the bit table, the figures and the background training all live in the package.
"""

from __future__ import annotations

import logging

import streamlit as st

from gru_viz import inputs
from gru_viz.settings import AppSettings, settings_from_env

DEFAULT_A, DEFAULT_B = "1024", "16"  # the article's example
SHIPPED, OWN = "Shipped model", "This session's model"
GATES, STATES = "Gates z and r", "States h~ and h"
TABLE_WIDTH = 128  # bit table columns shown at once
SHORT_NUMBER = 30  # digits; longer numbers are shown in a wrapped block, not as a metric
TRAIN_FIELDS = ("hidden_size", "learning_rate", "batch_size", "train_bits", "max_steps", "seed")


def main() -> None:
    st.set_page_config(page_title="GRU addition explorer", page_icon="🧮", layout="wide")
    st.title("Watch a GRU add binary numbers")
    st.caption(
        "A gated recurrent unit, written by hand in TensorFlow, reads two numbers one bit at a "
        "time, least significant bit first, and writes their sum. Type two numbers to see the "
        "sum it gives and what its gates do at every bit."
    )
    settings = read_settings()
    a, b = number_inputs(settings.max_digits)
    # Everything above reaches the browser before TensorFlow is imported below.
    from gru_viz.session import Workspace

    if "workspace" not in st.session_state:
        st.session_state.workspace = Workspace(training_slots(settings.max_trainings))
    st.session_state.workspace.collect()  # keep the model of a training that has ended
    with st.spinner("Loading the model..."):
        shared_model(settings)
    with st.sidebar:
        model_panel(settings)
        training_panel()
    show_results(settings, a, b)


# SETTINGS AND SHARED RESOURCES


def read_settings() -> AppSettings:
    try:
        return settings_from_env()
    except ValueError as error:
        st.warning(f"{error}. Using the default limits.")
        return AppSettings()


@st.cache_resource(show_spinner=False)
def training_slots(limit: int):
    from gru_viz.session import TrainingSlots

    return TrainingSlots(limit)


@st.cache_resource(show_spinner=False)
def _shared_model(path: str | None, max_trainings: int):
    from gru_viz.session import SharedModel

    return SharedModel(path, training_slots(max_trainings))


def shared_model(settings: AppSettings):
    """The pretrained model (or the default one trained in its place), one for all sessions."""
    return _shared_model(settings.model_path, settings.max_trainings)


def current_model(settings: AppSettings):
    return st.session_state.workspace.active(shared_model(settings).active())


# THE NUMBERS


def number_inputs(max_digits: int) -> tuple[int | None, int | None]:
    """The two text inputs, bound to ?a=...&b=... in the URL; each shows its own error."""
    help_text = inputs.HELP.format(max_digits=max_digits)
    values = []
    for column, label, key, default in zip(
        st.columns(2), ("First number", "Second number"), "ab", (DEFAULT_A, DEFAULT_B)
    ):
        with column:
            text = st.text_input(label, value=default, key=key, help=help_text, bind="query-params")
            try:
                values.append(inputs.parse_number(text, max_digits))
            except ValueError as error:
                st.error(str(error), icon=":material/error:")
                values.append(None)
    return values[0], values[1]


# THE MODEL PANEL (sidebar)


def model_panel(settings: AppSettings) -> None:
    ws = st.session_state.workspace
    st.header("Model")
    st.session_state.model_source = OWN if ws.use_own else SHIPPED
    st.radio(
        "Use", (SHIPPED, OWN), key="model_source", on_change=_choose_source,
        help="The shipped model is shared by everyone; yours is trained or uploaded here.",
    )  # fmt: skip
    active = current_model(settings)
    if ws.use_own and active.key[0] not in ("job", "own"):
        if ws.job is not None:
            st.info("Your model is training; the results follow it from its first step.")
        else:
            st.info("This session has no model of its own yet: train one below or upload one.")
    if active.model is not None:
        st.download_button(
            "Download this model", data=active.model.to_bytes, file_name="gru-viz-model.npz",
            mime="application/octet-stream", on_click="ignore", icon=":material/download:",
        )  # fmt: skip
    st.file_uploader(
        "Upload a model file", type=["npz"], key="upload", on_change=_upload,
        help="A .npz file saved by gru-viz (the download button above, or `python -m gru_viz "
        "train`). It becomes this session's model.",
    )  # fmt: skip
    if st.session_state.get("upload_error"):
        st.error(st.session_state.upload_error, icon=":material/error:")
    st.radio(
        "Camera button saves", ("png", "svg"), key="image_format", horizontal=True,
        format_func=lambda f: {"png": "PNG (4x)", "svg": "SVG"}[f],
        help="The camera icon above each figure downloads it for slides.",
    )  # fmt: skip


def _choose_source() -> None:
    st.session_state.workspace.use_own = st.session_state.model_source == OWN


def _upload() -> None:
    file = st.session_state.upload
    st.session_state.upload_error = ""
    if file is None:
        return
    try:
        st.session_state.workspace.upload(file.getvalue(), file.name)
    except ValueError as error:
        st.session_state.upload_error = f"Not loaded, nothing changed: {error}"


# THE TRAINING PANEL (sidebar)


def training_panel() -> None:
    from gru_viz.config import PRESETS

    ws = st.session_state.workspace
    status = ws.job_status()
    live = ws.training
    st.header("Train a model")
    if "preset" not in st.session_state:
        _reset_fields("robust")
    st.selectbox(
        "Preset", tuple(PRESETS), key="preset", on_change=lambda: _reset_fields(),
        disabled=live,
        help="robust: fresh random 16-bit sums, cross-entropy; it adds numbers of any length. "
        "tutorial: the article's 100 fixed 4-bit examples and quadratic loss.",
    )  # fmt: skip
    left, right = st.columns(2)
    left.number_input("Hidden size", 1, 256, key="hidden_size", disabled=live)
    right.number_input(
        "Learning rate", 1e-5, 1.0, key="learning_rate", format="%g", step=1e-3, disabled=live
    )
    left.number_input("Batch size", 1, 1024, key="batch_size", disabled=live)
    right.number_input("Training bits", 2, 64, key="train_bits", disabled=live,
                       help="Operand length of the training sums.")  # fmt: skip
    left.number_input("Step limit", 1, 50_000, key="max_steps", disabled=live)
    right.number_input("Seed", 0, 2**31 - 1, key="seed", disabled=live)
    paused = live and status.state == "paused"
    left, right = st.columns(2)
    pause_label, pause_icon = ("Resume", "play_circle") if paused else ("Pause", "pause")
    left.button(
        "Start", key="start", on_click=_start, disabled=live, type="primary", width="stretch",
        icon=":material/play_arrow:",
    )  # fmt: skip
    right.button(
        pause_label, key="pause", on_click=_pause, disabled=not live, width="stretch",
        icon=f":material/{pause_icon}:",
    )  # fmt: skip
    left.button(
        "Stop", key="stop", on_click=_stop, disabled=not live, width="stretch",
        icon=":material/stop:",
    )  # fmt: skip
    right.button(
        "Reset", key="reset", on_click=_reset, width="stretch", icon=":material/restart_alt:",
        help="Stop, forget this session's model and restore the preset's settings.",
    )  # fmt: skip
    if st.session_state.get("train_error"):
        st.error(st.session_state.train_error, icon=":material/error:")
    st.fragment(run_every=0.5 if live else None)(training_progress)()


def _reset_fields(preset: str | None = None) -> None:
    from gru_viz.config import PRESETS

    preset = preset or st.session_state.preset
    st.session_state.preset = preset
    for name in TRAIN_FIELDS:
        st.session_state[name] = PRESETS[preset].get(name, 0)
    st.session_state.train_error = ""


def _start() -> None:
    from gru_viz.session import training_config

    try:
        fields = {name: st.session_state[name] for name in TRAIN_FIELDS}
        config = training_config(st.session_state.preset, **fields)
        st.session_state.workspace.start_training(config)
        st.session_state.train_error = ""
    except ValueError as error:
        st.session_state.train_error = str(error)


def _pause() -> None:
    job = st.session_state.workspace.job
    if job is not None and job.status().state == "paused":
        job.resume()
    elif job is not None:
        job.pause()


def _stop() -> None:
    if st.session_state.workspace.job is not None:
        st.session_state.workspace.job.stop()


def _reset() -> None:
    st.session_state.workspace.reset()
    _reset_fields()


def training_progress() -> None:
    """Progress of this session's training; reruns twice a second while it is live."""
    from gru_viz import figures
    from gru_viz.session import progress_text

    ws = st.session_state.workspace
    status = ws.job_status() or ws.last_status
    if status is None:
        return
    if status.state == "waiting":
        st.info(
            f"Waiting for a free training slot: {ws.slots.running} of {ws.slots.limit} "
            "trainings are running on this server. Yours starts by itself (number "
            f"{status.place_in_line} in line).",
            icon=":material/hourglass_top:",
        )
    st.progress(status.fraction, text=progress_text(status))
    if status.error:
        st.error(status.error)
    if status.steps:
        fig = figures.training_figure(status.steps, status.losses, status.checks)
        st.plotly_chart(fig, config=figures.plot_config("gru-viz-training", _image_format()))
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
    from gru_viz.session import refresh_seconds

    ws = st.session_state.workspace
    live = (ws.training and ws.use_own) or shared_model(settings).live
    interval = refresh_seconds(st.session_state.get("n_bits", 0)) if live else None
    st.fragment(run_every=interval)(results)(settings, a, b)


def results(settings: AppSettings, a: int | None, b: int | None) -> None:
    try:
        draw_results(settings, a, b)
    except Exception as error:  # a message on the page, the traceback in the server's log
        logging.getLogger(__name__).exception("drawing the results failed")
        st.error(f"Sorry, the results could not be drawn: {error}", icon=":material/error:")


def draw_results(settings: AppSettings, a: int | None, b: int | None) -> None:
    from gru_viz.session import progress_text

    shared = shared_model(settings)
    fallback = shared.fallback_status()
    if fallback is not None:
        doing = (
            "is being trained on this server instead; until it is done the results follow it "
            "as it learns" if fallback.live else "was trained on this server in its place"
        )  # fmt: skip
        st.warning(
            f"The pretrained model could not be loaded: {shared.error}. A default model {doing}.",
            icon=":material/error:",
        )
        st.progress(fallback.fraction, text=progress_text(fallback))
        rerun_when_training_ends("fallback", fallback.live)
    active = current_model(settings)
    if active.model is None:
        st.info("Waiting for the first steps of training...", icon=":material/hourglass_top:")
        return
    if a is None or b is None:
        st.info("Fix the number above to see the model's sum.", icon=":material/edit:")
        return
    trace = st.session_state.workspace.trace(active, a, b)
    st.session_state.n_bits = trace.n_bits
    st.caption(f"Model: {active.label}")
    show_sums(trace)
    show_bit_table(trace)
    show_gates(active, trace)


def show_sums(trace) -> None:
    total, predicted = (
        inputs.int_to_digits(trace.true_sum),
        inputs.int_to_digits(trace.predicted_sum),
    )
    wrong = int((trace.bits_pred != trace.bits_true).sum())
    if max(len(total), len(predicted)) <= SHORT_NUMBER:
        left, right = st.columns(2)
        left.metric("Predicted sum", predicted, border=True)
        right.metric("True sum", total, border=True)
    else:
        st.markdown(f"**Predicted sum** ({len(predicted):,} digits)")
        st.code(predicted, language=None, wrap_lines=True, height=120)
        st.markdown(f"**True sum** ({len(total):,} digits)")
        st.code(total, language=None, wrap_lines=True, height=120)
    if trace.correct:
        st.success(
            f"Right: all {trace.n_bits:,} sum bits are correct.", icon=":material/check_circle:"
        )
    else:
        first = int((trace.bits_pred != trace.bits_true).argmax())
        st.error(
            f"Wrong: {wrong:,} of {trace.n_bits:,} sum bits differ, the first at position "
            f"{first:,}. They are marked in red below.",
            icon=":material/cancel:",
        )


def show_bit_table(trace) -> None:
    from gru_viz import analysis

    st.subheader("Bit by bit, least significant bit first")
    st.caption(
        "The model reads both numbers from their lowest bit, as you add with a carry: column t "
        "holds the bit worth 2^t. p is the model's probability that the sum bit is 1; the carry "
        "is the true carry into each position."
    )
    table = analysis.bit_table(trace)
    start = 0
    if trace.n_bits > TABLE_WIDTH:
        start = st.slider(
            f"The table shows {TABLE_WIDTH} of {trace.n_bits:,} positions, starting at",
            0, trace.n_bits - TABLE_WIDTH, 0, step=1, key=f"table_start_{trace.n_bits}",
        )  # fmt: skip
    positions = analysis.table_window(trace.n_bits, start, TABLE_WIDTH)
    st.html(analysis.bit_table_html(table, positions))
    if st.toggle("Also show the usual reading, most significant bit first", key="msb_first"):
        st.caption(
            "Written the usual way, the same bits run the other way round: the position "
            "numbers count down. Reversing the strings is all it takes to go from one reading "
            "to the other."
        )
        st.html(analysis.bit_table_html(table, positions, msb_first=True))
        if trace.n_bits <= 256:
            usual = analysis.usual_reading(trace)
            width = max(len(label) for label in usual)
            st.code("\n".join(f"{k:>{width}}  {v}" for k, v in usual.items()), language=None)


def show_gates(active, trace) -> None:
    import numpy as np

    from gru_viz import analysis, figures

    st.subheader("Inside the GRU")
    controls = st.columns([2, 2, 3])
    view = controls[0].segmented_control(
        "Show", (GATES, STATES), default=GATES, required=True, key="view"
    )
    by_carry = controls[1].toggle(
        "Carry units first", value=True, key="by_carry",
        help="Order the hidden units by how strongly their state follows the true carry "
        "(measured on 24 random 30-bit sums), so the carry unit(s) sit at the top.",
    )  # fmt: skip
    hidden = trace.z.shape[1]
    order = st.session_state.workspace.carry_order(active) if by_carry else np.arange(hidden)
    bits = figures.BitRows(
        trace.bits_a, trace.bits_b, trace.carry, trace.bits_true, trace.bits_pred
    )
    if view == STATES:
        panels = [figures.Panel("Candidate state h~", "h~", trace.h_tilde),
                  figures.Panel("Hidden state h", "h", trace.h)]  # fmt: skip
        title = f"Candidate state h~ and hidden state h for {analysis.addition_label(trace)}"
        fig = figures.gates_figure(
            bits, panels, order, (-1.0, 1.0), figures.STATE_SCALE, title=title
        )
    else:
        panels = [figures.Panel("Update gate z", "z", trace.z),
                  figures.Panel("Reset gate r", "r", trace.r)]  # fmt: skip
        title = f"Update gate z and reset gate r for {analysis.addition_label(trace)}"
        fig = figures.gates_figure(bits, panels, order, title=title)
    # The same numbers keep the same zoom while the model learns.
    fig.update_layout(uirevision=str(hash((trace.a, trace.b))))
    name = "states" if view == STATES else "gates"
    figure_column, text_column = st.columns([2.2, 1])
    with figure_column:
        st.plotly_chart(
            fig, key="gates_chart",
            config=figures.plot_config(figure_file_name(name, trace), _image_format()),
        )  # fmt: skip
        if trace.n_bits > figures.INITIAL_WINDOW:
            st.caption(
                f"{trace.n_bits:,} positions: the view opens on positions 0 to "
                f"{figures.INITIAL_WINDOW - 1}. Drag across the plot to zoom; double-click "
                "(twice after zooming) to see every position. Nothing is averaged: there is "
                "one cell per bit and unit at any zoom."
            )
    with text_column:
        equations()


def figure_file_name(name: str, trace) -> str:
    if max(trace.a, trace.b).bit_length() <= 64:
        return f"gru-viz-{name}-{trace.a}-plus-{trace.b}"
    return f"gru-viz-{name}"


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
