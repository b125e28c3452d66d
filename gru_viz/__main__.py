import os
import sys

# TensorFlow's start-up lines are noise on a command line (its errors still show).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from gru_viz.cli import main  # noqa: E402 (after the variable TensorFlow reads at import)

sys.exit(main())
