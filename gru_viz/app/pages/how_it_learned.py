"""How it learned: a slider over the snapshots a training kept, with the loss and exact sums up
to that step, the gates of the current addition then, its best carry unit, its machine and how
far it added."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from gru_viz.analyses import CARRY_UNITS
from gru_viz.app.resources import shipped_replays
from gru_viz.app.session import current_model
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import (
    PageAnalyses,
    build_view,
    explain,
    machine_chart,
    polled,
    settled,
    show_view,
)
from gru_viz.replay import Replay, replay_model
from gru_viz.sources import OWN, TRAINING, ActiveModel
from gru_viz.views import VIEWS
from gru_viz.views.machine import MACHINE
from gru_viz.views.proof import first_proved, first_proved_words
from gru_viz.views.training import NO_REPLAY, snapshot_words

TITLE = "How it learned"
VIEWS_SHOWN = ("training",)


def replay_of(
    active: ActiveModel, own_replay: Replay | None, shipped: dict[str, Replay]
) -> Replay | None:
    """How the page's model (all units on) learned: the session's record of its own
    training, or the shipped record of a shipped model; None for anything else."""
    if active.intact is None:
        return None
    if active.source in (OWN, TRAINING):
        return own_replay if active.source == OWN else None
    return shipped.get(active.intact.fingerprint())


STEP_LINK = "learned_step"  # the link's training step (?learned_step=300), left out at the end


def snapshot_from_link(replay: Replay, text: str | None) -> int:
    """The snapshot a link's training step names: the one kept nearest to it (the last if the
    link names none, or no number)."""
    if text is None or not text.strip().isdigit() or len(text.strip()) > 9:
        return len(replay) - 1
    return int(np.argmin(np.abs(np.asarray(replay.steps, np.int64) - int(text))))


def render(settings: AppSettings, a, b) -> None:
    polled("replay", _body, settings, a, b)


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("How it learned")
    explain(VIEWS["training"].note(active.model))
    replay = replay_of(active, st.session_state.workspace.own_replay, shipped_replays())
    if replay is None:
        st.info(NO_REPLAY, icon=":material/history:")
        return
    key = f"replay_{id(replay)}"
    if key not in st.session_state:  # the link's step, else the training's end
        st.session_state[key] = snapshot_from_link(replay, st.query_params.get(STEP_LINK))
    i = st.select_slider(
        "Training step",
        options=range(len(replay)),
        format_func=lambda i: f"{int(replay.steps[i]):,}",
        key=key,
    )
    if i == len(replay) - 1:
        st.query_params.pop(STEP_LINK, None)
    else:
        st.query_params[STEP_LINK] = str(int(replay.steps[i]))
    active = replace(active, replay=replay)
    proved = first_proved(replay, analyses)
    proved_from = proved.value if proved.ready else None
    options = dict(snapshot=i, proved_from=proved_from)
    show_view("training", active, a, b, analyses, "replay_chart", **options)
    if proved.ready:
        st.caption(first_proved_words(replay, proved_from))
    step = int(replay.steps[i])
    then = ActiveModel(replay_model(replay, i), active.source, f"at step {step:,}")
    machine = analyses.request(then.model, MACHINE)
    units = analyses.get(then.model, CARRY_UNITS)
    st.markdown(snapshot_words(replay, i, units, machine.value if machine.ready else None))
    left, right = st.columns([1.4, 1])
    with left:
        if a is not None and b is not None:
            show_view("gates", then, a, b, analyses, "replay_gates")
    with right:
        dot = build_view("machine", then, a, b, analyses, transparent=True)
        if dot is not None:
            machine_chart(dot)
        options = dict(references={}, main_name=f"step {step:,}")
        show_view("length", then, a, b, analyses, "replay_length", **options)
