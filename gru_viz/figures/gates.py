"""The gates and states of one addition as heatmaps under its bits, one row per hidden unit.

Bit positions run left to right, least significant bit first, in the same order as the bit
table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

GATE_SCALE = "Viridis"  # z and r, fixed to [0, 1]
STATE_SCALE = "RdBu_r"  # h~ and h, fixed to [-1, 1], white at 0
BIT_COLOURS = ("#eef0f3", "#3a4452", "#d62728")  # bit 0, bit 1, a wrong predicted bit
INITIAL_WINDOW = 256  # longer additions open zoomed on their lowest positions
TEXT_IN_CELLS = 64  # bit digits are written into the strip up to this many positions
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
            colorscale=colorscale,
            cmin=low,
            cmax=high,
            colorbar=dict(
                title="value",
                thickness=14,
                y=0,
                yanchor="bottom",
                len=1 - (STRIP_HEIGHT + PANEL_GAP) / plot_height,
            ),
        ),
        title=dict(text=title, x=0, xanchor="left"),
        height=plot_height + (70 if title else 30) + 55,
        margin=dict(l=70, r=20, t=70 if title else 30, b=55),
        plot_bgcolor="white",
    )
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
            anchor=f"y{suffix}",
            matches=None if row == 0 else "x",
            showticklabels=False,
            range=_initial_range(n_bits),
            showgrid=False,
            zeroline=False,
        )
        layout[f"yaxis{suffix}"] = dict(
            anchor=f"x{suffix}",
            domain=domain,
            autorange="reversed",
            fixedrange=True,
            tickfont_size=11,
            showgrid=False,
        )
        if row > 0:
            layout["annotations"].append(
                dict(
                    text=titles[row - 1],
                    x=0,
                    y=domain[1],
                    xref="paper",
                    yref="paper",
                    xanchor="left",
                    yanchor="bottom",
                    showarrow=False,
                    font_size=15,
                )
            )
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
        z=z,
        y=labels,
        zmin=0,
        zmax=2,
        colorscale=colorscale,
        showscale=False,
        xgap=gaps,
        ygap=1,
        customdata=rows,
        hovertemplate="%{y}, bit %{x}: %{customdata}<extra></extra>",
        **text_args,
    )


def _unit_heatmap(
    panel: Panel, unit_order: np.ndarray, unit_labels: list[str], customdata: np.ndarray
) -> go.Heatmap:
    values = np.asarray(panel.values, np.float32).T[unit_order]  # (H, T), display order
    return go.Heatmap(
        z=values,
        y=unit_labels,
        coloraxis="coloraxis",
        customdata=customdata,
        hovertemplate=(
            "%{y}, bit position %{x}<br>a_t = %{customdata[0]}, b_t = %{customdata[1]}, "
            "true carry in = %{customdata[2]}<br>" + panel.symbol + " = %{z:.3f}<extra></extra>"
        ),
    )


def _initial_range(n_bits: int) -> list[float]:
    """Long additions open on their first INITIAL_WINDOW positions; zoom out to see all."""
    return [-0.5, min(n_bits, INITIAL_WINDOW) - 0.5]


# What each view of the inside of the GRU draws: panels (title, symbol, Trace field), the
# value range and the colour scale.
VIEWS = {
    "gates": (
        (("Update gate z", "z", "z"), ("Reset gate r", "r", "r")),
        (0.0, 1.0),
        GATE_SCALE,
    ),
    "states": (
        (("Candidate state h~", "h~", "h_tilde"), ("Hidden state h", "h", "h")),
        (-1.0, 1.0),
        STATE_SCALE,
    ),
}


def trace_figure(trace, view: str, unit_order: np.ndarray, label: str) -> go.Figure:
    """gates_figure for one addition (a gru_viz.interface.Trace) in `view` ("gates": z and r;
    "states": h~ and h), titled with `label`, e.g. "1024 + 16"."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {view!r}")
    specs, value_range, colorscale = VIEWS[view]
    panels = [Panel(title, symbol, getattr(trace, field)) for title, symbol, field in specs]
    bits = BitRows(trace.bits_a, trace.bits_b, trace.carry, trace.bits_true, trace.bits_pred)
    title = " and ".join(
        p.title if i == 0 else p.title[0].lower() + p.title[1:] for i, p in enumerate(panels)
    )
    fig = gates_figure(
        bits, panels, unit_order, value_range, colorscale, title=f"{title} for {label}"
    )
    # The same numbers keep the same zoom while the model learns.
    fig.update_layout(uirevision=str(hash((trace.a, trace.b))))
    return fig
