import numpy as np
import plotly.graph_objects as go
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz import figures
from gru_viz.carry import probe_operands
from gru_viz.figures.state_space import state_map_figure
from gru_viz.state_space import MapPath, carry_separation, project, state_map, trace_path


@pytest.fixture(scope="module")
def model():
    return gru_viz.load_model()


@pytest.fixture(scope="module")
def smap(model):
    return state_map(model)


def best_threshold_accuracy(values: np.ndarray, labels: np.ndarray) -> float:
    """The best accuracy of one threshold on values (N,) at telling labels (N,) 0/1 apart."""
    order = np.argsort(values, kind="stable")
    ranked = labels[order].astype(bool)
    ones_below = np.concatenate([[0], np.cumsum(ranked)])  # (N + 1,)
    zeros_below = np.arange(len(ranked) + 1) - ones_below
    high_is_one = zeros_below + (ranked.sum() - ones_below)  # right when "1 above the cut"
    return max(high_is_one.max(), len(ranked) - high_is_one.min()) / len(ranked)


def test_the_cloud_has_one_labelled_point_per_state(smap):
    n = smap.n_pairs * (smap.n_bits + 1)
    assert smap.points.shape == (n, 2)
    for field in (smap.carry_out, smap.sum_bit, smap.t, smap.a_t, smap.b_t):
        assert field.shape == (n,)
    assert 2000 <= n <= 5000
    # The sum bit and the carry out are the full adder's, from a_t, b_t and the carry in.
    carry_in = np.where(smap.t == 0, 0, np.roll(smap.carry_out, 1))
    total = smap.a_t + smap.b_t + carry_in
    np.testing.assert_array_equal(smap.sum_bit, total % 2)
    np.testing.assert_array_equal(smap.carry_out, total // 2)


def test_carry_out_separates_on_the_shipped_model(smap):
    assert carry_separation(smap) >= 0.99
    # and independently: one threshold on the first axis alone
    assert best_threshold_accuracy(smap.points[:, 0], smap.carry_out) >= 0.99
    np.testing.assert_allclose(smap.components @ smap.components.T, np.eye(2), atol=1e-9)
    assert 0 < smap.explained.sum() <= 1


def test_plain_pca_is_there_and_explains_the_most_variance(model, smap):
    pca = state_map(model, axes="pca")
    assert pca.explained[0] >= smap.explained[0] - 1e-9
    assert pca.explained.sum() >= smap.explained.sum() - 1e-9
    # Model-dependent: 0.85 on an earlier robust model (the carry on a third axis), 0.9997 on
    # the shipped one; the default axes separate both fully.
    assert 0.5 <= carry_separation(pca) <= 1


def test_the_map_is_deterministic(model, smap):
    again = state_map(model)
    np.testing.assert_array_equal(again.points, smap.points)
    np.testing.assert_array_equal(again.components, smap.components)
    other = state_map(model, seed=1)
    assert not np.array_equal(other.points, smap.points)


def test_project_puts_a_trace_where_the_cloud_has_it(model, smap):
    operands = probe_operands(np.random.default_rng(smap.seed), smap.n_pairs, smap.n_bits)
    k = 40  # any one of the additions the map was fitted on
    a, b = (
        bitlib.rows_to_ints(operands[k : k + 1, 0])[0],
        bitlib.rows_to_ints(operands[k : k + 1, 1])[0],
    )
    trace = model.trace(a, b, n_bits=smap.n_bits + 1)
    steps = slice(k * (smap.n_bits + 1), (k + 1) * (smap.n_bits + 1))
    np.testing.assert_allclose(project(smap, trace.h), smap.points[steps], atol=1e-5)
    path = trace_path(smap, trace, "a + b")
    np.testing.assert_array_equal(path.carry_out, smap.carry_out[steps])
    with pytest.raises(ValueError, match="units"):
        project(smap, np.zeros((3, 5)))


def test_the_tutorial_model_maps_with_drift():
    smap = state_map(gru_viz.load_model("assets/tutorial.npz"))
    assert np.all(np.isfinite(smap.points))
    # Measured: 0.83 overall; 0.99 at bits 5-8 just past its 5-bit training, 0.76 from bit 17.
    assert 0.5 < carry_separation(smap) < 0.99


def test_state_map_figure_draws_four_classes_a_path_and_the_current_bit(model, smap):
    trace = model.trace(1023, 1)
    path = trace_path(smap, trace, "1023 + 1")
    fig = state_map_figure(smap, path, current=3)
    assert isinstance(fig, go.Figure)
    classes, line, current = fig.data[:4], fig.data[4], fig.data[5]
    assert [t.name for t in classes] == [
        f"carry out {c}, sum bit {s}" for c, s in ((0, 0), (0, 1), (1, 0), (1, 1))
    ]
    assert sum(len(t.x) for t in classes) == len(smap.points)
    assert line.mode == "lines+markers" and len(line.x) == trace.n_bits
    assert np.asarray(line.customdata).shape == (trace.n_bits, 4)  # t, a_t, b_t, carry out
    for word in ("t =", "a_t", "b_t", "carry"):
        assert word in line.hovertemplate and word in classes[0].hovertemplate
    assert (current.x[0], current.y[0]) == tuple(path.points[3])
    assert fig.layout.plot_bgcolor == figures.LIGHT.plot_background
    assert len(state_map_figure(smap).data) == 4
    with pytest.raises(ValueError, match="bit position"):
        state_map_figure(smap, path, current=trace.n_bits)


def test_map_path_is_plain_arrays():
    path = MapPath(
        np.zeros((2, 2)), np.zeros(2, np.int8), np.ones(2, np.int8), np.zeros(2, np.int8)
    )
    assert path.label == ""
