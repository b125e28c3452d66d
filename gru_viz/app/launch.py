"""Start the explorer with its server start command (deploy/serve) on a free loopback port, and the
headless Chromium that drives it: one launcher for the browser tests and the benchmarks."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gru_viz.app.result_store import RESULTS_ENV, SHIPPED_ENV

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
SERVE = ROOT / "deploy" / "serve"  # the start command a host uses (gru_viz/app/serve.py)
CHROMIUM = os.environ.get("GRU_VIZ_CHROMIUM", "/usr/bin/chromium")
# Headless, and no background connections: this machine's network is closed.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def browser_missing() -> str | None:
    """Why a browser cannot drive the app here, or None if it can."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set GRU_VIZ_CHROMIUM)"
    return None


def launch_chromium(playwright):
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    started: float  # time.perf_counter() when the process was spawned
    log: Path | None  # where its output goes, if anywhere


README_COMMAND = ("-m", "streamlit", "run", "streamlit_app.py")  # the README's, from the .venv


def start_server(
    env: dict[str, str] | None = None, log: Path | None = None, readme: bool = False
) -> Server:
    """Spawn the server start command (deploy/serve) on 127.0.0.1 and a free port and return
    at once; it answers /_stcore/health within a second and warms up once a page is served.
    GRU_VIZ_* variables of this process are not passed on (give them in `env`), but for
    GRU_VIZ_RESULTS_CACHE and GRU_VIZ_SHIPPED_RESULTS (gru_viz.app.result_store); the file
    watcher is off, so edits to the working tree cannot rerun the page. With `readme`, the
    README's own command instead, `streamlit run streamlit_app.py` (with only the port, the
    address and headless given, as flags)."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GRU_VIZ_")}
    for name in (RESULTS_ENV, SHIPPED_ENV):  # (the tests turn results from disk off for all)
        if name in os.environ:
            environ[name] = os.environ[name]
    environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    environ.update(PYTHON=sys.executable, PORT=str(port), GRU_VIZ_ADDRESS="127.0.0.1")
    environ.update(env or {})
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    command = [str(SERVE)]
    if readme:
        command = [sys.executable, *README_COMMAND, f"--server.port={port}"]
        command += ["--server.address=127.0.0.1", "--server.headless=true"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=environ, stdout=output, stderr=subprocess.STDOUT
    )
    if log:
        output.close()
    return Server(process, f"http://127.0.0.1:{port}", started, log)


def wait_healthy(server: Server, timeout: float = 180.0) -> float:
    """Seconds from spawn until the server answers /_stcore/health; RuntimeError (with the end
    of its log) if it exits or does not answer in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1)
            return time.perf_counter() - server.started
        except OSError as error:
            if server.process.poll() is not None or time.monotonic() > deadline:
                stop_server(server)
                tail = server.log.read_text(errors="replace")[-2000:] if server.log else ""
                raise RuntimeError(f"streamlit did not start: {tail}") from error
            time.sleep(0.02)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)
