"""How it learned: the loss per step and the exact sums at each check of the training that made
the model, from the record kept beside it (a gru_viz.replay.Replay), with one snapshot marked."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import figures
from gru_viz.addition import AdditionModel
from gru_viz.analyses import Analyses
from gru_viz.carry import CarryUnits
from gru_viz.figures import LIGHT, Theme
from gru_viz.replay import KEPT_SNAPSHOTS, Replay
from gru_viz.sources import ActiveModel
from gru_viz.views.machine import states_word
from gru_viz.views.view import View, ViewError

NO_REPLAY = (
    "There is no record of how this model learned. Train one in the sidebar (its snapshots are "
    "kept), or choose a shipped model: `python -m gru_viz train` writes the record beside the "
    "model file."
)


def replay_checks(replay: Replay) -> list[tuple[int, dict[int, float]]]:
    """The replay's checks as the training figure takes them."""
    bits = [int(b) for b in replay.check_bits]
    return [
        (int(step), dict(zip(bits, map(float, row))))
        for step, row in zip(replay.check_steps, replay.check_accuracy)
    ]


def build(
    active: ActiveModel,
    a: int | None = None,
    b: int | None = None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
    *,
    snapshot: int | None = None,
    proved_from: int | None = None,
) -> go.Figure:
    """The training's loss and checks, with snapshot `snapshot` (an index) marked if given, and
    the first snapshot whose model is proved (`proved_from`, an index); ViewError if there is
    no record of the training."""
    replay = active.replay
    if replay is None:
        raise ViewError(
            "no record of how this model learned (`python -m gru_viz train` writes one "
            "beside the model, as X.replay.npz)"
        )
    marker = None if snapshot is None else int(replay.steps[snapshot])
    steps = range(1, len(replay.losses) + 1)
    checks = replay_checks(replay)
    fig = figures.training_figure(
        steps, replay.losses, checks, marker_step=marker, height=460, theme=theme
    )
    if proved_from is not None:
        step = int(replay.steps[proved_from])
        fig.add_vline(x=step, line=dict(color=theme.accent, dash="dot", width=2))
        fig.add_annotation(
            x=step,
            y=1.0,
            yref="paper",
            text=f"proved from step {step:,}",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font=dict(color=theme.accent),
        )
    return fig


def snapshot_words(replay: Replay, i: int, units: CarryUnits, found: object = None) -> str:
    """What the model was at snapshot i: its best carry unit and, if given, its machine."""
    top = units.top
    parts = [
        f"**At step {int(replay.steps[i]):,}** (snapshot {i + 1} of {len(replay)}): its best "
        f"carry unit is unit {top}, score {units.scores[top]:.2f} (1.00 reads the carry "
        "perfectly)."
    ]
    if found is not None:
        adder = "the two-state adder" if found.is_adder else "not the two-state adder"
        parts.append(f"Its machine has {states_word(found.n_states)}: {adder}.")
    return " ".join(parts)


def note(model: AdditionModel | None = None) -> str:
    return (
        f"A training keeps up to {KEPT_SNAPSHOTS} snapshots of its weights, closer together "
        "early on. Move the slider to see the model as it was then: the loss and exact sums up "
        "to that step (the pink line), the gates of the current addition, its best carry unit, "
        "the machine inside it and how far it adds. A model that learns to carry grows one "
        "carry unit and collapses to two states; the tutorial's recipe stops at a machine that "
        "works only for short numbers."
    )


VIEW = View(
    "training",
    "how it learned (needs X.replay.npz beside the model file)",
    build,
    note,
    per_addition=False,
)
