"""The page's wording and choices (gru_viz.app.wording, links, panel, look) and the views' own
helpers, without Streamlit."""

import re
from types import SimpleNamespace

import numpy as np
import pytest

from gru_viz import bits as bitlib
from gru_viz import figures, steps
from gru_viz.addition import Trace
from gru_viz.app import links, look, panel, wording
from gru_viz.app.jobs import FINISHED, RUNNING, WAITING
from gru_viz.app.slots import TrainingSlots
from gru_viz.config import TUNABLE, preset_values
from gru_viz.export import figure_html
from gru_viz.sources import curve_models
from gru_viz.views import VIEWS
from gru_viz.views import gates as gate_view
from gru_viz.views import machine as machine_view
from gru_viz.views import steps as step_view


def make_trace(a: int, b: int, wrong_at: tuple[int, ...] = (), hidden: int = 3) -> Trace:
    n_bits = bitlib.default_n_bits(a, b)
    bits_pred = bitlib.to_bits(a + b, n_bits)
    bits_pred[list(wrong_at)] ^= 1
    gates = np.linspace(0, 1, n_bits * hidden, dtype=np.float32).reshape(n_bits, hidden)
    return Trace(
        a=a,
        b=b,
        bits_a=bitlib.to_bits(a, n_bits),
        bits_b=bitlib.to_bits(b, n_bits),
        z=gates,
        r=gates,
        h_tilde=gates,
        h=gates,
        y=bits_pred.astype(np.float32),
        p=bits_pred.astype(np.float32),
        bits_pred=bits_pred,
        predicted_sum=bitlib.from_bits(bits_pred),
    )


def test_verdict_says_right_or_names_the_first_wrong_bit():
    assert wording.verdict(make_trace(1024, 16)) == "Right: all 12 sum bits are correct."
    wrong = wording.verdict(make_trace(1024, 16, wrong_at=(3, 7)))
    assert "2 of 12 sum bits differ, the first at position 3" in wrong


def test_long_sums_are_not_metrics():
    assert wording.sums(make_trace(5, 6)).short
    long = wording.sums(make_trace(10**40, 1))
    assert not long.short and long.true == str(10**40 + 1)


def test_usual_reading_is_written_out_only_for_short_sums():
    text = wording.usual_reading_text(make_trace(1024, 16))
    assert "true sum  010000010000" in text
    assert wording.usual_reading_text(make_trace(2**300, 1)) == ""


def test_each_view_draws_its_own_panels_and_names_its_file():
    trace = make_trace(6, 3)
    order = gate_view.unit_order(np.array([2, 0, 1]), 3, by_carry=True)
    gates = gate_view.figure(trace, "gates", order)
    states = gate_view.figure(trace, "states", gate_view.unit_order(order, 3, False))
    assert [a.text for a in gates.layout.annotations] == ["Update gate z", "Reset gate r"]
    assert [a.text for a in states.layout.annotations] == ["Candidate state h~", "Hidden state h"]
    assert gates.data[1].y[0] == "unit 2" and states.data[1].y[0] == "unit 0"
    assert gates.layout.title.text == "Update gate z and reset gate r for 6 + 3"
    assert VIEWS["states"].file_name(6, 3) == "gru-viz-states-6-plus-3"
    assert VIEWS["gates"].file_name(2**70, 1) == "gru-viz-gates"
    assert VIEWS["length"].file_name(6, 3) == "gru-viz-length"  # the same for any numbers


def test_zoom_note_only_for_additions_wider_than_the_opening_view():
    assert wording.zoom_note(100) == ""
    assert "the view opens on positions 0 to 255" in wording.zoom_note(1000)


