"""Training snapshots, to replay how a model learned: record them, save them, load them.

`SnapshotRecorder` is an `on_step` callback for gru_viz.train. It keeps the loss of every step,
every check, and a copy of the weights at up to max_snapshots steps, spaced so that the early
steps, where most is learned, are not lost: the steps 2**k and 3 * 2**k, every check step and
the last step, thinned to evenly spaced steps on a log scale. A snapshot is labelled with the
step whose weights it truly holds: training may report several steps with the weights as they
are after the last of them (it runs steps in compiled chunks), so a snapshot's label is the
last step reported with the same weights.

A replay file is a .npz beside the model file (`replay_path`), read with allow_pickle=False and
validated in full before use; sizes, names, dtypes and shapes are checked from the zip directory
and the .npy headers before any data is unpacked, as for model files (gru_viz.checkpoint). Any
malformed file raises gru_viz.CheckpointError naming the file. Numpy only until `replay_model`.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gru_viz.checkpoint import (
    MAX_FILE_HIDDEN,
    MAX_HEADER,
    CheckpointError,
    _excerpt,
    _names,
    open_archive,
    read_configs,
    read_file_bytes,
    read_npy_entry,
    write_atomically,
)
from gru_viz.config import ModelConfig
from gru_viz.weights import WEIGHT_NAMES, weight_shapes

if TYPE_CHECKING:
    from gru_viz.addition import AdditionModel
    from gru_viz.model import GRUModel
    from gru_viz.training import StepInfo

FORMAT = "gru-viz-replay"
VERSION = 1
MAX_SNAPSHOTS = 128  # snapshots a replay file may hold
KEPT_SNAPSHOTS = 40  # snapshots a SnapshotRecorder keeps by default
MAX_LOSSES = 2**20  # steps of losses a replay file may hold (the app's panel trains 50,000)
MAX_CHECK_BITS = 16  # operand lengths per check
MAX_META_BYTES = 64 * 2**10  # the JSON record
MAX_BYTES = 64 * 2**20  # a replay file, on disk and unpacked (40 snapshots of H = 256: 31 MiB)
ARRAYS = ("steps", "losses", "check_steps", "check_accuracy")  # entries beside meta and weights


@dataclass(frozen=True)
class Replay:
    """How a model learned. steps int64 (S,), strictly increasing: the training step of each
    snapshot; weights: float32 (S, *shape) per weight name (see gru_viz.weights), snapshot i in
    row i; config: the model's; train_config: the training config as a dict; losses float32
    (L,): the loss of step l + 1 at index l (NaN or inf where training diverged);
    check_steps int64 (C,), check_bits int64 (K,) and check_accuracy float32 (C, K):
    exact-sum accuracy by operand length at each check."""

    steps: np.ndarray
    weights: dict[str, np.ndarray]
    config: ModelConfig
    train_config: dict
    losses: np.ndarray
    check_steps: np.ndarray
    check_bits: np.ndarray
    check_accuracy: np.ndarray

    def __len__(self) -> int:
        return len(self.steps)

    def weights_at(self, i: int) -> dict[str, np.ndarray]:
        """A copy of the weights of snapshot i (negative counts from the end)."""
        if (
            isinstance(i, bool)
            or not isinstance(i, (int, np.integer))
            or not -len(self) <= i < len(self)
        ):
            raise ValueError(
                f"snapshot must be a whole number from 0 to {len(self) - 1}; got {i!r}"
            )
        return {name: value[i].copy() for name, value in self.weights.items()}


def replay_model(replay: Replay, i: int) -> GRUModel:
    """The model as it was at snapshot i (TensorFlow is imported here)."""
    from gru_viz.model import GRUModel

    weights = replay.weights_at(i)  # ValueError for a snapshot that is not there
    provenance = {"steps": int(replay.steps[i])}
    return GRUModel(replay.config, weights, replay.train_config, provenance)


def replay_path(model_path: str | os.PathLike) -> Path:
    """Where the replay of the model file at model_path goes: model.npz -> model.replay.npz."""
    path = Path(model_path)
    return path.with_name(f"{path.stem if path.suffix == '.npz' else path.name}.replay.npz")


# RECORDING


class SnapshotRecorder:
    """An on_step callback that records a training for `Replay`: the loss of every step, every
    check, and the weights at up to max_snapshots steps (always the first and the last). One
    recorder per training; it never asks training to stop. `replay()` gives the result."""

    def __init__(self, max_snapshots: int = KEPT_SNAPSHOTS) -> None:
        if isinstance(max_snapshots, bool) or not isinstance(max_snapshots, int):
            raise ValueError(f"max_snapshots must be a whole number; got {max_snapshots!r}")
        if not 2 <= max_snapshots <= MAX_SNAPSHOTS:
            raise ValueError(
                f"max_snapshots must be from 2 to {MAX_SNAPSHOTS}; got {max_snapshots}"
            )
        self.max_snapshots = max_snapshots
        self.losses: list[float] = []
        self.checks: list[tuple[int, dict[int, float]]] = []
        self.snapshots: list[tuple[int, dict[str, np.ndarray]]] = []  # (step, weights), kept
        self._open: tuple[int, dict[str, np.ndarray], np.ndarray] | None = None  # not yet labelled
        self._model: AdditionModel | None = None

    def __call__(self, info: StepInfo) -> None:
        if info.step != len(self.losses) + 1:
            raise ValueError(
                f"step {info.step} does not follow step {len(self.losses)}: a SnapshotRecorder "
                "records one training from its first step"
            )
        self.losses.append(float(info.loss))
        if info.accuracy is not None:
            self.checks.append((info.step, dict(info.accuracy)))
        self._model = info.model
        if self._open is not None:
            if np.array_equal(_signature(info.model), self._open[2]):
                self._open = (info.step, *self._open[1:])  # the same weights: this step's too
                return
            self._close()
        if info.accuracy is not None or _is_geometric(info.step):
            weights = info.model.weights()
            self._open = (info.step, weights, _signature_of(weights))

    def _close(self) -> None:
        """Keep the open snapshot, labelled with the last step that reported its weights."""
        step, weights, _ = self._open
        self._open = None
        self.snapshots.append((step, weights))
        self.snapshots = _thin(self.snapshots, self.max_snapshots - 1)  # room for the last

    def replay(self, model: AdditionModel | None = None) -> Replay:
        """The training so far as a Replay; its last snapshot holds the weights of `model`
        (default: the live model training reported), labelled with the last step reported.
        Pass the model train() returned: it is exactly the model after the last step. Not
        thread-safe: call it after train() returns, or from on_step's own thread."""
        if not self.losses:
            raise ValueError("nothing recorded yet: pass the recorder as on_step and train")
        model = self._model if model is None else model
        last = len(self.losses)
        kept = [*self.snapshots, *([self._open[:2]] if self._open is not None else [])]
        kept = [s for s in kept if s[0] < last]
        snapshots = _thin([*kept, (last, model.weights())], self.max_snapshots)
        check_bits = sorted(self.checks[0][1]) if self.checks else []
        return Replay(
            steps=np.array([s for s, _ in snapshots], np.int64),
            weights={n: np.stack([w[n] for _, w in snapshots]) for n in WEIGHT_NAMES},
            config=model.config,
            train_config=dict(model.train_config),
            losses=np.array(self.losses, np.float32),
            check_steps=np.array([s for s, _ in self.checks], np.int64),
            check_bits=np.array(check_bits, np.int64),
            check_accuracy=_check_table(self.checks, check_bits),
        )


