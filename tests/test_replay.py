import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import gru_viz
from gru_viz.config import ModelConfig
from gru_viz.reference import gru_reference
from gru_viz.replay import (
    Replay,
    SnapshotRecorder,
    load_replay,
    replay_bytes,
    replay_model,
    replay_path,
    save_replay,
)
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

CONFIG = gru_viz.TrainConfig(preset="tutorial", max_steps=60, seed=1)
MB = 2**20


@pytest.fixture(scope="module")
def recorded():
    recorder = SnapshotRecorder()
    model, history = gru_viz.train(CONFIG, on_step=recorder)
    return recorder.replay(model), model, history


def test_the_last_snapshot_is_the_trained_model_exactly(recorded):
    replay, model, history = recorded
    assert replay.steps[0] >= 1 and replay.steps[-1] == history.steps[-1] == 60
    for name, value in model.weights().items():
        np.testing.assert_array_equal(replay.weights_at(-1)[name], value)
    np.testing.assert_array_equal(replay.losses, np.float32(history.losses))
    np.testing.assert_array_equal(replay.check_steps, [step for step, _ in history.checks])
    assert replay.config == model.config and replay.train_config == model.train_config


def test_a_middle_snapshot_holds_the_weights_of_its_step_and_restores(recorded):
    replay = recorded[0]
    i = len(replay) // 2
    assert 0 < i < len(replay) - 1
    step = int(replay.steps[i])
    # Training is deterministic, so the model trained for exactly `step` steps is the truth.
    truth, _ = gru_viz.train(gru_viz.TrainConfig(preset="tutorial", max_steps=step, seed=1))
    for name, value in truth.weights().items():
        np.testing.assert_array_equal(replay.weights_at(i)[name], value)
    restored = replay_model(replay, i)
    trace = restored.trace(11, 6)
    x = np.stack([trace.bits_a, trace.bits_b], axis=-1)[None].astype(np.float32)  # (1, T, 2)
    reference = gru_reference(x, replay.weights_at(i))
    for name in ("z", "r", "h_tilde", "h", "y"):
        np.testing.assert_allclose(getattr(trace, name), reference[name][0], atol=1e-5)
    with pytest.raises(ValueError, match="snapshot"):
        replay_model(replay, len(replay))


class FakeModel:
    """Weights that are a function of the step they were last changed at."""

    config = ModelConfig(hidden_size=2)
    train_config: dict = {}

    def __init__(self) -> None:
        self.changed_at = 0

    def weights(self) -> dict[str, np.ndarray]:
        return {n: np.full(s, self.changed_at, np.float32) for n, s in weight_shapes(2).items()}


def record(n_steps: int, chunk: int, check_every: int, max_snapshots: int = 40) -> Replay:
    """Replay of a fake training whose reports come in chunks of `chunk` steps, each reporting
    the weights as they are at the end of the chunk (as gru_viz.train does)."""
    model, recorder = FakeModel(), SnapshotRecorder(max_snapshots)
    for first in range(1, n_steps + 1, chunk):
        model.changed_at = min(first + chunk - 1, n_steps)
        for step in range(first, model.changed_at + 1):
            accuracy = {4: 1.0} if step % check_every == 0 else None
            recorder(gru_viz.training.StepInfo(step, n_steps, 1.0 / step, accuracy, model))
    return recorder.replay()


def test_spacing_keeps_the_early_steps_and_at_most_max_snapshots():
    replay = record(n_steps=5000, chunk=1, check_every=25)
    steps = list(replay.steps)
    assert len(steps) == 40 and steps[0] == 1 and steps[-1] == 5000
    assert {1, 2, 3, 4, 6, 8} <= set(steps)
    assert steps == sorted(set(steps))
    assert sum(s <= 100 for s in steps) >= 10  # a log scale: as many below 100 as above 1000
    for i, step in enumerate(steps):  # each snapshot holds its own step's weights
        assert replay.weights_at(i)["Uz"][0, 0] == step
    assert len(record(n_steps=30, chunk=1, check_every=25).steps) < 40


def test_chunked_reports_are_labelled_with_the_step_their_weights_belong_to():
    replay = record(n_steps=230, chunk=25, check_every=50)
    # Kept: chunks holding a step 2**k or 3 * 2**k (1-24, 32, 48, 64, 96, 128, 192) or a
    # check (every 50), labelled with their last step, and the last step.
    assert list(replay.steps) == [25, 50, 75, 100, 150, 200, 230]
    for i, step in enumerate(replay.steps):
        assert replay.weights_at(i)["bo"][0] == step


