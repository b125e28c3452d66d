"""Several replicas of the explorer behind nginx on this machine, with sticky sessions:
`python -m gru_viz.app.replicas` (or `deploy/replicas`), in the foreground until Ctrl-C.

GRU_VIZ_REPLICAS    how many replicas (default 2), each `deploy/serve` on 127.0.0.1
PORT                where nginx listens (default 8500); replica i listens on PORT + i
GRU_VIZ_ADDRESS     nginx's address (default 127.0.0.1; 0.0.0.0 to serve other machines)
GRU_VIZ_NGINX       the nginx binary (default: nginx on the PATH, else /usr/sbin/nginx)

nginx's configuration is deploy/nginx.conf, filled in and written to a temporary directory
with its logs; each replica's output goes to a log file there too. Every other GRU_VIZ_*
setting is passed to the replicas.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from gru_viz.app.launch import SERVE
from gru_viz.app.serve import ROOT, check_port, options_from_env

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
DEFAULT_PORT = 8500
MAX_REPLICAS = 16
UPSTREAM_PARAMETERS = "max_fails=1 fail_timeout=10s"  # a replica that fails rests 10 s


def nginx_binary() -> str:
    return os.environ.get("GRU_VIZ_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_missing() -> str | None:
    """Why nginx cannot run here, or None if it can."""
    binary = nginx_binary()
    if Path(binary).is_file() or shutil.which(binary):
        return None
    return f"no nginx at {binary} (apt-get install nginx, or set GRU_VIZ_NGINX)"


def nginx_config(listen: str, upstreams: list[str], rundir: Path) -> str:
    """deploy/nginx.conf for nginx on `listen` in front of `upstreams` (HOST:PORT each)."""
    servers = " ".join(f"server {upstream} {UPSTREAM_PARAMETERS};" for upstream in upstreams)
    text = NGINX_CONF.read_text()
    for name, value in (("@LISTEN@", listen), ("@UPSTREAMS@", servers), ("@RUNDIR@", rundir)):
        text = text.replace(name, str(value))
    return text


def start_nginx(listen: str, upstreams: list[str], rundir: Path) -> subprocess.Popen:
    """nginx in the foreground with its config, pid, logs and temporary files in `rundir`."""
    rundir.chmod(0o755)  # nginx's workers, if it runs as root, drop to an unprivileged user
    conf = rundir / "nginx.conf"
    conf.write_text(nginx_config(listen, upstreams, rundir))
    error_log = rundir / "error.log"
    command = [nginx_binary(), "-p", str(rundir), "-e", str(error_log), "-c", str(conf)]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused its config: {check.stderr.strip()}")
    return subprocess.Popen([*command, "-g", "daemon off;"], stdin=subprocess.DEVNULL)


def start_replica(port: int, log: Path, environ: Mapping[str, str]) -> subprocess.Popen:
    """deploy/serve on 127.0.0.1:port, its output in `log`."""
    env = {**environ, "PORT": str(port), "GRU_VIZ_ADDRESS": "127.0.0.1"}
    with open(log, "wb") as output:
        return subprocess.Popen(
            [str(SERVE)], env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT
        )


def wait_answering(url: str, process: subprocess.Popen, timeout: float = 300.0) -> None:
    """Until `url` answers; RuntimeError if `process` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: its process exited ({process.returncode})") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout:.0f} s") from None
            time.sleep(0.2)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def plan_from_env(environ: Mapping[str, str]) -> tuple[int, str, int]:
    """(replicas, nginx address, nginx port), after checking the replicas' settings."""
    text = environ.get("GRU_VIZ_REPLICAS", "").strip() or "2"
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_REPLICAS):
        raise ValueError(
            f"GRU_VIZ_REPLICAS must be a number from 1 to {MAX_REPLICAS}; got {text!r}"
        )
    port = options_from_env({**environ, "PORT": environ.get("PORT") or str(DEFAULT_PORT)}).port
    if port + int(text) > 65535:
        raise ValueError(f"PORT {port} leaves no room for {text} replica ports above it")
    address = environ.get("GRU_VIZ_ADDRESS", "").strip() or "127.0.0.1"
    for each in [port, *range(port + 1, port + int(text) + 1)]:
        check_port(address if each == port else "127.0.0.1", each)
    return int(text), address, port


def main() -> int:
    try:
        count, address, port = plan_from_env(os.environ)
        missing = nginx_missing()
        if missing:
            raise ValueError(missing)
    except ValueError as error:
        print(f"gru-viz replicas: {error}", file=sys.stderr)
        return 2
    rundir = Path(tempfile.mkdtemp(prefix="gru-viz-replicas-"))
    ports = [port + i for i in range(1, count + 1)]
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for i, each in enumerate(ports, 1):
            processes.append(start_replica(each, rundir / f"replica-{i}.log", os.environ))
            print(f"replica {i}: pid {processes[-1].pid}, http://127.0.0.1:{each}", flush=True)
        for each, process in zip(ports, processes):
            wait_answering(f"http://127.0.0.1:{each}/_stcore/health", process)
        upstreams = [f"127.0.0.1:{each}" for each in ports]
        processes.append(start_nginx(f"{address}:{port}", upstreams, rundir))
        wait_answering(f"http://127.0.0.1:{port}/_stcore/health", processes[-1], 30)
        print(f"nginx: pid {processes[-1].pid}, http://{address}:{port} (logs in {rundir})")
        print("Ctrl-C stops them all.", flush=True)
        return watch(processes)
    except RuntimeError as error:
        print(f"gru-viz replicas: {error} (logs in {rundir})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


def watch(processes: list[subprocess.Popen]) -> int:
    """Report replicas that exit (the others go on serving their sessions); return when nginx
    exits, or when no replica is left."""
    reported: set[int] = set()
    while processes[-1].poll() is None:
        for i, process in enumerate(processes[:-1], 1):
            if process.poll() is not None and i not in reported:
                reported.add(i)
                print(f"replica {i} exited ({process.returncode})", file=sys.stderr, flush=True)
        if len(reported) == len(processes) - 1:
            return 1
        time.sleep(0.5)
    print("nginx exited", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
