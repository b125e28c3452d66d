import numpy as np
import pytest

from gru_viz import bits


@pytest.mark.parametrize("k", [1, 2, 7, 8, 9, 63, 64, 65, 1000])
def test_round_trip_at_powers_of_two(k):
    for n in (0, 1, 2**k - 1, 2**k):
        row = bits.to_bits(n, k + 1)
        assert row.shape == (k + 1,)
        assert bits.from_bits(row) == n


def test_least_significant_bit_comes_first():
    assert bits.to_bits(6, 4).tolist() == [0, 1, 1, 0]
    assert bits.to_bits(1024, 12).tolist()[10] == 1


def test_round_trip_of_a_100000_bit_number():
    n = int(np.random.default_rng(0).integers(1, 2**62)) << 99_938 | 12345
    assert n.bit_length() > 99_990
    assert bits.from_bits(bits.to_bits(n, 100_001)) == n


def test_rows_round_trip_and_sums():
    rng = np.random.default_rng(1)
    operands = bits.random_operands(rng, 50, 70)
    a, b = bits.rows_to_ints(operands[:, 0]), bits.rows_to_ints(operands[:, 1])
    assert np.array_equal(bits.ints_to_rows(a, 70), operands[:, 0])
    sums = bits.sum_bits(operands, 71)
    assert bits.rows_to_ints(sums) == [x + y for x, y in zip(a, b)]


def test_carries_follow_schoolbook_addition():
    a, b = 0b1011, 0b0111  # 11 + 7
    carry = bits.carries_in(bits.to_bits(a, 5), bits.to_bits(b, 5))
    assert carry.tolist() == [0, 1, 1, 1, 1]


def test_chain_operands_make_long_carry_chains():
    operands = bits.chain_operands(np.random.default_rng(2), 400, 256)
    passes = operands[:, 0] != operands[:, 1]
    longest = max(max(map(len, "".join(map(str, row.astype(int))).split("0"))) for row in passes)
    assert longest > 100  # uniform random numbers of 256 bits almost never exceed ~20


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_operands_are_refused(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        bits.check_operand(bad)


def test_n_bits_must_hold_the_sum():
    assert bits.resolve_n_bits(1024, 16) == 12
    assert bits.resolve_n_bits(1024, 16, 20) == 20
    with pytest.raises(ValueError, match="too small"):
        bits.resolve_n_bits(1024, 1024, 11)
