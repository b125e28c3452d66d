"""How saturated each unit's gates are: one point per gate and unit, at (fraction of steps
left-saturated, fraction right-saturated), as in Karpathy, Johnson and Fei-Fei (2015)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures.style import MODEBAR_PX, axis_px, legend_below, legend_px, line_px
from gru_viz.figures.theme import LIGHT, Theme, scaled, themed
from gru_viz.saturation import Saturation

GATE_COLOURS = {"z": "#1f77b4", "r": "#ff7f0e"}  # update gate, reset gate
GATE_NAMES = {"z": "update gate z", "r": "reset gate r"}
PLOT_PX = 360  # the plot's height; it is square, as wide as that where there is room
TITLE_SIZE = 14  # px at the base type size


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
    # A square plot: the box shrinks to fit (constrain), so both axes keep 0-100 %.
    fig.update_xaxes(
        title=dict(text=f"share of steps shut (below {saturation.low:g})", standoff=6),
        range=[-0.03, 1.03],
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        tickformat=".0%",
        constrain="domain",
        constraintoward="left",
    )
    fig.update_yaxes(
        title_text=f"share wide open (above {saturation.high:g})",
        range=[-0.03, 1.03],
        tickvals=[0, 0.25, 0.5, 0.75, 1],
        tickformat=".0%",
        scaleanchor="x",
        constrain="domain",
        constraintoward="bottom",  # next to its legend, whatever room is left goes above
        automargin=True,
    )
    size = theme.font_size
    top = MODEBAR_PX + line_px(scaled(TITLE_SIZE, theme)) + 6
    axis, legend = axis_px(size), legend_px(len(traces), size)
    fig.update_layout(
        title=dict(
            text=f"Gate saturation over {saturation.n_steps:,} steps",
            x=0,
            xanchor="left",
            xref="paper",
            y=1 - MODEBAR_PX / (PLOT_PX + top + axis + legend),
            yanchor="top",
            font_size=TITLE_SIZE,
        ),
        legend=legend_below(PLOT_PX, axis + 6),
        height=PLOT_PX + top + axis + legend,
        margin=dict(l=60, r=20, t=top, b=axis + legend),
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
