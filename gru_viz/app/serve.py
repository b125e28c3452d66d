"""Start the explorer the way a host should: `python -m gru_viz.app.serve` (or `deploy/serve`).

Headless, with the address and port from the environment, the file watcher and usage stats
off, and a warm-up before the server listens: TensorFlow imported, the model loaded and the
forward pass compiled by running the page itself twice in this process (Streamlit's AppTest),
so the shared resources the page keeps in `st.cache_resource` are already filled when the
first visitor comes. `/_stcore/health` therefore answers only once the server is warm.

PORT                port to listen on (default 8501)
GRU_VIZ_ADDRESS     address to listen on (default 0.0.0.0, every interface)
GRU_VIZ_WARM_UP     "off" to listen at once and warm up on the first visit instead
GRU_VIZ_XLA_CACHE   where compiled XLA code is kept between runs (see gru_viz.training)

The app's own limits (GRU_VIZ_MAX_DIGITS, ...) are checked first. A bad setting or a port in
use is one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gru_viz.app.settings import settings_from_env

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "0.0.0.0"
# The pages the warm-up opens: the default (1024 + 16, padded to 64 steps) and a 99-bit sum
# (padded to 128 steps), the lengths runtime.WARM_LENGTHS compiles.
WARM_QUERIES = ({}, {"a": str(2**98), "b": "1"})
WARM_TIMEOUT = 300.0  # seconds per warm-up run of the page; a cold one imports TensorFlow


@dataclass(frozen=True)
class ServeOptions:
    address: str = DEFAULT_ADDRESS
    port: int = DEFAULT_PORT
    warm_up: bool = True


def options_from_env(environ: Mapping[str, str] | None = None) -> ServeOptions:
    """ServeOptions from PORT, GRU_VIZ_ADDRESS and GRU_VIZ_WARM_UP, after checking the app's
    GRU_VIZ_* limits; ValueError naming the variable if any is wrong."""
    environ = os.environ if environ is None else environ
    settings_from_env(environ)
    text = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError(f"PORT must be a port number from 1 to 65535; got {text!r}")
    address = environ.get("GRU_VIZ_ADDRESS", "").strip() or DEFAULT_ADDRESS
    warm = environ.get("GRU_VIZ_WARM_UP", "").strip().lower()
    if warm not in ("", "on", "1", "yes", "off", "0", "no"):
        raise ValueError(f"GRU_VIZ_WARM_UP must be on or off; got {warm!r}")
    return ServeOptions(address, int(text), warm not in ("off", "0", "no"))


def check_port(address: str, port: int) -> None:
    """ValueError if nothing could listen on address:port now (in use, or not this host's)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            sock.bind((address, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ValueError(f"port {port} is in use; set PORT=... to another port") from None
            reason = error.strerror or str(error)
            raise ValueError(
                f"cannot listen on {address}:{port} ({reason}); set GRU_VIZ_ADDRESS=..."
            ) from None


def warm_up_page(app: Path = APP, log=sys.stderr) -> None:
    """Run the page once per WARM_QUERIES entry in this process, as a first visitor would: it
    imports TensorFlow, loads the model into the page's shared cache and compiles its traces."""
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    # First, so that every compile of this process, the page's traces too, goes through the
    # persistent XLA cache (TensorFlow reads the flag it sets at its first compile).
    import gru_viz.training  # noqa: F401

    for query in WARM_QUERIES:
        at = AppTest.from_file(str(app), default_timeout=WARM_TIMEOUT)
        at.query_params.update(query)
        at.run()
        if at.exception:  # the page would show it to visitors too; serve, and say so
            first = str(at.exception[0].message).splitlines()[:1] or ["?"]
            print(f"gru-viz serve: warm-up page raised: {first[0]}", file=log)
    print(f"gru-viz serve: warm in {time.perf_counter() - started:.1f} s", file=log)


def streamlit_options(options: ServeOptions) -> dict[str, str | int | bool]:
    """The Streamlit config options of a server, beyond .streamlit/config.toml."""
    return {
        "server.address": options.address,
        "server.port": options.port,
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
        "browser.gatherUsageStats": False,
        "global.developmentMode": False,
    }


def streamlit_args(options: ServeOptions, app: Path = APP) -> list[str]:
    """The `streamlit run` arguments for a server."""
    args = ["run", str(app)]
    for option, value in streamlit_options(options).items():
        args += [f"--{option}", str(value).lower() if isinstance(value, bool) else str(value)]
    return args


def main(environ: Mapping[str, str] | None = None) -> int:
    try:
        options = options_from_env(environ)
        check_port(options.address, options.port)
    except ValueError as error:
        print(f"gru-viz serve: {error}", file=sys.stderr)
        return 2
    os.chdir(ROOT)  # Streamlit reads .streamlit/config.toml from here
    from streamlit.web import bootstrap, cli

    # The warm-up reads the config too: give it the server's, so nothing changes after it.
    flags = {name.replace(".", "_"): value for name, value in streamlit_options(options).items()}
    bootstrap.load_config_options(flags)
    if options.warm_up:
        try:
            warm_up_page()
        except Exception as error:  # (a timeout on a busy machine): serve cold rather than not
            print(f"gru-viz serve: warm-up failed, serving cold: {error}", file=sys.stderr)
    return cli.main(streamlit_args(options), prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main())
