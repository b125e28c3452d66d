"""Step by step: one addition one bit at a time, with the real numbers of the equations at that
step; as a file, the step-through plays (view "steps": the cursor and the carry unit's state
move one bit per frame with each step's arithmetic above)."""

from __future__ import annotations

import plotly.graph_objects as go

from gru_viz import figures, steps
from gru_viz.addition import AdditionModel, Trace
from gru_viz.analyses import CARRY_UNITS, TRACE, Analyses, Compute
from gru_viz.carry import CarryUnits
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views import gates
from gru_viz.views.view import ANIMATION, View

STEP_WINDOW = 12  # positions drawn on each side of the step being looked at
STEP_UNITS = 4  # units shown in the step's table: the best carry readers
STEP_TABLE_WINDOW = 3  # bit table columns on each side of the step: 7 fit a narrow column


def step_window(t: int, n_bits: int, side: int = STEP_WINDOW) -> tuple[int, int]:
    """Positions [lo, hi) drawn around step t: `side` on each side, kept inside."""
    width = min(n_bits, 2 * side + 1)
    lo = min(max(0, t - side), n_bits - width)
    return lo, lo + width


def step_rows(s: steps.Step) -> dict[str, list]:
    """The step's table: one row per unit shown, with the numbers of the equations."""
    return {
        "unit": [f"unit {u}" for u in s.units],
        "h(t-1)": [f"{v:+.3f}" for v in s.h_prev],
        "z(t)": [f"{v:.3f}" for v in s.z],
        "r(t)": [f"{v:.3f}" for v in s.r],
        "h~(t)": [f"{v:+.3f}" for v in s.h_tilde],
        "h(t)": [f"{v:+.3f}" for v in s.h],
    }


TABLE_NOTE = (
    "h(t-1) is what each unit brings from the bits below; z(t) how much of it the unit "
    "replaces; r(t) how much of it goes into the candidate h~(t); h(t) what it keeps."
)


def step_words(s: steps.Step) -> str:
    """What happens at step t, in two sentences: the bits and the carry, then the output."""
    verdict = "right" if s.predicted_bit == s.true_bit else "WRONG"
    return (
        f"**Bit {s.t:,}.** It reads a = {s.a}, b = {s.b}. {s.carry_words} The model gives "
        f"p = {s.p:.3f} that the sum bit is 1, so it writes {s.predicted_bit}: {verdict} "
        f"(the true bit is {s.true_bit})."
    )


def step_caption(s: steps.Step) -> str:
    """One line of HTML for a frame of the animated step-through: the bits, the carry and
    what the model writes."""
    verdict = "right" if s.predicted_bit == s.true_bit else "<b>WRONG</b>"
    return (
        f"<b>Bit {s.t:,}</b>: {s.a} + {s.b} + carry {s.carry_in} = {s.a + s.b + s.carry_in}, "
        f"carry out {s.carry_out}. p = {s.p:.3f}, so it writes {s.predicted_bit}: {verdict}"
    )


def animation_note(n_bits: int, frames: int) -> str:
    """What an animation of `frames` steps leaves out of an addition of `n_bits`, or ""."""
    if frames >= n_bits:
        return ""
    return (
        f"The animation plays bits 0 to {frames - 1} of {n_bits:,} (at most {figures.MAX_FRAMES} "
        "frames); the step-through on the page reaches every bit."
    )


def animation(trace: Trace, units: CarryUnits, theme: Theme = LIGHT) -> go.Figure:
    """The step-through as a figure that plays: the gates of bits 0 .. figures.MAX_FRAMES - 1,
    the cursor moving one bit per frame, the top carry unit's state riding its line, and
    each step's arithmetic in the title."""
    walked = steps.walk(trace, units.order[:STEP_UNITS], figures.MAX_FRAMES)
    window = (0, len(walked))
    fig = gates.figure(trace, "gates", units.order, units, window=window, cursor=0, theme=theme)
    return figures.step_animation(
        fig,
        [s.t for s in walked],
        [step_caption(s) for s in walked],
        marker_values=[float(trace.h[s.t, units.top]) for s in walked],
        note=animation_note(trace.n_bits, len(walked)),
        theme=theme,
    )


def build(
    active: ActiveModel, a: int, b: int, theme: Theme = LIGHT, analyses: Analyses | None = None
) -> go.Figure:
    """The step-through of a + b, playing (see `animation`)."""
    analyses = analyses or Compute()
    trace = analyses.get(active.model, TRACE, a, b)
    return animation(trace, analyses.get(active.intact, CARRY_UNITS), theme)


def note(model: AdditionModel | None = None) -> str:
    return (
        "One bit at a time: what the GRU reads at step t, what its gates do with what it "
        "brings from the bits below, and the sum bit it writes. The carry units are the "
        f"{STEP_UNITS} units whose state best reads as the carry."
    )


VIEW = View(
    "steps",
    "the step-through as an animation with a play button and a slider",
    build,
    note,
    kind=ANIMATION,
)
