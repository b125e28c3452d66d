"""Why a sum is right or wrong: explain() on the shipped and the tutorial model."""

from pathlib import Path

import numpy as np
import pytest

import gru_viz
from gru_viz import bits as bitlib
from gru_viz.carry import carry_units
from gru_viz.why import chain_into, chain_runs, explain

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
    assert why.train_bits == 4
    assert f"The first wrong bit is {why.first_wrong}" in why.text
    assert "trained on 4-bit numbers" in why.text
    assert why.unit_start == pytest.approx(float(trace.h[0, units.top]))
    assert why.unit_end == pytest.approx(float(trace.h[why.first_wrong - 1, units.top]))
    assert f"carry unit {units.top} (score" in why.text
    assert why.first_p == pytest.approx(float(trace.p[why.first_wrong]))
