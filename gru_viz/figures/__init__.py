"""Plotly figures (and the bit table's HTML). Functions take arrays and labels and return a
`plotly.graph_objects.Figure` or a string; they never show it and never call Streamlit.

One module per kind of figure: gates (heatmaps of one addition), table (the bit table),
training (loss and accuracy), length (how far a model adds, which units it needs), machine
(the extracted automaton as DOT), style (what they share).
"""

from gru_viz.figures.gates import (
    GATE_SCALE,
    INITIAL_WINDOW,
    STATE_SCALE,
    VIEWS,
    BitRows,
    Panel,
    gates_figure,
    trace_figure,
)
from gru_viz.figures.length import NamedCurve, ablation_figure, length_figure
from gru_viz.figures.machine import to_dot as machine_dot
from gru_viz.figures.style import IMAGE_SCALE, plot_config
from gru_viz.figures.table import bit_table_html
from gru_viz.figures.training import training_figure

__all__ = [
    "GATE_SCALE",
    "IMAGE_SCALE",
    "INITIAL_WINDOW",
    "STATE_SCALE",
    "VIEWS",
    "BitRows",
    "NamedCurve",
    "Panel",
    "ablation_figure",
    "bit_table_html",
    "gates_figure",
    "length_figure",
    "machine_dot",
    "plot_config",
    "trace_figure",
    "training_figure",
]
