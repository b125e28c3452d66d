import numpy as np
import pytest

import gru_viz
from gru_viz import bits
from gru_viz.evaluate import exact_accuracy, random_accuracy


@pytest.fixture(scope="module")
def shipped():
    return gru_viz.load_model()


def test_shipped_model_adds_the_articles_example(shipped):
    trace = shipped.trace(1024, 16)
    assert trace.predicted_sum == 1040 and trace.correct


def test_shipped_model_is_exact_on_random_1024_bit_additions(shipped):
    assert random_accuracy(shipped, np.random.default_rng(2024), 300, 1024) == 1.0


def test_shipped_model_is_exact_on_long_carry_chains(shipped):
    a = 2**4096 - 1
    assert shipped.trace(a, 1).predicted_sum == a + 1
    assert exact_accuracy(shipped, bits.chain_operands(np.random.default_rng(3), 100, 2048)) == 1.0


def test_shipped_model_records_its_provenance(shipped):
    assert shipped.train_config["preset"] == "robust"
    assert shipped.provenance["stopped"] == "converged"
    assert {"tensorflow", "numpy", "check"} <= set(shipped.provenance)


def test_short_seeded_run_learns_exact_64_bit_addition():
    steps = []
    model, history = gru_viz.train(gru_viz.TrainConfig(seed=3), on_step=lambda i: steps.append(i))
    assert history.stopped == "converged"
    assert random_accuracy(model, np.random.default_rng(0), 500, 64) == 1.0
    assert [s.step for s in steps] == history.steps
    checks = [s for s in steps if s.accuracy is not None]
    assert checks and all(s.step % 25 == 0 for s in checks)
    assert checks[-1].accuracy == {256: 1.0}


def test_same_seed_gives_the_same_model():
    config = gru_viz.TrainConfig(seed=11, max_steps=20)
    one, _ = gru_viz.train(config)
    two, _ = gru_viz.train(config)
    other, _ = gru_viz.train(gru_viz.TrainConfig(seed=12, max_steps=20))
    for name, value in one.weights().items():
        assert np.array_equal(value, two.weights()[name]), name
    assert not np.array_equal(one.weights()["Uz"], other.weights()["Uz"])


def test_callback_can_stop_training():
    model, history = gru_viz.train(on_step=lambda info: info.step == 7)
    assert history.stopped == "stopped" and history.steps[-1] == 7


def test_tutorial_preset_follows_the_article():
    config = gru_viz.TrainConfig(preset="tutorial", max_steps=60)
    assert (config.hidden_size, config.learning_rate, config.batch_size) == (16, 1e-3, 100)
    assert (config.output, config.loss, config.n_examples) == ("linear", "quadratic", 100)
    model, history = gru_viz.train(config)
    assert history.stopped == "max_steps" and len(history.losses) == 60
    assert history.losses[-1] < history.losses[0]
    assert set(history.checks[-1][1]) == {4}  # the held-out 5-bit sums (4-bit operands)


@pytest.mark.parametrize(
    "field,value",
    [
        ("preset", "fast"),
        ("hidden_size", 0),
        ("learning_rate", -1.0),
        ("batch_size", 2.5),
        ("max_steps", True),
        ("train_bits", 1),
        ("output", "softmax"),
        ("seed", -3),
    ],
)
def test_bad_config_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        gru_viz.TrainConfig(**{field: value})
