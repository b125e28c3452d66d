from pathlib import Path

import numpy as np
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz import length

TUTORIAL = Path(__file__).resolve().parent.parent / "assets" / "tutorial.npz"


class ShortCarryAdder:
    """A fake model (numpy only) that adds exactly unless the sum has a carry chain longer
    than `reach` positions; then it gets bit 0 wrong. reach=None never errs."""

    def __init__(self, reach: int | None = None) -> None:
        self.reach = reach

    def predict_bits(self, operands: np.ndarray, n_steps: int) -> np.ndarray:
        bits = bitlib.sum_bits(operands, n_steps)  # (B, T)
        if self.reach is not None:
            too_long = length.longest_carry_chain(operands[:, 0], operands[:, 1]) > self.reach
            bits[too_long, 0] ^= 1
        return bits


def ripple_longest_chain(bits_a: np.ndarray, bits_b: np.ndarray) -> int:
    """The longest run of carries into positions 0..T, one bit at a time."""
    longest = run = carry_bit = 0
    for a, b in zip(bits_a, bits_b):
        carry_bit = int(a + b + carry_bit >= 2)
        run = run + 1 if carry_bit else 0
        longest = max(longest, run)
    return longest


def test_longest_carry_chain_matches_a_ripple_adder():
    rng = np.random.default_rng(0)
    operands = np.concatenate(
        [bitlib.random_operands(rng, 50, 40), bitlib.chain_operands(rng, 50, 40)]
    )  # (N, 2, L)
    chains = length.longest_carry_chain(operands[:, 0], operands[:, 1])
    expected = [ripple_longest_chain(a, b) for a, b in zip(operands[:, 0], operands[:, 1])]
    np.testing.assert_array_equal(chains, expected)


def test_longest_carry_chain_of_known_sums():
    n = 1000
    pairs = [(2**n - 1, 1), (0, 0), (2**n - 1, 0), (5, 3), (6, 2), (2**n - 1, 2**n - 1)]
    a = bitlib.ints_to_rows([p[0] for p in pairs], n)
    b = bitlib.ints_to_rows([p[1] for p in pairs], n)
    # 5 + 3 = 101 + 011: carries into bits 1, 2, 3; 6 + 2 = 110 + 010: into bits 2 and 3.
    np.testing.assert_array_equal(length.longest_carry_chain(a, b), [n, 0, 0, 3, 2, n])


def test_default_schedule():
    assert [length.default_pairs(n) for n in length.DEFAULT_LENGTHS] == [1000] * 11 + [
        100,
        25,
        6,
        2,
        2,
        2,
    ]
    assert length.default_pairs(1500) == 100 and length.default_pairs(100) == 1000


def test_a_perfect_adder_is_right_everywhere_and_progress_reaches_one():
    seen = []
    curve = length.length_curve(
        ShortCarryAdder(), lengths=[1, 3, 64, 300], pairs=[20, 20, 20, 5], progress=seen.append
    )
    np.testing.assert_array_equal(curve.lengths, [1, 3, 64, 300])
    np.testing.assert_array_equal(curve.pairs, [20, 20, 20, 5])
    assert np.all(curve.uniform == 1.0) and np.all(curve.stress == 1.0)
    assert np.all(curve.chain_accuracy == 1.0) and curve.chain_counts.sum() == 2 * 65
    assert curve.chain_lows[-1] == 256  # the 300-bit stress chains: bucket [256, 512)
    assert len(seen) == 4 and seen[-1] == 1.0 and seen == sorted(seen) and seen[0] > 0


def test_an_adder_that_loses_long_carries_fails_every_stress_sum_past_its_reach():
    curve = length.length_curve(ShortCarryAdder(reach=8), lengths=[2, 8, 16, 64], pairs=40, seed=1)
    np.testing.assert_array_equal(curve.stress, [1.0, 1.0, 0.0, 0.0])
    assert curve.uniform[0] == curve.uniform[1] == 1.0
    lows = curve.chain_lows.tolist()
    accuracy = dict(zip(lows, curve.chain_accuracy))
    assert all(accuracy[low] == 1.0 for low in lows if low < 8)
    assert all(accuracy[low] == 0.0 for low in lows if low >= 16)
    assert 0.0 < accuracy[8] < 1.0  # chains 8 to 15: right at 8, wrong above
    assert curve.seed == 1


def test_each_length_draws_its_own_operands():
    model = ShortCarryAdder(reach=6)
    both = length.length_curve(model, lengths=[8, 48], pairs=200, seed=2)
    alone = length.length_curve(model, lengths=[48], pairs=200, seed=2)
    other = length.length_curve(model, lengths=[48], pairs=200, seed=3)
    assert both.uniform[1] == alone.uniform[0] and 0.0 < alone.uniform[0] < 1.0
    assert other.uniform[0] != alone.uniform[0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lengths": []},
        {"lengths": [0]},
        {"lengths": [4.0]},
        {"lengths": [4, 8], "pairs": [1]},
        {"lengths": [4], "pairs": 0},
        {"lengths": [4], "pairs": True},
    ],
)
def test_bad_lengths_or_pairs_are_refused(kwargs):
    with pytest.raises(ValueError):
        length.length_curve(ShortCarryAdder(), **kwargs)


def test_the_shipped_model_adds_exactly_at_every_default_length_on_both_sets():
    curve = length.length_curve(gru_viz.load_model())  # 1, 2, 4, ..., 65,536 bits
    assert list(curve.lengths) == list(length.DEFAULT_LENGTHS)
    assert np.all(curve.uniform == 1.0) and np.all(curve.stress == 1.0)
    assert curve.chain_lows[-1] == 65536 and np.all(curve.chain_accuracy == 1.0)


def test_the_tutorial_model_fails_most_64_bit_sums():
    curve = length.length_curve(gru_viz.load_model(TUTORIAL), lengths=[4, 64], pairs=300)
    assert curve.uniform[0] > 0.95
    assert curve.uniform[1] < 0.5 and curve.stress[1] < 0.5
