"""What every benchmark shares: summaries of repeated timings, table rows and the machine.

Timings are wall-clock seconds from time.perf_counter. The machine is shared and noisy, so every
figure is a median with its min and max, and comparisons are ratios taken within one run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ log lines; call before TensorFlow is first imported."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def run_measurement(name: str, quick: bool) -> dict:
    """benchmarks.<name>.measure(quick), here in this process (a module-level function, so a
    fresh process can be handed it by name)."""
    import importlib

    return importlib.import_module(f"benchmarks.{name}").measure(quick)


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Stats:
    """Median, min and max of n measurements (seconds unless said otherwise)."""

    median: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict:
        return asdict(self)


def stats(values: Sequence[float]) -> Stats:
    if not values:
        raise ValueError("no measurements to summarize")
    return Stats(statistics.median(values), min(values), max(values), len(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no measurements")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict:
    """p50, p95 and max of a list of latencies, in seconds, with the count."""
    return {
        "n": len(seconds),
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "max": max(seconds),
        "samples": list(seconds),
    }


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """fn(*args, **kwargs) and how long it took."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def repeat(fn: Callable[[], object], repeats: int) -> list[float]:
    """Seconds taken by each of `repeats` calls of fn."""
    return [timed(fn)[1] for _ in range(repeats)]


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> dict:
    """Least-squares fit y = intercept + slope * x, with R^2."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    return {"slope": slope, "intercept": intercept, "r2": 1 - residual / total if total else 1.0}


@dataclass(frozen=True)
class Row:
    """One line of the printed table."""

    benchmark: str
    case: str
    value: str  # the headline figure, with its unit
    spread: str = ""  # min-max, or p95 and max, or a count
    target: str = ""
    verdict: str = ""  # "met", "MISSED by ...", or "" where there is no target


def verdict(value: float, limit: float, unit: str = "") -> str:
    """'met' if value < limit, else how far over it is."""
    if value < limit:
        return "met"
    return f"MISSED by {value - limit:.3g}{unit} ({value / limit:.2f}x the target)"


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.3g} ms" if value < 100 else f"{value:,.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def spread_ms(s: Stats | dict) -> str:
    low, high = (s.low, s.high) if isinstance(s, Stats) else (s["low"], s["high"])
    return f"{ms(low)} - {ms(high)}"


def spread_s(s: Stats | dict) -> str:
    low, high = (s.low, s.high) if isinstance(s, Stats) else (s["low"], s["high"])
    return f"{low:.2f} - {high:.2f} s"


def markdown_table(rows: Sequence[Row]) -> str:
    head = ("benchmark", "case", "median / value", "min - max / spread", "target", "verdict")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = (row.benchmark, row.case, row.value, row.spread, row.target, row.verdict)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gb": round(_ram_bytes() / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": _versions("tensorflow", "keras", "numpy", "streamlit", "plotly", "playwright"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _versions(*names: str) -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            try:
                out[name] = metadata.version(f"{name}-cpu")
            except metadata.PackageNotFoundError:
                out[name] = "not installed"
    return out
