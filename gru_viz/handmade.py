"""A GRU that adds, its weights written from the arithmetic of a full adder, not trained.

One step of binary addition reads a, b and the carry c and sums them, s = a + b + c in 0..3;
the carry out is [s >= 2] and the sum bit is s mod 2 = s - 2 [s >= 2]. Two units do exactly
that, in this project's equations (gru_viz.model), with every bit rewriting the state:

    unit 0, the carry:  h~ = tanh(SHARP (s - 3/2))   +1 if s >= 2, else -1 (the carry out)
    unit 1, the count:  h~ = tanh(COUNT (s - 3/2))   four levels, one per s, in order
    output:             y  = M (h_count / MU - h_carry)   > 0 exactly when s - 2 [s >= 2] = 1

The update gate is held open (bz = OPEN: z = 1 - 2e-9, so h_t = h~_t), and the reset gate of
the carry unit turns its +1 / -1 into the carry 1 / 0 that both units read at the next bit
(r = sigmoid(SHARP (h - 1/2)): r h is 1 for h = 1, and 0 for h = -1 and for h_0 = 0, so the
first bit starts with carry 0 although h_0 is neither +1 nor -1). `DERIVATION` says which
weight does what, with its value and the reason; `handmade_adder()` builds the model.

Why two units. One unit cannot add without gates: with z and r held at 1, h_t =
tanh(a_t Wh[0] + b_t Wh[1] + h_{t-1} Uh + bh), so for a given carry (a given h_{t-1}) the
output's threshold on h_t is a threshold on a linear function of a_t and b_t, and the sum bit,
a XOR b or its negation, is no such threshold. Two units read by one threshold cannot both be
saturated either (each a threshold of a, b and the carry): the sum bit is the parity of a, b and
the carry, and each corner of the cube on the wrong side would need a plane of its own, since
the midpoint of two even corners is also the midpoint of two odd ones. So this adder has two
units, one of them graded: the count unit. Its reset gate is the only gate it uses, to read the
carry as 0 or 1 from h_0 = 0 on. Whether one unit with its gates free can add is not settled by
this argument (the reset gate multiplies h_{t-1} by a function of a_t and b_t); the robust
recipe with one unit, seeds 0-5, 3,000 steps, never learned to add 64-bit numbers (measured when
this was written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gru_viz.config import ModelConfig
from gru_viz.weights import weight_shapes

HIDDEN = 2
CARRY, COUNT_UNIT = 0, 1  # the units
OPEN = 20.0  # a gate held open: sigmoid(20) = 1 - 2e-9
SHARP = 20.0  # the carry unit's slope: tanh(+-SHARP / 2) is within 1e-8 of +-1
COUNT = 1.0  # the count unit's slope: in tanh's graded range, so its four levels stay apart
LOGIT = 10.0  # the smallest |y| on any bit: p = sigmoid(10) is within 5e-5 of 0 or 1
LOW, HIGH = math.tanh(COUNT / 2), math.tanh(3 * COUNT / 2)  # the count unit's levels: s = 1, 3
MU = (LOW + HIGH) / 2  # the count level that stands for "the carry unit's +1"
MARGIN = (HIGH - LOW) / (HIGH + LOW)  # |h_count / MU - h_carry| on every sum bit
M = LOGIT / MARGIN  # the output's scale


@dataclass(frozen=True)
class Weight:
    """One step of the derivation: the weights it sets (as `weight[index]`), their value and why."""

    weights: str
    value: str
    why: str


def handmade_weights() -> dict[str, np.ndarray]:
    """The hand-made adder's weights, float32, keyed by their names in the equations."""
    w = {name: np.zeros(shape, np.float32) for name, shape in weight_shapes(HIDDEN).items()}
    w["bz"][:] = OPEN  # update gates held open: h_t = h~_t
    w["Ur"][CARRY, CARRY], w["br"][CARRY] = SHARP, -SHARP / 2  # r h_carry: the carry as 0 or 1
    w["br"][COUNT_UNIT] = OPEN  # nothing reads the count unit, so its reset gate is idle
    w["Wh"][:, CARRY], w["Uh"][CARRY, CARRY], w["bh"][CARRY] = SHARP, SHARP, -1.5 * SHARP
    w["Wh"][:, COUNT_UNIT], w["Uh"][CARRY, COUNT_UNIT] = COUNT, COUNT
    w["bh"][COUNT_UNIT] = -1.5 * COUNT
    w["Wo"][COUNT_UNIT, 0], w["Wo"][CARRY, 0] = M / MU, -M
    return w


