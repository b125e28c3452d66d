"""Training: Adam on batches of additions, with a held-out exact-sum check that stops it.

`train` is one importable function for the CLI, the app's background thread and the tests. It
reports every step to `on_step`, which can ask to stop (return True) or pause (block).

The Adam steps between two checks run in one XLA-compiled call (a chunk of up to CHUNK_STEPS
steps, each `gru_sequence` forward and its gradient), and the check runs compiled on inputs
built once, so Python and TensorFlow's dispatch are paid once per chunk rather than per step.
Compiled code is kept on disk between processes (see gru_viz.xla_cache).
"""

from __future__ import annotations

import functools
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gru_viz import bits as bitlib
from gru_viz import quiet, xla_cache
from gru_viz.carry import stress_operands
from gru_viz.config import TrainConfig
from gru_viz.exact_check import CheckSet, check
from gru_viz.model import GRUModel, gru_sequence
from gru_viz.weights import init_weights

tf = quiet.tensorflow()  # (without its start-up lines)

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7


XLA_CACHE = xla_cache.enable()


@dataclass(frozen=True)
class StepInfo:
    """What `on_step` is told after each step. `accuracy` (exact-sum accuracy by operand bit
    length) is set only on check steps. `model` is the live model: copy it to keep a snapshot."""

    step: int
    max_steps: int
    loss: float
    accuracy: dict[int, float] | None
    model: GRUModel


@dataclass
class TrainHistory:
    steps: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    checks: list[tuple[int, dict[int, float]]] = field(default_factory=list)
    stopped: str = ""  # "converged", "max_steps" or "stopped" (asked to by on_step)
    wall_time: float = 0.0  # seconds, from the first weight to the last check


@dataclass(frozen=True)
class Dataset:
    """Where the batches come from: fixed operands (N, 2, L) or, if None, fresh ones each step."""

    fixed: np.ndarray | None
    held_out: np.ndarray | None  # (M, 2, L) pairs the check uses instead of random ones


