"""The exact-sum check that stops a training, and its confirmation: random pairs by length,
half uniform and half carry chains that run all the way along, every sum exact and every bit's
margin above the config's. `check` and `confirm` run on any model; `CheckSet` is the same check
built once and run compiled, as `gru_viz.train` does after every chunk."""

from __future__ import annotations

import functools

import numpy as np

from gru_viz import bits as bitlib
from gru_viz import quiet
from gru_viz.carry import stress_operands
from gru_viz.config import TrainConfig
from gru_viz.evaluate import check_margins
from gru_viz.model import GRUModel, gru_sequence

tf = quiet.tensorflow()  # (without its start-up lines)


def check(
    model: GRUModel, config: TrainConfig, held_out: np.ndarray | None = None
) -> tuple[dict[int, float], float]:
    """Exact-sum accuracy on the held-out check by operand bit length, and the smallest margin
    of any checked bit (see evaluate.check_margins): on `held_out` (M, 2, L), a fixed training
    set's held-out pairs, where the config draws no random check pairs. Any model: `train`
    itself runs the random check compiled (see CheckSet)."""
    if held_out is not None and config.check_pairs == 0:
        accuracy, margin = check_margins(model, held_out)
        return {config.train_bits: accuracy}, margin
    results = {n: check_margins(model, ops) for n, ops in check_operands(config).items()}
    return {n: acc for n, (acc, _) in results.items()}, min(m for _, m in results.values())


def confirm(model: GRUModel, config: TrainConfig) -> bool:
    """Whether `model` passes the check's confirmation, which `train` runs once the check has
    passed: config.confirm_pairs more pairs per length, drawn apart from the check's, every sum
    exact and every bit's margin above config.check_margin (True if confirm_pairs is 0)."""
    if config.confirm_pairs == 0:
        return True
    operands = check_operands(config, config.confirm_pairs, stream=2).values()
    results = [check_margins(model, ops) for ops in operands]
    return (
        all(acc == 1.0 for acc, _ in results) and min(m for _, m in results) > config.check_margin
    )


def check_operands(
    config: TrainConfig, n_pairs: int | None = None, stream: int = 1
) -> dict[int, np.ndarray]:
    """The random check's operand bits (N, 2, n) by length n: n_pairs (config.check_pairs) per
    length, half uniform, half chains that carry all the way along (carry.stress_operands:
    (2**n - 1) + 1, a + (2**n - a), ...), drawn from the seed's stream 1 (the check) or 2 (its
    confirmation)."""
    n_pairs = config.check_pairs if n_pairs is None else n_pairs
    rng = np.random.default_rng([config.seed, stream])
    out = {}
    for n_bits in config.check_bits:
        half = n_pairs // 2
        out[n_bits] = np.concatenate(
            [
                bitlib.random_operands(rng, n_pairs - half, n_bits),
                stress_operands(rng, half, n_bits),
            ]
        )
    return out


@functools.cache
def _compiled_check(output: str, held: tuple[str, ...] = ()):
    """Exact-sum fraction and smallest signed bit margin of x (N, T, 2) against target (N, T),
    in one XLA call, for a model holding the gates `held` at 1."""

    def run(weights, x, target):
        y = gru_sequence(x, *weights, keep_internals=False, held=held)["y"]  # (N, T)
        p = tf.sigmoid(y) if output == "logistic" else tf.clip_by_value(y, 0.0, 1.0)
        worst = tf.reduce_min(tf.where(target > 0.5, p - 0.5, 0.5 - p), axis=1)  # (N,)
        return tf.reduce_mean(tf.cast(worst > 0, tf.float32)), tf.reduce_min(worst)

    return tf.function(run, jit_compile=True, autograph=False)


class CheckSet:
    """The random check of `check` (or its confirmation), its inputs built once and run compiled
    on a GRUModel, in batches of at most `batch` pairs (one compiled shape per length)."""

    def __init__(
        self, config: TrainConfig, n_pairs: int | None = None, stream: int = 1, batch: int = 0
    ) -> None:
        self.output = config.output
        self.held = config.held_gates
        self.sets = []  # (n_bits, x (N, n + 1, 2), target (N, n + 1))
        for n_bits, operands in check_operands(config, n_pairs, stream).items():
            for start in range(0, len(operands), batch or len(operands)):
                part = operands[start : start + (batch or len(operands))]
                x = bitlib.model_inputs(part, n_bits + 1)
                target = bitlib.sum_bits(part, n_bits + 1).astype(np.float32)
                self.sets.append((n_bits, tf.constant(x), tf.constant(target)))

    def __call__(self, model: GRUModel) -> tuple[dict[int, float], float]:
        run = _compiled_check(self.output, self.held)
        results = [(n, len(x), *run(model.variables, x, target)) for n, x, target in self.sets]
        accuracy = {
            n: sum(float(acc) * size for m, size, acc, _ in results if m == n)
            / sum(size for m, size, _, _ in results if m == n)
            for n, *_ in results
        }
        return accuracy, min(float(worst) for *_, worst in results)
