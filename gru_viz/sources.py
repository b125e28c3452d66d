"""Where a model comes from, and the model a view is drawn for: `ActiveModel`.

The page, the command line and a notebook all hand views an ActiveModel: the model, where it
comes from (the shipped file, a model trained on the server in its place, a training under way,
or one of a session's own), a label, the units switched off, and how it learned (its replay),
if that is known. The shipped models drawn beside any model as references are named here too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

from gru_viz.addition import AdditionModel
from gru_viz.checkpoint import DEFAULT_PATH, HANDMADE_PATH, PROVED_PATH, TUTORIAL_PATH
from gru_viz.replay import Replay

# Where the model a view is drawn for comes from: on the page, the shipped (or reference) model,
# a default model trained on the server in its place, a training under way, or one of the
# session's own; elsewhere, a model file (the command line, a notebook).
SHIPPED, FALLBACK, TRAINING, OWN, FILE = "shipped", "fallback", "training", "own", "file"

ROBUST_REFERENCE = "shipped robust model"
TUTORIAL_REFERENCE = "shipped tutorial model"
PROVED_REFERENCE = "shipped proved model"
HANDMADE_REFERENCE = "hand-made adder"
REFERENCES = {  # every shipped model, by its name on the page
    ROBUST_REFERENCE: DEFAULT_PATH,
    TUTORIAL_REFERENCE: TUTORIAL_PATH,
    PROVED_REFERENCE: PROVED_PATH,
    HANDMADE_REFERENCE: HANDMADE_PATH,
}
CURVE_REFERENCES = (ROBUST_REFERENCE, TUTORIAL_REFERENCE)  # drawn beside any model's curves


@dataclass(frozen=True)
class ActiveModel:
    """The model a view is drawn for (None until a training's first step), where it comes from
    (SHIPPED, FALLBACK, TRAINING, OWN or FILE) and a label. With weights edited (`edits`),
    `model` is a new model made from `unedited`; with units switched off, `model` is the
    ablated model and `intact` the one it was made from. `replay`: how the intact model
    learned, if known (not for an edited one: it never learned its edits)."""

    model: AdditionModel | None
    source: str
    label: str
    live: bool = False  # True while the model still changes (a training's snapshots)
    units_off: tuple[int, ...] = ()
    intact_model: AdditionModel | None = None
    replay: Replay | None = None
    edits: str = ""  # weights changed by hand, as a link holds them (gru_viz.edits)
    unedited: AdditionModel | None = None  # the model before them

    @property
    def intact(self) -> AdditionModel | None:
        """The model with every unit on."""
        return self.model if self.intact_model is None else self.intact_model

    @property
    def own(self) -> bool:
        """True for the session's own model, finished or in training."""
        return self.source in (TRAINING, OWN)


def shipped_active(model: AdditionModel) -> ActiveModel:
    """The shipped pretrained model (the server's shared one) as the page names it."""
    return ActiveModel(model, SHIPPED, f"shipped pretrained model: {describe(model)}")


def unchecked(model: AdditionModel) -> str | None:
    """If `model` was trained and its training ended without passing its exact-sum check (at
    its step limit, or stopped early), that, in a sentence; else None."""
    provenance = getattr(model, "provenance", None) or {}  # (a stand-in model may have none)
    stopped = provenance.get("stopped")
    if stopped not in ("max_steps", "stopped"):
        return None
    steps = provenance.get("steps") or 0
    how = "reached its step limit" if stopped == "max_steps" else "was stopped"
    check = provenance.get("check") or {}
    last = "; ".join(f"{float(v):.0%} of {k}-bit check sums exact" for k, v in check.items())
    return (
        f"This model never passed its training check: its training {how} at step {steps:,}"
        + (f" ({last} at the last check)" if last else "")
        + ". A right answer here does not mean it adds."
    )


def describe(model: AdditionModel) -> str:
    """A one-line description of a model from its config, training config and provenance."""
    train = model.train_config or {}
    parts = [f"{model.config.hidden_size} hidden units"]
    if model.provenance.get("handmade"):
        parts.append("weights written by hand, not trained")
    if model.config.held_gates:
        from gru_viz.config import held_words

        parts.append(held_words(model.config.held_gates))
    if train.get("preset"):
        parts.append(f"{train['preset']} preset")
    if model.provenance.get("edited"):
        parts.append("weights edited by hand")
    steps = model.provenance.get("steps")
    if steps:
        parts.append(f"{steps:,} steps")
    check = model.provenance.get("check") or {}
    if check:
        parts.append(
            "exact on " + ", ".join(f"{float(v):.0%} of {k}-bit sums" for k, v in check.items())
        )
    if unchecked(model):
        parts.append("never passed its training check")
    return ", ".join(parts)


def from_file(model: AdditionModel, path: str | Path | None = None) -> ActiveModel:
    """A model loaded from `path` (default: the shipped model), with the record of how it
    learned that lies beside the file, if there is one."""
    from gru_viz.replay import load_replay, replay_path

    record = replay_path(Path(path or DEFAULT_PATH))
    try:
        replay = load_replay(record) if record.is_file() else None
    except ValueError:  # a broken record: as if there were none
        replay = None
    return ActiveModel(model, FILE, f"model {Path(path or DEFAULT_PATH).name}", replay=replay)


def with_edits(active: ActiveModel, edits: dict) -> ActiveModel:
    """`active` with weights changed by hand (gru_viz.edits: {key: value}), a new model; as it
    is if there are none or no model yet."""
    if not edits or active.model is None:
        return active
    from gru_viz.edits import edited_model, edits_text

    n = len(edits)
    label = f"{active.label}, with {n} weight{'s' if n > 1 else ''} edited by hand"
    model = edited_model(active.model, edits)
    text = edits_text(edits)
    return replace(active, model=model, label=label, edits=text, unedited=active.model, replay=None)


def with_units_off(active: ActiveModel, units: list[int] | tuple[int, ...]) -> ActiveModel:
    """`active` with `units` switched off (held at 0 at every step), or as it is if none are
    or there is no model yet."""
    if not units or active.model is None:
        return active
    from gru_viz.model import ablate

    off = tuple(sorted(int(u) for u in units))
    label = f"{active.label}, with unit{'s' if len(off) > 1 else ''} "
    label += ", ".join(map(str, off)) + " switched off"
    model = ablate(active.model, off)
    return replace(active, model=model, label=label, units_off=off, intact_model=active.model)


@functools.cache
def reference_models() -> dict[str, AdditionModel]:
    """The shipped models by name (loaded once per process)."""
    from gru_viz.model import load_model

    return {name: load_model(path) for name, path in REFERENCES.items()}


def curve_references() -> dict[str, AdditionModel]:
    """The shipped models drawn beside any model's length curves: the robust and the tutorial
    one."""
    return {name: reference_models()[name] for name in CURVE_REFERENCES}


def curve_models(
    active: ActiveModel, references: dict[str, AdditionModel]
) -> list[tuple[str, AdditionModel, bool]]:
    """(name, model, main) for a figure that draws a model beside the references: the model,
    then the intact model if units are switched off, the unedited one if weights are edited,
    then each reference that is not the same model."""
    main = "this model" if active.source == FILE else "model on this page"
    if active.units_off:
        main = "model with units off"
    chosen = [(main, active.model, True)]
    if active.units_off:
        chosen.append(("model with all units on", active.intact, False))
    if active.edits:
        chosen.append(("model before the edits", active.unedited, False))
    seen = {model.fingerprint() for _, model, _ in chosen}
    for name, model in references.items():
        if model.fingerprint() not in seen:
            chosen.append((name, model, False))
            seen.add(model.fingerprint())
    return chosen
