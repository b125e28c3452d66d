"""Weights changed by hand: what a person may type, how edits read in a link, and the edited
model, which is a new model (its own fingerprint, so every view and cache treats it as one).

An edit sets one weight or bias, keyed by its name in the equations and its index:
("bz", (2,)) is bz[2], ("Uh", (0, 3)) is Uh[0, 3], ("Wo", (3, 0)) is Wo[3] and ("bo", (0,)) is
bo. A link holds only the edited weights, `bz.2:-30,Uh.0.3:1.5` (Wo.3 and bo for the output).
Values are plain decimal numbers, finite and at most MAX_VALUE in size; anything else is refused
with a message saying what is accepted, and nothing changes. Numpy only, but for `edited_model`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gru_viz.config import ModelConfig
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel
    from gru_viz.carry import CarryUnits

Key = tuple[str, tuple[int, ...]]  # a weight's name and its index: ("Uh", (0, 3))
Edits = dict[Key, float]

MAX_VALUE = 1000.0  # sigmoid and tanh are flat far before: larger values change nothing more
MAX_LINK_CHARS = 4000  # a longer edit= value is refused unread
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
GATE_OF = {"z": ("Wz", "Uz", "bz"), "r": ("Wr", "Ur", "br")}
NAMES = {"z": "update gate", "r": "reset gate"}


def every_key(hidden_size: int) -> list[Key]:
    """Every weight and bias of a model of `hidden_size` units, in the equations' order."""
    keys = []
    for name, shape in weight_shapes(hidden_size).items():
        keys += [(name, index) for index in np.ndindex(*shape)]
    return keys


def key_text(key: Key) -> str:
    """The key as a link writes it: bz.2, Uh.0.3, Wo.3, bo."""
    name, index = key
    if name == "bo":
        return "bo"
    if name == "Wo":
        index = index[:1]
    return ".".join([name, *map(str, index)])


def key_label(key: Key) -> str:
    """The key as the page writes it: bz[2], Uh[0, 3], Wo[3], bo."""
    name, index = key
    if name == "bo":
        return "bo"
    index = index[:1] if name == "Wo" else index
    return f"{name}[{', '.join(map(str, index))}]"


def unused(config: ModelConfig) -> set[str]:
    """The weights a model does not use: those of the gates it holds at 1."""
    return {name for gate in config.held_gates for name in GATE_OF[gate]}


def parse_key(text: str, config: ModelConfig) -> Key:
    """The weight a link names (bz.2, Uh.0.3, Wo.3, bo), or ValueError saying what is wrong."""
    name, *parts = text.strip().split(".")
    if name not in WEIGHT_NAMES:
        raise ValueError(
            f"{_excerpt(text)} names no weight: a weight is one of {', '.join(WEIGHT_NAMES)}, "
            "then its index, such as bz.2 or Uh.0.3"
        )
    shape = weight_shapes(config.hidden_size)[name]
    wanted = {"Wo": 1, "bo": 0}.get(name, len(shape))
    if len(parts) != wanted or not all(p.isascii() and p.isdigit() for p in parts):
        example = {0: "bo", 1: f"{name}.0", 2: f"{name}.0.1"}[wanted]
        raise ValueError(f"{_excerpt(text)}: {name} takes {wanted} index(es), such as {example}")
    index = tuple(int(p) for p in parts) + {"Wo": (0,), "bo": (0,)}.get(name, ())
    if any(i >= n for i, n in zip(index, shape)):
        top = ", ".join(str(n - 1) for n in shape)
        raise ValueError(f"{_excerpt(text)} is out of range: {name} has indices up to {top}")
    if name in unused(config):
        gate = next(g for g, names in GATE_OF.items() if name in names)
        raise ValueError(
            f"{_excerpt(text)}: this model holds its {NAMES[gate]} at 1, so {name} is unused"
        )
    return name, index


def parse_value(text: str) -> float:
    """A weight's new value from what a person typed: a plain decimal number (2, -30, 1.5,
    2e-3), finite and at most MAX_VALUE in size; ValueError saying what is accepted."""
    stripped = str(text).strip()
    if not NUMBER.fullmatch(stripped):
        raise ValueError(
            f"{_excerpt(stripped)} is not a number: type a decimal number such as -30, 1.5 or 2e-3"
        )
    return check_value(float(stripped), stripped)


def check_value(value: float, text: str | None = None) -> float:
    """`value` if it is finite and at most MAX_VALUE in size, else ValueError (naming `text`,
    what was typed, if given)."""
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise ValueError(
            f"{text or f'{value:g}'} is too large: a weight may be from {-MAX_VALUE:,g} to "
            f"{MAX_VALUE:,g} (the gates' sigmoid and tanh are flat long before that, so more "
            "changes nothing)"
        )
    return float(value)


