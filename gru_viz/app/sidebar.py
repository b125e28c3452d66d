"""The sidebar: which model the page uses (and the units switched off, downloads and uploads),
and the panel that trains a model of one's own in the background. Streamlit calls; the
choices behind them are gru_viz.app.panel's."""

from __future__ import annotations

import streamlit as st

from gru_viz.analyses import CARRY_UNITS
from gru_viz.app import panel, wording
from gru_viz.app.links import link_training, train_link
from gru_viz.app.resources import analysis_cache
from gru_viz.app.session import current_model, rerun_when_training_ends, units_off_key, use_own
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import chart, theme
from gru_viz.length import DEFAULT_LENGTHS


def model_panel(settings: AppSettings) -> None:
    ws = st.session_state.workspace
    st.header("Model")
    st.radio(
        "Use",
        panel.MODEL_CHOICES,
        key="model_source",
        bind="query-params",
        help="The shipped model adds numbers of any length (tested to "
        f"{max(DEFAULT_LENGTHS):,} bits, not proved); the "
        "tutorial model was trained by the 2017 article's recipe on 4-bit numbers; the proved "
        "model, a small one of the provable preset, comes with a certificate that it adds "
        "every length; the hand-made adder's weights are written, not trained (Build it "
        "yourself). All are shared by everyone; yours is trained or uploaded here.",
    )
    active = current_model(settings)
    link = link_training(use_own(), ws)  # a model trained here: its settings and seed
    if link is None:
        st.query_params.pop("train", None)
    else:
        st.query_params["train"] = train_link(link)
    notice = ws.notice(active, use_own())
    if notice:
        st.info(notice)
    if active.model is not None:
        units = analysis_cache().get(active.intact, CARRY_UNITS)
        st.multiselect(
            "Switch units off",
            panel.unit_options(active.model.config.hidden_size, units),
            key=units_off_key(active),
            format_func=lambda u: panel.unit_label(u, units),
            on_change=lambda: st.session_state.pop("units_link_note", None),
            help="Hold these units' state at 0 at every step, in the real model. Every view "
            "then shows the model without them.",
        )
        if st.session_state.get("units_link_note"):  # (read with the link: session)
            st.warning(wording.literal(st.session_state.units_link_note), icon=":material/link:")
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
        st.error(wording.literal(st.session_state.upload_error), icon=":material/error:")
    st.radio(
        "Camera button saves",
        tuple(wording.IMAGE_FORMATS),
        key="image_format",
        bind="query-params",
        horizontal=True,
        format_func=wording.IMAGE_FORMATS.get,
        help="The camera icon above each figure downloads it for slides.",
    )


def _upload() -> None:
    file = st.session_state.upload
    st.session_state.upload_error = ""
    if file is None:
        return
    try:
        st.session_state.workspace.upload(file.getvalue(), file.name)
        st.session_state.model_source = panel.OWN_CHOICE
    except ValueError as error:
        st.session_state.upload_error = f"Not loaded, nothing changed: {error}"


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
            field.label, key=field.name, disabled=live, **panel.number_input_args(field, settings)
        )
    pause_label, pause_icon, pauses = panel.pause_button(ws.job_status())
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
        on_click=ws.set_paused,
        args=(pauses,),
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
        st.error(wording.literal(st.session_state.train_error), icon=":material/error:")
    st.fragment(run_every=0.5 if live else None)(training_progress)()


def _reset_fields(preset: str | None = None) -> None:
    from gru_viz.config import preset_values

    st.session_state.preset = preset or st.session_state.preset
    st.session_state.update(preset_values(st.session_state.preset))
    st.session_state.train_error = ""


def _start(settings: AppSettings) -> None:
    try:
        config = panel.training_config(st.session_state.preset, st.session_state, settings)
        st.session_state.workspace.start_training(config)
        st.session_state.model_source = panel.OWN_CHOICE
        st.session_state.train_error = ""
        st.session_state.link_message = ("", "")
    except ValueError as error:
        st.session_state.train_error = str(error)


def _reset() -> None:
    st.session_state.workspace.reset()
    st.session_state.model_source = panel.SHIPPED_CHOICE
    _reset_fields()


def training_progress() -> None:
    """Progress of this session's training; reruns twice a second while it is live."""
    from gru_viz import figures
    from gru_viz.app.jobs import progress_text

    ws = st.session_state.workspace
    status = ws.latest_status()
    if status is None:
        return
    waiting = panel.waiting_text(status, ws.slots)
    if waiting:
        st.info(waiting, icon=":material/hourglass_top:")
    st.progress(status.fraction, text=progress_text(status))
    if status.error:
        st.error(wording.literal(status.error))
    if status.steps:
        fig = figures.training_figure(status.steps, status.losses, status.checks, theme=theme())
        chart(fig, "gru-viz-training", "training")
    rerun_when_training_ends("job", status.live)
