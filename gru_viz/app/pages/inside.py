"""Inside the machine: the machine read off the GRU beside the textbook adder, with the current
addition's path and how it was checked, and how the gates are used."""

from __future__ import annotations

import streamlit as st

from gru_viz.app.pages import the_sum
from gru_viz.app.session import current_model
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import (
    PageAnalyses,
    build_view,
    explain,
    machine_chart,
    page_button,
    polled,
    proof_verdict,
    settled,
    show_result,
    show_view,
    theme,
)
from gru_viz.views import VIEWS
from gru_viz.views.machine import MACHINE, adder_dot, machine_paths, machine_text, states_word
from gru_viz.views.proof import (
    CHECK_COMMAND,
    MODEL_PROOF,
    WRONG_SUM,
    wrong_sum_words,
)

TITLE = "Inside the machine"
VIEWS_SHOWN = ("machine", "proof", "saturation")


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
    if analyses.request(active.model, MACHINE).pending:
        # The proof search takes seconds of the same CPU: it starts once the machine is drawn.
        st.subheader("Proved for every length?")
        st.caption("The search for a proof starts once the machine above is read off.")
    else:
        show_proof(active, a, b, analyses)
    st.subheader("How the gates are used")
    explain(VIEWS["saturation"].note(active.model))
    show_view("saturation", active, a, b, analyses, "saturation_chart")


def show_proof(active, a, b, analyses: PageAnalyses) -> None:
    """Proved for every length (the certificate, its download and the checker's command), or
    not, with why and the shortest sum it gets wrong, one click away."""
    st.subheader("Proved for every length?")
    explain(VIEWS["proof"].note(active.model))
    if active.units_off:
        st.info(
            "A proof is about a model as its file holds it: switch every unit back on to see "
            "whether this one is proved.",
            icon=":material/info:",
        )
        return
    result = analyses.request(active.model, MODEL_PROOF)
    if not result.ready:
        show_result(result, MODEL_PROOF.name)
        return
    verdict = result.value
    proof_verdict(verdict)
    if verdict.proved:
        st.download_button(
            "Download the certificate",
            data=verdict.certificate,
            file_name="gru-viz-certificate.npz",
            mime="application/octet-stream",
            on_click="ignore",
            icon=":material/download:",
            key="certificate_download",
        )
        st.caption(
            f"Check it yourself with the model file (the sidebar's Download) and `{CHECK_COMMAND}`."
        )
    else:
        show_wrong_sum(active, analyses)
    if a is not None and b is not None:
        show_view("proof", active, a, b, analyses, "proof_chart")


def show_wrong_sum(active, analyses: PageAnalyses) -> None:
    """The shortest sum the model gets wrong, with a button that puts it in the two fields."""
    result = analyses.request(active.model, WRONG_SUM)
    if not result.ready:
        show_result(result, WRONG_SUM.name)
        return
    st.markdown(wrong_sum_words(result.value))
    if result.value is not None:
        a, b, _ = result.value
        page_button(
            f"Show {a} + {b}",
            _show_sum,
            key="show_wrong_sum",
            args=(a, b),
            icon=":material/arrow_upward:",
            help="Puts the two numbers in the fields above and opens the sum and its gates.",
        )


def _show_sum(a: int, b: int) -> None:
    st.session_state.a, st.session_state.b = str(a), str(b)
    st.session_state.tab = the_sum.TITLE  # where a sum is shown
