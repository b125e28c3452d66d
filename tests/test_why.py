"""Why a sum is right or wrong: explain() on the shipped and the tutorial model."""

from pathlib import Path

import numpy as np
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz.carry import carry_units
from gru_viz.why import chain_into, chain_runs, explain, longest_chain

TUTORIAL = Path(__file__).resolve().parent.parent / "assets" / "tutorial.npz"


def carry_of(a: int, b: int) -> np.ndarray:
    n = bitlib.default_n_bits(a, b)
    return bitlib.carries_in(bitlib.to_bits(a, n), bitlib.to_bits(b, n))


def test_chains_are_found_from_the_carries():
    carry = carry_of(0b0111, 0b0001)  # 7 + 1: a chain from bit 0 through bit 3
    assert chain_into(carry, 3) == (0, 3)
    assert chain_into(carry, 0) is None
    assert chain_runs(carry) == [(0, 3)]
    assert chain_runs(carry_of(0b1001_0011, 0b1000_0001)) == [(0, 2), (7, 1)]
    assert chain_runs(carry_of(1024, 16)) == []


def test_the_longest_chain_of_n_bit_numbers_is_found_by_trying_every_pair():
    for n_bits in (1, 2, 3, 4, 5):
        pairs = [(a, b) for a in range(2**n_bits) for b in range(2**n_bits)]
        brute = max(max((n for _, n in chain_runs(carry_of(a, b))), default=0) for a, b in pairs)
        assert longest_chain(n_bits) == brute


@pytest.fixture(scope="module")
def shipped():
    model = gru_viz.load_model()
    return model, carry_units(model)


@pytest.fixture(scope="module")
def tutorial():
    model = gru_viz.load_model(TUTORIAL)
    return model, carry_units(model)


def test_a_right_sum_names_the_unit_that_carried_and_the_smallest_margin(shipped):
    model, units = shipped
    trace = model.trace(2**20 - 1, 1)
    why = explain(trace, model, units)
    assert why.correct and why.first_wrong is None
    assert why.carry_unit == units.top and why.longest_chain == 20
    assert f"Unit {units.top} carried" in why.text
    assert why.min_margin == pytest.approx(np.abs(trace.p - 0.5).min())
    assert "smallest margin" in why.text


def test_a_sum_without_carries_says_so(shipped):
    model, units = shipped
    why = explain(model.trace(1024, 16), model, units)
    assert why.n_carries == 0 and "No position of this sum carries" in why.text


def test_a_wrong_sum_points_at_the_chain_and_the_training_length(tutorial):
    model, units = tutorial
    trace = model.trace(2**20 - 1, 1)  # a carry chain 20 bits long
    why = explain(trace, model, units)
    assert not why.correct
    wrong = np.flatnonzero(trace.bits_pred != trace.bits_true)
    assert why.first_wrong == wrong[0]
    assert why.chain_start == 0 and why.chain_length == why.first_wrong
    assert why.chain_total == 20  # the chain runs on past the first wrong bit, to bit 20
    assert why.train_bits == 4 and why.train_chain == longest_chain(4)
    student, inside = why.text.split("\n\n")  # the story first, the unit's numbers after it
    assert f"The first wrong bit is {why.first_wrong}" in student
    assert "has to travel 20 bits, up to bit 20" in student
    assert f"lets go of it after {why.first_wrong} bits" in student
    assert "trained on 4-bit numbers, so it never saw a carry travel more than 4 bits" in student
    assert "unit" not in student and "score" not in student
    assert why.unit_start == pytest.approx(float(trace.h[0, units.top]))
    assert why.unit_end == pytest.approx(float(trace.h[why.first_wrong - 1, units.top]))
    assert f"carry unit {units.top} (carry score" in inside
    assert why.first_p == pytest.approx(float(trace.p[why.first_wrong]))


def test_one_carry_and_a_chain_of_one_bit_read_as_such(shipped, tutorial):
    model, units = shipped
    why = explain(model.trace(1, 1), model, units)
    assert "This sum has 1 carry, the longest chain 1 bit." in why.text
    model, units = tutorial
    trace = model.trace(25, 25)
    why = explain(trace, model, units)
    assert why.chain_start == why.first_wrong - 1  # the carry is lost where it was made
    assert f"stood at {trace.h[why.chain_start, units.top]:.2f} at bit {why.chain_start:,}" in (
        why.text
    )
    assert "went from" not in why.text


def test_a_chain_no_longer_than_the_training_ones_is_not_blamed_on_the_training(tutorial):
    model, units = tutorial
    trace = model.trace(12345678, 87654321)  # wrong at bit 11, in a chain of 7 bits
    why = explain(trace, model, units)
    assert why.chain_start == 8 and why.chain_total == 7 > why.train_chain
    shorter = explain(trace, _trained_on(model, 8), units)
    assert "no longer than those" in shorter.text and "never saw" not in shorter.text


def _trained_on(model, n_bits: int):
    """`model`, said to be trained on `n_bits`-bit numbers."""
    from types import SimpleNamespace

    return SimpleNamespace(train_bits=n_bits)
