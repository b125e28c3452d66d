"""The page's look: the figures' theme for the viewer's light or dark choice, presentation mode
(larger type, no sidebar, the main figure 16:9), and what keeps the page readable for everyone
(contrast, text alternatives of figures)."""

from __future__ import annotations

import functools
from dataclasses import replace

from gru_viz import figures

PRESENT_FONT = 18  # px: figure text in presentation mode, for a room (axis text >= 16 px)
PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"] { display: none !important; }
.block-container { max-width: 100% !important; padding-left: 2rem; padding-right: 2rem;
  padding-top: 4rem !important; }  /* below the header and its menu */
.st-key-page_head h1 { font-size: 2rem; padding: 0; }
.st-key-slide_figure { aspect-ratio: 16 / 9; width: 100%; }
.st-key-slide_frame { overflow-x: auto; }
@media (max-width: 760px) {  /* a phone: the slide keeps a screen's width and scrolls sideways */
  .block-container { padding-left: 1rem; padding-right: 1rem; }
  .st-key-page_head h1 { font-size: 1.6rem; }
  .st-key-slide_figure { min-width: 1200px; }  /* as on a projector */
  .gv-bits table { font-size: 15px !important; }  /* a block of eight positions fits */
  .gv-bits td.p { font-size: 13px !important; }
}
</style>
"""


# In the light look captions are made dark enough for WCAG AA (Streamlit's grey is 3.9:1 on
# white), in the dark one inline code light enough (Streamlit's green is 4.2:1 on its grey).
DARK_CODE_CSS = """
<style>
[data-testid="stMarkdownContainer"] code { color: #8fd3b2 !important; }
</style>
"""
LIGHT_CAPTION_CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  color: #5b5f66 !important; opacity: 1 !important; }
</style>
"""


def page_css(theme: figures.Theme) -> str:
    """<style> for every page, for the viewer's light or dark look (contrast, above); and a
    Graphviz drawing shows its labels in the type its DOT was laid out for
    (figures.dot_points), where Streamlit would set every text in it to 9.6 px."""
    points = figures.dot_points(theme)
    contrast = DARK_CODE_CSS if theme.name == "dark" else LIGHT_CAPTION_CSS
    return contrast + (
        "<style>[data-testid='stGraphVizChart'] svg text "
        f"{{ font-size: {points:g}px !important; }}"
        " .st-key-follow_look { display: none; }</style>"  # (follow_the_look: nothing to see)
    )


def page_theme(kind: str | None, present: bool) -> figures.Theme:
    """The figures' theme for the page's light or dark look (light when unknown), with larger
    type in presentation mode."""
    theme = figures.THEMES.get(kind or "light", figures.LIGHT)
    return replace(theme, font_size=PRESENT_FONT) if present else theme


# In the browser: the page's look now, from its background, checked every 400 ms; when it is
# not the look the page was drawn in (and was not asked for already), ask for a run.
FOLLOW_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const state = (window.gruVizLook = window.gruVizLook || {});
  if (state.drawn !== data.drawn) {
    state.drawn = data.drawn;
    state.asked = null;
  }
  state.ask = (look) => setTriggerValue("look", look);
  if (state.timer) return;
  state.timer = setInterval(() => {
    const app = document.querySelector(".stApp");
    if (!app) return;
    const [r, g, b] = getComputedStyle(app).backgroundColor.match(/[\\d.]+/g).map(Number);
    const look = 0.299 * r + 0.587 * g + 0.114 * b < 128 ? "dark" : "light";
    if (look !== state.drawn && look !== state.asked) {
      state.asked = look;
      state.ask(look);
    }
  }, 400);
}
"""


@functools.cache
def _follower():
    import streamlit as st

    return st.components.v2.component("gru_viz_follow_look", js=FOLLOW_JS)


def follow_the_look(drawn: str | None) -> None:
    """Run the page again when the viewer switches between light and dark (the menu's
    settings, or their system's): Streamlit restyles the page at once but does not run it, so
    the figures, drawn on the server in the look of the last run (`drawn`, Streamlit's name of
    it; None if unknown, drawn light), would keep the old one until the next edit."""
    with_key = {"key": "follow_look", "data": {"drawn": drawn or "light"}}
    _follower()(**with_key, on_look_change=lambda: None)
