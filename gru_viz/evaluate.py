"""How often the model's sums are exactly right."""

from __future__ import annotations

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.addition import AdditionModel


def exact_accuracy(model: AdditionModel, operands: np.ndarray) -> float:
    """Fraction of operand pairs (N, 2, L) whose whole predicted sum equals the true sum."""
    if len(operands) == 0:
        return 1.0
    n_steps = operands.shape[2] + 1
    predicted = model.predict_bits(operands, n_steps)  # (N, T)
    true = bitlib.sum_bits(operands, n_steps)  # (N, T)
    return float(np.mean(np.all(predicted == true, axis=1)))


def check_margins(model: AdditionModel, operands: np.ndarray) -> tuple[float, float]:
    """Exact-sum accuracy and the smallest signed margin of any sum bit, min over bits of
    (p - 0.5) if the bit is 1 else (0.5 - p): negative where a bit is wrong, up to 0.5."""
    if len(operands) == 0:
        return 1.0, 0.5
    n_steps = operands.shape[2] + 1
    x = bitlib.model_inputs(operands, n_steps)  # (N, T, 2)
    p = model.probabilities(model.run(x, keep_internals=False)["y"])  # (N, T)
    true = bitlib.sum_bits(operands, n_steps)  # (N, T)
    signed = np.where(true == 1, p - 0.5, 0.5 - p)  # (N, T)
    return float(np.mean(np.all(signed > 0, axis=1))), float(signed.min())


def random_accuracy(
    model: AdditionModel, rng: np.random.Generator, n_pairs: int, n_bits: int
) -> float:
    """Exact-sum accuracy on `n_pairs` uniform random pairs of `n_bits`-bit operands."""
    return exact_accuracy(model, bitlib.random_operands(rng, n_pairs, n_bits))


JUDGE_BITS, JUDGE_PAIRS, JUDGE_LONG_BITS, JUDGE_LONG_PAIRS = 1024, 100, 65536, 4


def judge_sets(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The sums a model must get exact to count as adding at any length, as operand bits
    (N, 2, L): uniform 1,024-bit pairs, full-length carry chains a + (2**1024 - a) and uniform
    65,536-bit pairs."""
    n, pairs = JUDGE_BITS, JUDGE_PAIRS
    a = [int.from_bytes(rng.bytes(n // 8), "little") | 1 for _ in range(pairs)]  # odd, so b < 2**n
    chains = np.stack(
        [bitlib.ints_to_rows(a, n), bitlib.ints_to_rows([(1 << n) - v for v in a], n)], axis=1
    )
    return {
        f"uniform {n}": bitlib.random_operands(rng, pairs, n),
        f"chains {n}": chains,
        f"uniform {JUDGE_LONG_BITS}": bitlib.random_operands(
            rng, JUDGE_LONG_PAIRS, JUDGE_LONG_BITS
        ),
    }


def judge(model: AdditionModel, sets: dict[str, np.ndarray]) -> dict[str, float]:
    """Exact-sum accuracy on each of `judge_sets`; the model adds at any length (as far as this
    tests) when every value is 1.0."""
    return {name: exact_accuracy(model, operands) for name, operands in sets.items()}
