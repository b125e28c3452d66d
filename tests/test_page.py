"""The page's wording and choices (gru_viz.app.page), without Streamlit."""

from types import SimpleNamespace

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.app import page
from gru_viz.app.jobs import FINISHED, RUNNING, WAITING
from gru_viz.app.slots import TrainingSlots
from gru_viz.config import TUNABLE, preset_values
from gru_viz.interface import Trace


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
    assert page.verdict(make_trace(1024, 16)) == "Right: all 12 sum bits are correct."
    wrong = page.verdict(make_trace(1024, 16, wrong_at=(3, 7)))
    assert "2 of 12 sum bits differ, the first at position 3" in wrong


def test_long_sums_are_not_metrics():
    assert page.sums(make_trace(5, 6)).short
    long = page.sums(make_trace(10**40, 1))
    assert not long.short and long.true == str(10**40 + 1)


def test_usual_reading_is_written_out_only_for_short_sums():
    text = page.usual_reading_text(make_trace(1024, 16))
    assert "true sum  010000010000" in text
    assert page.usual_reading_text(make_trace(2**300, 1)) == ""


def test_each_view_draws_its_own_panels_and_names_its_file():
    trace = make_trace(6, 3)
    order = page.unit_order(np.array([2, 0, 1]), 3, by_carry=True)
    gates = page.inside_figure(trace, "Gates z and r", order)
    states = page.inside_figure(trace, "States h~ and h", page.unit_order(order, 3, False))
    assert [a.text for a in gates.layout.annotations] == ["Update gate z", "Reset gate r"]
    assert [a.text for a in states.layout.annotations] == ["Candidate state h~", "Hidden state h"]
    assert gates.data[1].y[0] == "unit 2" and states.data[1].y[0] == "unit 0"
    assert gates.layout.title.text == "Update gate z and reset gate r for 6 + 3"
    assert page.figure_file_name("States h~ and h", trace) == "gru-viz-states-6-plus-3"
    assert page.figure_file_name("Gates z and r", make_trace(2**70, 1)) == "gru-viz-gates"


def test_zoom_note_only_for_additions_wider_than_the_opening_view():
    assert page.zoom_note(100) == ""
    assert "the view opens on positions 0 to 255" in page.zoom_note(1000)


def test_training_fields_come_from_the_one_list():
    names = [t.name for t in TUNABLE]
    assert set(preset_values("tutorial")) == set(names)
    assert preset_values("tutorial")["train_bits"] == 4
    rate = next(t for t in TUNABLE if t.name == "learning_rate")
    assert page.number_input_args(rate)["format"] == "%g"
    steps = next(t for t in TUNABLE if t.name == "max_steps")
    assert steps.flag == "--max-steps" and "--steps" in steps.aliases
    assert page.number_input_args(steps)["max_value"] == 50_000


def status(state: str, **extra) -> SimpleNamespace:
    fields = dict(state=state, waiting=state == WAITING, paused=False, live=state != FINISHED)
    return SimpleNamespace(**{**fields, **extra})


def test_a_waiting_training_is_told_its_place():
    slots = TrainingSlots(2)
    text = page.waiting_text(status(WAITING, place_in_line=3), slots)
    assert "0 of 2 trainings" in text and "number 3 in line" in text
    assert page.waiting_text(status(RUNNING), slots) == ""


def test_fallback_message_follows_the_training_in_place_of_the_shipped_model():
    def shared(state):
        fallback = None if state is None else status(state)
        return SimpleNamespace(error="no such file", fallback_status=lambda: fallback)

    assert page.fallback_message(shared(None)) == ""
    assert "is being trained on this server" in page.fallback_message(shared(RUNNING))
    assert "no such file" in page.fallback_message(shared(FINISHED))
    assert "was trained on this server" in page.fallback_message(shared(FINISHED))


class Model:
    """Just enough of a model for the page's choices: a fingerprint and a training length."""

    def __init__(self, name: str, train_bits: int | None = None) -> None:
        self.name, self.train_bits = name, train_bits

    def fingerprint(self) -> str:
        return self.name


def test_the_length_figure_draws_each_model_once():
    from gru_viz.app.workspace import SHIPPED, ActiveModel

    shipped, tutorial = Model("robust"), Model("tutorial")
    refs = {"shipped robust model": shipped, "shipped tutorial model": tutorial}
    chosen = page.curve_models(ActiveModel(shipped, SHIPPED, "shipped"), refs)
    assert [(name, main) for name, _, main in chosen] == [
        ("model on this page", True),
        ("shipped tutorial model", False),
    ]
    ablated = ActiveModel(Model("off"), SHIPPED, "x", units_off=(2,), intact_model=shipped)
    names = [name for name, _, _ in page.curve_models(ablated, refs)]
    assert names == ["model with units off", "model with all units on", "shipped tutorial model"]


def test_heavy_views_wait_for_a_training_to_end():
    from gru_viz.app.workspace import TRAINING, ActiveModel

    assert "still training" in page.unsettled_notice(ActiveModel(Model("m"), TRAINING, "", True))
    assert page.unsettled_notice(ActiveModel(Model("m"), TRAINING, "", live=False)) == ""


def test_the_zoom_shows_the_chain_that_broke_with_a_margin():
    from gru_viz.explain import Explanation

    fields = dict.fromkeys(Explanation.__dataclass_fields__)
    why = Explanation(**{**fields, "chain_start": 3, "first_wrong": 12})
    assert page.chain_range(why, 40) == (0.5, 15.5)
    assert page.chain_range(Explanation(**fields), 40) is None


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
    text = page.machine_text(found)
    assert "2 states" in text and "It is the two-state adder" in text
    assert "1,000 random 1,024-bit sums" in text and "tested, not proved" in text
    assert "No addition of up to 4,095-bit numbers" in text
    lost = type(found)(**{**found.__dict__, "first_departure": (3, 5, 2)})
    assert "3 + 5, at bit 2" in page.machine_text(lost)
    paths = page.machine_paths(found, 7, 1)
    assert list(paths.adder_path) == [0, 1, 1, 1, 0]  # carry 0, then the carry moves to bit 3


def test_the_step_window_centres_the_step_and_stays_inside():
    assert page.step_window(8, 21, 4) == (4, 13)
    assert page.step_window(0, 21, 4) == (0, 9)
    assert page.step_window(20, 21, 4) == (12, 21)
    assert page.step_window(2, 3, 4) == (0, 3)


def test_a_figure_saves_as_one_self_contained_html_file():
    trace = make_trace(6, 3)
    html = page.figure_html(page.inside_figure(trace, "Gates z and r", np.arange(3)))
    assert "<html>" in html[:40] and "Plotly.newPlot" in html
    assert "<script src=" not in html  # plotly.js is inside, nothing is fetched
