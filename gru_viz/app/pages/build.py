"""Build it yourself: a GRU whose weights are written by hand, derived weight by weight beside a
learned model's carry unit; every weight of the current model editable, with the addition, its
verdict, how far it adds, its machine and its proof redrawn at once; and why gates, the model's
recipe trained again with gates held at 1. Which part shows is in the link (?part=...)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gru_viz import edits, length
from gru_viz.analyses import CARRY_UNITS, TRACE
from gru_viz.app import panel, wording
from gru_viz.app.pages import the_sum
from gru_viz.app.resources import reference_models
from gru_viz.app.session import current_model, set_edits
from gru_viz.app.settings import AppSettings
from gru_viz.app.widgets import (
    PageAnalyses,
    build_view,
    explain,
    machine_chart,
    page_button,
    plot_config,
    polled,
    proof_verdict,
    settled,
    show_result,
    show_view,
)
from gru_viz.gate_study import findings
from gru_viz.handmade import CARRY, DERIVATION, HIDDEN
from gru_viz.sources import HANDMADE_REFERENCE, ROBUST_REFERENCE, ActiveModel
from gru_viz.views import VIEWS
from gru_viz.views.machine import MACHINE, states_word
from gru_viz.views.proof import MODEL_PROOF
from gru_viz.views.why_gates import GATE_STUDY, base_model
from gru_viz.weights import WEIGHT_NAMES
from gru_viz.why import explain as explain_sum

TITLE = "Build it yourself"
VIEWS_SHOWN = ("weights", "why-gates")
HANDMADE, EDIT, WHY = "A hand-made adder", "Edit the weights", "Why gates?"
PARTS = (HANDMADE, EDIT, WHY)
HANDMADE_NOTE = (
    "Addition needs no learning: the arithmetic of a full adder can be written straight into "
    "the GRU's weights. Each step below sets some of them, with its value and the reason. "
    f"{HIDDEN} units are enough, and the proof (Inside the machine) says it adds every length. "
    "`python -m gru_viz handmade -o assets/handmade.npz` writes it; choose it in the sidebar, "
    "or edit it under Edit the weights."
)
EDIT_NOTE = (
    "Pick a weight by clicking its cell or from the list, then type a value or drag it. The "
    "sum, the gates, how far it adds, its machine and its proof follow the edited model at once "
    "(the heavier ones as they are computed), here and on every tab. Edits live in the link, "
    "never in the model files; Download, beside the value, saves the edited model as a file."
)


def render(settings: AppSettings, a, b) -> None:
    part = st.segmented_control(
        "Part",
        PARTS,
        default=None if "part" in st.session_state else HANDMADE,  # (a link's, or the state's)
        required=True,
        key="part",
        bind="query-params",
        label_visibility="collapsed",
    )
    if part == EDIT:
        edit_part(settings, a, b)
    elif part == WHY:
        polled("why_gates", why_gates_part, settings)
    else:
        polled("handmade", handmade_part, settings, a, b)


# A HAND-MADE ADDER


def handmade_part(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    st.subheader("A hand-made adder")
    explain(HANDMADE_NOTE)
    derivation, contrast = st.columns([1, 1], gap="large")
    with derivation:
        for step in DERIVATION:
            st.markdown(
                f"**{wording.literal(step.weights)} = {wording.literal(step.value)}.** "
                + wording.literal(step.why)
            )
        page_button(
            "Show the hand-made adder on every tab",
            _choose_handmade,
            key="choose_handmade",
            icon=":material/build:",
            help="Chooses it in the sidebar's Use.",
        )
    with contrast:
        learned_carry_unit(settings, a, b, analyses)


def _choose_handmade() -> None:
    st.session_state.model_source = panel.HANDMADE_CHOICE


def learned_model(active: ActiveModel):
    """The learned model to contrast with: the page's, if it was trained, else the shipped
    robust one."""
    model = active.intact
    if model is not None and model.train_config:
        return model, "this page's model"
    return reference_models()[ROBUST_REFERENCE], "the shipped robust model"


def learned_carry_unit(settings: AppSettings, a, b, analyses: PageAnalyses) -> None:
    """The hand-made carry unit's weights beside the learned model's best carry unit's, and how
    each uses its gates on the current addition."""
    hand = reference_models()[HANDMADE_REFERENCE]
    model, whose = learned_model(current_model(settings))
    units = analyses.get(model, CARRY_UNITS)
    u = units.top
    st.markdown(f"**Beside the carry unit that {wording.literal(whose)} learned: unit {u}**")
    rows = carry_unit_rows(hand.weights(), CARRY, model.weights(), u)
    if a is not None and b is not None:
        for name, gate in (("mean z, this sum", "z"), ("mean r, this sum", "r")):
            hand_mean = getattr(analyses.get(hand, TRACE, a, b), gate)[:, CARRY].mean()
            learned_mean = getattr(analyses.get(model, TRACE, a, b), gate)[:, u].mean()
            rows.append((name, f"{hand_mean:.3f}", f"{learned_mean:.3f}"))
    score = analyses.get(hand, CARRY_UNITS).scores[CARRY]
    rows.append(
        ("carry score (1: reads the carry exactly)", f"{score:.2f}", f"{units.scores[u]:.2f}")
    )
    table = {
        "weight": [r[0] for r in rows],
        f"hand-made, u = {CARRY}": [r[1] for r in rows],
        f"learned, u = {u}": [r[2] for r in rows],
    }
    st.table(table, hide_index=True)
    explain(
        "The hand-made carry unit holds its update gate open and rewrites itself at every "
        "bit from a + b + carry. A learned carry unit finds its own way: compare how open its "
        "update gate is on this sum (mean z) and which weights it leans on. The carry score is "
        "how well one threshold on the unit's state reads the true carry (1: exactly)."
    )


def carry_unit_rows(hand: dict, h: int, learned: dict, u: int) -> list[tuple[str, str, str]]:
    """(weight, hand-made value, learned value) for the weights that make a unit (u): what its
    gates and candidate read of a, b and of itself, their biases, and what the output reads."""
    out = []
    for gate in "zrh":
        W, U, bias = hand[f"W{gate}"], hand[f"U{gate}"], hand[f"b{gate}"]
        W2, U2, bias2 = learned[f"W{gate}"], learned[f"U{gate}"], learned[f"b{gate}"]
        out += [
            (f"W{gate}[:, u] (a, b)", _pair(W[:, h]), _pair(W2[:, u])),
            (f"U{gate}[u, u] (itself)", f"{U[h, h]:.3g}", f"{U2[u, u]:.3g}"),
            (f"b{gate}[u]", f"{bias[h]:.3g}", f"{bias2[u]:.3g}"),
        ]
    output = hand["Wo"][h, 0], learned["Wo"][u, 0]
    out.append(("Wo[u]", f"{output[0]:.3g}", f"{output[1]:.3g}"))
    return out


def _pair(column) -> str:
    return f"{column[0]:.3g}, {column[1]:.3g}"


# EDIT THE WEIGHTS


def edit_part(settings: AppSettings, a, b) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    base = active.unedited if active.edits else active.intact
    st.subheader("Edit a weight, see it at once")
    explain(EDIT_NOTE)
    presets(base)
    key = picked_key(base)
    editor(base, key, active)
    fig = build_view("weights", active, a, b, PageAnalyses(), selected=key)
    st.plotly_chart(
        fig,
        key="weights_chart",
        on_select=_clicked,
        selection_mode="points",
        config=plot_config(VIEWS["weights"].file_name(a, b)),
    )
    explain(VIEWS["weights"].note(active.model))
    polled("edit_results", edit_results, settings, a, b)


def presets(base) -> None:
    """The presets (each adds its edits to the others) and a reset of every edit."""
    units = PageAnalyses().get(base, CARRY_UNITS)
    with st.container(horizontal=True):
        for preset in edits.PRESETS:
            st.button(
                preset.name,
                key=f"preset_{preset.kind}",
                on_click=_preset,
                args=(preset, base, units),
                help=f"It {preset.what}. {preset.look_for}",
            )
        st.button(
            "Reset all",
            key="reset_edits",
            on_click=_reset_all,
            icon=":material/restart_alt:",
            disabled=not st.session_state.get("edits"),
        )
    look_for = st.session_state.get("edit_look_for")
    if look_for:
        st.info(wording.literal(look_for), icon=":material/visibility:")


def picked_key(base) -> edits.Key:
    """The weight being edited: the list's choice (a click on a cell sets it), its indices
    kept within the weight's shape."""
    state = st.session_state
    names = [n for n in WEIGHT_NAMES if n not in edits.unused(base.config)]
    if state.get("edit_name") not in names:
        state.edit_name = "Uh" if "Uh" in names else names[0]
    shape = base.weights()[state.edit_name].shape
    index = []
    for axis, n in zip("ij", shape):
        state[f"edit_{axis}"] = min(max(int(state.get(f"edit_{axis}") or 0), 0), n - 1)
        index.append(state[f"edit_{axis}"])
    if state.edit_name == "Wo":
        index[1] = 0
    return state.edit_name, tuple(index)


