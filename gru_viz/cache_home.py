"""Where gru-viz keeps files between runs: compiled XLA code (gru_viz.xla_cache) and the page's
kept results (gru_viz.app.result_store), each in a directory of its own under this one."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """The user's cache directory ($XDG_CACHE_HOME, or ~/.cache) / gru-viz."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gru-viz"
