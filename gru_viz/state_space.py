"""A map of the hidden states: h projected onto two axes, the carry direction and the main
remaining principal component (or plainly the first two principal components).

The map is fitted once per model on the states h_t of `carry.probe_operands` additions (a third
uniform random, a third carry chains of every length, a third full-length chains), and any
trace's states can then be drawn over that cloud with `project`. Every bit array is least
significant bit first: index t is worth 2**t. h_t is the state after reading (a_t, b_t), so the
carry it should hold is the carry *out* of bit t, and the bit it outputs is the sum bit s_t.
Numpy only: the model is only asked for `run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.carry import probe_operands

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel, Trace

MAP_PAIRS = 96  # additions the map is fitted on: 96 x 33 steps = 3,168 states
MAP_BITS = 32  # operand bits of each (33 steps with the last carry)
AXES = ("carry", "pca")


@dataclass(frozen=True)
class StateMap:
    """Hidden states projected to 2-D by PCA, and the cloud they were fitted on.

    mean (H,) and components (2, H), orthonormal rows, give the projection
    (h - mean) @ components.T; explained (2,) is the fraction of the states' variance along each
    component; axes says how the components were chosen (see `state_map`). The cloud has one point
    per state h_t of n_pairs additions of n_bits-bit operands (T = n_bits + 1 steps each):
    points (N, 2) with, per point, int8 (N,) carry_out (the true carry out of bit t), sum_bit
    (the true sum bit s_t), a_t and b_t, and int64 t (the bit position).
    """

    mean: np.ndarray
    components: np.ndarray
    explained: np.ndarray
    points: np.ndarray
    carry_out: np.ndarray
    sum_bit: np.ndarray
    t: np.ndarray
    a_t: np.ndarray
    b_t: np.ndarray
    axes: str
    seed: int
    n_pairs: int
    n_bits: int


def state_map(
    model: AdditionModel,
    seed: int = 0,
    n_pairs: int = MAP_PAIRS,
    n_bits: int = MAP_BITS,
    axes: str = "carry",
) -> StateMap:
    """Fit the 2-D map of `model`'s hidden states on n_pairs seeded probe additions of n_bits-bit
    operands (see the module docstring). Deterministic for a model, seed, size and axes.

    axes "pca": the first two principal components of the states. axes "carry" (default): x is
    the carry direction, from the mean state with carry out 0 to the mean state with carry out
    1 (unit length), and y the first principal component of the states with x projected out.
    Plain PCA need not separate the carry: on one robust model its first two components held
    67% of the variance, but the carry lay along a third (`carry_separation` 0.85, against 1.0
    with axes "carry").
    """
    if n_pairs < 3 or n_bits < 1:
        raise ValueError(f"need n_pairs >= 3 and n_bits >= 1, got {n_pairs} and {n_bits}")
    if axes not in AXES:
        raise ValueError(f"axes must be one of {', '.join(map(repr, AXES))}; got {axes!r}")
    operands = probe_operands(np.random.default_rng(seed), n_pairs, n_bits)  # (N, 2, L)
    x = bitlib.model_inputs(operands, n_bits + 1)  # (N, T, 2); the top step reads 0 + 0
    h = np.asarray(model.run(x, keep_internals=True)["h"], np.float64)  # (N, T, H)
    states = h.reshape(-1, h.shape[-1])  # (N T, H)
    bits_x = x.astype(np.int8)  # (N, T, 2)
    carry_in = bitlib.carries_in(bits_x[..., 0], bits_x[..., 1])  # (N, T)
    carry_out = np.concatenate([carry_in[:, 1:], np.zeros_like(carry_in[:, :1])], axis=1)
    sum_bit = bits_x[..., 0] ^ bits_x[..., 1] ^ carry_in  # (N, T)
    mean = states.mean(axis=0)  # (H,)
    carry = carry_out.reshape(-1).astype(np.int8)  # (N T,)
    components = _pca_axes(states - mean) if axes == "pca" else _carry_axes(states - mean, carry)
    return StateMap(
        mean=mean,
        components=components,
        explained=_explained(states - mean, components),
        points=(states - mean) @ components.T,  # (N T, 2)
        carry_out=carry,
        sum_bit=sum_bit.reshape(-1).astype(np.int8),
        t=np.tile(np.arange(n_bits + 1, dtype=np.int64), n_pairs),
        a_t=bits_x[..., 0].reshape(-1),
        b_t=bits_x[..., 1].reshape(-1),
        axes=axes,
        seed=seed,
        n_pairs=n_pairs,
        n_bits=n_bits,
    )


def _pca_axes(centred: np.ndarray, k: int = 2) -> np.ndarray:
    """The first k principal axes (k, H) of centred states (M, H), by SVD; rows of zeros where
    the states have fewer dimensions. Each axis's sign is fixed so that its largest loading is
    positive (the SVD alone may flip it from one machine to another)."""
    _, _, vt = np.linalg.svd(centred, full_matrices=False)  # (K, H)
    biggest = np.argmax(np.abs(vt), axis=1)  # (K,)
    vt = vt * np.where(vt[np.arange(len(vt)), biggest] < 0, -1.0, 1.0)[:, None]
    axes = np.zeros((k, centred.shape[1]))  # (k, H)
    axes[: min(k, len(vt))] = vt[:k]
    return axes


def _carry_axes(centred: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """(2, H): the unit vector from the mean no-carry state to the mean carry state, then the
    first principal axis of the states with that direction removed. With only one kind of
    carry in the states (or the two means equal), plain PCA."""
    labels = carry.astype(bool)  # (M,)
    if labels.all() or not labels.any():
        return _pca_axes(centred)
    direction = centred[labels].mean(axis=0) - centred[~labels].mean(axis=0)  # (H,)
    norm = np.linalg.norm(direction)
    if norm == 0:
        return _pca_axes(centred)
    direction /= norm
    rest = centred - np.outer(centred @ direction, direction)  # (M, H)
    return np.stack([direction, _pca_axes(rest, 1)[0]])


def _explained(centred: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The fraction of the states' total variance along each axis (2,)."""
    total = float(np.sum(centred**2))
    if total == 0:
        return np.zeros(len(components))
    return np.sum((centred @ components.T) ** 2, axis=0) / total


