"""Weights edited by hand: what is accepted, links, and the edited model (a new model)."""

import numpy as np
import pytest

import gru_viz
from gru_viz import edits
from gru_viz.config import ModelConfig
from gru_viz.sources import ActiveModel, with_edits, with_units_off

H16 = ModelConfig(hidden_size=16)


@pytest.fixture(scope="module")
def shipped():
    return gru_viz.load_model()


@pytest.mark.parametrize(
    "text, value", [("-30", -30.0), (" 1.5 ", 1.5), ("2e-3", 0.002), ("+.5", 0.5), ("1000", 1e3)]
)
def test_plain_numbers_are_accepted(text, value):
    assert edits.parse_value(text) == value


@pytest.mark.parametrize(
    "text, says",
    [
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("1e400", "too large"),
        ("-1001", "too large"),
        ("text", "not a number"),
        ("", "not a number"),
        ("0x1F", "not a number"),
        ("1,5", "not a number"),
        ("٣", "not a number"),
    ],
)
def test_anything_else_is_refused_with_what_is_accepted(text, says):
    with pytest.raises(ValueError, match=says):
        edits.parse_value(text)


def test_a_link_round_trips_and_names_each_weight():
    text = "bz.2:-30,Uh.0.3:1.5,Wo.3:0.25,bo:-1,Wz.1.15:1e-05"
    found = edits.parse_edits(text, H16)
    assert found == {
        ("bz", (2,)): -30.0,
        ("Uh", (0, 3)): 1.5,
        ("Wo", (3, 0)): 0.25,
        ("bo", (0,)): -1.0,
        ("Wz", (1, 15)): 1e-5,
    }
    assert edits.parse_edits(edits.edits_text(found), H16) == found
    assert edits.edits_text(found) == "Wz.1.15:1e-05,Uh.0.3:1.5,bz.2:-30,Wo.3:0.25,bo:-1"
    assert [edits.key_label(k) for k in found] == ["bz[2]", "Uh[0, 3]", "Wo[3]", "bo", "Wz[1, 15]"]
    assert len(edits.every_key(16)) == 3 * 32 + 3 * 256 + 3 * 16 + 16 + 1


@pytest.mark.parametrize(
    "text, says",
    [
        ("bz.16:1", "out of range"),
        ("Uh.0:1", "takes 2 index"),
        ("Vz.0:1", "names no weight"),
        ("bz.2", "not an edit"),
        ("bz.2:1,bz.2:3", "edited twice"),
        ("bz.2:nan", "not a number"),
        ("bz.-1:1", "takes 1 index"),
        ("[x](http://a)", "names no weight"),
        ("bz.1:1," * 600, "at most"),
    ],
)
def test_bad_links_are_refused_with_a_reason(text, says):
    with pytest.raises(ValueError, match=says):
        edits.parse_edits(text, H16)


def test_a_held_gates_weights_cannot_be_edited():
    with pytest.raises(ValueError, match="update gate at 1, so bz is unused"):
        edits.parse_edits("bz.0:1", ModelConfig(hidden_size=4, held_gates=("z",)))
    assert edits.parse_edits("br.0:1", ModelConfig(hidden_size=4, held_gates=("z",)))


def test_an_edit_is_a_new_model_and_changes_the_sum(shipped):
    units = gru_viz.carry_units(shipped)
    broken = edits.preset_edits(edits.BREAK_CARRY, shipped, units)
    assert set(broken) == {("Uh", (units.top, j)) for j in range(16)}
    active = with_edits(ActiveModel(shipped, "shipped", "shipped model"), broken)
    assert active.model.fingerprint() != shipped.fingerprint()
    assert active.unedited is shipped and active.edits == edits.edits_text(broken)
    assert shipped.trace(2**20 - 1, 1).correct
    assert not active.model.trace(2**20 - 1, 1).correct
    assert (
        active.model.provenance["edited"] == active.edits and "check" not in active.model.provenance
    )
    assert np.array_equal(shipped.weights()["Uh"], gru_viz.load_model().weights()["Uh"])
    off = with_units_off(active, [0])  # units off on top of the edits
    assert off.intact is active.model and off.model.fingerprint() != active.model.fingerprint()


def test_the_edited_model_saves_and_loads_as_itself(shipped, tmp_path):
    model = edits.edited_model(shipped, {("bz", (2,)): -30.0})
    model.save(tmp_path / "edited.npz")
    again = gru_viz.load_model(tmp_path / "edited.npz")
    assert again.fingerprint() == model.fingerprint()
    assert again.weights()["bz"][2] == -30.0 and again.provenance["edited"] == "bz.2:-30"


def test_the_gate_presets_shut_their_gate(shipped):
    units = gru_viz.carry_units(shipped)
    for preset, gate in ((edits.FORGET, "r"), (edits.NEVER_UPDATE, "z")):
        model = edits.edited_model(shipped, edits.preset_edits(preset, shipped, units))
        trace = model.trace(12345, 6789)
        assert getattr(trace, gate).max() < 1e-3, preset.name
        assert not trace.correct
    with pytest.raises(ValueError, match="holds its update gate"):
        held = edits.edited_model(shipped, {})
        held.config = ModelConfig(hidden_size=16, held_gates=("z",))
        edits.preset_edits(edits.NEVER_UPDATE, held, units)


def test_breaking_the_hand_made_adders_carry_breaks_its_sums():
    model = gru_viz.handmade_adder()
    units = gru_viz.carry_units(model)
    broken = edits.edited_model(model, edits.preset_edits(edits.BREAK_CARRY, model, units))
    assert units.top == 0 and not broken.trace(2**20 - 1, 1).correct
    assert broken.trace(2**20, 5).correct  # no carry: still right
