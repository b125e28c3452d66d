"""How far a model adds: exact sums against operand length and against the longest carry chain,
and which units the sums need (accuracy lost when each is switched off alone)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gru_viz.ablation import AblationRanking
from gru_viz.figures.spec import from_spec
from gru_viz.figures.style import (
    MODEBAR_PX,
    axis_px,
    legend_below,
    legend_px,
    line_px,
    panel_title,
    stacked,
    translucent,
)
from gru_viz.figures.theme import LIGHT, Theme, scaled, theme_spec, themed
from gru_viz.length import LengthCurve, wilson_interval

CURVE_COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd")  # this model, then references
TITLE_SIZE = 14  # px at the base type size: the plots' titles
PANEL_PX = 230  # height of each of the two plots
BARS_PX = 220  # height of the plot of units switched off
# Operand lengths written under the log axes: short enough for a phone (1k = 1,024 bits).
LENGTH_TICKS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536)
LENGTH_TICK_TEXT = ("1", "4", "16", "64", "256", "1k", "4k", "16k", "64k")
STYLE_KEY = {  # what the line styles mean, in the legend once for every model
    "solid": "solid: random numbers",
    "dash": "dashed: sums that carry all the way",
    "dot": "dotted: its training length and longest carry chain",
}


@dataclass(frozen=True)
class NamedCurve:
    """A model's length curve and how the figure names it; `main` is the model on the page.
    `train_bits`, if given, is the operand length the model was trained on and `train_chain`
    the longest carry chain of such numbers: both are marked in the model's colour."""

    name: str
    curve: LengthCurve
    main: bool = False
    train_bits: int | None = None
    train_chain: int | None = None

    @property
    def label(self) -> str:
        if self.train_bits is None:
            return self.name
        return f"{self.name} (trained on {self.train_bits}-bit numbers)"


def length_figure(curves: Sequence[NamedCurve], theme: Theme = LIGHT) -> go.Figure:
    """Two plots, one above the other: exact sums against operand length (log axis; solid
    lines on uniform random operands, dashed on full-length carry chains) and against the
    longest carry chain in the sum. Each model's training length and longest training chain,
    where known, is a dotted line in its colour; the legend names each model once and says
    what the line styles mean. Laid out in pixels for `theme`'s type, so that no text meets
    another at any width. Drawn in `theme`."""
    size = theme.font_size
    titles = ["Exact sums by operand length", "Exact sums by longest carry chain"]
    title_px = line_px(scaled(TITLE_SIZE, theme)) + 4
    axis = axis_px(size)
    domains, plot_px = stacked([PANEL_PX] * 2, [title_px, axis + title_px])
    data = []
    for i, named in enumerate(curves):
        data += _model_lines(named, CURVE_COLOURS[i % len(CURVE_COLOURS)], theme)
    marked = any(named.train_bits for named in curves)
    styles = ("solid", "dash", "dot") if marked else ("solid", "dash")
    data += [_style_key(style, theme) for style in styles]
    layout = dict(
        annotations=[panel_title(t, d[1], TITLE_SIZE) for t, d in zip(titles, domains)],
        legend=legend_below(plot_px, axis + 6),
        hovermode="x unified",
        height=round(MODEBAR_PX + plot_px + axis + legend_px(len(curves) + len(styles), size)),
        margin=dict(l=60, r=20, t=MODEBAR_PX, b=axis + legend_px(len(curves) + len(styles), size)),
    )
    x_titles = ["operand bits n (log scale; 1k = 1,024)", "longest carry chain in the sum (bits)"]
    for row, (domain, x_title) in enumerate(zip(domains, x_titles)):
        suffix = "" if row == 0 else "2"
        layout[f"xaxis{suffix}"] = dict(
            type="log",
            tickvals=LENGTH_TICKS,
            ticktext=LENGTH_TICK_TEXT,
            tickangle=0,
            anchor=f"y{suffix}",
            title=dict(text=x_title, standoff=6),
        )
        layout[f"yaxis{suffix}"] = dict(
            domain=domain,
            range=[-0.03, 1.03],
            tickformat=".0%",
            anchor=f"x{suffix}",
            automargin=True,
        )
    return from_spec(theme_spec({"data": data, "layout": layout}, theme))


