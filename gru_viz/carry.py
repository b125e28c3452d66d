"""Carry-chain stress operands, and which hidden units hold the carry and how well.

Every bit array is least significant bit first: index t is worth 2**t, as in gru_viz.bits. The
carry into position t is the carry out of position t - 1; the carry into position 0 is 0.
Nothing here imports TensorFlow: the model is only asked for `run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gru_viz import bits as bitlib

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel

PROBE_PAIRS = 96  # additions in the carry probe: a third uniform, a third chains, a third stress
CARRY_SCORE = 0.9  # a unit scoring this or more is called a carry unit on the page
PROBE_BITS = 64  # operand bits of each probe addition (65 steps with the last carry)


def stress_operands(rng: np.random.Generator, n_pairs: int, n_bits: int) -> np.ndarray:
    """Operand bits int8 (n_pairs, 2, n_bits), least significant first, every sum with a carry
    chain as long as the operands: a carry into each of positions 1..n_bits.

    In order: (2**n - 1) + 1, 1 + (2**n - 1) and (2**n - 1) + (2**n - 1) (as many as fit), then
    half of the rest a + (2**n - a) for random odd a (a pure chain of passed-on carries), then
    `bits.chain_operands` pairs forced to carry all the way: bit 0 is 1 + 1 and every other
    0 + 0 (the only pair that ends a carry) becomes 1 + 1.
    """
    ones, one = np.ones(n_bits, np.int8), np.eye(1, n_bits, dtype=np.int8)[0]
    fixed = np.array([[ones, one], [one, ones], [ones, ones]], np.int8)[:n_pairs]  # (F, 2, L)
    rest = n_pairs - len(fixed)
    a = rng.integers(0, 2, size=(rest // 2, n_bits), dtype=np.int8)  # (C, L)
    a[:, 0] = 1
    b = 1 - a  # 2**n - a for odd a: the complement of a above bit 0, and 1 at bit 0
    b[:, 0] = 1
    chains = bitlib.chain_operands(rng, rest - rest // 2, n_bits)  # (R, 2, L)
    ends = (chains[:, 0] == 0) & (chains[:, 1] == 0)  # (R, L)
    ends[:, 0] = True
    chains = np.where(ends[:, None], 1, chains)  # (R, 2, L): 0 + 0 becomes 1 + 1
    return np.concatenate([fixed, np.stack([a, b], axis=1), chains]).astype(np.int8)


def probe_operands(rng: np.random.Generator, n_pairs: int, n_bits: int) -> np.ndarray:
    """Operand bits int8 (n_pairs, 2, n_bits) for the carry probe: a third uniform random, a
    third `bits.chain_operands` (chains of every length) and the rest `stress_operands`."""
    third = n_pairs // 3
    parts = (
        bitlib.random_operands(rng, third, n_bits),
        bitlib.chain_operands(rng, third, n_bits),
        stress_operands(rng, n_pairs - 2 * third, n_bits),
    )
    return np.concatenate(parts).astype(np.int8)  # (N, 2, L)


def threshold_scores(
    states: np.ndarray, carry: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How well one threshold on each unit reads the carry: scores, signs, thresholds (H,).

    states (M, H) are the values each unit holds, carry (M,) the 0/1 carry they should tell.
    The reader says carry = 1 where sign * (state - threshold) > 0. The score is its best
    balanced accuracy mapped from [0.5, 1] to [0, 1]: max over cuts of |TPR - FPR| (Youden's
    J), 1 when a threshold separates the carries exactly, 0 for a unit that never varies.
    Ties keep the lowest cut; sign is +1 if a high state means carry 1 (and for score 0).
    """
    carry = np.asarray(carry).astype(bool)
    n_carry, n_none = int(carry.sum()), int((~carry).sum())
    if n_carry == 0 or n_none == 0:
        raise ValueError("the carry must be 1 somewhere and 0 somewhere to score units")
    states = np.asarray(states, np.float64)  # (M, H)
    order = np.argsort(states, axis=0, kind="stable")  # (M, H)
    ranked = np.take_along_axis(states, order, axis=0)  # (M, H), ascending per unit
    below = carry[order]  # (M, H): the carry of each ranked state
    # For "carry if state > cut" after rank i: TPR - FPR = (zeros below) - (ones below).
    gap = np.cumsum(~below, axis=0)[:-1] / n_none - np.cumsum(below, axis=0)[:-1] / n_carry
    gap = np.where(ranked[1:] > ranked[:-1], gap, 0.0)  # (M - 1, H): only cuts between values
    best = np.argmax(np.abs(gap), axis=0)  # (H,)
    units = np.arange(states.shape[1])
    signed = gap[best, units]  # (H,)
    thresholds = (ranked[best, units] + ranked[best + 1, units]) / 2
    signs = np.where(signed < 0, -1, 1).astype(np.int8)
    return np.abs(signed), signs, thresholds


@dataclass(frozen=True)
class CarryUnits:
    """How well each hidden unit's state tells the true carry, units indexed 0..H-1.

    scores (H,) in [0, 1] (see `threshold_scores`); signs int8 (H,): +1 if a high state means
    carry 1, -1 if a low one does; thresholds (H,): unit u reads carry 1 where
    signs[u] * (h[u] - thresholds[u]) > 0; order (H,): units from best to worst score (on ties,
    units high for a carry first, then by number); top: order[0]. Measured on n_pairs probe
    additions of n_bits-bit operands.
    """

    scores: np.ndarray
    signs: np.ndarray
    thresholds: np.ndarray
    order: np.ndarray
    top: int
    seed: int
    n_pairs: int
    n_bits: int

    @property
    def carriers(self) -> tuple[int, ...]:
        """Units whose state reads the carry almost perfectly (score >= CARRY_SCORE), best
        first."""
        return tuple(int(u) for u in self.order if self.scores[u] >= CARRY_SCORE)


def carry_units(
    model: AdditionModel, seed: int = 0, n_pairs: int = PROBE_PAIRS, n_bits: int = PROBE_BITS
) -> CarryUnits:
    """Score every hidden unit of `model` as a carry reader on `probe_operands` additions.

    The state a unit brings into position t, h_{t-1} (h_{-1} = 0), is scored against the true
    carry into t, pooled over all positions 0..n_bits of every addition (T = n_bits + 1 steps).
    """
    if n_pairs < 3 or n_bits < 1:
        raise ValueError(f"need n_pairs >= 3 and n_bits >= 1, got {n_pairs} and {n_bits}")
    operands = probe_operands(np.random.default_rng(seed), n_pairs, n_bits)  # (N, 2, L)
    x = bitlib.model_inputs(operands, n_bits + 1)  # (N, T, 2)
    h = np.asarray(model.run(x, keep_internals=True)["h"])  # (N, T, H)
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # (N, T, H)
    bits_x = x.astype(np.int8)  # (N, T, 2): the top bit is 0, so carry[:, -1] is the carry out
    carry = bitlib.carries_in(bits_x[..., 0], bits_x[..., 1])  # (N, T)
    scores, signs, thresholds = threshold_scores(h_prev.reshape(-1, h.shape[-1]), carry.reshape(-1))
    # Best score first; among equal scores a unit that is high for a carry first (it is the
    # easier one to read on a plot), then by unit number.
    order = np.lexsort((np.arange(len(scores)), signs < 0, -scores))  # (H,)
    return CarryUnits(
        scores=scores,
        signs=signs,
        thresholds=thresholds,
        order=order,
        top=int(order[0]),
        seed=seed,
        n_pairs=n_pairs,
        n_bits=n_bits,
    )
