"""The gates and states of one addition as heatmaps under its bits, one row per hidden unit.

Bit positions run left to right, least significant bit first, in the same order as the bit
table.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from gru_viz.figures.spec import from_spec
from gru_viz.figures.style import MODEBAR_PX, axis_px, legend_below, legend_px, line_px
from gru_viz.figures.theme import LIGHT, Theme, scaled, theme_spec

# The longest title (panels and numbers) on one line: the page's figure is about 560 px wide at
# 1280 px, where 16 px type holds some 64 characters; a longer one breaks before "for"
TITLE_CHARS = 56
GATE_SCALE = "Viridis"  # z and r, fixed to [0, 1]
STATE_SCALE = "RdBu_r"  # h~ and h, fixed to [-1, 1], white at 0
BIT_COLOURS = (LIGHT.bit_zero, LIGHT.bit_one, "#d62728")  # bit 0, bit 1, a wrong predicted bit
INITIAL_WINDOW = 256  # longer additions open zoomed on their lowest positions
TEXT_IN_CELLS = 64  # bit digits are written into the strip up to this many positions
GATES_META = "gru-viz gates"  # layout.meta of a gates figure, what slides know it by
CURSOR_COLOUR = LIGHT.cursor  # the step being looked at
TRACK_HEIGHT = 150  # pixels for the line plot of one unit against the carry
TRACK_COLOURS = ("#1f77b4", "#ff7f0e")  # the unit's state, the true carry
PANEL_TITLE_SIZE = 15  # px at the base type size: each plot's title
MIN_ROW_PX = 17  # the least height of a row of the heatmaps and of the bit strip


def row_px(font_size: float) -> int:
    """Pixels for one row (a hidden unit, a bit row) whose label is in type of `font_size`; a
    bit strip's digit in a row that tall is drawn at 16 px or more from 18 px type on (Plotly
    fits a heatmap's text to its cell: a 1.3-line height and a pixel's gap)."""
    return max(MIN_ROW_PX, math.ceil(1.25 * font_size))


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


@dataclass(frozen=True)
class Track:
    """One unit's state h_t (T,) drawn against the true carry out of each bit (T,); the unit
    reads as a carry above `threshold` if `high_for_carry`, else below it."""

    unit: int
    values: np.ndarray
    carry_out: np.ndarray
    threshold: float | None = None
    high_for_carry: bool = True

    @property
    def title(self) -> str:
        carry = "Unit" if self.threshold is None else "Carry unit"
        return f"{carry} {self.unit} and the true carry"

    @property
    def rule(self) -> str:
        """The threshold's legend entry: when the unit reads as a carry."""
        side = ">" if self.high_for_carry else "<"
        return f"threshold: a carry when h {side} {self.threshold:.2f}"


