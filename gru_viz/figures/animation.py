"""A figure that plays: Plotly frames, a play/pause button and a slider over a figure that
already holds a cursor (the step-through's gates figure), one frame per position."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from gru_viz.figures.theme import LIGHT, Theme

MAX_FRAMES = 128  # frames in one animation: an animated step-through plays bits 0 to 127 at most
FRAME_MS = 600  # between frames while playing: slow enough to follow the carry
CONTROLS_HEIGHT = 110  # pixels under the figure for the play button and the slider
SLIDER_LABELS = 16  # at most this many positions are written under the slider


def step_animation(
    fig: go.Figure,
    positions: Sequence[int],
    captions: Sequence[str],
    marker_values: Sequence[float] | None = None,
    note: str = "",
    theme: Theme = LIGHT,
    frame_ms: int = FRAME_MS,
) -> go.Figure:
    """`fig` (changed in place, and returned) made to play over `positions` (bit positions,
    one frame each): its first shape, the cursor, moves to each position; its title gets each
    frame's caption (`captions`, one line of HTML each) as a second line; with
    `marker_values`, a dot rides the figure's first line plot (x = position, y = the value).
    `note`, if given, is written under the controls in every frame."""
    if not positions or len(captions) != len(positions):
        raise ValueError(f"need one caption per position; got {len(captions)} for {len(positions)}")
    if marker_values is not None and len(marker_values) != len(positions):
        raise ValueError("need one marker value per position")
    title = fig.layout.title.text or ""
    cursor = fig.layout.shapes[0].to_plotly_json() if fig.layout.shapes else None
    line = next((i for i, t in enumerate(fig.data) if t.type == "scatter"), None)
    moving: list[int] = []
    if marker_values is not None and line is not None:
        axes = dict(xaxis=fig.data[line].xaxis, yaxis=fig.data[line].yaxis)
        fig.add_trace(_marker(positions[0], marker_values[0], theme, **axes))
        moving = [len(fig.data) - 1]
    controls_y = _make_room(fig, note, theme)
    base_notes = [a.to_plotly_json() for a in fig.layout.annotations]
    frames = []
    for i, (t, caption) in enumerate(zip(positions, captions)):
        layout: dict = {"title": {"text": f"{title}<br>{caption}"}, "annotations": base_notes}
        if cursor is not None:
            layout["shapes"] = [{**cursor, "x0": t - 0.5, "x1": t + 0.5}]
        data = [_marker(t, marker_values[i], theme)] if moving else []
        frames.append(go.Frame(name=str(t), data=data, traces=moving, layout=layout))
    fig.frames = frames
    fig.update_layout(frames[0].layout)
    fig.update_layout(
        updatemenus=[_buttons(frame_ms, controls_y)],
        sliders=[_slider(positions, controls_y, theme)],
    )
    return fig


def _marker(t: int, value: float, theme: Theme, **axes) -> go.Scatter:
    return go.Scatter(
        x=[t],
        y=[value],
        mode="markers",
        marker=dict(size=13, color=theme.cursor, line=dict(color=theme.background, width=2)),
        name="this step",
        showlegend=False,
        hoverinfo="skip",
        **axes,
    )


def _make_room(fig: go.Figure, note: str, theme: Theme) -> float:
    """Room for a second title line above and the controls (and `note`) below the plots,
    keeping the plots' own height; the paper y where the controls go."""
    layout = fig.layout
    font = theme.font_size
    top, bottom = layout.margin.t or 30, layout.margin.b or 30
    extra_top = round(1.6 * font)
    extra_bottom = CONTROLS_HEIGHT + (round(1.8 * font) if note else 0)
    fig.update_layout(
        height=(layout.height or 600) + extra_top + extra_bottom,
        margin=dict(t=top + extra_top, b=bottom + extra_bottom),
    )
    if note:
        fig.add_annotation(
            text=note,
            x=0,
            y=-_paper(fig, bottom + CONTROLS_HEIGHT),
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            showarrow=False,
            font=dict(color=theme.muted, size=font),
        )
    return -_paper(fig, bottom)


def _paper(fig: go.Figure, pixels: float) -> float:
    """`pixels` as a fraction of the plot area's height (paper coordinates)."""
    layout = fig.layout
    return pixels / (layout.height - layout.margin.t - layout.margin.b)


def _buttons(frame_ms: int, y: float) -> dict:
    still = {"duration": 0}  # no tweening: heatmaps vanish while Plotly tweens a frame
    play = {"frame": {"duration": frame_ms, "redraw": True}, "fromcurrent": True}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    return dict(
        type="buttons",
        direction="left",
        x=0,
        xanchor="left",
        y=y,
        yanchor="top",
        pad=dict(t=30, r=10),
        showactive=False,
        buttons=[
            dict(label="▶ Play", method="animate", args=[None, {**play, "transition": still}]),
            dict(label="❚❚ Pause", method="animate", args=[[None], {**pause, "transition": still}]),
        ],
    )


def _slider(positions: Sequence[int], y: float, theme: Theme) -> dict:
    every = max(1, -(-len(positions) // SLIDER_LABELS))
    go_to = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": True},
        "transition": {"duration": 0},
    }
    return dict(
        active=0,
        x=0.2,
        len=0.8,
        xanchor="left",
        y=y,
        yanchor="top",
        pad=dict(t=20),
        currentvalue=dict(visible=False),
        font=dict(color=theme.text),
        bgcolor=theme.grid,
        bordercolor=theme.muted,
        activebgcolor=theme.cursor,
        tickcolor=theme.muted,
        steps=[
            dict(
                label=str(t) if i % every == 0 else "",
                method="animate",
                args=[[str(t)], go_to],
            )
            for i, t in enumerate(positions)
        ],
    )
