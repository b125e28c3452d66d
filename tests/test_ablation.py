"""Switching units off: the real TensorFlow model with a mask, and the ranking it gives."""

import numpy as np
import pytest

import gru_viz
from gru_viz.ablation import ablation_ranking
from gru_viz.carry import carry_units
from gru_viz.length import length_curve
from gru_viz.reference import gru_reference


@pytest.fixture(scope="module")
def model():
    return gru_viz.load_model()


def test_an_ablated_unit_is_held_at_zero_and_the_rest_follow_the_reference(model):
    ablated = gru_viz.ablate(model, [3, 5])
    trace = ablated.trace(2**40 - 1, 12345)
    assert np.all(trace.h[:, [3, 5]] == 0.0)
    # The numpy reference with the same units zeroed after every step gives the same numbers.
    x = np.stack([trace.bits_a, trace.bits_b], axis=-1)[None].astype(np.float32)
    expected = gru_reference(x, model.weights(), mask=ablated.mask())
    for name in ("z", "r", "h_tilde", "h", "y"):
        np.testing.assert_allclose(getattr(trace, name), expected[name][0], atol=1e-5)
    assert model.ablated == () and ablated.ablated == (3, 5)  # the original is untouched


def test_switching_off_the_top_carry_unit_breaks_long_sums(model):
    top = carry_units(model).top
    broken = gru_viz.ablate(model, [top])
    curve = length_curve(broken, lengths=[1024], pairs=50)
    assert curve.stress[0] < 0.5
    assert length_curve(model, lengths=[1024], pairs=50).stress[0] == 1.0


def test_the_ranking_puts_the_units_the_sums_need_first(model):
    ranking = ablation_ranking(model, n_pairs=64, n_bits=64)
    assert ranking.base_accuracy == 1.0
    np.testing.assert_allclose(ranking.lost, 1.0 - ranking.accuracy)
    assert ranking.lost[ranking.order[0]] == ranking.lost.max() > 0.5
    assert list(ranking.order) == sorted(range(16), key=lambda u: -ranking.lost[u])


def test_ablation_refuses_units_that_do_not_exist(model):
    with pytest.raises(ValueError, match=r"units \[16\] do not exist"):
        gru_viz.ablate(model, [16])
