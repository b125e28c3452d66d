"""What the proofs cost and how often the provable preset gives a proved model:
`python -m benchmarks.proofs [--seeds 10] [--runs 3]`.

1. certify on the shipped models (proved, robust, tutorial): wall and CPU seconds per run, and
   what it says; the separate checker on the shipped certificate; counterexample on the
   tutorial model (its first call includes TensorFlow's compile of model.trace).
2. The provable preset for seeds 0..N-1: trained to its own stop rule, then certified, and
   judged on exact sums (uniform and carry-chain 1,024-bit sums, uniform 65,536-bit sums).
Prints Markdown tables and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np


def timed(fn) -> tuple[object, float, float]:
    """fn() and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def shipped(runs: int) -> list[dict]:
    from gru_viz import proof, proof_check
    from gru_viz.checkpoint import ASSETS, read_model_file

    rows = []
    for name in ("proved", "model", "tutorial"):
        model = read_model_file(ASSETS / f"{name}.npz")
        times = [timed(lambda m=model: proof.certify(m)) for _ in range(runs)]
        result = times[-1][0]
        rows.append(
            {
                "model": f"assets/{name}.npz",
                "hidden_size": model.config.hidden_size,
                "proved": result.proved,
                "wall": [round(t[1], 3) for t in times],
                "cpu": [round(t[2], 3) for t in times],
                "reason": result.reason,
            }
        )
    cert = ASSETS / "proved.cert.npz"
    checks = [timed(lambda: proof_check.check(ASSETS / "proved.npz", cert)) for _ in range(runs)]
    rows.append(
        {
            "model": "check-proof assets/proved.npz assets/proved.cert.npz",
            "proved": checks[-1][0][0],
            "wall": [round(t[1], 3) for t in checks],
            "cpu": [round(t[2], 3) for t in checks],
            "reason": checks[-1][0][1],
        }
    )
    return rows


def counterexample_row() -> dict:
    import gru_viz
    from gru_viz import wrong_sums
    from gru_viz.checkpoint import TUTORIAL_PATH

    model = gru_viz.load_model(TUTORIAL_PATH)
    first = timed(lambda: wrong_sums.counterexample(model))
    again = timed(lambda: wrong_sums.counterexample(model))
    return {
        "model": "counterexample(assets/tutorial.npz)",
        "found": list(first[0]) if first[0] else None,
        "wall": [round(first[1], 3), round(again[1], 3)],
        "cpu": [round(first[2], 3), round(again[2], 3)],
    }


def preset_row(seed: int) -> dict:
    import gru_viz
    from gru_viz import proof
    from gru_viz.evaluate import judge, judge_sets

    model, history = gru_viz.train(gru_viz.TrainConfig(preset="provable", seed=seed))
    result, wall, cpu = timed(lambda: proof.certify(model))
    return {
        "seed": seed,
        "stopped": history.stopped,
        "steps": history.steps[-1],
        "train_seconds": round(history.wall_time, 2),
        "proved": result.proved,
        "boxes": result.n_boxes,
        "certify_wall": round(wall, 3),
        "certify_cpu": round(cpu, 3),
        "exact": judge(model, judge_sets(np.random.default_rng([seed, 7]))),
        "reason": result.reason,
    }


def tables(rows: list[dict], cx: dict, seeds: list[dict]) -> str:
    lines = ["| what | H | result | wall s (median) | CPU s (median) |", "|---|---|---|---|---|"]
    for r in rows:
        verdict = "proved" if r["proved"] else "not proved"
        if r["model"].startswith("check-proof"):
            verdict = "valid" if r["proved"] else "not valid"
        lines.append(
            f"| {r['model']} | {r.get('hidden_size', '')} | {verdict} | "
            f"{statistics.median(r['wall']):.2f} | {statistics.median(r['cpu']):.2f} |"
        )
    lines.append(
        f"| {cx['model']} | 16 | {cx['found']} | {cx['wall'][0]:.2f} first, "
        f"{cx['wall'][1]:.2f} again | {cx['cpu'][0]:.2f}, {cx['cpu'][1]:.2f} |"
    )
    lines += ["", "| seed | stopped | steps | proved | boxes | certify s | exact |"]
    lines.append("|---|---|---|---|---|---|---|")
    for r in seeds:
        exact = "all" if min(r["exact"].values()) == 1.0 else json.dumps(r["exact"])
        lines.append(
            f"| {r['seed']} | {r['stopped']} | {r['steps']} | {'yes' if r['proved'] else 'no'} "
            f"| {r['boxes']} | {r['certify_wall']:.2f} | {exact} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/proofs.json"))
    args = parser.parse_args(argv)
    rows = shipped(args.runs)
    cx = counterexample_row()
    seeds = []
    for seed in range(args.seeds):
        seeds.append(preset_row(seed))
        print(f"seed {seed}: {seeds[-1]['reason']}", flush=True)
    args.json.write_text(json.dumps({"shipped": rows, "counterexample": cx, "seeds": seeds}))
    print(tables(rows, cx, seeds))


if __name__ == "__main__":
    main()
