"""One step of an addition with its real numbers, and jumping between chains and wrong bits."""

import numpy as np
import pytest
from test_page import make_trace

from gru_viz.steps import next_chain, next_wrong, step, walk


def test_a_step_holds_the_numbers_of_its_bit():
    trace = make_trace(0b0111, 0b0001, hidden=3)  # 7 + 1: a carry from bit 0 through bit 3
    s = step(trace, 2, [2, 0])
    assert (s.a, s.b, s.carry_in, s.carry_out, s.true_bit) == (1, 0, 1, 1, 0)
    np.testing.assert_array_equal(s.h_prev, trace.h[1, [2, 0]])
    np.testing.assert_array_equal(s.z, trace.z[2, [2, 0]])
    assert s.units == (2, 0)
    assert "passes the carry on" in s.carry_words
    assert "makes a carry" in step(trace, 0, [0]).carry_words
    assert "ends the carry" in step(trace, 3, [0]).carry_words
    np.testing.assert_array_equal(step(trace, 0, [1]).h_prev, [0.0])  # h_{-1} = 0


def test_a_step_outside_the_addition_is_refused():
    with pytest.raises(ValueError, match="outside this addition's steps 0 to 3"):
        step(make_trace(7, 1), 4, [0])


def test_jumps_go_to_the_next_chain_and_the_next_wrong_bit():
    trace = make_trace(0b1001_0011, 0b1000_0001, wrong_at=(3, 8))
    assert next_chain(trace, -1) == 0 and next_chain(trace, 0) == 7
    assert next_chain(trace, 7) is None
    assert next_wrong(trace, 0) == 3 and next_wrong(trace, 3) == 8
    assert next_wrong(trace, 8) is None


def test_a_walk_takes_the_lowest_bits_up_to_its_limit():
    trace = make_trace(0b1111_1111, 1)  # 9 steps
    assert [s.t for s in walk(trace, [0], 4)] == [0, 1, 2, 3]
    assert len(walk(trace, [0], 100)) == trace.n_bits
    with pytest.raises(ValueError, match="at least 1"):
        walk(trace, [0], 0)
