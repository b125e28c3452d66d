"""TensorFlow imported quietly: without its start-up lines, and without its C++ log.

Importing TensorFlow writes a few lines straight to the process's stderr before its logging is
set up, whatever TF_CPP_MIN_LOG_LEVEL says ("All log messages before absl::InitializeLog() ..."
and oneDNN's notice): noise on a command line and in a server's log. `tensorflow()` imports it
with stderr's file descriptor pointed at a temporary file for the length of the import, then
writes back every line but those (anything else TensorFlow, or another thread, wrote meanwhile
is kept, only late).

It also sets TF_CPP_MIN_LOG_LEVEL to 3 (no log lines from TensorFlow's C++ side) unless it is
set, as the command line and the app do: TensorFlow logs two ERROR lines each time it reads an
entry of the persistent XLA cache, and neither is an error (see gru_viz.xla_cache). In a notebook
that imports gru_viz, a training or a long sum would otherwise print them in red. Set
TF_CPP_MIN_LOG_LEVEL (0 shows everything) before the first import of TensorFlow to see its log;
TensorFlow's errors still raise Python exceptions either way.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from types import ModuleType

START_UP_NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    rb"STDERR|I0000 .* oneDNN custom operations are on\b.*|.*This TensorFlow binary is "
    rb"optimized to use available CPU instructions.*|To enable the following instructions:.*)$"
)
_lock = threading.Lock()


def tensorflow() -> ModuleType:
    """The tensorflow module, imported the first time without its start-up lines."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # (read once, as TensorFlow loads)
    with _lock, _start_up_lines_dropped():
        import tensorflow

    return tensorflow


class _start_up_lines_dropped:
    def __enter__(self) -> None:
        sys.stderr.flush()
        self.saved = os.dup(2)
        self.caught = tempfile.TemporaryFile()
        os.dup2(self.caught.fileno(), 2)

    def __exit__(self, *exc) -> None:
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.caught.seek(0)
        kept = [line for line in self.caught if not START_UP_NOISE.match(line.rstrip(b"\r\n"))]
        self.caught.close()
        if kept:
            os.write(2, b"".join(kept))
