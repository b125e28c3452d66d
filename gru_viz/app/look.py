"""The page's look: the figures' theme for the viewer's light or dark choice, presentation mode
(larger type, no sidebar, the main figure 16:9), and what keeps the page readable for everyone
(contrast, text alternatives of figures)."""

from __future__ import annotations

from dataclasses import replace

from gru_viz import figures

PRESENT_FONT = 18  # px: figure text in presentation mode, for a room (axis text >= 16 px)
PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"] { display: none !important; }
.block-container { max-width: 100% !important; padding-left: 2rem; padding-right: 2rem; }
.st-key-slide_figure { aspect-ratio: 16 / 9; width: 100%; }
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


def page_css(kind: str | None) -> str:
    """The CSS every page carries, for the viewer's light or dark look."""
    return LIGHT_CAPTION_CSS if (kind or "light") == "light" else DARK_CODE_CSS


def page_theme(kind: str | None, present: bool) -> figures.Theme:
    """The figures' theme for the page's light or dark look (light when unknown), with larger
    type in presentation mode."""
    theme = figures.THEMES.get(kind or "light", figures.LIGHT)
    return replace(theme, font_size=PRESENT_FONT) if present else theme
