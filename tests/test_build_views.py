"""The views of Build it yourself: every weight as heatmaps, and why gates (the recipe trained
again with gates held at 1), with their compute functions."""

import numpy as np
import pytest

import gru_viz
from gru_viz import edits, gate_study, length
from gru_viz.config import TrainConfig
from gru_viz.figures import DARK
from gru_viz.figures.weights import weights_figure
from gru_viz.handmade import handmade_weights
from gru_viz.sources import ActiveModel, with_edits
from gru_viz.views import VIEWS
from gru_viz.views.why_gates import GATE_STUDY

TINY = TrainConfig(hidden_size=3, batch_size=16, max_steps=6, check_every=3, check_pairs=4)


def clickable(fig) -> list[str]:
    return [k for trace in fig.data if trace.customdata is not None for k in trace.customdata]


def test_every_weight_is_a_cell_that_can_be_clicked():
    weights = handmade_weights()
    fig = weights_figure(weights, key_text=edits.key_text)
    keys = clickable(fig)
    assert sorted(keys) == sorted(edits.key_text(k) for k in edits.every_key(2))
    heatmaps = {tuple(np.shape(t.z)) for t in fig.data if t.type == "heatmap"}
    assert heatmaps == {(2, 2), (1, 2), (2, 1), (1, 1)}  # W, U (2 x 2 too), b, Wo, bo
    (keyed,) = [t for t in fig.data if t.type == "heatmap" and t.showscale is not False]
    assert keyed.colorbar.title.text == "weight"  # one colour key, on the scale all share
    assert all(t.zmax == keyed.zmax for t in fig.data if t.type == "heatmap")


def test_edits_and_the_pick_are_outlined_and_held_gates_greyed():
    weights = handmade_weights()
    edited = [("bz", (1,)), ("Uh", (0, 1))]
    fig = weights_figure(weights, edited, {"Wz", "Uz", "bz"}, ("Wo", (1, 0)), edits.key_text, DARK)
    outlines = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "square-open"]
    assert len(outlines) == 3
    assert [(t.x[0], t.y[0]) for t in outlines] == [(1, ""), (1, "h0"), (0, "h1")]
    grey = [t for t in fig.data if t.type == "heatmap" and not np.any(t.z)]
    assert len(grey) >= 3
    assert fig.layout.paper_bgcolor == DARK.background


def test_the_weights_view_outlines_the_models_edits():
    model = gru_viz.handmade_adder()
    active = with_edits(ActiveModel(model, "file", "hand-made"), {("Uh", (0, 0)): 0.0})
    fig = VIEWS["weights"].build(active, None, None, selected=("bz", (0,)))
    outlines = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "square-open"]
    assert len(outlines) == 2
    heat = {t.xaxis: t for t in fig.data if t.type == "heatmap"}
    assert heat["x7"].z[0][0] == 0.0  # Uh, row 2 column 3: the edit is drawn


def test_the_quick_curve_stops_at_4096_bits_with_fewer_sums():
    curve = length.quick_length_curve(gru_viz.handmade_adder())
    assert max(curve.lengths) == 4096 and max(curve.pairs) == length.QUICK_PAIRS
    assert curve.uniform.min() == 1.0 and curve.stress.min() == 1.0


def test_the_recipe_of_a_model_and_of_a_hand_made_one():
    trained = gru_viz.load_model()
    recipe, named = gate_study.recipe_of(trained)
    assert named and recipe.preset == "robust" and recipe.held_gates == ()
    assert gate_study.recipe_of(gru_viz.handmade_adder()) == (TrainConfig(), False)


@pytest.fixture(scope="module")
def tiny_study():
    model, _ = gru_viz.train(TINY)
    return model, gate_study.gate_study(model)


def test_why_gates_trains_the_same_recipe_with_gates_held(tiny_study):
    model, study = tiny_study
    assert [c.held for c in study.cells] == [(), ("z",), ("r",), ("z", "r")]
    assert study.recipe == TINY and study.recipe_named
    full = study.cells[0]
    assert np.array_equal(full.model.weights()["Uh"], model.weights()["Uh"])  # the same run
    for cell in study.cells:
        assert cell.model.config.held_gates == cell.held
        assert cell.steps == TINY.max_steps or cell.passed
        assert max(cell.curve.lengths) == max(length.QUICK_LENGTHS)
    text = " ".join(gate_study.findings(study))
    assert f"seed {TINY.seed}" in text and "update gate held at 1" in text
    for cell in study.cells:
        assert gate_study.check_words(cell) in text


def test_the_why_gates_view_draws_each_cell(tiny_study):
    model, study = tiny_study

    class Known:  # the study above, as the page's cache would give it
        def get(self, asked, analysis, *args):
            assert asked is model and analysis is GATE_STUDY
            return study

    fig = VIEWS["why-gates"].build(ActiveModel(model, "file", "tiny"), None, None, DARK, Known())
    bars = [t for t in fig.data if t.type == "bar"][0]
    assert [label.split("<br>")[0] for label in bars.y] == [c.name for c in study.cells]
    assert len([t for t in fig.data if t.type == "scatter"]) == 4
    assert VIEWS["why-gates"].note(None) and VIEWS["weights"].note(None)
