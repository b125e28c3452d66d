"""Trace latency: `python -m benchmarks --only trace`.

`model.trace(a, b)` with every gate recorded, for operands of 8 to 65,536 bits, beside:
- a Keras GRU(16) + Dense(1)'s plain prediction (`predict_on_batch`, outputs only) on an input
  of the same length, with `jit_compile=True` and with Keras' default (no XLA for a GRU);
- the numpy reference loop, gru_viz.reference.gru_reference, which also returns every gate;
- the candidate forward pass in benchmarks/candidates.py, the same model with less work per step.
The first call per length compiles (once per padded length); it is reported apart and the
medians are over the calls after it. Cost against length is fitted with a straight line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.common import (
    Row,
    linear_fit,
    log,
    ms,
    quiet_tensorflow,
    repeat,
    spread_ms,
    stats,
    timed,
    verdict,
)

LENGTHS = (8, 64, 1024, 16384, 65536)  # operand bits
TARGETS = {64: 0.010, 16384: 0.150}  # seconds, for model.trace
HIDDEN = 16


@dataclass(frozen=True)
class Plan:
    repeats: int  # timed calls per length, after the first
    slow_budget: float  # seconds: slower cases stop repeating once past this (at least 2 calls)
    numpy_max_bits: int  # the numpy loop is timed up to this length
    keras_default_max_bits: int  # and Keras without XLA up to this one


FULL = Plan(repeats=15, slow_budget=6.0, numpy_max_bits=65536, keras_default_max_bits=65536)
QUICK = Plan(repeats=3, slow_budget=0.5, numpy_max_bits=1024, keras_default_max_bits=16384)


def operands(n_bits: int, rng: np.random.Generator) -> tuple[int, int]:
    """Two random numbers of exactly n_bits bits."""

    def one() -> int:
        low = int.from_bytes(rng.bytes((n_bits + 7) // 8), "little") % (1 << (n_bits - 1))
        return (1 << (n_bits - 1)) | low

    return one(), one()


def inputs(a: int, b: int) -> np.ndarray:
    """x (1, T, 2) for a + b, T = longer operand + 1."""
    from gru_viz import bits as bitlib

    n_steps = bitlib.default_n_bits(a, b)
    return np.stack([bitlib.to_bits(a, n_steps), bitlib.to_bits(b, n_steps)], -1)[None].astype(
        np.float32
    )


def timing(fn, plan: Plan) -> dict:
    """The first call alone, then up to plan.repeats calls within plan.slow_budget seconds."""
    _, first = timed(fn)
    times: list[float] = []
    while len(times) < plan.repeats and (len(times) < 2 or sum(times) < plan.slow_budget):
        times += repeat(fn, 1)
    return {"first": first, **stats(times).to_dict()}


def keras_predictor(variant: str):
    """A Keras GRU(16) + Dense(1), compiled as in the training benchmark."""
    import keras

    keras.utils.set_random_seed(0)
    net = keras.Sequential(
        [
            keras.Input((None, 2)),
            keras.layers.GRU(HIDDEN, return_sequences=True),
            keras.layers.Dense(1),
        ]
    )
    net.compile(loss="mse", jit_compile=True if variant == "xla" else "auto")
    return net


def measure(quick: bool = False) -> dict:
    quiet_tensorflow()
    import gru_viz
    from benchmarks import candidates

    plan = QUICK if quick else FULL
    model = gru_viz.load_model()
    nets = {variant: keras_predictor(variant) for variant in ("xla", "default")}
    rng = np.random.default_rng(2024)
    cases = {}
    for n_bits in LENGTHS:
        cases[str(n_bits)] = one_length(model, nets, n_bits, *operands(n_bits, rng), plan)
        log(
            f"trace: {n_bits} bits: "
            + ", ".join(
                f"{k} {ms(v['median'])}" for k, v in cases[str(n_bits)].items() if "median" in v
            )
        )
    return {
        "plan": plan.__dict__,
        "lengths": LENGTHS,
        "cases": cases,
        "fits": {name: fit(cases, name) for name in ("trace", "candidate", "keras xla", "numpy")},
        "candidate_max_difference": candidates.max_difference(model),
        "check": check_timing(model, plan),
    }


def one_length(model, nets: dict, n_bits: int, a: int, b: int, plan: Plan) -> dict:
    """Every way of running a + b, timed."""
    from benchmarks import candidates
    from gru_viz.reference import gru_reference

    x = inputs(a, b)
    case = {
        "trace": timing(lambda: model.trace(a, b), plan),
        "candidate": timing(lambda: candidates.trace(model, a, b), plan),
        "outputs only": timing(lambda: model.run(x, keep_internals=False), plan),
    }
    for variant, net in nets.items():
        if variant == "xla" or n_bits <= plan.keras_default_max_bits:
            case[f"keras {variant}"] = timing(lambda net=net: net.predict_on_batch(x), plan)
    if n_bits <= plan.numpy_max_bits:
        weights = model.weights()
        case["numpy"] = timing(lambda: gru_reference(x, weights), plan)
    case["correct"] = {
        "trace": model.trace(a, b).correct,
        "candidate": candidates.trace(model, a, b).correct,
    }
    return case


def fit(cases: dict, name: str) -> dict:
    """Median seconds against operand bits, over the lengths where `name` was timed."""
    points = [(int(n), c[name]["median"]) for n, c in cases.items() if name in c]
    result = linear_fit([n for n, _ in points], [t for _, t in points])
    largest, second = points[-1], points[-2]
    result["growth_last_two"] = largest[1] / second[1]  # linear: the ratio of the lengths
    result["length_ratio_last_two"] = largest[0] / second[0]
    return result


def check_timing(model, plan: Plan) -> dict:
    """The robust preset's held-out check forward pass (256 pairs of 256-bit operands, 257 steps,
    padded to 512): the core's and the candidate's."""
    from benchmarks import candidates
    from gru_viz import bits as bitlib

    operands_ = bitlib.random_operands(np.random.default_rng(1), 256, 256)
    x = bitlib.model_inputs(operands_, 257)
    return {
        "core": timing(lambda: model.run(x, keep_internals=False), plan),
        "candidate": timing(lambda: candidates.run(model, x, keep_internals=False), plan),
    }


NAMES = {
    "trace": "model.trace, all gates",
    "candidate": "candidate trace (benchmarks/candidates.py), all gates",
    "outputs only": "model.run, outputs only",
    "keras xla": "Keras predict_on_batch, jit_compile=True",
    "keras default": "Keras predict_on_batch, default compile",
    "numpy": "numpy reference loop, all gates",
}


def rows(result: dict) -> list[Row]:
    out = []
    for n_bits, case in result["cases"].items():
        n = int(n_bits)
        for name, label in NAMES.items():
            if name not in case:
                continue
            t = case[name]
            target, met = "", ""
            if name == "trace" and n in TARGETS:
                target, met = f"< {ms(TARGETS[n])}", verdict(t["median"], TARGETS[n], " s")
            out.append(
                Row(
                    "trace",
                    f"{n:,} bits: {label}",
                    ms(t["median"]),
                    f"{spread_ms(t)}; first call {ms(t['first'])}",
                    target,
                    met,
                )
            )
    for name in ("trace", "candidate", "keras xla", "numpy"):
        f = result["fits"][name]
        out.append(
            Row(
                "trace",
                f"linear fit, {NAMES[name]}",
                f"{f['slope'] * 1e6:.2f} us/bit + {ms(f['intercept'])}",
                f"R^2 {f['r2']:.4f}; x{f['length_ratio_last_two']:.0f} length -> "
                f"x{f['growth_last_two']:.2f} time",
                "linear" if name == "trace" else "",
            )
        )
    check = result["check"]
    for name in ("core", "candidate"):
        out.append(
            Row(
                "trace",
                f"robust check forward (256 x 257 steps), {name}",
                ms(check[name]["median"]),
                spread_ms(check[name]),
            )
        )
    out.append(
        Row(
            "trace",
            "candidate vs numpy reference, largest difference",
            f"{result['candidate_max_difference']:.1e}",
        )
    )
    return out
