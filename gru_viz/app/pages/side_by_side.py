"""Side by side: any two models (shipped, tutorial, the session's) on the same addition: their
sums and why, their gates, the machine inside each, and both length curves on one figure."""

from __future__ import annotations

import streamlit as st

from gru_viz.analyses import CARRY_UNITS, TRACE
from gru_viz.app import panel, wording
from gru_viz.app.session import chosen
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import (
    PageAnalyses,
    build_view,
    explain,
    machine_chart,
    polled,
    present,
    show_view,
)
from gru_viz.sources import ActiveModel, unchecked
from gru_viz.views.machine import MACHINE, states_word
from gru_viz.why import explain as explain_sum

TITLE = "Side by side"
VIEWS_SHOWN = ()  # it draws the views of the other tabs, two at a time
NOTE = (
    "Two models, the same addition: their sums and why, their gates, how far each adds and "
    "the machine inside each. The session's model is there once you train or upload one."
)


SIDES = ("left_model", "right_model")  # the models' choosers, and their names in the link


def render(settings: AppSettings, a, b) -> None:
    polled("compare", _body, settings, a, b)


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    if not present():  # in front of a room, the figures come first
        st.subheader("Side by side")
    explain(NOTE)
    columns = st.columns(2)
    picked = []
    for column, side, default in zip(columns, SIDES, (panel.SHIPPED_CHOICE, panel.TUTORIAL_CHOICE)):
        # Each side's own default first: the link leaves out a widget's first option, so a
        # chooser whose default were another would lose a choice of its first one.
        options = (default, *(c for c in panel.MODEL_CHOICES if c != default))
        choice = column.selectbox("Model", options, key=side, bind="query-params")
        picked.append((choice, chosen(choice, settings)))
    ready = []
    for column, side, (choice, active) in zip(columns, SIDES, picked):
        with column:
            if active.model is None or active.live:
                st.info(panel.unsettled_notice(active) or "No model yet.")
                continue
            st.caption(wording.literal(active.label))
            compare_column(active, a, b, side, analyses)
            ready.append((choice, active))
    if ready:
        (name, first), others = ready[0], ready[1:]
        options = dict(
            references={choice: other.model for choice, other in others},
            main_name=name,
        )
        show_view("length", first, a, b, analyses, "compare_length", **options)


def compare_column(active: ActiveModel, a, b, side: str, analyses: PageAnalyses) -> None:
    """One model's sum, why, gates and machine, on one side (SIDES) of the page."""
    if a is None or b is None:
        st.info("Type two numbers to compare the models on them.")
        return
    trace = analyses.get(active.model, TRACE, a, b)
    why = explain_sum(trace, active.model, analyses.get(active.model, CARRY_UNITS))
    (st.success if trace.correct else st.error)(wording.verdict(trace))
    warning = unchecked(active.model)
    if warning:
        st.warning(wording.literal(warning), icon=":material/warning:")
    if not present():
        st.markdown(why.text)
    show_view("gates", active, a, b, analyses, f"compare_gates_{side}")
    if present():  # the gates on the first screen, why under them
        st.markdown(why.text)
    dot = build_view("machine", active, a, b, analyses, transparent=True)
    if dot is not None:
        found = analyses.get(active.model, MACHINE)
        st.markdown(f"**Its machine: {states_word(found.n_states)}**")
        machine_chart(dot)
