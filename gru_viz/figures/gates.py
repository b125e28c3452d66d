"""The gates and states of one addition as heatmaps under its bits, one row per hidden unit.

Bit positions run left to right, least significant bit first, in the same order as the bit
table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from gru_viz.figures.theme import LIGHT, Theme, from_spec, theme_spec

GATE_SCALE = "Viridis"  # z and r, fixed to [0, 1]
STATE_SCALE = "RdBu_r"  # h~ and h, fixed to [-1, 1], white at 0
BIT_COLOURS = (LIGHT.bit_zero, LIGHT.bit_one, "#d62728")  # bit 0, bit 1, a wrong predicted bit
INITIAL_WINDOW = 256  # longer additions open zoomed on their lowest positions
TEXT_IN_CELLS = 64  # bit digits are written into the strip up to this many positions
STRIP_HEIGHT = 100  # pixels for the five rows of bits above the heatmaps
PANEL_GAP = 45  # pixels above each heatmap, for its title
CURSOR_COLOUR = LIGHT.cursor  # the step being looked at
TRACK_HEIGHT = 150  # pixels for the line plot of one unit against the carry
TRACK_COLOURS = ("#1f77b4", "#ff7f0e")  # the unit's state, the true carry
LEGEND_DROP = 50  # pixels from the plot's bottom edge down to the legend, below the axis title


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
        if self.threshold is None:
            return f"Unit {self.unit} and the true carry"
        side = ">" if self.high_for_carry else "<"
        when = f"a carry when h {side} {self.threshold:.2f}"
        return f"Carry unit {self.unit} ({when}) and the true carry"


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
) -> go.Figure:
    """The bits of an addition above one heatmap per panel, all sharing one x axis (bit
    position; the arrays' column 0 is position `first_position`) and one colour scale fixed
    to `value_range`. Units run down the side in `unit_order` (H,), the first at the top;
    those in `carriers` are labelled as carry units. `track`, if given, adds a line plot of
    one unit against the carry at the bottom; `cursor`, a position, is outlined across every
    panel. The view opens on `x_range` (default: the first INITIAL_WINDOW positions). The
    figure is drawn in `theme`.

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
    panel_height = min(560, max(160, 17 * hidden))
    heights = [panel_height] * len(panels)
    titles = [p.title for p in panels]
    if track is not None:
        rows.append(_track_lines(track, theme))
        heights.append(TRACK_HEIGHT)
        titles.append(track.title)
    layout = _stacked_layout(n_bits, titles, heights, x_range)
    for row, traces in enumerate(rows):
        suffix = "" if row == 0 else str(row + 1)
        for trace in traces:
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    if track is not None:
        layout[f"yaxis{len(rows)}"].update(
            autorange=False, range=[-1.1, 1.1], showgrid=True, tickvals=[-1, 0, 1]
        )
        layout["legend"] = dict(orientation="h", x=0, y=-LEGEND_DROP, yanchor="top")
    low, high = value_range
    plot_height = layout.pop("plot_height")
    # The colour bar spans the heatmaps, from the top of the first to the bottom of the last.
    heatmaps = sum(heights[: len(panels)]) + PANEL_GAP * (len(panels) - 1)
    bottom = plot_height - STRIP_HEIGHT - PANEL_GAP - heatmaps
    block = dict(y=bottom / plot_height, len=heatmaps / plot_height)
    bottom_margin = 55
    if "legend" in layout:
        layout["legend"]["y"] /= plot_height
        bottom_margin += 30
    layout.update(
        coloraxis=dict(
            colorscale=get_colorscale(colorscale),
            cmin=low,
            cmax=high,
            colorbar=dict(title=dict(text="value"), thickness=14, yanchor="bottom", **block),
        ),
        title=dict(text=title, x=0, xanchor="left"),
        height=plot_height + (70 if title else 30) + bottom_margin,
        margin=dict(l=70, r=20, t=70 if title else 30, b=bottom_margin),
    )
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


def _stacked_layout(
    n_bits: int,
    titles: Sequence[str],
    panel_heights: Sequence[int],
    x_range: tuple[float, float] | None,
) -> dict:
    """Axes for the bit strip and one panel per title (of the given heights), stacked top to
    bottom in pixels, all matching the first x axis; each panel's title sits just above it.
    The total plot height in pixels is returned as "plot_height"."""
    heights = [STRIP_HEIGHT, *panel_heights]
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
            tickfont=dict(size=11),
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
                    font=dict(size=15),
                )
            )
    x_title = "bit position t (least significant first)"
    layout[f"xaxis{len(titles) + 1}"].update(showticklabels=True, title=dict(text=x_title))
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
        text_args = dict(text=rows.astype(str), texttemplate="%{text}", textfont=dict(size=11))
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
                name="threshold",
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
    fig = gates_figure(
        bits,
        panels,
        unit_order,
        value_range,
        colorscale,
        title=f"{title} for {label}",
        carriers=carriers,
        track=track,
        x_range=x_range or (window and (lo - 0.5, hi - 0.5)),
        first_position=lo,
        cursor=cursor,
        theme=theme,
    )
    # The same numbers keep the same zoom while the model learns; a new x_range resets it.
    fig.update_layout(uirevision=str(hash((trace.a, trace.b, x_range))))
    return fig


