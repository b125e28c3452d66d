"""Run the benchmarks: `python -m benchmarks [--quick] [--only NAME ...] [--json PATH]`.

    training  time to a perfect model: robust preset, a Keras GRU on the same batches, tutorial
    trace     model.trace latency from 8 to 65,536 bits, beside Keras and the numpy loop
    explain   length curve, automaton, ablation ranking and carry units of the shipped models
    gates     why gates: the robust preset with its update or reset gate held at 1, per seed
    start     a fresh server (the README's command and deploy/serve): first sum, each tab, idle CPU
    app       the Streamlit app in Chromium: cold start, warm edits, server memory
    load      eight browser sessions editing at once while two of them train
    capacity  one server: sessions served (over Streamlit's protocol), memory, start time
    storms    hostile crowds on one server: 30 exports, 50 training links, 100 uploads at once
    soak      20 sessions editing and 2 trainings for 30 minutes: memory growth, p95, errors

Each measurement runs in a fresh Python process, so the first training in a process really is
the first, and no measurement inherits another's compiled code or memory. Prints one Markdown
table on stdout (progress goes to stderr) and writes every figure to JSON; with --only, the
other measurements already in that file are kept. No benchmark passes or fails: a missed target
is reported, and the exit code is 1 only if a measurement could not run at all. Without
Chromium or Playwright the browser benchmarks are skipped with the reason, except where CI is
set in the environment.
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.common import Row, log, machine, markdown_table, run_measurement

NAMES = (
    "training",
    "trace",
    "explain",
    "gates",
    "start",
    "app",
    "load",
    "capacity",
    "storms",
    "soak",
)
# Crowds of browser sessions on a server of their own, a minute or so each even in their quick
# forms: a plain --quick leaves them out (so that it stays within QUICK_BUDGET seconds here);
# `--quick --only NAME` runs one's quick form.
CROWDS = ("app", "load", "capacity", "storms", "soak")
QUICK_NAMES = tuple(name for name in NAMES if name not in CROWDS)
QUICK_BUDGET = 150
CI = bool(os.environ.get("CI"))  # in CI a browser benchmark that cannot run is a failure
DEFAULT_JSON = Path("benchmarks/results.json")


def measure_isolated(name: str, quick: bool) -> dict:
    """Run one measurement in a fresh Python process; an error becomes {"error": ...}."""
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            result = pool.submit(run_measurement, name, quick).result()
    except Exception as error:  # reported in the table and the JSON; the others still run
        traceback.print_exc(file=sys.stderr)
        result = {"error": f"{type(error).__name__}: {error}"}
    result["meta"] = {
        "quick": quick,
        "seconds": round(time.perf_counter() - start, 1),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return result


def rows_for(name: str, result: dict) -> list[Row]:
    if "error" in result:
        return [Row(name, "could not run", result["error"][:200])]
    if "skipped" in result:
        return [Row(name, "skipped", result["skipped"])]
    return importlib.import_module(f"benchmarks.{name}").rows(result)


def load_previous(path: Path) -> dict:
    try:
        return json.loads(path.read_text()).get("results", {})
    except (OSError, ValueError, AttributeError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"fewer seeds, repeats and edits, and not the crowds ({', '.join(CROWDS)}) unless "
            f"named with --only: a smoke run within {QUICK_BUDGET} s"
        ),
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=NAMES,
        metavar="NAME",
        help=f"run only these: {', '.join(NAMES)}",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write the figures (default {DEFAULT_JSON})",
    )
    args = parser.parse_args(argv)
    names = tuple(args.only or (QUICK_NAMES if args.quick else NAMES))
    results = load_previous(args.json) if args.only else {}
    start = time.perf_counter()
    for name in names:
        log(f"== {name}{' (quick)' if args.quick else ''}")
        results[name] = measure_isolated(name, args.quick)
    rows = [row for name in NAMES if name in results for row in rows_for(name, results[name])]
    report = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(),
        "results": results,
        "table": [row.__dict__ for row in rows],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=str))
    print(markdown_table(rows))
    m = report["machine"]
    print(
        f"\n{m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"TensorFlow {m['packages']['tensorflow']}; {time.perf_counter() - start:.0f} s; "
        f"figures in {args.json}"
    )
    if args.quick and not args.only:
        print(
            f"A quick run leaves out the crowds ({', '.join(CROWDS)}): "
            "`python -m benchmarks --quick --only NAME` runs one's quick form."
        )
    failed = [n for n in names if "error" in results[n] or ("skipped" in results[n] and CI)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
