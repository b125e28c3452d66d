"""Cells with a gate held at 1 (ModelConfig.held_gates): the TensorFlow passes against the numpy
reference, training them, their model files and their proofs."""

import numpy as np
import pytest

import gru_viz
from gru_viz import certificate, checkpoint, proof, proof_check
from gru_viz.config import ModelConfig, TrainConfig
from gru_viz.model import LARGE_BATCH, GRUModel, gru_sequence, tf
from gru_viz.reference import gru_reference
from gru_viz.weights import weight_shapes

HELD = [("z",), ("r",), ("z", "r")]


def random_weights(hidden_size: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    weights = {
        name: rng.standard_normal(shape).astype(np.float32)
        for name, shape in weight_shapes(hidden_size).items()
    }
    for name in ("Uz", "Ur", "Uh"):
        weights[name] /= np.float32(np.sqrt(hidden_size))
    return weights


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("batch,n_steps", [(3, 40), (LARGE_BATCH, 70)])
def test_inference_with_held_gates_matches_the_numpy_reference(held, batch, n_steps):
    model = GRUModel(ModelConfig(hidden_size=6, held_gates=held), random_weights(6, seed=4))
    x = np.random.default_rng(n_steps).integers(0, 2, (batch, n_steps, 2)).astype(np.float32)
    want = gru_reference(x, model.weights(), held=held)
    got = model.run(x)
    for name in ("z", "r", "h_tilde", "h"):
        np.testing.assert_allclose(got[name], want[name], atol=1e-5, rtol=0, err_msg=name)
    for gate in held:
        assert np.all(got[gate] == 1.0)
    np.testing.assert_allclose(model.run(x, keep_internals=False)["y"], want["y"], atol=1e-4)
    free = GRUModel(ModelConfig(hidden_size=6), random_weights(6, seed=4)).run(x)
    assert not np.allclose(free["h"], got["h"], atol=1e-3), "holding a gate changes the model"


@pytest.mark.parametrize("held", HELD)
def test_the_training_pass_with_held_gates_matches_the_numpy_reference(held):
    weights = random_weights(5, seed=8)
    x = np.random.default_rng(1).integers(0, 2, (4, 12, 2)).astype(np.float32)
    variables = [tf.constant(weights[n]) for n in weight_shapes(5)]
    got = gru_sequence(tf.constant(x), *variables, held=held)
    want = gru_reference(x, weights, held=held)
    for name in ("z", "r", "h", "y"):
        np.testing.assert_allclose(got[name].numpy(), want[name], atol=1e-5, err_msg=name)


def test_the_reference_holds_the_update_gate_as_a_plain_tanh_rnn():
    weights = random_weights(3, seed=2)
    x = np.random.default_rng(0).integers(0, 2, (2, 9, 2)).astype(np.float64)
    out = gru_reference(x, weights, held=("z", "r"))
    h = np.zeros((2, 3))
    w = {n: v.astype(np.float64) for n, v in weights.items()}
    for t in range(9):  # h_t = tanh(x_t Wh + h_{t-1} Uh + bh)
        h = np.tanh(x[:, t] @ w["Wh"] + h @ w["Uh"] + w["bh"])
        np.testing.assert_allclose(out["h"][:, t], h, atol=1e-12)


@pytest.mark.parametrize("held", HELD)
def test_training_with_held_gates_runs_and_the_file_carries_them(held, tmp_path):
    config = TrainConfig(hidden_size=3, max_steps=4, check_every=2, check_pairs=2, seed=5)
    config = TrainConfig(**{**config.to_dict(), "held_gates": held, "check_bits": (8,)})
    model, history = gru_viz.train(config)
    assert len(history.losses) == 4 and all(np.isfinite(history.losses))
    assert model.config.held_gates == held
    for gate in held:  # unused, so zero in the file
        for name in (f"W{gate}", f"U{gate}", f"b{gate}"):
            assert not model.weights()[name].any(), name
    full, _ = gru_viz.train(TrainConfig(**{**config.to_dict(), "held_gates": ()}))
    assert not np.array_equal(full.weights()["Uh"], model.weights()["Uh"])
    path = tmp_path / "held.npz"
    model.save(path)
    again = gru_viz.load_model(path)
    assert again.config.held_gates == held and again.train_config["held_gates"] == list(held)
    assert again.fingerprint() == model.fingerprint()
    assert (
        again.fingerprint() != GRUModel(ModelConfig(hidden_size=3), model.weights()).fingerprint()
    )


def test_the_same_seed_draws_the_same_other_weights_with_a_gate_held():
    first = dict(hidden_size=3, max_steps=1, check_every=1, check_pairs=2, check_bits=(4,))
    full, _ = gru_viz.train(TrainConfig(**first, learning_rate=1e-9))
    held, _ = gru_viz.train(TrainConfig(**first, learning_rate=1e-9, held_gates=("z",)))
    np.testing.assert_allclose(full.weights()["Uh"], held.weights()["Uh"], atol=1e-6)


@pytest.mark.parametrize("bad", ["z", ("z", "z"), ("h",), [1]])
def test_bad_held_gates_are_refused(bad):
    with pytest.raises(ValueError, match="held_gates"):
        ModelConfig(held_gates=bad)


def test_a_file_whose_training_disagrees_with_its_model_is_refused(tmp_path):
    model = GRUModel(ModelConfig(hidden_size=2, held_gates=("z",)), random_weights(2, 0))
    model.train_config = TrainConfig(hidden_size=2).to_dict()  # trained as a GRU: a lie
    path = tmp_path / "lie.npz"
    model.save(path)
    with pytest.raises(checkpoint.CheckpointError, match="trained holding"):
        gru_viz.load_model(path)


def test_the_checker_holds_a_held_gate_at_one(tmp_path):
    """A certificate of a model that holds z at 1 is valid for that model, and not for the same
    weights with z free (which the checker would otherwise be told to trust)."""
    from gru_viz.handmade import handmade_adder

    weights = handmade_adder().weights()
    weights.update(Wz=np.full((2, 2), 3.0, np.float32), bz=np.full(2, -40.0, np.float32))
    held = GRUModel(ModelConfig(hidden_size=2, held_gates=("z",)), weights)
    found = proof.certify(held)
    assert found.proved, found.reason
    model_path, cert = tmp_path / "held.npz", tmp_path / "held.cert.npz"
    held.save(model_path)
    certificate.save_certificate(found, cert)
    assert proof_check.check(model_path, cert)[0]
    free = GRUModel(ModelConfig(hidden_size=2), weights)  # z shut: the state never moves
    free.save(tmp_path / "free.npz")
    ok, reason = proof_check.check(tmp_path / "free.npz", cert)
    assert not ok, reason