def _derivation() -> tuple[Weight, ...]:
    z_open, level = 1 / (1 + math.exp(-OPEN)), math.tanh(SHARP / 2)
    return (
        Weight(
            "bz[0], bz[1]",
            f"{OPEN:g}",
            f"The update gates are held open: z = sigmoid({OPEN:g}) = 1 - {1 - z_open:.0e}, so "
            "h_t = h~_t. Every bit rewrites the state from that bit's a + b + carry.",
        ),
        Weight("Wz, Uz", "0", "Nothing moves the update gates."),
        Weight(
            "Ur[0, 0], br[0]",
            f"{SHARP:g}, {-SHARP / 2:g}",
            f"The carry unit's reset gate, r = sigmoid({SHARP:g} (h_carry - 1/2)), is 1 when the "
            "carry unit holds +1 and 0 when it holds -1 or h_0 = 0. So r h_carry, what the "
            "candidates read of it, is the carry as 0 or 1, from the first bit on.",
        ),
        Weight(
            "br[1]",
            f"{OPEN:g}",
            "The count unit's reset gate is held open too: no unit reads the count unit.",
        ),
        Weight(
            "Wh[0, 0], Wh[1, 0], Uh[0, 0], bh[0]",
            f"{SHARP:g}, {SHARP:g}, {SHARP:g}, {-1.5 * SHARP:g}",
            f"The carry unit: h~ = tanh({SHARP:g} (a + b + carry - 3/2)) is +1 exactly when "
            "a + b + carry >= 2, the carry out, and -1 otherwise (to within "
            f"{1 - level:.0e}). Steep, so the carry never fades.",
        ),
        Weight(
            "Wh[0, 1], Wh[1, 1], Uh[0, 1], bh[1]",
            f"{COUNT:g}, {COUNT:g}, {COUNT:g}, {-1.5 * COUNT:g}",
            f"The count unit: h~ = tanh({COUNT:g} (a + b + carry - 3/2)), gentle, so that its "
            f"four levels -{HIGH:.3f}, -{LOW:.3f}, {LOW:.3f}, {HIGH:.3f} tell s = a + b + carry "
            "= 0, 1, 2, 3 apart.",
        ),
        Weight(
            "Wo[1], Wo[0], bo",
            f"{M / MU:.3f}, {-M:.3f}, 0",
            "The sum bit is s - 2 (carry out): 0, 1, 0, 1 for s = 0, 1, 2, 3. With the count "
            f"unit divided by {MU:.4f}, halfway between its levels {LOW:.3f} and {HIGH:.3f}, "
            f"h_count / {MU:.4f} - h_carry is +{MARGIN:.3f} for s = 1 and 3 and -{MARGIN:.3f} "
            f"for s = 0 and 2. Times {M:.2f}, that is y = +-{LOGIT:g} on every bit: p is within "
            f"{1 / (1 + math.exp(LOGIT)):.0e} of the sum bit.",
        ),
    )


DERIVATION = _derivation()


def handmade_adder():
    """The hand-made adder (see the module's docstring): a gru_viz.model.GRUModel of 2 units,
    its weights written, not trained; it adds numbers of any length and is proved to
    (python -m gru_viz certify). Saved as assets/handmade.npz by `python -m gru_viz handmade`."""
    from gru_viz.model import GRUModel

    provenance = {"handmade": "weights written by hand: gru_viz.handmade_adder", "steps": 0}
    return GRUModel(ModelConfig(hidden_size=HIDDEN), handmade_weights(), {}, provenance)
