"""One browser session on the page: its settings, its workspace, the model it looks at (with the
weights it edited and the units it switched off), and links that retrain a model or edit its
weights as the page opens. Streamlit calls."""

from __future__ import annotations

import streamlit as st

from gru_viz.app import links, panel, wording
from gru_viz.app.resources import (
    analysis_cache,
    reference_models,
    shared_model,
    training_slots,
)
from gru_viz.app.settings import AppSettings, settings_from_env
from gru_viz.sources import ActiveModel, with_edits, with_units_off


def read_settings() -> AppSettings:
    try:
        return settings_from_env()
    except ValueError as error:
        st.warning(wording.literal(f"{error}. Using the default limits."))
        return AppSettings()


def start(settings: AppSettings) -> None:
    """This session's workspace, made on its first run (with the model a link retrains)."""
    from gru_viz.app.workspace import Workspace

    if "workspace" not in st.session_state:
        from gru_viz.app.runtime import page_session

        session = page_session()  # (its id, whether its tab is still there), under a server
        st.session_state.page_session = session
        st.session_state.workspace = Workspace(
            training_slots(settings.max_trainings),
            max_paused=settings.max_paused,
            page_alive=None if session is None else session[1],
            record=True,
            max_started=settings.max_session_trainings,
        )
        open_training_link(settings)
    st.session_state.workspace.collect()  # keep the model of a training that has ended


def use_own() -> bool:
    return st.session_state.get("model_source") == panel.OWN_CHOICE


def chosen(choice: str | None, settings: AppSettings) -> ActiveModel:
    """The model a choice of the sidebar names (see panel.MODEL_CHOICES)."""
    return panel.chosen_model(
        choice,
        shared_model(settings).active(),
        reference_models(),
        st.session_state.workspace,
    )


def current_model(settings: AppSettings) -> ActiveModel:
    """The model the page shows: the session's choice, with the weights it edited and the
    units it switched off."""
    active = with_session_units_off(
        with_session_edits(chosen(st.session_state.get("model_source"), settings))
    )
    if active.own:
        owned_by_this_page(active, settings)
    return active


def owned_by_this_page(active: ActiveModel, settings: AppSettings) -> None:
    """The session's own model (uploaded, trained, or a training's snapshot) is seen by this
    page alone: its analyses are dropped once the tab is gone (gru_viz.app.cache), unless it
    is one of the shared models (someone uploaded a shipped file)."""
    session = st.session_state.get("page_session")
    if session is None:
        return
    shared = {m.fingerprint() for m in reference_models().values()}
    if shared_model(settings).model is not None:
        shared.add(shared_model(settings).model.fingerprint())
    for model in (active.model, active.intact):
        if model is not None and model.fingerprint() not in shared:
            analysis_cache().own(model, *session)


def with_session_edits(active: ActiveModel) -> ActiveModel:
    """`active` with this session's edits (gru_viz.edits), which belong to the model they were
    made on: choosing another model clears them (and says so). A link's edits (?edit=...) are
    read on the first run that has a settled model, checked as typed ones are, and the link
    holds the edits as they are now. A training's live model is never edited."""
    from gru_viz.edits import edits_text, parse_edits

    state = st.session_state
    if "edits" not in state:  # a new page: the link's edits wait for the model
        state.edits, state.edit_link = {}, st.query_params.get("edit", "")
    if active.model is None or active.live:
        return active
    base = active.model.fingerprint()
    if state.get("edits_base") != base:
        if state.edits:
            state.edit_message = ("info", links.EDITS_CLEARED)
        state.edits, state.edits_base = {}, base
    link = state.pop("edit_link", "")
    if link:
        try:
            state.edits = parse_edits(link, active.model.config)
        except ValueError as error:
            state.edit_message = ("error", links.bad_edit_link(error))
    text = edits_text(state.edits)
    if text and len(text) <= links.LINK_EDIT_CHARS:
        st.query_params["edit"] = text
    else:
        st.query_params.pop("edit", None)
    if not state.edits:
        return active
    made = state.get("edited")  # (what it was made from, the edited model): once per edit
    if made is None or made[0] != (base, text, active.label):
        state.edited = made = ((base, text, active.label), with_edits(active, state.edits))
    return made[1]


def with_session_units_off(active: ActiveModel) -> ActiveModel:
    """`active` with the units this session switched off (the sidebar's choice, kept for each
    hidden size). A link's units (?units_off=9,3) are read on the first run that has a model,
    by number, and the link holds the units as they are now; what the link named that is no
    unit is told in the sidebar (units_link_note)."""
    state, key = st.session_state, units_off_key(active)
    if active.model is not None and "units_link_read" not in state:  # a new page
        state.units_link_read = True
        hidden = active.model.config.hidden_size
        found, unread = links.units_in_link(  # (units_off_16=... is an older link's form)
            [*st.query_params.get_all(links.UNITS_LINK), *st.query_params.get_all(key)], hidden
        )
        st.query_params.pop(key, None)
        state[key], state.units_link_note = found, links.units_link_note(unread, hidden)
    active = with_units_off(active, state.get(key, []))
    if active.model is not None:
        link = links.units_link(list(active.units_off))
        if link is None:
            st.query_params.pop(links.UNITS_LINK, None)
        else:
            st.query_params[links.UNITS_LINK] = link
    return active


