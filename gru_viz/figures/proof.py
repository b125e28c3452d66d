"""A certificate drawn on the map of hidden states: each box of the certificate as the rectangle
its projection fills on the map (one colour per carry), an arrow from box to box for every step
the certificate allows (labelled with the input a b when there are few), the start, the cloud of
states faded behind, and one addition's path on top. Where the proof broke, the box it broke at
is drawn in the highlight colour instead."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gru_viz.figures.state_space import AXIS_NAMES, map_layout
from gru_viz.figures.style import (
    translucent,
)
from gru_viz.figures.theme import LIGHT, Theme, themed
from gru_viz.state_space import MapPath, StateMap

CARRY_COLOURS = ("#2171b5", "#d94801")  # boxes that hold no carry, boxes that hold one
INPUT_COLOURS = ("#7f8896", "#2ca02c", "#9467bd", "#e377c2")  # arrows on input a b = 00 .. 11
MAX_ARROWS = 120  # more steps than this are not drawn as arrows (the figure says so)
LABELLED_ARROWS = 40  # up to this many arrows carry their input's label


def projected_boxes(
    smap: StateMap, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Centres and half-widths (K, 2) of the rectangles that boxes lo <= h <= hi (K, H) fill on
    the map: the projection of a box's centre, plus or minus its half-widths through |axes|."""
    centre = (0.5 * (lo + hi) - smap.mean) @ smap.components.T  # (K, 2)
    half = 0.5 * (hi - lo) @ np.abs(smap.components).T  # (K, 2)
    return centre, half


def certificate_figure(
    smap: StateMap,
    lo: np.ndarray,
    hi: np.ndarray,
    carry: np.ndarray,
    edges: np.ndarray,
    start: int | None,
    path: MapPath | None = None,
    broke: Sequence[int] = (),
    theme: Theme = LIGHT,
) -> go.Figure:
    """The boxes lo, hi (K, H) with their carry (K,), the steps edges (E, 3) rows (k, i, j)
    between them, box `start` (if not None) named; `broke` lists boxes drawn in the highlight
    colour instead (where a failed proof broke). Drawn in `theme`."""
    centre, half = projected_boxes(smap, lo, hi)
    traces = _cloud(smap, theme)
    carry, shown = np.asarray(carry), np.setdiff1d(np.arange(len(lo)), broke)
    for c in (0, 1):
        rows = shown[carry[shown] == c]
        if len(rows):
            traces.append(_rectangles(centre, half, rows, c))
    if len(broke):
        traces.append(_rectangles(centre, half, np.asarray(broke), None, theme.highlight))
        traces.append(_broke_marks(centre[np.asarray(broke)], theme))
    if path is not None:
        traces.append(_path(path, theme))
    drawn_edges = [] if len(edges) > MAX_ARROWS else [e for e in edges if e[0] != e[2]]
    if 0 < len(drawn_edges) <= LABELLED_ARROWS:
        traces.append(_inputs(centre, drawn_edges, theme))
    fig = go.Figure(data=traces)
    arrows = [_arrow(centre, k, j, INPUT_COLOURS[i]) for k, i, j in drawn_edges]
    for i in sorted({int(i) for _, i, _ in drawn_edges}):  # a legend entry per input's colour
        fig.add_trace(_input_key(i))
    x_name, y_name = AXIS_NAMES.get(smap.axes, ("axis 1", "axis 2"))
    if len(broke):  # two short lines each: a phone's column holds them
        title = "No certificate:<br>the box where the search broke"
    elif len(edges) > MAX_ARROWS:
        title = f"The certificate: {len(lo)} boxes<br>({len(edges)} steps, not drawn)"
    else:
        title = f"The certificate: {len(lo)} boxes<br>and {len(edges)} steps"
    labels = [] if start is None else [_start_label(centre[start], theme)]
    named = sum(trace.showlegend is not False for trace in fig.data)  # lines in the legend
    fig.update_layout(**map_layout(title, 2, named, theme), annotations=[*arrows, *labels])
    fig.update_xaxes(title=dict(text=x_name, standoff=6), zeroline=False, automargin=True)
    fig.update_yaxes(
        title=dict(text=y_name, standoff=6), zeroline=False, scaleanchor="x", automargin=True
    )
    return themed(fig, theme)


