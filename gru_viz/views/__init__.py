"""The views of a model: one module each, and the one registry the page, the command line
(`python -m gru_viz figure --view NAME`) and a notebook all read.

A view module holds everything that is one view: the analyses it asks for (gru_viz.analyses),
its note for the page (formatted from the constants of those analyses), its `build` (which
takes the theme) and, through its `View`, its file name. Adding a view: see "Add a view" in
the README.
"""

from __future__ import annotations

from gru_viz.views import (
    gates,
    length,
    machine,
    proof,
    saturation,
    state_map,
    steps,
    training,
    units,
    weights,
    why_gates,
)
from gru_viz.views.view import ANIMATION, DOT, PLOTLY, View, ViewError

VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        gates.GATES,
        gates.STATES,
        steps.VIEW,
        length.VIEW,
        units.VIEW,
        machine.VIEW,
        proof.VIEW,
        state_map.VIEW,
        saturation.VIEW,
        training.VIEW,
        weights.VIEW,
        why_gates.VIEW,
    )
}


def get_view(name: str) -> View:
    """VIEWS[name], or ValueError naming the views there are."""
    if name not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {name!r}")
    return VIEWS[name]


__all__ = ["ANIMATION", "DOT", "PLOTLY", "VIEWS", "View", "ViewError", "get_view"]