def number_text(value: float) -> str:
    """The shortest text that reads back as `value` in float32, as weights are: -30, 0.5,
    -0.05882467, 1e-05."""
    text = str(np.float32(value))
    return text[:-2] if text.endswith(".0") else text


def same(value: float, other: float) -> bool:
    """Whether two values are the same weight (in float32, as weights are)."""
    return bool(np.float32(value) == np.float32(other))


def parse_edits(text: str, config: ModelConfig) -> Edits:
    """The edits a link's edit= value holds (NAME.I.J:VALUE, separated by commas), checked
    against the model; ValueError naming the first bad one and what is accepted."""
    if len(text) > MAX_LINK_CHARS:
        raise ValueError(f"the edits are {len(text):,} characters; at most {MAX_LINK_CHARS:,}")
    edits: Edits = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_part, colon, value_part = item.partition(":")
        if not colon:
            raise ValueError(
                f"{_excerpt(item)} is not an edit: each is a weight, a colon and a number, such "
                "as bz.2:-30"
            )
        key = parse_key(key_part, config)
        if key in edits:
            raise ValueError(f"{key_label(key)} is edited twice")
        try:
            edits[key] = parse_value(value_part)
        except ValueError as error:
            raise ValueError(f"{key_label(key)}: {error}") from None
    return edits


def edits_text(edits: Edits) -> str:
    """The edits as a link holds them: bz.2:-30,Uh.0.3:1.5, in the equations' order."""
    order = {name: i for i, name in enumerate(WEIGHT_NAMES)}
    keys = sorted(edits, key=lambda k: (order[k[0]], k[1]))
    return ",".join(f"{key_text(k)}:{number_text(edits[k])}" for k in keys)


def edits_words(edits: Edits, limit: int = 6) -> str:
    """The edits for a sentence: "bz[2] = -30, Uh[0, 3] = 1.5" (and how many more)."""
    items = [f"{key_label(k)} = {number_text(v)}" for k, v in sorted(edits.items())]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def apply_edits(weights: dict[str, np.ndarray], edits: Edits) -> dict[str, np.ndarray]:
    """A copy of `weights` with each edit in place (float32)."""
    out = {name: np.array(value, np.float32) for name, value in weights.items()}
    for (name, index), value in edits.items():
        out[name][index] = value
    return out


def edited_model(model: AdditionModel, edits: Edits) -> AdditionModel:
    """A new model: `model` with `edits` applied to its weights. Its provenance says so (and
    drops the check the unedited model passed, which says nothing of this one)."""
    from gru_viz.model import GRUModel

    provenance = {k: v for k, v in model.provenance.items() if k not in ("check", "stopped")}
    provenance["edited"] = edits_text(edits)
    provenance["edited_from"] = model.fingerprint()
    weights = apply_edits(model.weights(), edits)
    return GRUModel(model.config, weights, model.train_config, provenance)


@dataclass(frozen=True)
class Preset:
    """Edits that teach: a name, which weights they set and what to look for."""

    name: str
    what: str
    look_for: str
    kind: str  # "carry": the carry unit's row of Uh; "reset", "update": a gate's biases


BREAK_CARRY = Preset(
    "Break the carry",
    "sets the carry unit's row of Uh to 0: no candidate state reads what it holds",
    "Sums without a carry stay right; a carry now dies at once, so 1048575 + 1 goes wrong.",
    "carry",
)
FORGET = Preset(
    "Forget at every bit",
    "sets every reset gate's bias br to -30: r is near 0, so h~ ignores the state",
    "The reset gate goes dark at every bit and the candidate state forgets the carry.",
    "reset",
)
NEVER_UPDATE = Preset(
    "Never update",
    "sets every update gate's bias bz to -30: z is near 0, so h never leaves 0",
    "The update gate goes dark, the state stays at 0 and every sum bit is the same.",
    "update",
)
PRESETS = (BREAK_CARRY, FORGET, NEVER_UPDATE)
SHUT = -30.0  # a gate's bias that shuts it: sigmoid(-30) is 1e-13


def preset_edits(preset: Preset, model: AdditionModel, units: CarryUnits) -> Edits:
    """The edits of `preset` for `model`, whose carry units are `units`; ValueError if the
    model holds the gate the preset shuts."""
    H = model.hidden_size
    if preset.kind == "carry":
        return {("Uh", (units.top, j)): 0.0 for j in range(H)}
    gate = "r" if preset.kind == "reset" else "z"
    if gate in model.config.held_gates:
        raise ValueError(f"this model holds its {NAMES[gate]} at 1: there is no bias to shut")
    return {(f"b{gate}", (j,)): SHUT for j in range(H)}


def _excerpt(text: str, limit: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}")
