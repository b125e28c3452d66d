"""How far a model adds: exact sums against operand length and against the longest carry chain,
and which units the sums need (accuracy lost when each is switched off alone)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gru_viz.ablation import AblationRanking
from gru_viz.figures.style import translucent
from gru_viz.figures.theme import LIGHT, Theme, themed
from gru_viz.length import LengthCurve, wilson_interval

CURVE_COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd")  # this model, then references


@dataclass(frozen=True)
class NamedCurve:
    """A model's length curve and how the figure names it; `main` is the model on the page."""

    name: str
    curve: LengthCurve
    main: bool = False


def length_figure(
    curves: Sequence[NamedCurve], train_bits: int | None = None, theme: Theme = LIGHT
) -> go.Figure:
    """Two panels: exact sums against operand length (log axis; solid lines on uniform random
    operands, dashed on full-length carry chains) and against the longest carry chain in the
    sum. `train_bits`, the operand length the main model was trained on, is marked. Drawn in
    `theme`."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.09,
        subplot_titles=["Exact sums by operand length", "Exact sums by longest carry chain"],
    )
    for i, named in enumerate(curves):
        colour = CURVE_COLOURS[i % len(CURVE_COLOURS)]
        width = 3 if named.main else 1.6
        curve = named.curve
        for kind, dash, values in (
            ("random", "solid", curve.uniform),
            ("carry chains", "dash", curve.stress),
        ):
            name = f"{named.name}, {kind}"
            for trace in _line(curve.lengths, values, curve.pairs, name, colour, width, dash):
                fig.add_trace(trace, row=1, col=1)
        chains = np.maximum(curve.chain_lows, 0.5)  # a chain of 0 sits at 0.5 on the log axis
        counts = curve.chain_counts
        for trace in _line(
            chains, curve.chain_accuracy, counts, named.name, colour, width, "solid", False
        ):
            fig.add_trace(trace, row=1, col=2)
    if train_bits:
        # plotly places a vline on a log axis by its value, but an annotation by its log10
        fig.add_vline(x=train_bits, line=dict(color=theme.muted, dash="dot"), row=1, col=1)
        fig.add_annotation(
            x=math.log10(train_bits),
            y=0.04,
            xref="x",
            yref="y domain",
            text=f" trained on {train_bits}-bit numbers",
            xanchor="left",
            showarrow=False,
            font=dict(size=12, color=theme.muted),
        )
    ticks = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:,}" for t in ticks])
    fig.update_xaxes(title_text="operand bits n (log scale)", row=1, col=1)
    fig.update_xaxes(title_text="longest carry chain in the sum (bits, log scale)", row=1, col=2)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%")
    fig.update_annotations(font_size=14)
    fig.update_layout(
        height=460,
        margin=dict(l=60, r=20, t=60, b=60),
        legend=dict(orientation="h", y=-0.22, x=0),
        hovermode="x unified",
    )
    return themed(fig, theme)


def _line(x, y, counts, name: str, colour: str, width: float, dash: str, legend: bool = True):
    """A tested curve: its points, with the number of sums and the 95% interval (Wilson) of
    each on hover, over a light band between the intervals' ends."""
    x, y, counts = np.asarray(x), np.asarray(y, np.float64), np.asarray(counts)
    low, high = wilson_interval(y, counts)
    band = go.Scatter(
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=translucent(colour, 0.12),
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=name,
    )
    line = go.Scatter(
        x=x,
        y=y,
        mode="lines+markers",
        name=name,
        legendgroup=name,
        showlegend=legend,
        line=dict(color=colour, width=width, dash=dash),
        marker_size=5,
        customdata=np.stack([counts, low, high], axis=1),
        hovertemplate="%{x:,}: %{y:.1%} of %{customdata[0]:,} sums "
        "(95% interval %{customdata[1]:.0%} to %{customdata[2]:.0%})<extra>" + name + "</extra>",
    )
    return band, line


def ablation_figure(
    ranking: AblationRanking, carriers: Sequence[int] = (), theme: Theme = LIGHT
) -> go.Figure:
    """Accuracy lost when each unit is switched off alone, most needed first; carry units are
    drawn in the highlight colour."""
    order = list(ranking.order)
    colours = [CURVE_COLOURS[2] if u in carriers else "#7f8896" for u in order]
    fig = go.Figure(
        go.Bar(
            x=[f"unit {u}" for u in order],
            y=ranking.lost[order],
            marker_color=colours,
            customdata=ranking.accuracy[order],
            hovertemplate="%{x} off: %{customdata:.1%} exact, %{y:.1%} lost<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="exact sums lost", tickformat=".0%", range=[-0.03, 1.03])
    fig.update_layout(
        title=dict(
            text=f"Each unit switched off alone, on {ranking.n_pairs} sums of "
            f"{ranking.n_bits}-bit numbers ({ranking.base_accuracy:.0%} exact with all on)",
            x=0,
            xanchor="left",
            font_size=14,
        ),
        height=340,
        margin=dict(l=60, r=20, t=50, b=60),
    )
    return themed(fig, theme)
