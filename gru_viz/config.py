"""Frozen configurations for the model and its training, with the two named presets, and the
one list of training settings a person may tune (the CLI's flags and the app's panel)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

OUTPUTS = ("logistic", "linear")
GATES = ("z", "r")  # the gates a cell may hold at 1: update, reset
OPERANDS = ("uniform", "chains", "mixed")
LOSSES = ("cross_entropy", "quadratic")
INITS = ("glorot", "truncated_normal")


@dataclass(frozen=True)
class ModelConfig:
    hidden_size: int = 16  # H, units in the hidden state
    output: str = "logistic"  # "logistic": p = sigmoid(y); "linear": p = clip(y, 0, 1)
    held_gates: tuple[str, ...] = ()  # gates held at 1 ("z", "r"): their weights are unused

    def __post_init__(self) -> None:
        _check_int("hidden_size", self.hidden_size, 1, 1024)
        _check_choice("output", self.output, OUTPUTS)
        object.__setattr__(self, "held_gates", check_gates(self.held_gates))

    def to_dict(self) -> dict:
        """The config as a model file's JSON record holds it (held_gates only if any are)."""
        out = {"hidden_size": self.hidden_size, "output": self.output}
        if self.held_gates:
            out["held_gates"] = list(self.held_gates)
        return out


def check_gates(gates: object) -> tuple[str, ...]:
    """The gates held at 1, in the order of GATES: z (update: then h_t = h~_t, a plain tanh
    RNN) and r (reset: then h~_t reads all of h_{t-1}); ValueError for anything else."""
    if isinstance(gates, str) or not isinstance(gates, (list, tuple)):
        raise ValueError(f"held_gates must be a list of gates from {list(GATES)}; got {gates!r}")
    bad = [g for g in gates if g not in GATES]
    if bad or len(set(gates)) != len(gates):
        raise ValueError(
            f"held_gates must name each of {', '.join(map(repr, GATES))} at most once; "
            f"got {list(gates)!r}"
        )
    return tuple(g for g in GATES if g in gates)


def held_words(held_gates: tuple[str, ...]) -> str:
    """The cell in words: "GRU", "update gate held at 1", ..."""
    names = {"z": "update gate", "r": "reset gate"}
    if not held_gates:
        return "GRU"
    if len(held_gates) == 2:
        return "both gates held at 1"
    return f"{names[held_gates[0]]} held at 1"


# Each preset fills the TrainConfig fields left as None.
PRESETS: dict[str, dict[str, object]] = {
    # What truly learns addition of any length, fast, from every seed: fresh batches of 128
    # pairs of 16-bit numbers, mostly uniform, with carry chains and full-length carries mixed
    # in, and a little noise on every input bit; update and reset gates that start open; a
    # logistic output with cross-entropy; and a check on 1,024-bit sums, half of them carrying
    # all the way along, before stopping.
    "robust": dict(
        hidden_size=16,
        output="logistic",
        loss="cross_entropy",
        init="glorot",
        init_std=0.0,
        gate_bias=1.0,
        learning_rate=1e-2,
        batch_size=128,
        train_bits=16,
        n_examples=0,
        operands="mixed",
        input_noise=0.1,
        max_steps=2000,
        check_every=25,
        check_bits=(1024,),
        check_pairs=32,
        check_margin=0.2,
        confirm_pairs=256,
    ),
    # The 2017 article's recipe: 100 fixed 5-bit examples (operands below 2**4, so 4 operand bits
    # and 5 steps), full batch,
    # Adam at 1e-3, quadratic loss on a linear output, truncated normal weights (std 0.01).
    "tutorial": dict(
        hidden_size=16,
        output="linear",
        loss="quadratic",
        init="truncated_normal",
        init_std=0.01,
        learning_rate=1e-3,
        batch_size=100,
        train_bits=4,
        n_examples=100,
        operands="uniform",
        max_steps=10000,
        check_every=50,
        check_bits=(4,),
        check_pairs=0,
        check_margin=0.0,
    ),
    # A model that can be proved to add at every length (gru_viz.proof): the robust recipe
    # with 4 units, on uniform batches only, its gates starting shut and its inputs clean, and
    # with uniform noise added to the hidden state after every training step (in
    # [-0.5, 0.5] once it has grown over the first 1,000 steps), so that each step must pull
    # perturbed states back together: then a box of states shrinks in one step, which is what
    # the proof needs. The first check comes after 2,000 steps, once the noise has shaped them.
    "provable": dict(
        hidden_size=4,
        output="logistic",
        loss="cross_entropy",
        init="glorot",
        init_std=0.0,
        learning_rate=1e-2,
        batch_size=128,
        train_bits=16,
        n_examples=0,
        operands="uniform",
        max_steps=6000,
        check_every=2000,
        check_bits=(1024,),
        check_pairs=32,
        check_margin=0.2,
        state_noise=0.5,
    ),
}


