from types import SimpleNamespace

import numpy as np
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz import carry


class CarryStateModel:
    """A fake model (numpy only) whose hidden units are made from the true carry.

    h[:, t] is the state after step t, so a unit that holds the carry out of t (the carry into
    t + 1) is a perfect carry reader. Units: 0 noise, 1 carry plus strong noise, 2 constant,
    3 the carry (+0.9 / -0.9), 4 the input a_t, 5 the carry negated.
    """

    config = SimpleNamespace(hidden_size=6, output="logistic")

    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        bits_x = np.concatenate([x, np.zeros_like(x[:, :1])], axis=1).astype(np.int8)
        carry_out = bitlib.carries_in(bits_x[..., 0], bits_x[..., 1])[:, 1:]  # (B, T)
        state = np.where(carry_out == 1, 0.9, -0.9)  # (B, T)
        noise = np.random.default_rng(0).normal(size=(2, *state.shape))  # (2, B, T)
        units = [noise[0], state + 3 * noise[1], np.zeros_like(state), state, x[..., 0]]
        h = np.stack([*units, -state], axis=-1).astype(np.float32)  # (B, T, H)
        return {"y": np.zeros(state.shape, np.float32), "h": h}


def test_a_unit_that_holds_the_carry_ranks_first_and_its_negation_gets_sign_minus_one():
    units = carry.carry_units(CarryStateModel(), seed=0)
    assert units.top == 3
    assert list(units.order[:2]) == [3, 5]  # a tie at 1.0 keeps unit order
    assert units.scores[3] == units.scores[5] == 1.0
    assert units.signs[3] == 1 and units.signs[5] == -1
    assert 0.0 < units.thresholds[3] < 0.9  # above h_{-1} = 0 and the -0.9 of no carry
    assert units.scores[2] == 0.0
    assert 0.0 < units.scores[1] < 1.0 and 0.0 < units.scores[4] < 1.0
    assert np.all(np.diff(units.scores[units.order]) <= 0)


def test_carry_units_is_deterministic_in_its_seed():
    one = carry.carry_units(CarryStateModel(), seed=3, n_pairs=12, n_bits=16)
    two = carry.carry_units(CarryStateModel(), seed=3, n_pairs=12, n_bits=16)
    np.testing.assert_array_equal(one.scores, two.scores)
    np.testing.assert_array_equal(one.thresholds, two.thresholds)
    assert (one.seed, one.n_pairs, one.n_bits) == (3, 12, 16)


def test_threshold_scores_are_youdens_j_of_the_best_cut():
    carry_bits = np.array([0, 0, 0, 1, 1, 1])
    states = np.array(
        [
            [0.1, 0.9, 0.5, 0.0],
            [0.2, 0.8, 0.5, 1.0],
            [0.3, 0.7, 0.5, 0.0],
            [0.6, 0.3, 0.5, 1.0],
            [0.7, 0.2, 0.5, 0.0],
            [0.8, 0.1, 0.5, 1.0],
        ]
    )  # (M, H)
    scores, signs, thresholds = carry.threshold_scores(states, carry_bits)
    np.testing.assert_allclose(scores, [1.0, 1.0, 0.0, 1 / 3])
    np.testing.assert_array_equal(signs[:2], [1, -1])
    np.testing.assert_allclose(thresholds[:2], [0.45, 0.5])


def test_threshold_scores_need_both_carry_values():
    with pytest.raises(ValueError, match="carry"):
        carry.threshold_scores(np.zeros((4, 2)), np.zeros(4))


def test_stress_operands_carry_into_every_position_above_bit_zero():
    for n_bits in (1, 2, 5, 64):
        operands = carry.stress_operands(np.random.default_rng(n_bits), 9, n_bits)  # (N, 2, L)
        assert operands.shape == (9, 2, n_bits) and operands.dtype == np.int8
        padded = np.concatenate([operands, np.zeros((9, 2, 1), np.int8)], axis=2)
        carry_in = bitlib.carries_in(padded[:, 0], padded[:, 1])  # (N, L + 1)
        assert np.all(carry_in[:, 1:] == 1)
    a, b = bitlib.rows_to_ints(operands[:, 0]), bitlib.rows_to_ints(operands[:, 1])
    assert (a[0], b[0]) == (2**64 - 1, 1) and (a[2], b[2]) == (2**64 - 1, 2**64 - 1)
    assert all(x + y == 2**64 for x, y in zip(a[3:6], b[3:6]))  # a + (2**n - a), a odd


def test_the_shipped_model_has_a_unit_that_reads_the_carry_almost_perfectly():
    units = carry.carry_units(gru_viz.load_model(), seed=0)
    assert units.scores[units.top] > 0.99
    assert units.signs[units.top] in (-1, 1)
    assert sorted(units.order) == list(range(16))