def editor(base, key: edits.Key, active: ActiveModel) -> None:
    """The list that picks a weight, its value typed or dragged, and resets."""
    state = st.session_state
    names = [n for n in WEIGHT_NAMES if n not in edits.unused(base.config)]
    shape = base.weights()[key[0]].shape
    pick = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    pick[0].selectbox("Weight", names, key="edit_name", on_change=_refresh)
    for column, axis, n, label in zip(pick[1:3], "ij", shape, _axis_labels(key[0])):
        if not label:
            break
        column.number_input(label, 0, n - 1, key=f"edit_{axis}", step=1, on_change=_refresh)
    original = float(base.weights()[key[0]][key[1]])
    current = state.edits.get(key, original)
    was = "as the model has it" if key not in state.edits else f"was {edits.number_text(original)}"
    pick[3].markdown(
        f"**{wording.literal(edits.key_label(key))} = "
        f"{wording.literal(edits.number_text(current))}** ({wording.literal(was)})"
    )
    if state.get("edit_shown") != (key, current):  # the box shows the weight picked, as it is
        state.edit_value, state.edit_shown = edits.number_text(current), (key, current)
        state.edit_error = ""
    value = st.columns([1, 2, 1, 1], vertical_alignment="bottom")
    value[0].text_input(
        "Type a value",
        key="edit_value",
        on_change=_typed,
        args=(key, original),
        help=f"A number from {-edits.MAX_VALUE:,g} to {edits.MAX_VALUE:,g}, such as -30 or 1.5.",
    )
    reach = min(edits.MAX_VALUE, max(10.0, float(np.ceil(2 * abs(original))), abs(current)))
    value[1].slider(
        "or drag it",
        -reach,
        reach,
        float(current),
        step=reach / 200,
        key=f"edit_slider_{edits.key_text(key)}_{current!r}",
        on_change=_dragged,
        args=(key, original),
    )
    value[2].button(
        "Reset this weight",
        on_click=_set_one,
        args=(key, original, original),
        disabled=key not in state.edits,
        width="stretch",
    )
    value[3].download_button(
        "Download",
        data=active.model.to_bytes,
        file_name="gru-viz-edited-model.npz" if state.edits else "gru-viz-model.npz",
        mime="application/octet-stream",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        help="This model, with its edits, as a model file: every command and the upload read it.",
    )
    if state.get("edit_error"):
        st.error(wording.literal(state.edit_error), icon=":material/error:")
    if state.edits:
        st.caption(wording.literal(f"Edited: {edits.edits_words(state.edits, limit=12)}"))


