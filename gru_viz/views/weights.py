"""Every weight: the model's weight matrices and biases as heatmaps, laid out as the equations
read them, with the weights edited by hand outlined (gru_viz.edits) and, on the page, the one
being edited; a click on a cell picks it."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import edits
from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analyses
from gru_viz.figures import LIGHT, Theme
from gru_viz.figures.weights import weights_figure
from gru_viz.sources import ActiveModel
from gru_viz.views.view import View


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
    *,
    selected: edits.Key | None = None,
) -> go.Figure:
    """The weights of the model as heatmaps (of the model with every unit on: units switched
    off keep their weights), its edits outlined and `selected` outlined boldly."""
    model = active.intact
    edited = edits.parse_edits(active.edits, model.config) if active.edits else {}
    return weights_figure(
        model.weights(),
        edited=list(edited),
        unused=edits.unused(model.config),
        selected=selected,
        key_text=edits.key_text,
        theme=theme,
    )


def note(model: AdditionModel | None = None) -> str:
    return (
        "Every weight of the model, as the equations use it: a column for each gate (z, r) and "
        "the candidate h~, one for the output. W reads the bits a and b, U the state before "
        "the step (row i: unit i of h_{t-1}; column j: the unit it feeds), b is added. Red is "
        "positive, blue negative, white 0, on one scale for all (the key on the right). Hover "
        "for a value; weights "
        f"changed by hand are outlined. A weight may be set from {-edits.MAX_VALUE:,g} to "
        f"{edits.MAX_VALUE:,g}: beyond that sigmoid and tanh are flat, so more changes nothing."
    )


VIEW = View("weights", "every weight and bias as heatmaps", build, note, per_addition=False)
