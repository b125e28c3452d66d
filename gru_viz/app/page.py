"""The page's wording and choices, as plain functions: streamlit_app.py lays them out.

Everything here takes plain values (numbers, a Trace, a JobStatus) and returns text, numbers or
a figure, so pytest reaches every branch without a browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from gru_viz import (
    ablation,
    analysis,
    automaton,
    carry,
    explain,
    figures,
    length,
    state_map,
    steps,
)
from gru_viz import bits as bitlib
from gru_viz.ablation import AblationRanking
from gru_viz.app.jobs import JobStatus
from gru_viz.app.settings import AppSettings
from gru_viz.app.slots import TrainingSlots
from gru_viz.app.workspace import (
    OWN,
    SHIPPED,
    TRAINING,
    ActiveModel,
    SharedModel,
    Workspace,
    describe,
)
from gru_viz.carry import CarryUnits
from gru_viz.checkpoint import DEFAULT_PATH, TUTORIAL_PATH
from gru_viz.config import TUNABLE, TrainConfig, Tunable
from gru_viz.explain import Explanation
from gru_viz.inputs import int_to_digits
from gru_viz.interface import AdditionModel, Trace
from gru_viz.length import LengthCurve
from gru_viz.replay import Replay
from gru_viz.saturation import Saturation, gate_saturation

DEFAULT_A, DEFAULT_B = "1024", "16"  # the article's example
TABS = (
    "The sum and its gates",
    "Step by step",
    "How far it adds",
    "Inside the machine",
    "How it learned",
    "Side by side",
)
STEP_WINDOW = 12  # positions drawn on each side of the step being looked at
STEP_UNITS = 4  # units shown in the step's table: the best carry readers
STEP_TABLE_WINDOW = 4  # bit table columns on each side of the step
PLAY_SECONDS = 0.35  # between steps while playing
TUTORIAL_REFERENCE = "shipped tutorial model"
REFERENCES = {"shipped robust model": DEFAULT_PATH, TUTORIAL_REFERENCE: TUTORIAL_PATH}
SHIPPED_CHOICE, OWN_CHOICE = "Shipped model", "This session's model"
TUTORIAL_CHOICE = "Tutorial model"  # the shipped model trained by the article's recipe
MODEL_CHOICES = (SHIPPED_CHOICE, TUTORIAL_CHOICE, OWN_CHOICE)
VIEW_CHOICES = {"Gates z and r": "gates", "States h~ and h": "states"}  # label -> figure view
TABLE_WIDTH = 128  # bit table columns shown at once
SHORT_NUMBER = 30  # digits; longer numbers are shown in a wrapped block, not as a metric
USUAL_READING_BITS = 256  # the usual reading is written out as text up to this length
IMAGE_FORMATS = {"png": "PNG (1920x1080)", "svg": "SVG"}


# TEXT FROM OUTSIDE


def literal(text: str, limit: int = 600) -> str:
    """`text` for a Streamlit element that renders Markdown, shown exactly as written: every
    ASCII punctuation mark is backslash-escaped (no links, images, colours or maths from what
    someone typed or named a file), line breaks become spaces, and over `limit` characters
    the middle is cut."""
    text = " ".join(str(text).splitlines())
    if len(text) > limit:
        text = f"{text[: limit // 2]} ... {text[-limit // 2 :]}"
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


# THEMES AND PRESENTATION

PRESENT_FONT = 18  # px: figure text in presentation mode, for a room (axis text >= 16 px)
PRESENT_CSS = """
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"] { display: none !important; }
.block-container { max-width: 100% !important; padding-left: 2rem; padding-right: 2rem; }
.st-key-slide_figure { aspect-ratio: 16 / 9; width: 100%; }
</style>
"""


def page_theme(kind: str | None, present: bool) -> figures.Theme:
    """The figures' theme for the page's light or dark look (light when unknown), with larger
    type in presentation mode."""
    theme = figures.THEMES.get(kind or "light", figures.LIGHT)
    return replace(theme, font_size=PRESENT_FONT) if present else theme


def figure_html(fig) -> str:
    """The figure as one self-contained, interactive HTML file (plotly.js inside)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


