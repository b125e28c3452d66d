"""Streamlit pieces every page shares: the theme, a view drawn with its downloads, a view's note,
and parts of a page that poll while the analyses they asked for are computing.

A page draws a view with `show_view`: the view is built from gru_viz.views in the page's theme,
and while an analysis it needs is pending a progress bar stands in its place (an error if the
analysis failed). A part of a page that draws background views runs inside `polled`, which
reruns it twice a second while anything it asked for is still computing, and stops then.
"""

from __future__ import annotations

import logging

import streamlit as st

from gru_viz import figures
from gru_viz.analyses import Analysis, NotReady, Result
from gru_viz.app import wording
from gru_viz.app.look import page_theme
from gru_viz.app.resources import analysis_cache
from gru_viz.figures import Theme
from gru_viz.sources import ActiveModel
from gru_viz.views import DOT, VIEWS
from gru_viz.views.proof import verdict_words

POLL_SECONDS = 0.5  # between reruns of a part of the page that waits for an analysis


def present() -> bool:
    return st.session_state.get("present", False)


def theme() -> Theme:
    """The page's theme (light or dark, as the viewer chose), larger in presentation mode."""
    return page_theme(st.context.theme.type, present())


def explain(text: str) -> None:
    """A view's explanation beside it; presentation mode leaves it out."""
    if not present():
        st.caption(text)


def image_format() -> str:
    return st.session_state.get("image_format", "png")


def plot_config(name: str) -> dict:
    return figures.plot_config(name, image_format())


def machine_chart(dot: str, height: int | str = "content") -> None:
    """A machine's DOT, drawn in the browser at its natural size, where its labels have the
    page's type (figures.dot_points); narrower only if its column is. Its text alternative
    names its states and moves (View.describe)."""
    st.graphviz_chart(dot, width="content", height=height, alt=VIEWS["machine"].describe(dot))


def proof_verdict(verdict) -> None:
    """A proof search's verdict in the page's words: a seal when proved, a question mark when
    not (a search that finds no certificate has not shown the model wrong either)."""
    if verdict.proved:
        st.success(wording.literal(verdict_words(verdict)), icon=":material/verified:")
    else:
        st.warning(wording.literal(verdict_words(verdict)), icon=":material/help:")


def chart(fig, name: str, view: str, key: str | None = None, **options) -> None:
    """A Plotly figure as it was built, in the page's theme already (Streamlit's own chart theme
    would set its type to 12-14 px and its colours over the figure's), its camera button
    saving `name`, its text alternative from VIEWS[view].describe."""
    alt = VIEWS[view].describe(fig)
    st.plotly_chart(fig, key=key, config=plot_config(name), theme=None, alt=alt, **options)


class PageAnalyses:
    """The shared analysis cache as one run of a part of the page asks it: it remembers
    whether anything asked for is still computing, so the part knows to poll."""

    def __init__(self) -> None:
        self.cache = analysis_cache()
        self.waiting = False

    def get(self, model, analysis: Analysis, *args) -> object:
        try:
            return self.cache.get(model, analysis, *args)
        except NotReady as error:
            self.waiting |= error.result.pending
            raise

    def request(self, model, analysis: Analysis, *args) -> Result:
        result = self.cache.request(model, analysis, *args)
        self.waiting |= result.pending
        return result


def show_result(result: Result, what: str) -> None:
    """A progress bar for a pending analysis, an error for a failed one."""
    if result.pending:
        st.progress(result.fraction, text=wording.pending_text(what, result.fraction))
    elif result.failed:
        st.error(
            wording.literal(f"Computing {what} failed: {result.message}"), icon=":material/error:"
        )


def build_view(name: str, active: ActiveModel, a, b, analyses: PageAnalyses, **options):
    """The view's figure (or DOT) in the page's theme; None, with a progress bar or an error
    in its place, while an analysis it needs is not ready."""
    if VIEWS[name].kind == DOT:
        options.setdefault("narrow", True)  # every machine on the page sits in a column
    try:
        return VIEWS[name].build(active, a, b, theme(), analyses, **options)
    except NotReady as error:
        show_result(error.result, error.analysis.name)
        return None


def show_view(
    name: str,
    active: ActiveModel,
    a,
    b,
    analyses: PageAnalyses,
    key: str,
    height: int | str = "content",
    **options,
) -> object:
    """Draw view `name` of a + b for `active` (at most `height` px tall, if a number), with its
    download buttons; returns what was drawn (None while it waits)."""
    drawn = build_view(name, active, a, b, analyses, **options)
    if drawn is None:
        return None
    if VIEWS[name].kind == DOT:
        machine_chart(drawn, height)
        return drawn
    chart(drawn, VIEWS[name].file_name(a, b), name, key, height=height)
    downloads(name, drawn, active, a, b, analyses.cache, key, **options)
    return drawn


