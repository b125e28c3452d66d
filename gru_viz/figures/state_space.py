"""The map of hidden states: the cloud of states coloured by what they should hold (the carry
out of their bit and the sum bit), and one addition's path over it, bit by bit (least
significant first)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures.style import MODEBAR_PX, axis_px, legend_below, legend_px, line_px
from gru_viz.figures.theme import LIGHT, Theme, scaled, themed
from gru_viz.state_space import MapPath, StateMap

# (carry out, sum bit) -> colour: blues without a carry, oranges with one; darker for sum bit 1
CLASS_COLOURS = {(0, 0): "#9ecae1", (0, 1): "#2171b5", (1, 0): "#fdae6b", (1, 1): "#d94801"}
PATH_COLOUR = "#222222"
CURRENT_COLOUR = "#d62728"
PLOT_PX = 400  # the map's height
TITLE_SIZE = 14  # px at the base type size
AXIS_NAMES = {
    "carry": ("carry direction", "main other direction"),
    "pca": ("principal component 1", "principal component 2"),
}


def state_map_figure(
    smap: StateMap,
    path: MapPath | None = None,
    current: int | None = None,
    theme: Theme = LIGHT,
) -> go.Figure:
    """The cloud of `smap` as four classes of (carry out, sum bit) with a legend, and, if given,
    one addition's path over it as a line with markers; `current`, a bit position of the path,
    is drawn larger. Hover gives t, a_t, b_t and the true carry out of every point. Drawn in
    `theme` (the path in its ink)."""
    if current is not None and (path is None or not 0 <= current < len(path.points)):
        length = 0 if path is None else len(path.points)
        raise ValueError(
            f"current must be a bit position of the path, 0 to {length - 1}; got {current!r}"
        )
    traces = [_class_points(smap, carry, bit) for carry, bit in CLASS_COLOURS]
    if path is not None:
        traces.append(_path_line(path, theme.ink))
        if current is not None:
            traces.append(_current_marker(path, current))
    fig = go.Figure(data=traces)
    x_name, y_name = AXIS_NAMES.get(smap.axes, ("axis 1", "axis 2"))
    # Both axes on one scale: the box shrinks to fit (constrain) rather than the ranges grow.
    fig.update_xaxes(
        title=dict(text=f"{x_name} ({smap.explained[0]:.0%} of the variance)", standoff=6),
        zeroline=False,
        constrain="domain",
        constraintoward="left",
    )
    fig.update_yaxes(
        title_text=f"{y_name} ({smap.explained[1]:.0%})",
        zeroline=False,
        scaleanchor="x",
        constrain="domain",
        constraintoward="bottom",  # next to its legend, whatever room is left goes above
        automargin=True,
    )
    title = f"Hidden states of {smap.n_pairs} sums of {smap.n_bits}-bit numbers"
    layout = map_layout(title, 1, len(traces) + 1, theme)
    layout["legend"]["title"] = dict(text="what h_t should hold", side="top")
    fig.update_layout(**layout)
    return themed(fig, theme)


def map_layout(title: str, title_lines: int, legend_lines: int, theme: Theme) -> dict:
    """Layout of a map PLOT_PX tall, laid out in pixels for `theme`'s type: its title of
    `title_lines` lines under the toolbar's strip, its legend of `legend_lines` lines under the
    plot (not beside it: a phone keeps its whole width for the map)."""
    size = theme.font_size
    top = MODEBAR_PX + title_lines * line_px(scaled(TITLE_SIZE, theme)) + 6
    axis, legend = axis_px(size), legend_px(legend_lines, size)
    height = PLOT_PX + top + axis + legend
    return dict(
        title=dict(
            text=title,
            x=0,
            xanchor="left",
            xref="paper",
            y=1 - MODEBAR_PX / height,
            yanchor="top",
            font_size=TITLE_SIZE,
        ),
        height=height,
        margin=dict(l=60, r=20, t=top, b=axis + legend),
        legend=dict(legend_below(PLOT_PX, axis + 6), itemsizing="constant"),
    )


def _class_points(smap: StateMap, carry: int, bit: int) -> go.Scatter:
    """The states whose bit has this carry out and sum bit, hover giving t, a_t, b_t, carry."""
    chosen = (smap.carry_out == carry) & (smap.sum_bit == bit)  # (N,)
    customdata = np.stack(
        [smap.t[chosen], smap.a_t[chosen], smap.b_t[chosen], smap.carry_out[chosen]], axis=-1
    )  # (n, 4)
    return go.Scatter(
        x=smap.points[chosen, 0],
        y=smap.points[chosen, 1],
        mode="markers",
        name=f"carry out {carry}, sum bit {bit}",
        marker=dict(color=CLASS_COLOURS[carry, bit], size=5, opacity=0.6),
        customdata=customdata,
        hovertemplate=(
            "t = %{customdata[0]}: a_t = %{customdata[1]}, b_t = %{customdata[2]}<br>"
            "true carry out = %{customdata[3]}<extra></extra>"
        ),
    )


def _path_line(path: MapPath, colour: str = PATH_COLOUR) -> go.Scatter:
    """The path through the map, bit 0 first, each marker labelled with its bit position."""
    n_steps = len(path.points)
    customdata = np.stack([np.arange(n_steps), path.a_t, path.b_t, path.carry_out], axis=-1)
    return go.Scatter(
        x=path.points[:, 0],
        y=path.points[:, 1],
        mode="lines+markers",
        name=path.label or "this addition",
        line=dict(color=colour, width=1.5),
        marker=dict(color=colour, size=7, symbol="circle-open"),
        customdata=customdata,
        hovertemplate=(
            "bit t = %{customdata[0]}: a_t = %{customdata[1]}, b_t = %{customdata[2]}<br>"
            "true carry out = %{customdata[3]}<extra></extra>"
        ),
    )


def _current_marker(path: MapPath, t: int) -> go.Scatter:
    return go.Scatter(
        x=[path.points[t, 0]],
        y=[path.points[t, 1]],
        mode="markers",
        name=f"bit {t}",
        marker=dict(color=CURRENT_COLOUR, size=14, symbol="diamond", line=dict(width=1)),
        hovertemplate=(
            f"bit t = {t}: a_t = {path.a_t[t]}, b_t = {path.b_t[t]}<br>"
            f"true carry out = {path.carry_out[t]}<extra></extra>"
        ),
    )
