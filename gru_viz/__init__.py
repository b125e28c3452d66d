"""gru_viz: a hand-written TensorFlow GRU that learns binary addition, and its gates.

Importing gru_viz is cheap; TensorFlow is imported on first use of a model or of training.
"""

from __future__ import annotations

from gru_viz.config import ModelConfig, TrainConfig

__version__ = "0.1.0"

__all__ = [
    "ModelConfig",
    "TrainConfig",
    "CheckpointError",
    "load_model",
    "load_model_bytes",
    "train",
]


def __getattr__(name: str):
    if name in ("load_model", "load_model_bytes", "CheckpointError"):
        from gru_viz import checkpoint

        return getattr(checkpoint, name)
    if name == "train":
        from gru_viz.training import train

        return train
    raise AttributeError(f"module 'gru_viz' has no attribute {name!r}")
