from pathlib import Path

import numpy as np
import pytest

import gru_viz
from gru_viz import automaton as au
from gru_viz import bits as bitlib
from gru_viz import extraction as ex
from gru_viz.figures import machine

TUTORIAL = Path(__file__).resolve().parent.parent / "assets" / "tutorial.npz"


@pytest.fixture(scope="module")
def shipped():
    return ex.extract_automaton(gru_viz.load_model(), seed=0)


@pytest.fixture(scope="module")
def tutorial_model():
    return gru_viz.load_model(TUTORIAL)


def adder_bits(a: int, b: int) -> tuple[np.ndarray, np.ndarray, int]:
    n_bits = bitlib.default_n_bits(a, b)
    return bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits), n_bits


def test_the_shipped_model_is_the_two_state_adder(shipped):
    assert shipped.is_adder
    assert shipped.n_states == 2 and shipped.start == 0
    assert shipped.agreement_random == 1.0 and shipped.agreement_stress == 1.0
    assert shipped.first_departure is None
    assert shipped.consistency >= 0.95
    # h = 0 before bit 0 behaves as "carry 0", so minimization merged it into that state.
    assert shipped.cluster_state[0] == shipped.start
    assert shipped.out[0] == (0, 1, 1, 0) and shipped.next[0] == (0, 0, 0, 1)


def test_extraction_is_deterministic_for_a_seed(shipped):
    again = ex.extract_automaton(gru_viz.load_model(), seed=0)
    assert again == shipped
    np.testing.assert_array_equal(again.centroids, shipped.centroids)


def test_the_tutorial_model_is_not_the_adder(tutorial_model):
    machine = ex.extract_automaton(tutorial_model, seed=0)
    assert not machine.is_adder and machine.n_states > 2
    assert machine.agreement_random < 1.0
    assert machine.consistency < 0.9
    assert machine.first_departure is not None
    a, b, position = machine.first_departure
    bits_a, bits_b, n_bits = adder_bits(a, b)
    assert position < n_bits <= 8  # found among the shortest additions
    predicted = tutorial_model.trace(a, b).bits_pred  # (T,)
    assert predicted[position] != au.run_machine(machine, bits_a, bits_b)[position]


def test_minimize_merges_equivalent_states_and_drops_unreachable_ones():
    adder = au.textbook_adder()
    # Carry 0 and carry 1 each twice (0, 1 and 2, 3), crossing over; state 4 is unreachable.
    nxt = ((1, 1, 0, 2), (0, 0, 1, 3), (1, 2, 3, 3), (0, 3, 2, 2), (0, 0, 0, 0))
    out = adder.out[:1] * 2 + adder.out[1:] * 2 + ((1, 1, 1, 1),)
    counts = ((1, 1, 1, 1), (2, 2, 2, 2), (3, 3, 3, 3), (4, 4, 4, 4), (9, 9, 9, 9))
    redundant = au.Automaton(nxt, out, start=0, counts=counts)
    assert not redundant.is_adder
    small = au.minimize(redundant)
    assert small.is_adder and small.n_states == 2
    assert small.cluster_state == (0, 0, 1, 1, au.UNSEEN)
    assert small.counts == ((3, 3, 3, 3), (7, 7, 7, 7))


def test_minimize_keeps_states_that_differ_only_later():
    # A three-step cycle emitting 0, 0, 1: the first two differ only in what follows.
    cycle = au.Automaton(((1,) * 4, (2,) * 4, (0,) * 4), ((0,) * 4, (0,) * 4, (1,) * 4))
    small = au.minimize(cycle)
    assert (small.next, small.out, small.start) == (cycle.next, cycle.out, cycle.start)


def test_the_textbook_adder_adds_exactly():
    adder = au.textbook_adder()
    rng = np.random.default_rng(0)
    for n in rng.integers(1, 300, size=50):
        a, b = (int(v) for v in ex._random_ints(rng, [int(n), int(n)]))
        bits_a, bits_b, n_bits = adder_bits(a, b)
        assert bitlib.from_bits(au.run_machine(adder, bits_a, bits_b)) == a + b
        path = au.machine_path(adder, bits_a, bits_b)  # (T + 1,)
        np.testing.assert_array_equal(path[:-1], bitlib.carries_in(bits_a, bits_b))
    swapped = tuple(tuple(1 - t for t in row) for row in adder.next[::-1])  # carry 1 is state 0
    assert au.Automaton(swapped, adder.out[::-1], start=1).is_adder
    assert not au.Automaton(swapped, adder.out[::-1], start=0).is_adder


def test_a_machine_that_meets_an_unseen_move_is_lost():
    holey = au.Automaton(((0, 0, 0, au.UNSEEN),), ((0, 1, 1, au.UNSEEN),))
    bits_a, bits_b = np.array([1, 1, 0]), np.array([0, 1, 0])
    np.testing.assert_array_equal(au.run_machine(holey, bits_a, bits_b), [1, -1, -1])
    np.testing.assert_array_equal(au.machine_path(holey, bits_a, bits_b), [0, 0, -1, -1])


def test_to_dot_labels_every_edge_and_draws_the_highlight():
    adder = au.textbook_adder()
    plain = machine.to_dot(adder)
    assert plain.startswith("digraph") and "start -> s0;" in plain
    for state in range(2):
        for i, bit in enumerate(adder.out[state]):
            assert au.Automaton.label(i, bit) in plain
    assert 's1 -> s1 [label="0 1 / 0\\n1 0 / 0\\n1 1 / 1"]' in plain  # parallel edges merged
    assert machine.DEFAULT_COLOURS["highlight"] not in plain
    path = au.machine_path(adder, *adder_bits(3, 1)[:2])  # 3 + 1: carry 0, 1, 1, 0
    lit = machine.to_dot(adder, highlight_path=path, colours={"highlight": "#00ff00"})
    edges = [line for line in lit.splitlines() if "->" in line and "label=" in line]
    hot = {line.split(" [")[0].strip() for line in edges if "#00ff00" in line}
    assert hot == {"s0 -> s1", "s1 -> s1", "s1 -> s0"}
    assert "penwidth" in lit and 's1 [label="carry 1", color="#00ff00"' in lit
