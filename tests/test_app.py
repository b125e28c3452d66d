"""The page, run headless with Streamlit's AppTest against the real model."""

import re
import time
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
TIMEOUT = 180  # seconds per script run; a cold start imports TensorFlow
WAIT = 300  # seconds before a background training is given up on


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    for name in ("GRU_VIZ_MAX_DIGITS", "GRU_VIZ_MAX_TRAININGS", "GRU_VIZ_MODEL"):
        monkeypatch.delenv(name, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def run_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def sums(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def shown(markdown: str) -> str:
    """What the browser shows for Markdown whose punctuation is backslash-escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def errors(at: AppTest) -> list[str]:
    return [shown(error.value) for error in at.error]


def captions(at: AppTest) -> list[str]:
    return [shown(caption.value) for caption in at.caption]


def test_default_page_adds_1024_and_16():
    at = run_app()
    assert at.text_input(key="a").value == "1024"
    assert at.text_input(key="b").value == "16"
    assert sums(at) == {"Predicted sum": "1040", "True sum": "1040"}
    assert any("Right" in s.value for s in at.success)
    assert len(at.get("plotly_chart")) == 1
    assert errors(at) == []


def test_typing_other_numbers_gives_their_sum():
    at = run_app()
    at.text_input(key="a").input("123456789").run()
    at.text_input(key="b").input(" 987654321 ").run()
    assert not at.exception
    assert sums(at) == {"Predicted sum": "1111111110", "True sum": "1111111110"}


def test_states_view_and_natural_unit_order():
    at = run_app()
    at.button_group(key="view").set_value("States h~ and h").run()
    at.toggle(key="by_carry").set_value(False).run()
    at.toggle(key="msb_first").set_value(True).run()
    assert not at.exception
    assert sums(at)["True sum"] == "1040"
    assert "10000000000" in at.code[0].value  # 1024, the usual way round


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "Nothing typed"),
        ("   ", "Nothing typed"),
        ("-5", "negative"),
        ("2.5", "not a whole number"),
        ("1e5", "Exponents"),
        ("seven", "is not a number"),
        ("0x1F", "Hexadecimal"),
        ("0b101", "Binary"),
        ("1_000", "underscores"),
        ("١٢٣", "Only the digits 0-9"),
    ],
)
def test_bad_input_gets_a_message_and_no_result(text, says):
    at = run_app()
    at.text_input(key="a").input(text).run()
    assert not at.exception
    assert len(errors(at)) == 1 and says in errors(at)[0]
    assert sums(at) == {}
    assert any("Fix the number" in info.value for info in at.info)
    # The rest of the page keeps working: the other input and the training panel are there.
    assert at.text_input(key="b").value == "16"
    assert at.button(key="start").disabled is False


def test_too_many_digits(monkeypatch):
    monkeypatch.setenv("GRU_VIZ_MAX_DIGITS", "20")
    at = run_app()
    at.text_input(key="b").input("1" * 21).run()
    assert not at.exception
    assert "21 digits; numbers of up to 20 digits" in errors(at)[0]
    at.text_input(key="b").input("1" * 20).run()
    assert errors(at) == [] and sums(at)["True sum"] == str(1024 + int("1" * 20))


def test_url_parameters_are_read():
    at = run_app(a="7", b="8")
    assert sums(at) == {"Predicted sum": "15", "True sum": "15"}


def test_bad_url_parameter_shows_in_its_input():
    at = run_app(a="12", b="1e3")
    assert at.text_input(key="b").value == "1e3"
    assert "Exponents" in errors(at)[0]


def test_long_numbers_render():
    a, b = "9" * 700, "1" + "0" * 699
    at = run_app(a=a, b=b)
    assert not at.exception
    assert at.success or any("Wrong" in error.value for error in at.error)
    assert str(int(a) + int(b)) in at.code[1].value  # the true sum, written out
    assert len(at.get("plotly_chart")) == 1


def wait_for_training(at: AppTest) -> None:
    deadline = time.monotonic() + WAIT
    while at.session_state["workspace"].training:
        assert time.monotonic() < deadline, "the training did not finish"
        time.sleep(0.5)
        at.run()
        assert not at.exception
    at.run()


def test_a_short_training_from_the_panel_finishes_and_is_used():
    at = run_app()
    at.number_input(key="hidden_size").set_value(4)
    at.number_input(key="max_steps").set_value(40)
    at.button(key="start").click().run()
    assert not at.exception
    assert at.session_state["workspace"].job is not None
    wait_for_training(at)
    ws = at.session_state["workspace"]
    assert ws.own is not None
    assert at.radio(key="model_source").value == "This session's model"
    assert ws.own.config.hidden_size == 4
    assert any("trained in this session" in c for c in captions(at))
    expected = ws.own.trace(1024, 16).predicted_sum
    assert sums(at)["Predicted sum"] == str(expected)
    # The session kept how it learned: the replay tab steps through its snapshots.
    assert ws.own_replay is not None and ws.own_replay.steps[-1] == 40
    at.session_state["tab"] = "How it learned"
    at.run()
    run_until(at, lambda at: "Its machine has" in markdown(at), "the replayed machine")
    slider = at.select_slider[0]
    slider.set_value(0).run()
    assert not at.exception
    assert f"At step {int(ws.own_replay.steps[0]):,}" in markdown(at)
    at.session_state["tab"] = "The sum and its gates"
    at.run()
    # Back to the shipped model, then reset.
    at.radio(key="model_source").set_value("Shipped model").run()
    assert sums(at)["Predicted sum"] == "1040"
    at.button(key="reset").click().run()
    assert at.session_state["workspace"].own is None


def test_upload_a_model_file_and_a_bad_one():
    import gru_viz

    at = run_app()
    at.file_uploader(key="upload").upload("broken.npz", b"not a model").run()
    assert not at.exception
    assert "Not loaded, nothing changed" in errors(at)[0] and "broken.npz" in errors(at)[0]
    assert at.session_state["workspace"].own is None
    data = gru_viz.load_model().to_bytes()
    at.file_uploader(key="upload").upload("mine.npz", data).run()
    assert errors(at) == []
    assert any("uploaded from mine.npz" in c for c in captions(at))
    assert sums(at)["Predicted sum"] == "1040"


def test_a_missing_model_file_is_replaced_by_training(monkeypatch, tmp_path):
    monkeypatch.setenv("GRU_VIZ_MODEL", str(tmp_path / "missing.npz"))
    at = run_app()
    assert any("could not be loaded" in w.value for w in at.warning)
    assert at.text_input(key="a").value == "1024"  # the page stays usable
    deadline = time.monotonic() + WAIT
    while not sums(at):
        assert time.monotonic() < deadline, "the default model never arrived"
        time.sleep(0.5)
        at.run()
        assert not at.exception
    assert sums(at)["True sum"] == "1040"


def run_until(at: AppTest, done, what: str) -> None:
    """Rerun the page until done(at) is true (background analyses finish meanwhile)."""
    deadline = time.monotonic() + WAIT
    while not done(at):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.5)
        at.run()
        assert not at.exception, at.exception


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_tutorial_model_gets_a_long_carry_wrong_and_the_page_says_why():
    at = run_app(a="1048575", b="1")
    at.radio(key="model_source").set_value("Tutorial model").run()
    assert not at.exception
    assert any("Wrong" in e.value for e in at.error)
    why = markdown(at)
    assert "The first wrong bit is 8" in why and "trained on 4-bit numbers" in why
    assert any("shipped tutorial model" in c for c in captions(at))
    at.toggle(key="zoom_chain").set_value(True).run()
    assert not at.exception
    chart = at.get("plotly_chart")[0]
    assert '"range":[-0.5,11.5]' in chart.proto.spec.replace(" ", "")  # bits 0 to 11


def test_switching_the_carry_unit_off_breaks_the_sum():
    from gru_viz.carry import carry_units

    top = carry_units(__import__("gru_viz").load_model()).top
    at = run_app(a="1048575", b="1")
    assert any("Right" in s.value for s in at.success)
    at.multiselect(key="units_off_16").set_value([top]).run()
    assert not at.exception
    assert any("Wrong" in e.value for e in at.error)
    assert any(f"with unit {top} switched off" in c for c in captions(at))


def test_a_link_switches_units_off_by_number_whatever_model_it_came_from():
    from gru_viz.app.links import units_in_link

    assert units_in_link(["9,3", "unit 3 (carry score 0.12)", " unit 9 "], 16) == ([9, 3], [])
    assert units_in_link(["16", "x9", "unit 9 (drop)"], 16) == ([], ["16", "x9", "unit 9 (drop)"])
    at = run_app(a="1048575", b="1", model_source="Tutorial model", units_off="9")
    assert at.multiselect(key="units_off_16").value == [9]
    assert any("with unit 9 switched off" in c for c in captions(at))
    at.multiselect(key="units_off_16").set_value([9, 2]).run()
    assert link_value(at, "units_off") == "2,9"
    # An older link's labels, with another model's scores, and what names no unit.
    at = run_app(a="1048575", b="1", units_off_16=["unit 2 (carry score 0.99)", "99", "**b**"])
    assert at.multiselect(key="units_off_16").value == [2] and link_value(at, "units_off") == "2"
    (warning,) = [w.value.replace("\\", "") for w in at.sidebar.warning]
    assert "'99', '**b**', which name no unit of this model (units 0 to 15): left on" in warning
    at.multiselect(key="units_off_16").set_value([]).run()
    assert not at.sidebar.warning and link_value(at, "units_off") is None


def test_how_far_it_adds_draws_the_length_curves_and_the_ranking():
    at = run_app(tab="How far it adds")
    run_until(at, lambda at: len(at.get("plotly_chart")) == 2, "the length curves")
    assert "carries all the way along" in "\n".join(c for c in captions(at))
    assert "model on this page" in at.get("plotly_chart")[0].proto.spec
    # The references' curves are asked for once the page model's own is drawn.
    run_until(
        at,
        lambda at: "shipped tutorial model" in at.get("plotly_chart")[0].proto.spec,
        "the tutorial model's curve",
    )
    assert "No finite test covers every addition." in "\n".join(captions(at))


def test_inside_the_machine_finds_the_two_state_adder():
    at = run_app(a="6", b="7", tab="Inside the machine")
    run_until(at, lambda at: len(at.get("graphviz_chart")) == 2, "the machine")
    run_until(at, lambda at: len(at.get("plotly_chart")) == 1, "the gates' saturation")
    assert "It is the two-state adder" in markdown(at)
    assert "tested, not proved" in markdown(at)


@pytest.mark.parametrize(
    "typed",
    [
        "![](http://127.0.0.1:9/x)",
        "[click](http://127.0.0.1:9)",
        ":red[big] $x^2$",
        "http://example.com/x www.example.com me@example.com mailto:me",
    ],
)
def test_what_people_type_is_echoed_as_literal_text_never_as_markdown(typed):
    from gru_viz.app.wording import WORD_JOINER

    at = run_app(a=typed)
    (message,) = [error.value for error in at.error]
    # Every Markdown mark arrives escaped, so the browser shows the characters themselves ...
    for mark in "![]():$^":
        assert mark not in message.replace("\\" + mark, "")
    # ... and nothing a link finder turns into a link is left whole (a word joiner breaks it).
    plain = shown(message)
    for link in ("://", "www.", "@example", "mailto:m"):
        assert link not in plain
    assert any(piece in plain.replace(WORD_JOINER, "") for piece in (typed[:12], "not a number"))


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_every_hostile_upload_is_not_loaded_and_changes_nothing():
    from test_hostile_files import HOSTILE

    import gru_viz

    good = gru_viz.load_model().to_bytes()
    at = run_app()
    for name, (make, _) in sorted(HOSTILE.items()):
        data = make(good)
        if len(data) > 4 * 2**20:
            continue  # bigger than any upload the server takes
        at.file_uploader(key="upload").upload(f"{name}.npz", data).run()
        assert not at.exception, name
        (message,) = errors(at)
        assert message.startswith("Not loaded, nothing changed") and f"{name}.npz" in message
        assert at.session_state["workspace"].own is None
        assert sums(at)["True sum"] == "1040"


def test_a_shipped_model_with_bad_provenance_falls_back_to_training(monkeypatch, tmp_path):
    import io
    import json
    import zipfile

    import gru_viz

    buffer = io.BytesIO(gru_viz.load_model().to_bytes())
    with zipfile.ZipFile(buffer) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    meta = json.loads(np.load(io.BytesIO(entries["meta.npy"])).tobytes())
    meta["provenance"]["check"] = {"256": "everything"}
    record = io.BytesIO()
    np.save(record, np.frombuffer(json.dumps(meta).encode(), np.uint8))
    entries["meta.npy"] = record.getvalue()
    broken = tmp_path / "odd.npz"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    monkeypatch.setenv("GRU_VIZ_MODEL", str(broken))
    at = run_app()
    assert any("could not be loaded" in w.value for w in at.warning)
    assert at.text_input(key="a").value == "1024"  # the page works while the fallback trains


def test_step_by_step_moves_jumps_and_plays_to_the_end():
    at = run_app(a="1048575", b="1", tab="Step by step")
    assert at.slider(key="step_t").value == 0
    assert "It reads a = 1, b = 1" in markdown(at)
    assert at.button(key="to_chain").disabled  # the only chain starts at bit 0
    at.button(key="step_next").click().run()
    assert at.slider(key="step_t").value == 1
    assert "passes the carry on" in markdown(at)
    assert len(at.table) == 1 and at.get("plotly_chart")[0].key == "step_chart"
    at.slider(key="step_t").set_value(19).run()
    at.button(key="play").click().run()
    for _ in range(3):  # AppTest runs the playing fragment only when the page runs
        at.run()
    assert at.slider(key="step_t").value == 20  # the last bit, where playing stops
    assert not at.session_state["playing"]
    assert not at.exception
    run_until(at, lambda at: len(at.get("plotly_chart")) == 2, "the state map")
    assert "two tight clouds" in "\n".join(c.value for c in at.caption)


def bit_shown(at: AppTest) -> int:
    """The step the step view's words are about ("**Bit 12.** It reads ...")."""
    return int(re.search(r"\*\*Bit (\d+)\.\*\*", markdown(at)).group(1))


def test_playing_keeps_its_own_position_and_ends_where_it_says():
    at = run_app(a="1048575", b="1", tab="Step by step")
    # The machine and the map are computed apart, either first.
    run_until(
        at,
        lambda at: len(at.get("plotly_chart")) == 2 and len(at.get("graphviz_chart")) == 1,
        "the state map and the machine",
    )
    at.slider(key="step_t").set_value(5).run()
    at.button(key="play").click().run()
    assert at.session_state["playing"]
    slow = [c.proto.spec for c in at.get("plotly_chart")[1:]] + [
        at.get("graphviz_chart")[0].proto.spec
    ]
    shown = []
    for stale in (5, 3, 0, 6):  # a browser behind the server sends old slider values back
        at.session_state["step_t"] = at.session_state["play_shown"] = stale
        at.run()
        assert at.slider(key="play_shown").value == bit_shown(at)  # slider and words agree
        shown.append(bit_shown(at))
        # The machine and the map stay as they were while it plays: nothing to redraw.
        now = [c.proto.spec for c in at.get("plotly_chart")[1:]] + [
            at.get("graphviz_chart")[0].proto.spec
        ]
        assert now == slow
    assert shown == sorted(shown) and len(set(shown)) == len(shown) and shown[0] > 5
    while at.session_state["playing"]:
        at.run()
    assert bit_shown(at) == at.slider(key="step_t").value == 20  # the last bit, in both
    assert not at.exception


def test_a_link_opens_the_step_view_on_its_step():
    at = run_app(a="1048575", b="1", tab="Step by step", step_t="9")
    assert at.slider(key="step_t").value == bit_shown(at) == 9


def test_side_by_side_puts_the_shipped_and_the_tutorial_model_on_one_addition():
    at = run_app(a="1048575", b="1", tab="Side by side")
    run_until(at, lambda at: len(at.get("graphviz_chart")) == 2, "both machines")
    run_until(at, lambda at: len(at.get("plotly_chart")) == 3, "the length curves")
    assert len(at.success) == 1 and any("Wrong" in e for e in errors(at))
    assert "Its machine: 2 states" in markdown(at)
    assert "The first wrong bit is 8" in markdown(at)


def test_the_models_side_by_side_live_in_the_link_and_may_be_the_same():
    at = run_app(a="25", b="25", tab="Side by side", right_model="Hand-made adder")
    assert at.selectbox(key="right_model").value == "Hand-made adder"
    assert at.selectbox(key="left_model").value == "Shipped model"
    run_until(at, lambda at: "hand-made adder" in " ".join(captions(at)), "its column")
    other = run_app(a="25", b="25", tab="Side by side", left_model="nonsense")
    assert not other.exception and other.selectbox(key="left_model").value == "Shipped model"
    shipped = run_app(a="25", b="25", tab="Side by side", right_model="Shipped model")
    assert shipped.selectbox(key="right_model").value == "Shipped model"  # not its default
    same = run_app(a="25", b="25", tab="Side by side", left_model="Tutorial model")
    run_until(same, lambda at: len(at.get("graphviz_chart")) == 2, "both machines")
    assert len(same.get("plotly_chart")) >= 2  # both sides drawn, with the same model
    assert not [e for e in errors(same) if "could not be drawn" in e]


def test_a_link_restores_the_model_the_view_and_the_toggles():
    at = run_app(
        a="1048575",
        b="1",
        model_source="Tutorial model",
        view="States h~ and h",
        by_carry="false",
        msb_first="true",
        zoom_chain="true",
    )
    assert at.radio(key="model_source").value == "Tutorial model"
    assert at.button_group(key="view").value == "States h~ and h"
    assert at.toggle(key="by_carry").value is False
    assert at.toggle(key="msb_first").value is True and at.toggle(key="zoom_chain").value
    assert any("Wrong" in e for e in errors(at))  # the tutorial model's sum


def test_the_link_keeps_short_numbers_and_leaves_long_ones_out():
    at = run_app()
    at.text_input(key="a").input("123456789").run()
    assert at.query_params["a"] == ["123456789"] or at.query_params["a"] == "123456789"
    at.text_input(key="a").input("9" * 400).run()
    assert "a" not in at.query_params
    assert any("too long for the page's link" in c for c in captions(at))
    at.text_input(key="a").input("1024").run()  # the default: no need to say it
    assert "a" not in at.query_params


def test_presentation_mode_leaves_the_explanations_out_and_enlarges_type():
    at = run_app(present="true")
    assert at.toggle(key="present").value is True
    assert not any("A gated recurrent unit" in c.value for c in at.caption)
    spec = at.get("plotly_chart")[0].proto.spec
    assert '"size":18' in spec.replace(" ", "")
    at.toggle(key="present").set_value(False).run()
    assert any("A gated recurrent unit" in c.value for c in at.caption)


def link_value(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_a_link_to_a_model_trained_here_retrains_the_same_model():
    at = run_app()
    at.number_input(key="hidden_size").set_value(4)
    at.number_input(key="max_steps").set_value(40)
    at.number_input(key="seed").set_value(3)
    at.button(key="start").click().run()
    wait_for_training(at)
    made = at.session_state["workspace"].own
    link = link_value(at, "train")
    assert link == "robust_h4_lr0.01_batch128_bits16_steps40_seed3"
    # Someone opens the link in a new session: the same training starts, and a note says so.
    other = run_app(train=link, model_source=link_value(at, "model_source"))
    note = [shown(i.value) for i in other.info if "This link retrains" in i.value]
    assert note and "hidden size 4" in note[0] and "seed 3" in note[0]
    assert "training is deterministic, so it is the same model" in note[0]
    assert other.number_input(key="hidden_size").value == 4  # the panel shows its settings
    wait_for_training(other)
    again = other.session_state["workspace"].own
    assert again.fingerprint() == made.fingerprint()  # the very same weights
    assert link_value(other, "train") == link
    assert sums(other)["Predicted sum"] == str(made.trace(1024, 16).predicted_sum)
    other.radio(key="model_source").set_value("Shipped model").run()
    assert "train" not in other.query_params  # the shipped model needs no training


def test_a_bad_training_link_says_what_is_wrong_and_shows_the_shipped_model():
    at = run_app(train="robust_h0_seed3", model_source="This session's model")
    (message,) = errors(at)
    assert message.startswith("This link's model cannot be retrained: hidden size must be")
    assert "The shipped model is shown instead" in message
    assert at.radio(key="model_source").value == "Shipped model"
    assert at.session_state["workspace"].job is None  # nothing was trained
    assert sums(at)["Predicted sum"] == "1040"


def test_a_training_link_on_a_full_server_offers_the_shipped_model(monkeypatch):
    monkeypatch.setenv("GRU_VIZ_MAX_TRAININGS", "1")
    busy = run_app()
    busy.number_input(key="max_steps").set_value(50_000)
    busy.button(key="start").click().run()
    busy.button(key="pause").click().run()  # it holds the server's only slot, paused
    try:
        deadline = time.monotonic() + WAIT
        while busy.session_state["workspace"].slots.running < 1:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        at = run_app(train="robust_h4_steps40_seed3")
        warning = [shown(w.value) for w in at.warning if "training slots" in w.value]
        assert warning and "all 1 training slots on this server are busy" in warning[0]
        assert at.radio(key="model_source").value == "Shipped model"
        assert at.session_state["workspace"].job is None
        assert at.number_input(key="hidden_size").value == 4  # Start retrains it later
        assert sums(at)["Predicted sum"] == "1040"
    finally:
        busy.session_state["workspace"].stop()


def test_the_step_tab_offers_an_animation_and_figures_a_vector_svg():
    from gru_viz.export import find_browser

    at = run_app(a="1023", b="1")
    labels = [b.proto.label for b in at.get("download_button")]
    if find_browser() is None:
        assert any("needs Chromium on the server" in c for c in captions(at))
    else:
        assert "Vector SVG" in [b.label for b in at.button]
    assert "Interactive HTML" in labels
    at = run_app(a="1023", b="1", tab="Step by step")
    # Made in the server's export line when clicked, then offered to save.
    at.button(key="steps_html").click().run()
    assert not at.exception
    run_until(at, lambda at: saves(at), "the animation")
    (save,) = saves(at)
    assert save.proto.label == "Save gru-viz-steps-1023-plus-1.html"


def saves(at: AppTest) -> list:
    return [b for b in at.get("download_button") if b.proto.label.startswith("Save ")]


def test_a_visitor_over_a_server_cap_is_told_which_and_keeps_their_model(monkeypatch):
    monkeypatch.setenv("GRU_VIZ_MAX_SESSION_TRAININGS", "1")
    monkeypatch.setenv("GRU_VIZ_MAX_HIDDEN", "8")
    at = run_app()
    hidden = at.number_input(key="hidden_size")
    assert hidden.max == 8 and "At most 8 on this server" in hidden.help
    hidden.set_value(4)
    at.number_input(key="max_steps").set_value(25)
    at.button(key="start").click().run()
    wait_for_training(at)
    own = at.session_state["workspace"].own
    assert own is not None
    at.button(key="start").click().run()  # a second training: over the session's cap
    assert not at.exception
    assert any("GRU_VIZ_MAX_SESSION_TRAININGS" in e for e in errors(at)), errors(at)
    assert at.session_state["workspace"].own is own  # the model trained here stays
    assert at.radio(key="model_source").value == "This session's model"


def test_a_training_link_over_a_server_cap_names_the_cap(monkeypatch):
    monkeypatch.setenv("GRU_VIZ_MAX_HIDDEN", "8")
    at = run_app(train="robust_h16_seed3", model_source="This session's model")
    (message,) = errors(at)
    assert "Hidden size 16 is more than this server allows: at most 8 (GRU_VIZ_MAX_HIDDEN)" in (
        message
    )
    assert at.session_state["workspace"].job is None  # nothing was trained
    assert sums(at)["Predicted sum"] == "1040"


def test_a_failed_analysis_says_so_and_stops_waiting(monkeypatch):
    import gru_viz.extraction

    def broken(model, **kwargs):
        raise RuntimeError("the machine could not be read")

    monkeypatch.setattr(gru_viz.extraction, "extract_automaton", broken)
    at = run_app(tab="How it learned")
    run_until(at, lambda at: not at.session_state["replay_pending"], "the waiting to end")
    errors = [e.value for e in at.error]
    assert any(
        "the machine inside this model failed" in e and "could not be read" in e for e in errors
    )
    assert len(at.get("plotly_chart")) == 3  # the training, the gates and the length curve


def test_the_proved_model_is_proved_and_its_certificate_can_be_downloaded():
    at = run_app(tab="Inside the machine", model_source="Proved model", a="6", b="7")
    run_until(at, lambda at: any("Proved for every length" in s.value for s in at.success), "it")
    assert any("checker accepts" in s.value for s in at.success)
    run_until(at, lambda at: len(at.get("plotly_chart")) == 2, "the certificate's map")
    assert "check-proof" in "\n".join(captions(at))


def test_a_model_without_a_proof_offers_the_sum_it_gets_wrong():
    at = run_app(tab="Inside the machine", model_source="Tutorial model")
    run_until(at, lambda at: any(b.key == "show_wrong_sum" for b in at.button), "the wrong sum")
    assert any(w.value.startswith("Not proved") for w in at.warning)
    at.button(key="show_wrong_sum").click().run()
    assert (at.text_input(key="a").value, at.text_input(key="b").value) == ("25", "25")
    assert at.session_state["tab"] == "The sum and its gates"
    assert any(e.value.startswith("Wrong") for e in at.error)  # the model's own verdict


def test_the_story_asks_first_then_shows_the_models_answer_and_keeps_it_in_the_link():
    at = run_app(tab="Story")
    assert "Step 1 of 8: The claim" in [s.value for s in at.subheader]
    assert not at.get("plotly_chart")  # the figure waits for the guess
    assert at.button(key="story_reveal").disabled
    at.radio(key="story_guess_0").set_value("No").run()
    at.button(key="story_reveal").click().run()
    run_until(at, lambda at: at.get("plotly_chart"), "the claim's figure")
    said = [s.value for s in at.success]
    assert any("You said No" in s and "You were right" in s for s in said), said
    assert at.query_params["answers"] in ("1:No", ["1:No"])
    assert at.query_params["story"] in ("1", ["1"])
    at.button(key="story_next").click().run()
    assert "Step 2 of 8: Try it" in [s.value for s in at.subheader]
    assert at.query_params["story"] in ("2", ["2"])


def test_a_story_link_opens_its_step_with_its_answers():
    at = run_app(tab="Story", story="4", answers="4:16;9:nonsense")
    run_until(at, lambda at: at.get("graphviz_chart"), "the machine of step 4")
    assert "Step 4 of 8: The machine inside" in [s.value for s in at.subheader]
    told = [i.value for i in at.info]
    assert any("You said 16" in t and "Not this time" in t for t in told), told


def test_a_link_to_a_tab_or_step_that_does_not_exist_says_what_opened_instead():
    at = run_app(tab="**Nope**")
    told = [i.value.replace("\\", "") for i in at.info]
    assert any("tab named '**Nope**'" in t and "opens on The sum and its gates" in t for t in told)
    at = run_app(tab="Story", story="99")
    assert "Step 8 of 8: Build one yourself" in [s.value for s in at.subheader]
    told = [i.value.replace("\\", "") for i in at.info]
    assert any("steps 1 to 8, so it opens on step 8" in t for t in told), told
    at.button(key="story_back").click().run()
    assert not [i for i in at.info if "steps 1 to 8" in i.value]  # said once, where it opened


def test_embedded_the_page_shows_the_linked_view_alone():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context["is_embedded"] = True  # as ?embed=true makes it (Streamlit keeps `embed` itself)
    at.query_params.update(tab="Inside the machine", model_source="Tutorial model")
    at.run()
    assert not at.title and not at.tabs and not at.sidebar.children
    run_until(at, lambda at: at.get("graphviz_chart"), "the machine")
    assert any("It is not the two-state adder" in m.value for m in at.markdown)


def test_how_it_learned_keeps_its_training_step_in_the_link():
    import gru_viz
    from gru_viz.app.pages.how_it_learned import snapshot_from_link
    from gru_viz.app.resources import shipped_replays

    replay = shipped_replays()[gru_viz.load_model().fingerprint()]  # the shipped model's
    steps = [int(s) for s in replay.steps]
    assert snapshot_from_link(replay, str(steps[3])) == 3
    assert snapshot_from_link(replay, str(steps[3] + 1)) in (3, 4)  # the nearest kept
    assert snapshot_from_link(replay, "<b>") == snapshot_from_link(replay, None) == len(steps) - 1
    at = run_app(a="1048575", b="1", tab="How it learned", learned_step=str(steps[2]))
    run_until(at, lambda at: f"At step {steps[2]:,}" in markdown(at), "the linked step")
    assert at.select_slider[0].value == 2
    at.select_slider[0].set_value(4).run()
    assert link_value(at, "learned_step") == str(steps[4])
    at.select_slider[0].set_value(len(steps) - 1).run()
    assert link_value(at, "learned_step") is None  # the end, as without a link


def test_the_storys_last_step_shows_the_hand_made_adder_and_whether_it_is_proved():
    at = run_app(tab="Story", story="8")
    assert "Step 8 of 8: Build one yourself" in [s.value for s in at.subheader]
    run_until(at, lambda at: at.get("plotly_chart"), "the hand-made adder's weights")
    words = "\n".join(m.value for m in at.markdown)
    assert "This GRU of 2 units was not trained" in words
    assert "proved to add every length" in words


def test_a_model_that_never_passed_its_check_says_so_and_offers_to_go_on():
    at = run_app()
    at.number_input(key="hidden_size").set_value(4)
    at.number_input(key="max_steps").set_value(30)
    at.button(key="start").click().run()
    wait_for_training(at)
    said = [w.value for w in at.warning]
    assert any(
        "never passed its training check" in w and "step limit at step 30" in w for w in said
    )
    assert any("never passed its training check" in c for c in captions(at))  # where it is named
    assert at.button(key="go_on").label.endswith("to 60 steps")
    at.button(key="go_on").click().run()
    assert not at.exception
    ws = at.session_state["workspace"]
    assert ws.job.config.max_steps == 60 and ws.job.config.hidden_size == 4
    assert at.number_input(key="max_steps").value == 60  # the panel shows what runs
    wait_for_training(at)
    assert ws.own.provenance["steps"] == 60
    at.radio(key="model_source").set_value("Shipped model").run()
    assert not any("never passed" in w.value for w in at.warning)  # the shipped model passed