# What a preset that does not name one of these settings trains with: none of it. A model file
# written before a setting existed lacks it too, and was trained this way.
UNNAMED: dict[str, object] = dict(gate_bias=0.0, input_noise=0.0, confirm_pairs=0, state_noise=0.0)


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Fields left as None take the value of `preset` (see PRESETS), or of
    UNNAMED where the preset does not name them."""

    preset: str = "robust"  # "robust" (default), "tutorial" or "provable"
    seed: int = 0  # seeds the initial weights and every batch
    hidden_size: int | None = None  # H
    output: str | None = None  # "logistic" or "linear"
    loss: str | None = None  # "cross_entropy" or "quadratic"
    init: str | None = None  # "glorot" or "truncated_normal"
    init_std: float | None = None  # std of the truncated normal init
    gate_bias: float | None = None  # initial bz and br; above 0 the gates start open
    learning_rate: float | None = None  # Adam step size
    batch_size: int | None = None  # pairs per step
    train_bits: int | None = None  # operand length; each training sequence has one step more
    n_examples: int | None = None  # > 0: one fixed training set of this size; 0: fresh batches
    operands: str | None = None  # fresh batches: "uniform", "chains" or "mixed" (see draw_operands)
    input_noise: float | None = None  # std of Gaussian noise on every training input bit
    max_steps: int | None = None  # step limit
    check_every: int | None = None  # steps between exact-sum checks
    check_bits: tuple[int, ...] | None = None  # operand lengths of the held-out check
    check_pairs: int | None = None  # pairs per length, half uniform, half chains (0: held out)
    check_margin: float | None = None  # stop only when every checked bit has |p - 0.5| above it
    confirm_pairs: int | None = None  # more pairs per length to pass once the check passes
    state_noise: float | None = None  # uniform noise added to h at every training step (0: none)
    held_gates: tuple[str, ...] | None = None  # gates held at 1: "z", "r" (None: the preset's)

    def __post_init__(self) -> None:
        _check_choice("preset", self.preset, tuple(PRESETS))
        for name, value in PRESETS[self.preset].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        for name, value in UNNAMED.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        held = () if self.held_gates is None else self.held_gates  # ...and with a GRU's gates
        object.__setattr__(self, "held_gates", check_gates(held))
        object.__setattr__(self, "check_bits", tuple(int(b) for b in self.check_bits))
        _check_int("seed", self.seed, 0, 2**63 - 1)
        _check_choice("output", self.output, OUTPUTS)
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("init", self.init, INITS)
        _check_choice("operands", self.operands, OPERANDS)
        _check_float("learning_rate", self.learning_rate, 0.0, 1.0)
        _check_float("init_std", self.init_std, 0.0, 10.0, low_inclusive=True)
        _check_float("gate_bias", self.gate_bias, -10.0, 10.0, low_inclusive=True)
        _check_float("input_noise", self.input_noise, 0.0, 10.0, low_inclusive=True)
        _check_float("check_margin", self.check_margin, 0.0, 0.5, low_inclusive=True)
        _check_float("state_noise", self.state_noise, 0.0, 1.0, low_inclusive=True)
        _check_int("hidden_size", self.hidden_size, 1, 1024)
        _check_int("batch_size", self.batch_size, 1, 100_000)
        _check_int("train_bits", self.train_bits, 2, 4096)
        _check_int("n_examples", self.n_examples, 0, 1_000_000)
        _check_int("max_steps", self.max_steps, 1, 10_000_000)
        _check_int("check_every", self.check_every, 1, 10_000_000)
        _check_int("check_pairs", self.check_pairs, 0, 1_000_000)
        _check_int("confirm_pairs", self.confirm_pairs, 0, 1_000_000)
        _check_examples(self.n_examples, self.train_bits, self.preset)
        if not self.check_bits:
            raise ValueError("check_bits must name at least one operand length, got ()")
        for bits in self.check_bits:
            _check_int("check_bits entry", bits, 1, 1_000_000)

    @property
    def model(self) -> ModelConfig:
        return ModelConfig(
            hidden_size=self.hidden_size, output=self.output, held_gates=self.held_gates
        )

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["check_bits"] = list(self.check_bits)
        out["held_gates"] = list(self.held_gates)
        if not self.held_gates:  # a GRU's record reads as it did before the field existed
            del out["held_gates"]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown training settings {sorted(unknown)}; known: {sorted(known)}")
        values = {**UNNAMED, **data}  # a file written before a setting existed trained without it
        if values.get("check_bits") is not None:
            values["check_bits"] = tuple(values["check_bits"])
        if isinstance(values.get("held_gates"), list):
            values["held_gates"] = tuple(values["held_gates"])
        return cls(**values)


@dataclass(frozen=True)
class Tunable:
    """A training setting a person may change, with how the CLI and the app present it."""

    name: str  # the TrainConfig field
    label: str  # as the app's panel shows it
    kind: type  # int or float
    low: float  # smallest value the app's panel offers
    high: float  # largest value the app's panel offers (the library accepts more)
    help: str
    aliases: tuple[str, ...] = ()  # further command-line flags

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. --hidden-size."""
        return "--" + self.name.replace("_", "-")