def test_training_fields_come_from_the_one_list():
    names = [t.name for t in TUNABLE]
    assert set(preset_values("tutorial")) == set(names)
    assert preset_values("tutorial")["train_bits"] == 4
    rate = next(t for t in TUNABLE if t.name == "learning_rate")
    assert panel.number_input_args(rate)["format"] == "%g"
    steps = next(t for t in TUNABLE if t.name == "max_steps")
    assert steps.flag == "--max-steps" and "--steps" in steps.aliases
    assert panel.number_input_args(steps)["max_value"] == 50_000


def status(state: str, **extra) -> SimpleNamespace:
    fields = dict(state=state, waiting=state == WAITING, paused=False, live=state != FINISHED)
    return SimpleNamespace(**{**fields, **extra})


def test_a_waiting_training_is_told_its_place():
    slots = TrainingSlots(2)
    text = panel.waiting_text(status(WAITING, place_in_line=3), slots)
    assert "0 of 2 trainings" in text and "number 3 in line" in text
    assert panel.waiting_text(status(RUNNING), slots) == ""


def test_fallback_message_follows_the_training_in_place_of_the_shipped_model():
    def shared(state):
        fallback = None if state is None else status(state)
        return SimpleNamespace(error="no such file", fallback_status=lambda: fallback)

    assert panel.fallback_message(shared(None)) == ""
    assert "is being trained on this server" in panel.fallback_message(shared(RUNNING))
    assert "no such file" in panel.fallback_message(shared(FINISHED))
    assert "was trained on this server" in panel.fallback_message(shared(FINISHED))


class Model:
    """Just enough of a model for the page's choices: a fingerprint and a training length."""

    def __init__(self, name: str, train_bits: int | None = None) -> None:
        self.name, self.train_bits = name, train_bits

    def fingerprint(self) -> str:
        return self.name


def test_the_length_figure_draws_each_model_once():
    from gru_viz.sources import SHIPPED, ActiveModel

    shipped, tutorial = Model("robust"), Model("tutorial")
    refs = {"shipped robust model": shipped, "shipped tutorial model": tutorial}
    chosen = curve_models(ActiveModel(shipped, SHIPPED, "shipped"), refs)
    assert [(name, main) for name, _, main in chosen] == [
        ("model on this page", True),
        ("shipped tutorial model", False),
    ]
    ablated = ActiveModel(Model("off"), SHIPPED, "x", units_off=(2,), intact_model=shipped)
    names = [name for name, _, _ in curve_models(ablated, refs)]
    assert names == ["model with units off", "model with all units on", "shipped tutorial model"]


def test_heavy_views_wait_for_a_training_to_end():
    from gru_viz.sources import TRAINING, ActiveModel

    assert "still training" in panel.unsettled_notice(ActiveModel(Model("m"), TRAINING, "", True))
    assert panel.unsettled_notice(ActiveModel(Model("m"), TRAINING, "", live=False)) == ""


def test_the_zoom_shows_the_chain_that_broke_with_a_margin():
    from gru_viz.why import Explanation

    fields = dict.fromkeys(Explanation.__dataclass_fields__)
    why = Explanation(**{**fields, "chain_start": 3, "first_wrong": 12})
    assert gate_view.chain_range(why, 40) == (0.5, 15.5)
    assert gate_view.chain_range(Explanation(**fields), 40) is None


def test_the_machine_text_says_how_it_was_checked_and_that_it_is_no_proof():
    from gru_viz.automaton import textbook_adder

    found = textbook_adder()
    found = type(found)(
        **{
            **{f: getattr(found, f) for f in found.__dataclass_fields__},
            "n_clusters": 8,
            "consistency": 1.0,
            "agreement_random": 1.0,
            "agreement_stress": 1.0,
        }
    )
    text = machine_view.machine_text(found)
    assert "2 states" in text and "It is the two-state adder" in text
    assert "1,000 random 1,024-bit sums" in text and "tested, not proved" in text
    assert "No addition of up to 4,095-bit numbers" in text
    lost = type(found)(**{**found.__dict__, "first_departure": (3, 5, 2)})
    assert "3 + 5, at bit 2" in machine_view.machine_text(lost)
    paths = machine_view.machine_paths(found, 7, 1)
    assert list(paths.adder_path) == [0, 1, 1, 1, 0]  # carry 0, then the carry moves to bit 3


