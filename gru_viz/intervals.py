"""The GRU's step and output over boxes of hidden states, in float64 interval arithmetic (as
the proof search uses them; gru_viz.proof_check has its own, with outward rounding), and one
step at a point. Inputs are numbered i = 2 a + b, so INPUTS[i] == (a, b)."""

from __future__ import annotations

import numpy as np

from gru_viz.checkpoint import ModelFile

INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))  # INPUTS[i] = (a, b), i = 2 a + b
START = -1  # the label of the start box: carry 0, no bit emitted


def weights_of(model) -> tuple[dict[str, np.ndarray], bool]:
    """The weights of a model (or of a checkpoint.ModelFile, which needs no TensorFlow) as
    float64, and whether its output is linear (its bit is y > 0.5); a gate the model holds at 1
    (ModelConfig.held_gates) has zero weights and an infinite bias. ValueError for a model with
    units held at 0 (gru_viz.ablate): a proof is about a model file's weights as they are."""
    if getattr(model, "ablated", ()):
        raise ValueError(
            f"units {list(model.ablated)} of this model are held at 0; a proof covers a model "
            "as its file holds it, so prove the model without them held"
        )
    weights = model.weights if isinstance(model, ModelFile) else model.weights()
    w = {name: np.asarray(value, np.float64) for name, value in weights.items()}
    for gate in model.config.held_gates:  # a gate held at 1 is sigmoid(+inf), whatever h is
        w[f"W{gate}"], w[f"U{gate}"] = np.zeros_like(w[f"W{gate}"]), np.zeros_like(w[f"U{gate}"])
        w[f"b{gate}"] = np.full_like(w[f"b{gate}"], np.inf)
    return w, model.config.output == "linear"


def next_label(label: int, i: int) -> int:
    """The label 2 carry + bit after reading input i from a box labelled `label`."""
    carry = 0 if label == START else label >> 1
    s = (i >> 1) + (i & 1) + carry
    return 2 * (s >= 2) + s % 2


def sigmoid(v: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * v)


def affine_bounds(lo: np.ndarray, hi: np.ndarray, U: np.ndarray, c: np.ndarray):
    """Bounds of c + h U over boxes lo <= h <= hi (N, H): centre plus or minus radius |U|."""
    centre = c + 0.5 * (lo + hi) @ U  # (N, M)
    spread = 0.5 * (hi - lo) @ np.abs(U)  # (N, M)
    return centre - spread, centre + spread


def step_bounds(w, lo, hi, inputs):
    """Bounds (N, H) of one GRU step from boxes lo <= h <= hi (N, H) reading inputs (N,)."""
    x = np.asarray(INPUTS, np.float64)[inputs]  # (N, 2)
    z_lo, z_hi = affine_bounds(lo, hi, w["Uz"], x @ w["Wz"] + w["bz"])
    z_lo, z_hi = sigmoid(z_lo), sigmoid(z_hi)
    r_lo, r_hi = affine_bounds(lo, hi, w["Ur"], x @ w["Wr"] + w["br"])
    r_lo, r_hi = sigmoid(r_lo), sigmoid(r_hi)
    products = np.stack([r_lo * lo, r_lo * hi, r_hi * lo, r_hi * hi])  # (4, N, H)
    t_lo, t_hi = affine_bounds(products.min(0), products.max(0), w["Uh"], x @ w["Wh"] + w["bh"])
    t_lo, t_hi = np.tanh(t_lo), np.tanh(t_hi)
    new_lo = np.minimum((1 - z_lo) * lo + z_lo * t_lo, (1 - z_hi) * lo + z_hi * t_lo)
    new_hi = np.maximum((1 - z_lo) * hi + z_lo * t_hi, (1 - z_hi) * hi + z_hi * t_hi)
    return np.clip(new_lo, -1.0, 1.0), np.clip(new_hi, -1.0, 1.0)


def logit_bounds(w, linear: bool, lo: np.ndarray, hi: np.ndarray):
    """Bounds (N,) of the logit over boxes (N, H): y, or y - 0.5 for a linear output."""
    y_lo, y_hi = affine_bounds(lo, hi, w["Wo"], w["bo"])
    shift = 0.5 if linear else 0.0
    return y_lo[:, 0] - shift, y_hi[:, 0] - shift


def gru_step(w, h: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """One GRU step in float64 from states h (N, H) reading input indices (N,)."""
    x = np.asarray(INPUTS, np.float64)[inputs]  # (N, 2)
    z = sigmoid(x @ w["Wz"] + h @ w["Uz"] + w["bz"])  # (N, H)
    r = sigmoid(x @ w["Wr"] + h @ w["Ur"] + w["br"])  # (N, H)
    h_tilde = np.tanh(x @ w["Wh"] + (r * h) @ w["Uh"] + w["bh"])  # (N, H)
    return (1 - z) * h + z * h_tilde