def gates_figure(
    bits: BitRows,
    panels: Sequence[Panel],
    unit_order: np.ndarray,
    value_range: tuple[float, float] = (0.0, 1.0),
    colorscale: str = GATE_SCALE,
    title: str = "",
    carriers: Sequence[int] = (),
    track: Track | None = None,
    x_range: tuple[float, float] | None = None,
    first_position: int = 0,
    cursor: int | None = None,
    theme: Theme = LIGHT,
    uirevision: str | None = None,
) -> go.Figure:
    """The bits of an addition above one heatmap per panel, all sharing one x axis (bit
    position; the arrays' column 0 is position `first_position`) and one colour scale fixed
    to `value_range`. Units run down the side in `unit_order` (H,), the first at the top;
    those in `carriers` are labelled as carry units. `track`, if given, adds a line plot of
    one unit against the carry at the bottom; `cursor`, a position, is outlined across every
    panel. The view opens on `x_range` (default: the first INITIAL_WINDOW positions). The
    figure is drawn in `theme`; `uirevision`, if given, keeps the reader's zoom while it is the
    same.

    Built as plain dicts and made a figure once, unvalidated: it is redrawn on every edit, and
    Plotly's validation of each property cost several times the rest of the page's work
    (tests/test_figures.py validates what this builds)."""
    n_bits, hidden = panels[0].values.shape
    for panel in panels:
        if panel.values.shape != (n_bits, hidden):
            raise ValueError(
                f"panel {panel.title!r} has shape {panel.values.shape}; expected {(n_bits, hidden)}"
            )
    unit_labels = [f"unit {u} · carry" if u in carriers else f"unit {u}" for u in unit_order]
    # a_t, b_t and the carry into t for every cell, for the hover: int8 (H, T, 3)
    per_bit = np.stack([bits.bits_a, bits.bits_b, bits.carry], axis=-1).astype(np.int8)
    customdata = np.broadcast_to(per_bit, (hidden, n_bits, 3))
    rows = [[_bit_strip(bits, theme)]] + [
        [_unit_heatmap(panel, unit_order, unit_labels, customdata)] for panel in panels
    ]
    size = theme.font_size
    unit_px = row_px(size)
    panel_height = min(560, max(160, unit_px * hidden))
    heights = [panel_height] * len(panels)
    titles = [p.title for p in panels]
    if track is not None:
        rows.append(_track_lines(track, theme))
        heights.append(TRACK_HEIGHT)
        titles.append(track.title)
    gap = line_px(scaled(PANEL_TITLE_SIZE, theme)) + 6  # above each plot, for its title
    strip = 5 * unit_px
    layout = _stacked_layout(n_bits, titles, heights, x_range, strip, gap)
    for row, traces in enumerate(rows):
        suffix = "" if row == 0 else str(row + 1)
        for trace in traces:
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    if panel_height / hidden >= size:  # every unit named, where a row has room for its name
        for row in range(2, len(panels) + 2):
            layout[f"yaxis{row}"]["dtick"] = 1
    plot_height = layout.pop("plot_height")
    axis = axis_px(size)
    bottom_margin = axis
    if track is not None:
        layout[f"yaxis{len(rows)}"].update(
            autorange=False, range=[-1.1, 1.1], showgrid=True, tickvals=[-1, 0, 1]
        )
        layout["legend"] = legend_below(plot_height, axis + 6)
        bottom_margin += legend_px(len(rows[-1]), size)
    low, high = value_range
    # The colour bar spans the heatmaps, from the top of the first to the bottom of the last.
    heatmaps = sum(heights[: len(panels)]) + gap * (len(panels) - 1)
    bottom = plot_height - strip - gap - heatmaps
    block = dict(y=bottom / plot_height, len=heatmaps / plot_height)
    title_lines = title.count("<br>") + 1 if title else 0
    top_margin = MODEBAR_PX + title_lines * line_px(scaled(16, theme)) + (6 if title else 0)
    layout.update(
        meta=GATES_META,  # what slide_layout knows a gates figure by
        coloraxis=dict(
            colorscale=named_colorscale(colorscale),
            cmin=low,
            cmax=high,
            colorbar=dict(
                title=dict(text="value", side="right"), thickness=14, yanchor="bottom", **block
            ),
        ),
        title=dict(
            text=title,
            x=0,
            xanchor="left",
            y=1 - MODEBAR_PX / (plot_height + top_margin + bottom_margin),
            yanchor="top",
            font=dict(size=16),
        ),
        height=plot_height + top_margin + bottom_margin,
        margin=dict(l=70, r=20, t=top_margin, b=bottom_margin),
    )
    if uirevision is not None:
        layout["uirevision"] = uirevision
    data = [trace for traces in rows for trace in traces]
    if first_position:
        for trace in data:
            if trace["type"] == "heatmap":
                trace["x0"] = first_position
            else:
                trace["x"] = np.asarray(trace["x"]) + first_position
    if cursor is not None:
        layout["shapes"] = [
            dict(
                type="rect",
                x0=cursor - 0.5,
                x1=cursor + 0.5,
                y0=0,
                y1=1,
                xref="x",
                yref="paper",
                line=dict(color=theme.cursor, width=2.5),
            )
        ]
    return from_spec(theme_spec({"data": data, "layout": layout}, theme))


@functools.cache
def named_colorscale(name: str) -> tuple:
    """Plotly's colour scale of that name as (position, colour) pairs; read once (Plotly lists
    its scales anew on every call, a third of a millisecond)."""
    return tuple(tuple(stop) for stop in get_colorscale(name))


def _stacked_layout(
    n_bits: int,
    titles: Sequence[str],
    panel_heights: Sequence[int],
    x_range: tuple[float, float] | None,
    strip_height: int,
    gap: int,
) -> dict:
    """Axes for the bit strip (`strip_height` px) and one panel per title (of the given
    heights), stacked top to bottom in pixels, `gap` px above each panel for its title, all
    matching the first x axis. The total plot height in pixels is returned as "plot_height"."""
    heights = [strip_height, *panel_heights]
    gaps = [0] + [gap] * len(titles)
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
            showticklabels=False,
            range=list(x_range) if x_range else _initial_range(n_bits),
            showgrid=False,
            zeroline=False,
        )
        if row > 0:
            layout[f"xaxis{suffix}"]["matches"] = "x"
        layout[f"yaxis{suffix}"] = dict(
            anchor=f"x{suffix}",
            domain=domain,
            autorange="reversed",
            fixedrange=True,
            automargin=True,
            showgrid=False,
        )
        if row == 0:  # the five bit rows, each named: a row is as tall as its name's type
            layout["yaxis"]["dtick"] = 1
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
                    font=dict(size=PANEL_TITLE_SIZE),
                )
            )
    x_title = "bit position t (least significant first)"
    layout[f"xaxis{len(titles) + 1}"].update(
        showticklabels=True, title=dict(text=x_title, standoff=6)
    )
    return layout


def bit_colorscale(theme: Theme = LIGHT) -> list:
    """The bit strip's colours: 0, 1 and a wrong predicted bit (z = 0, 1, 2)."""
    light, dark, red = theme.bit_zero, theme.bit_one, theme.highlight
    return [[0, light], [1 / 3, light], [1 / 3, dark], [2 / 3, dark], [2 / 3, red], [1, red]]


