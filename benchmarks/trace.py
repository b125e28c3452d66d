"""Trace latency and batched evaluation: `python -m benchmarks --only trace`.

`model.trace(a, b)` with every gate recorded, for operands of 8 to 65,536 bits, beside:
- a Keras GRU(16) + Dense(1)'s plain prediction (`predict_on_batch`, outputs only) on an input
  of the same length, with `jit_compile=True` and with Keras' default (no XLA for a GRU);
- the numpy reference loop, gru_viz.reference.gru_reference, which also returns every gate.
Then the exact-sum accuracy of a batch of random sums (gru_viz.evaluate.exact_accuracy, through
`predict_bits`, outputs only) beside Keras' `predict_on_batch` on the same inputs.
The first call per case compiles (once per padded length); it is reported apart and the medians
are over the calls after it, the cases of one length interleaved call by call, so that ratios to
Keras are taken under the same load. Cost against length is fitted with a straight line.
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
TARGETS = {64: 0.010, 1024: 0.001, 16384: 0.150}  # seconds, for model.trace
KERAS_TARGETS = (16384, 65536)  # lengths where model.trace must take no longer than Keras XLA
EVALUATIONS = {(1000, 1024): 0.100, (10, 65536): 0.300}  # (pairs, operand bits): seconds
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
    return interleaved({"fn": fn}, plan)["fn"]


def interleaved(fns: dict, plan: Plan) -> dict:
    """Each function's first call, then rounds of one call of each in turn: up to plan.repeats
    calls of each, a slow one stopping once past plan.slow_budget seconds (at least 2 calls)."""
    first = {name: timed(fn)[1] for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(plan.repeats):
        for name, fn in fns.items():
            if len(times[name]) < 2 or sum(times[name]) < plan.slow_budget:
                times[name] += repeat(fn, 1)
    return {name: {"first": first[name], **stats(times[name]).to_dict()} for name in fns}


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
                f"{k} {ms(v['median'])}"
                for k, v in cases[str(n_bits)].items()
                if isinstance(v, dict) and "median" in v
            )
        )
    evaluations = {}
    for n_pairs, n_bits in EVALUATIONS:
        result = evaluation(model, nets["xla"], n_pairs, n_bits, rng, plan)
        evaluations[f"{n_pairs}x{n_bits}"] = {"pairs": n_pairs, "bits": n_bits, **result}
        log(
            f"trace: accuracy of {n_pairs} x {n_bits} bits: "
            + ", ".join(
                f"{k} {ms(v['median'])}"
                for k, v in result.items()
                if isinstance(v, dict) and "median" in v
            )
        )
    return {
        "plan": plan.__dict__,
        "lengths": LENGTHS,
        "cases": cases,
        "fits": {name: fit(cases, name) for name in ("trace", "keras xla", "numpy")},
        "max_difference": max_difference(model),
        "evaluations": evaluations,
        "check": check_timing(model, plan),
    }


def one_length(model, nets: dict, n_bits: int, a: int, b: int, plan: Plan) -> dict:
    """Every way of running a + b, timed: ours and Keras with XLA interleaved call by call."""
    from gru_viz.reference import gru_reference

    x = inputs(a, b)
    case = interleaved(
        {
            "trace": lambda: model.trace(a, b),
            "keras xla": lambda: nets["xla"].predict_on_batch(x),
            "outputs only": lambda: model.run(x, keep_internals=False),
        },
        plan,
    )
    if n_bits <= plan.keras_default_max_bits:
        case["keras default"] = timing(lambda: nets["default"].predict_on_batch(x), plan)
    if n_bits <= plan.numpy_max_bits:
        weights = model.weights()
        case["numpy"] = timing(lambda: gru_reference(x, weights), plan)
    case["trace / keras xla"] = case["trace"]["median"] / case["keras xla"]["median"]
    case["correct"] = {"trace": model.trace(a, b).correct}
    return case


def evaluation(model, net, n_pairs: int, n_bits: int, rng: np.random.Generator, plan: Plan):
    """Exact-sum accuracy of n_pairs random n_bits-bit sums (operand bits to accuracy, through
    predict_bits), interleaved with Keras' outputs on the same inputs (prepared beforehand)."""
    from gru_viz import bits as bitlib
    from gru_viz.evaluate import exact_accuracy

    operands_ = bitlib.random_operands(rng, n_pairs, n_bits)
    x = bitlib.model_inputs(operands_, n_bits + 1)  # (N, T, 2)
    result = interleaved(
        {
            "accuracy": lambda: exact_accuracy(model, operands_),
            "keras xla": lambda: net.predict_on_batch(x),
        },
        plan,
    )
    result["exact"] = exact_accuracy(model, operands_)
    result["accuracy / keras xla"] = result["accuracy"]["median"] / result["keras xla"]["median"]
    return result


