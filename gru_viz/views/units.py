"""Which units it needs: the exact sums lost when each hidden unit is switched off alone (its
state held at 0 at every step, in the real model), carry units marked."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import ablation, carry, figures
from gru_viz.addition import AdditionModel
from gru_viz.analyses import CARRY_UNITS, Analyses, Analysis, Compute
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views.view import View

RANKING = Analysis(
    "what each unit is worth", ablation.ablation_ranking, heavy=True, takes_progress=True
)


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
) -> go.Figure:
    analyses = analyses or Compute()
    ranking = analyses.get(active.model, RANKING)
    units = analyses.get(active.intact, CARRY_UNITS)
    return figures.ablation_figure(ranking, units.carriers, theme=theme)


def note(model: AdditionModel | None = None) -> str:
    return (
        "Each bar switches one unit off alone (its state held at 0 at every step, in the real "
        f"model) and measures the exact sums lost, on {ablation.RANKING_PAIRS} sums (half "
        "random, half carrying all the way). Units in red are carry units (carry score at "
        f"least {carry.CARRY_SCORE:g}). Switch units off in the sidebar to see the sum, the "
        "gates and these curves change."
    )


VIEW = View(
    "units-off",
    "the exact sums lost with each unit switched off alone",
    build,
    note,
    per_addition=False,
)
