"""The GRU that learns binary addition, written by hand in TensorFlow.

Shapes are batch first everywhere: inputs x (B, T, 2) hold (a_t, b_t); gates and states
z, r, h_tilde, h are (B, T, H); the output y is (B, T). Bit index t is worth 2**t (least
significant bit first), so step t adds bit t.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from gru_viz import bits as bitlib
from gru_viz.config import ModelConfig

WEIGHT_NAMES = ("Wz", "Wr", "Wh", "Uz", "Ur", "Uh", "bz", "br", "bh", "Wo", "bo")
MIN_STEPS = 32  # sequences are padded in time to a power of two at least this long


def weight_shapes(hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The shape of every weight for H = hidden_size, keyed by its name in the equations."""
    H = hidden_size
    return {
        "Wz": (2, H), "Wr": (2, H), "Wh": (2, H),
        "Uz": (H, H), "Ur": (H, H), "Uh": (H, H),
        "bz": (H,), "br": (H,), "bh": (H,),
        "Wo": (H, 1), "bo": (1,),
    }  # fmt: skip


def init_weights(
    config: ModelConfig, rng: np.random.Generator, init: str = "glorot", std: float = 0.01
) -> dict[str, np.ndarray]:
    """Fresh weights: matrices from `init` ("glorot" uniform or "truncated_normal" with `std`,
    cut at two standard deviations), biases zero."""
    out = {}
    for name, shape in weight_shapes(config.hidden_size).items():
        if len(shape) == 1:
            out[name] = np.zeros(shape, np.float32)
        elif init == "glorot":
            limit = np.sqrt(6.0 / (shape[0] + shape[1]))
            out[name] = rng.uniform(-limit, limit, size=shape).astype(np.float32)
        else:
            draw = rng.standard_normal(size=shape)
            while np.any(np.abs(draw) > 2):
                bad = np.abs(draw) > 2
                draw[bad] = rng.standard_normal(size=int(bad.sum()))
            out[name] = (std * draw).astype(np.float32)
    return out


