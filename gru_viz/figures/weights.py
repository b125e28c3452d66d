"""Every weight of a model as heatmaps, one per matrix, laid out as the equations read: a column
per gate (z, r, h~) and one for the output; a row for the input weights W (2, H), the recurrent
weights U (H, H) and the biases b (H,). Columns of each heatmap are the unit j a weight feeds
(z_j, r_j, h~_j); rows of U and of Wo are the unit i of the state it reads. Edited weights are
outlined, the one picked is outlined more boldly, and every cell can be clicked: an invisible
marker on it carries its key (gru_viz.edits.key_text) as customdata."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gru_viz.figures.theme import LIGHT, Theme, themed

SCALE = "RdBu_r"  # negative blue, positive red, white at 0
COLUMNS = (("z", "update gate z"), ("r", "reset gate r"), ("h", "candidate h~"), ("o", "output y"))
TEXT_UP_TO = 8  # values are written in the cells for models of up to this many units
SCALE_QUANTILE = 0.98  # the colour scale ends at this quantile of |w|: one large edit (or
# the hand-made adder's few large weights) does not wash out all the others
CELL = 34  # pixels a row of cells is tall at most (larger models get thinner rows)
MAX_HEIGHT = 900


def _cells(name: str, value: np.ndarray) -> tuple[np.ndarray, list[str], list[list[tuple]]]:
    """A weight as a 2-D grid (rows, columns), its row labels and each cell's index."""
    if name == "Wo":
        return value, [f"h{i}" for i in range(len(value))], [[(i, 0)] for i in range(len(value))]
    if value.ndim == 1:
        return value[None], [""], [[(j,) for j in range(len(value))]]
    rows = ["a", "b"] if name.startswith("W") else [f"h{i}" for i in range(value.shape[0])]
    return value, rows, [[(i, j) for j in range(value.shape[1])] for i in range(value.shape[0])]


def _place(name: str) -> tuple[int, int]:
    """(row, column) of a weight's heatmap in the grid."""
    if name in ("Wo", "bo"):
        return (2 if name == "Wo" else 3), 4
    row = {"W": 1, "U": 2, "b": 3}[name[0]]
    return row, "zrh".index(name[1]) + 1