SLIDE_WIDTH = 1216  # px: the narrowest a slide-shaped figure is drawn (1280 wide, less margins)


def fit_to_aspect(fig: go.Figure, aspect: float = 16 / 9, width: int = SLIDE_WIDTH) -> go.Figure:
    """`fig` (a gates_figure; changed in place, and returned) laid out to fill a box of
    `aspect` (width / height) instead of its own height: the stacked plots shrink alike while
    each panel title keeps the room its type needs above its panel, for a figure `width` px
    wide (wider boxes only add room). layout.height is dropped, so the figure takes the height
    of what holds it."""
    layout = fig.layout
    rows = sorted(
        (axis for axis in fig.select_yaxes() if axis.domain is not None),
        key=lambda axis: -axis.domain[1],
    )
    plot = width / aspect - layout.margin.t - layout.margin.b  # px of the plots at `width`
    old_plot = layout.height - layout.margin.t - layout.margin.b
    title_px = max([a.font.size or 12 for a in layout.annotations] + [12])
    gap = round(1.5 * title_px) / plot  # each panel's title, in paper units
    # The bit strip keeps a row of its type per bit row; the panels under it share the rest.
    strip_rows = len(fig.data[0].y) if fig.data[0].y is not None else 5
    strip = strip_rows * ((rows[0].tickfont.size or title_px) + 6) / plot
    spans = [axis.domain[1] - axis.domain[0] for axis in rows[1:]]
    scale = (1 - strip - gap * (len(rows) - 1)) / sum(spans)
    tops = {}
    top = 1.0
    for axis, span in zip(rows, [strip / scale, *spans]):
        tops[round(axis.domain[1], 6)] = top
        axis.domain = [max(0.0, top - span * scale), top]
        top -= span * scale + gap
    for note in layout.annotations:
        if note.yref == "paper" and note.y is not None and round(note.y, 6) in tops:
            note.y = tops[round(note.y, 6)]
    used = [axis for axis in rows if _has_heatmap(fig, axis)]  # the colour bar spans these
    if used and layout.coloraxis.colorbar.len is not None:
        low, high = used[-1].domain[0], used[0].domain[1]
        layout.coloraxis.colorbar.update(y=low, len=high - low)
    if layout.legend.y is not None and layout.legend.y < 0:
        layout.legend.y = layout.legend.y * old_plot / plot
    fig.update_layout(height=None, autosize=True)
    return fig


def _has_heatmap(fig: go.Figure, axis) -> bool:
    """True if a heatmap on the colour axis (not the bit strip) is drawn on `axis`."""
    name = axis.plotly_name.replace("axis", "")  # "yaxis3" -> "y3"
    return any(t.type == "heatmap" and t.coloraxis and (t.yaxis or "y") == name for t in fig.data)
