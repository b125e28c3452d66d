"""Start the explorer the way a host should: `python -m gru_viz.app.serve` (or `deploy/serve`).

Headless, with the address and port from the environment, the file watcher and usage stats
off. It listens at once (`/_stcore/health` answers within a second or two) and warms up in the
background meanwhile: TensorFlow imported, the shared model loaded into the cache the pages
share (`st.cache_resource`) and the traces of short sums compiled, or read from the disk cache
an earlier start left (gru_viz.xla_cache). A visitor who comes sooner waits for that import,
not for a second one. Once the first page has been served, the heavy analyses of the shipped
models are computed in the background too (gru_viz.app.resources.warm_views), behind anything a
visitor asks for.

PORT                port to listen on (default 8501)
GRU_VIZ_ADDRESS     address to listen on (default 0.0.0.0, every interface)
GRU_VIZ_WARM_UP     "off": no warm-up in the background; the first visit loads what it needs
GRU_VIZ_XLA_CACHE   where compiled XLA code is kept between runs (see gru_viz.xla_cache)
GRU_VIZ_RESULTS_CACHE where the shipped models' heavy results are kept between runs (see
                    gru_viz.app.result_store)

The app's own limits (GRU_VIZ_MAX_DIGITS, ...) are checked first. A bad setting or a port in
use is one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gru_viz.app.settings import settings_from_env

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
DEFAULT_PORT = 8501
DEFAULT_ADDRESS = "0.0.0.0"


@dataclass(frozen=True)
class ServeOptions:
    address: str = DEFAULT_ADDRESS
    port: int = DEFAULT_PORT
    warm_up: bool = True


def options_from_env(environ: Mapping[str, str] | None = None) -> ServeOptions:
    """ServeOptions from PORT, GRU_VIZ_ADDRESS and GRU_VIZ_WARM_UP, after checking the app's
    GRU_VIZ_* limits; ValueError naming the variable if any is wrong."""
    environ = os.environ if environ is None else environ
    settings = settings_from_env(environ)
    text = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError(f"PORT must be a port number from 1 to 65535; got {text!r}")
    address = environ.get("GRU_VIZ_ADDRESS", "").strip() or DEFAULT_ADDRESS
    return ServeOptions(address, int(text), settings.warm_up)


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


def warm_up_in_background(log=sys.stderr) -> threading.Thread:
    """Load what the first visitor needs while the server already listens: TensorFlow, the
    shared model (into the pages' shared cache, as the page would) and, through its on_load,
    its carry units and the traces of short sums."""

    def work() -> None:
        started = time.perf_counter()
        try:
            from gru_viz.app.resources import shared_model

            shared_model(settings_from_env())
        except Exception as error:  # the first visit loads it instead, and says what is wrong
            print(f"gru-viz serve: warm-up failed: {error}", file=log)
            return
        print(f"gru-viz serve: model loaded in {time.perf_counter() - started:.1f} s", file=log)

    from gru_viz.app.resources import import_shared_libraries

    import_shared_libraries()  # (here, before the first page's thread can import them too)
    thread = threading.Thread(target=work, name="gru-viz-warm-up", daemon=True)
    thread.start()
    return thread


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

    # The warm-up may read the config too: give it the server's, so nothing changes after it.
    flags = {name.replace(".", "_"): value for name, value in streamlit_options(options).items()}
    bootstrap.load_config_options(flags)
    if options.warm_up:
        warm_up_in_background()
    return cli.main(streamlit_args(options), prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main())