VECTOR_SVG_HELP = (
    "Drawn on the server (a few seconds) as a {width}x{height} SVG in which every heatmap cell "
    "is one rectangle, up to {cells:,} cells in the figure; above that the heatmaps are a "
    "raster image inside the SVG. The camera button's SVG always holds them as a raster image."
)
COMMAND_DIGITS = 40  # longer numbers are written as A and B in a suggested command


def vector_svg_help() -> str:
    width, height = figures.SLIDE_SIZE
    return VECTOR_SVG_HELP.format(width=width, height=height, cells=figures.MAX_VECTOR_CELLS)


def svg_command(view: str | None, a: str | None, b: str | None) -> str:
    """The command that writes the figure as a vector SVG: its view (every view with --all
    when it has none of its own) of the numbers, or A and B when they are long or not numbers."""
    numbers = [
        text.strip()
        if text and text.strip().isdigit() and len(text.strip()) <= COMMAND_DIGITS
        else name
        for text, name in ((a, "A"), (b, "B"))
    ]
    which = f"--view {view}" if view else "--all"
    return f"python -m gru_viz figure {numbers[0]} {numbers[1]} {which} --format svg"


def no_browser_caption(view: str | None, a: str | None, b: str | None) -> str:
    """What replaces the Vector SVG button on a server without Chromium."""
    return (
        "Vector SVG needs Chromium on the server, which this one lacks; make it where "
        f"Chromium is installed with `{svg_command(view, a, b)}`."
    )


# LINKS

LINK_DIGITS = 300  # a number longer than this is left out of the page's link


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


def link_slots_full(slots: TrainingSlots) -> str:
    """Why a link's model is not retrained now, or "" if a slot is free for it."""
    if slots.running < slots.limit:
        return ""
    return (
        f"This link retrains a model, but all {slots.limit} training slots on this server are "
        "busy, so the shipped model is shown instead. The link's settings are in the training "
        "panel: press Start to retrain it (it waits in line for a free slot)."
    )


def bad_train_link(error: ValueError) -> str:
    return f"This link's model cannot be retrained: {error}. The shipped model is shown instead."


# TRAINING


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


def pause_button(status: JobStatus | None) -> tuple[str, str]:
    """Label and icon of the pause button: Resume for a paused training, else Pause."""
    if status is not None and status.paused:
        return "Resume", ":material/play_circle:"
    return "Pause", ":material/pause:"


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


# THE SUM


@dataclass(frozen=True)
class Sums:
    """The predicted and the true sum as decimal text, and whether they fit in a metric."""

    predicted: str
    true: str

    @property
    def short(self) -> bool:
        return max(len(self.predicted), len(self.true)) <= SHORT_NUMBER


def sums(trace: Trace) -> Sums:
    return Sums(int_to_digits(trace.predicted_sum), int_to_digits(trace.true_sum))


def verdict(trace: Trace) -> str:
    """Right or wrong, in one sentence."""
    if trace.correct:
        return f"Right: all {trace.n_bits:,} sum bits are correct."
    wrong = trace.bits_pred != trace.bits_true
    return (
        f"Wrong: {int(wrong.sum()):,} of {trace.n_bits:,} sum bits differ, the first at position "
        f"{int(wrong.argmax()):,}. They are marked in red below."
    )


# THE BITS AND THE GATES


def table_start_needed(n_bits: int) -> bool:
    """True if the bit table is too wide to show whole, so the page offers a start slider."""
    return n_bits > TABLE_WIDTH


def usual_reading_text(trace: Trace) -> str:
    """a, b and both sums written the usual way round, aligned; "" when too long to show."""
    if trace.n_bits > USUAL_READING_BITS:
        return ""
    usual = analysis.usual_reading(trace)
    width = max(len(label) for label in usual)
    return "\n".join(f"{label:>{width}}  {bits}" for label, bits in usual.items())


def unit_order(carry_order: np.ndarray, hidden_size: int, by_carry: bool) -> np.ndarray:
    """The order of the heatmaps' rows: carry units first, or 0 .. H-1."""
    return carry_order if by_carry else np.arange(hidden_size)


