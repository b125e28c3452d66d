"""Integers as bit arrays, least significant bit first.

Every array of bits in gru_viz is in this order: index t holds the bit worth 2**t, the order in
which people add with a carry and in which the GRU reads its input.
"""

from __future__ import annotations

import numpy as np


def check_operand(value: object, name: str = "number") -> int:
    """Return `value` if it is a non-negative Python int, else raise ValueError saying why."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{name} must be a non-negative integer, got {value!r} of type {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def default_n_bits(a: int, b: int) -> int:
    """Steps needed to add a and b: the longer operand plus one bit for the last carry."""
    return max(a.bit_length(), b.bit_length(), 1) + 1


def resolve_n_bits(a: int, b: int, n_bits: int | None = None) -> int:
    """`n_bits` if it leaves room for a + b, else ValueError; None gives `default_n_bits`."""
    if n_bits is None:
        return default_n_bits(a, b)
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)):
        raise ValueError(f"n_bits must be a positive integer or None, got {n_bits!r}")
    needed = max((a + b).bit_length(), 1)
    if n_bits < needed:
        raise ValueError(f"n_bits={n_bits} is too small: {a} + {b} needs at least {needed} bits")
    return int(n_bits)


def to_bits(n: int, n_bits: int) -> np.ndarray:
    """Bits of n, least significant first, zero padded to n_bits: int8 array (n_bits,)."""
    n = check_operand(n)
    if n.bit_length() > n_bits:
        raise ValueError(f"{n} does not fit in {n_bits} bits")
    raw = np.frombuffer(n.to_bytes((n_bits + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n_bits].astype(np.int8)


def from_bits(bits: np.ndarray) -> int:
    """The integer whose bits, least significant first, are `bits` (any 0/1 array (T,))."""
    packed = np.packbits(np.asarray(bits, dtype=np.uint8), bitorder="little")
    return int.from_bytes(packed.tobytes(), "little")


def carries_in(bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    """Carry into each position when adding bit arrays (T,) or (N, T): int8 of the same shape,
    carry[..., 0] = 0. A carry out of the last position is dropped."""
    rows_a, rows_b = np.atleast_2d(bits_a), np.atleast_2d(bits_b)  # (N, T)
    n_bits = rows_a.shape[1]
    mask = (1 << n_bits) - 1
    # The carry into position t is the bit where a + b differs from a xor b.
    pairs = zip(rows_to_ints(rows_a), rows_to_ints(rows_b))
    carry = ints_to_rows([((a + b) ^ a ^ b) & mask for a, b in pairs], n_bits)  # (N, T)
    return carry.reshape(np.shape(bits_a))


def rows_to_ints(rows: np.ndarray) -> list[int]:
    """Each row of a 0/1 array (N, L), least significant bit first, as a Python int."""
    packed = np.packbits(np.asarray(rows, dtype=np.uint8), axis=-1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def ints_to_rows(values: list[int], n_bits: int) -> np.ndarray:
    """Python ints as rows of bits, least significant first: int8 (N, n_bits)."""
    n_bytes = (n_bits + 7) // 8
    raw = b"".join(v.to_bytes(n_bytes, "little") for v in values)
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(len(values), n_bytes)
    return np.unpackbits(packed, axis=-1, bitorder="little")[:, :n_bits].astype(np.int8)


def random_operands(rng: np.random.Generator, n_pairs: int, n_bits: int) -> np.ndarray:
    """Uniform random operand bits: int8 array (n_pairs, 2, n_bits), least significant first."""
    return rng.integers(0, 2, size=(n_pairs, 2, n_bits), dtype=np.int8)


def chain_operands(rng: np.random.Generator, n_pairs: int, n_bits: int) -> np.ndarray:
    """Random operand bits (n_pairs, 2, n_bits) with carry chains of every length.

    Each pair draws its own probability q ~ U(0, 1) that a_t != b_t (a position that passes a
    carry on; elsewhere a_t = b_t makes or ends one) and u ~ U(0, 1) that a_t = 1. q = u = 0.5
    gives uniform random numbers; q near 1 gives the long carry chains that uniform numbers
    almost never contain, and u near 0 or 1 long runs of one input, as in (2**k - 1) + 1.
    """
    q, u = rng.uniform(0.0, 1.0, size=(2, n_pairs, 1))
    passes = rng.random((n_pairs, n_bits)) < q  # (N, L)
    a = (rng.random((n_pairs, n_bits)) < u).astype(np.int8)  # (N, L)
    b = np.where(passes, 1 - a, a).astype(np.int8)
    return np.stack([a, b], axis=1)


def sum_bits(operands: np.ndarray, n_bits: int) -> np.ndarray:
    """Bits of a + b for operand bits (B, 2, L): int8 (B, n_bits); n_bits > L keeps the carry."""
    totals = [a + b for a, b in zip(rows_to_ints(operands[:, 0]), rows_to_ints(operands[:, 1]))]
    return ints_to_rows(totals, n_bits)


def model_inputs(operands: np.ndarray, n_steps: int) -> np.ndarray:
    """Operand bits (B, 2, L) as GRU inputs x: float32 (B, n_steps, 2), zero padded in time."""
    x = np.zeros((operands.shape[0], n_steps, 2), dtype=np.float32)  # (B, T, 2)
    x[:, : operands.shape[2]] = operands.transpose(0, 2, 1)
    return x
