"""Why gates: the model's recipe trained again with its update gate, its reset gate or both
held at 1 (gru_viz.gate_study), beside the GRU: steps to pass the check, how far each adds, and
the machine each one becomes."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import gate_study, length
from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analyses, Analysis, Compute
from gru_viz.config import TrainConfig
from gru_viz.figures import LIGHT, Theme
from gru_viz.figures.gate_study import gate_study_figure
from gru_viz.sources import ActiveModel
from gru_viz.views.view import View

GATE_STUDY = Analysis(
    "the same recipe trained with gates held at 1",
    gate_study.gate_study,
    heavy=True,
    takes_progress=True,
)


def base_model(active: ActiveModel) -> AdditionModel:
    """The model whose recipe is studied: before any edits, with every unit on (they share it,
    and so one study)."""
    return active.unedited if active.edits else active.intact


def study(active: ActiveModel, analyses: Analyses | None = None) -> gate_study.GateStudy:
    return (analyses or Compute()).get(base_model(active), GATE_STUDY)


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
) -> go.Figure:
    found = study(active, analyses)
    cells = found.cells
    return gate_study_figure(
        [c.name for c in cells],
        [c.steps for c in cells],
        [c.passed for c in cells],
        found.recipe.max_steps,
        [gate_study.machine_words(c) for c in cells],
        [c.curve for c in cells],
        theme=theme,
    )


def note(model: AdditionModel | None = None) -> str:
    longest, default = max(length.QUICK_LENGTHS), TrainConfig()
    return (
        "A GRU has two gates; does it need them to add? The recipe this model was trained by "
        f"(its preset, hidden size and seed; the {default.preset} preset, seed {default.seed}, "
        "for a model that was not trained) is trained again three times, with the update "
        "gate held at 1 (`h_t = h~_t`), the reset gate held at 1 (`h~` reads all of `h_{t-1}`), "
        "and both (a plain tanh RNN). Left: the steps each took to pass the recipe's check. "
        "Right: the share of sums each gets exactly right, the worse of random and "
        f"carry-chain sums, up to {longest:,}-bit numbers. The machine each becomes is read "
        "off its hidden states."
    )


VIEW = View(
    "why-gates",
    "the recipe trained with gates held at 1, beside the GRU",
    build,
    note,
    per_addition=False,
)
