"""How often each unit's gates are saturated: the fraction of steps its update gate z and reset
gate r sit below LOW (left-saturated, near 0) or above HIGH (right-saturated, near 1), as in
Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent Networks" (2015).

z near 0 keeps the old state (h_t = (1 - z_t) h_{t-1} + z_t h~_t); r near 0 hides it from the
candidate. Operand bits are least significant bit first, as in gru_viz.bits. Numpy only: the
model is only asked for `run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.carry import PROBE_BITS, PROBE_PAIRS, probe_operands

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel

LOW, HIGH = 0.1, 0.9  # a gate value below LOW is left-saturated, above HIGH right-saturated


@dataclass(frozen=True)
class Saturation:
    """Per hidden unit (H,), the fraction of steps with z < low (z_left), z > high (z_right),
    r < low (r_left) and r > high (r_right), over n_steps steps (every step of n_pairs
    additions of n_bits-bit operands, T = n_bits + 1 steps each)."""

    z_left: np.ndarray
    z_right: np.ndarray
    r_left: np.ndarray
    r_right: np.ndarray
    low: float
    high: float
    n_steps: int
    seed: int
    n_pairs: int
    n_bits: int


def gate_saturation(
    model: AdditionModel,
    seed: int = 0,
    n_pairs: int = PROBE_PAIRS,
    n_bits: int = PROBE_BITS,
    operands: np.ndarray | None = None,
    low: float = LOW,
    high: float = HIGH,
) -> Saturation:
    """Saturation of every unit's gates over `carry.probe_operands` additions (a third uniform
    random, a third carry chains of every length, a third stress sums that carry all the way),
    drawn with `seed`; or over the given operand bits (N, 2, L), least significant first, run
    for L + 1 steps (then seed is -1 and n_pairs, n_bits come from them)."""
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low!r} and high={high!r}")
    if operands is None:
        if n_pairs < 3 or n_bits < 1:
            raise ValueError(f"need n_pairs >= 3 and n_bits >= 1, got {n_pairs} and {n_bits}")
        operands = probe_operands(np.random.default_rng(seed), n_pairs, n_bits)  # (N, 2, L)
    else:
        operands, seed = _check_operands(operands), -1
    n_pairs, n_bits = operands.shape[0], operands.shape[2]
    x = bitlib.model_inputs(operands, n_bits + 1)  # (N, T, 2)
    out = model.run(x, keep_internals=True)
    z, r = (np.asarray(out[k]).reshape(-1, model.hidden_size) for k in ("z", "r"))  # (N T, H)
    return Saturation(
        z_left=np.mean(z < low, axis=0),
        z_right=np.mean(z > high, axis=0),
        r_left=np.mean(r < low, axis=0),
        r_right=np.mean(r > high, axis=0),
        low=low,
        high=high,
        n_steps=len(z),
        seed=seed,
        n_pairs=n_pairs,
        n_bits=n_bits,
    )


def _check_operands(operands: np.ndarray) -> np.ndarray:
    """Operand bits as int8 (N, 2, L), or ValueError unless they are 0/1 of that shape."""
    array = np.asarray(operands)
    if (
        array.ndim != 3
        or array.shape[1] != 2
        or 0 in array.shape
        or not np.isin(array, (0, 1)).all()
    ):
        raise ValueError(
            f"operands must be 0/1 bits of shape (N, 2, L) with N, L >= 1; got shape {array.shape}"
        )
    return array.astype(np.int8)
