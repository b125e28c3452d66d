"""The page's wording and choices, as plain functions: streamlit_app.py lays them out.

Everything here takes plain values (numbers, a Trace, a JobStatus) and returns text, numbers or
a figure, so pytest reaches every branch without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz import analysis, figures
from gru_viz import bits as bitlib
from gru_viz.app.jobs import JobStatus
from gru_viz.app.slots import TrainingSlots
from gru_viz.app.workspace import SharedModel
from gru_viz.config import TUNABLE, TrainConfig, Tunable
from gru_viz.inputs import int_to_digits
from gru_viz.interface import AdditionModel, Trace

DEFAULT_A, DEFAULT_B = "1024", "16"  # the article's example
SHIPPED_CHOICE, OWN_CHOICE = "Shipped model", "This session's model"
VIEW_CHOICES = {"Gates z and r": "gates", "States h~ and h": "states"}  # label -> figure view
TABLE_WIDTH = 128  # bit table columns shown at once
SHORT_NUMBER = 30  # digits; longer numbers are shown in a wrapped block, not as a metric
USUAL_READING_BITS = 256  # the usual reading is written out as text up to this length
IMAGE_FORMATS = {"png": "PNG (4x)", "svg": "SVG"}


# TRAINING


def training_config(preset: str, fields: dict[str, int | float]) -> TrainConfig:
    """The TrainConfig the panel asks for: `preset` with its tunable fields; ValueError names
    a bad field. It is exactly what `python -m gru_viz train` makes from the same settings."""
    return TrainConfig(preset=preset, **{t.name: fields[t.name] for t in TUNABLE})


def number_input_args(field: Tunable) -> dict:
    """st.number_input's arguments for a tunable training field, beyond its label and key."""
    args = {
        "min_value": field.kind(field.low),
        "max_value": field.kind(field.high),
        "help": field.help[0].upper() + field.help[1:] + ".",
    }
    if field.kind is float:
        args.update(format="%g", step=1e-3)
    return args


def waiting_text(status: JobStatus, slots: TrainingSlots) -> str:
    """What a training waiting for a slot is told, or "" if it is not waiting."""
    if not status.waiting:
        return ""
    return (
        f"Waiting for a free training slot: {slots.running} of {slots.limit} trainings are "
        f"running on this server. Yours starts by itself (number {status.place_in_line} in line)."
    )


def pause_button(status: JobStatus | None) -> tuple[str, str]:
    """Label and icon of the pause button: Resume for a paused training, else Pause."""
    if status is not None and status.paused:
        return "Resume", ":material/play_circle:"
    return "Pause", ":material/pause:"


def fallback_message(shared: SharedModel) -> str:
    """Why the page shows a model trained on the server instead of the shipped one, or ""."""
    status = shared.fallback_status()
    if status is None:
        return ""
    doing = (
        "is being trained on this server instead; until it is done the results follow it as it "
        "learns"
        if status.live
        else "was trained on this server in its place"
    )
    return f"The pretrained model could not be loaded: {shared.error}. A default model {doing}."


def refresh_seconds(n_bits: int) -> float:
    """How often the page redraws the results while a model trains: twice a second, less
    often for additions so long that drawing them takes a while."""
    if n_bits <= 2048:
        return 0.5
    return 1.0 if n_bits <= 8192 else 2.0


def results_refresh(a: int | None, b: int | None, live: bool) -> float | None:
    """Seconds between redraws of the results for these numbers, None when nothing is live."""
    if not live:
        return None
    return refresh_seconds(bitlib.default_n_bits(a or 0, b or 0))


# THE SUM


@dataclass(frozen=True)
class Sums:
    """The predicted and the true sum as decimal text, and whether they fit in a metric."""

    predicted: str
    true: str

    @property
    def short(self) -> bool:
        return max(len(self.predicted), len(self.true)) <= SHORT_NUMBER


def sums(trace: Trace) -> Sums:
    return Sums(int_to_digits(trace.predicted_sum), int_to_digits(trace.true_sum))


def verdict(trace: Trace) -> str:
    """Right or wrong, in one sentence."""
    if trace.correct:
        return f"Right: all {trace.n_bits:,} sum bits are correct."
    wrong = trace.bits_pred != trace.bits_true
    return (
        f"Wrong: {int(wrong.sum()):,} of {trace.n_bits:,} sum bits differ, the first at position "
        f"{int(wrong.argmax()):,}. They are marked in red below."
    )


# THE BITS AND THE GATES


def table_start_needed(n_bits: int) -> bool:
    """True if the bit table is too wide to show whole, so the page offers a start slider."""
    return n_bits > TABLE_WIDTH


def usual_reading_text(trace: Trace) -> str:
    """a, b and both sums written the usual way round, aligned; "" when too long to show."""
    if trace.n_bits > USUAL_READING_BITS:
        return ""
    usual = analysis.usual_reading(trace)
    width = max(len(label) for label in usual)
    return "\n".join(f"{label:>{width}}  {bits}" for label, bits in usual.items())


def unit_order(carry_order: np.ndarray, hidden_size: int, by_carry: bool) -> np.ndarray:
    """The order of the heatmaps' rows: carry units first, or 0 .. H-1."""
    return carry_order if by_carry else np.arange(hidden_size)


def trace(model: AdditionModel, a: int, b: int) -> Trace:
    """model.trace(a, b): the compute function the page caches per model."""
    return model.trace(a, b)


def carry_order(model: AdditionModel) -> np.ndarray:
    """The model's units, those that follow the carry most closely first (H,): cached per model."""
    return analysis.unit_order(analysis.probe_carry_scores(model))


def inside_figure(trace: Trace, view_choice: str, order: np.ndarray):
    """The heatmaps of the view the page's control names."""
    return figures.trace_figure(
        trace, VIEW_CHOICES[view_choice], order, analysis.addition_label(trace)
    )


def figure_file_name(view_choice: str, trace: Trace) -> str:
    """The camera button's file name: the view and, for short numbers, the addition."""
    name = VIEW_CHOICES[view_choice]
    if max(trace.a, trace.b).bit_length() <= 64:
        return f"gru-viz-{name}-{trace.a}-plus-{trace.b}"
    return f"gru-viz-{name}"


def zoom_note(n_bits: int) -> str:
    """How to see every position of a long addition, or "" when it fits."""
    if n_bits <= figures.INITIAL_WINDOW:
        return ""
    return (
        f"{n_bits:,} positions: the view opens on positions 0 to {figures.INITIAL_WINDOW - 1}. "
        "Drag across the plot to zoom; double-click (twice after zooming) to see every "
        "position. Nothing is averaged: there is one cell per bit and unit at any zoom."
    )
