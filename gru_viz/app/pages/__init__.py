"""The page's tabs, one module each: its TITLE, the views it is the home of (VIEWS_SHOWN, names
in gru_viz.views.VIEWS) and `render(settings, a, b)`, which lays the tab out. Only the open tab
is rendered; its title is in the link (?tab=...)."""

from __future__ import annotations

from gru_viz.app.pages import (
    build,
    how_far,
    how_it_learned,
    inside,
    side_by_side,
    step_by_step,
    the_sum,
)

PAGES = (the_sum, step_by_step, how_far, inside, how_it_learned, side_by_side, build)
TABS = tuple(page.TITLE for page in PAGES)