def set_edits(edits: dict) -> None:
    """This session's edits become `edits`; the analyses still queued for the model they
    replace are dropped (nobody looks at it now)."""
    from gru_viz.app.resources import analysis_cache

    made = st.session_state.get("edited")
    st.session_state.edits = dict(edits)
    st.session_state.edit_message = ("", "")
    if made is not None:
        analysis_cache().cancel_queued(made[1].model)


def choices_drawn() -> None:
    """Say that the sidebar has been drawn for the session's choices as they are now (see
    choices_changed)."""
    st.session_state.choices_drawn = _choices()


def choices_changed() -> bool:
    """Whether the model chosen, or the weights edited, changed since the sidebar was drawn: a
    view (which reruns without the sidebar) changed them, and the whole page must run again."""
    return st.session_state.get("choices_drawn") != _choices()


def _choices() -> tuple:
    from gru_viz.edits import edits_text

    return st.session_state.get("model_source"), edits_text(st.session_state.get("edits", {}))


def edit_messages() -> None:
    """What became of the link's edits, or that edits were cleared; and, on every tab, that
    the model shown has weights edited by hand."""
    kind, message = st.session_state.get("edit_message", ("", ""))  # until the edits change
    if message:
        show = st.error if kind == "error" else st.info
        show(wording.literal(message), icon=":material/edit:")
    made = st.session_state.get("edited")
    if st.session_state.get("edits") and made is not None:
        st.info(wording.literal(links.edited_note(made[1])), icon=":material/edit:")


def units_off_key(active: ActiveModel) -> str:
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
        config = panel.check_caps(links.parse_train_link(text), settings)
    except ValueError as error:
        st.session_state.link_message = ("error", links.bad_train_link(error))
        show_shipped_model()
        return
    st.session_state.preset = config.preset  # the panel shows the link's settings
    st.session_state.update({t.name: getattr(config, t.name) for t in TUNABLE})
    # Only if a slot is free now (checked and taken in one step: many links opened at once
    # cannot all pass); else the link's settings wait in the panel for Start.
    if ws.start_training(config, at_once=True) is None:
        busy = links.SLOTS_BUSY.format(limit=ws.slots.limit)
        st.session_state.link_message = ("warning", busy)
        show_shipped_model()
        return
    st.session_state.model_source = panel.OWN_CHOICE
    st.session_state.link_config = config


def show_shipped_model() -> None:
    """Choose the shipped model, over the link's choice of the session's own."""
    st.query_params.pop("model_source", None)  # the link's choice would win over the state
    st.session_state.model_source = panel.SHIPPED_CHOICE
    st.rerun()  # before the choice is drawn


def training_link_messages() -> None:
    """What became of the link's model: the note that it is retrained, or why it is not."""
    kind, message = st.session_state.get("link_message", ("", ""))
    if message:
        show = st.error if kind == "error" else st.warning
        show(wording.literal(message), icon=":material/link:")
    config = st.session_state.get("link_config")
    if config is not None and links.link_training(use_own(), st.session_state.workspace) == config:
        st.info(wording.literal(links.retrain_note(config)), icon=":material/link:")


def rerun_when_training_ends(name: str, live: bool) -> None:
    """While a training is live parts of the page poll; when it ends, one full rerun picks up
    its model and stops the polling."""
    was_live = st.session_state.get(f"{name}_was_live", False)
    st.session_state[f"{name}_was_live"] = live
    if was_live and not live:
        st.rerun()


def unchecked_warning(active: ActiveModel, settings: AppSettings, key: str) -> None:
    """Beside the verdict: that the model shown never passed its training check (if so), and a
    button that trains on from it (panel.go_on_config) while no training runs."""
    from gru_viz.sources import unchecked

    if active.model is None or active.live:
        return
    warning = unchecked(active.model)
    if warning is None:
        return
    st.warning(wording.literal(warning), icon=":material/warning:")
    config = panel.go_on_config(active.model, settings)
    if config is None:
        return
    st.button(
        f"Go on training: the same recipe to {config.max_steps:,} steps",
        key=key,
        on_click=_go_on,
        args=(config, settings),
        disabled=st.session_state.workspace.training,
        icon=":material/fast_forward:",
    )


def _go_on(config, settings: AppSettings) -> None:
    """Start the training `unchecked_warning` offers, with the panel showing its settings."""
    from gru_viz.config import TUNABLE

    try:
        st.session_state.workspace.start_training(panel.check_caps(config, settings))
    except ValueError as error:
        st.session_state.train_error = str(error)
        return
    st.session_state.preset = config.preset
    st.session_state.update({t.name: getattr(config, t.name) for t in TUNABLE})
    st.session_state.model_source = panel.OWN_CHOICE
    st.session_state.train_error = ""
