"""The gates of one addition: heatmaps of the update gate z and the reset gate r (view "gates"),
or of the candidate h~ and the hidden state h (view "states"), of every hidden unit at every
bit, least significant bit first, with the bits above, the carry units labelled and the best
one's state drawn against the true carry underneath."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gru_viz import figures
from gru_viz.addition import AdditionModel, Trace
from gru_viz.analyses import CARRY_UNITS, TRACE, Analyses, Compute
from gru_viz.bit_table import addition_label
from gru_viz.carry import CarryUnits
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views.view import View
from gru_viz.why import Explanation

CHOICES = {"Gates z and r": "gates", "States h~ and h": "states"}  # the page's label -> view


def unit_order(carry_order: np.ndarray, hidden_size: int, by_carry: bool) -> np.ndarray:
    """The order of the heatmaps' rows: carry units first, or 0 .. H-1."""
    return carry_order if by_carry else np.arange(hidden_size)


def chain_range(why: Explanation, n_bits: int) -> tuple[float, float] | None:
    """The x range that shows the carry chain reaching the first wrong bit, with a margin."""
    if why.chain_start is None:
        return None
    low = max(0, why.chain_start - 2)
    high = min(n_bits - 1, why.first_wrong + 3)
    return (low - 0.5, high + 0.5)


def figure(
    trace: Trace,
    name: str,
    order: np.ndarray,
    units: CarryUnits | None = None,
    x_range: tuple[float, float] | None = None,
    window: tuple[int, int] | None = None,
    cursor: int | None = None,
    theme: Theme = LIGHT,
) -> go.Figure:
    """The heatmaps of view `name` ("gates" or "states") for `trace`, rows in `order`, carry
    units labelled and the top one's state drawn against the carry underneath, in `theme`."""
    return figures.trace_figure(
        trace,
        name,
        order,
        addition_label(trace),
        carriers=() if units is None else units.carriers,
        track_unit=None if units is None else units.top,
        x_range=x_range,
        track_threshold=None if units is None else float(units.thresholds[units.top]),
        track_high_for_carry=units is None or bool(units.signs[units.top] > 0),
        window=window,
        cursor=cursor,
        theme=theme,
    )


def _builder(name: str):
    def build(
        active: ActiveModel,
        a: int,
        b: int,
        theme: Theme = LIGHT,
        analyses: Analyses | None = None,
        *,
        by_carry: bool = True,
        x_range: tuple[float, float] | None = None,
        window: tuple[int, int] | None = None,
        cursor: int | None = None,
    ) -> go.Figure:
        """This view of a + b: rows carry units first (by_carry) or in unit order; x_range
        zooms, window draws only positions [lo, hi), cursor marks one step."""
        analyses = analyses or Compute()
        trace = analyses.get(active.model, TRACE, a, b)
        units = analyses.get(active.model, CARRY_UNITS)
        order = unit_order(units.order, trace.hidden_size, by_carry)
        return figure(trace, name, order, units, x_range, window, cursor, theme)

    return build


def note(model: AdditionModel | None = None) -> str:
    """What the heatmaps show, beside the GRU's equations."""
    return (
        "$x_t = (a_t, b_t)$ are the two bits at position $t$, and $h_{t-1}$ is all the unit "
        "remembers from the bits below, the carry among them.\n\n"
        "- **Update gate z**: near 0 the unit keeps its previous state; near 1 it takes the "
        "new candidate $\\tilde h_t$.\n"
        "- **Reset gate r**: near 0 the unit forgets its previous state while it forms the "
        "candidate; near 1 it uses it.\n\n"
        "The output $y_t = h_t W_o + b_o$ gives sum bit $t$. The strip above the heatmaps "
        "repeats the bits, with wrong predicted bits in red."
    )


GATES = View("gates", "the update and reset gates z and r", _builder("gates"), note)
STATES = View("states", "the candidate h~ and the hidden state h", _builder("states"), note)
