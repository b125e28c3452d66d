"""How saturated each unit's gates are: one point per gate and unit, at (fraction of steps
left-saturated, fraction right-saturated), as in Karpathy, Johnson and Fei-Fei (2015)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures.theme import LIGHT, Theme, themed
from gru_viz.saturation import Saturation

GATE_COLOURS = {"z": "#1f77b4", "r": "#ff7f0e"}  # update gate, reset gate
GATE_NAMES = {"z": "update gate z", "r": "reset gate r"}


def saturation_figure(
    saturation: Saturation, carriers: Sequence[int] = (), theme: Theme = LIGHT
) -> go.Figure:
    """A scatter of every unit's z and r (two colours): x the fraction of steps the gate is
    below `low`, y the fraction above `high`. Points on the diagonal x + y = 1 are always
    saturated; points near (0, 0) never are. Hover names the unit (carry units labelled).
    Drawn in `theme`."""
    traces = [_gate_points(saturation, gate, carriers) for gate in GATE_COLOURS]
    edge = go.Scatter(
        x=[0, 1],
        y=[1, 0],
        mode="lines",
        line=dict(color=theme.muted, width=1, dash="dot"),
        showlegend=False,
        hoverinfo="skip",
    )
    fig = go.Figure(data=[edge, *traces])
    fig.update_xaxes(
        title_text=f"fraction of steps left-saturated (below {saturation.low:g})",
        range=[-0.03, 1.03],
        tickformat=".0%",
    )
    fig.update_yaxes(
        title_text=f"fraction right-saturated (above {saturation.high:g})",
        range=[-0.03, 1.03],
        tickformat=".0%",
        scaleanchor="x",
    )
    fig.update_layout(
        title=dict(
            text=f"Gate saturation over {saturation.n_steps:,} steps",
            x=0,
            xanchor="left",
            font_size=14,
        ),
        height=460,
        margin=dict(l=60, r=20, t=50, b=60),
    )
    return themed(fig, theme)


def _gate_points(saturation: Saturation, gate: str, carriers: Sequence[int]) -> go.Scatter:
    left = np.asarray(getattr(saturation, f"{gate}_left"))  # (H,)
    right = np.asarray(getattr(saturation, f"{gate}_right"))  # (H,)
    units = [f"unit {u} · carry" if u in carriers else f"unit {u}" for u in range(len(left))]
    return go.Scatter(
        x=left,
        y=right,
        mode="markers",
        name=GATE_NAMES[gate],
        marker=dict(color=GATE_COLOURS[gate], size=9, opacity=0.85),
        text=units,
        hovertemplate=(
            f"%{{text}}, {gate}: below {saturation.low:g} on %{{x:.1%}} of steps, "
            f"above {saturation.high:g} on %{{y:.1%}}<extra></extra>"
        ),
    )