def _axis_labels(name: str) -> tuple[str, str]:
    """The labels of a weight's index fields ("" where it has no such index)."""
    if name == "bo":
        return "", ""
    if name.startswith("U"):
        return "Unit i of h (row)", "Unit j (column)"
    if name.startswith("W") and name != "Wo":
        return "Input (0: a, 1: b)", "Unit j"
    return "Unit", ""


def _refresh() -> None:
    st.session_state.edit_error = ""


def _clicked() -> None:
    """A cell clicked in the weights' figure: pick its weight."""
    points = st.session_state.weights_chart.selection.points
    data = [p.get("customdata") for p in points if p.get("customdata")]
    if not data:
        return
    name, *index = str(data[0][0] if isinstance(data[0], list) else data[0]).split(".")
    st.session_state.edit_name = name
    for axis, value in zip("ij", index):
        st.session_state[f"edit_{axis}"] = int(value)
    st.session_state.edit_error = ""


def _typed(key: edits.Key, original: float) -> None:
    try:
        value = edits.parse_value(st.session_state.edit_value)
    except ValueError as error:
        st.session_state.edit_error = f"Not changed: {error}."  # beside what was typed
        return
    _set_one(key, value, original)


def _dragged(key: edits.Key, original: float) -> None:
    slider = f"edit_slider_{edits.key_text(key)}_{st.session_state.edits.get(key, original)!r}"
    _set_one(key, float(st.session_state[slider]), original)