TUNABLE = (
    Tunable("hidden_size", "Hidden size", int, 1, 256, "hidden units H"),
    Tunable("learning_rate", "Learning rate", float, 1e-5, 1.0, "Adam's step size"),
    Tunable("batch_size", "Batch size", int, 1, 1024, "additions per step"),
    Tunable("train_bits", "Training bits", int, 2, 64, "operand length of the training sums"),
    Tunable("max_steps", "Step limit", int, 1, 50_000, "stop here at the latest", ("--steps",)),
    Tunable("seed", "Seed", int, 0, 2**31 - 1, "seeds the initial weights and every batch"),
)


def preset_values(preset: str) -> dict[str, int | float]:
    """The TUNABLE fields' values in `preset` (the seed is 0)."""
    config = TrainConfig(preset=preset)
    return {t.name: getattr(config, t.name) for t in TUNABLE}


def _check_examples(n_examples: int, train_bits: int, preset: str) -> None:
    """A fixed training set cannot have more distinct pairs than train_bits-bit numbers make."""
    n_pairs = 4**train_bits
    if n_examples > n_pairs:
        bits = next(b for b in range(1, 64) if 4**b >= n_examples)
        raise ValueError(
            f"the {preset} preset trains on {n_examples} distinct pairs, but {train_bits}-bit "
            f"numbers make only {n_pairs}; use at least {bits} training bits"
        )


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}")


def _check_float(
    name: str, value: object, low: float, high: float, low_inclusive: bool = False
) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = (low <= value if low_inclusive else low < value) and value <= high
    if not ok:
        bracket = "[" if low_inclusive else "("
        raise ValueError(f"{name} must be a number in {bracket}{low}, {high}]; got {value!r}")
