"""The hand-made adder: written, not trained; exact at any length, and proved."""

import numpy as np
import pytest

import gru_viz
from gru_viz import certificate, cli, proof, proof_check
from gru_viz.checkpoint import ASSETS, HANDMADE_PATH
from gru_viz.handmade import DERIVATION, HIDDEN, handmade_weights
from gru_viz.reference import gru_reference


@pytest.fixture(scope="module")
def model():
    return gru_viz.handmade_adder()


def test_it_is_the_shipped_file_and_the_command_writes_it(model, tmp_path, capsys):
    shipped = gru_viz.load_model(HANDMADE_PATH)
    assert shipped.fingerprint() == model.fingerprint()
    assert cli.main(["handmade", "-o", str(tmp_path / "h.npz")]) == 0
    assert gru_viz.load_model(tmp_path / "h.npz").fingerprint() == model.fingerprint()
    assert "certify" in capsys.readouterr().out
    assert model.hidden_size == HIDDEN == 2 and model.train_config == {}


def test_it_adds_65536_bit_numbers_and_long_carries(model):
    rng = np.random.default_rng(0)
    a, b = (int(rng.integers(0, 2, 65536).dot(1 << np.arange(65536, dtype=object))) for _ in "ab")
    for x, y in [(2**65536 - 1, 1), (1, 2**65536 - 1), (2**65535 + 12345, 2**65535 - 1), (a, b)]:
        trace = model.trace(x, y)
        assert trace.correct and trace.n_bits == 65537
        assert np.abs(trace.y).min() > 9.9  # |y| >= 10 on every bit, as written


def test_its_length_curve_is_exact_to_65536_bits(model):
    curve = gru_viz.length_curve(model, lengths=(1, 7, 64, 1024, 65536), pairs=(50, 50, 50, 20, 2))
    assert curve.uniform.min() == 1.0 and curve.stress.min() == 1.0


def test_the_numpy_reference_gives_every_sum_bit_of_every_short_addition():
    from gru_viz import bits as bitlib

    pairs = np.array([(a, b) for a in range(64) for b in range(64)])
    operands = np.stack(
        [
            bitlib.ints_to_rows(pairs[:, 0].tolist(), 6),
            bitlib.ints_to_rows(pairs[:, 1].tolist(), 6),
        ],
        axis=1,
    )
    y = gru_reference(bitlib.model_inputs(operands, 7), handmade_weights())["y"]  # (N, 7)
    assert np.array_equal((y > 0).astype(np.int8), bitlib.sum_bits(operands, 7))


def test_it_is_proved_and_the_shipped_certificate_is_valid(model, tmp_path):
    found = proof.certify(model)
    assert found.proved, found.reason
    certificate.save_certificate(found, tmp_path / "h.cert.npz")
    assert proof_check.check(HANDMADE_PATH, tmp_path / "h.cert.npz")[0]
    ok, reason = proof_check.check(HANDMADE_PATH, ASSETS / "handmade.cert.npz")
    assert ok, reason
    assert gru_viz.counterexample(model) is None


def test_every_weight_it_sets_is_in_the_derivation():
    named = " ".join(step.weights for step in DERIVATION)
    for name, value in handmade_weights().items():
        if value.any():
            assert name in named, name
