"""Inside the machine: the machine read off the GRU beside the textbook adder, with the current
addition's path and how it was checked, and how the gates are used."""

from __future__ import annotations

import streamlit as st

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
    theme,
)
from gru_viz.views import VIEWS
from gru_viz.views.machine import MACHINE, adder_dot, machine_paths, machine_text, states_word

TITLE = "Inside the machine"
VIEWS_SHOWN = ("machine", "saturation")


def render(settings: AppSettings, a, b) -> None:
    polled("machine", _body, settings, a, b)


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("The machine inside")
    explain(VIEWS["machine"].note(active.model))
    dot = build_view("machine", active, a, b, analyses, transparent=True)
    if dot is not None:
        found = analyses.get(active.model, MACHINE)
        left, right = st.columns(2)
        with left:
            st.markdown(f"**Read off this GRU: {states_word(found.n_states)}**")
            machine_chart(dot)
        with right:
            st.markdown("**The textbook adder: 2 states**")
            machine_chart(adder_dot(a, b, theme(), transparent=True))
        note = machine_paths(found, a, b).note
        if note:
            st.caption(note)
        st.markdown(machine_text(found))
    st.subheader("How the gates are used")
    explain(VIEWS["saturation"].note(active.model))
    show_view("saturation", active, a, b, analyses, "saturation_chart")