def test_the_recorder_refuses_a_second_training():
    model, recorder = FakeModel(), SnapshotRecorder()
    recorder(gru_viz.training.StepInfo(1, 2, 1.0, None, model))
    with pytest.raises(ValueError, match="one training"):
        recorder(gru_viz.training.StepInfo(1, 2, 1.0, None, model))
    with pytest.raises(ValueError, match="max_snapshots"):
        SnapshotRecorder(1)


def test_save_and_load_round_trip(recorded, tmp_path):
    replay = recorded[0]
    path = replay_path(tmp_path / "model.npz")
    assert path.name == "model.replay.npz"
    save_replay(replay, path)
    loaded = load_replay(path)
    for field in ("steps", "losses", "check_steps", "check_bits", "check_accuracy"):
        np.testing.assert_array_equal(getattr(loaded, field), getattr(replay, field))
    for name in WEIGHT_NAMES:
        np.testing.assert_array_equal(loaded.weights[name], replay.weights[name])
    assert loaded.config == replay.config and loaded.train_config == replay.train_config
    assert path.stat().st_size < 40_000  # 3 snapshots of 16 units and 60 losses


# MALFORMED FILES


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def archive(items: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in items.items():
            out.writestr(name, content)
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def changed(good: bytes, **arrays: np.ndarray) -> bytes:
    items = entries(good)
    items.update({f"{name}.npy": npy(value) for name, value in arrays.items()})
    return archive(items)


def with_meta(good: bytes, **fields: object) -> bytes:
    meta = json.loads(np.load(io.BytesIO(entries(good)["meta.npy"])).tobytes())
    meta.update(fields)
    return changed(good, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))


def bomb(good: bytes, mb: int = 200) -> bytes:
    """The Uz entry replaced by one that unpacks to `mb` MB of zeros (a small file)."""
    items = {n: c for n, c in entries(good).items() if n != "Uz.npy"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in items.items():
            out.writestr(name, content)
        with out.open("Uz.npy", "w", force_zip64=True) as stream:
            header = io.BytesIO()
            shape = (mb * MB // 4 // 256, 16, 16)
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f4", "fortran_order": False, "shape": shape}
            )
            stream.write(header.getvalue())
            for _ in range(mb):
                stream.write(bytes(MB))
    return buffer.getvalue()


def nan_weight(good: bytes) -> bytes:
    value = np.load(io.BytesIO(entries(good)["Wz.npy"])).copy()
    value[0, 0, 0] = np.nan
    return changed(good, Wz=value)


MALFORMED = {
    "random bytes": (lambda g: np.random.default_rng(0).bytes(3000), "not a gru-viz replay"),
    "cut short": (lambda g: g[: len(g) // 2], "not a readable"),
    "a model file": (lambda g: gru_viz.load_model().to_bytes(), "no 'steps.npy'"),
    "extra entry": (lambda g: archive({**entries(g), "notes.txt": b"hi"}), "unexpected"),
    "pickled steps": (lambda g: changed(g, steps=np.array([1, "x"], object)), "pickled"),
    "float steps": (lambda g: changed(g, steps=np.array([25.0, 50.0, 60.0])), "dtype"),
    "steps going back": (lambda g: changed(g, steps=np.array([25, 60, 50])), "increase"),
    "steps past the losses": (lambda g: changed(g, steps=np.array([25, 50, 61])), "increase"),
    "weights of the wrong shape": (lambda g: changed(g, bo=np.zeros((2, 1), "<f4")), "shape"),
    "NaN weight": (nan_weight, "NaN"),
    "accuracy above 1": (
        lambda g: changed(g, check_accuracy=np.full((2, 1), 2.0, "<f4")),
        "fractions",
    ),
    "another format": (lambda g: with_meta(g, format="gru-viz-model"), "format"),
    "bad config": (lambda g: with_meta(g, model={"hidden_size": -1}), "bad configuration"),
    "bomb": (bomb, "unpacks to"),
}


@pytest.fixture(scope="module")
def good(recorded) -> bytes:
    return replay_bytes(recorded[0])


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_replay_files_are_refused_cheaply_naming_the_file(good, tmp_path, name):
    make, says = MALFORMED[name]
    path = tmp_path / "model.replay.npz"
    path.write_bytes(make(good))
    tracemalloc.start()
    try:
        with pytest.raises(gru_viz.CheckpointError, match=says) as error:
            load_replay(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(error.value) and len(str(error.value)) < 300
    assert peak < 8 * MB


def test_an_unloadable_replay_is_not_saved(recorded, tmp_path):
    replay = recorded[0]
    broken = Replay(**{**replay.__dict__, "steps": replay.steps[::-1].copy()})
    with pytest.raises(ValueError, match="cannot save"):
        save_replay(broken, tmp_path / "x.replay.npz")
    assert not list(tmp_path.iterdir())
