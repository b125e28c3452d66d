"""gru_viz: a hand-written TensorFlow GRU that learns binary addition, and its gates.

Importing gru_viz is cheap; TensorFlow is imported on first use of a model or of training.
"""

from __future__ import annotations

import importlib

from gru_viz.checkpoint import CheckpointError
from gru_viz.config import ModelConfig, TrainConfig

__version__ = "0.1.0"

# Public names and the module each comes from, imported on first use (the model and training
# need TensorFlow; the analyses are numpy, but take a model).
_LAZY = {
    "load_model": "gru_viz.model",
    "load_model_bytes": "gru_viz.model",
    "ablate": "gru_viz.model",
    "train": "gru_viz.training",
    "length_curve": "gru_viz.length",
    "carry_units": "gru_viz.carry",
    "ablation_ranking": "gru_viz.ablation",
    "explain": "gru_viz.why",
    "extract_automaton": "gru_viz.extraction",
    "state_map": "gru_viz.state_space",
    "gate_saturation": "gru_viz.saturation",
    "SnapshotRecorder": "gru_viz.replay",
    "save_replay": "gru_viz.replay",
    "load_replay": "gru_viz.replay",
    "replay_model": "gru_viz.replay",
    "certify": "gru_viz.proof",
    "counterexample": "gru_viz.wrong_sums",
    "show": "gru_viz.notebook",
    "handmade_adder": "gru_viz.handmade",
}

__all__ = ["ModelConfig", "TrainConfig", "CheckpointError", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gru_viz' has no attribute {name!r}")
