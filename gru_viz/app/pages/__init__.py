"""The page's tabs, one module each: its TITLE, the views it is the home of (VIEWS_SHOWN, names
in gru_viz.views.VIEWS) and `render(settings, a, b)`, which lays the tab out. Only the open tab
is rendered; its title is in the link (?tab=...). Embedded (?embed=true), the page shows the tab
the link names alone, without the title or the tab bar."""

from __future__ import annotations

from gru_viz.app.links import quoted
from gru_viz.app.pages import (
    build,
    how_far,
    how_it_learned,
    inside,
    side_by_side,
    step_by_step,
    story,
    the_sum,
)

PAGES = (story, the_sum, step_by_step, how_far, inside, how_it_learned, side_by_side, build)
TABS = tuple(page.TITLE for page in PAGES)
DEFAULT_TAB = the_sum.TITLE  # what a link without ?tab= opens; the story is one click away


def unknown_tab_note(title: str | None) -> str:
    """What a link's ?tab= that names no tab opens instead, or "" (a known tab, or none)."""
    if title is None or title in TABS:
        return ""
    return (
        f"The link asks for a tab named {quoted(title, 40)}, which this page does not have: it "
        "opens on "
        f"{DEFAULT_TAB}."
    )


def page_named(title: str | None):
    """The tab of that title, or the default one (for a link's ?tab= value)."""
    return next((page for page in PAGES if page.TITLE == title), PAGES[TABS.index(DEFAULT_TAB)])
