"""Time to a perfect model: `python -m benchmarks --only training`.

From a fresh initialization until the stop rule holds, after TensorFlow is imported, for:
- our `robust` preset: the first run in the process (it includes the XLA compile of the
  training step and of the check) and warm runs (the compiled code reused, as from the second
  model on);
- a Keras GRU(H) + Dense(1), what a TensorFlow user would write instead, trained with
  `train_on_batch` on the same batches (same seed, same `next_batch` sequence), the same learning
  rate and the same stop rule (`gru_viz.training.check` every 25 steps: every held-out sum exact,
  every bit's probability at least the margin away from 0.5); once with `jit_compile=True` and
  once with Keras' default (`"auto"`, which leaves a GRU model without XLA);
- our `tutorial` preset (the article's recipe): time to its own 5-bit criterion and the
  exact-sum accuracy it then has on longer numbers.
Each model is then scored on random pairs (1,000 of 1,024 bits, 10 of 65,536 bits): "perfect"
means every one of those sums is exact.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from benchmarks.common import Row, log, quiet_tensorflow, secs, spread_s, stats, verdict
from gru_viz.config import ModelConfig
from gru_viz.interface import AdditionModel

PERFECT_AT = ((1024, 1000), (65536, 10))  # (operand bits, random pairs) a perfect model gets right
TUTORIAL_AT = ((64, 1000), (1024, 1000), (65536, 10))
KERAS_STEP_FACTOR = 4  # Keras may take this many times the preset's step limit to converge
TARGET_SECONDS = 1.0  # robust, warm median
TARGET_RATIO = 0.5  # robust / Keras, warm medians in the same run


@dataclass(frozen=True)
class Plan:
    seeds: tuple[int, ...]
    repeats: int  # warm runs of the robust preset per seed
    keras_variants: tuple[str, ...]  # "xla" (jit_compile=True) and/or "default"
    tutorial_seeds: tuple[int, ...]


FULL = Plan(
    seeds=(0, 1, 2, 3, 4),
    repeats=3,
    keras_variants=("xla", "default"),
    tutorial_seeds=(0, 1, 2, 3, 4),
)
QUICK = Plan(seeds=(0,), repeats=2, keras_variants=("xla",), tutorial_seeds=(0,))


# SCORING


def exact_sums(model, seed: int, lengths: tuple[tuple[int, int], ...]) -> dict[str, float]:
    """Exact-sum accuracy on random pairs at each (operand bits, pairs), keyed by bits."""
    from gru_viz.evaluate import random_accuracy

    rng = np.random.default_rng([seed, 7])
    return {str(bits): random_accuracy(model, rng, pairs, bits) for bits, pairs in lengths}


def is_perfect(exact: dict[str, float]) -> bool:
    return all(value == 1.0 for value in exact.values())


# OUR PRESETS


def ours(preset: str, seed: int, **overrides) -> tuple[object, dict]:
    """Train with gru_viz.train and time the whole call."""
    import gru_viz

    start = time.perf_counter()
    model, history = gru_viz.train(gru_viz.TrainConfig(preset=preset, seed=seed, **overrides))
    seconds = time.perf_counter() - start
    return model, {
        "seed": seed,
        "steps": history.steps[-1],
        "stopped": history.stopped,
        "seconds": seconds,
    }


# THE KERAS BASELINE


class KerasAdder(AdditionModel):
    """A Keras GRU network behind gru_viz's model interface, so that gru_viz's check and
    scoring run on it unchanged: only the forward pass (logits y (B, T)) is its own."""

    def __init__(self, net) -> None:
        super().__init__(ModelConfig(output="logistic"))
        self.net = net

    def run(self, x: np.ndarray, keep_internals: bool = False) -> dict[str, np.ndarray]:
        return {"y": np.asarray(self.net.predict_on_batch(x))[..., 0]}  # (B, T)

    def weights(self) -> dict[str, np.ndarray]:
        return {f"keras_{i}": w for i, w in enumerate(self.net.get_weights())}


def keras_network(hidden_size: int, seed: int):
    """keras.layers.GRU(H) + Dense(1) on inputs (B, T, 2), weights drawn from `seed`."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((None, 2)),
            keras.layers.GRU(hidden_size, return_sequences=True),
            keras.layers.Dense(1),
        ]
    )


def keras_compile(net, learning_rate: float, variant: str) -> None:
    """Adam at the preset's rate, cross-entropy on logits; XLA if variant is "xla"."""
    import keras

    net.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        jit_compile=True if variant == "xla" else "auto",
    )