def test_the_step_window_centres_the_step_and_stays_inside():
    assert step_view.step_window(8, 21, 4) == (4, 13)
    assert step_view.step_window(0, 21, 4) == (0, 9)
    assert step_view.step_window(20, 21, 4) == (12, 21)
    assert step_view.step_window(2, 3, 4) == (0, 3)


def test_a_figure_saves_as_one_self_contained_html_file():
    trace = make_trace(6, 3)
    html = figure_html(gate_view.figure(trace, "gates", np.arange(3)))
    assert "<html>" in html[:40] and "Plotly.newPlot" in html
    assert "<script src=" not in html  # plotly.js is inside, nothing is fetched


def carry_units_of(order: list[int], top_score: float = 1.0):
    from gru_viz.carry import CarryUnits

    hidden = len(order)
    scores = np.linspace(top_score, 0.5, hidden)[np.argsort(order)]
    return CarryUnits(
        scores=scores,
        signs=np.ones(hidden, np.int8),
        thresholds=np.zeros(hidden, np.float32),
        order=np.array(order),
        top=order[0],
        seed=0,
        n_pairs=3,
        n_bits=8,
    )


def test_the_animated_step_through_has_one_frame_per_bit_and_a_play_button():
    trace = make_trace(0b0111, 0b0001)  # 7 + 1: the carry runs from bit 0 into bit 3
    fig = step_view.animation(trace, carry_units_of([2, 0, 1]), figures.DARK)
    assert [f.name for f in fig.frames] == ["0", "1", "2", "3"]
    assert "Bit 2</b>: 1 + 0 + carry 1 = 2, carry out 1" in fig.frames[2].layout.title.text
    cursor = fig.frames[3].layout.shapes[0]
    assert (cursor.x0, cursor.x1) == (2.5, 3.5)  # the cursor moves to bit 3
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    assert len(fig.layout.sliders[0].steps) == 4
    assert fig.layout.paper_bgcolor == figures.DARK.background
    html = figure_html(fig)
    assert "Plotly.addFrames" in html  # the frames are in the file
    assert not re.search(r"Plotly\.animate\('[^']*', null\)", html)  # it waits for Play


def test_a_long_animation_covers_the_first_bits_and_says_so():
    trace = make_trace(2**300 - 1, 1)
    fig = step_view.animation(trace, carry_units_of([0, 1, 2]))
    assert len(fig.frames) == figures.MAX_FRAMES
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"plays bits 0 to {figures.MAX_FRAMES - 1} of 301" in note for note in notes)
    assert step_view.animation_note(20, 20) == ""


def test_a_wrong_bit_is_named_in_its_frame():
    trace = make_trace(5, 3, wrong_at=(1,))
    assert "WRONG" in step_view.step_caption(steps.step(trace, 1, [0]))
    assert "right" in step_view.step_caption(steps.step(trace, 0, [0]))


def test_train_links_round_trip_every_setting():
    from gru_viz.config import TrainConfig

    config = TrainConfig(
        preset="tutorial",
        hidden_size=7,
        learning_rate=0.0025,
        batch_size=33,
        train_bits=6,
        max_steps=1234,
        seed=99,
    )
    link = links.train_link(config)
    assert link == "tutorial_h7_lr0.0025_batch33_bits6_steps1234_seed99"
    assert links.parse_train_link(link) == config
    assert set(links.TRAIN_LINK_KEYS) == {t.name for t in TUNABLE}  # every setting has a name
    assert links.parse_train_link("robust") == TrainConfig(preset="robust")  # the preset's own
    note = links.retrain_note(config)
    assert "tutorial preset, hidden size 7, learning rate 0.0025" in note
    assert "seed 99" in note and "training is deterministic, so it is the same model" in note


