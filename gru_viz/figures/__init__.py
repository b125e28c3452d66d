"""Plotly figures (and the bit table's HTML). Functions take arrays and labels and return a
`plotly.graph_objects.Figure` or a string; they never show it and never call Streamlit.

One module per kind of figure: gates (heatmaps of one addition), slide (a gates figure laid out
for a 16:9 slide), bit_table (the bit table), training (loss and accuracy), length (how far a
model adds, which units it needs), machine (the extracted automaton as DOT), state_space (the
hidden states in 2-D), saturation (how the gates are used), animation (a figure that plays,
frame by frame), style (what they share), spec (figures made of dicts, `from_spec`, whose Plotly
objects are built only when something asks for them), theme (light and dark: `themed(fig, theme)`,
`table_css(theme)`, `dot_colours(theme)`; the machine's type: `dot_points(theme)`).
"""

from gru_viz.figures.animation import MAX_FRAMES, step_animation
from gru_viz.figures.bit_table import BLOCK as BIT_TABLE_BLOCK
from gru_viz.figures.bit_table import bit_table_html
from gru_viz.figures.gates import (
    GATE_SCALE,
    INITIAL_WINDOW,
    STATE_SCALE,
    VIEWS,
    BitRows,
    Panel,
    bit_colorscale,
    gates_figure,
    trace_figure,
)
from gru_viz.figures.length import NamedCurve, ablation_figure, length_figure
from gru_viz.figures.machine import to_dot as machine_dot
from gru_viz.figures.saturation import saturation_figure
from gru_viz.figures.slide import SLIDE_WIDTH, fit_to_aspect, slide_layout
from gru_viz.figures.state_space import state_map_figure
from gru_viz.figures.style import IMAGE_SCALE, MAX_VECTOR_CELLS, SLIDE_SIZE, plot_config
from gru_viz.figures.theme import (
    DARK,
    LIGHT,
    THEMES,
    Theme,
    dot_colours,
    dot_points,
    get_theme,
    table_css,
    themed,
)
from gru_viz.figures.training import training_figure

__all__ = [
    "DARK",
    "LIGHT",
    "MAX_FRAMES",
    "MAX_VECTOR_CELLS",
    "SLIDE_SIZE",
    "SLIDE_WIDTH",
    "THEMES",
    "Theme",
    "dot_colours",
    "dot_points",
    "get_theme",
    "table_css",
    "themed",
    "GATE_SCALE",
    "IMAGE_SCALE",
    "INITIAL_WINDOW",
    "STATE_SCALE",
    "VIEWS",
    "BitRows",
    "NamedCurve",
    "Panel",
    "ablation_figure",
    "bit_colorscale",
    "BIT_TABLE_BLOCK",
    "bit_table_html",
    "fit_to_aspect",
    "slide_layout",
    "gates_figure",
    "length_figure",
    "machine_dot",
    "plot_config",
    "saturation_figure",
    "state_map_figure",
    "step_animation",
    "trace_figure",
    "training_figure",
]
