"""Plotly figures of an addition and of training. Functions take arrays and labels and return a
`plotly.graph_objects.Figure`; they never show it. Bit positions run left to right, least
significant bit first, in the same order as the app's bit table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

GATE_SCALE = "Viridis"  # z and r, fixed to [0, 1]
STATE_SCALE = "RdBu_r"  # h~ and h, fixed to [-1, 1], white at 0
BIT_COLOURS = ("#eef0f3", "#3a4452", "#d62728")  # bit 0, bit 1, a wrong predicted bit
INITIAL_WINDOW = 256  # longer additions open zoomed on their lowest positions
TEXT_IN_CELLS = 64  # bit digits are written into the strip up to this many positions
IMAGE_SCALE = 4  # PNG export: 4x the on-screen size
STRIP_HEIGHT = 100  # pixels for the five rows of bits above the heatmaps
PANEL_GAP = 45  # pixels above each heatmap, for its title


@dataclass(frozen=True)
class Panel:
    """One heatmap: a title and values (T, H), one row per hidden unit."""

    title: str
    symbol: str  # the name shown on hover, e.g. "z"
    values: np.ndarray


@dataclass(frozen=True)
class BitRows:
    """The bits drawn above the heatmaps, all (T,), least significant first."""

    bits_a: np.ndarray
    bits_b: np.ndarray
    carry: np.ndarray
    bits_true: np.ndarray
    bits_pred: np.ndarray


def plot_config(filename: str, image_format: str = "png") -> dict:
    """Plotly's config for st.plotly_chart: the camera button saves `filename` as a PNG at
    IMAGE_SCALE times the size on screen, or as an SVG."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg'; got {image_format!r}")
    return {
        "displaylogo": False,
        "scrollZoom": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {
            "format": image_format,
            "filename": filename,
            "scale": IMAGE_SCALE if image_format == "png" else 1,
        },
    }


def gates_figure(
    bits: BitRows,
    panels: Sequence[Panel],
    unit_order: np.ndarray,
    value_range: tuple[float, float] = (0.0, 1.0),
    colorscale: str = GATE_SCALE,
    title: str = "",
) -> go.Figure:
    """The bits of an addition above one heatmap per panel, all sharing one x axis (bit
    position) and one colour scale fixed to `value_range`. Units run down the side in
    `unit_order` (H,), the first at the top."""
    n_bits, hidden = panels[0].values.shape
    for panel in panels:
        if panel.values.shape != (n_bits, hidden):
            raise ValueError(
                f"panel {panel.title!r} has shape {panel.values.shape}; expected {(n_bits, hidden)}"
            )
    unit_labels = [f"unit {u}" for u in unit_order]
    # a_t, b_t and the carry into t for every cell, for the hover: int8 (H, T, 3)
    per_bit = np.stack([bits.bits_a, bits.bits_b, bits.carry], axis=-1).astype(np.int8)
    customdata = np.broadcast_to(per_bit, (hidden, n_bits, 3))
    traces = [_bit_strip(bits)] + [
        _unit_heatmap(panel, unit_order, unit_labels, customdata) for panel in panels
    ]
    panel_height = min(560, max(160, 17 * hidden))
    layout = _stacked_layout(n_bits, [p.title for p in panels], panel_height)
    for row, trace in enumerate(traces):
        suffix = "" if row == 0 else str(row + 1)
        trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    low, high = value_range
    plot_height = layout.pop("plot_height")
    layout.update(
        coloraxis=dict(
            colorscale=colorscale, cmin=low, cmax=high,
            colorbar=dict(title="value", thickness=14, y=0, yanchor="bottom",
                          len=1 - (STRIP_HEIGHT + PANEL_GAP) / plot_height),
        ),
        title=dict(text=title, x=0, xanchor="left"),
        height=plot_height + (70 if title else 30) + 55,
        margin=dict(l=70, r=20, t=70 if title else 30, b=55),
        plot_bgcolor="white",
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)


