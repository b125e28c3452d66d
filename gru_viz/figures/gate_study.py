"""Why gates: cells trained by one recipe with gates held at 1, side by side. How many steps each
took to pass the recipe's check (or that it never did), and how far each adds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gru_viz.figures.theme import LIGHT, Theme, themed
from gru_viz.length import LengthCurve

CELL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")  # GRU, z held, r held, both
CELL_SYMBOLS = ("circle", "diamond", "square", "x")
NEVER = "#9aa0a8"  # the bar of a cell that never passed


def gate_study_figure(
    names: Sequence[str],
    steps: Sequence[int],
    passed: Sequence[bool],
    max_steps: int,
    machines: Sequence[str],
    curves: Sequence[LengthCurve],
    theme: Theme = LIGHT,
) -> go.Figure:
    """Left, a bar per cell (names, the GRU first): the steps it trained to pass the check (a
    grey bar to max_steps if it never did), the machine it became (machines) under its name.
    Right, each cell's exact sums against operand length: the worse of random and carry-chain
    sums at each length, so that a cell at 100% is right on both."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.45, 0.55],
        horizontal_spacing=0.16,
        subplot_titles=["Steps to pass the recipe's check", "Exact sums by operand length"],
    )
    lengths = [n if ok else max_steps for n, ok in zip(steps, passed)]
    texts = [f"{n:,} steps" if ok else f"never within {n:,}" for n, ok in zip(lengths, passed)]
    fig.add_trace(
        go.Bar(
            y=[f"{name}<br><sub>{machine}</sub>" for name, machine in zip(names, machines)],
            x=lengths,
            orientation="h",
            marker_color=[c if ok else NEVER for c, ok in zip(CELL_COLOURS, passed)],
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    for i, (name, curve) in enumerate(zip(names, curves)):
        worst = np.minimum(curve.uniform, curve.stress)
        fig.add_trace(
            go.Scatter(
                x=curve.lengths,
                y=worst,
                mode="lines+markers",
                name=name,
                line=dict(color=CELL_COLOURS[i % 4], width=3 if i == 0 else 1.8),
                marker=dict(symbol=CELL_SYMBOLS[i % 4], size=9 if i == 0 else 7),
                customdata=np.stack([curve.uniform, curve.stress, curve.pairs], axis=1),
                hovertemplate=(
                    f"{name}<br>%{{x:,}} bits: %{{customdata[0]:.1%}} random, "
                    "%{customdata[1]:.1%} carry chains (%{customdata[2]:,} sums each)"
                    "<extra></extra>"
                ),
            ),
            row=1,
            col=2,
        )
    ticks = [t for t in (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)]
    fig.update_xaxes(title_text="steps", range=[0, 1.45 * max(lengths)], row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_xaxes(
        type="log",
        tickvals=ticks,
        ticktext=[f"{t:,}" for t in ticks],
        title_text="operand bits n (log scale)",
        row=1,
        col=2,
    )
    fig.update_yaxes(range=[-0.03, 1.05], tickformat=".0%", row=1, col=2)
    fig.update_annotations(font_size=14)
    fig.update_layout(
        height=440,
        margin=dict(l=60, r=20, t=60, b=90),
        legend=dict(orientation="h", y=-0.3, x=0.5),
    )
    return themed(fig, theme)
