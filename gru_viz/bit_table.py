"""What the page reads off one addition: the bit table's rows and how to label it.

Arrays are indexed by bit position, least significant bit first (position t is worth 2**t),
exactly as in gru_viz.addition.Trace. Which units carry is gru_viz.carry's concern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.addition import Trace
from gru_viz.inputs import int_to_digits


@dataclass(frozen=True)
class BitTable:
    """The rows of the bit table, one column per position, least significant bit first.

    rows: label -> array (T,); wrong: bool (T,) where the predicted bit is not the true one.
    """

    rows: dict[str, np.ndarray]
    wrong: np.ndarray

    @property
    def n_bits(self) -> int:
        return len(self.wrong)


ROW_A, ROW_B, ROW_TRUE, ROW_PRED = "a", "b", "true sum", "predicted sum"
ROW_P, ROW_CARRY = "p(sum bit = 1)", "carry in"


def bit_table(trace: Trace) -> BitTable:
    """The bit table of a Trace: a, b, true and predicted sum bits, the model's probability
    that each sum bit is 1, and the true carry into each position, all (T,)."""
    bits_true = trace.bits_true
    rows = {
        ROW_A: trace.bits_a,
        ROW_B: trace.bits_b,
        ROW_TRUE: bits_true,
        ROW_PRED: trace.bits_pred,
        ROW_P: np.asarray(trace.p, np.float64),
        ROW_CARRY: trace.carry,
    }
    return BitTable(rows=rows, wrong=trace.bits_pred != bits_true)


def table_window(n_bits: int, start: int, width: int) -> range:
    """Positions shown when a table is too wide to show whole: `width` of them from `start`,
    moved left if needed so the window stays inside [0, n_bits)."""
    width = max(1, min(width, n_bits))
    start = min(max(0, start), n_bits - width)
    return range(start, start + width)


def usual_reading(trace: Trace) -> dict[str, str]:
    """a, b, the true and the predicted sum as bit strings written the usual way, most
    significant bit first, all T characters long so that they line up."""
    table = bit_table(trace)
    return {
        label: "".join(str(int(bit)) for bit in table.rows[label][::-1])
        for label in (ROW_A, ROW_B, ROW_TRUE, ROW_PRED)
    }


def addition_label(trace: Trace, max_digits: int = 24) -> str:
    """ "1024 + 16", or the length of each number when writing it out would be too long."""
    words = []
    for n in (trace.a, trace.b):
        if n.bit_length() <= max_digits * 3.3:
            digits = int_to_digits(n)
            if len(digits) <= max_digits:
                words.append(digits)
                continue
        words.append(f"a {len(int_to_digits(n)):,}-digit number")
    return " + ".join(words)
