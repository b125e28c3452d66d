"""The page's look: the figures' theme for the viewer's light or dark choice, and presentation
mode (larger type, no sidebar, the main figure 16:9)."""

from __future__ import annotations

from dataclasses import replace

from gru_viz import figures

PRESENT_FONT = 18  # px: figure text in presentation mode, for a room (axis text >= 16 px)
PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"] { display: none !important; }
.block-container { max-width: 100% !important; padding-left: 2rem; padding-right: 2rem;
  padding-top: 1.5rem !important; }
.st-key-page_head h1 { font-size: 2rem; padding: 0; }
.st-key-slide_figure { aspect-ratio: 16 / 9; width: 100%; }
</style>
"""


def page_css(theme: figures.Theme) -> str:
    """<style> for every page: a Graphviz drawing shows its labels in the type its DOT was
    laid out for (figures.dot_points), where Streamlit would set every text in it to 9.6 px."""
    points = figures.dot_points(theme)
    return (
        "<style>[data-testid='stGraphVizChart'] svg text "
        f"{{ font-size: {points:g}px !important; }}</style>"
    )


def page_theme(kind: str | None, present: bool) -> figures.Theme:
    """The figures' theme for the page's light or dark look (light when unknown), with larger
    type in presentation mode."""
    theme = figures.THEMES.get(kind or "light", figures.LIGHT)
    return replace(theme, font_size=PRESENT_FONT) if present else theme
