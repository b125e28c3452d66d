"""Training: Adam on batches of additions, with a held-out exact-sum check that stops it.

`train` is one importable function for the CLI, the app's background thread and the tests. It
reports every step to `on_step`, which can ask to stop (return True) or pause (block).
"""

from __future__ import annotations

import functools
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from gru_viz import bits as bitlib
from gru_viz.config import TrainConfig
from gru_viz.evaluate import check_margins
from gru_viz.model import GRUModel, gru_sequence
from gru_viz.weights import init_weights

ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7


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
        draw = bitlib.chain_operands if config.operands == "chains" else bitlib.random_operands
        operands = draw(rng, config.batch_size, config.train_bits)
    x = bitlib.model_inputs(operands, n_steps)
    return x, bitlib.sum_bits(operands, n_steps).astype(np.float32)


@functools.cache
def _compiled_step(loss_kind: str):
    """One Adam step on one batch, compiled with XLA; returns the loss before the step."""

    def step(weights, m, v, t, x, target, learning_rate):
        with tf.GradientTape() as tape:
            y = gru_sequence(x, *weights, keep_internals=False)["y"]  # (B, T)
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

    return tf.function(step, jit_compile=True)


def check(model: GRUModel, config: TrainConfig, data: Dataset) -> tuple[dict[int, float], float]:
    """Exact-sum accuracy on the held-out check by operand bit length, and the smallest margin
    of any checked bit (see evaluate.check_margins)."""
    if data.held_out is not None and config.check_pairs == 0:
        accuracy, margin = check_margins(model, data.held_out)
        return {config.train_bits: accuracy}, margin
    rng = np.random.default_rng([config.seed, 1])
    results = {}
    for n_bits in config.check_bits:
        half = config.check_pairs // 2
        operands = np.concatenate(
            [
                bitlib.random_operands(rng, config.check_pairs - half, n_bits),
                bitlib.chain_operands(rng, half, n_bits),
            ]
        )
        results[n_bits] = check_margins(model, operands)
    return {n: acc for n, (acc, _) in results.items()}, min(m for _, m in results.values())


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
    """Train a fresh model; stop once the held-out check is exact, at max_steps, or when
    on_step returns True. The same config (and seed) always gives the same model."""
    config = config or TrainConfig()
    rng = np.random.default_rng(config.seed)
    start = time.perf_counter()
    model = GRUModel(
        config.model,
        init_weights(config.model, rng, config.init, config.init_std),
        train_config=config.to_dict(),
    )
    data = make_dataset(config, rng)
    m = [tf.Variable(tf.zeros_like(w)) for w in model.variables]
    v = [tf.Variable(tf.zeros_like(w)) for w in model.variables]
    t = tf.Variable(0.0)
    learning_rate = tf.constant(config.learning_rate, tf.float32)
    step_fn = _compiled_step(config.loss)
    history = TrainHistory(stopped="max_steps")
    accuracy: dict[int, float] = {}
    for step in range(1, config.max_steps + 1):
        x, target = next_batch(config, data, rng)
        loss = float(step_fn(list(model.variables), m, v, t, x, target, learning_rate))
        history.steps.append(step)
        history.losses.append(loss)
        checked = None
        if step % config.check_every == 0 or step == config.max_steps:
            checked, margin = check(model, config, data)
            accuracy = checked
            history.checks.append((step, checked))
            if min(checked.values()) == 1.0 and margin > config.check_margin:
                history.stopped = "converged"
        if on_step is not None and on_step(StepInfo(step, config.max_steps, loss, checked, model)):
            history.stopped = "stopped"
        if history.stopped != "max_steps":
            break
    history.wall_time = time.perf_counter() - start
    model.provenance = provenance(history, accuracy)
    return model, history