def max_difference(model, n_bits: int = 300, seed: int = 0) -> float:
    """Largest difference of any gate, state or output of model.run from gru_viz.reference on
    random inputs (3, n_bits, 2)."""
    from gru_viz.reference import gru_reference

    x = np.random.default_rng(seed).integers(0, 2, (3, n_bits, 2)).astype(np.float32)
    expected, got = gru_reference(x, model.weights()), model.run(x)
    return float(max(np.abs(got[name] - expected[name]).max() for name in expected))


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
    padded to 512), outputs only."""
    from gru_viz import bits as bitlib

    operands_ = bitlib.random_operands(np.random.default_rng(1), 256, 256)
    x = bitlib.model_inputs(operands_, 257)
    return {"core": timing(lambda: model.run(x, keep_internals=False), plan)}


NAMES = {
    "trace": "model.trace, all gates",
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
        ratio = case["trace / keras xla"]
        out.append(
            Row(
                "trace",
                f"{n:,} bits: model.trace, all gates / Keras jit_compile=True, outputs only",
                f"{ratio:.2f}",
                "same run, interleaved medians",
                "<= 1" if n in KERAS_TARGETS else "",
                ratio_verdict(ratio) if n in KERAS_TARGETS else "",
            )
        )
    for name in ("trace", "keras xla", "numpy"):
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
    for ev in result["evaluations"].values():
        limit = EVALUATIONS[(ev["pairs"], ev["bits"])]
        what = f"{ev['pairs']:,} random {ev['bits']:,}-bit sums"
        t, k = ev["accuracy"], ev["keras xla"]
        out += [
            Row(
                "trace",
                f"exact-sum accuracy of {what} (predict_bits)",
                ms(t["median"]),
                f"{spread_ms(t)}; first call {ms(t['first'])}; {ev['exact']:.1%} exact",
                f"< {ms(limit)}",
                verdict(t["median"], limit, " s"),
            ),
            Row(
                "trace",
                f"{what}: Keras predict_on_batch, jit_compile=True",
                ms(k["median"]),
                f"{spread_ms(k)}; first call {ms(k['first'])}",
            ),
            Row(
                "trace",
                f"{what}: accuracy / Keras outputs",
                f"{ev['accuracy / keras xla']:.2f}",
                "same run, interleaved medians",
            ),
        ]
    check = result["check"]["core"]
    out.append(
        Row(
            "trace", "robust check forward (256 x 257 steps)", ms(check["median"]), spread_ms(check)
        )
    )
    out.append(
        Row(
            "trace",
            "model.run vs numpy reference, largest difference",
            f"{result['max_difference']:.1e}",
            "3 x 300 steps, every gate",
        )
    )
    return out


def ratio_verdict(ratio: float) -> str:
    """'met' for a ratio of at most 1, else how much slower than Keras."""
    return "met" if ratio <= 1 else f"MISSED: {ratio:.2f}x Keras' time ({ratio - 1:.0%} slower)"
