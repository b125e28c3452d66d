import io
import json
import os
import pickle

import numpy as np
import pytest

import gru_viz


@pytest.fixture(scope="module")
def model():
    return gru_viz.load_model()


@pytest.fixture
def saved(model, tmp_path):
    path = tmp_path / "model.npz"
    model.save(path)
    return path


def rewrite(path, change):
    """Load the archive at `path`, let `change` edit its dict of arrays, save it back."""
    with np.load(path) as archive:
        arrays = dict(archive)
    change(arrays)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def test_round_trip_keeps_weights_config_and_answers(model, saved):
    loaded = gru_viz.load_model(saved)
    for name, value in model.weights().items():
        assert np.array_equal(value, loaded.weights()[name])
    assert loaded.config == model.config
    assert loaded.train_config == model.train_config
    assert loaded.provenance == model.provenance
    assert np.array_equal(loaded.trace(1024, 16).z, model.trace(1024, 16).z)


def test_bytes_round_trip(model):
    loaded = gru_viz.load_model_bytes(model.to_bytes(), source="upload.npz")
    assert loaded.trace(123, 456).predicted_sum == 579


def test_file_is_small_and_holds_json_meta(saved):
    assert saved.stat().st_size < 20_000
    with np.load(saved, allow_pickle=False) as archive:
        meta = json.loads(archive["meta"].tobytes())
    assert meta["format"] == "gru-viz-model" and meta["model"]["hidden_size"] == 16


def _truncate(path):
    path.write_bytes(path.read_bytes()[:1500])


def _random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(4000))


def _pickle(path):
    path.write_bytes(pickle.dumps({"Wz": np.zeros((2, 16))}))


def _wrong_shape(path):
    rewrite(path, lambda a: a.update(Uz=np.zeros((16, 15), np.float32)))


def _nan(path):
    rewrite(path, lambda a: a["bh"].__setitem__(3, np.nan))


def _missing(path):
    rewrite(path, lambda a: a.pop("Ur"))


def _float64(path):
    rewrite(path, lambda a: a.update(Wo=a["Wo"].astype(np.float64)))


def _object_array(path):
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["Wz"] = np.array([{"x": 1}], dtype=object)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def _bad_meta(path):
    def change(arrays):
        meta = json.loads(arrays["meta"].tobytes())
        meta["model"]["hidden_size"] = -4
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)

    rewrite(path, change)


def _empty(path):
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "breakage,message",
    [
        (_truncate, "not a readable model file"),
        (_random_bytes, "not a gru-viz model file"),
        (_pickle, "pickled"),
        (_object_array, "pickled"),
        (_wrong_shape, "Uz has shape"),
        (_nan, "bh holds NaN"),
        (_missing, "missing weights \\['Ur'\\]"),
        (_float64, "Wo has dtype float64"),
        (_bad_meta, "hidden_size"),
        (_empty, "not a gru-viz"),
    ],
)
def test_broken_files_give_a_clear_error_naming_the_file(saved, breakage, message):
    breakage(saved)
    with pytest.raises(gru_viz.CheckpointError, match=message) as error:
        gru_viz.load_model(saved)
    assert str(saved) in str(error.value)
    assert isinstance(error.value, ValueError)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(gru_viz.CheckpointError, match="cannot read model file .*nothing.npz"):
        gru_viz.load_model(tmp_path / "nothing.npz")


def test_interrupted_save_leaves_the_old_file(model, saved, monkeypatch):
    before = saved.read_bytes()

    def crash(fd):
        raise OSError("disk went away")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk went away"):
        model.copy().save(saved)
    assert saved.read_bytes() == before
    assert sorted(p.name for p in saved.parent.iterdir()) == [saved.name]


def test_saved_file_is_readable_by_others(saved):
    assert saved.stat().st_mode & 0o044


def test_loading_never_unpickles(saved, monkeypatch):
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    buffer = io.BytesIO(saved.read_bytes())
    assert gru_viz.load_model_bytes(buffer.getvalue()).config.hidden_size == 16