def project(smap: StateMap, h: np.ndarray) -> np.ndarray:
    """One trace's states h (T, H) (or any (..., H)) on the map: (T, 2)."""
    h = np.asarray(h, np.float64)
    if h.shape[-1] != smap.mean.shape[0]:
        raise ValueError(
            f"states have {h.shape[-1]} units; this map was fitted on {smap.mean.shape[0]}"
        )
    return (h - smap.mean) @ smap.components.T


def carry_separation(smap: StateMap) -> float:
    """How well the map alone tells the carry: the accuracy of the nearest of the two carry
    centroids (carry out 0 or 1) on the cloud's own points, in [0, 1] (1.0 if one class is
    absent)."""
    labels = smap.carry_out.astype(bool)  # (N,)
    if labels.all() or not labels.any():
        return 1.0
    centroids = np.stack([smap.points[~labels].mean(axis=0), smap.points[labels].mean(axis=0)])
    distance = np.linalg.norm(smap.points[:, None] - centroids[None], axis=-1)  # (N, 2)
    return float(np.mean(np.argmin(distance, axis=1) == labels))


@dataclass(frozen=True)
class MapPath:
    """One addition's way through the map, indexed by bit t (least significant first):
    points (T, 2), and int8 (T,) a_t, b_t and carry_out (the true carry out of bit t)."""

    points: np.ndarray
    a_t: np.ndarray
    b_t: np.ndarray
    carry_out: np.ndarray
    label: str = ""


def trace_path(smap: StateMap, trace: Trace, label: str = "") -> MapPath:
    """The states of one traced addition (a gru_viz.addition.Trace) on the map."""
    total = trace.bits_a.astype(np.int8) + trace.bits_b + trace.carry  # (T,): a_t + b_t + c_t
    carry_out = (total >= 2).astype(np.int8)
    return MapPath(project(smap, trace.h), trace.bits_a, trace.bits_b, carry_out, label)
