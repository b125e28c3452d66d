"""A candidate forward pass for gru_viz/model.py, measured beside the current one.

The same GRU, the same weights, the same XLA-compiled TensorFlow loop, with less work per step:
- the loop stops at the real length inside the padded buffer (the length is an input of the
  compiled function, so one compilation still serves every length of a bucket, but a 65,537-step
  sum no longer pays for 131,072 steps);
- the loop carries and stores only h, with Uz and Ur fused into one product, so each step does
  two small matrix products instead of four and writes one array instead of five;
- z, r, h~ and y do not feed the recurrence, so they are computed after the loop for all steps at
  once, from h_{t-1}, in a few large products.
`LeanModel` runs it behind gru_viz's model interface, so its trace is the same work as
GRUModel.trace; `max_difference` holds it against the numpy reference.
"""

from __future__ import annotations

import functools

import numpy as np

from gru_viz.interface import AdditionModel


def lean_sequence(x, n_valid, Wz, Wr, Wh, Uz, Ur, Uh, bz, br, bh, Wo, bo, keep_internals=True):
    """gru_viz.model.gru_sequence's equations over x (B, T, 2), running only the first n_valid
    steps. Returns y (B, T) and, if keep_internals, z, r, h_tilde, h (B, T, H); steps from
    n_valid on are not meaningful."""
    import tensorflow as tf

    x = tf.transpose(x, [1, 0, 2])  # (T, B, 2)
    n_steps, H = tf.shape(x)[0], Uz.shape[0]
    x_zr = tf.einsum("tbi,ih->tbh", x, tf.concat([Wz, Wr], 1)) + tf.concat([bz, br], 0)  # (T,B,2H)
    x_h = tf.einsum("tbi,ih->tbh", x, Wh) + bh  # (T, B, H)
    U_zr = tf.concat([Uz, Ur], 1)  # (H, 2H)
    h_0 = tf.zeros_like(x_h[0])  # (B, H)

    def step(t, h_tm1, hs):
        zr = tf.sigmoid(x_zr[t] + h_tm1 @ U_zr)  # (B, 2H)
        z, r = zr[:, :H], zr[:, H:]
        h = (1 - z) * h_tm1 + z * tf.tanh(x_h[t] + (r * h_tm1) @ Uh)  # (B, H)
        return t + 1, h, hs.write(t, h)

    _, _, hs = tf.while_loop(
        lambda t, h, hs: t < n_valid,
        step,
        (tf.constant(0), h_0, tf.TensorArray(x.dtype, size=n_steps)),
        maximum_iterations=n_steps,
    )
    h = hs.stack()  # (T, B, H)
    out = {"y": tf.transpose((h @ Wo + bo)[..., 0])}  # (B, T)
    if keep_internals:
        h_prev = tf.concat([h_0[None], h[:-1]], 0)  # (T, B, H), h_{t-1}
        zr = tf.sigmoid(x_zr + h_prev @ U_zr)  # (T, B, 2H)
        z, r = zr[..., :H], zr[..., H:]
        h_tilde = tf.tanh(x_h + (r * h_prev) @ Uh)  # (T, B, H)
        for name, value in (("z", z), ("r", r), ("h_tilde", h_tilde), ("h", h)):
            out[name] = tf.transpose(value, [1, 0, 2])  # (B, T, H)
    return out


@functools.cache
def _compiled(keep_internals: bool):
    import tensorflow as tf

    def run(x, n_valid, weights):
        return lean_sequence(x, n_valid, *weights, keep_internals=keep_internals)

    return tf.function(run, jit_compile=True)


class LeanModel(AdditionModel):
    """A GRUModel's weights run by the candidate forward pass; trace and predict_bits come from
    gru_viz's model interface, so the two are timed on the same work."""

    def __init__(self, model) -> None:
        super().__init__(model.config, model.train_config, model.provenance)
        self.variables = model.variables

    def weights(self) -> dict[str, np.ndarray]:
        from gru_viz.weights import WEIGHT_NAMES

        return {n: v.numpy().copy() for n, v in zip(WEIGHT_NAMES, self.variables)}

    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        """Like GRUModel.run: x (B, T, 2) padded as the core pads it, only T steps computed."""
        import tensorflow as tf

        from gru_viz.model import padded_steps

        n_steps = x.shape[1]
        padded = np.zeros((x.shape[0], padded_steps(n_steps), 2), np.float32)  # (B, T', 2)
        padded[:, :n_steps] = x
        n_valid = tf.constant(n_steps)
        out = _compiled(keep_internals)(tf.constant(padded), n_valid, self.variables)
        return {name: value.numpy()[:, :n_steps] for name, value in out.items()}


def run(model, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
    """The candidate forward pass over a GRUModel's weights."""
    return LeanModel(model).run(x, keep_internals)


def trace(model, a: int, b: int):
    """GRUModel.trace(a, b) with the candidate forward pass."""
    return LeanModel(model).trace(a, b)


def max_difference(model, n_bits: int = 300, seed: int = 0) -> float:
    """Largest difference of any gate, state or output from gru_viz.reference on random input."""
    from gru_viz.reference import gru_reference

    x = np.random.default_rng(seed).integers(0, 2, (3, n_bits, 2)).astype(np.float32)
    expected, got = gru_reference(x, model.weights()), run(model, x)
    return float(max(np.abs(got[name] - expected[name]).max() for name in expected))