@pytest.mark.parametrize(
    "text, says",
    [
        ("sturdy_h16", "starts with a preset, one of robust, tutorial, provable; got 'sturdy'"),
        ("robust_h0", "hidden size must be from 1 to 256; got 0"),
        ("robust_h300", "hidden size must be from 1 to 256"),
        ("robust_h1.5", "hidden size must be a whole number; got '1.5'"),
        ("robust_lr2", "learning rate must be from 1e-05 to 1"),
        ("robust_seed-1", "cannot read 'seed-1'"),
        ("robust_colour5", "the names are h (hidden size), lr (learning rate)"),
        ("robust_h4_h5", "gives hidden size twice"),
        ("robust_" + "h1" * 200, "at most 200"),
        ("tutorial_bits2", "use at least 4 training bits"),  # TrainConfig's own check
    ],
)
def test_a_bad_train_link_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        links.parse_train_link(text)
    assert links.bad_train_link(ValueError("x")).endswith("The shipped model is shown instead.")


def test_only_a_model_trained_here_goes_into_the_link():
    from gru_viz.config import TrainConfig

    running, done = TrainConfig(seed=1), TrainConfig(seed=2)
    training = SimpleNamespace(job=SimpleNamespace(config=running), own=None, own_config=None)
    trained = SimpleNamespace(job=None, own=object(), own_config=done)
    uploaded = SimpleNamespace(job=None, own=object(), own_config=None)
    assert links.link_training(True, training) == running
    assert links.link_training(True, trained) == done
    assert links.link_training(True, uploaded) is None
    assert links.link_training(False, trained) is None  # the page shows a shipped model


def test_a_link_waits_for_no_slot_when_the_server_is_full():
    slots = TrainingSlots(1)
    assert links.link_slots_full(slots) == ""
    assert slots.acquire("someone", lambda: False)
    assert "all 1 training slots on this server are busy" in links.link_slots_full(slots)
    slots.release()


def test_a_training_stopped_early_is_linked_with_the_step_it_stopped_at():
    from gru_viz.app.workspace import trained_config
    from gru_viz.config import TrainConfig

    config = TrainConfig(max_steps=2000)
    ended = SimpleNamespace(config=config, step=70, stopped="stopped")
    assert trained_config(ended).max_steps == 70
    assert trained_config(SimpleNamespace(config=config, step=125, stopped="converged")) == config
    assert trained_config(SimpleNamespace(config=config, step=3, stopped="")) is None  # failed


def test_the_vector_svg_command_names_the_view_and_short_numbers():
    assert wording.svg_command("gates", "1024", "16") == (
        "python -m gru_viz figure 1024 16 --view gates --format svg"
    )
    assert wording.svg_command(None, "9" * 41, " 7 ") == (
        "python -m gru_viz figure A 7 --all --format svg"
    )
    assert wording.svg_command("length", "1e5", None).startswith("python -m gru_viz figure A B")
    assert "needs Chromium on the server" in wording.no_browser_caption("gates", "1", "2")
    svg_help = wording.vector_svg_help()
    assert "20,000 cells" in svg_help and "raster image" in svg_help


