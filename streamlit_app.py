"""Watch a GRU add binary numbers: type two numbers, read the sum bit by bit, see the gates.

Run with `streamlit run streamlit_app.py`. This file is the frame: the title, the two numbers,
the sidebar and the tabs; each tab is a module of gru_viz.app.pages, and every choice with a
branch worth testing lives in the package.
"""

from __future__ import annotations

import streamlit as st

from gru_viz import inputs
from gru_viz.app import links, wording
from gru_viz.app.look import PRESENT_CSS, follow_the_look, page_css, page_theme
from gru_viz.app.resources import loading, shared_model, start_loading, warm_views
from gru_viz.app.runtime import unknown_fragments_run_in_full
from gru_viz.app.session import read_settings
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import explain


def main() -> None:
    st.set_page_config(page_title="GRU addition explorer", page_icon="🧮", layout="wide")
    # ?embed=true: one view in a course page's iframe (Streamlit keeps `embed` out of the query
    # parameters it hands the page, and says so in its context)
    embedded = bool(st.context.is_embedded)
    present = False if embedded else heading()
    st.html(page_css(page_theme(st.context.theme.type, present)))
    follow_the_look(st.context.theme.type)  # figures redrawn when the viewer changes the look
    settings = read_settings()
    ready = not loading(settings)
    if ready:  # (a server's first pages draw them once the model is loaded)
        choices(settings, embedded)
    # Under deploy/serve an edit of the numbers, or a click of a tab, reruns only this, not the
    # heading or the sidebar, which do not depend on the numbers; where a page that reconnects
    # to a new session could lose its edits that way, the whole page runs (see gru_viz.app.runtime)
    views = st.fragment(numbers_and_views) if unknown_fragments_run_in_full() else numbers_and_views
    views(settings, embedded, ready)
    warm_views(settings)  # after the first page, once


def choices(settings: AppSettings, embedded: bool) -> None:
    """The session, and the sidebar's choices of model (or a link's, embedded), before the views
    that read them."""
    from gru_viz.app import session, sidebar

    session.start(settings)
    if embedded:  # no sidebar: the link's choice of model, as it would have set it
        st.session_state.setdefault("model_source", st.query_params.get("model_source"))
    else:
        with st.sidebar:
            sidebar.model_panel(settings)
            sidebar.training_panel(settings)
    session.choices_drawn()


def numbers_and_views(settings: AppSettings, embedded: bool, ready: bool) -> None:
    """The two numbers and the views of their sum. Unless `ready` (the model was loaded and the
    choices drawn before), while TensorFlow and the model load: the numpy reference's sum
    (gru_viz.app.preview), then the whole page again once the model is loaded."""
    a, b = number_inputs(settings.max_digits)
    if not ready:
        from gru_viz.app.preview import first_sum  # (after the inputs: it imports the figures)

        first_sum(settings, a, b)  # the numpy reference's sum until TensorFlow is loaded
        # TensorFlow and the model, in the background; started after the preview, since its
        # import holds Python's lock for seconds and would slow the preview
        start_loading(settings)
        with st.spinner("Loading the model..."):
            shared_model(settings)
        st.rerun()  # the whole page: the sidebar's choices, then the views with the model
    from gru_viz.app import session
    from gru_viz.app.pages import DEFAULT_TAB, PAGES, TABS, page_named, unknown_tab_note

    if session.choices_changed():  # (a view chose another model, or edited it)
        st.rerun()
    session.training_link_messages()  # what became of a link's training
    session.edit_messages()  # a link's edits, or that the model shown is edited
    if note := unknown_tab_note(st.query_params.get("tab")):
        st.info(wording.literal(note), icon=":material/tab:")
    if embedded:
        page_named(st.query_params.get("tab")).render(settings, a, b)
        return
    tabs = st.tabs(TABS, default=DEFAULT_TAB, key="tab", bind="query-params", on_change="rerun")
    for tab, page in zip(tabs, PAGES):
        if tab.open:  # only the open tab runs
            with tab:
                page.render(settings, a, b)


def heading() -> bool:
    """The title, the presentation switch and what the page is; whether it presents."""
    with st.container(horizontal=True, vertical_alignment="center", key="page_head"):
        st.title("Watch a GRU add binary numbers")  # the switch goes under it if it must
        present = st.toggle(
            "Presentation",
            key="present",
            bind="query-params",
            help="For a room: no sidebar, no explanations, larger type. The link keeps it.",
        )
    if present:
        st.html(PRESENT_CSS)
    explain(
        "A gated recurrent unit, written by hand in TensorFlow, reads two numbers one bit at a "
        "time, least significant bit first, and writes their sum. Type two numbers to see the "
        "sum it gives and what its gates do at every bit."
    )
    return present


def number_inputs(max_digits: int) -> tuple[int | None, int | None]:
    """The two text inputs, kept in the URL (?a=...&b=...) while they are short enough for a
    link; each shows its own error."""
    help_text = inputs.HELP.format(max_digits=max_digits)
    values = []
    labels = ("First number", "Second number")
    defaults = (wording.DEFAULT_A, wording.DEFAULT_B)
    for column, label, key, default in zip(st.columns(2), labels, "ab", defaults):
        with column:
            # A new session starts from the link's number, as a default: what the browser sends
            # wins, so a page that moved to another replica keeps the edit it reconnected with.
            # The default stays the session's first for all its runs: Streamlit names a widget
            # by its arguments too, and a new name would start it empty.
            start = st.session_state.setdefault(f"{key}_start", st.query_params.get(key, default))
            text = st.text_input(label, key=key, help=help_text, value=start)
            link = links.link_value(text, default)
            if link != st.query_params.get(key):  # (each change sends the browser a message)
                if link is None:
                    st.query_params.pop(key, None)
                else:
                    st.query_params[key] = link
            try:
                values.append(inputs.parse_number(text, max_digits))
            except ValueError as error:
                st.error(wording.literal(str(error)), icon=":material/error:")
                values.append(None)
            note = links.link_note(text)
            if note:
                st.caption(note)
    return values[0], values[1]


main()