def trace(model: AdditionModel, a: int, b: int) -> Trace:
    """model.trace(a, b): the compute function the page caches per model."""
    return model.trace(a, b)


def inside_figure(
    trace: Trace,
    view_choice: str,
    order: np.ndarray,
    units: CarryUnits | None = None,
    x_range: tuple[float, float] | None = None,
    window: tuple[int, int] | None = None,
    cursor: int | None = None,
    theme: figures.Theme = figures.LIGHT,
):
    """The heatmaps of the view the page's control names, carry units labelled and the top
    one's state drawn against the carry underneath, in `theme`."""
    return figures.trace_figure(
        trace,
        VIEW_CHOICES[view_choice],
        order,
        analysis.addition_label(trace),
        carriers=() if units is None else units.carriers,
        track_unit=None if units is None else units.top,
        x_range=x_range,
        track_threshold=None if units is None else float(units.thresholds[units.top]),
        track_high_for_carry=units is None or bool(units.signs[units.top] > 0),
        window=window,
        cursor=cursor,
        theme=theme,
    )


def figure_file_name(view_choice: str, trace: Trace) -> str:
    """The camera button's file name: the view and, for short numbers, the addition."""
    return file_name(VIEW_CHOICES[view_choice], trace)


def file_name(name: str, trace: Trace) -> str:
    """gru-viz-NAME-A-plus-B for short numbers, else gru-viz-NAME (no extension)."""
    if max(trace.a, trace.b).bit_length() <= 64:
        return f"gru-viz-{name}-{trace.a}-plus-{trace.b}"
    return f"gru-viz-{name}"


def zoom_note(n_bits: int) -> str:
    """How to see every position of a long addition, or "" when it fits."""
    if n_bits <= figures.INITIAL_WINDOW:
        return ""
    return (
        f"{n_bits:,} positions: the view opens on positions 0 to {figures.INITIAL_WINDOW - 1}. "
        "Drag across the plot to zoom; double-click (twice after zooming) to see every "
        "position. Nothing is averaged: there is one cell per bit and unit at any zoom."
    )


# EXPLAIN IT: the compute functions the page caches per model, and their wording


def carry_units(model: AdditionModel) -> CarryUnits:
    """Each unit's carry score on stress additions (quick: computed on the page's thread)."""
    return carry.carry_units(model)


def explanation(trace: Trace, model: AdditionModel, units: CarryUnits) -> Explanation:
    """Why the model's sum in `trace` is right or wrong, told with its carry units (a few
    array passes over the trace: cheap enough to redo each run, unlike the units)."""
    return explain.explain(trace, model, units)


def length_curve(model: AdditionModel, progress=None) -> LengthCurve:
    """The default length curve (heavy: computed in the background)."""
    return length.length_curve(model, progress=progress)


def ranking(model: AdditionModel, progress=None) -> AblationRanking:
    """Accuracy lost with each unit switched off alone (heavy: in the background)."""
    return ablation.ablation_ranking(model, progress=progress)


def machine(model: AdditionModel, progress=None) -> automaton.Automaton:
    """The machine the model implements (heavy: in the background)."""
    if progress is not None:
        progress(0.1)
    found = automaton.extract_automaton(model)
    if found.is_adder:  # its start state is carry 0, the other carry 1
        found = replace(found, names=automaton.textbook_adder().names)
    return found


def chosen_model(
    choice: str | None, shared: ActiveModel, tutorial: AdditionModel, workspace: Workspace
) -> ActiveModel:
    """The model the sidebar's choice names: the shared model, the shipped tutorial model, or
    the session's own (its training as it goes; the shared model until it has one)."""
    if choice == TUTORIAL_CHOICE:
        label = "shipped tutorial model, trained by the article's recipe: " + describe(tutorial)
        return ActiveModel(tutorial, SHIPPED, label)
    return workspace.active(shared, use_own=choice == OWN_CHOICE)


def with_units_off(active: ActiveModel, units: list[int]) -> ActiveModel:
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


def unsettled_notice(active: ActiveModel) -> str:
    """Why a heavy view waits, or "" if it can be computed for this model now."""
    if active.model is None or active.live:
        return (
            "The model is still training. This view is computed once the training ends (stop "
            "it to see it now, or switch to the shipped model in the sidebar)."
        )
    return ""


