"""The training figure: loss per step above exact-sum accuracy at each check."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gru_viz.figures.theme import LIGHT, Theme, themed


def training_figure(
    steps: Sequence[int],
    losses: Sequence[float],
    checks: Sequence[tuple[int, dict[int, float]]],
    max_points: int = 2000,
    marker_step: int | None = None,
    height: int = 420,
    theme: Theme = LIGHT,
) -> go.Figure:
    """Loss per step (log scale) above exact-sum accuracy by operand length at each check;
    `marker_step`, if given, is marked on both panels. Drawn in `theme`."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=["Loss", "Exact sums on unseen additions"],
    )
    stride = max(1, len(steps) // max_points)
    fig.add_trace(
        go.Scatter(
            x=np.asarray(steps)[::stride],
            y=np.asarray(losses)[::stride],
            mode="lines",
            name="loss",
            line=dict(color=theme.ink, width=1.5),
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    lengths = sorted({n for _, accuracy in checks for n in accuracy})
    for n_bits in lengths:
        points = [(s, acc[n_bits]) for s, acc in checks if n_bits in acc]
        fig.add_trace(
            go.Scatter(
                x=[s for s, _ in points],
                y=[a for _, a in points],
                mode="lines+markers",
                name=f"{n_bits}-bit numbers",
                marker_size=5,
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(type="log", tickformat=".1g", row=1, col=1)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_annotations(font_size=13, xanchor="left", x=0)  # the panel titles
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=-0.25, x=0),
    )
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color=theme.cursor, width=2))
    return themed(fig, theme)
