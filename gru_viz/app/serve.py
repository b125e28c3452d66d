"""Start the explorer the way a host should: `python -m gru_viz.app.serve` (or `deploy/serve`).

Headless, with the address and port from the environment, the file watcher and usage stats
off. It listens at once (`/_stcore/health` answers within a second) and warms up once the first
page has been served, as `streamlit run streamlit_app.py` does: the first page draws its inputs
and the numpy preview of the first sum (gru_viz.app.preview) before TensorFlow's import starts
in the background (gru_viz.app.resources.start_loading), since that import holds Python's lock
for seconds and slows a page drawn beside it (BENCHMARKS.md, section 9). Then the heavy
analyses of the shipped models are computed in the background too
(gru_viz.app.resources.warm_views), behind anything a visitor asks for, or read, where they came
with the code (gru_viz.app.shipped).

PORT                port to listen on (default 8501)
GRU_VIZ_ADDRESS     address to listen on (default 0.0.0.0, every interface)
GRU_VIZ_WARM_UP     "off": no analyses ahead of need; each tab computes what it shows
GRU_VIZ_XLA_CACHE   where compiled XLA code is kept between runs (see gru_viz.xla_cache)
GRU_VIZ_RESULTS_CACHE where the shipped models' heavy results are kept between runs (see
                    gru_viz.app.result_store)
GRU_VIZ_SHIPPED_RESULTS "off": the shipped models' results that come with the code are not
                    read, but computed (see gru_viz.app.shipped)

The app's own limits (GRU_VIZ_MAX_DIGITS, ...) are checked first. A bad setting or a port in
use is one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
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


def options_from_env(environ: Mapping[str, str] | None = None) -> ServeOptions:
    """ServeOptions from PORT and GRU_VIZ_ADDRESS, after checking the app's GRU_VIZ_* settings
    (the page reads them again); ValueError naming the variable if any is wrong."""
    environ = os.environ if environ is None else environ
    settings_from_env(environ)
    text = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError(f"PORT must be a port number from 1 to 65535; got {text!r}")
    address = environ.get("GRU_VIZ_ADDRESS", "").strip() or DEFAULT_ADDRESS
    return ServeOptions(address, int(text))


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
    from streamlit.web import cli

    from gru_viz.app.runtime import run_unknown_fragments_in_full

    run_unknown_fragments_in_full()  # before the first page: a moved page's edit arrives

    return cli.main(streamlit_args(options), prog_name="streamlit", standalone_mode=False) or 0


if __name__ == "__main__":
    sys.exit(main())