def _is_geometric(step: int) -> bool:
    """True for steps 1, 2, 3, 4, 6, 8, 12, 16, 24, ...: 2**k and 3 * 2**k."""
    if step < 1:
        return False
    odd = step >> ((step & -step).bit_length() - 1)  # step without its trailing zero bits
    return odd in (1, 3)


def _thin(snapshots: list, limit: int) -> list:
    """At most `limit` of the (step, weights) snapshots, in step order: while too many, drop
    the one whose neighbours are closest on a log scale (never the first or the last)."""
    snapshots = sorted(snapshots, key=lambda s: s[0])
    while len(snapshots) > max(limit, 2):
        logs = [math.log1p(step) for step, _ in snapshots]
        gaps = [logs[i + 1] - logs[i - 1] for i in range(1, len(logs) - 1)]
        del snapshots[1 + int(np.argmin(gaps))]
    return snapshots


def _signature(model: AdditionModel) -> np.ndarray:
    """The output weights Wo and bo (H + 1 values): every Adam step moves them (their gradients
    are never all zero), so equal signatures are taken to mean the same weights. Read from a
    GRUModel's two variables (a full weights() reads eleven, ~1 ms), else from weights()."""
    variables = {v.name.split(":")[0]: v for v in getattr(model, "variables", ())}
    if "Wo" in variables and "bo" in variables:
        return np.concatenate([np.ravel(variables[n].numpy()) for n in ("Wo", "bo")])
    return _signature_of(model.weights())


