"""The TensorFlow GRU against the independent numpy reference, and its gate properties."""

import numpy as np
import pytest

from gru_viz.config import ModelConfig
from gru_viz.model import LARGE_BATCH, UNROLL, GRUModel, padded_steps
from gru_viz.reference import gru_reference
from gru_viz.weights import init_weights, weight_shapes


def random_model(hidden_size: int, seed: int, scale: float = 1.0) -> GRUModel:
    """Random weights; recurrent ones scaled by 1/sqrt(H) so long runs stay out of chaos,
    where float32 and float64 would part ways whatever the implementation."""
    rng = np.random.default_rng(seed)
    weights = {
        name: (scale * rng.standard_normal(shape)).astype(np.float32)
        for name, shape in weight_shapes(hidden_size).items()
    }
    for name in ("Uz", "Ur", "Uh"):
        weights[name] /= np.float32(np.sqrt(hidden_size))
    return GRUModel(ModelConfig(hidden_size=hidden_size), weights)


@pytest.mark.parametrize("hidden_size,n_steps", [(1, 1), (4, 7), (16, 64), (33, 200), (16, 1025)])
def test_forward_pass_matches_numpy_reference(hidden_size, n_steps):
    model = random_model(hidden_size, seed=hidden_size)
    x = np.random.default_rng(n_steps).integers(0, 2, (3, n_steps, 2)).astype(np.float32)
    got = model.run(x)
    want = gru_reference(x, model.weights())
    for name in ("z", "r", "h_tilde", "h"):
        assert got[name].shape == (3, n_steps, hidden_size)
        np.testing.assert_allclose(got[name], want[name], atol=1e-5, rtol=0, err_msg=name)
    np.testing.assert_allclose(got["y"], want["y"], atol=1e-5 * hidden_size, rtol=0)


@pytest.mark.parametrize(
    "batch,n_steps,ablated",
    [
        (1, 32, ()),  # exactly the padded length: the last iteration runs past it
        (2, 1280, (3,)),  # the same above FINE_FROM, with a unit held at 0
        (5, 33, (0, 15)),
        (LARGE_BATCH, 97, ()),  # the large-batch path: matrix products, y stored in the loop
        (LARGE_BATCH + 3, 64 + UNROLL + 1, (1, 2)),
    ],
)
def test_forward_pass_matches_reference_for_batches_lengths_and_ablations(batch, n_steps, ablated):
    model = random_model(16, seed=9).copy(ablated=ablated)
    x = np.random.default_rng(n_steps).integers(0, 2, (batch, n_steps, 2)).astype(np.float32)
    want = gru_reference(x, model.weights(), mask=model.mask())
    got = model.run(x)
    for name in ("z", "r", "h_tilde", "h"):
        assert got[name].shape == (batch, n_steps, 16) and got[name].dtype == np.float32
        np.testing.assert_allclose(got[name], want[name], atol=1e-5, rtol=0, err_msg=name)
    assert np.all(got["h"][:, :, list(ablated)] == 0)
    for out in (got, model.run(x, keep_internals=False)):
        assert out["y"].shape == (batch, n_steps)
        np.testing.assert_allclose(out["y"], want["y"], atol=1e-5 * 16, rtol=0)
    assert set(model.run(x, keep_internals=False)) == {"y"}


def test_predict_bits_in_parallel_parts_matches_the_reference():
    from gru_viz import bits as bitlib
    from gru_viz.addition import PARALLEL_CALLS, PARALLEL_PART_PAIRS

    model = random_model(16, seed=11)
    n_pairs = PARALLEL_CALLS * PARALLEL_PART_PAIRS + 1  # split into parts run at once
    operands = bitlib.random_operands(np.random.default_rng(3), n_pairs, 40)
    y = gru_reference(bitlib.model_inputs(operands, 41), model.weights())["y"]  # (N, T)
    certain = np.abs(model.probabilities(y) - 0.5) > 1e-4  # bits float32 cannot flip
    got = model.predict_bits(operands, 41)
    assert got.shape == (n_pairs, 41) and got.dtype == np.int8
    assert np.array_equal(got[certain], (model.probabilities(y) > 0.5)[certain])