def curve_models(
    active: ActiveModel, references: dict[str, AdditionModel]
) -> list[tuple[str, AdditionModel, bool]]:
    """(name, model, main) for the length figure: the page's model, then each reference that
    is not the same model, and the intact model if units are switched off."""
    main = "model on this page" if not active.units_off else "model with units off"
    chosen = [(main, active.model, True)]
    if active.units_off:
        chosen.append(("model with all units on", active.intact, False))
    seen = {model.fingerprint() for _, model, _ in chosen}
    for name, model in references.items():
        if model.fingerprint() not in seen:
            chosen.append((name, model, False))
            seen.add(model.fingerprint())
    return chosen


def unit_options(hidden_size: int, units: CarryUnits | None) -> list[int]:
    """The units a person may switch off, carry units first."""
    if units is None:
        return list(range(hidden_size))
    return [int(u) for u in units.order]


def unit_label(unit: int, units: CarryUnits | None) -> str:
    if units is None:
        return f"unit {unit}"
    return f"unit {unit} (carry score {units.scores[unit]:.2f})"


def chain_range(why: Explanation, n_bits: int) -> tuple[float, float] | None:
    """The x range that shows the carry chain reaching the first wrong bit, with a margin."""
    if why.chain_start is None:
        return None
    low = max(0, why.chain_start - 2)
    high = min(n_bits - 1, why.first_wrong + 3)
    return (low - 0.5, high + 0.5)


def train_bits(model: AdditionModel) -> int | None:
    return model.train_bits


@dataclass(frozen=True)
class MachinePaths:
    """The states the current addition visits in the found machine and in the textbook
    adder (start state first), and a note for the page."""

    found: np.ndarray | None
    adder: automaton.Automaton
    adder_path: np.ndarray | None
    note: str


def machine_paths(found: automaton.Automaton, a: int | None, b: int | None) -> MachinePaths:
    adder = automaton.textbook_adder()
    if a is None or b is None:
        return MachinePaths(None, adder, None, "Type two numbers to see the path they take.")
    n_bits = bitlib.default_n_bits(a, b)
    bits_a, bits_b = bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)
    return MachinePaths(
        automaton.machine_path(found, bits_a, bits_b),
        adder,
        automaton.machine_path(adder, bits_a, bits_b),
        f"In red: the states and moves the current addition ({n_bits:,} steps) goes through.",
    )


def states_word(n_states: int) -> str:
    return f"{n_states} state{'s' if n_states != 1 else ''}"


def step_window(t: int, n_bits: int, side: int = STEP_WINDOW) -> tuple[int, int]:
    """Positions [lo, hi) drawn around step t: `side` on each side, kept inside."""
    width = min(n_bits, 2 * side + 1)
    lo = min(max(0, t - side), n_bits - width)
    return lo, lo + width


def machine_step(found: object, trace: Trace, t: int) -> list[int] | None:
    """The extracted machine's state before step t and after it, to light up the move the
    current addition makes there; None until the machine is ready."""
    if not isinstance(found, automaton.Automaton):
        return None
    path = automaton.machine_path(found, trace.bits_a[: t + 1], trace.bits_b[: t + 1])
    return [int(path[t]), int(path[t + 1])]


def next_step(t: int, n_bits: int, playing: bool) -> tuple[int, bool]:
    """The step after t while playing, and whether to go on playing (it stops at the end)."""
    if not playing:
        return t, False
    t = min(t + 1, n_bits - 1)
    return t, t < n_bits - 1


def step_rows(s: steps.Step) -> dict[str, list]:
    """The step's table: one row per unit shown, with the numbers of the equations."""
    return {
        "unit": [f"unit {u}" for u in s.units],
        "h(t-1)": [f"{v:+.3f}" for v in s.h_prev],
        "z(t)": [f"{v:.3f}" for v in s.z],
        "r(t)": [f"{v:.3f}" for v in s.r],
        "h~(t)": [f"{v:+.3f}" for v in s.h_tilde],
        "h(t)": [f"{v:+.3f}" for v in s.h],
    }