def _bit_strip(bits: BitRows, theme: Theme = LIGHT) -> dict:
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
    text_args = {}
    gaps = 1 if n_bits <= INITIAL_WINDOW else 0  # thin gaps vanish into sub-pixel cells
    if n_bits <= TEXT_IN_CELLS:
        text_args = dict(text=rows.astype(str), texttemplate="%{text}")
    return dict(
        type="heatmap",
        z=z,
        y=labels,
        zmin=0,
        zmax=2,
        colorscale=bit_colorscale(theme),
        showscale=False,
        xgap=gaps,
        ygap=1,
        customdata=rows,
        hovertemplate="%{y}, bit %{x}: %{customdata}<extra></extra>",
        **text_args,
    )


def _unit_heatmap(
    panel: Panel, unit_order: np.ndarray, unit_labels: list[str], customdata: np.ndarray
) -> dict:
    values = np.asarray(panel.values, np.float32).T[unit_order]  # (H, T), display order
    return dict(
        type="heatmap",
        z=values,
        y=unit_labels,
        coloraxis="coloraxis",
        customdata=customdata,
        hovertemplate=(
            "%{y}, bit position %{x}<br>a_t = %{customdata[0]}, b_t = %{customdata[1]}, "
            "true carry in = %{customdata[2]}<br>" + panel.symbol + " = %{z:.3f}<extra></extra>"
        ),
    )


def _track_lines(track: Track, theme: Theme = LIGHT) -> list[dict]:
    """The unit's state h_t and the carry out of bit t, as lines over bit positions."""
    x = np.arange(len(track.values))
    state = dict(
        type="scatter",
        x=x,
        y=np.asarray(track.values, np.float32),
        mode="lines",
        name=f"unit {track.unit}: h_t",
        line=dict(color=TRACK_COLOURS[0], width=2),
        hovertemplate="bit %{x}: h = %{y:.3f}<extra></extra>",
    )
    carry = dict(
        type="scatter",
        x=x,
        y=np.asarray(track.carry_out, np.int8),
        mode="lines",
        name="true carry out of bit t",
        line=dict(color=TRACK_COLOURS[1], width=1.5, dash="dot", shape="hv"),
        hovertemplate="bit %{x}: carry out = %{y}<extra></extra>",
    )
    lines = [state, carry]
    if track.threshold is not None:
        lines.append(
            dict(
                type="scatter",
                x=[x[0], x[-1]],
                y=[track.threshold] * 2,
                mode="lines",
                name=track.rule,
                line=dict(color=theme.muted, width=1, dash="dash"),
                hoverinfo="skip",
            )
        )
    return lines


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


def trace_figure(
    trace,
    view: str,
    unit_order: np.ndarray,
    label: str,
    carriers: Sequence[int] = (),
    track_unit: int | None = None,
    x_range: tuple[float, float] | None = None,
    track_threshold: float | None = None,
    track_high_for_carry: bool = True,
    window: tuple[int, int] | None = None,
    cursor: int | None = None,
    theme: Theme = LIGHT,
) -> go.Figure:
    """gates_figure for one addition (a gru_viz.addition.Trace) in `view` ("gates": z and r;
    "states": h~ and h), titled with `label`, e.g. "1024 + 16", with `carriers` labelled and,
    if track_unit is given, that unit's state against the true carry underneath."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {view!r}")
    specs, value_range, colorscale = VIEWS[view]
    lo, hi = window or (0, trace.n_bits)  # only positions lo .. hi - 1 are drawn
    cut = slice(lo, hi)
    panels = [Panel(title, symbol, getattr(trace, field)[cut]) for title, symbol, field in specs]
    bits = BitRows(
        trace.bits_a[cut],
        trace.bits_b[cut],
        trace.carry[cut],
        trace.bits_true[cut],
        trace.bits_pred[cut],
    )
    title = " and ".join(
        p.title if i == 0 else p.title[0].lower() + p.title[1:] for i, p in enumerate(panels)
    )
    track = None
    if track_unit is not None:
        carry_out = np.append(trace.carry[1:], 0)[cut]  # the carry out of bit t
        values = trace.h[cut, track_unit]
        track = Track(track_unit, values, carry_out, track_threshold, track_high_for_carry)
    return gates_figure(
        bits,
        panels,
        unit_order,
        value_range,
        colorscale,
        title=f"{title} for {label}"
        if len(title + label) < TITLE_CHARS
        else f"{title}<br>for {label}",
        carriers=carriers,
        track=track,
        x_range=x_range or (window and (lo - 0.5, hi - 0.5)),
        first_position=lo,
        cursor=cursor,
        theme=theme,
        # the same numbers keep the same zoom while the model learns; a new x_range resets it
        uirevision=str(hash((trace.a, trace.b, x_range))),
    )
