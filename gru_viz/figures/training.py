"""The training figure: loss per step above exact-sum accuracy at each check."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures.spec import from_spec
from gru_viz.figures.style import (
    MODEBAR_PX,
    axis_px,
    legend_below,
    legend_px,
    line_px,
    panel_title,
    stacked,
)
from gru_viz.figures.theme import LIGHT, Theme, scaled, theme_spec

TITLE_SIZE = 13  # px at the base type size: the two plots' titles
MOST_TICKS = 6  # labels on the loss's log axis


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
    `marker_step`, if given, is marked on both plots. About `height` px tall, laid out in
    pixels for `theme`'s type (titles, axes and legend never meet). Drawn in `theme`."""
    lengths = sorted({n for _, accuracy in checks for n in accuracy})
    size = theme.font_size
    title_px = line_px(scaled(TITLE_SIZE, theme)) + 4
    axis, legend = axis_px(size), legend_px(len(lengths), size) if lengths else 0
    plot_px = max(80, (height - MODEBAR_PX - axis - legend - 2 * title_px) // 2)
    domains, total = stacked([plot_px, plot_px], [title_px, title_px])
    stride = max(1, len(steps) // max_points)
    loss = np.asarray(losses, np.float64)[::stride]
    data = [
        dict(
            type="scatter",
            x=np.asarray(steps)[::stride],
            y=loss,
            mode="lines",
            name="loss",
            line=dict(color=theme.ink, width=1.5),
            showlegend=False,
        )
    ]
    for i, n_bits in enumerate(lengths):
        points = [(s, acc[n_bits]) for s, acc in checks if n_bits in acc]
        data.append(
            dict(
                type="scatter",
                x=[s for s, _ in points],
                y=[a for _, a in points],
                mode="lines+markers",
                name=f"{n_bits}-bit numbers",
                marker=dict(size=5, color=_colour(i, theme)),
                line=dict(color=_colour(i, theme)),
                xaxis="x2",
                yaxis="y2",
            )
        )
    ticks = log_ticks(float(loss.min()), float(loss.max())) if len(loss) else []
    layout = dict(
        xaxis=dict(anchor="y", matches="x2", showticklabels=False),
        yaxis=dict(
            domain=domains[0],
            type="log",
            tickvals=ticks,
            ticktext=[f"{t:g}" for t in ticks],
            automargin=True,
        ),
        xaxis2=dict(anchor="y2", title=dict(text="step", standoff=6)),
        yaxis2=dict(
            domain=domains[1],
            range=[-0.03, 1.03],
            tickvals=[0, 0.5, 1],
            tickformat=".0%",
            automargin=True,
        ),
        annotations=[
            panel_title(text, domain[1], TITLE_SIZE)
            for text, domain in zip(["Loss", "Exact sums on unseen additions"], domains)
        ],
        legend=legend_below(total, axis + 6),
        height=round(MODEBAR_PX + total + axis + legend),
        margin=dict(l=10, r=10, t=MODEBAR_PX, b=axis + legend),
    )
    if marker_step is not None:
        line = dict(color=theme.cursor, width=2)
        layout["shapes"] = [
            dict(
                type="line",
                x0=marker_step,
                x1=marker_step,
                y0=0,
                y1=1,
                xref=x,
                yref=f"{y} domain",
                line=line,
            )
            for x, y in (("x", "y"), ("x2", "y2"))
        ]
    return from_spec(theme_spec({"data": data, "layout": layout}, theme))


def _colour(i: int, theme: Theme) -> str:
    """The line of the i-th operand length: the theme's accent, then other colours."""
    return (theme.accent, "#ff7f0e", "#2ca02c", "#9467bd")[i % 4]


def log_ticks(low: float, high: float, most: int = MOST_TICKS) -> list[float]:
    """Round values from `low` to `high` for a log axis: 1, 2 and 5 times powers of ten, or
    powers of ten alone where those would be more than `most`; the two ends, rounded, where
    no round value falls between them."""
    if not 0 < low <= high:
        return []
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks: list[float] = []
    for mantissas in ((1, 2, 5), (1,)):
        ticks = [
            float(f"{m}e{e}")
            for e in decades
            for m in mantissas
            if low <= float(f"{m}e{e}") <= high
        ]
        if len(ticks) <= most:
            break
    if len(ticks) < 2:
        ticks = sorted({float(f"{low:.2g}"), float(f"{high:.2g}")})
    return ticks
