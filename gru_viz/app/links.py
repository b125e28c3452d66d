"""The page's links: which numbers go into the URL, links that retrain a model trained on the
page (?train=robust_h16_lr0.01_batch128_bits16_steps2000_seed0), and what a link that edits
weights (?edit=bz.2:-30) is told, the units a link switches off (?units_off=9,3), and how a
message quotes a link's value. Plain functions."""

from __future__ import annotations

import re

from gru_viz.app.slots import TrainingSlots
from gru_viz.app.workspace import Workspace
from gru_viz.config import TUNABLE, TrainConfig, Tunable

LINK_DIGITS = 300  # a number longer than this is left out of the page's link
LINK_EDIT_CHARS = 2000  # edits longer than this as text are left out of the link


def quoted(text: str, limit: int = 30) -> str:
    """A link's value as a message quotes it: in quotes, cut short past `limit` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def link_value(text: str, default: str) -> str | None:
    """What the link holds for a number field: its text, or None (nothing in the link) when it
    is the default or too long for a link."""
    text = text.strip()
    if text == default or len(text) > LINK_DIGITS:
        return None
    return text


def link_note(text: str) -> str:
    """Why a number is not in the link, or ""."""
    length = len(text.strip())
    if length <= LINK_DIGITS:
        return ""
    return (
        f"This number ({length:,} characters) is too long for the page's link, which leaves it "
        f"out: a shared link opens with the default instead. Links keep numbers of up to "
        f"{LINK_DIGITS} digits."
    )


# UNITS SWITCHED OFF: ?units_off=9,3

UNITS_LINK = "units_off"


def units_in_link(values: list[str], hidden_size: int) -> tuple[list[int], list[str]]:
    """The units a link switches off (?units_off=9,3), and the values it holds that name none.
    A value is a unit's number, or an older link's label ("unit 9 (carry score 1.00)")."""
    units, unread = [], []
    for value in (part for text in values for part in text.split(",")):
        found = re.fullmatch(r"\s*(?:unit\s*)?(\d{1,4})(?:\s*\(carry score [^)]*\))?\s*", value)
        unit = int(found.group(1)) if found else None
        if unit is None or unit >= hidden_size:
            unread.append(value)
        elif unit not in units:
            units.append(unit)
    return units, unread


def units_link(units: list[int]) -> str | None:
    """The link's value for these units switched off (None: none)."""
    return ",".join(str(u) for u in sorted(units)) or None


def units_link_note(unread: list[str], hidden_size: int) -> str:
    """What became of a link's units that name none of the model's, or ""."""
    if not unread:
        return ""
    named = ", ".join(quoted(value) for value in unread[:5])
    return (
        f"The link switches off {named}, which {'name' if len(unread) > 1 else 'names'} no "
        f"unit of this model (units 0 to {hidden_size - 1}): left on."
    )


# LINKS TO A MODEL TRAINED ON THE PAGE: ?train=robust_h16_lr0.01_batch128_bits16_steps2000_seed0

TRAIN_LINK_KEYS = {  # TUNABLE field -> its name in the link
    "hidden_size": "h",
    "learning_rate": "lr",
    "batch_size": "batch",
    "train_bits": "bits",
    "max_steps": "steps",
    "seed": "seed",
}
TRAIN_LINK_CHARS = 200  # a longer train= value is refused unread


def train_link(config: TrainConfig) -> str:
    """The link's value for a model trained with `config`: its preset, then each tunable
    setting as a name and a number, joined by underscores."""
    parts = [config.preset]
    for field in TUNABLE:
        value = getattr(config, field.name)
        number = repr(float(value)) if field.kind is float else str(int(value))
        parts.append(f"{TRAIN_LINK_KEYS[field.name]}{number}")
    return "_".join(parts)


