"""Why gates, over several seeds: the robust preset trained as a GRU and with its update gate,
its reset gate or both held at 1 (TrainConfig.held_gates), seeds 0..SEEDS-1 each. For each run:
the steps to pass the preset's check (or that it never did within its step limit), the judge's
exact sums (evaluate.judge_sets: uniform and carry-chain 1,024-bit sums, uniform 65,536-bit
sums) and the machine read off it (extraction.extract_automaton). The recipe is the preset's
own, whatever it is when this runs.

`python -m benchmarks --only gates`; --quick trains seed 0 only, the GRU and both gates held,
with the step limit cut to QUICK_STEPS (a cell that has not passed by then is "never within
QUICK_STEPS"; each kind of cell compiles its own training step the first time), and judges
the 1,024-bit sums only.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.common import Row, log, quiet_tensorflow

SEEDS = 5
QUICK_STEPS = 300
QUICK_JUDGE_BITS = 1024  # a quick run judges the sums of up to this many bits
CELLS = ((), ("z",), ("r",), ("z", "r"))
QUICK_CELLS = ((), ("z", "r"))


def run_cell(seed: int, held: tuple[str, ...], max_steps: int | None, quick: bool) -> dict:
    from gru_viz.config import TrainConfig
    from gru_viz.evaluate import judge, judge_sets
    from gru_viz.extraction import extract_automaton
    from gru_viz.training import train

    limit = {} if max_steps is None else {"max_steps": max_steps}
    config = TrainConfig(seed=seed, held_gates=held, **limit)
    start = time.perf_counter()
    model, history = train(config)
    seconds = time.perf_counter() - start
    machine = extract_automaton(model)
    sets = judge_sets(np.random.default_rng([seed, 7]))
    if quick:  # the 1,024-bit sets only: the long one is most of the judge's time
        sets = {name: ops for name, ops in sets.items() if ops.shape[-1] <= QUICK_JUDGE_BITS}
    exact = judge(model, sets)
    return {
        "seed": seed,
        "held": list(held),
        "hidden_size": config.hidden_size,
        "max_steps": config.max_steps,
        "steps": history.steps[-1],
        "passed": history.stopped == "converged",
        "train_seconds": round(seconds, 2),
        "exact": exact,
        "adds": min(exact.values()) == 1.0,
        "states": machine.n_states,
        "is_adder": machine.is_adder,
    }


def measure(quick: bool = False) -> dict:
    quiet_tensorflow()
    import tensorflow  # noqa: F401  (imported before any clock starts)

    seeds = [0] if quick else list(range(SEEDS))
    runs = []
    for seed in seeds:
        for held in QUICK_CELLS if quick else CELLS:
            runs.append(run_cell(seed, held, QUICK_STEPS if quick else None, quick))
            r = runs[-1]
            log(
                f"gates: seed {seed}, held {held or 'none'}: "
                f"{'passed' if r['passed'] else 'not passed'} after {r['steps']} steps, "
                f"{r['states']} states, exact {r['exact']}"
            )
    return {"seeds": seeds, "quick": quick, "runs": runs}


NAMES = {(): "GRU", ("z",): "update gate held at 1", ("r",): "reset gate held at 1"}
NAMES[("z", "r")] = "both gates held at 1"


def rows(result: dict) -> list[Row]:
    out = []
    n = len(result["seeds"])
    for held in CELLS:
        mine = [r for r in result["runs"] if tuple(r["held"]) == held]
        if not mine:
            continue  # (a quick run trains two of them)
        passed = [r["steps"] for r in mine if r["passed"]]
        limit = mine[0]["max_steps"]
        steps = f"median {statistics.median(passed):.0f} steps" if passed else "never"
        spread = f"{min(passed)}-{max(passed)}; " if passed else ""
        adds = sum(r["adds"] for r in mine)
        adders = sum(r["is_adder"] for r in mine)
        states = sorted({r["states"] for r in mine})
        out.append(
            Row(
                "gates",
                f"robust, {NAMES[held]}, H = {mine[0]['hidden_size']}, {n} seed(s)",
                f"{len(passed)}/{n} passed the check ({steps})",
                f"{spread}limit {limit:,}; exact on {', '.join(mine[0]['exact'])}: {adds}/{n}; "
                f"machine: the 2-state adder {adders}/{n} (states {states})",
            )
        )
    return out
