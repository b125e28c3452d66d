"""Why gates? The same recipe and seed trained four times: as a GRU, with its update gate held
at 1 (a plain tanh RNN, still with a reset gate), with its reset gate held at 1, and with both
held (an Elman RNN); then how soon each passes the recipe's check, how far it adds (the quick
length curve, gru_viz.length.quick_length_curve) and the machine each one becomes
(gru_viz.extraction). Nothing is assumed: the page states what these results say.

Training uses TrainConfig.held_gates; everything else is the recipe's own (its preset, seed,
hidden size, step limit and check), so a change of a preset's recipe shows up here unchanged.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from gru_viz.addition import AdditionModel
from gru_viz.automaton import Automaton
from gru_viz.config import PRESETS, TrainConfig, held_words
from gru_viz.length import LengthCurve, quick_length_curve

CELLS = ((), ("z",), ("r",), ("z", "r"))  # the full GRU first, then the gates held at 1
MAX_HIDDEN = 64  # a recipe's hidden size is capped at this, and its step limit at its preset's:
# four trainings in the background of a server must cost no more than four of a preset's own


@dataclass(frozen=True)
class Cell:
    """One cell trained by the recipe: the gates it holds at 1, the steps it trained, whether it
    passed the recipe's check (else it ran to max_steps), its quick length curve and the machine
    read off it. `model` is the trained model."""

    held: tuple[str, ...]
    steps: int
    passed: bool
    max_steps: int
    train_seconds: float
    curve: LengthCurve
    machine: Automaton
    model: AdditionModel

    @property
    def name(self) -> str:
        return held_words(self.held)

    @property
    def exact_to(self) -> int:
        """The longest operand length up to which every checked sum is exact (0 if none)."""
        longest = 0
        for n, uniform, stress in zip(self.curve.lengths, self.curve.uniform, self.curve.stress):
            if min(uniform, stress) < 1.0:
                break
            longest = int(n)
        return longest


@dataclass(frozen=True)
class GateStudy:
    """The recipe (a TrainConfig, gates free) and its cells, the full GRU first."""

    recipe: TrainConfig
    recipe_named: bool  # False: the model had no recipe, so the default one was used
    cells: tuple[Cell, ...]
    capped: str = ""  # what of the model's recipe was capped (see MAX_HIDDEN), in words


def recipe_of(model: AdditionModel) -> tuple[TrainConfig, bool]:
    """The recipe `model` was trained by, its gates free, and True; or the default recipe and
    False for a model that was not trained (the hand-made adder)."""
    if not model.train_config:
        return TrainConfig(), False
    recipe = TrainConfig.from_dict(model.train_config)
    return dataclasses.replace(recipe, held_gates=()), True


def capped(recipe: TrainConfig) -> tuple[TrainConfig, str]:
    """`recipe` with its hidden size at most MAX_HIDDEN and its step limit at most its
    preset's, and what was capped in words ("" if nothing)."""
    limit = PRESETS[recipe.preset]["max_steps"]
    changes, words = {}, []
    if recipe.hidden_size > MAX_HIDDEN:
        changes["hidden_size"] = MAX_HIDDEN
        words.append(f"hidden size {recipe.hidden_size:,} to {MAX_HIDDEN}")
    if recipe.max_steps > limit:
        changes["max_steps"] = limit
        words.append(f"step limit {recipe.max_steps:,} to the preset's {limit:,}")
    return dataclasses.replace(recipe, **changes), ", ".join(words)


def train_cell(recipe: TrainConfig, held: tuple[str, ...], on_step=None) -> Cell:
    """Train `recipe` holding the gates `held` at 1, then read its curve and machine."""
    from gru_viz.extraction import extract_automaton
    from gru_viz.training import train

    config = dataclasses.replace(recipe, held_gates=held)
    start = time.perf_counter()
    model, history = train(config, on_step=on_step)
    seconds = time.perf_counter() - start
    return Cell(
        held=held,
        steps=history.steps[-1] if history.steps else 0,
        passed=history.stopped == "converged",
        max_steps=config.max_steps,
        train_seconds=seconds,
        curve=quick_length_curve(model),
        machine=extract_automaton(model),
        model=model,
    )


def gate_study(
    model: AdditionModel, progress: Callable[[float], object] | None = None
) -> GateStudy:
    """The four cells of the recipe `model` was trained by (see recipe_of; capped, see
    `capped`), each trained on the recipe's seed. progress(fraction) follows the trainings'
    steps."""
    recipe, named = recipe_of(model)
    recipe, cut = capped(recipe)
    cells = []
    for k, held in enumerate(CELLS):

        def on_step(info, k=k) -> None:
            if progress is not None:
                progress((k + 0.8 * info.step / info.max_steps) / len(CELLS))

        cells.append(train_cell(recipe, held, on_step))
        if progress is not None:
            progress((k + 1) / len(CELLS))
    return GateStudy(recipe, named, tuple(cells), cut)


def steps_words(cell: Cell) -> str:
    """How soon a cell passed the recipe's check: "125 steps" or "never within 2,000 steps"."""
    if cell.passed:
        return f"{cell.steps:,} steps"
    return f"never within {cell.max_steps:,} steps"


def check_words(cell: Cell) -> str:
    if cell.passed:
        return f"passed the recipe's check after {cell.steps:,} steps"
    return f"never passed the recipe's check within {cell.max_steps:,} steps"


def exact_words(cell: Cell) -> str:
    if not cell.exact_to:
        return "is exact at no tested length"
    return f"is exact on every tested sum up to {cell.exact_to:,} bits"


def machine_words(cell: Cell) -> str:
    found = cell.machine
    states = f"{found.n_states} state{'s' if found.n_states != 1 else ''}"
    return f"{states}, the two-state adder" if found.is_adder else f"{states}, not the adder"


def findings(study: GateStudy) -> list[str]:
    """What the cells show, in the page's words, one sentence per cell after the recipe's and
    before what it says; every number formatted from the results."""
    full, *held = study.cells
    recipe = study.recipe
    longest = max(int(n) for n in full.curve.lengths)
    whose = (
        "This model's recipe"
        if study.recipe_named
        else "This model was not trained, so the default recipe stands in"
    )
    cut = f" (capped: {study.capped})" if study.capped else ""
    parts = [
        f"{whose}: the {recipe.preset} preset with {recipe.hidden_size} units and seed "
        f"{recipe.seed}{cut}; sums tested up to {longest:,} bits.",
        f"The GRU {check_words(full)}, {exact_words(full)} and becomes a machine of "
        f"{machine_words(full)}.",
    ]
    for cell in held:
        parts.append(
            f"With {'' if len(cell.held) > 1 else 'the '}{cell.name}, it {check_words(cell)}, "
            f"{exact_words(cell)} and becomes a machine of {machine_words(cell)}."
        )
    as_good = [c for c in held if c.passed and c.machine.is_adder and c.exact_to >= full.exact_to]
    if full.passed and len(as_good) == len(held):
        parts.append(
            "So on this recipe and seed the gates are not what makes it add: even with both "
            "held at 1, a plain tanh RNN, it learns the same two-state adder. Addition needs "
            "one bit of memory that every bit rewrites, which a tanh unit holds without an "
            "update gate; gates earn their keep where a state must stay unchanged over many "
            "steps, which this task never asks for."
        )
    elif full.passed:
        names = ", ".join(f"the {c.name}" for c in held if c not in as_good)
        parts.append(f"So the gates matter here: with {names}, it does not add as the GRU does.")
    return parts
