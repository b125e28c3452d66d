"""Small crowds on a real server, over Streamlit's own protocol (benchmarks/storms.py's client;
`python -m benchmarks --only storms` runs the big ones): exports pressed at once all arrive
through the export line, training links opened at once start no more than the cap and tell the
others why, and uploads at once are all used. Skipped, with the reason, where Chromium is
missing; with CI set in the environment it fails instead."""

import asyncio
import os

import pytest

from benchmarks import storms
from gru_viz.app import launch
from gru_viz.export import find_browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if find_browser() is None:
        reason = "no Chromium for the export line (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set")
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    server = launch.start_server(env={"GRU_VIZ_MAX_TRAININGS": "1"}, log=log)
    try:
        launch.wait_healthy(server)
        yield server
    finally:
        launch.stop_server(server)


def test_three_exports_at_once_all_arrive_through_one_chromium(server):
    import numpy as np

    out = asyncio.run(
        storms.export_storm(server.url, server.process.pid, 3, np.random.default_rng(1))
    )
    assert out["files"] == 3 and out["neither"] == 0, out
    assert out["told_to_wait"] >= 1  # the third at least waited, and was told so
    assert out["peak_chromiums"] <= 1 and not out["errors"]


def test_training_links_at_once_start_only_the_cap_and_tell_the_rest(server):
    out = asyncio.run(storms.link_storm(server.url, 4, cap=1))
    assert (out["retrained"], out["told_busy"]) == (1, 3), out
    assert not out["errors"]


def test_uploads_at_once_are_all_used(server):
    out = asyncio.run(storms.upload_storm(server.url, server.process.pid, 3, settle=0.0))
    assert out["in_use"] == 3 and not out["failures"] and not out["errors"], out
