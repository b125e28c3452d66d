"""The explanations' compute: `python -m benchmarks --only explain`.

Wall time of the four analyses behind the explorer's explanations, with their default arguments:
- `gru_viz.length.length_curve(model)`: exact sums at operand lengths 1 to 65,536 bits;
- `gru_viz.extraction.extract_automaton(model)`: the Mealy machine read off the hidden states,
  with its checks (agreement on random and stress sums, the search for a departure);
- `gru_viz.ablation.ablation_ranking(model)`: exact sums with each hidden unit switched off;
- `gru_viz.carry.carry_units(model)`: how well each unit's state tells the true carry;
- `model.trace(a, b)` of two random 1,024-bit numbers, every gate recorded (the sum tab's call).
For the shipped model, each one's first call is timed alone in a fresh process of its own,
after TensorFlow is imported and the model loaded, so it includes all of its XLA compiles and
none made for another: once with the persistent XLA cache as earlier runs left it (warm disk
cache; the target, FIRST_TARGET, is on these) and once with an empty one (every shape compiled,
as on a new machine or after an upgrade of TensorFlow). The warm figures are medians over
further calls in the measuring process, after one call that is not counted. The shipped
tutorial model is timed warm the same way, after the shipped model's calls (its first calls
compile the shapes of its own size).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.common import Row, log, ms, quiet_tensorflow, secs, stats, timed, verdict

ANALYSES = ("length", "automaton", "ablation", "carry", "trace")
TUTORIAL = Path(__file__).resolve().parents[1] / "assets" / "tutorial.npz"
LENGTH_TARGET = 3.0  # seconds, warm, for the whole default curve
FIRST_TARGET = 3.0  # seconds, each one's first call in a fresh process (XLA disk cache warm)
TRACE_BITS = 1024  # operand bits of the timed trace
FULL_REPEATS = 5  # warm calls per analysis, after the uncounted one
QUICK_REPEATS = 1


def duration(seconds: float) -> str:
    """Seconds from 1 s up, milliseconds below."""
    return secs(seconds) if seconds >= 1 else ms(seconds)


def analysis(name: str):
    """The analysis function `name` (one of ANALYSES), called with the model alone."""
    if name == "length":
        from gru_viz.length import length_curve

        return length_curve
    if name == "automaton":
        from gru_viz.extraction import extract_automaton

        return extract_automaton
    if name == "ablation":
        from gru_viz.ablation import ablation_ranking

        return ablation_ranking
    if name == "carry":
        from gru_viz.carry import carry_units

        return carry_units
    if name == "trace":
        return trace_1024
    raise ValueError(f"unknown analysis {name!r}; expected one of {', '.join(ANALYSES)}")


def trace_1024(model):
    """model.trace of two random TRACE_BITS-bit numbers (the same two every call)."""
    from benchmarks.trace import operands

    return model.trace(*operands(TRACE_BITS, np.random.default_rng(0)))


def summary(name: str, result) -> dict:
    """What the analysis found, in plain JSON types, to check that it ran as it should."""
    if name == "length":
        exact = (result.uniform == 1.0) & (result.stress == 1.0)
        return {
            "lengths": len(result.lengths),
            "longest": int(result.lengths[-1]),
            "exact_lengths": int(exact.sum()),
            "uniform_min": float(result.uniform.min()),
            "stress_min": float(result.stress.min()),
            "pairs": int(result.pairs.sum()),
        }
    if name == "automaton":
        return {
            "n_states": result.n_states,
            "is_adder": bool(result.is_adder),
            "n_clusters": result.n_clusters,
            "consistency": result.consistency,
            "agreement_random": result.agreement_random,
            "agreement_stress": result.agreement_stress,
            "first_departure": None
            if result.first_departure is None
            else [int(v) for v in result.first_departure],
        }
    if name == "ablation":
        return {
            "base_accuracy": float(result.base_accuracy),
            "most_needed": [int(u) for u in result.order[:3]],
            "largest_loss": float(result.lost.max()),
            "n_pairs": result.n_pairs,
            "n_bits": result.n_bits,
        }
    if name == "trace":
        return {"n_bits": int(result.n_bits), "correct": bool(result.correct)}
    return {"top": int(result.top), "top_score": float(result.scores[result.top])}


def load(which: str):
    import gru_viz

    return gru_viz.load_model() if which == "shipped" else gru_viz.load_model(TUTORIAL)


def first_call(name: str, xla_cache: str | None = None) -> dict:
    """In a fresh process: load the shipped model, then time the analysis' first call; with
    the persistent XLA cache in directory `xla_cache` if given (before TensorFlow's import)."""
    if xla_cache is not None:
        import os

        os.environ["GRU_VIZ_XLA_CACHE"] = xla_cache
    quiet_tensorflow()
    model = load("shipped")
    result, seconds = timed(analysis(name), model)
    return {"first": seconds, "found": summary(name, result)}


def first_in_fresh_process(name: str, xla_cache: str | None = None) -> dict:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(first_call, name, xla_cache).result()


def first_with_empty_cache(name: str) -> dict:
    """first_in_fresh_process with an empty persistent XLA cache of its own."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gru-viz-xla-") as empty:
        return first_in_fresh_process(name, empty)


def warm(model, name: str, repeats: int) -> dict:
    """One uncounted call, then `repeats` timed calls of the analysis on `model`."""
    fn = analysis(name)
    result, before = timed(fn, model)
    times = [timed(fn, model)[1] for _ in range(repeats)]
    return {"uncounted": before, **stats(times).to_dict(), "found": summary(name, result)}


def first_calls(names: tuple[str, ...]) -> dict:
    """In one fresh process: load the shipped model, then each analysis' first call in turn
    (after the first, compiles the others share are already made: a smoke figure only)."""
    return {name: first_call(name) for name in names}


def measure(quick: bool = False) -> dict:
    quiet_tensorflow()
    repeats = QUICK_REPEATS if quick else FULL_REPEATS
    first, empty = {}, {}
    if quick:  # a smoke run: the first calls share one fresh process
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            first = pool.submit(first_calls, ANALYSES).result()
    for name in ANALYSES:
        if not quick:
            first[name] = first_in_fresh_process(name)
            empty[name] = first_with_empty_cache(name)
            cold = duration(empty[name]["first"])
            log(f"explain: {name}, first call with an empty XLA cache {cold}")
        log(f"explain: {name}, first call in a fresh process {duration(first[name]['first'])}")
    models = {}
    for which in ("shipped",) if quick else ("shipped", "tutorial"):
        model = load(which)
        cases = {}
        for name in ANALYSES:
            cases[name] = warm(model, name, repeats)
            log(f"explain: {which} model, {name}, warm median {duration(cases[name]['median'])}")
        models[which] = {"hidden_size": model.config.hidden_size, "cases": cases}
    return {"repeats": repeats, "quick": quick, "first": first, "empty": empty, "models": models}


def first_rows(result: dict) -> list[Row]:
    """Each first call in a fresh process against FIRST_TARGET. A quick run makes them one
    after the other in a single process, where only the first is a fair figure: the others
    find the compiles they share already made, so they get no verdict."""
    out = []
    quick = result.get("quick", False)
    for i, name in enumerate(ANALYSES):
        if name not in result["first"]:
            continue
        seconds = result["first"][name]["first"]
        shared = quick and i > 0
        where = "after the others, same process (smoke)" if shared else "in a fresh process"
        detail = "XLA disk cache as left by earlier runs"
        if name in result.get("empty", {}):
            detail += f"; with an empty XLA cache {duration(result['empty'][name]['first'])}"
        target = "" if shared else f"<= {secs(FIRST_TARGET)}"
        met = "" if shared else verdict(seconds, FIRST_TARGET, " s")
        label = f"shipped model: {LABELS[name]}, first call {where}"
        out.append(Row("explain", label, duration(seconds), detail, target, met))
    return out


LABELS = {
    "length": "length_curve, lengths 1-65,536 bits",
    "automaton": "extract_automaton",
    "ablation": "ablation_ranking",
    "carry": "carry_units",
    "trace": f"model.trace of two {TRACE_BITS:,}-bit numbers",
}


def found_text(name: str, found: dict) -> str:
    if name == "length":
        return (
            f"exact at {found['exact_lengths']} of {found['lengths']} lengths; "
            f"{found['pairs']:,} pairs x 2"
        )
    if name == "automaton":
        departure = found["first_departure"]
        return (
            f"{found['n_states']} states, adder {'yes' if found['is_adder'] else 'no'}; "
            f"agreement random {found['agreement_random']:.3f}, "
            f"stress {found['agreement_stress']:.3f}, consistency {found['consistency']:.3f}; "
            f"departure {'none found' if departure is None else f'at bit {departure[2]}'}"
        )
    if name == "ablation":
        return (
            f"base {found['base_accuracy']:.3f}, largest loss {found['largest_loss']:.3f} "
            f"(unit {found['most_needed'][0]}); {found['n_pairs']} sums of {found['n_bits']} bits"
        )
    if name == "trace":
        return f"{found['n_bits']:,} steps, sum {'right' if found['correct'] else 'WRONG'}"
    return f"top unit {found['top']}, score {found['top_score']:.3f}"


def automaton_sane(found: dict) -> bool:
    return (
        found["n_states"] == 2
        and found["is_adder"]
        and found["agreement_random"] == 1.0
        and found["agreement_stress"] == 1.0
    )


def rows(result: dict) -> list[Row]:
    out = first_rows(result)
    n = result["repeats"]
    for which, label in (("shipped", "shipped model"), ("tutorial", "tutorial model")):
        if which not in result["models"]:
            continue  # (a quick run measures the shipped model only)
        model = result["models"][which]
        for name in ANALYSES:
            case = model["cases"][name]
            first = ""
            if which != "shipped":
                first = f"; first call on this model {duration(case['uncounted'])}"
            target, met = ("no target", "") if name == "ablation" else ("", "")
            if name == "length":
                target = f"< {secs(LENGTH_TARGET)}"
                met = verdict(case["median"], LENGTH_TARGET, " s")
            out.append(
                Row(
                    "explain",
                    f"{label} (H = {model['hidden_size']}): {LABELS[name]}, warm, median of {n}",
                    duration(case["median"]),
                    f"{duration(case['low'])} - {duration(case['high'])}{first}",
                    target,
                    met,
                )
            )
        for name in ANALYSES:
            found = model["cases"][name]["found"]
            target, met = "", ""
            if which == "shipped" and name == "automaton":
                target = "2 states, adder, agreement 1.0"
                met = "met" if automaton_sane(found) else "NOT MET"
            text = found_text(name, found)
            out.append(Row("explain", f"{label}: {name} found", text, "", target, met))
    return out