def _stacked_layout(n_bits: int, titles: Sequence[str], panel_height: int) -> dict:
    """Axes for the bit strip and one panel per title, stacked top to bottom in pixels, all
    matching the first x axis; each panel's title sits just above it. The total plot height
    in pixels is returned as "plot_height"."""
    heights = [STRIP_HEIGHT] + [panel_height] * len(titles)
    gaps = [0] + [PANEL_GAP] * len(titles)
    plot_height = sum(heights) + sum(gaps)
    layout: dict = {"annotations": [], "plot_height": plot_height}
    top = plot_height
    for row, (height, gap) in enumerate(zip(heights, gaps)):
        top -= gap
        domain = [(top - height) / plot_height, top / plot_height]
        top -= height
        suffix = "" if row == 0 else str(row + 1)
        layout[f"xaxis{suffix}"] = dict(
            anchor=f"y{suffix}", matches=None if row == 0 else "x", showticklabels=False,
            range=_initial_range(n_bits), showgrid=False, zeroline=False,
        )  # fmt: skip
        layout[f"yaxis{suffix}"] = dict(
            anchor=f"x{suffix}", domain=domain, autorange="reversed", fixedrange=True,
            tickfont_size=11, showgrid=False,
        )  # fmt: skip
        if row > 0:
            layout["annotations"].append(dict(
                text=titles[row - 1], x=0, y=domain[1], xref="paper", yref="paper",
                xanchor="left", yanchor="bottom", showarrow=False, font_size=15,
            ))  # fmt: skip
    x_title = "bit position t (least significant first)"
    layout[f"xaxis{len(titles) + 1}"].update(showticklabels=True, title_text=x_title)
    return layout


def _bit_strip(bits: BitRows) -> go.Heatmap:
    """The bits as coloured cells: rows a, b, carry in, true sum, predicted sum; a predicted
    bit that is wrong is drawn in red."""
    wrong = bits.bits_pred != bits.bits_true
    labels = ["a", "b", "carry in", "true sum", "predicted"]
    rows = np.stack(
        [bits.bits_a, bits.bits_b, bits.carry, bits.bits_true, bits.bits_pred]
    )  # (5, T)
    z = rows.astype(np.int8).copy()
    z[4, wrong] = 2
    n_bits = rows.shape[1]
    light, dark, red = BIT_COLOURS
    colorscale = [[0, light], [1 / 3, light], [1 / 3, dark], [2 / 3, dark], [2 / 3, red], [1, red]]
    text_args = {}
    gaps = 1 if n_bits <= INITIAL_WINDOW else 0  # thin gaps vanish into sub-pixel cells
    if n_bits <= TEXT_IN_CELLS:
        text_args = dict(text=rows.astype(str), texttemplate="%{text}", textfont_size=11)
    return go.Heatmap(
        z=z, y=labels, zmin=0, zmax=2, colorscale=colorscale,
        showscale=False, xgap=gaps, ygap=1, customdata=rows,
        hovertemplate="%{y}, bit %{x}: %{customdata}<extra></extra>", **text_args,
    )  # fmt: skip


def _unit_heatmap(
    panel: Panel, unit_order: np.ndarray, unit_labels: list[str], customdata: np.ndarray
) -> go.Heatmap:
    values = np.asarray(panel.values, np.float32).T[unit_order]  # (H, T), display order
    return go.Heatmap(
        z=values, y=unit_labels, coloraxis="coloraxis",
        customdata=customdata,
        hovertemplate=(
            "%{y}, bit position %{x}<br>a_t = %{customdata[0]}, b_t = %{customdata[1]}, "
            "true carry in = %{customdata[2]}<br>" + panel.symbol + " = %{z:.3f}<extra></extra>"
        ),
    )  # fmt: skip


def _initial_range(n_bits: int) -> list[float]:
    """Long additions open on their first INITIAL_WINDOW positions; zoom out to see all."""
    return [-0.5, min(n_bits, INITIAL_WINDOW) - 0.5]


def training_figure(
    steps: Sequence[int],
    losses: Sequence[float],
    checks: Sequence[tuple[int, dict[int, float]]],
    max_points: int = 2000,
) -> go.Figure:
    """Loss per step (log scale) above exact-sum accuracy by operand length at each check."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
        subplot_titles=["Loss", "Exact sums on unseen additions"],
    )  # fmt: skip
    stride = max(1, len(steps) // max_points)
    fig.add_trace(
        go.Scatter(
            x=np.asarray(steps)[::stride], y=np.asarray(losses)[::stride], mode="lines",
            name="loss", line=dict(color="#3a4452", width=1.5), showlegend=False,
        ),
        row=1, col=1,
    )  # fmt: skip
    lengths = sorted({n for _, accuracy in checks for n in accuracy})
    for n_bits in lengths:
        points = [(s, acc[n_bits]) for s, acc in checks if n_bits in acc]
        fig.add_trace(
            go.Scatter(
                x=[s for s, _ in points], y=[a for _, a in points], mode="lines+markers",
                name=f"{n_bits}-bit numbers", marker_size=5,
            ),
            row=2, col=1,
        )  # fmt: skip
    fig.update_yaxes(type="log", tickformat=".1g", row=1, col=1)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_annotations(font_size=13, xanchor="left", x=0)  # the panel titles
    fig.update_layout(
        height=420, margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=-0.25, x=0), plot_bgcolor="white",
    )  # fmt: skip
    return fig
