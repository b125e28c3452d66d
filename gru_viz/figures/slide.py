"""A gates figure laid out anew for a slide: the panels side by side, filling a 16:9 box
instead of stacking to their own height. The page's presentation mode, the deck and static
exports read it; it takes a finished figure and returns another, and computes nothing."""

from __future__ import annotations

import re

import plotly.graph_objects as go

from gru_viz.figures.gates import GATES_META, row_px
from gru_viz.figures.spec import from_spec, plain
from gru_viz.figures.style import axis_px, line_px

_AXIS_KEY = re.compile(r"[xy]axis\d*")
COLOUR_BAR_PX = 100  # px right of the plots in a slide, for the colour bar
LABELS_PX = 150  # px left of the plots in a slide, for the units' names (about)
SLIDE_WIDTH = 1216  # px: the narrowest a slide-shaped figure is drawn (1280 wide, less margins)


def fit_to_aspect(fig: go.Figure, aspect: float = 16 / 9, width: int = SLIDE_WIDTH) -> go.Figure:
    """`fig` (a gates_figure; not changed) laid out anew to fill a box of `aspect` (width /
    height) rather than its own height: the panels side by side, each under its own copy of
    the bit strip, the unit's line under the first and its legend under the second. At `width`
    px (a wider box only adds room) each heatmap row has the height of its label's type where
    that fits, so every unit is named; each title has its line and each bit row its type.
    layout.height is dropped: the figure takes the height of what holds it."""
    spec = plain(fig)
    layout, data = spec["layout"], spec["data"]
    size = layout["font"]["size"]
    panels = [i for i, t in enumerate(data) if t["type"] == "heatmap" and t.get("coloraxis")]
    lines = [t for t in data if t["type"] == "scatter"]
    notes = layout["annotations"]  # the panels' titles, then the line's
    columns = [panels[c::2] for c in range(min(2, len(panels)))]
    per_column = max(len(column) for column in columns)
    gap = line_px(max(note["font"]["size"] for note in notes)) + 6
    strip = 5 * row_px(size)
    axis = axis_px(size)
    plot = width / aspect - layout["margin"]["t"] - axis  # px of the plots at `width`
    room = plot - strip - gap * per_column - (gap if lines else 0)
    track = max(70, round(0.2 * room)) if lines else 0
    heatmap = (room - track) / per_column
    named = heatmap / len(data[panels[0]]["y"]) >= size
    spread = 20 / width if len(columns) > 1 else 0  # half the gap between the columns
    x_domains = [[0, 0.5 - spread], [0.5 + spread, 1]] if spread else [[0, 1]]
    out = {k: v for k, v in layout.items() if not _AXIS_KEY.fullmatch(k)}
    out.pop("height", None)
    out.update(autosize=True, annotations=[], shapes=[])
    out["margin"] = dict(layout["margin"], l=10, r=COLOUR_BAR_PX, b=axis)
    x_title = layout[f"xaxis{len(panels) + 1 + bool(lines)}"]["title"]
    new_data: list[dict] = []
    strip_trace = data[0]
    low, high = layout["xaxis"]["range"]
    cell = (width - LABELS_PX - COLOUR_BAR_PX) / len(columns) / (high - low)
    if cell < 0.9 * size:  # no room in a cell for its digit: the colour says it
        strip_trace = {k: v for k, v in data[0].items() if k not in ("text", "texttemplate")}
    for c, (column, x_domain) in enumerate(zip(columns, x_domains)):
        # (traces, the axes they were on, px, title) from the top of the column down
        parts = [([strip_trace], "", strip, None)]
        parts += [([data[i]], str(i + 1), heatmap, notes[i - 1]) for i in column]
        if c == 0 and lines:
            parts.append((lines, str(len(panels) + 2), track, notes[-1]))
        top = plot
        for row, (traces, was, height, note) in enumerate(parts):
            top -= gap if note else 0
            domain = [(top - height) / plot, top / plot]
            top -= height
            n = sum(key.startswith("xaxis") for key in out) + 1
            suffix = "" if n == 1 else str(n)
            last = row == len(parts) - 1
            x_axis = dict(layout[f"xaxis{was}"], domain=x_domain, anchor=f"y{suffix}")
            x_axis["showticklabels"] = last
            if last:
                x_axis["title"] = x_title
            else:
                x_axis.pop("title", None)
            x_axis.pop("matches", None)
            if n > 1:
                x_axis["matches"] = "x"
            y_axis = dict(layout[f"yaxis{was}"], domain=domain, anchor=f"x{suffix}")
            y_axis["showticklabels"] = c == 0 or traces is lines
            if note and traces is not lines:
                y_axis.pop("dtick", None)
                if named:
                    y_axis["dtick"] = 1
            out[f"xaxis{suffix}"], out[f"yaxis{suffix}"] = x_axis, y_axis
            new_data += [dict(t, xaxis=f"x{suffix}", yaxis=f"y{suffix}") for t in traces]
            if note:
                out["annotations"].append(dict(note, x=x_domain[0], y=domain[1]))
            if row == 1 and c == 0:
                colour_top = domain[1]
            if row == len(column) and c == 0:
                colour_bottom = domain[0]
            if row == len(column):
                legend_top = domain[0] - (axis + 6) / plot
        for shape in layout.get("shapes", ()):  # the cursor, in each column
            first = n - len(parts) + 1
            out["shapes"].append(dict(shape, xref="x" if first == 1 else f"x{first}"))
    out["coloraxis"]["colorbar"] = dict(
        out["coloraxis"]["colorbar"], y=colour_bottom, len=colour_top - colour_bottom
    )
    if lines:
        out["legend"] = dict(layout["legend"], x=x_domains[-1][0], y=legend_top)
    return from_spec({"data": new_data, "layout": out})


def slide_layout(fig: go.Figure, size: tuple[int, int]) -> go.Figure:
    """`fig` for a static image of `size` (width, height): a gates figure laid out to fill it
    (fit_to_aspect) where it is at least 4:3, any other figure as it is."""
    width, height = size
    if fig.layout.meta != GATES_META or width / height < 4 / 3:
        return fig
    return fit_to_aspect(fig, width / height, width)
