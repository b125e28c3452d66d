"""The server start command (deploy/serve): its settings, and one-line errors for bad ones."""

import os
import socket
import subprocess
import sys

import pytest

from gru_viz.app import launch, serve


def run_serve(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GRU_VIZ_")}
    environ.pop("PORT", None)
    environ.update(PYTHON=sys.executable, GRU_VIZ_ADDRESS="127.0.0.1", **env)
    return subprocess.run(
        [str(launch.SERVE)], env=environ, capture_output=True, text=True, timeout=60
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


def test_a_cap_that_is_not_a_number_is_one_line_and_exit_2():
    result = run_serve(GRU_VIZ_MAX_DIGITS="ten thousand")
    assert_one_line_error(result, "GRU_VIZ_MAX_DIGITS", "ten thousand")


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(PORT=str(port))
    assert_one_line_error(result, f"port {port} is in use", "PORT=")


@pytest.mark.parametrize("port", ["http", "0", "65536", "-1"])
def test_a_bad_port_is_refused(port):
    with pytest.raises(ValueError, match="PORT must be a port number"):
        serve.options_from_env({"PORT": port})


def test_options_default_to_every_interface_on_8501_and_check_the_app_settings():
    assert serve.options_from_env({}) == serve.ServeOptions("0.0.0.0", 8501)
    options = serve.options_from_env(
        {"PORT": "7860", "GRU_VIZ_ADDRESS": "127.0.0.1", "GRU_VIZ_WARM_UP": "off"}
    )
    assert options == serve.ServeOptions("127.0.0.1", 7860)
    with pytest.raises(ValueError, match="GRU_VIZ_WARM_UP"):
        serve.options_from_env({"GRU_VIZ_WARM_UP": "later"})


def test_streamlit_runs_headless_without_file_watcher_or_usage_stats():
    args = serve.streamlit_args(serve.ServeOptions("127.0.0.1", 9000))
    assert args[:2] == ["run", str(serve.APP)]
    options = dict(zip(args[2::2], args[3::2]))
    assert options == {
        "--server.address": "127.0.0.1",
        "--server.port": "9000",
        "--server.headless": "true",
        "--server.fileWatcherType": "none",
        "--server.runOnSave": "false",
        "--browser.gatherUsageStats": "false",
        "--global.developmentMode": "false",
    }


def test_the_port_check_accepts_a_free_port():
    serve.check_port("127.0.0.1", launch.free_port())