def _model_lines(named: NamedCurve, colour: str, theme: Theme) -> list[dict]:
    """One model's lines: random and carry-chain sums by length, sums by longest chain, and
    its training length and longest training chain, dotted."""
    curve, width = named.curve, 3 if named.main else 1.6
    chains = np.maximum(curve.chain_lows, 0.5)  # a chain of 0 sits at 0.5 on the log axis
    pairs, counts, label = curve.pairs, curve.chain_counts, named.label
    band = translucent(colour, theme.band_alpha)
    lines = [
        *_line(curve.lengths, curve.uniform, pairs, label, colour, band, width, "solid", "random"),
        *_line(
            curve.lengths, curve.stress, pairs, label, colour, band, width, "dash", "carry chains"
        ),
        *_line(chains, curve.chain_accuracy, counts, label, colour, band, width, "solid", "", "2"),
    ]
    lines[1]["showlegend"] = True  # the first line (after its band) names the model
    marks = ((named.train_bits, "", "trained on {}-bit numbers"),)
    marks += ((named.train_chain, "2", "longest carry chain in training: {} bits"),)
    for x, axis, words in marks:
        if x:
            lines.append(
                dict(
                    type="scatter",
                    x=[x, x],
                    y=[-0.03, 1.03],
                    mode="lines",
                    line=dict(color=colour, width=1.5, dash="dot"),
                    legendgroup=named.label,
                    showlegend=False,
                    name=f"{named.name}: {words.format(x)}",
                    hoverinfo="skip",
                    xaxis=f"x{axis}",
                    yaxis=f"y{axis}",
                )
            )
    return lines


def _style_key(dash: str, theme: Theme) -> dict:
    """A legend entry that only says what a line style means."""
    return dict(
        type="scatter",
        x=[None],
        y=[None],
        mode="lines",
        name=STYLE_KEY[dash],
        line=dict(color=theme.muted, width=1.6, dash=dash),
        hoverinfo="skip",
    )


def _line(
    x,
    y,
    counts,
    name: str,
    colour: str,
    band_colour: str,
    width: float,
    dash: str,
    kind: str,
    axis: str = "",
) -> list[dict]:
    """A tested curve over a band (`band_colour`) between the ends of each point's 95% interval
    (Wilson); its hover gives the number of sums and the interval."""
    hover_name = f"{name}, {kind}" if kind else name
    x, y, counts = np.asarray(x), np.asarray(y, np.float64), np.asarray(counts)
    low, high = wilson_interval(y, counts)
    band = dict(
        type="scatter",
        x=np.concatenate([x, x[::-1]]),
        y=np.concatenate([high, low[::-1]]),
        fill="toself",
        fillcolor=band_colour,
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        legendgroup=name,
        xaxis=f"x{axis}",
        yaxis=f"y{axis}",
    )
    line = dict(
        type="scatter",
        x=x,
        y=y,
        mode="lines+markers",
        name=name,
        legendgroup=name,
        showlegend=False,
        line=dict(color=colour, width=width, dash=dash),
        marker=dict(size=5),
        customdata=np.stack([counts, low, high], axis=1),
        hovertemplate="%{x:,}: %{y:.1%} of %{customdata[0]:,} sums (95% interval "
        "%{customdata[1]:.0%} to %{customdata[2]:.0%})<extra>" + hover_name + "</extra>",
        xaxis=f"x{axis}",
        yaxis=f"y{axis}",
    )
    return [band, line]


def ablation_figure(
    ranking: AblationRanking, carriers: Sequence[int] = (), theme: Theme = LIGHT
) -> go.Figure:
    """Accuracy lost when each unit is switched off alone, most needed first; carry units are
    drawn in the highlight colour."""
    order = list(ranking.order)
    colours = [CURVE_COLOURS[2] if u in carriers else "#7f8896" for u in order]
    fig = go.Figure(
        go.Bar(
            x=[str(u) for u in order],
            y=ranking.lost[order],
            marker_color=colours,
            customdata=ranking.accuracy[order],
            hovertemplate="unit %{x} off: %{customdata:.1%} exact, %{y:.1%} lost<extra></extra>",
        )
    )
    fig.update_xaxes(
        type="category",
        tickangle=0,
        title=dict(text="unit switched off (red: a carry unit)", standoff=6),
    )
    fig.update_yaxes(
        title_text="exact sums lost", tickformat=".0%", range=[-0.03, 1.03], automargin=True
    )
    # Two short lines rather than one that a phone would cut.
    title = (
        f"Each unit switched off alone, on {ranking.n_pairs} sums<br>of {ranking.n_bits}-bit "
        f"numbers ({ranking.base_accuracy:.0%} exact with all on)"
    )
    top = MODEBAR_PX + 2 * line_px(scaled(TITLE_SIZE, theme)) + 6
    axis = axis_px(theme.font_size)
    fig.update_layout(
        title=dict(
            text=title,
            x=0,
            xanchor="left",
            xref="paper",
            y=1 - MODEBAR_PX / (BARS_PX + top + axis),
            yanchor="top",
            font_size=TITLE_SIZE,
        ),
        height=BARS_PX + top + axis,
        margin=dict(l=60, r=20, t=top, b=axis),
    )
    return themed(fig, theme)
