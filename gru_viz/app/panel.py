"""The sidebar's choices as plain functions: which model the page uses, which units may be
switched off, and the training panel (its fields, the server's caps, what a waiting or paused
training is told)."""

from __future__ import annotations

import dataclasses

from gru_viz import bits as bitlib
from gru_viz.addition import AdditionModel
from gru_viz.app.jobs import JobStatus
from gru_viz.app.settings import AppSettings
from gru_viz.app.slots import TrainingSlots
from gru_viz.app.workspace import SharedModel, Workspace
from gru_viz.carry import CarryUnits
from gru_viz.config import TUNABLE, TrainConfig, Tunable
from gru_viz.sources import (
    HANDMADE_REFERENCE,
    PROVED_REFERENCE,
    SHIPPED,
    TUTORIAL_REFERENCE,
    ActiveModel,
    describe,
)

SHIPPED_CHOICE, OWN_CHOICE = "Shipped model", "This session's model"
TUTORIAL_CHOICE = "Tutorial model"  # the shipped model trained by the article's recipe
PROVED_CHOICE = "Proved model"  # the shipped model of the provable preset
HANDMADE_CHOICE = "Hand-made adder"  # gru_viz.handmade_adder: written, not trained
MODEL_CHOICES = (SHIPPED_CHOICE, TUTORIAL_CHOICE, PROVED_CHOICE, HANDMADE_CHOICE, OWN_CHOICE)
PLAY_SECONDS = 0.25  # between steps while the step view plays: 4 bits a second


def chosen_model(
    choice: str | None,
    shared: ActiveModel,
    shipped: dict[str, AdditionModel],
    workspace: Workspace,
) -> ActiveModel:
    """The model the sidebar's choice names: the shared model, a shipped model (`shipped`, by
    its name in gru_viz.sources.REFERENCES), or the session's own (its training as it goes;
    the shared model until it has one)."""
    if choice == TUTORIAL_CHOICE:
        tutorial = shipped[TUTORIAL_REFERENCE]
        label = "shipped tutorial model, trained by the article's recipe: " + describe(tutorial)
        return ActiveModel(tutorial, SHIPPED, label)
    if choice == PROVED_CHOICE:
        proved = shipped[PROVED_REFERENCE]
        label = "shipped proved model, of the provable preset: " + describe(proved)
        return ActiveModel(proved, SHIPPED, label)
    if choice == HANDMADE_CHOICE:
        handmade = shipped[HANDMADE_REFERENCE]
        return ActiveModel(handmade, SHIPPED, "the hand-made adder: " + describe(handmade))
    return workspace.active(shared, use_own=choice == OWN_CHOICE)


def next_step(t: int, n_bits: int, playing: bool) -> tuple[int, bool]:
    """The step after t while playing, and whether to go on playing (it stops at the end)."""
    if not playing:
        return t, False
    t = min(t + 1, n_bits - 1)
    return t, t < n_bits - 1


def unsettled_notice(active: ActiveModel) -> str:
    """Why a heavy view waits, or "" if it can be computed for this model now."""
    if active.model is None or active.live:
        return (
            "The model is still training. This view is computed once the training ends (stop "
            "it to see it now, or switch to the shipped model in the sidebar)."
        )
    return ""


def unit_options(hidden_size: int, units: CarryUnits | None) -> list[int]:
    """The units a person may switch off, carry units first."""
    if units is None:
        return list(range(hidden_size))
    return [int(u) for u in units.order]


def unit_label(unit: int, units: CarryUnits | None) -> str:
    if units is None:
        return f"unit {unit}"
    return f"unit {unit} (carry score {units.scores[unit]:.2f})"


# TRAINING


def go_on_config(model, settings: AppSettings | None = None) -> TrainConfig | None:
    """For a model whose training ended without passing its check (sources.unchecked), the
    training that goes on from it: the same recipe (training is deterministic, so its first
    steps make this model again) to the same step limit if it was stopped early, else to twice
    its limit, within the server's cap. None if there is none (no recipe, or the cap reached)."""
    stopped = model.provenance.get("stopped")
    if stopped not in ("max_steps", "stopped") or not model.train_config:
        return None
    try:
        config = TrainConfig.from_dict(model.train_config)
    except (TypeError, ValueError):  # a recipe this version cannot read
        return None
    limit = config.max_steps if stopped == "stopped" else 2 * config.max_steps
    if settings is not None:
        limit = min(limit, settings.max_steps)
    if stopped == "max_steps" and limit <= config.max_steps:
        return None
    return dataclasses.replace(config, max_steps=limit)


