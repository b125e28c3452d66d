"""The GRU that learns binary addition, written by hand in TensorFlow.

Shapes are batch first everywhere: inputs x (B, T, 2) hold (a_t, b_t); gates and states
z, r, h_tilde, h are (B, T, H); the output y is (B, T). Bit index t is worth 2**t (least
significant bit first), so step t adds bit t. Everything that does not need TensorFlow (the
Trace, reading outputs as probabilities, weight shapes, model files) lives in gru_viz.interface,
gru_viz.weights and gru_viz.checkpoint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import numpy as np
import tensorflow as tf

from gru_viz import checkpoint
from gru_viz.config import ModelConfig
from gru_viz.interface import AdditionModel
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

MIN_STEPS = 32  # sequences are padded in time to a power of two at least this long


def gru_sequence(x, Wz, Wr, Wh, Uz, Ur, Uh, bz, br, bh, Wo, bo, keep_internals=True, mask=None):
    """Run the GRU over a batch of sequences x (B, T, 2) from h_0 = 0; return every step.

        z_t  = sigmoid(x_t Wz + h_{t-1} Uz + bz)        update gate
        r_t  = sigmoid(x_t Wr + h_{t-1} Ur + br)        reset gate
        h~_t = tanh(x_t Wh + (r_t * h_{t-1}) Uh + bh)   candidate state
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t         z near 0 keeps the old state
        y_t  = h_t Wo + bo                              output for sum bit t

    mask (H,), if given, multiplies h_t after every step: a 0 holds that unit's state at 0 (an
    ablation). Returns a dict with y (B, T) and, if keep_internals, z, r, h_tilde and h
    (B, T, H).
    """
    x = tf.transpose(x, [1, 0, 2])  # (T, B, 2), time first inside the loop
    n_steps = tf.shape(x)[0]
    # The input terms do not depend on h, so all steps are computed in one product each.
    x_z = tf.einsum("tbi,ih->tbh", x, Wz) + bz  # (T, B, H)
    x_r = tf.einsum("tbi,ih->tbh", x, Wr) + br  # (T, B, H)
    x_h = tf.einsum("tbi,ih->tbh", x, Wh) + bh  # (T, B, H)
    h_0 = tf.zeros_like(x_z[0])  # (B, H)
    names = ("y", "z", "r", "h_tilde", "h") if keep_internals else ("y",)
    arrays = tuple(tf.TensorArray(x.dtype, size=n_steps) for _ in names)

    def step(t, h_tm1, arrays):
        z = tf.sigmoid(x_z[t] + h_tm1 @ Uz)  # (B, H)
        r = tf.sigmoid(x_r[t] + h_tm1 @ Ur)  # (B, H)
        h_tilde = tf.tanh(x_h[t] + (r * h_tm1) @ Uh)  # (B, H)
        h = (1 - z) * h_tm1 + z * h_tilde  # (B, H)
        if mask is not None:
            h = h * mask
        y = (h @ Wo + bo)[:, 0]  # (B,)
        values = (y, z, r, h_tilde, h)[: len(arrays)]
        return t + 1, h, tuple(a.write(t, v) for a, v in zip(arrays, values))

    _, _, arrays = tf.while_loop(
        lambda t, h, arrays: t < n_steps,
        step,
        (tf.constant(0), h_0, arrays),
        maximum_iterations=n_steps,
    )
    out = {}
    for name, array in zip(names, arrays):
        stacked = array.stack()  # (T, B) or (T, B, H)
        out[name] = tf.transpose(stacked, [1, 0] + list(range(2, len(stacked.shape))))
    return out


@functools.cache
def _compiled_sequence(keep_internals: bool):
    """gru_sequence compiled with XLA: one fused loop instead of a graph op per step."""

    def run(x, weights, mask):
        return gru_sequence(x, *weights, keep_internals=keep_internals, mask=mask)

    return tf.function(run, jit_compile=True)


def padded_steps(n_steps: int) -> int:
    """Length a sequence is padded to before it runs: compiled code is reused per length."""
    return max(MIN_STEPS, 1 << (n_steps - 1).bit_length())


class GRUModel(AdditionModel):
    """A GRU for binary addition: TensorFlow variables named as in the equations.

    `ablated` lists hidden units whose state is held at 0 at every step (see `ablate`).
    """

    def __init__(
        self,
        config: ModelConfig,
        weights: dict[str, np.ndarray],
        train_config: dict | None = None,
        provenance: dict | None = None,
        ablated: Iterable[int] = (),
    ) -> None:
        super().__init__(config, train_config, provenance)
        shapes = weight_shapes(config.hidden_size)
        self.variables = tuple(
            tf.Variable(np.asarray(weights[n], np.float32).reshape(shapes[n]), name=n)
            for n in WEIGHT_NAMES
        )
        self.ablated = _check_units(ablated, config.hidden_size)

    def weights(self) -> dict[str, np.ndarray]:
        return {n: v.numpy().copy() for n, v in zip(WEIGHT_NAMES, self.variables)}

    def copy(self, ablated: Iterable[int] | None = None) -> GRUModel:
        """A model with its own variables holding the same weights; the same ablation unless
        `ablated` names other units."""
        units = self.ablated if ablated is None else ablated
        return GRUModel(self.config, self.weights(), self.train_config, self.provenance, units)

    def mask(self) -> np.ndarray:
        """float32 (H,): 0 for ablated units, 1 for the others."""
        mask = np.ones(self.config.hidden_size, np.float32)
        mask[list(self.ablated)] = 0.0
        return mask

    def _fingerprint_extra(self) -> bytes:
        return repr(self.ablated).encode()

    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        n_steps = x.shape[1]
        padded = np.zeros((x.shape[0], padded_steps(n_steps), 2), np.float32)  # (B, T', 2)
        padded[:, :n_steps] = x
        run = _compiled_sequence(keep_internals)
        out = run(tf.constant(padded), self.variables, tf.constant(self.mask()))
        return {name: value.numpy()[:, :n_steps] for name, value in out.items()}


def ablate(model: GRUModel, units: Iterable[int], mode: str = "zero") -> GRUModel:
    """The same model with the state of `units` held at 0 at every step (mode "zero", the only
    one so far), on top of any units it already holds: a GRUModel usable wherever a model is."""
    if mode != "zero":
        raise ValueError(f"mode must be 'zero'; got {mode!r}")
    return model.copy(ablated=(*model.ablated, *units))


def _check_units(units: Iterable[int], hidden_size: int) -> tuple[int, ...]:
    """Sorted distinct unit indices, or ValueError naming those that do not exist."""
    chosen = sorted({int(u) for u in units})
    bad = [u for u in chosen if not 0 <= u < hidden_size]
    if bad:
        raise ValueError(f"units {bad} do not exist: this model has units 0 to {hidden_size - 1}")
    return tuple(chosen)


def from_file(model_file: checkpoint.ModelFile) -> GRUModel:
    return GRUModel(
        model_file.config,
        model_file.weights,
        train_config=model_file.train_config,
        provenance=model_file.provenance,
    )


def load_model(path: str | os.PathLike | None = None) -> GRUModel:
    """The model saved at `path` (default: the shipped pretrained model), fully validated.

    Raises gru_viz.CheckpointError naming the file and the problem for anything but a valid file.
    """
    return from_file(checkpoint.read_model_file(path))


def load_model_bytes(data: bytes, source: str = "uploaded file") -> GRUModel:
    """The model in the bytes of a model file; `source` names it in error messages."""
    return from_file(checkpoint.read_model_bytes(data, source))
