"""CI's check of the container image, from the repository's root: `.venv/bin/python .ci/image.py`.

1. The base: $GRU_VIZ_BASE if set (python:3.11-slim where a registry is reachable), else a
   Debian bookworm image made from Debian's packages by deploy/base-image, kept between runs
   under a tag named for that script's content and the week (so a cached base is at most a
   week old, and a changed script makes a new one).
2. The image: `build --build-arg BASE=...` of the Dockerfile. The engine's layer cache keeps the
   pip layer while requirements.txt and the base are unchanged.
3. It starts (published on 127.0.0.1 only), and its own HEALTHCHECK is run until it passes.
4. It runs as a user other than root.
5. Over Streamlit's own protocol (benchmarks/capacity.py's client), a new session's first page
   shows 1024 + 16 = 1040, and an edit of the first number to a random 64-bit number answers
   with the right sum.
6. The server's resident memory (its process is PID 1 in the container) once warm.

Prints one line per step with its time, and exits 1 with the container's log if a step fails.
ENGINE names the engine (default podman, else docker). With podman, CONTAINERS_CONF may name
a configuration (.ci/run gives .ci/containers.conf: runc, and limits this machine accepts).
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.capacity import open_client, shows  # noqa: E402
from gru_viz.app.launch import free_port  # noqa: E402

IMAGE = "localhost/gru-viz:ci"
HEALTH_TIMEOUT = 300.0  # seconds for the health check to pass (a cold start compiles)


def engine() -> str:
    return os.environ.get("ENGINE") or ("podman" if shutil.which("podman") else "docker")


def run(*args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
    done = subprocess.run([engine(), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{engine()} {args[0]} failed: {done.stderr.strip()[-2000:]}")
    return done


def step(name: str, started: float, detail: str = "") -> float:
    now = time.perf_counter()
    print(f"image: {name}: {now - started:.1f} s{f' ({detail})' if detail else ''}", flush=True)
    return now


def base_image() -> str:
    """The base to build on: $GRU_VIZ_BASE, or one made from Debian's packages (cached)."""
    if os.environ.get("GRU_VIZ_BASE"):
        return os.environ["GRU_VIZ_BASE"]
    script = ROOT / "deploy" / "base-image"
    key = hashlib.sha256(script.read_bytes()).hexdigest()[:12]
    year, week, _ = datetime.date.today().isocalendar()
    tag = f"localhost/gru-viz-base:bookworm-{key}-{year}w{week:02d}"
    if run("image", "exists", tag, check=False).returncode != 0:
        done = subprocess.run(
            [str(script), tag], env={**os.environ, "ENGINE": engine()}, capture_output=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"deploy/base-image failed: {done.stderr.decode()[-2000:]}")
        for old in run("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split():
            if old.startswith("localhost/gru-viz-base:") and old != tag:
                run("rmi", old, check=False)
    return tag


def wait_healthy(container: str) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while run("healthcheck", "run", container, check=False).returncode != 0:
        state = run("inspect", "--format", "{{.State.Status}}", container, check=False)
        if state.stdout.strip() not in ("running", "created"):
            raise RuntimeError(f"the container stopped: {state.stdout.strip()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no healthy answer in {HEALTH_TIMEOUT:.0f} s")
        time.sleep(2)


async def sums_over_the_protocol(url: str) -> str:
    """The first page's sum and an edit's, as a browser's session gets them."""
    client, answer = await open_client(url)
    try:
        if answer.status != 0 or shows(answer.payload, 1040) < 1:
            raise RuntimeError("the first page does not show 1024 + 16 = 1040")
        a, b = random.getrandbits(64) | 1 << 63, 16
        edit = await client.run([(client.widget("First number"), "string_value", str(a))])
        if shows(edit.payload, a + b) < 1:
            raise RuntimeError(f"the edit to {a} + {b} does not show {a + b}")
        return f"{a} + {b} = {a + b} in {edit.seconds * 1000:.0f} ms"
    finally:
        await client.close()


def memory(container: str) -> str:
    status = run("exec", container, "cat", "/proc/1/status").stdout
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    mb = {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}
    return f"{mb['VmRSS']:.0f} MB resident, peak {mb['VmHWM']:.0f} MB"


def main() -> int:
    container = f"gru-viz-ci-{os.getpid()}"
    started = time.perf_counter()
    try:
        base = base_image()
        now = step("base", started, base)
        build = ["build", "--format", "docker"] if engine() == "podman" else ["build"]
        run(*build, "--network=host", "--build-arg", f"BASE={base}", "-t", IMAGE, str(ROOT))
        now = step("build", now, IMAGE)
        port = free_port()
        run("run", "-d", "--name", container, "-p", f"127.0.0.1:{port}:8501", IMAGE)
        wait_healthy(container)
        now = step("start to healthy", now, f"port {port}")
        uid = run("exec", container, "id", "-u").stdout.strip()
        if uid in ("", "0"):
            raise RuntimeError(f"the server runs as root (uid {uid!r})")
        detail = asyncio.run(sums_over_the_protocol(f"http://127.0.0.1:{port}"))
        now = step("right sums over Streamlit's protocol", now, f"uid {uid}; {detail}")
        step("memory once warm", now, memory(container))
        step("image check, in all", started)
        return 0
    except Exception as error:
        log = run("logs", container, check=False)
        print(f"image: FAILED: {error}\n{(log.stdout + log.stderr)[-3000:]}", file=sys.stderr)
        return 1
    finally:
        run("rm", "-f", container, check=False)
        run("image", "prune", "-f", check=False)  # layers no tag uses any more


if __name__ == "__main__":
    sys.exit(main())
