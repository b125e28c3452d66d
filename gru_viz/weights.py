"""The GRU's weights by name, their shapes and their initial values: numpy only.

The names follow the equations in gru_viz.model: Wz Wr Wh (2, H) read the input bits, Uz Ur Uh
(H, H) the previous state, bz br bh (H,) are biases, and Wo (H, 1), bo (1,) give the output.
"""

from __future__ import annotations

import numpy as np

from gru_viz.config import ModelConfig

WEIGHT_NAMES = ("Wz", "Wr", "Wh", "Uz", "Ur", "Uh", "bz", "br", "bh", "Wo", "bo")


def weight_shapes(hidden_size: int) -> dict[str, tuple[int, ...]]:
    """The shape of every weight for H = hidden_size, keyed by its name in the equations."""
    H = hidden_size
    inputs, recurrent, biases = (2, H), (H, H), (H,)
    return {
        **dict.fromkeys(("Wz", "Wr", "Wh"), inputs),
        **dict.fromkeys(("Uz", "Ur", "Uh"), recurrent),
        **dict.fromkeys(("bz", "br", "bh"), biases),
        "Wo": (H, 1),
        "bo": (1,),
    }


def init_weights(
    config: ModelConfig,
    rng: np.random.Generator,
    init: str = "glorot",
    std: float = 0.01,
    gate_bias: float = 0.0,
) -> dict[str, np.ndarray]:
    """Fresh float32 weights: matrices from `init` ("glorot" uniform or "truncated_normal" with
    `std`, cut at two standard deviations), the gate biases bz and br at `gate_bias`, the other
    biases zero. The biases draw nothing from `rng`."""
    out = {}
    for name, shape in weight_shapes(config.hidden_size).items():
        if len(shape) == 1:
            value = gate_bias if name in ("bz", "br") else 0.0
            out[name] = np.full(shape, value, np.float32)
        elif init == "glorot":
            limit = np.sqrt(6.0 / (shape[0] + shape[1]))
            out[name] = rng.uniform(-limit, limit, size=shape).astype(np.float32)
        else:
            draw = rng.standard_normal(size=shape)
            while np.any(np.abs(draw) > 2):
                bad = np.abs(draw) > 2
                draw[bad] = rng.standard_normal(size=int(bad.sum()))
            out[name] = (std * draw).astype(np.float32)
    return out