def step_words(s: steps.Step) -> str:
    """What happens at step t, in two sentences: the bits and the carry, then the output."""
    verdict = "right" if s.predicted_bit == s.true_bit else "WRONG"
    return (
        f"**Bit {s.t:,}.** It reads a = {s.a}, b = {s.b}. {s.carry_words} The model gives "
        f"p = {s.p:.3f} that the sum bit is 1, so it writes {s.predicted_bit}: {verdict} "
        f"(the true bit is {s.true_bit})."
    )


def step_caption(s: steps.Step) -> str:
    """One line of HTML for a frame of the animated step-through: the bits, the carry and
    what the model writes."""
    verdict = "right" if s.predicted_bit == s.true_bit else "<b>WRONG</b>"
    return (
        f"<b>Bit {s.t:,}</b>: {s.a} + {s.b} + carry {s.carry_in} = {s.a + s.b + s.carry_in}, "
        f"carry out {s.carry_out}. p = {s.p:.3f}, so it writes {s.predicted_bit}: {verdict}"
    )


def animation_note(n_bits: int, frames: int) -> str:
    """What an animation of `frames` steps leaves out of an addition of `n_bits`, or ""."""
    if frames >= n_bits:
        return ""
    return (
        f"The animation plays bits 0 to {frames - 1} of {n_bits:,} (at most {figures.MAX_FRAMES} "
        "frames); the step-through on the page reaches every bit."
    )


def step_animation(trace: Trace, units: CarryUnits, theme: figures.Theme = figures.LIGHT):
    """The step-through as a figure that plays: the gates of bits 0 .. figures.MAX_FRAMES - 1,
    the cursor moving one bit per frame, the top carry unit's state riding its line, and
    each step's arithmetic in the title."""
    walked = steps.walk(trace, units.order[:STEP_UNITS], figures.MAX_FRAMES)
    window = (0, len(walked))
    fig = inside_figure(trace, "Gates z and r", units.order, units, window=window, cursor=0)
    fig.update_traces(colorscale=figures.bit_colorscale(theme), selector=0)  # the bit strip
    fig = figures.themed(fig, theme)
    return figures.step_animation(
        fig,
        [s.t for s in walked],
        [step_caption(s) for s in walked],
        marker_values=[float(trace.h[s.t, units.top]) for s in walked],
        note=animation_note(trace.n_bits, len(walked)),
        theme=theme,
    )


def hidden_state_map(model: AdditionModel, progress=None) -> state_map.StateMap:
    """The 2-D map of the model's hidden states (in the background)."""
    return state_map.state_map(model)


def saturation(model: AdditionModel, progress=None) -> Saturation:
    """How often each unit's gates are shut or wide open (in the background)."""
    return gate_saturation(model)


STATE_MAP_NOTE = (
    "Every dot is the hidden state h_t (16 numbers) after one bit of one of 96 additions, "
    "drawn in 2-D: the x axis runs from the average state with no carry to the average state "
    "with a carry, the y axis along the largest remaining spread. A model that carries keeps "
    "two tight clouds, one per carry; the line is the current addition, the big dot its step."
)

SATURATION_NOTE = (
    "One dot per gate and unit: how often, over 96 additions, the gate is shut (below 0.1, to "
    "the right) or wide open (above 0.9, up). Dots near the top left are switches that are "
    "almost always open; along the diagonal they flip between shut and open, which is how a "
    "gate makes a decision; near the origin the gate lingers in between."
)


def replay_of(
    active: ActiveModel, own_replay: Replay | None, shipped: dict[str, Replay]
) -> Replay | None:
    """How the page's model (all units on) learned: the session's record of its own
    training, or the shipped record of a shipped model; None for anything else."""
    if active.intact is None:
        return None
    if active.source in (OWN, TRAINING):
        return own_replay if active.source == OWN else None
    return shipped.get(active.intact.fingerprint())


def replay_checks(replay: Replay) -> list[tuple[int, dict[int, float]]]:
    """The replay's checks as the training figure takes them."""
    bits = [int(b) for b in replay.check_bits]
    return [
        (int(step), dict(zip(bits, map(float, row))))
        for step, row in zip(replay.check_steps, replay.check_accuracy)
    ]


