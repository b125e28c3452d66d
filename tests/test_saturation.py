import numpy as np
import plotly.graph_objects as go
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz import figures
from gru_viz.figures.saturation import saturation_figure
from gru_viz.saturation import gate_saturation


@pytest.fixture(scope="module")
def model():
    return gru_viz.load_model()


def test_fractions_match_a_direct_count_on_one_trace(model):
    a, b, n_bits = 0b1011_0111_0110_1111, 0b0100_1001_1010_0001, 16
    operands = np.stack([bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)])[None]  # (1, 2, L)
    saturation = gate_saturation(model, operands=operands)
    trace = model.trace(a, b, n_bits=n_bits + 1)
    for gate in ("z", "r"):
        values = getattr(trace, gate)  # (T, H)
        for unit in range(model.hidden_size):
            left = sum(1 for t in range(trace.n_bits) if values[t, unit] < 0.1)
            right = sum(1 for t in range(trace.n_bits) if values[t, unit] > 0.9)
            assert getattr(saturation, f"{gate}_left")[unit] == pytest.approx(left / trace.n_bits)
            assert getattr(saturation, f"{gate}_right")[unit] == pytest.approx(right / trace.n_bits)
    assert saturation.n_steps == n_bits + 1 and saturation.n_pairs == 1


def test_probe_saturation_is_seeded_and_a_fraction(model):
    saturation = gate_saturation(model, seed=3, n_pairs=12, n_bits=16)
    again = gate_saturation(model, seed=3, n_pairs=12, n_bits=16)
    for field in ("z_left", "z_right", "r_left", "r_right"):
        value = getattr(saturation, field)
        assert value.shape == (model.hidden_size,)
        assert np.all((value >= 0) & (value <= 1))
        np.testing.assert_array_equal(value, getattr(again, field))
    assert np.all(saturation.z_left + saturation.z_right <= 1)
    assert saturation.n_steps == 12 * 17


def test_bad_arguments_are_refused(model):
    with pytest.raises(ValueError, match="low"):
        gate_saturation(model, low=0.9, high=0.1)
    with pytest.raises(ValueError, match="operands"):
        gate_saturation(model, operands=np.full((1, 2, 4), 2))


def test_saturation_figure_has_one_point_per_gate_and_unit(model):
    saturation = gate_saturation(model, n_pairs=6, n_bits=8)
    fig = saturation_figure(saturation, carriers=(2,))
    assert isinstance(fig, go.Figure)
    points = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in points] == ["update gate z", "reset gate r"]
    assert points[0].marker.color != points[1].marker.color
    z = points[0]
    np.testing.assert_array_equal(z.x, saturation.z_left)
    np.testing.assert_array_equal(z.y, saturation.z_right)
    assert list(z.text[:3]) == ["unit 0", "unit 1", "unit 2 · carry"]
    assert "%{text}" in z.hovertemplate
    assert fig.layout.plot_bgcolor == figures.LIGHT.plot_background
