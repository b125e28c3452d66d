"""Exact-sum accuracy by operand length, and by the longest carry chain in the sum.

Every bit array is least significant bit first: index t is worth 2**t, as in gru_viz.bits. An
addition of n-bit operands has an (n + 1)-bit sum; it is right only if every sum bit is.
Nothing here imports TensorFlow: the model is only asked for `predict_bits`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.carry import stress_operands

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel

DEFAULT_LENGTHS = tuple(2**k for k in range(17))  # operand bits: 1, 2, 4, ..., 65,536
FULL_PAIRS = 1000  # pairs per operand set at every length up to FULL_PAIRS_UP_TO bits
FULL_PAIRS_UP_TO = 1024
LONG_PAIRS = 400  # pairs per set beyond: LONG_PAIRS / 4**d for lengths up to 2**d * 1024 bits
MIN_PAIRS = 2  # pairs per set at the longest lengths
WORKERS = 2  # threads that call predict_bits at once (TensorFlow releases the GIL)
SINGLE_BELOW = 8  # chunks smaller than this run one addition per call (see _predict)


def default_pairs(n_bits: int) -> int:
    """Pairs per operand set at n_bits: FULL_PAIRS up to FULL_PAIRS_UP_TO bits, then a quarter
    as many for each doubling (the cost of a set grows as pairs * bits), never below
    MIN_PAIRS: 1000 up to 1,024 bits, 100 at 2,048, 25 at 4,096, 6 at 8,192, then 2."""
    if n_bits <= FULL_PAIRS_UP_TO:
        return FULL_PAIRS
    doublings = (n_bits - 1).bit_length() - (FULL_PAIRS_UP_TO - 1).bit_length()
    return max(MIN_PAIRS, LONG_PAIRS >> (2 * doublings))


QUICK_LENGTHS = tuple(2**k for k in range(13))  # a quick curve: operand bits 1 to 4,096...
QUICK_PAIRS = 100  # ...with at most this many pairs per set (default_pairs' beyond 1,024 bits)


def quick_length_curve(
    model: AdditionModel, progress: Callable[[float], object] | None = None
) -> LengthCurve:
    """`length_curve` at QUICK_LENGTHS with at most QUICK_PAIRS pairs per set: about a fifth of
    the work of the full curve, for a model that just changed (an edit, a comparison)."""
    pairs = [min(QUICK_PAIRS, default_pairs(n)) for n in QUICK_LENGTHS]
    return length_curve(model, QUICK_LENGTHS, pairs, progress=progress)


WILSON_Z = 1.96  # a 95% interval


def wilson_interval(
    accuracy: np.ndarray, counts: np.ndarray, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of the Wilson score interval (95% by default) of each share
    `accuracy` measured on `counts` sums: where the true share may lie, given so few sums."""
    n = np.maximum(np.asarray(counts, np.float64), 1.0)
    p = np.asarray(accuracy, np.float64)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def longest_carry_chain(bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    """Longest carry chain of each addition of operand bits (N, T), least significant first:
    int64 (N,).

    A carry chain is a run of consecutive positions whose carry in is 1, over positions 0..T
    (position T is the final carry out, the top bit of the (T + 1)-bit sum). A chain starts
    above a position with 1 + 1 and goes on through every position but 0 + 0 (a 1 + 1 inside
    it continues it), so (2**T - 1) + 1 has one chain of length T; no carry at all gives 0.
    """
    top = np.zeros((len(bits_a), 1), np.int8)  # a 0 above both operands lets the carry out in
    carry = bitlib.carries_in(np.hstack([bits_a, top]), np.hstack([bits_b, top]))  # (N, T + 1)
    return _longest_run(carry)


def _longest_run(flags: np.ndarray) -> np.ndarray:
    """Longest run of consecutive 1s in each row of a 0/1 array (N, T): int64 (N,)."""
    padded = np.zeros((flags.shape[0], flags.shape[1] + 2), np.int8)  # (N, T + 2)
    padded[:, 1:-1] = flags
    step = np.diff(padded, axis=1)  # (N, T + 1): +1 where a run starts, -1 just after it ends
    rows, starts = np.nonzero(step == 1)  # row-major, so starts and ends pair up in order
    _, ends = np.nonzero(step == -1)
    longest = np.zeros(flags.shape[0], np.int64)  # (N,)
    np.maximum.at(longest, rows, ends - starts)
    return longest


@dataclass(frozen=True)
class LengthCurve:
    """Exact-sum accuracy by operand length n (sums of n + 1 bits) and by carry chain.

    lengths, pairs: int64 (K,), pairs = additions per operand set at each length; uniform,
    stress: float (K,), accuracy on uniform random operands and on `carry.stress_operands`
    (every sum carries all the way, a chain of length n). chain_lows int64 (C,): bucket c
    holds additions whose longest carry chain (see `longest_carry_chain`) is 0 for a low of 0,
    else in [low, 2 * low); chain_accuracy float (C,) and chain_counts int64 (C,) pool both
    sets over every length; only buckets with additions are listed.
    """

    lengths: np.ndarray
    uniform: np.ndarray
    stress: np.ndarray
    pairs: np.ndarray
    chain_lows: np.ndarray
    chain_accuracy: np.ndarray
    chain_counts: np.ndarray
    seed: int


def length_curve(
    model: AdditionModel,
    lengths: Sequence[int] | None = None,
    pairs: int | Sequence[int] | None = None,
    seed: int = 0,
    progress: Callable[[float], object] | None = None,
) -> LengthCurve:
    """Exact-sum accuracy of `model` at each operand length, on uniform and stress operands.

    lengths: operand bits (default DEFAULT_LENGTHS); pairs: additions per set, one count for
    every length, one per length, or None for `default_pairs`. Each length draws its operands
    from its own generator seeded by (seed, n), so a length's result does not depend on the
    others. progress(fraction) is called after each length, with work done so far in (0, 1].
    """
    lengths_arr = _check_lengths(DEFAULT_LENGTHS if lengths is None else lengths)  # (K,)
    counts = _pairs_schedule(lengths_arr, pairs)  # (K,)
    work = np.cumsum(counts * (lengths_arr + 1.0))  # (K,): cost ~ pairs * steps
    work /= work[-1]
    uniform, stress, chains, correct = [], [], [], []
    with ThreadPoolExecutor(WORKERS) as pool:
        for n, count, done in zip(lengths_arr, counts, work):
            right, chain = _evaluate_length(model, int(n), int(count), seed, pool)  # (2 * count,)
            uniform.append(right[:count].mean())
            stress.append(right[count:].mean())
            chains.append(chain)
            correct.append(right)
            if progress is not None:
                progress(float(done))
    lows, accuracy, n_chain = _chain_buckets(np.concatenate(chains), np.concatenate(correct))
    return LengthCurve(
        lengths=lengths_arr,
        uniform=np.array(uniform),
        stress=np.array(stress),
        pairs=counts,
        chain_lows=lows,
        chain_accuracy=accuracy,
        chain_counts=n_chain,
        seed=seed,
    )


def _evaluate_length(
    model: AdditionModel, n_bits: int, count: int, seed: int, pool: ThreadPoolExecutor
) -> tuple[np.ndarray, ...]:
    """Whether each sum is exact, bool (2 * count,), and its longest carry chain, int64
    (2 * count,): `count` uniform pairs of n_bits-bit operands, then `count` stress pairs."""
    operands = np.concatenate(
        [
            bitlib.random_operands(np.random.default_rng([seed, n_bits, 0]), count, n_bits),
            stress_operands(np.random.default_rng([seed, n_bits, 1]), count, n_bits),
        ]
    )  # (2 * count, 2, L)
    predicted = _predict(model, operands, n_bits + 1, pool)  # (2 * count, L + 1)
    true = bitlib.sum_bits(operands, n_bits + 1)  # (2 * count, L + 1)
    right = np.all(np.asarray(predicted) == true, axis=1)
    return right, longest_carry_chain(operands[:, 0], operands[:, 1])


def _predict(
    model: AdditionModel, operands: np.ndarray, n_steps: int, pool: ThreadPoolExecutor
) -> np.ndarray:
    """model.predict_bits for operands (B, 2, L): int8 (B, n_steps), in chunks over the pool.

    The batch is split into WORKERS equal chunks. One addition per call runs much faster per
    step than a small batch (65,536 bits: 86 ms for one sum, 690 ms for two, 800 ms for eight),
    so chunks under SINGLE_BELOW additions go one addition per call.
    """
    size = -(-len(operands) // WORKERS)
    size = 1 if size < SINGLE_BELOW else size
    chunks = [operands[i : i + size] for i in range(0, len(operands), size)]
    parts = list(pool.map(lambda chunk: np.asarray(model.predict_bits(chunk, n_steps)), chunks))
    return np.concatenate(parts) if parts else np.zeros((0, n_steps), np.int8)


def _chain_buckets(chains: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, ...]:
    """Bucket lows int64 (C,), accuracy (C,) and counts (C,) of additions by longest carry
    chain (N,): bucket 0 holds chain 0, bucket k >= 1 chains in [2**(k-1), 2**k)."""
    bucket = np.frexp(chains.astype(np.float64))[1].astype(np.int64)  # (N,): bit length
    counts = np.bincount(bucket)  # (B,)
    hits = np.bincount(bucket, weights=right.astype(np.float64), minlength=len(counts))
    filled = np.flatnonzero(counts)
    lows = np.where(filled == 0, 0, 1 << np.maximum(filled - 1, 0))
    return lows.astype(np.int64), hits[filled] / counts[filled], counts[filled].astype(np.int64)


def _check_lengths(lengths: Sequence[int]) -> np.ndarray:
    """Lengths as int64 (K,), or ValueError unless they are at least one positive integer."""
    values = list(lengths)
    if not values or any(
        isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in values
    ):
        raise ValueError(f"lengths must be positive integers (operand bits), got {lengths!r}")
    return np.array(values, np.int64)


def _pairs_schedule(lengths: np.ndarray, pairs: int | Sequence[int] | None) -> np.ndarray:
    """Pairs per set at each length, int64 (K,): default_pairs, one count, or one per length."""
    if pairs is None:
        return np.array([default_pairs(int(n)) for n in lengths], np.int64)
    counts = np.asarray(pairs)
    counts = np.full(lengths.shape, counts) if counts.ndim == 0 else counts  # (K,)
    if counts.shape != lengths.shape or counts.dtype.kind not in "iu" or np.any(counts < 1):
        raise ValueError(
            f"pairs must be a positive integer or one per length ({len(lengths)}), got {pairs!r}"
        )
    return counts.astype(np.int64)
