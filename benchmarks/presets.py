"""How each training preset adds at every length: `python -m benchmarks.presets`.

For each preset and seed: train to the preset's own stop rule, then count exact sums on random
pairs of n-bit operands (1,000 pairs up to 1,024 bits, 10 pairs at 65,536 bits). Prints a
Markdown table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

LENGTHS = (5, 20, 64, 256, 1024, 65536)


def pairs_at(n_bits: int) -> int:
    return 10 if n_bits > 4096 else 1000


def measure(preset: str, seed: int) -> dict:
    import gru_viz
    from gru_viz.evaluate import random_accuracy

    model, history = gru_viz.train(gru_viz.TrainConfig(preset=preset, seed=seed))
    rng = np.random.default_rng([seed, 7])
    return {
        "preset": preset,
        "seed": seed,
        "steps": history.steps[-1],
        "stopped": history.stopped,
        "train_seconds": history.wall_time,
        "exact": {n: random_accuracy(model, rng, pairs_at(n), n) for n in LENGTHS},
    }


def percent(value: float) -> str:
    return f"{value:.0%}" if value in (0.0, 1.0) else f"{value:.1%}"


def table(rows: list[dict]) -> str:
    head = "| preset | seeds | median steps | median train s | " + " | ".join(
        f"{n:,} bits" for n in LENGTHS
    )
    lines = [head + " |", "|" + "---|" * (4 + len(LENGTHS))]
    for preset in sorted({r["preset"] for r in rows}, reverse=True):
        mine = [r for r in rows if r["preset"] == preset]
        cells = []
        for n in LENGTHS:
            values = [r["exact"][n] for r in mine]
            low, high = min(values), max(values)
            cells.append(percent(low) if low == high else f"{percent(low)}-{percent(high)}")
        lines.append(
            f"| {preset} | {len(mine)} | {statistics.median(r['steps'] for r in mine):.0f} | "
            f"{statistics.median(r['train_seconds'] for r in mine):.2f} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/presets.json"))
    args = parser.parse_args(argv)
    import tensorflow  # noqa: F401  (imported before any clock starts)

    rows = []
    for preset in ("robust", "tutorial"):
        for seed in range(args.seeds):
            start = time.perf_counter()
            rows.append(measure(preset, seed))
            print(
                f"{preset} seed {seed}: {rows[-1]['exact']} ({time.perf_counter() - start:.1f} s)"
            )
    print(table(rows))
    args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