def test_padding_is_a_power_of_two_then_at_most_a_quarter():
    assert [padded_steps(n) for n in (1, 32, 33, 1024)] == [32, 32, 64, 1024]
    assert [padded_steps(n) for n in (1025, 16385, 65537)] == [1280, 20480, 81920]
    for n in range(1, 5000, 7):
        assert n <= padded_steps(n) <= max(32, 1.25 * n, 2 * n if n <= 1024 else 0)


def test_trace_matches_reference_and_reports_the_sum():
    model = random_model(8, seed=5, scale=0.5)
    trace = model.trace(1024, 16)
    x = np.stack([trace.bits_a, trace.bits_b], axis=-1)[None].astype(np.float32)
    want = gru_reference(x, model.weights())
    np.testing.assert_allclose(trace.z, want["z"][0], atol=1e-5)
    np.testing.assert_allclose(trace.h, want["h"][0], atol=1e-5)
    assert trace.n_bits == 12 and trace.z.shape == (12, 8)
    assert trace.true_sum == 1040
    assert np.all((trace.p >= 0) & (trace.p <= 1))
    assert trace.predicted_sum == int("".join(map(str, trace.bits_pred[::-1])), 2)


def test_gates_lie_in_unit_interval():
    trace = random_model(16, seed=1, scale=3.0).trace(2**300 - 1, 12345)
    for gate in (trace.z, trace.r):
        assert gate.min() >= 0.0 and gate.max() <= 1.0
    assert np.abs(trace.h).max() <= 1.0 and np.abs(trace.h_tilde).max() <= 1.0


def test_where_update_gate_is_zero_state_passes_unchanged():
    # z = sigmoid(200 a + 200 b - 300): 1 where a = b = 1, exactly 0 in float32 elsewhere.
    model = random_model(6, seed=2)
    weights = model.weights()
    weights.update(Wz=np.full((2, 6), 200.0, np.float32), Uz=np.zeros((6, 6), np.float32))
    weights["bz"] = np.full(6, -300.0, np.float32)
    model = GRUModel(ModelConfig(hidden_size=6), weights)
    trace = model.trace(0b1011_0111_0011, 0b0011_0101_1011)
    closed = trace.z.max(axis=1) == 0.0
    assert closed.sum() >= 5 and (~closed).sum() >= 3
    for t in np.flatnonzero(closed)[1:]:
        assert np.array_equal(trace.h[t], trace.h[t - 1])
    assert np.any(trace.h != 0)


def test_linear_output_is_clipped_into_probabilities():
    model = random_model(4, seed=3, scale=4.0)
    model = GRUModel(ModelConfig(hidden_size=4, output="linear"), model.weights())
    trace = model.trace(77, 99)
    assert np.array_equal(trace.p, np.clip(trace.y, 0, 1))
    assert np.array_equal(trace.bits_pred, (trace.y > 0.5).astype(np.int8))


def test_n_bits_pads_with_leading_zeros():
    model = random_model(4, seed=4)
    trace = model.trace(5, 3, n_bits=20)
    assert trace.n_bits == 20 and trace.bits_a.tolist()[:4] == [1, 0, 1, 0]


@pytest.mark.parametrize(
    "a,b,n_bits,message",
    [
        (-1, 2, None, "non-negative"),
        (1.0, 2, None, "non-negative"),
        (True, 2, None, "bool"),
        (3, "4", None, "non-negative"),
        (1024, 1024, 11, "too small"),
        (1, 2, 0, "too small"),
    ],
)
def test_bad_trace_arguments_raise_value_error(a, b, n_bits, message):
    with pytest.raises(ValueError, match=message):
        random_model(4, seed=0).trace(a, b, n_bits=n_bits)


def test_init_weights_are_seeded_and_shaped():
    config = ModelConfig(hidden_size=5)
    one = init_weights(config, np.random.default_rng(7), "truncated_normal", 0.01)
    two = init_weights(config, np.random.default_rng(7), "truncated_normal", 0.01)
    for name, shape in weight_shapes(5).items():
        assert one[name].shape == shape and np.array_equal(one[name], two[name])
    assert np.abs(one["Uz"]).max() <= 0.02
