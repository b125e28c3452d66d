import os
import sys

# TensorFlow's C++ log is noise on a command line: its start-up lines, and the ERROR lines it
# writes each time it reads a compiled entry from the disk cache (gru_viz.xla_cache says why they
# are not errors). Problems reach the user as Python errors, one line each.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from gru_viz.cli import main  # noqa: E402 (after the variable TensorFlow reads at import)

sys.exit(main())