def parse_train_link(text: str) -> TrainConfig:
    """The TrainConfig a link's train= value names (settings it leaves out take the preset's,
    the seed 0); ValueError saying what is wrong and what is accepted."""
    from gru_viz.config import PRESETS

    if len(text) > TRAIN_LINK_CHARS:
        raise ValueError(
            f"the train setting is {len(text):,} characters; at most {TRAIN_LINK_CHARS}"
        )
    preset, *parts = text.strip().split("_")
    if preset not in PRESETS:
        raise ValueError(
            f"the train setting starts with a preset, one of {', '.join(PRESETS)}; got "
            f"{preset[:40]!r}"
        )
    fields = {TRAIN_LINK_KEYS[field.name]: field for field in TUNABLE}
    values: dict[str, int | float] = {}
    for part in parts:
        match = re.fullmatch(r"([a-z]+)([0-9][0-9.e+-]*)", part)
        if match is None or match[1] not in fields:
            names = ", ".join(f"{k} ({f.label.lower()})" for k, f in fields.items())
            raise ValueError(
                f"cannot read {part[:40]!r} in the train setting: each setting is a name and a "
                f"number, such as h16 or lr0.01; the names are {names}"
            )
        field = fields[match[1]]
        if field.name in values:
            raise ValueError(f"the train setting gives {field.label.lower()} twice")
        values[field.name] = _link_number(field, match[2])
    return TrainConfig(preset=preset, **values)


def _link_number(field: Tunable, text: str) -> int | float:
    label = field.label.lower()
    try:
        value = field.kind(text)
    except ValueError:
        kind = "a whole number" if field.kind is int else "a number"
        raise ValueError(f"{label} must be {kind}; got {text[:40]!r}") from None
    if not field.low <= value <= field.high:
        raise ValueError(f"{label} must be from {field.low:g} to {field.high:g}; got {text[:40]}")
    return value


def link_training(use_own: bool, workspace: Workspace) -> TrainConfig | None:
    """The settings that train the model the page shows again, for its link: the session's
    training, or the model it trained (not an uploaded one); None for any other model."""
    if not use_own:
        return None
    if workspace.job is not None:
        return workspace.job.config
    return workspace.own_config if workspace.own is not None else None


def settings_words(config: TrainConfig) -> str:
    """The training settings in words, the seed apart: "robust preset, hidden size 16, ..."."""
    words = [f"{config.preset} preset"]
    for field in TUNABLE:
        if field.name != "seed":
            words.append(f"{field.label.lower()} {getattr(config, field.name):,g}")
    return ", ".join(words)


def retrain_note(config: TrainConfig) -> str:
    return (
        f"This link retrains the model it was made with (settings {settings_words(config)}, "
        f"seed {config.seed}); training is deterministic, so it is the same model."
    )


SLOTS_BUSY = (
    "This link retrains a model, but all {limit} training slots on this server are busy "
    "(GRU_VIZ_MAX_TRAININGS), so the shipped model is shown instead. The link's settings are in "
    "the training panel: press Start to retrain it (it waits in line for a free slot)."
)


def link_slots_full(slots: TrainingSlots) -> str:
    """Why a link's model is not retrained now, or "" if a slot is free for it."""
    if slots.running + slots.waiting < slots.limit:
        return ""
    return SLOTS_BUSY.format(limit=slots.limit)


def bad_train_link(error: ValueError) -> str:
    return f"This link's model cannot be retrained: {error}. The shipped model is shown instead."


# LINKS THAT EDIT WEIGHTS: ?edit=bz.2:-30,Uh.0.3:1.5 (gru_viz.edits)

EDITS_CLEARED = (
    "The weights you edited belonged to the model you left, so they were cleared: this model "
    "is shown as it is."
)


def bad_edit_link(error: ValueError) -> str:
    return f"This link's edits were not applied, nothing changed: {error}."


def edited_note(active) -> str:
    """On every tab: the model shown has weights edited by hand, which ones, and where to undo
    them."""
    from gru_viz.edits import edits_words, parse_edits

    edits = parse_edits(active.edits, active.model.config)
    n = len(edits)
    note = "" if len(active.edits) <= LINK_EDIT_CHARS else " (too many for the page's link)"
    return (
        f"Weights edited by hand{note}: {edits_words(edits)}. Every tab shows the model with "
        f"{'this edit' if n == 1 else f'these {n} edits'}; Build it yourself undoes them."
    )