def gru_sequence(x, Wz, Wr, Wh, Uz, Ur, Uh, bz, br, bh, Wo, bo, keep_internals=True):
    """Run the GRU over a batch of sequences x (B, T, 2) from h_0 = 0; return every step.

        z_t  = sigmoid(x_t Wz + h_{t-1} Uz + bz)        update gate
        r_t  = sigmoid(x_t Wr + h_{t-1} Ur + br)        reset gate
        h~_t = tanh(x_t Wh + (r_t * h_{t-1}) Uh + bh)   candidate state
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t         z near 0 keeps the old state
        y_t  = h_t Wo + bo                              output for sum bit t

    Returns a dict with y (B, T) and, if keep_internals, z, r, h_tilde and h (B, T, H).
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

    def run(x, weights):
        return gru_sequence(x, *weights, keep_internals=keep_internals)

    return tf.function(run, jit_compile=True)


def padded_steps(n_steps: int) -> int:
    """Length a sequence is padded to before it runs: compiled code is reused per length."""
    return max(MIN_STEPS, 1 << (n_steps - 1).bit_length())


def probabilities(y: np.ndarray, output: str) -> np.ndarray:
    """Read the output y as the probability that a sum bit is 1."""
    if output == "logistic":
        return 1.0 / (1.0 + np.exp(-np.clip(y, -60.0, 60.0)))
    return np.clip(y, 0.0, 1.0)


@dataclass(frozen=True)
class Trace:
    """One addition as the model computed it; every array is indexed by bit, lowest first.

    bits_a, bits_b, bits_pred: int8 (T,); z, r, h_tilde, h: float32 (T, H); y, p: (T,).
    """

    a: int
    b: int
    bits_a: np.ndarray
    bits_b: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray
    y: np.ndarray
    p: np.ndarray
    bits_pred: np.ndarray
    predicted_sum: int

    @property
    def n_bits(self) -> int:
        return len(self.bits_a)

    @property
    def true_sum(self) -> int:
        return self.a + self.b

    @property
    def bits_true(self) -> np.ndarray:
        return bitlib.to_bits(self.true_sum, self.n_bits)

    @property
    def carry(self) -> np.ndarray:
        """The true carry into each bit position (T,)."""
        return bitlib.carries_in(self.bits_a, self.bits_b)

    @property
    def correct(self) -> bool:
        return self.predicted_sum == self.true_sum


class GRUModel:
    """A GRU for binary addition: weights named as in the equations, plus its configuration.

    `train_config` and `provenance` are plain dicts carried into checkpoints.
    """

    def __init__(
        self,
        config: ModelConfig,
        weights: dict[str, np.ndarray],
        train_config: dict | None = None,
        provenance: dict | None = None,
    ) -> None:
        self.config = config
        self.train_config = dict(train_config or {})
        self.provenance = dict(provenance or {})
        shapes = weight_shapes(config.hidden_size)
        self.variables = tuple(
            tf.Variable(np.asarray(weights[n], np.float32).reshape(shapes[n]), name=n)
            for n in WEIGHT_NAMES
        )

    def weights(self) -> dict[str, np.ndarray]:
        """A copy of every weight as a numpy array, keyed Wz Wr Wh Uz Ur Uh bz br bh Wo bo."""
        return {n: v.numpy().copy() for n, v in zip(WEIGHT_NAMES, self.variables)}

    def copy(self) -> "GRUModel":
        return GRUModel(self.config, self.weights(), self.train_config, self.provenance)

    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        """The forward pass on inputs x (B, T, 2): y (B, T) and, if asked, z, r, h_tilde, h."""
        n_steps = x.shape[1]
        padded = np.zeros((x.shape[0], padded_steps(n_steps), 2), np.float32)  # (B, T', 2)
        padded[:, :n_steps] = x
        out = _compiled_sequence(keep_internals)(tf.constant(padded), self.variables)
        return {name: value.numpy()[:, :n_steps] for name, value in out.items()}

    def predict_bits(self, operands: np.ndarray, n_steps: int) -> np.ndarray:
        """Predicted sum bits (B, n_steps) for operand bits (B, 2, L), in batches."""
        x = bitlib.model_inputs(operands, n_steps)  # (B, T, 2)
        batch = max(1, min(len(x), 2**22 // padded_steps(n_steps)))
        ys = [
            self.run(x[i : i + batch], keep_internals=False)["y"] for i in range(0, len(x), batch)
        ]
        y = np.concatenate(ys) if ys else np.zeros((0, n_steps), np.float32)
        return (probabilities(y, self.config.output) > 0.5).astype(np.int8)

    def trace(self, a: int, b: int, n_bits: int | None = None) -> Trace:
        """Add a and b, returning every gate and state per bit (see Trace).

        n_bits pads to a longer T; by default T = max(a.bit_length(), b.bit_length(), 1) + 1.
        """
        a = bitlib.check_operand(a, "a")
        b = bitlib.check_operand(b, "b")
        n_steps = bitlib.resolve_n_bits(a, b, n_bits)
        bits_a, bits_b = bitlib.to_bits(a, n_steps), bitlib.to_bits(b, n_steps)
        x = np.stack([bits_a, bits_b], axis=-1)[None].astype(np.float32)  # (1, T, 2)
        out = {k: v[0] for k, v in self.run(x).items()}
        p = probabilities(out["y"], self.config.output)
        bits_pred = (p > 0.5).astype(np.int8)
        return Trace(
            a=a, b=b, bits_a=bits_a, bits_b=bits_b,
            z=out["z"], r=out["r"], h_tilde=out["h_tilde"], h=out["h"], y=out["y"], p=p,
            bits_pred=bits_pred, predicted_sum=bitlib.from_bits(bits_pred),
        )  # fmt: skip

    def save(self, path) -> None:
        """Write the model to `path` (see gru_viz.checkpoint), atomically."""
        from gru_viz import checkpoint

        checkpoint.save(self, path)

    def to_bytes(self) -> bytes:
        from gru_viz import checkpoint

        return checkpoint.to_bytes(self)