def test_presentation_lays_the_gates_out_to_fill_a_16_by_9_box():
    import plotly.graph_objects as go

    trace = make_trace(1048575, 1, hidden=16)
    units = carry_units_of(list(range(16)))
    theme = look.page_theme("dark", present=True)
    fig = gate_view.figure(trace, "gates", units.order, units, theme=theme)
    slide = figures.fit_to_aspect(fig)
    go.Figure(slide.to_dict())  # valid: Plotly's validation raises if not
    assert slide.layout.height is None and slide.layout.autosize  # the box's height, not its own
    plot = figures.SLIDE_WIDTH * 9 / 16 - slide.layout.margin.t - slide.layout.margin.b
    rows = {}  # y axis -> rows of its heatmap
    for t in slide.data:
        if t.type == "heatmap":
            rows[t.yaxis or "y"] = len(t.y)
    assert sorted(rows.values()) == [5, 5, 16, 16]  # a bit strip over each of the two panels
    for name, n_rows in rows.items():
        axis = slide.layout[name.replace("y", "yaxis")]
        assert (axis.domain[1] - axis.domain[0]) * plot / n_rows >= theme.font_size
        assert axis.dtick == 1  # every unit and every bit row named
    columns = {}
    for axis in slide.select_yaxes():
        x_axis = slide.layout[axis.anchor.replace("x", "xaxis")]
        columns.setdefault(tuple(x_axis.domain), []).append(axis.domain)
        assert 0 <= axis.domain[0] < axis.domain[1] <= 1
    assert len(columns) == 2
    title_px = max(note.font.size for note in slide.layout.annotations)
    for domains in columns.values():
        domains.sort(key=lambda d: -d[1])
        for upper, lower in zip(domains, domains[1:]):
            assert (upper[0] - lower[1]) * plot >= 1.3 * title_px  # room for a panel's title
    tops = {round(d[1], 6) for domains in columns.values() for d in domains}
    assert all(round(note.y, 6) in tops for note in slide.layout.annotations)  # over its panel
    assert fig.layout.height is not None  # the page's own figure is left as it was


def test_a_server_cap_stops_the_fields_and_refuses_a_training_over_it():
    from gru_viz.app.settings import AppSettings

    caps = AppSettings(max_hidden=32, max_steps=2_000)
    fields = {t.name: t for t in TUNABLE}
    hidden = panel.number_input_args(fields["hidden_size"], caps)
    assert hidden["max_value"] == 32 and "At most 32 on this server." in hidden["help"]
    assert panel.number_input_args(fields["batch_size"], caps) == panel.number_input_args(
        fields["batch_size"]
    )  # not capped: as before
    asked = {**preset_values("robust"), "hidden_size": 64}
    with pytest.raises(ValueError, match="Hidden size 64 is more .* at most 32 .*MAX_HIDDEN"):
        panel.training_config("robust", asked, caps)
    asked = {**preset_values("robust"), "max_steps": 5_000}
    with pytest.raises(ValueError, match="Step limit 5,000 .* at most 2,000 .*MAX_STEPS"):
        panel.training_config("robust", asked, caps)
    assert panel.training_config("robust", preset_values("robust"), caps).hidden_size == 16
    assert panel.number_input_args(fields["hidden_size"], AppSettings())["max_value"] == 256


def test_going_on_from_an_unchecked_model_doubles_its_limit_within_the_cap():
    from gru_viz.app.settings import AppSettings
    from gru_viz.config import TrainConfig
    from gru_viz.sources import describe, unchecked

    recipe = TrainConfig(hidden_size=4, max_steps=300, seed=3).to_dict()

    def model(stopped, steps=300):
        provenance = {"stopped": stopped, "steps": steps, "check": {"1024": 0.25}}
        return SimpleNamespace(
            train_config=recipe,
            provenance=provenance,
            config=SimpleNamespace(hidden_size=4, held_gates=()),
        )

    assert unchecked(model("converged")) is None
    assert panel.go_on_config(model("converged")) is None
    words = unchecked(model("max_steps"))
    assert "reached its step limit at step 300" in words and "25% of 1024-bit" in words
    assert "never passed its training check" in describe(model("max_steps"))
    on = panel.go_on_config(model("max_steps"))
    assert (on.max_steps, on.hidden_size, on.seed) == (600, 4, 3)
    assert panel.go_on_config(model("max_steps"), AppSettings(max_steps=450)).max_steps == 450
    assert panel.go_on_config(model("max_steps"), AppSettings(max_steps=300)) is None  # at cap
    stopped = model("stopped", steps=120)
    assert "was stopped at step 120" in unchecked(stopped)
    assert panel.go_on_config(stopped).max_steps == 300  # on to the limit it was given
