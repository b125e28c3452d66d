"""What the app reads off a model and an addition: which units carry, and the bit table's rows.

Arrays are indexed by bit position, least significant bit first (position t is worth 2**t),
exactly as in gru_viz.interface.Trace. Nothing here imports TensorFlow; functions that need a
forward pass take the model and call its `run`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.inputs import int_to_digits
from gru_viz.interface import AdditionModel, Trace

PROBE_PAIRS = 24  # random additions used to find the carry units
PROBE_BITS = 30  # their operand length: 31 steps, the compiled length of short sums


def carry_scores(h: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """How strongly each unit follows the carry: |correlation| in [0, 1], float (H,).

    h (N, T, H) are hidden states, carry (N, T) the true carry into each position. The state a
    unit brings into position t, h_{t-1} (h_{-1} = 0), is correlated with the carry into t,
    pooled over all additions and positions. A unit that never varies scores 0.
    """
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # (N, T, H)
    x = h_prev.reshape(-1, h.shape[-1]).astype(np.float64)  # (N*T, H)
    c = carry.reshape(-1).astype(np.float64)  # (N*T,)
    x = x - x.mean(axis=0)
    c = c - c.mean()
    denominator = np.sqrt((x**2).sum(axis=0) * (c**2).sum())  # (H,)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.abs(x.T @ c) / denominator
    return np.nan_to_num(scores, nan=0.0, posinf=0.0).clip(0.0, 1.0)


def probe_carry_scores(model: AdditionModel, seed: int = 0) -> np.ndarray:
    """carry_scores of `model` on PROBE_PAIRS random additions of PROBE_BITS-bit numbers (H,).

    A single addition is often a poor probe (1024 + 16 has no carry at all), so the units are
    ranked on fixed random sums: the ranking describes the model, not the numbers on screen.
    """
    rng = np.random.default_rng(seed)
    operands = bitlib.random_operands(rng, PROBE_PAIRS, PROBE_BITS)  # (N, 2, L)
    x = bitlib.model_inputs(operands, PROBE_BITS + 1)  # (N, T, 2)
    # One addition per run: a batch of one is the shape every short trace already compiled.
    h = np.concatenate([model.run(x[i : i + 1])["h"] for i in range(len(x))])  # (N, T, H)
    bits_x = x.astype(np.int8)  # (N, T, 2)
    return carry_scores(h, bitlib.carries_in(bits_x[..., 0], bits_x[..., 1]))


def unit_order(scores: np.ndarray) -> np.ndarray:
    """Unit indices (H,) from the highest score to the lowest; ties keep unit order."""
    return np.argsort(-np.asarray(scores), kind="stable")


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