def keras_reset(net, hidden_size: int, seed: int) -> None:
    """Give a compiled network the weights a fresh one would have, and a fresh optimizer."""
    net.set_weights(keras_network(hidden_size, seed).get_weights())
    for variable in net.optimizer.variables:
        if "learning_rate" not in variable.path:
            variable.assign(np.zeros(variable.shape, variable.dtype))


def keras_train(net, seed: int, max_steps: int) -> dict:
    """Train on exactly the batches gru_viz.train(TrainConfig(seed=seed)) would see, with its
    check and stop rule. Returns steps, why it stopped and seconds (caller adds setup)."""
    from gru_viz import training
    from gru_viz.config import TrainConfig
    from gru_viz.weights import init_weights

    config = TrainConfig(seed=seed)
    rng = np.random.default_rng(seed)
    init_weights(config.model, rng, config.init, config.init_std)  # the same draws as train()
    data = training.make_dataset(config, rng)
    adder = KerasAdder(net)
    stopped = "max_steps"
    for step in range(1, max_steps + 1):
        x, target = training.next_batch(config, data, rng)
        net.train_on_batch(x, target[..., None])
        if step % config.check_every == 0 or step == max_steps:
            accuracy, margin = training.check(adder, config, data)
            if min(accuracy.values()) == 1.0 and margin > config.check_margin:
                stopped = "converged"
                break
    return {"seed": seed, "steps": step, "stopped": stopped}


def keras_run(variant: str, seed: int, net=None) -> tuple[object, dict]:
    """One Keras training: a new network compiled here (net=None, the cold case) or `net`
    reused with fresh weights (warm). The clock covers both."""
    from gru_viz.config import TrainConfig

    config = TrainConfig(seed=seed)
    start = time.perf_counter()
    if net is None:
        net = keras_network(config.hidden_size, seed)
        keras_compile(net, config.learning_rate, variant)
    else:
        keras_reset(net, config.hidden_size, seed)
    run = keras_train(net, seed, KERAS_STEP_FACTOR * config.max_steps)
    run["seconds"] = time.perf_counter() - start
    return net, run


# THE MEASUREMENT


def measure(quick: bool = False) -> dict:
    quiet_tensorflow()
    import keras  # noqa: F401  (both imported before any clock starts)
    import tensorflow  # noqa: F401

    plan = QUICK if quick else FULL
    out: dict = {"plan": plan.__dict__, "perfect_at": PERFECT_AT, "tutorial_at": TUTORIAL_AT}
    _, cold = ours("robust", plan.seeds[0])
    log(f"training: robust, first run in the process: {cold}")
    out["robust_cold"] = cold
    nets, keras_cold = {}, {}
    for variant in plan.keras_variants:
        nets[variant], keras_cold[variant] = keras_run(variant, plan.seeds[0])
        log(f"training: keras {variant}, new network: {keras_cold[variant]}")
    out["keras_cold"] = keras_cold
    out["robust_warm"], out["keras_warm"] = warm_runs(plan, nets)
    out["tutorial"] = tutorial_runs(plan.tutorial_seeds)
    out["summary"] = summarize(out)
    return out


def warm_runs(plan: Plan, nets: dict) -> tuple[dict, dict]:
    """Warm robust runs (plan.repeats per seed) and warm Keras runs (one per seed), each seed's
    Keras runs right after our first, so both see the same load; each model then scored."""
    robust: dict[str, list[dict]] = {str(seed): [] for seed in plan.seeds}
    keras: dict[str, list[dict]] = {variant: [] for variant in nets}
    for repeat in range(plan.repeats):
        for seed in plan.seeds:
            model, run = ours("robust", seed)
            if repeat == 0:
                run["exact"] = exact_sums(model, seed, PERFECT_AT)
            robust[str(seed)].append(run)
            log(f"training: robust warm {run}")
            for variant, net in nets.items() if repeat == 0 else ():
                net, krun = keras_run(variant, seed, net)
                krun["exact"] = exact_sums(KerasAdder(net), seed, PERFECT_AT)
                keras[variant].append(krun)
                log(f"training: keras {variant} warm {krun}")
    return robust, keras


