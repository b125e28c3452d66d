"""The hidden state as a map: every state h_t of a set of additions drawn in 2-D (the x axis
from the average state with no carry to the average state with a carry, the y axis along the
largest remaining spread), with the current addition's path over the cloud."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import figures, state_space
from gru_viz.addition import AdditionModel
from gru_viz.analyses import TRACE, Analyses, Analysis, Compute
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views.view import SHORT_BITS, View

STATE_MAP = Analysis("the map of hidden states", state_space.state_map, heavy=True)


def build(
    active: ActiveModel,
    a: int,
    b: int,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
    *,
    step: int | None = None,
    label: str | None = None,
) -> go.Figure:
    """The map with the path of a + b (named `label`, default the addition if it is short),
    its bit `step` drawn larger if given."""
    analyses = analyses or Compute()
    found = analyses.get(active.model, STATE_MAP)
    if label is None:
        label = f"{a} + {b}" if max(a, b).bit_length() <= SHORT_BITS else ""
    path = state_space.trace_path(found, analyses.get(active.model, TRACE, a, b), label)
    return figures.state_map_figure(found, path, current=step, theme=theme)


def note(model: AdditionModel | None = None) -> str:
    numbers = "" if model is None else f" ({model.hidden_size} numbers)"
    return (
        f"Every dot is the hidden state h_t{numbers} after one bit of one of "
        f"{state_space.MAP_PAIRS} additions, drawn in 2-D: the x axis runs from the average "
        "state with no carry to the average state with a carry, the y axis along the largest "
        "remaining spread. A model that carries keeps two tight clouds, one per carry; the line "
        "is the current addition, the big dot its step."
    )


VIEW = View("state-map", "the hidden states as a map, with the addition's path", build, note)