def _cloud(smap: StateMap, theme: Theme) -> list[go.Scatter]:
    """The states of the map's sums, faint, and their entry in the legend, not faint (a faint
    dot there cannot be seen on a dark background)."""
    name = "states of sums"
    marker = dict(size=3, color=theme.muted)
    return [
        go.Scatter(
            x=smap.points[:, 0],
            y=smap.points[:, 1],
            mode="markers",
            marker=dict(marker, opacity=0.25),
            name=name,
            legendgroup=name,
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(x=[None], y=[None], mode="markers", marker=marker, name=name, legendgroup=name),
    ]


def _rectangles(centre, half, rows, carry: int | None, colour: str | None = None) -> go.Scatter:
    """The rectangles of boxes `rows` as one trace of closed outlines (None between them)."""
    xs, ys = [], []
    for k in rows:
        (x, y), (dx, dy) = centre[k], np.maximum(half[k], 1e-3)
        xs += [x - dx, x + dx, x + dx, x - dx, x - dx, None]
        ys += [y - dy, y - dy, y + dy, y + dy, y - dy, None]
    colour = colour or CARRY_COLOURS[carry]
    name = "where it broke" if carry is None else f"boxes with carry {carry}"
    return go.Scatter(
        x=xs,
        y=ys,
        legendgroup=name,
        mode="lines",
        fill="toself",
        fillcolor=translucent(colour, 0.18),
        line=dict(color=colour, width=1.5),
        name=name,
        hoverinfo="name",
    )


def _broke_marks(centres: np.ndarray, theme: Theme) -> go.Scatter:
    """A ring on each box where the search broke: such a box may be too small to see at the
    map's scale."""
    return go.Scatter(
        x=centres[:, 0],
        y=centres[:, 1],
        mode="markers",
        marker=dict(symbol="circle-open", size=18, color=theme.highlight, line=dict(width=2.5)),
        name="where it broke",
        legendgroup="where it broke",
        showlegend=False,
        hoverinfo="name",
    )


def _path(path: MapPath, theme: Theme) -> go.Scatter:
    return go.Scatter(
        x=path.points[:, 0],
        y=path.points[:, 1],
        mode="lines+markers",
        line=dict(color=theme.ink, width=1.5),
        marker=dict(size=5),
        name=path.label or "the addition",
        customdata=np.arange(len(path.points)),
        hovertemplate="bit %{customdata}<extra></extra>",
    )


def _arrow(centre: np.ndarray, k: int, j: int, colour: str) -> dict:
    """An arrow from box k's rectangle to box j's, centre to centre."""
    return dict(
        x=float(centre[j, 0]),
        y=float(centre[j, 1]),
        ax=float(centre[k, 0]),
        ay=float(centre[k, 1]),
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        text="",
        showarrow=True,
        arrowhead=2,
        arrowsize=1,
        arrowwidth=1,
        arrowcolor=colour,
        opacity=0.8,
    )


def _input_key(i: int) -> go.Scatter:
    """A legend entry for the arrows of input i (no points)."""
    return go.Scatter(
        x=[None],
        y=[None],
        mode="lines",
        line=dict(color=INPUT_COLOURS[i], width=2),
        name=f"a step on a b = {i >> 1}{i & 1}",
    )


def _inputs(centre: np.ndarray, edges: list, theme: Theme) -> go.Scatter:
    """The input a b of each step, written halfway along its arrow."""
    middle = np.array([0.5 * (centre[k] + centre[j]) for k, _, j in edges])  # (E, 2)
    return go.Scatter(
        x=middle[:, 0],
        y=middle[:, 1],
        mode="text",
        text=[f"{i >> 1}{i & 1}" for _, i, _ in edges],
        textfont=dict(size=10, color=theme.muted),
        name="input a b of a step",
        hoverinfo="skip",
    )


def _start_label(point: np.ndarray, theme: Theme) -> dict:
    return dict(
        x=float(point[0]),
        y=float(point[1]),
        text="start",
        showarrow=False,
        yshift=12,
        font=dict(color=theme.text),
    )