def _set_one(key: edits.Key, value: float, original: float) -> None:
    """Set one weight (back to the model's own value: no edit)."""
    new = dict(st.session_state.edits)
    if edits.same(value, original):
        new.pop(key, None)
    else:
        new[key] = value
    set_edits(new)
    st.session_state.edit_error = ""
    st.session_state.edit_look_for = ""


def _preset(preset: edits.Preset, base, units) -> None:
    try:
        set_edits({**st.session_state.edits, **edits.preset_edits(preset, base, units)})
        st.session_state.edit_look_for = f"{preset.name}: it {preset.what}. {preset.look_for}"
    except ValueError as error:
        st.session_state.edit_error = f"Not changed: {error}."


def _reset_all() -> None:
    set_edits({})
    st.session_state.edit_look_for = ""
    st.session_state.edit_error = ""


def edit_results(analyses: PageAnalyses, settings: AppSettings, a, b) -> None:
    """The edited model on the current addition (at once), how far it adds, its machine and its
    proof (as they are computed)."""
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("What it does now")
    if a is None or b is None:
        st.info("Fix the number above to see the model's sum.", icon=":material/edit:")
        return
    trace = analyses.get(active.model, TRACE, a, b)
    why = explain_sum(trace, active.model, analyses.get(active.model, CARRY_UNITS))
    the_sum.show_sums(trace, why, active, settings)
    show_view("gates", active, a, b, analyses, "edit_gates")
    st.markdown(
        f"**How far it adds**: a quick test, at most {length.QUICK_PAIRS} sums of each kind "
        f"per length, up to {max(length.QUICK_LENGTHS):,}-bit numbers"
    )
    show_view("length", active, a, b, analyses, "edit_length", quick=True)
    machine, proof = st.columns(2, gap="large")
    with machine:
        dot = build_view("machine", active, a, b, analyses, transparent=True)
        if dot is not None:
            found = analyses.get(active.model, MACHINE)
            adder = "the two-state adder" if found.is_adder else "not the two-state adder"
            st.markdown(f"**Its machine: {states_word(found.n_states)}, {adder}**")
            machine_chart(dot)
    with proof:
        proof_still_holds(active, analyses)


def proof_still_holds(active: ActiveModel, analyses: PageAnalyses) -> None:
    st.markdown("**Does the proof still hold?**")
    if active.units_off:
        st.info("A proof is about a model with every unit on.", icon=":material/info:")
        return
    result = analyses.request(active.model, MODEL_PROOF)
    if not result.ready:
        show_result(result, MODEL_PROOF.name)
        return
    proof_verdict(result.value)


# WHY GATES?


def why_gates_part(analyses: PageAnalyses, settings: AppSettings) -> None:
    active = current_model(settings)
    if not settled(active):
        return
    st.subheader("Why gates?")
    explain(VIEWS["why-gates"].note(active.model))
    base = base_model(active)
    result = analyses.request(base, GATE_STUDY)
    if result.ready:
        head, *cells, so = findings(result.value)
        st.markdown(wording.literal(head))
        st.markdown("\n".join(f"- {wording.literal(line)}" for line in cells))
        st.markdown(f"**{wording.literal(so)}**")
    show_view("why-gates", active, None, None, analyses, "why_gates_chart")
    explain("`python -m benchmarks --only gates` measures the same comparison over several seeds.")
