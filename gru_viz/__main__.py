import sys

from gru_viz.cli import main  # (TensorFlow's C++ log stays quiet: see gru_viz.quiet)

sys.exit(main())