def snapshot_words(replay: Replay, i: int, units: CarryUnits, found: object) -> str:
    """What the model was at snapshot i: its best carry unit and, once read, its machine."""
    top = units.top
    parts = [
        f"**At step {int(replay.steps[i]):,}** (snapshot {i + 1} of {len(replay)}): its best "
        f"carry unit is unit {top}, score {units.scores[top]:.2f} (1.00 reads the carry "
        "perfectly)."
    ]
    if isinstance(found, automaton.Automaton):
        adder = "the two-state adder" if found.is_adder else "not the two-state adder"
        parts.append(f"Its machine has {states_word(found.n_states)}: {adder}.")
    return " ".join(parts)


REPLAY_NOTE = (
    "A training keeps a few dozen snapshots of its weights, closer together early on. Move "
    "the slider to see the model as it was then: the loss and exact sums up to that step "
    "(the pink line), the gates of the current addition, its best carry unit, the machine "
    "inside it and how far it adds. A model that learns to carry grows one carry unit and "
    "collapses to two states; the tutorial's recipe stops at a machine that works only for "
    "short numbers."
)

NO_REPLAY = (
    "There is no record of how this model learned. Train one in the sidebar (its snapshots are "
    "kept), or choose a shipped model: `python -m gru_viz train` writes the record beside the "
    "model file."
)


COMPARE_NOTE = (
    "Two models, the same addition: their sums and why, their gates, how far each adds and "
    "the machine inside each. The session's model is there once you train or upload one."
)


def pending_text(what: str, fraction: float) -> str:
    return f"Computing {what} in the background: {fraction:.0%} done."


LENGTH_NOTE = (
    "Each point is the share of sums the model gets exactly right, every bit, for operands of "
    "that many bits: solid lines on random numbers, dashed on numbers whose sum carries all the "
    "way along, such as (2^n - 1) + 1. A model that has learned to carry stays at 100% far past "
    "the dotted line, the length it was trained on; a model that has learned the training "
    "examples falls off soon after it. On the right, the same sums by their longest carry "
    "chain: that, not the length, is what breaks a model that cannot carry."
)

RANKING_NOTE = (
    "Each bar switches one unit off alone (its state held at 0 at every step, in the real "
    "model) and measures the exact sums lost. Units in red are carry units (carry score at "
    "least 0.9). Switch units off in the sidebar to see the sum, the gates and these curves "
    "change."
)

MACHINE_NOTE = (
    "Binary addition is a machine with two states, carry 0 and carry 1, that reads one pair "
    "of bits a b and writes one sum bit s per step (edges are labelled a b / s). To read the "
    "machine out of the GRU, its hidden states from 256 additions are grouped (k-means), each "
    "group's next group and output are taken by majority vote for each input pair, and "
    "groups that behave the same are merged (Mealy minimization). The path the current "
    "addition takes is drawn in red."
)


def machine_text(found: automaton.Automaton) -> str:
    """What the extracted machine is, how it was checked and what that does not prove."""
    parts = [
        f"The GRU's {found.n_clusters} groups of hidden states reduce to a machine with "
        f"{found.n_states} states; it reproduces {found.consistency:.1%} of the GRU's own steps "
        "on the additions it was read from."
    ]
    if found.is_adder:
        parts.append("It is the two-state adder, state for state and edge for edge.")
    else:
        parts.append("It is not the two-state adder.")
    parts.append(
        f"Run on its own, it gets {found.agreement_random:.1%} of 1,000 random 1,024-bit sums "
        f"and {found.agreement_stress:.1%} of carry-chain sums exactly right."
    )
    if found.first_departure is None:
        parts.append(
            "No addition of up to 4,095-bit numbers was found where the GRU leaves it (searched: "
            "every length to 127 bits, then four lengths per doubling, with long carry chains)."
        )
    else:
        a, b, position = found.first_departure
        parts.append(
            f"The shortest addition found where the GRU leaves it is {a} + {b}, at bit {position}."
        )
    parts.append(
        "This is tested, not proved: the machine is checked on the sums above, and no finite "
        "test covers every addition."
    )
    return " ".join(parts)
