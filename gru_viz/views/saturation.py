"""How the gates are used: per hidden unit, how often its update gate z and reset gate r are
shut or wide open over a set of additions."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import figures, saturation
from gru_viz.addition import AdditionModel
from gru_viz.analyses import CARRY_UNITS, Analyses, Analysis, Compute
from gru_viz.carry import PROBE_PAIRS
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views.view import View

SATURATION = Analysis("how the gates are used", saturation.gate_saturation, heavy=True)


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
) -> go.Figure:
    analyses = analyses or Compute()
    used = analyses.get(active.model, SATURATION)
    units = analyses.get(active.intact, CARRY_UNITS)
    return figures.saturation_figure(used, units.carriers, theme=theme)


def note(model: AdditionModel | None = None) -> str:
    return (
        f"One dot per gate and unit: how often, over {PROBE_PAIRS} additions, the gate is shut "
        f"(below {saturation.LOW:g}, to the right) or wide open (above {saturation.HIGH:g}, "
        "up). Dots near the top left are switches that are almost always open; along the "
        "diagonal they flip between shut and open, which is how a gate makes a decision; near "
        "the origin the gate lingers in between."
    )


VIEW = View(
    "saturation",
    "how often each unit's gates are shut or wide open",
    build,
    note,
    per_addition=False,
)
