"""How far it adds: exact sums against operand length and carry chain, beside the shipped
models, and which units the sums need."""

from __future__ import annotations

import streamlit as st

from gru_viz.app.session import current_model
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import PageAnalyses, explain, polled, settled, show_view
from gru_viz.views import VIEWS

TITLE = "How far it adds"
VIEWS_SHOWN = ("length", "units-off")


def render(settings: AppSettings, a, b) -> None:
    polled("length", _body, settings, a, b)


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("How far it adds")
    explain(VIEWS["length"].note(active.model))
    show_view("length", active, a, b, analyses, "length_chart")
    if analyses.waiting:
        st.caption("The other models' curves are drawn as they are computed.")
    st.subheader("Which units it needs")
    explain(VIEWS["units-off"].note(active.model))
    show_view("units-off", active, a, b, analyses, "ablation_chart")