def tutorial_runs(seeds: tuple[int, ...]) -> list[dict]:
    """The tutorial recipe, warm (a one-step run compiles its step first), per seed."""
    ours("tutorial", 0, max_steps=1)
    runs = []
    for seed in seeds:
        model, run = ours("tutorial", seed)
        run["exact"] = exact_sums(model, seed, TUTORIAL_AT)
        runs.append(run)
        log(f"training: tutorial {run}")
    return runs


def summarize(out: dict) -> dict:
    """Medians over seeds (of each seed's median over repeats) and the ratios."""
    per_seed = [
        statistics.median(r["seconds"] for r in runs) for runs in out["robust_warm"].values()
    ]
    robust = stats(per_seed)
    summary = {
        "robust_warm": robust.to_dict(),
        "robust_steps": statistics.median(runs[0]["steps"] for runs in out["robust_warm"].values()),
        "robust_perfect": sum(is_perfect(runs[0]["exact"]) for runs in out["robust_warm"].values()),
        "seeds": len(per_seed),
        "keras": {},
    }
    for variant, runs in out["keras_warm"].items():
        keras = stats([r["seconds"] for r in runs])
        summary["keras"][variant] = {
            "warm": keras.to_dict(),
            "steps": statistics.median(r["steps"] for r in runs),
            "converged": sum(r["stopped"] == "converged" for r in runs),
            "perfect": sum(is_perfect(r["exact"]) for r in runs),
            "ratio": robust.median / keras.median,
            "cold_ratio": out["robust_cold"]["seconds"] / out["keras_cold"][variant]["seconds"],
        }
    tutorial = out["tutorial"]
    summary["tutorial"] = {
        "seconds": stats([r["seconds"] for r in tutorial]).to_dict(),
        "steps": statistics.median(r["steps"] for r in tutorial),
        "converged": sum(r["stopped"] == "converged" for r in tutorial),
        "exact": {
            bits: (min(r["exact"][bits] for r in tutorial), max(r["exact"][bits] for r in tutorial))
            for bits in tutorial[0]["exact"]
        },
    }
    return summary


# THE TABLE


def rows(result: dict) -> list[Row]:
    s = result["summary"]
    n = s["seeds"]
    robust = s["robust_warm"]
    cold = result["robust_cold"]
    out = [
        Row(
            "training",
            f"robust, first run in process (seed {cold['seed']}, incl. XLA compile)",
            secs(cold["seconds"]),
            f"{cold['steps']} steps",
        ),
        Row(
            "training",
            f"robust, warm, median over {n} seeds",
            secs(robust["median"]),
            spread_s(robust)
            + f"; {s['robust_steps']:.0f} steps; perfect {s['robust_perfect']}/{n}",
            "< 1 s",
            verdict(robust["median"], TARGET_SECONDS, " s"),
        ),
    ]
    names = {"xla": "Keras GRU, jit_compile=True", "default": "Keras GRU, default compile"}
    for variant, k in s["keras"].items():
        warm = k["warm"]
        out.append(
            Row(
                "training",
                f"{names[variant]}, warm, median over {n} seeds",
                secs(warm["median"]),
                spread_s(warm) + f"; {k['steps']:.0f} steps; converged {k['converged']}/{n}, "
                f"perfect {k['perfect']}/{n}",
            )
        )
        cold_k = result["keras_cold"][variant]
        out.append(
            Row(
                "training",
                f"{names[variant]}, new network (incl. compile)",
                secs(cold_k["seconds"]),
                f"{cold_k['steps']} steps",
            )
        )
        out.append(
            Row(
                "training",
                f"robust / {names[variant]}, warm medians",
                f"{k['ratio']:.2f}",
                f"first runs: {k['cold_ratio']:.2f}",
                "<= 0.5",
                "met"
                if k["ratio"] <= TARGET_RATIO
                else f"MISSED ({k['ratio'] / TARGET_RATIO:.2f}x)",
            )
        )
    t = s["tutorial"]
    out.append(
        Row(
            "training",
            f"tutorial, to its own 5-bit criterion, {len(result['tutorial'])} seeds",
            secs(t["seconds"]["median"]),
            spread_s(t["seconds"]) + f"; {t['steps']:.0f} steps; converged "
            f"{t['converged']}/{len(result['tutorial'])}",
        )
    )
    for bits, (low, high) in t["exact"].items():
        value = f"{low:.1%}" if low == high else f"{low:.1%} - {high:.1%}"
        out.append(
            Row(
                "training",
                f"tutorial, exact sums at {int(bits):,} bits",
                value,
                "worst - best seed",
            )
        )
    return out