def training_config(
    preset: str, fields: dict[str, int | float], settings: AppSettings | None = None
) -> TrainConfig:
    """The TrainConfig the panel asks for: `preset` with its tunable fields; ValueError names
    a bad field, or the server's cap (`settings`) a field is over. It is exactly what
    `python -m gru_viz train` makes from the same settings."""
    config = TrainConfig(preset=preset, **{t.name: fields[t.name] for t in TUNABLE})
    return check_caps(config, settings)


def check_caps(config: TrainConfig, settings: AppSettings | None) -> TrainConfig:
    """`config` if this server lets a visitor train it; else ValueError naming the field, the
    cap and the variable that sets it (see `server_cap`)."""
    for field in TUNABLE:
        cap = server_cap(field, settings)
        if cap is not None and getattr(config, field.name) > cap:
            raise ValueError(
                f"{field.label} {getattr(config, field.name):,} is more than this server allows: "
                f"at most {cap:,} ({CAP_SETTINGS[field.name][1]})"
            )
    return config


# Training fields a host may cap: the AppSettings field and the variable that sets it.
CAP_SETTINGS = {
    "hidden_size": ("max_hidden", "GRU_VIZ_MAX_HIDDEN"),
    "max_steps": ("max_steps", "GRU_VIZ_MAX_STEPS"),
}


def server_cap(field: Tunable, settings: AppSettings | None) -> int | None:
    """The most this server lets a visitor ask for in `field`, if it caps it below the panel's
    own limit; None if not."""
    if settings is None or field.name not in CAP_SETTINGS:
        return None
    cap = getattr(settings, CAP_SETTINGS[field.name][0])
    return cap if cap < field.high else None


def number_input_args(field: Tunable, settings: AppSettings | None = None) -> dict:
    """st.number_input's arguments for a tunable training field, beyond its label and key; a
    field this server caps (see `server_cap`) stops at the cap and its help says so."""
    cap = server_cap(field, settings)
    note = "" if cap is None else f" At most {cap:,} on this server."
    args = {
        "min_value": field.kind(field.low),
        "max_value": field.kind(field.high if cap is None else cap),
        "help": field.help[0].upper() + field.help[1:] + "." + note,
    }
    if field.kind is float:
        args.update(format="%g", step=1e-3)
    return args


def waiting_text(status: JobStatus, slots: TrainingSlots) -> str:
    """What a training waiting for a slot is told, or "" if it is not waiting."""
    if not status.waiting:
        return ""
    return (
        f"Waiting for a free training slot: {slots.running} of {slots.limit} trainings are "
        f"running on this server. Yours starts by itself (number {status.place_in_line} in line)."
    )


def pause_button(status: JobStatus | None) -> tuple[str, str, bool]:
    """Label and icon of the pause button, and whether a click pauses: Resume for a paused
    training, else Pause."""
    if status is not None and status.paused:
        return "Resume", ":material/play_circle:", False
    return "Pause", ":material/pause:", True


def fallback_message(shared: SharedModel) -> str:
    """Why the page shows a model trained on the server instead of the shipped one, or ""."""
    status = shared.fallback_status()
    if status is None:
        return ""
    doing = (
        "is being trained on this server instead; until it is done the results follow it as it "
        "learns"
        if status.live
        else "was trained on this server in its place"
    )
    return f"The pretrained model could not be loaded: {shared.error}. A default model {doing}."


def refresh_seconds(n_bits: int) -> float:
    """How often the page redraws the results while a model trains: twice a second, less
    often for additions so long that drawing them takes a while."""
    if n_bits <= 2048:
        return 0.5
    return 1.0 if n_bits <= 8192 else 2.0


def results_refresh(a: int | None, b: int | None, live: bool) -> float | None:
    """Seconds between redraws of the results for these numbers, None when nothing is live."""
    if not live:
        return None
    return refresh_seconds(bitlib.default_n_bits(a or 0, b or 0))
