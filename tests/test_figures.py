import numpy as np
import plotly.graph_objects as go
import pytest

from gru_viz import bits as bitlib
from gru_viz import figures


def bit_rows(a: int, b: int, wrong_at: tuple[int, ...] = ()) -> figures.BitRows:
    n_bits = bitlib.default_n_bits(a, b)
    bits_a, bits_b = bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)
    bits_true = bitlib.to_bits(a + b, n_bits)
    bits_pred = bits_true.copy()
    bits_pred[list(wrong_at)] ^= 1
    return figures.BitRows(bits_a, bits_b, bitlib.carries_in(bits_a, bits_b), bits_true, bits_pred)


def gate_panels(n_bits: int, hidden: int, seed: int = 0) -> list[figures.Panel]:
    rng = np.random.default_rng(seed)
    return [
        figures.Panel("Update gate z", "z", rng.uniform(size=(n_bits, hidden))),
        figures.Panel("Reset gate r", "r", rng.uniform(size=(n_bits, hidden))),
    ]


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    return [trace for trace in fig.data if isinstance(trace, go.Heatmap)]


def test_gates_figure_shows_bits_then_both_gates_on_one_scale():
    bits = bit_rows(1024, 16)
    panels = gate_panels(12, 4)
    fig = figures.gates_figure(bits, panels, np.arange(4), title="1024 + 16")
    _, z, r = heatmaps(fig)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Update gate z", "Reset gate r"]
    assert fig.layout.coloraxis.cmin == 0 and fig.layout.coloraxis.cmax == 1
    assert z.coloraxis == r.coloraxis == "coloraxis"
    assert z.z.shape == (4, 12)  # units down the side, bit positions along the bottom
    np.testing.assert_allclose(z.z, panels[0].values.T.astype(np.float32))
    assert z.x is None  # so column t sits at x = t, bit position t
    # Every heatmap shares the bottom axis, so zooming one zooms all.
    assert fig.layout.xaxis2.matches == "x" and fig.layout.xaxis3.matches == "x"
    assert "bit position" in fig.layout.xaxis3.title.text


def test_hover_names_unit_position_bits_carry_and_value():
    bits = bit_rows(6, 3)
    fig = figures.gates_figure(bits, gate_panels(4, 2), np.arange(2))
    z = heatmaps(fig)[1]
    for word in ("%{y}", "bit position %{x}", "a_t", "b_t", "true carry", "z = %{z"):
        assert word in z.hovertemplate
    customdata = np.asarray(z.customdata)  # (H, T, 3): a_t, b_t, carry into t
    assert customdata.shape == (2, 4, 3)
    np.testing.assert_array_equal(customdata[1, :, 0], bits.bits_a)
    np.testing.assert_array_equal(customdata[0, :, 2], bits.carry)


def test_units_follow_the_given_order():
    panels = gate_panels(5, 3)
    order = np.array([2, 0, 1])
    fig = figures.gates_figure(bit_rows(9, 5), panels, order)
    z = heatmaps(fig)[1]
    assert list(z.y) == ["unit 2", "unit 0", "unit 1"]
    np.testing.assert_allclose(z.z[0], panels[0].values[:, 2].astype(np.float32))
    assert fig.layout.yaxis2.autorange == "reversed"  # the first unit at the top


def test_wrong_predicted_bits_are_drawn_red():
    fig = figures.gates_figure(bit_rows(5, 3, wrong_at=(2,)), gate_panels(4, 2), np.arange(2))
    strip = heatmaps(fig)[0]
    predicted = np.asarray(strip.z)[4]
    assert list(np.flatnonzero(predicted == 2)) == [2]


def test_states_use_the_symmetric_range():
    fig = figures.gates_figure(
        bit_rows(3, 3), gate_panels(3, 2), np.arange(2), (-1.0, 1.0), figures.STATE_SCALE
    )
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (-1, 1)


def test_long_additions_open_zoomed_on_the_lowest_bits():
    rng = np.random.default_rng(0)
    a, b = (int(rng.integers(1, 2**62)) << 2900 for _ in range(2))
    bits = bit_rows(a, b)
    n_bits = len(bits.bits_a)
    fig = figures.gates_figure(bits, gate_panels(n_bits, 16), np.arange(16))
    assert tuple(fig.layout.xaxis.range) == (-0.5, figures.INITIAL_WINDOW - 0.5)
    assert heatmaps(fig)[1].z.shape == (16, n_bits)  # every position is there to zoom into
    short = figures.gates_figure(bit_rows(5, 5), gate_panels(4, 2), np.arange(2))
    assert tuple(short.layout.xaxis.range) == (-0.5, 3.5)


def test_panel_of_the_wrong_shape_is_refused():
    panels = [
        figures.Panel("Update gate z", "z", np.zeros((4, 2))),
        figures.Panel("Reset gate r", "r", np.zeros((5, 2))),
    ]
    with pytest.raises(ValueError, match="expected \\(4, 2\\)"):
        figures.gates_figure(bit_rows(5, 3), panels, np.arange(2))


def test_camera_button_exports_big_png_or_svg():
    png = figures.plot_config("gates", "png")["toImageButtonOptions"]
    assert png["format"] == "png" and png["scale"] >= 3 and png["filename"] == "gates"
    assert figures.plot_config("gates", "svg")["toImageButtonOptions"]["format"] == "svg"
    with pytest.raises(ValueError, match="'png' or 'svg'"):
        figures.plot_config("gates", "jpeg")


def test_training_figure_has_loss_and_one_line_per_length():
    steps = list(range(1, 101))
    losses = [1 / s for s in steps]
    checks = [(25, {16: 0.1, 64: 0.0}), (50, {16: 0.9, 64: 0.5}), (75, {16: 1.0, 64: 1.0})]
    fig = figures.training_figure(steps, losses, checks)
    names = [trace.name for trace in fig.data]
    assert names == ["loss", "16-bit numbers", "64-bit numbers"]
    assert list(fig.data[2].y) == [0.0, 0.5, 1.0]
    assert fig.layout.yaxis.type == "log"


def test_training_figure_thins_long_histories():
    steps = list(range(1, 10_001))
    fig = figures.training_figure(steps, [1.0] * len(steps), [], max_points=500)
    assert len(fig.data[0].x) <= 1000


def test_a_window_draws_only_its_positions_at_their_place_with_a_cursor():
    from test_page import make_trace

    trace = make_trace(2**40 - 1, 1, hidden=3)
    fig = figures.trace_figure(trace, "gates", np.arange(3), "x", window=(10, 20), cursor=14)
    _, z, _ = heatmaps(fig)
    assert z.z.shape == (3, 10) and z.x0 == 10
    np.testing.assert_allclose(z.z[:, 0], trace.z[10])
    (cursor,) = fig.layout.shapes
    assert (cursor.x0, cursor.x1) == (13.5, 14.5)
    assert tuple(fig.layout.xaxis.range) == (9.5, 19.5)