def make_dataset(config: TrainConfig, rng: np.random.Generator) -> Dataset:
    """The tutorial's fixed set (distinct pairs of operands below 2**train_bits, the rest held
    out) or, for n_examples = 0, fresh random batches."""
    if config.n_examples == 0:
        return Dataset(fixed=None, held_out=None)
    n_values = 2**config.train_bits
    n_pairs = min(n_values * n_values, 1 << 20)
    chosen = rng.permutation(n_pairs)  # TrainConfig made sure n_examples <= n_pairs
    pairs = np.stack([chosen // n_values, chosen % n_values], axis=1)  # (N, 2)
    operands = np.stack(
        [
            bitlib.ints_to_rows(pairs[:, 0].tolist(), config.train_bits),
            bitlib.ints_to_rows(pairs[:, 1].tolist(), config.train_bits),
        ],
        axis=1,
    )  # (N, 2, L)
    return Dataset(fixed=operands[: config.n_examples], held_out=operands[config.n_examples :])


def next_batch(
    config: TrainConfig, data: Dataset, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs x (B, T, 2) and target sum bits (B, T) for one step, T = train_bits + 1."""
    n_steps = config.train_bits + 1
    if data.fixed is not None:
        operands = (
            data.fixed
            if config.batch_size >= len(data.fixed)
            else (data.fixed[rng.choice(len(data.fixed), config.batch_size, replace=False)])
        )
    else:
        operands = draw_operands(config, rng, 1)
    x = with_noise(config, rng, bitlib.model_inputs(operands, n_steps))
    return x, bitlib.sum_bits(operands, n_steps).astype(np.float32)


def with_noise(config: TrainConfig, rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Training inputs x (..., T, 2) with Gaussian noise of std config.input_noise added to
    every bit (x itself, and no draw from rng, when it is 0)."""
    if config.input_noise == 0:
        return x
    return x + rng.normal(0.0, config.input_noise, x.shape).astype(np.float32)


# Of each "mixed" batch, this share of pairs comes from bits.chain_operands (carry chains of
# every length, and long runs of one input pair) and this share from carry.stress_operands
# (carries all the way along: (2**L - 1) + 1 and 1 + (2**L - 1) first); the rest is uniform.
# Uniform pairs teach fastest; a quarter of chains cost most seeds a check (25 steps) more.
MIXED_CHAINS, MIXED_STRESS = 0.0625, 0.0625


def draw_operands(config: TrainConfig, rng: np.random.Generator, n_batches: int) -> np.ndarray:
    """Fresh operand bits (n_batches * B, 2, L), batch after batch, least significant first:
    uniform random, bits.chain_operands, or "mixed" (see MIXED_CHAINS)."""
    batch, bits = config.batch_size, config.train_bits
    if config.operands == "uniform":
        return bitlib.random_operands(rng, n_batches * batch, bits)
    if config.operands == "chains":
        return bitlib.chain_operands(rng, n_batches * batch, bits)
    n_chains, n_stress = round(MIXED_CHAINS * batch), round(MIXED_STRESS * batch)
    n_uniform = batch - n_chains - n_stress
    uniform = bitlib.random_operands(rng, n_batches * n_uniform, bits)
    chains = bitlib.chain_operands(rng, n_batches * n_chains, bits)
    parts = [
        uniform.reshape(n_batches, n_uniform, 2, bits),
        chains.reshape(n_batches, n_chains, 2, bits),
        np.stack([stress_operands(rng, n_stress, bits) for _ in range(n_batches)]),
    ]
    return np.concatenate(parts, axis=1).reshape(n_batches * batch, 2, bits)


CHUNK_STEPS = 25  # at most this many Adam steps run in one compiled call
NOISE_RAMP_STEPS = 1000  # state noise grows to its full size over this many steps


def _adam_step(weights, m, v, t, x, target, learning_rate, loss_kind, state_noise, seed, held):
    """One Adam step on one batch x (B, T, 2), target (B, T); returns the loss before it.

    state_noise > 0 adds uniform noise in [-s, s] to every unit of h_t after every step, s growing
    from 0 to state_noise over the first NOISE_RAMP_STEPS steps (so that the model learns to add
    before it must withstand the full noise), drawn from `seed` (int32 (1,)) and the step count:
    the same seed gives the same noise. `held` names gates held at 1 (ModelConfig.held_gates)."""
    noise = None
    if state_noise > 0:
        shape = tf.concat([tf.shape(x)[:2], tf.shape(weights[3])[:1]], 0)  # (B, T, H)
        noise_seed = tf.concat([seed, tf.cast(t, tf.int32)[None]], 0)  # (2,)
        scale = state_noise * tf.minimum(1.0, (t + 1.0) / NOISE_RAMP_STEPS)  # growing at first
        noise = tf.random.stateless_uniform(shape, noise_seed, -1.0, 1.0) * scale
    with tf.GradientTape() as tape:
        y = gru_sequence(x, *weights, keep_internals=False, noise=noise, held=held)["y"]  # (B, T)
        if loss_kind == "cross_entropy":
            per_bit = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=y)
        else:
            per_bit = tf.square(y - target)
        loss = tf.reduce_mean(per_bit)
    grads = tape.gradient(loss, weights)
    t.assign_add(1.0)
    scale = learning_rate * tf.sqrt(1 - ADAM_BETA_2**t) / (1 - ADAM_BETA_1**t)
    for w, g, m_w, v_w in zip(weights, grads, m, v):
        m_w.assign(ADAM_BETA_1 * m_w + (1 - ADAM_BETA_1) * g)
        v_w.assign(ADAM_BETA_2 * v_w + (1 - ADAM_BETA_2) * tf.square(g))
        w.assign_sub(scale * m_w / (tf.sqrt(v_w) + ADAM_EPSILON))
    return loss


@functools.cache
def _compiled_chunk(loss_kind: str, state_noise: float = 0.0, held: tuple[str, ...] = ()):
    """The first n of the batches xs (K, B, T, 2), targets (K, B, T) as n Adam steps in one XLA
    call, after copying the state (weights, m, v, t) into `saved`; returns the K losses (the
    first n meaningful). `seed` (int32 (1,)) draws the state noise, if any; `held` names gates
    held at 1."""

    def chunk(state, saved, xs, targets, n, learning_rate, seed):
        for copy, variable in zip(saved, state):
            copy.assign(variable)
        weights, m, v, t = _unpack(state)

        def body(k, losses):
            args = (learning_rate, loss_kind, state_noise, seed, held)
            loss = _adam_step(weights, m, v, t, xs[k], targets[k], *args)
            return k + 1, losses.write(k, loss)

        _, losses = tf.while_loop(
            lambda k, losses: k < n,
            body,
            (tf.constant(0), tf.TensorArray(tf.float32, size=xs.shape[0])),
            maximum_iterations=xs.shape[0],
        )
        return losses.stack()

    return tf.function(chunk, jit_compile=True, autograph=False)


@functools.cache
def _compiled_restore():
    """Put the state saved at the start of the last chunk back."""

    def restore(state, saved):
        for variable, copy in zip(state, saved):
            variable.assign(copy)

    return tf.function(restore, jit_compile=True, autograph=False)


def _unpack(state: list) -> tuple[list, list, list, tf.Variable]:
    """(weights, m, v, t) from the flat training state [*weights, *m, *v, t]."""
    n = (len(state) - 1) // 3
    return state[:n], state[n : 2 * n], state[2 * n : 3 * n], state[-1]


def chunk_batches(
    config: TrainConfig, data: Dataset, rng: np.random.Generator, n: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (size, B, T, 2) and targets (size, B, T) for a chunk whose first n steps run:
    fresh operands for all `size` steps in one draw (so that the batches of a step depend only
    on the config and the seed, not on where training stops), or n draws of `next_batch` from a
    fixed set (zeros after them)."""
    batch, n_steps = config.batch_size, config.train_bits + 1
    if data.fixed is not None:
        xs = np.zeros((size, batch, n_steps, 2), np.float32)
        targets = np.zeros((size, batch, n_steps), np.float32)
        for k in range(n):
            xs[k], targets[k] = next_batch(config, data, rng)
        return xs, targets
    operands = draw_operands(config, rng, size)  # (size B, 2, L)
    xs = bitlib.model_inputs(operands, n_steps).reshape(size, batch, n_steps, 2)
    xs = with_noise(config, rng, xs)
    return xs, ripple_sum(operands, n_steps).reshape(size, batch, n_steps).astype(np.float32)


def ripple_sum(operands: np.ndarray, n_steps: int) -> np.ndarray:
    """Sum bits int8 (N, n_steps) of short operand bits (N, 2, L), n_steps > L, added column by
    column with a carry (bits.sum_bits goes through Python ints: exact at any length, slower)."""
    a, b = operands[:, 0], operands[:, 1]  # (N, L)
    out = np.zeros((len(operands), n_steps), np.int8)
    carry = np.zeros(len(operands), np.int8)
    for t in range(a.shape[1]):
        total = a[:, t] + b[:, t] + carry
        out[:, t], carry = total & 1, total >> 1
    out[:, a.shape[1]] = carry
    return out


def provenance(history: TrainHistory, accuracy: dict[int, float]) -> dict:
    from gru_viz import __version__

    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "gru_viz": __version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "steps": history.steps[-1] if history.steps else 0,
        "stopped": history.stopped,
        "train_seconds": round(history.wall_time, 3),
        "check": {str(k): v for k, v in accuracy.items()},
    }


def train(
    config: TrainConfig | None = None,
    on_step: Callable[[StepInfo], bool | None] | None = None,
) -> tuple[GRUModel, TrainHistory]:
    """Train a fresh model; stop once the held-out check passes, at max_steps, or when on_step
    returns True. The same config (and seed) always gives the same model.

    The steps up to the next check run as one compiled call (a chunk); on_step is then told of
    each of them in turn, with its loss, and the live model as it is at the end of the chunk. A
    stop asked for before the chunk's last step replays the chunk up to that step, so the model
    returned is the model after the last step reported."""
    config = config or TrainConfig()
    run = _Run(config)
    history = TrainHistory(stopped="max_steps")
    accuracy: dict[int, float] = {}
    step = 0
    while history.stopped == "max_steps" and step < config.max_steps:
        first, n = step + 1, chunk_length(config, step)
        losses = run.steps(n)
        step += n
        checked = None
        if step % config.check_every == 0 or step == config.max_steps:
            checked, margin = run.check()
            if min(checked.values()) == 1.0 and margin > config.check_margin and run.confirm():
                history.stopped = "converged"
        stop_at = _report(history, on_step, run.model, config, first, losses, checked)
        if stop_at is not None:
            history.stopped = "stopped"
            if stop_at < step:
                run.replay(stop_at - first + 1)
        if checked is not None and history.steps[-1] == step:
            accuracy = checked
    history.wall_time = time.perf_counter() - run.start
    run.model.provenance = provenance(history, accuracy)
    xla_cache.publish(XLA_CACHE)
    return run.model, history


class _Run:
    """One training's model, Adam state, data, check and compiled chunk."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.start = time.perf_counter()
        weights = init_weights(
            config.model, self.rng, config.init, config.init_std, config.gate_bias
        )
        for gate in config.held_gates:  # drawn as for a GRU (the same seed, the same others)...
            for name in (f"W{gate}", f"U{gate}", f"b{gate}"):  # ...and zero: they are unused
                weights[name][...] = 0.0
        self.model = GRUModel(config.model, weights, train_config=config.to_dict())
        self.data = make_dataset(config, self.rng)
        variables = list(self.model.variables)
        m = [tf.Variable(tf.zeros_like(w)) for w in variables]
        v = [tf.Variable(tf.zeros_like(w)) for w in variables]
        self.state = [*variables, *m, *v, tf.Variable(0.0)]  # see _unpack
        self.saved = [tf.Variable(tf.zeros_like(s)) for s in self.state]
        self.size = chunk_size(config)
        self.learning_rate = tf.constant(config.learning_rate, tf.float32)
        held_out = self.data.held_out is not None and config.check_pairs == 0
        self.check_set = None if held_out else CheckSet(config)
        self.confirm_set: CheckSet | None = None  # built when the check first passes
        self.batches: tuple[tf.Tensor, tf.Tensor] | None = None

    def steps(self, n: int) -> list[float]:
        """Run the next n steps in one compiled call; their losses."""
        xs, targets = chunk_batches(self.config, self.data, self.rng, n, self.size)
        self.batches = (tf.constant(xs), tf.constant(targets))
        return self._run_chunk(n)[:n].tolist()

    def replay(self, n: int) -> None:
        """Go back to the start of the last chunk and run only its first n steps."""
        _compiled_restore()(self.state, self.saved)
        self.model.weights_changed()
        self._run_chunk(n)

    def _run_chunk(self, n: int) -> np.ndarray:
        chunk = _compiled_chunk(self.config.loss, self.config.state_noise, self.config.held_gates)
        seed = tf.constant([self.config.seed % 2**31], tf.int32)
        args = (self.state, self.saved, *self.batches, tf.constant(n), self.learning_rate, seed)
        losses = chunk(*args).numpy()
        self.model.weights_changed()
        return losses

    def check(self) -> tuple[dict[int, float], float]:
        """The held-out check of the live model (see `check`)."""
        if self.check_set is None:
            return check(self.model, self.config, self.data.held_out)
        return self.check_set(self.model)

    def confirm(self) -> bool:
        """Whether the live model passes the check's confirmation (see `confirm`), run compiled
        in batches of the check's size."""
        config = self.config
        if config.confirm_pairs == 0:
            return True
        if self.confirm_set is None:
            self.confirm_set = CheckSet(config, config.confirm_pairs, 2, config.check_pairs)
        accuracy, margin = self.confirm_set(self.model)
        return min(accuracy.values()) == 1.0 and margin > config.check_margin


def chunk_size(config: TrainConfig) -> int:
    """Steps that each compiled call has room for (and batches drawn per call)."""
    return min(config.check_every, CHUNK_STEPS)


def chunk_length(config: TrainConfig, done: int) -> int:
    """Steps in the chunk after `done` steps: up to the next check, at most CHUNK_STEPS."""
    to_check = config.check_every - done % config.check_every
    return min(to_check, chunk_size(config), config.max_steps - done)


def _report(
    history: TrainHistory,
    on_step: Callable[[StepInfo], bool | None] | None,
    model: GRUModel,
    config: TrainConfig,
    first: int,
    losses: list[float],
    checked: dict[int, float] | None,
) -> int | None:
    """Record a chunk's steps (the first is `first`; the check, if any, is on its last) and tell
    on_step of each; the step at which on_step asked to stop, if it did."""
    last = first + len(losses) - 1
    for step, loss in enumerate(losses, first):
        history.steps.append(step)
        history.losses.append(loss)
        accuracy = checked if step == last else None
        if accuracy is not None:
            history.checks.append((step, accuracy))
        info = StepInfo(step, config.max_steps, loss, accuracy, model)
        if on_step is not None and on_step(info):
            return step
    return None
