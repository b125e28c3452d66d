"""How far it adds: exact sums against operand length and carry chain, beside the shipped
models, and which units the sums need."""

from __future__ import annotations

import streamlit as st

from gru_viz.app.session import current_model
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import PageAnalyses, explain, polled, settled, show_view
from gru_viz.views import VIEWS
from gru_viz.views.proof import MODEL_PROOF

TITLE = "How far it adds"
VIEWS_SHOWN = ("length", "units-off")


def render(settings: AppSettings, a, b) -> None:
    polled("length", _body, settings, a, b)


def test_or_proof(active, analyses: PageAnalyses, ask: bool = True) -> str:
    """What the curves rest on: a test of finitely many sums, and, for a proved model, the
    proof beside it. Unless `ask`, the proof is not asked for (it is, once the figures above
    and below are drawn: a search that fails takes seconds of the same CPU), and the line says
    only what the curves are."""
    test = (
        "These curves are a test: each point is the share of a finite number of sums (hover "
        "for how many), with its 95% interval as a band."
    )
    if active.units_off or not ask:
        return test
    verdict = analyses.request(active.model, MODEL_PROOF)
    if verdict.ready and verdict.value.proved:
        return (
            f"{test} This model is also proved: its certificate (Inside the machine) covers "
            "every length."
        )
    return test + " No finite test covers every addition."


def _body(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("How far it adds")
    explain(VIEWS["length"].note(active.model))
    curves = show_view("length", active, a, b, analyses, "length_chart")
    if analyses.waiting:
        st.caption("The other models' curves are drawn as they are computed.")
    rests_on = st.empty()
    st.subheader("Which units it needs")
    explain(VIEWS["units-off"].note(active.model))
    units = show_view("units-off", active, a, b, analyses, "ablation_chart")
    drawn = curves is not None and units is not None
    rests_on.caption(test_or_proof(active, analyses, ask=drawn))
