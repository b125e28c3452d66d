"""Which units the sums need: switch each unit off alone and measure the exact sums lost.

A unit is switched off by gru_viz.model.ablate, which holds its state at 0 at every step in the
real TensorFlow model. Accuracy is measured on a fixed, seeded set of additions: half uniform
random operands, half carry-chain stress operands (gru_viz.carry.stress_operands).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.addition import AdditionModel
from gru_viz.carry import stress_operands
from gru_viz.evaluate import exact_accuracy

RANKING_PAIRS = 256  # additions in the ranking's test set, half uniform, half stress


@dataclass(frozen=True)
class AblationRanking:
    """accuracy (H,): exact sums with each unit switched off alone; lost (H,): base_accuracy
    minus that; order (H,): units from the most needed to the least (stable on ties)."""

    base_accuracy: float
    accuracy: np.ndarray
    lost: np.ndarray
    order: np.ndarray
    n_pairs: int
    n_bits: int
    seed: int


def ranking_bits(model: AdditionModel) -> int:
    """The operand length the ranking uses: four times the model's training length, from 8 to
    256 bits (64 for the robust preset, 16 for the tutorial's): long enough to need the carry,
    short enough that the model gets most sums right with every unit on. 64 if unknown."""
    if model.train_bits is None:
        return 64
    return min(256, max(8, 4 * model.train_bits))


def ranking_operands(n_pairs: int, n_bits: int, seed: int) -> np.ndarray:
    """The ranking's additions: int8 (n_pairs, 2, n_bits), least significant bit first."""
    rng = np.random.default_rng([seed, n_bits])
    half = n_pairs // 2
    uniform = bitlib.random_operands(rng, n_pairs - half, n_bits)
    return np.concatenate([uniform, stress_operands(rng, half, n_bits)])


def ablation_ranking(
    model: AdditionModel,
    n_pairs: int = RANKING_PAIRS,
    n_bits: int | None = None,
    seed: int = 0,
    progress: Callable[[float], object] | None = None,
) -> AblationRanking:
    """Exact-sum accuracy of `model` with each hidden unit switched off alone (see module), on
    n_pairs additions of n_bits-bit operands (default: ranking_bits(model))."""
    from gru_viz.model import ablate

    n_bits = ranking_bits(model) if n_bits is None else n_bits
    operands = ranking_operands(n_pairs, n_bits, seed)
    base = exact_accuracy(model, operands)
    hidden = model.config.hidden_size
    accuracy = np.zeros(hidden)
    for unit in range(hidden):
        accuracy[unit] = exact_accuracy(ablate(model, [unit]), operands)
        if progress is not None:
            progress((unit + 1) / hidden)
    lost = base - accuracy
    order = np.argsort(-lost, kind="stable")
    return AblationRanking(base, accuracy, lost, order, n_pairs, n_bits, seed)
