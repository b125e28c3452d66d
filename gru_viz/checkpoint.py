"""Model files: the weights as plain float32 arrays plus one JSON record, in a .npz archive.

The JSON record ("meta") holds the format name and version, the model config, the training
config and the provenance (library versions, the check the model passed). Files are read with
allow_pickle=False and validated in full; `read_model_file` returns plain arrays and dicts, and
gru_viz.model builds the TensorFlow model from them. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import glob
import io
import json
import os
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from gru_viz.config import ModelConfig, TrainConfig
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

FORMAT = "gru-viz-model"
VERSION = 1
META = "meta"  # the archive entry that holds the JSON record
MAX_FILE_HIDDEN = 256  # hidden units a model file may have (the app's panel trains up to 256)
MAX_ARRAY_BYTES = 4 * MAX_FILE_HIDDEN**2  # the largest weight (H, H) in float32: 256 KiB
MAX_META_BYTES = 64 * 2**10  # the JSON record
MAX_HEADER = 1024  # bytes of .npy header; numpy writes 128
MAX_BYTES = 2**20  # larger files are refused before they are parsed (H = 256 takes ~0.8 MB)
STALE_SECONDS = 60.0  # a save's temporary file older than this was left by a killed save
ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_PATH = ASSETS / "model.npz"  # the shipped robust model
TUTORIAL_PATH = ASSETS / "tutorial.npz"  # the shipped model trained by the tutorial's recipe
PROVED_PATH = ASSETS / "proved.npz"  # the shipped model of the provable preset, with its proof
HANDMADE_PATH = ASSETS / "handmade.npz"  # gru_viz.handmade_adder: written, not trained


class CheckpointError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


class Saveable(Protocol):
    """What a model file is written from (gru_viz.addition.AdditionModel has it all)."""

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
        "model": model.config.to_dict(),
        "train": model.train_config,
        "provenance": model.provenance,
    }
    buffer = io.BytesIO()
    record = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    np.savez(buffer, meta=record, **model.weights())
    return buffer.getvalue()


def save(model: Saveable, path: str | os.PathLike) -> None:
    """Write the model file atomically: to a temporary file beside `path`, then rename it.
    Temporary files that an interrupted save left beside it are removed first."""
    write_atomically(to_bytes(model), Path(path))


def write_atomically(data: bytes, path: Path) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`, so that a
    reader sees the old file or the new one, never half of one. Temporary files that an
    interrupted write left beside it are removed first."""
    _remove_stale_temporaries(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; our files are not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(path: Path, older_than: float = STALE_SECONDS) -> None:
    """Delete `.NAME.*.tmp` files beside `path` older than `older_than` seconds: what a save
    killed half way leaves behind (a younger one may be another save under way)."""
    now = time.time()
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - stale.stat().st_mtime > older_than:
                stale.unlink()
        except OSError:
            pass  # gone already, or not ours to remove


def read_model_file(path: str | os.PathLike | None = None) -> ModelFile:
    """The model file at `path` (default: the shipped pretrained model), fully validated.

    Only a regular file of at most MAX_BYTES is read. Raises CheckpointError naming the file
    and the problem for anything but a valid file.
    """
    path = Path(DEFAULT_PATH if path is None else path)
    data = read_file_bytes(path, MAX_BYTES, "model file", _too_large)
    return read_model_bytes(data, source=str(path))


def read_file_bytes(
    path: Path, max_bytes: int, kind: str, too_large: Callable[[str, int], str]
) -> bytes:
    """The bytes of `path` if it is a regular file of at most max_bytes (at most one byte
    more is read, which the caller's own size check refuses); CheckpointError naming the file
    and `kind` ("model file") otherwise, with too_large(path, size) for a file too large."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(f"{path} is not a regular file, so it is not a {kind}")
        if info.st_size > max_bytes:
            raise CheckpointError(too_large(str(path), info.st_size))
        with open(path, "rb") as file:
            # One byte more than stat said: a file that grew since is refused by the caller.
            data = file.read(info.st_size + 1)
    except OSError as error:
        raise CheckpointError(f"cannot read {kind} {path}: {error.strerror or error}") from None
    return data


def open_archive(data: bytes, source: str, kind: str) -> zipfile.ZipFile:
    """The zip archive in `data`, or CheckpointError: pickles, non-zip data and broken
    archives are refused before anything in them is read."""
    if data[:1] == b"\x80":
        raise CheckpointError(f"{source} holds pickled data, which is never loaded")
    if len(data) < 22 or data[:4] != b"PK\x03\x04":
        raise CheckpointError(f"{source} is not a gru-viz {kind}: not an .npz (zip) archive")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        message = f"{source} is not a readable {kind}: {_excerpt(str(error), 80)}"
        raise CheckpointError(message) from None


def read_model_bytes(data: bytes, source: str = "uploaded file") -> ModelFile:
    """The model in the bytes of a model file; `source` names it in error messages.

    Every size, name, dtype and shape is checked from the zip directory and the .npy headers
    before any data is decompressed, so a small file that declares huge arrays costs nothing.
    """
    if len(data) > MAX_BYTES:
        raise CheckpointError(_too_large(source, len(data)))
    arrays = _read_archive(data, source)
    meta = _read_json(arrays.pop(META), source)
    config, train_config, provenance = _read_meta(meta, source)
    weights = _check_weights(arrays, config, source)
    return ModelFile(config, weights, train_config, provenance)


def _too_large(source: str, size: int) -> str:
    return (
        f"{source}: {size:,} bytes is larger than a model file may be ({MAX_BYTES:,} bytes, "
        f"enough for {MAX_FILE_HIDDEN} hidden units)"
    )


def _excerpt(value: object, limit: int = 40) -> str:
    """repr(value), cut in the middle if long: messages never echo unbounded input."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(_excerpt(n, 30) for n in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def _read_archive(data: bytes, source: str) -> dict[str, np.ndarray]:
    """The arrays of the archive by name (without ".npy"), each checked before it is read."""
    with open_archive(data, source, "model file") as archive:
        members = _check_members(archive.infolist(), source)
        return {name: _read_member(archive, info, source) for name, info in members.items()}


def _check_members(infos: list[zipfile.ZipInfo], source: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name, refused if anything but the expected ones."""
    names = [info.filename for info in infos]
    repeated = sorted({n for n in names[: len(WEIGHT_NAMES) + 2] if names.count(n) > 1})
    if repeated:
        raise CheckpointError(f"{source} holds {_names(repeated)} more than once")
    expected = {f"{n}.npy" for n in (META, *WEIGHT_NAMES)}
    unexpected = [n for n in names if n not in expected]
    if unexpected:
        raise CheckpointError(f"{source} has unexpected entries {_names(unexpected)}")
    if len(infos) > len(WEIGHT_NAMES) + 1:
        raise CheckpointError(
            f"{source} has {len(infos):,} entries; a model file has {len(WEIGHT_NAMES) + 1}"
        )
    if META + ".npy" not in names:
        raise CheckpointError(f"{source} has no 'meta' record, so it is not a gru-viz model file")
    for info in infos:
        limit = MAX_META_BYTES if info.filename == META + ".npy" else MAX_ARRAY_BYTES
        if info.file_size > limit + MAX_HEADER:
            raise CheckpointError(
                f"{source}: entry {_excerpt(info.filename)} unpacks to {info.file_size:,} bytes, "
                f"more than a model file's entry may ({limit + MAX_HEADER:,})"
            )
    return {info.filename[: -len(".npy")]: info for info in infos}


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> np.ndarray:
    """One entry of a model file: the meta record (uint8) or a weight (float32)."""
    name = info.filename[: -len(".npy")]
    expected = np.dtype(np.uint8) if name == META else np.dtype("<f4")
    label = f"{source}: {'record' if name == META else 'weight'} {name}"
    return read_npy_entry(archive, info, expected, source, label)


def read_npy_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    expected: np.dtype,
    source: str,
    label: str | None = None,
) -> np.ndarray:
    """One .npy entry of `archive`, its header checked (version, dtype `expected`, C order,
    declared size equal to the entry's) before its data is read; CheckpointError otherwise,
    naming `source` and the entry (or `label`, for a wrong dtype)."""
    what = f"{source}: entry {_excerpt(info.filename)}"
    label = label or what
    try:
        with archive.open(info) as file:
            version = np.lib.format.read_magic(file)
            if version not in ((1, 0), (2, 0)):
                raise CheckpointError(f"{what} is .npy version {version}, not 1.0 or 2.0")
            read_header = getattr(np.lib.format, f"read_array_header_{version[0]}_0")
            shape, fortran, dtype = read_header(file, max_header_size=MAX_HEADER)
            if dtype.hasobject:
                raise CheckpointError(f"{what} holds pickled objects, which are never loaded")
            if dtype != expected or fortran:
                raise CheckpointError(f"{label} has dtype {str(dtype)[:40]}, not {expected}")
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if file.tell() + size != info.file_size:
                raise CheckpointError(
                    f"{what} declares {size:,} bytes of data in {info.file_size:,} bytes: "
                    "it is cut short or has something after its data"
                )
            return np.frombuffer(file.read(size), dtype=dtype).reshape(shape)
    except CheckpointError:
        raise
    except Exception as error:  # zlib, zipfile and numpy each raise their own kinds
        reason = "its header is too long" if "header" in str(error).lower() else str(error)
        message = f"{what} is not a readable .npy array: {_excerpt(reason, 80)}"
        raise CheckpointError(message) from None


def _read_json(record: np.ndarray, source: str) -> dict:
    if record.ndim != 1:
        raise CheckpointError(f"{source}: its 'meta' record is not a byte string")
    try:
        meta = json.loads(record.tobytes().decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise CheckpointError(
            f"{source}: its 'meta' record is not valid JSON ({_excerpt(reason, 80)})"
        ) from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{source}: its 'meta' record is not a JSON object")
    return meta


def _read_meta(meta: dict, source: str) -> tuple[ModelConfig, dict, dict]:
    provenance = meta.get("provenance")
    if not isinstance(provenance, dict):
        raise CheckpointError(f"{source}: 'provenance' must be a JSON object")
    config, train = read_configs(
        meta, source, FORMAT, VERSION, lambda: _check_provenance(provenance)
    )
    return config, train, provenance


def read_configs(
    meta: dict, source: str, file_format: str, version: int, check_more: Callable[[], None]
) -> tuple[ModelConfig, dict]:
    """The model config and training config (a dict) of a file's JSON record, after checking
    its format and version; `check_more()` checks the rest. CheckpointError, naming `source`,
    for anything wrong, whatever the kind of error underneath."""
    if meta.get("format") != file_format or meta.get("version") != version:
        raise CheckpointError(
            f"{source}: format {_excerpt(meta.get('format'))} version "
            f"{_excerpt(meta.get('version'))} is not {file_format!r} version {version}"
        )
    model, train = meta.get("model"), meta.get("train")
    if not isinstance(model, dict) or not isinstance(train, dict):
        raise CheckpointError(f"{source}: 'model' and 'train' must be JSON objects")
    try:
        config = ModelConfig(**model)
        if config.hidden_size > MAX_FILE_HIDDEN:
            raise ValueError(f"hidden_size {config.hidden_size} is over {MAX_FILE_HIDDEN}")
        if train:
            held = TrainConfig.from_dict(train).held_gates
            if held != config.held_gates:
                raise ValueError(
                    f"the model holds gates {list(config.held_gates)} but was trained holding "
                    f"{list(held)}"
                )
        check_more()
    except Exception as error:  # a config's own checks, or values of the wrong kind entirely
        message = _excerpt(str(error) or type(error).__name__, 160)
        raise CheckpointError(f"{source}: bad configuration: {message}") from None
    return config, train


def _check_provenance(provenance: dict) -> None:
    """The provenance fields the page reads: `steps` a whole number, `check` a record of
    exact-sum fractions by operand length."""
    if not isinstance(provenance, dict):
        raise ValueError("'provenance' must be a JSON object")
    steps = provenance.get("steps", 0)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"provenance steps must be a whole number; got {_excerpt(steps)}")
    check = provenance.get("check", {})
    if not isinstance(check, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
        for v in check.values()
    ):
        raise ValueError("provenance check must map lengths to fractions from 0 to 1")


def _check_weights(
    arrays: dict[str, np.ndarray], config: ModelConfig, source: str
) -> dict[str, np.ndarray]:
    shapes = weight_shapes(config.hidden_size)
    missing = sorted(set(shapes) - set(arrays))
    if missing:
        raise CheckpointError(f"{source}: missing weights {missing}")
    for name, shape in shapes.items():
        array = arrays[name]
        if array.shape != shape:
            raise CheckpointError(
                f"{source}: weight {name} has shape {array.shape}; hidden size "
                f"{config.hidden_size} needs {shape}"
            )
        if not np.all(np.isfinite(array)):
            raise CheckpointError(f"{source}: weight {name} holds NaN or infinite values")
    return {name: arrays[name] for name in shapes}
