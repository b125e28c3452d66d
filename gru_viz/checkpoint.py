"""Model files: the weights as plain float32 arrays plus one JSON record, in a .npz archive.

The JSON record ("meta") holds the format name and version, the model config, the training
config and the provenance (library versions, the check the model passed). Files are read with
allow_pickle=False and validated in full; `read_model_file` returns plain arrays and dicts, and
gru_viz.model builds the TensorFlow model from them. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from gru_viz.config import ModelConfig, TrainConfig
from gru_viz.weights import weight_shapes

FORMAT = "gru-viz-model"
VERSION = 1
MAX_BYTES = 64 * 2**20  # larger files are refused before they are parsed
ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_PATH = ASSETS / "model.npz"  # the shipped robust model
TUTORIAL_PATH = ASSETS / "tutorial.npz"  # the shipped model trained by the tutorial's recipe


class CheckpointError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


class Saveable(Protocol):
    """What a model file is written from (gru_viz.interface.AdditionModel has it all)."""

    config: ModelConfig
    train_config: dict
    provenance: dict

    def weights(self) -> dict[str, np.ndarray]: ...


@dataclass(frozen=True)
class ModelFile:
    """A validated model file: its config, float32 weights by name, training config and
    provenance."""

    config: ModelConfig
    weights: dict[str, np.ndarray]
    train_config: dict
    provenance: dict


def to_bytes(model: Saveable) -> bytes:
    """The model file's content: weights Wz ... bo and `meta`, a JSON record as uint8."""
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "model": {"hidden_size": model.config.hidden_size, "output": model.config.output},
        "train": model.train_config,
        "provenance": model.provenance,
    }
    buffer = io.BytesIO()
    record = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    np.savez(buffer, meta=record, **model.weights())
    return buffer.getvalue()


def save(model: Saveable, path: str | os.PathLike) -> None:
    """Write the model file atomically: to a temporary file beside `path`, then rename it."""
    path = Path(path)
    data = to_bytes(model)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a model file is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_model_file(path: str | os.PathLike | None = None) -> ModelFile:
    """The model file at `path` (default: the shipped pretrained model), fully validated.

    Raises CheckpointError naming the file and the problem for anything but a valid file.
    """
    path = Path(DEFAULT_PATH if path is None else path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CheckpointError(f"{path}: {size} bytes is larger than a model file can be")
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read model file {path}: {error.strerror or error}") from None
    return read_model_bytes(data, source=str(path))


def read_model_bytes(data: bytes, source: str = "uploaded file") -> ModelFile:
    """The model in the bytes of a model file; `source` names it in error messages."""
    if len(data) > MAX_BYTES:
        raise CheckpointError(f"{source}: {len(data)} bytes is larger than a model file can be")
    arrays, meta = _read_archive(data, source)
    config, train_config, provenance = _read_meta(meta, source)
    weights = _check_weights(arrays, config, source)
    return ModelFile(config, weights, train_config, provenance)


def _read_archive(data: bytes, source: str) -> tuple[dict[str, np.ndarray], dict]:
    if data[:2] != b"PK":
        hint = " (it holds pickled data, which is never loaded)" if data[:1] == b"\x80" else ""
        raise CheckpointError(f"{source} is not a gru-viz model file: not an .npz archive{hint}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:  # zipfile, numpy and zlib each raise their own kinds
        reason = "it holds pickled objects" if "pickle" in str(error) else f"{error}"
        raise CheckpointError(f"{source} is not a readable model file: {reason}") from None
    record = arrays.pop("meta", None)
    if record is None or record.dtype != np.uint8 or record.ndim != 1:
        raise CheckpointError(f"{source} has no 'meta' record, so it is not a gru-viz model file")
    try:
        meta = json.loads(record.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{source}: its 'meta' record is not valid JSON ({error})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{source}: its 'meta' record is not a JSON object")
    return arrays, meta


def _read_meta(meta: dict, source: str) -> tuple[ModelConfig, dict, dict]:
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise CheckpointError(
            f"{source}: format {meta.get('format')!r} version {meta.get('version')!r} is not "
            f"{FORMAT!r} version {VERSION}"
        )
    model, train, provenance = (meta.get(k) for k in ("model", "train", "provenance"))
    if (
        not isinstance(model, dict)
        or not isinstance(train, dict)
        or not isinstance(provenance, dict)
    ):
        raise CheckpointError(f"{source}: 'model', 'train' and 'provenance' must be JSON objects")
    try:
        config = ModelConfig(**model)
        if train:
            TrainConfig.from_dict(train)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{source}: bad configuration: {error}") from None
    return config, train, provenance


def _check_weights(
    arrays: dict[str, np.ndarray], config: ModelConfig, source: str
) -> dict[str, np.ndarray]:
    shapes = weight_shapes(config.hidden_size)
    missing = sorted(set(shapes) - set(arrays))
    extra = sorted(set(arrays) - set(shapes))
    if missing or extra:
        raise CheckpointError(f"{source}: missing weights {missing}, unexpected entries {extra}")
    for name, shape in shapes.items():
        array = arrays[name]
        if array.dtype != np.float32:
            raise CheckpointError(f"{source}: weight {name} has dtype {array.dtype}, not float32")
        if array.shape != shape:
            raise CheckpointError(
                f"{source}: weight {name} has shape {array.shape}; hidden size "
                f"{config.hidden_size} needs {shape}"
            )
        if not np.all(np.isfinite(array)):
            raise CheckpointError(f"{source}: weight {name} holds NaN or infinite values")
    return {name: arrays[name] for name in shapes}