def downloads(name: str, fig, active: ActiveModel, a, b, cache, key: str, **options) -> None:
    """Buttons that save the view as one interactive HTML file (plotly.js inside) and as a
    vector SVG drawn on the server (built again in a slide's theme, its analyses from `cache`),
    each made only when clicked, off the page's run."""
    from gru_viz.export import figure_html, find_browser, slide_theme, static_image

    view = VIEWS[name]
    with st.container(horizontal=True):
        st.download_button(
            "Interactive HTML",
            data=lambda: figure_html(fig),
            file_name=f"{view.file_name(a, b)}.html",
            mime="text/html",
            on_click="ignore",
            icon=":material/download:",
            key=f"{key}_html",
        )
        if find_browser() is None:
            typed = st.session_state.get("a"), st.session_state.get("b")
            st.caption(wording.no_browser_caption(name, *typed))
            return
        look = slide_theme(theme())  # read here: the file is made outside this run

        def svg() -> bytes:
            slide = view.build(active, a, b, look, cache, **options)
            return static_image(slide, "svg", figures.SLIDE_SIZE)

        export_button(
            "Vector SVG",
            svg,
            "the SVG",
            f"{view.file_name(a, b)}.svg",
            "image/svg+xml",
            key=f"{key}_svg",
            help=wording.vector_svg_help(),
        )


EXPORT_POLL_SECONDS = 2.0  # between reruns of an export's status while it waits or is made


def export_button(
    label: str,
    make,
    what: str,
    file_name: str,
    mime: str,
    key: str,
    help: str | None = None,
    browser: bool = True,
) -> None:
    """A button that has the server make a file with `make()` in the export line (one at a
    time, gru_viz.app.exports), then says where it is in line, and offers the file to save
    when it is made, or why it was not. `browser`: whether make() draws in Chromium."""
    jobs = st.session_state.setdefault("exports", {})
    job = jobs.get(key)
    st.button(
        label,
        key=key,
        on_click=_ask_export,
        args=(key, make, what, browser),
        disabled=job is not None and job.live,
        icon=":material/download:",
        help=help,
    )
    if job is not None:
        live = job.live
        every = EXPORT_POLL_SECONDS if live else None
        st.fragment(run_every=every)(_export_status)(key, file_name, mime, live)


def _ask_export(key: str, make, what: str, browser: bool) -> None:
    from gru_viz.app.exports import FAILED, ExportJob, ExportRefused
    from gru_viz.app.resources import export_line
    from gru_viz.app.runtime import page_alive_check

    job = ExportJob(make, what, alive=page_alive_check(), needs_session=browser)
    try:
        export_line().submit(job)
    except ExportRefused as refused:
        job.state, job.error = FAILED, str(refused)
    st.session_state.exports[key] = job


def _export_status(key: str, file_name: str, mime: str, was_live: bool) -> None:
    from gru_viz.app.exports import DONE, FAILED, job_words
    from gru_viz.app.resources import export_line

    job = st.session_state.exports[key]
    words = job_words(job, export_line())
    if job.state == DONE:
        st.download_button(
            f"Save {file_name}",
            data=job.data,
            file_name=file_name,
            mime=mime,
            on_click="ignore",
            icon=":material/save:",
            key=f"{key}_save",
            help=words,
        )
    elif job.state == FAILED:
        st.error(wording.literal(words), icon=":material/error:")
    else:
        st.caption(words)
    if was_live and not job.live:  # stop polling: the fragment is declared again by a full run
        st.rerun()


def polled(name: str, body, *args) -> None:
    """Run body(analyses, *args) in a fragment that reruns every POLL_SECONDS while anything
    it asked `analyses` for is still computing (a failed analysis stops the polling: its error
    is shown). An exception becomes a message on the page and a traceback in the log."""
    polling = st.session_state.get(f"{name}_pending", False)
    st.fragment(run_every=POLL_SECONDS if polling else None)(_polled_body)(name, body, *args)


def page_button(label: str, on_click, **options) -> None:
    """A button in a view (drawn in its polled fragment) whose on_click changes what the whole
    page shows: the click reruns the page, not only the view's fragment, so that the fields, the
    tabs and the sidebar show the change too."""
    if st.button(label, on_click=on_click, **options):
        st.rerun()


def _polled_body(name: str, body, *args) -> None:
    analyses = PageAnalyses()
    try:
        body(analyses, *args)
    except Exception as error:  # a message on the page, the traceback in the server's log
        logging.getLogger(__name__).exception("drawing %s failed", name)
        st.error(
            wording.literal(f"Sorry, this view could not be drawn: {error}"),
            icon=":material/error:",
        )
    waiting = analyses.waiting
    was = st.session_state.get(f"{name}_pending", False)
    st.session_state[f"{name}_pending"] = waiting
    if waiting != was:  # start or stop polling: the fragment is declared again by a full run
        st.rerun()


def settled(active: ActiveModel) -> bool:
    """True if heavy views can be computed for `active` now; else says why they wait."""
    from gru_viz.app.panel import unsettled_notice

    notice = unsettled_notice(active)
    if notice:
        st.info(notice, icon=":material/hourglass_top:")
    return not notice