def weights_figure(
    weights: dict[str, np.ndarray],
    edited: Collection[tuple[str, tuple[int, ...]]] = (),
    unused: Collection[str] = (),
    selected: tuple[str, tuple[int, ...]] | None = None,
    key_text=None,
    theme: Theme = LIGHT,
) -> go.Figure:
    """The weights (name -> array) as heatmaps on one colour scale, symmetric about 0 up to
    the SCALE_QUANTILE of |w| (larger ones saturated), columns the unit j each weight feeds
    (numbered under the biases). `edited`
    and `selected` are keys (name, index); `unused` names weights drawn grey (a held gate's);
    key_text(key) is the customdata of each cell's marker (default: the key's repr)."""
    key_text = key_text or repr
    H = weights["Uz"].shape[0]
    used = np.concatenate([np.ravel(w) for n, w in weights.items() if n not in unused])
    top = max(1e-6, float(np.quantile(np.abs(used), SCALE_QUANTILE)))  # a few beyond: saturated
    fig = make_subplots(
        rows=3,
        cols=4,
        row_heights=[2, H, 1],
        column_widths=[H, H, H, max(1.6, H / 8)],
        subplot_titles=[_title(r, c, H) for r in (1, 2, 3) for c in (1, 2, 3, 4)],
        horizontal_spacing=0.04,
        vertical_spacing=0.06 if H > 4 else 0.1,
    )
    scaled = next((n for n in ("Uh", "Uz", "Ur") if n not in unused), None)  # carries the key
    for name, value in weights.items():
        row, col = _place(name)
        traces = _panel(name, np.asarray(value), top, name in unused, key_text)
        if name == scaled:  # one colour key for all: the scale is shared
            middle = fig.get_subplot(2, 1).yaxis.domain
            traces[0].update(
                showscale=True,
                colorbar=dict(
                    title=dict(text="weight", side="right"),
                    x=1.0,
                    xanchor="left",
                    y=sum(middle) / 2,
                    len=middle[1] - middle[0],
                    thickness=12,
                ),
            )
        fig.add_traces(traces, row, col)
        n_rows, n_cols = _cells(name, np.asarray(value))[0].shape
        fig.update_yaxes(range=[n_rows - 0.5, -0.5], row=row, col=col, showgrid=False)
        fig.update_xaxes(
            range=[-0.5, n_cols - 0.5],
            showgrid=False,
            zeroline=False,
            row=row,
            col=col,
            showticklabels=row == 3 and col < 4,  # units j, once, under each column
        )
        fig.update_yaxes(showticklabels=col == 1, row=row, col=col)  # rows i, once (Wo's too)
    for keys, colour, width in ((edited, theme.highlight, 2), ([selected], theme.cursor, 4)):
        fig.add_traces(_outlines([k for k in keys if k], weights, colour, width, H))
    fig.update_xaxes(tickmode="linear", dtick=max(1, H // 8))
    fig.update_xaxes(visible=False, row=1, col=4)
    fig.update_yaxes(visible=False, row=1, col=4)
    cell = max(8.0, min(CELL, 640 / (H + 3)))  # pixels per row of cells
    height = min(MAX_HEIGHT, round(130 + cell * (H + 3)))
    fig.update_layout(
        height=height,
        margin=dict(l=40, r=70, t=40, b=20),  # (r: the colour key)
        showlegend=False,
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
    )
    return themed(fig, theme)


def _title(row: int, col: int, H: int) -> str:
    gate, reads = COLUMNS[col - 1][0], ("h" if col < 3 else "r*h")
    symbol = "h~" if gate == "h" else gate
    if col == 4:
        return {1: "", 2: "Wo", 3: "bo"}[row]
    return {
        1: f"W{gate}: {symbol} reads a, b",
        2: f"U{gate}: {symbol} reads {reads}",
        3: f"b{gate}",
    }[row]


def _panel(name: str, value: np.ndarray, top: float, grey: bool, key_text) -> list:
    """The heatmap of one weight and the clickable markers on its cells."""
    grid, rows, index = _cells(name, value)
    n_rows, n_cols = grid.shape
    x = list(range(n_cols))
    text = [[f"{v:.3g}" for v in row] for row in grid]
    heatmap = go.Heatmap(
        z=np.zeros_like(grid) if grey else grid,
        x=x,
        y=rows,
        zmin=-top,
        zmax=top,
        colorscale=[[0, "#9aa0a8"], [1, "#9aa0a8"]] if grey else SCALE,
        showscale=False,
        text=text,
        texttemplate="%{text}" if value.shape[-1] <= TEXT_UP_TO or name == "Wo" else None,
        textfont=dict(size=10),
        hoverinfo="skip",
        xgap=1,
        ygap=1,
    )
    if name == "Wo" and value.shape[0] > TEXT_UP_TO:
        heatmap.texttemplate = None
    cells = [(r, c) for r in range(n_rows) for c in range(n_cols)]
    keys = [key_text((name, index[r][c])) for r, c in cells]
    labels = [_label(name, index[r][c]) for r, c in cells]
    markers = go.Scatter(
        x=[c for _, c in cells],
        y=[rows[r] for r, _ in cells],
        mode="markers",
        marker=dict(symbol="square", size=12, color="rgba(0,0,0,0)"),
        customdata=keys,
        text=[
            f"{label} = {grid[r, c]:.4g}" + (" (unused: gate held at 1)" if grey else "")
            for label, (r, c) in zip(labels, cells)
        ],
        hovertemplate="%{text}<br>click to edit<extra></extra>",
        unselected=dict(marker=dict(opacity=0)),
        selected=dict(marker=dict(opacity=0)),
    )
    return [heatmap, markers]


def _label(name: str, index: tuple[int, ...]) -> str:
    if name == "bo":
        return "bo"
    index = index[:1] if name == "Wo" else index
    return f"{name}[{', '.join(map(str, index))}]"


def _outlines(keys: list, weights: dict, colour: str, width: int, H: int) -> list:
    """Open squares around the cells of `keys`, on the subplot of each."""
    traces = []
    for name, index in keys:
        row, col = _place(name)
        _, rows, _ = _cells(name, np.asarray(weights[name]))
        if name == "Wo":
            x, y = 0, rows[index[0]]
        elif len(index) == 1:
            x, y = index[0], ""
        else:
            x, y = index[1], rows[index[0]]
        axis = (row - 1) * 4 + col
        suffix = "" if axis == 1 else str(axis)
        traces.append(
            go.Scatter(
                x=[x],
                y=[y],
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
                mode="markers",
                cliponaxis=False,
                marker=dict(
                    symbol="square-open",
                    size=max(8, min(26, 360 // max(H, 1))),
                    color=colour,
                    line=dict(width=width, color=colour),
                ),
                hoverinfo="skip",
            )
        )
    return traces
