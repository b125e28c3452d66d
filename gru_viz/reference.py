"""A plain numpy GRU, step by step in float64: the independent reference for the TensorFlow one.

It shares nothing with gru_viz.model but the weight names, so tests can hold one against the other.
`ReferenceModel` runs a model file with it (what the page shows before TensorFlow is imported).
"""

from __future__ import annotations

import numpy as np

from gru_viz.addition import AdditionModel
from gru_viz.checkpoint import ModelFile


def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def gru_reference(
    x: np.ndarray,
    weights: dict[str, np.ndarray],
    mask: np.ndarray | None = None,
    held: tuple[str, ...] = (),
) -> dict[str, np.ndarray]:
    """Run the article's GRU over x (B, T, 2) from h_0 = 0, one step at a time; mask (H,), if
    given, multiplies h after every step (0 holds a unit at 0); each gate named in `held`
    ("z", "r") is 1 at every step, whatever its weights.

    Returns y (B, T) and z, r, h_tilde, h (B, T, H), all float64.
    """
    w = {name: np.asarray(value, np.float64) for name, value in weights.items()}
    B, T, _ = x.shape
    H = w["Uz"].shape[0]
    h = np.zeros((B, H))
    out = {name: np.zeros((B, T, H)) for name in ("z", "r", "h_tilde", "h")}
    y = np.zeros((B, T))
    for t in range(T):
        x_t = x[:, t].astype(np.float64)  # (B, 2)
        z = np.ones((B, H)) if "z" in held else sigmoid(x_t @ w["Wz"] + h @ w["Uz"] + w["bz"])
        r = np.ones((B, H)) if "r" in held else sigmoid(x_t @ w["Wr"] + h @ w["Ur"] + w["br"])
        h_tilde = np.tanh(x_t @ w["Wh"] + (r * h) @ w["Uh"] + w["bh"])
        h = (1.0 - z) * h + z * h_tilde
        if mask is not None:
            h = h * mask
        y[:, t] = (h @ w["Wo"] + w["bo"])[:, 0]
        for name, value in (("z", z), ("r", r), ("h_tilde", h_tilde), ("h", h)):
            out[name][:, t] = value
    out["y"] = y
    return out


class ReferenceModel(AdditionModel):
    """A model file's GRU run by gru_reference: the same weights and equations as the
    TensorFlow model (tests hold them within 2e-6 of each other), with no TensorFlow. The page
    draws a first sum with it while TensorFlow is imported; it is far slower on long inputs."""

    def __init__(self, file: ModelFile) -> None:
        super().__init__(file.config, file.train_config, file.provenance)
        self._weights = {name: np.array(value, np.float32) for name, value in file.weights.items()}

    def weights(self) -> dict[str, np.ndarray]:
        return {name: value.copy() for name, value in self._weights.items()}

    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        out = gru_reference(x, self._weights, held=self.config.held_gates)
        names = ("y", "z", "r", "h_tilde", "h") if keep_internals else ("y",)
        return {name: out[name].astype(np.float32) for name in names}

    def _fingerprint_extra(self) -> bytes:
        return b"numpy reference"  # its results are never taken for the TensorFlow model's
