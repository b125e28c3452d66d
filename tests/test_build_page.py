"""Build it yourself on the page, run headless with AppTest: the hand-made adder, edits (typed,
preset, in the link, refused) and why gates."""

import time

from test_app import (
    errors,
    fresh_caches,
    link_value,
    markdown,
    run_app,
    run_until,
    sums,
    wait_for_training,
)

import gru_viz
import gru_viz.training  # noqa: F401  (TensorFlow imported before a link starts a training)
from gru_viz import edits

assert fresh_caches  # the autouse fixture of test_app, for these tests too

BUILD = "Build it yourself"
STUDY_WAIT = 900  # seconds for why gates' four trainings on a busy machine
EDIT = dict(tab=BUILD, part="Edit the weights")


def open_tab(at, title: str) -> None:
    at.query_params["tab"] = title  # the link's tab would win over the state
    at.session_state["tab"] = title
    at.run()
    assert not at.exception


def edited(at) -> dict:
    return dict(at.session_state["edits"])


def test_the_hand_made_adder_is_derived_beside_a_learned_carry_unit_and_can_be_chosen():
    at = run_app(tab=BUILD, a="1048575", b="1")
    run_until(at, lambda at: "Beside the carry unit" in markdown(at), "the learned carry unit")
    assert "bz\\[0\\]\\, bz\\[1\\] = 20" in markdown(at)
    assert len(at.table) == 1 and "hand-made, u = 0" in at.table[0].value.columns
    at.button(key="choose_handmade").click().run()
    assert at.radio(key="model_source").value == "Hand-made adder"
    open_tab(at, "The sum and its gates")
    assert sums(at) == {"Predicted sum": "1048576", "True sum": "1048576"}


def test_a_preset_breaks_the_carry_on_every_tab_and_the_link_holds_it():
    at = run_app(**EDIT, a="1048575", b="1")
    assert sums(at)["Predicted sum"] == "1048576"
    at.button(key="preset_carry").click().run()
    assert not at.exception
    top = gru_viz.carry_units(gru_viz.load_model()).top
    assert set(edited(at)) == {("Uh", (top, j)) for j in range(16)}
    assert sums(at)["Predicted sum"] != "1048576"  # the carry died
    assert any("1048575 + 1 goes wrong" in i.value.replace("\\", "") for i in at.info)
    link = link_value(at, "edit")
    assert link == edits.edits_text(edited(at))
    made = at.session_state["edited"][1].model
    assert made.fingerprint() != gru_viz.load_model().fingerprint()
    open_tab(at, "The sum and its gates")
    assert sums(at)["Predicted sum"] != "1048576"
    assert any("Weights edited by hand" in i.value for i in at.info)
    # Someone opens the link: the same edits, the same model.
    other = run_app(edit=link, a="1048575", b="1")
    assert edited(other) == edited(at)
    assert other.session_state["edited"][1].model.fingerprint() == made.fingerprint()
    open_tab(at, BUILD)
    at.button(key="reset_edits").click().run()
    assert edited(at) == {} and "edit" not in at.query_params
    assert sums(at)["Predicted sum"] == "1048576"


def test_a_typed_value_edits_one_weight_and_its_link_round_trips():
    at = run_app(**EDIT)
    at.selectbox(key="edit_name").set_value("bz").run()
    at.number_input(key="edit_i").set_value(2).run()
    at.text_input(key="edit_value").input("-30").run()
    assert edited(at) == {("bz", (2,)): -30.0}
    assert link_value(at, "edit") == "bz.2:-30"
    at.text_input(key="edit_value").input("1.5").run()
    assert edited(at) == {("bz", (2,)): 1.5}
    other = run_app(**EDIT, edit="bz.2:-30,Uh.0.3:1.5")
    assert edited(other) == {("bz", (2,)): -30.0, ("Uh", (0, 3)): 1.5}
    assert link_value(other, "edit") == "Uh.0.3:1.5,bz.2:-30"


def test_bad_values_are_refused_with_a_message_and_change_nothing():
    at = run_app(**EDIT)
    at.text_input(key="edit_value").input("-30").run()
    before, fingerprint = edited(at), at.session_state["edited"][1].model.fingerprint()
    for typed, says in (("NaN", "not a number"), ("1e400", "too large"), ("seven", "not a number")):
        at.text_input(key="edit_value").input(typed).run()
        assert not at.exception
        assert any(e.startswith("Not changed") and typed in e and says in e for e in errors(at))
        assert edited(at) == before
        assert at.session_state["edited"][1].model.fingerprint() == fingerprint
    assert link_value(at, "edit") == edits.edits_text(before)


def test_a_bad_link_is_shown_as_plain_text_and_edits_nothing():
    at = run_app(**EDIT, edit="bz.2:[x](http://127.0.0.1:9)")
    (message,) = [e.value for e in at.error]
    assert "\\[x\\]\\(http\\:" in message  # escaped: shown as typed, never a link
    assert "not a number" in errors(at)[0]
    assert edited(at) == {} and "edit" not in at.query_params
    at = run_app(**EDIT, edit="bz.99:1", model_source="Hand-made adder")
    assert "out of range" in errors(at)[0] and edited(at) == {}


def test_choosing_another_model_clears_the_edits_and_says_so():
    at = run_app(**EDIT, edit="bz.2:-30")
    assert edited(at)
    at.radio(key="model_source").set_value("Hand-made adder").run()
    assert edited(at) == {} and "edit" not in at.query_params
    assert any("belonged to the model you left" in i.value.replace("\\", "") for i in at.info)


def test_why_gates_trains_the_pages_recipe_with_gates_held_and_says_what_it_found():
    tiny = "robust_h2_lr0.01_batch8_bits4_steps3_seed0"
    at = run_app(tab=BUILD, part="Why gates?", train=tiny, model_source="This session's model")
    wait_for_training(at)
    deadline = time.monotonic() + STUDY_WAIT  # four trainings, each compiled the first time
    while "update gate held at 1" not in markdown(at):
        assert time.monotonic() < deadline, "gave up waiting for the cells to train"
        time.sleep(1)
        at.run()
        assert not at.exception
    text = markdown(at).replace("\\", "")
    assert "the robust preset with 2 units and seed 0" in text
    assert "never passed the recipe's check within 3 steps" in text
    assert len(at.get("plotly_chart")) >= 1