def _signature_of(weights: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(weights["Wo"]), np.ravel(weights["bo"])])


def _check_table(checks: list[tuple[int, dict[int, float]]], check_bits: list[int]) -> np.ndarray:
    """float32 (C, K): the accuracy of each check at each of check_bits."""
    for step, accuracy in checks:
        if sorted(accuracy) != check_bits:
            raise ValueError(
                f"the check at step {step} has lengths {sorted(accuracy)}, not {check_bits}"
            )
    return np.array([[acc[n] for n in check_bits] for _, acc in checks], np.float32).reshape(
        len(checks), len(check_bits)
    )


# FILES


def save_replay(replay: Replay, path: str | os.PathLike) -> None:
    """Write `replay` to `path` atomically (a temporary file beside it, then a rename).
    ValueError, before anything is written, if the file could not be loaded back."""
    write_atomically(replay_bytes(replay), Path(path))


def replay_bytes(replay: Replay) -> bytes:
    """The replay file's content: meta (JSON as uint8), steps, losses, checks and the weights
    stacked over snapshots. ValueError if it breaks a limit or would not load back."""
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "model": replay.config.to_dict(),
        "train": replay.train_config,
        "check_bits": [int(n) for n in replay.check_bits],
    }
    record = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    arrays = {
        "meta": record,
        "steps": np.asarray(replay.steps, "<i8"),
        "losses": np.asarray(replay.losses, "<f4"),
        "check_steps": np.asarray(replay.check_steps, "<i8"),
        "check_accuracy": np.asarray(replay.check_accuracy, "<f4"),
        **{n: np.ascontiguousarray(replay.weights[n], "<f4") for n in WEIGHT_NAMES},
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    try:
        read_replay_bytes(data, "this replay")
    except CheckpointError as error:
        raise ValueError(f"cannot save: {error}") from None
    return data


def load_replay(path: str | os.PathLike) -> Replay:
    """The replay file at `path`, fully validated; CheckpointError naming it if it is not a
    regular file of at most MAX_BYTES holding a valid replay."""
    path = Path(path)
    data = read_file_bytes(path, MAX_BYTES, "replay file", _too_large)
    return read_replay_bytes(data, str(path))


def read_replay_bytes(data: bytes, source: str = "uploaded file") -> Replay:
    """The replay in the bytes of a replay file; `source` names it in error messages."""
    if len(data) > MAX_BYTES:
        raise CheckpointError(_too_large(source, len(data)))
    arrays = _read_archive(data, source)
    config, train_config, check_bits = _read_meta(arrays.pop("meta"), source)
    return _check_replay(arrays, config, train_config, check_bits, source)


def _too_large(source: str, size: int) -> str:
    return f"{source}: {size:,} bytes is larger than a replay file may be ({MAX_BYTES:,} bytes)"


def _entry_limits() -> dict[str, tuple[str, int]]:
    """The dtype and most data bytes of every entry a replay file holds, by array name."""
    per_snapshot = 4 * max(np.prod(s) for s in weight_shapes(MAX_FILE_HIDDEN).values())
    return {
        "meta": ("|u1", MAX_META_BYTES),
        "steps": ("<i8", 8 * MAX_SNAPSHOTS),
        "losses": ("<f4", 4 * MAX_LOSSES),
        "check_steps": ("<i8", 8 * MAX_LOSSES),
        "check_accuracy": ("<f4", 4 * MAX_LOSSES * MAX_CHECK_BITS),
        **{n: ("<f4", int(per_snapshot) * MAX_SNAPSHOTS) for n in WEIGHT_NAMES},
    }


def _read_archive(data: bytes, source: str) -> dict[str, np.ndarray]:
    """The arrays of the archive by name, every entry's size checked from the zip directory and
    every header before any data is unpacked."""
    with open_archive(data, source, "replay file") as archive:
        infos = _check_members(archive.infolist(), source)
        return {name: _read_member(archive, info, name, source) for name, info in infos.items()}


def _check_members(infos: list[zipfile.ZipInfo], source: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's entries by array name: exactly the expected ones, each within its limit
    and all together within MAX_BYTES, judged from the zip directory alone."""
    limits = _entry_limits()
    names = [info.filename for info in infos]
    expected = [f"{n}.npy" for n in limits]
    unexpected = [n for n in names if n not in expected]
    if unexpected or len(names) != len(set(names)):
        extra = unexpected or sorted({n for n in names if names.count(n) > 1})
        raise CheckpointError(f"{source} has unexpected or repeated entries {_names(extra)}")
    missing = [n for n in expected if n not in names]
    if missing:
        raise CheckpointError(f"{source} is not a gru-viz replay file: no {_names(missing)}")
    for info in infos:
        limit = limits[info.filename[: -len(".npy")]][1] + MAX_HEADER
        if info.file_size > limit:
            raise CheckpointError(
                f"{source}: entry {_excerpt(info.filename)} unpacks to {info.file_size:,} bytes, "
                f"more than a replay file's entry may ({limit:,})"
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_BYTES:
        raise CheckpointError(f"{source} unpacks to {total:,} bytes, more than {MAX_BYTES:,}")
    return {info.filename[: -len(".npy")]: info for info in infos}


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, source: str
) -> np.ndarray:
    """One .npy entry, checked by gru_viz.checkpoint's reader before its data is read."""
    expected = np.dtype(_entry_limits()[name][0])
    return read_npy_entry(archive, info, expected, source)


def _read_meta(record: np.ndarray, source: str) -> tuple[ModelConfig, dict, list[int]]:
    """The model config, training config and check lengths in the JSON record."""
    try:
        meta = json.loads(record.tobytes().decode()) if record.ndim == 1 else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{source}: its 'meta' record is not a JSON object")
    check_bits = meta.get("check_bits")
    config, train = read_configs(meta, source, FORMAT, VERSION, lambda: _check_bits(check_bits))
    return config, train, check_bits


def _check_bits(check_bits: object) -> None:
    ok = isinstance(check_bits, list) and len(check_bits) <= MAX_CHECK_BITS
    if not ok or not all(type(n) is int and n >= 1 for n in check_bits):
        raise ValueError(
            f"check_bits must be a list of operand lengths; got {_excerpt(check_bits)}"
        )
    if check_bits != sorted(set(check_bits)):
        raise ValueError(f"check_bits must be sorted and distinct; got {_excerpt(check_bits)}")


def _check_replay(
    arrays: dict[str, np.ndarray],
    config: ModelConfig,
    train_config: dict,
    check_bits: list[int],
    source: str,
) -> Replay:
    """The Replay in the arrays, or CheckpointError naming what does not fit together."""
    steps, losses = arrays["steps"], arrays["losses"]
    check_steps, check_accuracy = arrays["check_steps"], arrays["check_accuracy"]
    if losses.ndim != 1 or steps.ndim != 1 or not 1 <= len(steps) <= MAX_SNAPSHOTS:
        raise CheckpointError(
            f"{source}: steps and losses must be lists, with 1 to {MAX_SNAPSHOTS} steps"
        )
    if not _increasing(steps, 0, len(losses)):
        raise CheckpointError(f"{source}: snapshot steps must increase, from 0 to {len(losses):,}")
    if check_steps.ndim != 1 or not _increasing(check_steps, 1, len(losses)):
        raise CheckpointError(f"{source}: check steps must increase, from 1 to {len(losses):,}")
    if check_accuracy.shape != (len(check_steps), len(check_bits)):
        raise CheckpointError(
            f"{source}: check accuracy has shape {check_accuracy.shape}; "
            f"{len(check_steps)} checks of {len(check_bits)} lengths need "
            f"{(len(check_steps), len(check_bits))}"
        )
    if not np.all((check_accuracy >= 0) & (check_accuracy <= 1)):
        raise CheckpointError(f"{source}: check accuracy must be fractions from 0 to 1")
    weights = {}
    for name, shape in weight_shapes(config.hidden_size).items():
        array = arrays[name]
        if array.shape != (len(steps), *shape):
            raise CheckpointError(
                f"{source}: weight {name} has shape {array.shape}; {len(steps)} snapshots of "
                f"hidden size {config.hidden_size} need {(len(steps), *shape)}"
            )
        if not np.all(np.isfinite(array)):
            raise CheckpointError(f"{source}: weight {name} holds NaN or infinite values")
        weights[name] = array
    return Replay(
        steps=steps.astype(np.int64),
        weights=weights,
        config=config,
        train_config=train_config,
        losses=losses,
        check_steps=check_steps.astype(np.int64),
        check_bits=np.array(check_bits, np.int64),
        check_accuracy=check_accuracy,
    )


def _increasing(values: np.ndarray, low: int, high: int) -> bool:
    """Whether values (N,) are strictly increasing whole numbers within [low, high]."""
    inside = len(values) == 0 or (values[0] >= low and values[-1] <= high)
    return bool(inside and np.all(np.diff(values) > 0))
