"""The GRU that learns binary addition, written by hand in TensorFlow.

Shapes are batch first everywhere: inputs x (B, T, 2) hold (a_t, b_t); gates and states
z, r, h_tilde, h are (B, T, H); the output y is (B, T). Bit index t is worth 2**t (least
significant bit first), so step t adds bit t. Everything that does not need TensorFlow (the
Trace, reading outputs as probabilities, weight shapes, model files) lives in gru_viz.addition,
gru_viz.weights and gru_viz.checkpoint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import numpy as np

from gru_viz import checkpoint, quiet, xla_cache
from gru_viz.addition import AdditionModel
from gru_viz.config import ModelConfig
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

tf = quiet.tensorflow()  # (without its start-up lines)

xla_cache.enable()  # before this process compiles anything: reuse what others compiled

MIN_STEPS = 32  # sequences are padded in time to a power of two at least this long...
FINE_FROM = 1024  # ...up to this many steps, and more finely above (see padded_steps)


def held_at_one(z, r, held: tuple[str, ...]):
    """z and r, with each gate named in `held` ("z", "r") replaced by ones: a cell whose gate is
    held at 1 (config.ModelConfig.held_gates). z held at 1 makes h_t = h~_t, a plain tanh RNN;
    r held at 1 lets h~_t read all of h_{t-1}."""
    if "z" in held:
        z = tf.ones_like(z)
    if "r" in held:
        r = tf.ones_like(r)
    return z, r


def gru_sequence(
    x,
    Wz,
    Wr,
    Wh,
    Uz,
    Ur,
    Uh,
    bz,
    br,
    bh,
    Wo,
    bo,
    keep_internals=True,
    mask=None,
    noise=None,
    held=(),
):
    """Run the GRU over a batch of sequences x (B, T, 2) from h_0 = 0; return every step.

        z_t  = sigmoid(x_t Wz + h_{t-1} Uz + bz)        update gate
        r_t  = sigmoid(x_t Wr + h_{t-1} Ur + br)        reset gate
        h~_t = tanh(x_t Wh + (r_t * h_{t-1}) Uh + bh)   candidate state
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t         z near 0 keeps the old state
        y_t  = h_t Wo + bo                              output for sum bit t

    mask (H,), if given, multiplies h_t after every step: a 0 holds that unit's state at 0 (an
    ablation). noise (B, T, H), if given, is added to h_t after every step, before y_t and the
    next step read it (training against perturbed states: TrainConfig.state_noise). `held`
    names gates held at 1 (see held_at_one). Returns a dict with y (B, T) and, if
    keep_internals, z, r, h_tilde and h (B, T, H).
    """
    x = tf.transpose(x, [1, 0, 2])  # (T, B, 2), time first inside the loop
    n_steps = tf.shape(x)[0]
    # The input terms do not depend on h, so all steps are computed in one product each.
    x_z = tf.einsum("tbi,ih->tbh", x, Wz) + bz  # (T, B, H)
    x_r = tf.einsum("tbi,ih->tbh", x, Wr) + br  # (T, B, H)
    x_h = tf.einsum("tbi,ih->tbh", x, Wh) + bh  # (T, B, H)
    if noise is not None:
        noise = tf.transpose(noise, [1, 0, 2])  # (T, B, H)
    h_0 = tf.zeros_like(x_z[0])  # (B, H)
    names = ("y", "z", "r", "h_tilde", "h") if keep_internals else ("y",)
    arrays = tuple(tf.TensorArray(x.dtype, size=n_steps) for _ in names)

    def step(t, h_tm1, arrays):
        z = tf.sigmoid(x_z[t] + h_tm1 @ Uz)  # (B, H)
        r = tf.sigmoid(x_r[t] + h_tm1 @ Ur)  # (B, H)
        z, r = held_at_one(z, r, held)
        h_tilde = tf.tanh(x_h[t] + (r * h_tm1) @ Uh)  # (B, H)
        h = (1 - z) * h_tm1 + z * h_tilde  # (B, H)
        if mask is not None:
            h = h * mask
        if noise is not None:
            h = h + noise[t]
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


# The inference pass (gru_forward), tuned on XLA:CPU for a 16-unit GRU.
UNROLL = 3  # steps per loop iteration; from 4 on, XLA:CPU runs the larger loop body slower
LARGE_BATCH = 64  # from this batch size on, per-step matrix products beat vector code


def recurrent_product(a, U, large: bool):
    """a (B, H) times U (H, K): (B, K).

    A small batch (not `large`) multiplies and sums in the fusion that applies the gate, which
    on XLA:CPU costs less than a call to a matrix kernel; a large one calls the kernel."""
    if not large:
        return tf.reduce_sum(a[:, :, None] * U, axis=1)  # (B, K)
    return a @ U  # (B, K)


def sigmoid(v):
    """The logistic function as 0.5 + 0.5 tanh(v / 2), the same function, for large arrays: there
    XLA:CPU computes it several times faster than tf.sigmoid, to within 2e-7 of it (in the loop,
    on one step's gates, tf.sigmoid is the faster)."""
    return 0.5 + 0.5 * tf.tanh(0.5 * v)


def input_term(x, W, b):
    """x W + b for inputs x (..., 2), W (2, K), b (K,), as elementwise products: (..., K)."""
    return x[..., 0:1] * W[0] + x[..., 1:2] * W[1] + b


def gru_forward(
    x, n_valid, Wz, Wr, Wh, Uz, Ur, Uh, bz, br, bh, Wo, bo, keep_internals, mask, large, held=()
):
    """The GRU of gru_sequence for inference: x (T, B, 2) time first, of which only the first
    n_valid steps run (T is a padded length shared by many inputs), from h_0 = 0. T and B may
    be unknown when it is traced (one trace serves every shape); `large` says whether B is at
    least LARGE_BATCH.

        z_t  = sigmoid(x_t Wz + h_{t-1} Uz + bz)        update gate
        r_t  = sigmoid(x_t Wr + h_{t-1} Ur + br)        reset gate
        h~_t = tanh(x_t Wh + (r_t * h_{t-1}) Uh + bh)   candidate state
        h_t  = ((1 - z_t) * h_{t-1} + z_t * h~_t) * mask
        y_t  = h_t Wo + bo                              output for sum bit t

    mask (H,) is 1 for a unit that runs and 0 for an ablated one; None means no unit is ablated
    (no product). `held` names gates held at 1 (see held_at_one). The loop runs UNROLL steps
    per iteration, with Uz and Ur fused into one
    product. It carries and stores only h (in a time-first buffer written in place), and z, r,
    h~ and y, which do not feed the recurrence, are computed after it for all T steps at once
    from h_{t-1}; a large batch without keep_internals stores y in the loop instead, which saves
    the buffer of every h. Returns time first y (T, B) and, if keep_internals, z, r, h_tilde and
    h (T, B, H); steps from n_valid on hold no meaningful values.
    """
    from tensorflow.compiler.tf2xla.python import xla  # dynamic_update_slice: in-place write

    n_steps, batch, H = tf.shape(x)[0], tf.shape(x)[1], Uz.shape[0]
    W_zr, U_zr, b_zr = tf.concat([Wz, Wr], 1), tf.concat([Uz, Ur], 1), tf.concat([bz, br], 0)
    if not large:  # small inputs: the input terms of all steps at once
        x_zr, x_h = input_term(x, W_zr, b_zr), input_term(x, Wh, bh)  # (T, B, 2H), (T, B, H)

    def step(t, h_tm1):
        """h_t from h_{t-1} (B, H)."""
        if large:  # no (T, B, 3H) array of input terms: computed here, in the gate's fusion
            x_zr_t, x_h_t = input_term(x[t], W_zr, b_zr), input_term(x[t], Wh, bh)
        else:
            x_zr_t, x_h_t = x_zr[t], x_h[t]  # (B, 2H), (B, H)
        zr = tf.sigmoid(x_zr_t + recurrent_product(h_tm1, U_zr, large))  # (B, 2H)
        z, r = held_at_one(zr[:, :H], zr[:, H:], held)
        h_tilde = tf.tanh(x_h_t + recurrent_product(r * h_tm1, Uh, large))  # (B, H)
        h = (1 - z) * h_tm1 + z * h_tilde  # (B, H)
        return h if mask is None else h * mask

    def steps(t, h):
        """UNROLL steps from step t and h_{t-1} (B, H): h_{t+UNROLL-1} and h_t... (UNROLL, B, H)."""
        block = []
        for k in range(UNROLL):
            h = step(t + k, h)
            block.append(h)
        return h, tf.stack(block)

    # The last iteration may run up to UNROLL - 1 steps past n_valid; the buffers have UNROLL
    # spare rows for them, since a write that does not fit would be moved back over real steps.
    n_run = (n_valid + UNROLL - 1) // UNROLL * UNROLL
    n_iterations = (n_steps + UNROLL - 1) // UNROLL
    if large and not keep_internals:

        def iteration(t, h_tm1, y_buffer):
            h, block = steps(t, h_tm1)
            y = tf.reshape(tf.reshape(block, [-1, H]) @ Wo, [UNROLL, batch]) + bo  # (UNROLL, B)
            return t + UNROLL, h, xla.dynamic_update_slice(y_buffer, y, [t, 0])

        h_0 = tf.zeros([batch, H], x.dtype)  # (B, H)
        y_buffer = tf.zeros([n_steps + UNROLL, batch], x.dtype)  # (T + UNROLL, B)
        _, _, y_buffer = tf.while_loop(
            lambda t, h, y: t < n_run,
            iteration,
            (tf.constant(0), h_0, y_buffer),
            maximum_iterations=n_iterations,
        )
        return {"y": y_buffer[:n_steps]}  # (T, B)

    def iteration(t, h_buffer):
        _, block = steps(t, h_buffer[t])  # row t holds h_{t-1}
        return t + UNROLL, xla.dynamic_update_slice(h_buffer, block, [t + 1, 0, 0])

    h_buffer = tf.zeros([n_steps + UNROLL, batch, H], x.dtype)  # (T + UNROLL, B, H), h_0 = 0
    _, h_buffer = tf.while_loop(
        lambda t, _: t < n_run,
        iteration,
        (tf.constant(0), h_buffer),
        maximum_iterations=n_iterations,
    )
    h = h_buffer[1 : n_steps + 1]  # (T, B, H)
    y = tf.reshape(tf.reshape(h, [-1, H]) @ Wo, [n_steps, batch]) + bo  # (T, B)
    if not keep_internals:
        return {"y": y}
    if large:
        x_zr, x_h = input_term(x, W_zr, b_zr), input_term(x, Wh, bh)  # (T, B, 2H), (T, B, H)
    h_prev = tf.reshape(h_buffer[:n_steps], [-1, H])  # (T * B, H): h_{t-1}
    zr = sigmoid(x_zr + tf.reshape(h_prev @ U_zr, [n_steps, batch, 2 * H]))  # (T, B, 2H)
    z, r = held_at_one(zr[..., :H], zr[..., H:], held)
    r_h = tf.reshape(r, [-1, H]) * h_prev  # (T * B, H)
    h_tilde = tf.tanh(x_h + tf.reshape(r_h @ Uh, [n_steps, batch, H]))  # (T, B, H)
    return {"y": y, "z": z, "r": r, "h_tilde": h_tilde, "h": h}


def padded_steps(n_steps: int) -> int:
    """Length a sequence of n_steps is padded to before it runs: compiled code is shared by all
    lengths padded alike. A power of two (at least MIN_STEPS) up to FINE_FROM steps; above, a
    multiple of a quarter of the power of two below n_steps, so at most a quarter is padding."""
    if n_steps <= FINE_FROM:
        return max(MIN_STEPS, 1 << (n_steps - 1).bit_length())
    quantum = 1 << ((n_steps - 1).bit_length() - 3)
    return -(-n_steps // quantum) * quantum


@functools.cache
def _compiled_forward(keep_internals: bool, masked: bool, large: bool, held: tuple[str, ...] = ()):
    """gru_forward compiled with XLA: one native loop, compiled once per padded shape. Without
    `masked` the mask is not applied (no unit is ablated), which saves a product per step;
    `held` names gates held at 1."""

    def run(x, n_valid, weights, mask):
        mask = mask if masked else None
        out = gru_forward(
            x,
            n_valid,
            *weights,
            keep_internals=keep_internals,
            mask=mask,
            large=large,
            held=held,
        )
        # Batch first for the caller; with one sequence this is a reshape, not a copy.
        return {name: tf.experimental.numpy.swapaxes(value, 0, 1) for name, value in out.items()}

    return tf.function(run, jit_compile=True, autograph=False)


_concrete_forwards: dict[tuple, object] = {}


def _forward_for(
    keep_internals: bool, masked: bool, batch: int, weights: tuple, held: tuple[str, ...] = ()
):
    """_compiled_forward's concrete function for padded inputs (T', B, 2) of any length T' and
    batch B on the same side of LARGE_BATCH as `batch`, and weights of the shapes of `weights`
    (one model's variables; any model of that size may then call it). It is traced once; XLA
    compiles it for each shape it is called with (or reads that from its disk cache, see
    gru_viz.xla_cache). Calling it directly skips tf.function's matching of the arguments: a
    few tenths of a millisecond per call."""
    large = batch >= LARGE_BATCH
    key = (keep_internals, masked, large, held, tuple(tuple(w.shape) for w in weights))
    if key not in _concrete_forwards:
        compiled = _compiled_forward(keep_internals, masked, large, held)
        _concrete_forwards[key] = compiled.get_concrete_function(
            tf.TensorSpec([None, None, 2], tf.float32),
            tf.TensorSpec([], tf.int32),
            weights,
            tf.TensorSpec([weights[0].shape[1]], tf.float32),
        )
    return _concrete_forwards[key]


class GRUModel(AdditionModel):
    """A GRU for binary addition: TensorFlow variables named as in the equations.

    `ablated` lists hidden units whose state is held at 0 at every step (see `ablate`);
    config.held_gates, gates held at 1 in every unit (their weights are then unused).
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
        """The forward pass on x (B, T, 2), padded in time to padded_steps(T) so that compiled
        code is shared by lengths, and run for T steps: y (B, T) and, if keep_internals, z, r,
        h_tilde and h (B, T, H) (see gru_forward)."""
        n_steps = x.shape[1]
        padded = np.zeros((padded_steps(n_steps), x.shape[0], 2), np.float32)  # (T', B, 2)
        padded[:n_steps] = np.swapaxes(x, 0, 1)
        held = self.config.held_gates
        args = (tf.constant(padded), tf.constant(n_steps), self.variables, tf.constant(self.mask()))
        run = _forward_for(keep_internals, bool(self.ablated), x.shape[0], self.variables, held)
        try:
            out = run(*args)
        except tf.errors.OpError as error:  # a damaged cache entry: compile afresh, once
            if not xla_cache.recover(error):
                raise
            _concrete_forwards.clear()
            _compiled_forward.cache_clear()
            run = _forward_for(keep_internals, bool(self.ablated), x.shape[0], self.variables, held)
            out = run(*args)
        # np.asarray shares TensorFlow's buffer (read-only) where .numpy() would copy all of it.
        return {name: np.asarray(value)[:, :n_steps] for name, value in out.items()}


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
