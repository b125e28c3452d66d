"""A persistent XLA cache, shared safely between processes.

TensorFlow can keep compiled XLA code on disk (--tf_xla_persistent_cache_directory), so that
the first training of a new process skips most of the compile. It writes its files in place,
though, and fails the call that reads a half-written one. So each process gets a private
directory of its own, filled with hard links to the shared entries; entries it adds are
published to the shared directory by copy and atomic rename, and only once they parse as a
whole. GRU_VIZ_XLA_CACHE names another directory, or "off" turns the cache off; an explicit
directory in TF_XLA_FLAGS is left alone. It takes effect only if no XLA code has been compiled
in the process yet (TensorFlow reads its flags then).

TensorFlow 2.21 logs two kinds of ERROR lines each time it loads an entry, and neither is an
error: "Error parsing text-format tensorflow.XlaSerializedCacheEntry" (it tries each file as a
text protobuf before the binary one it wrote, and protobuf logs the failed attempt) and
"Target machine feature +prefer-no-scatter (or gather) is not supported on the host machine"
(XLA compares tuning hints with the CPU's features). The command line and the app set
TF_CPP_MIN_LOG_LEVEL to 3 unless it is set, which keeps them out of their output.

Every process that compiles the GRU enables it before its first compile: gru_viz.model does
at import, so training, the forward pass and every analysis reuse what an earlier process
compiled.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

from gru_viz import quiet

tf = quiet.tensorflow()  # (without its start-up lines)


XLA_FLAG = "--tf_xla_persistent_cache_directory"
XLA_CACHE_BYTES = 200 * 2**20  # the shared cache keeps its newest entries up to this size
_enabled: dict[str, Path | None] = {}  # this process's private directory, once enabled


def enable() -> Path | None:
    """Point TensorFlow's persistent XLA cache at a private directory linked to the shared one
    in the user's cache directory, once per process; the private directory, or None where it
    stays off."""
    if "private" not in _enabled:
        _enabled["private"] = _enable()
    return _enabled["private"]


def _enable() -> Path | None:
    setting = os.environ.get("GRU_VIZ_XLA_CACHE", "")
    flags = [  # without a private directory inherited from a parent process, not ours to share
        flag
        for flag in os.environ.get("TF_XLA_FLAGS", "").split()
        if not (flag.startswith(XLA_FLAG) and Path(flag).name.startswith(".process-"))
    ]
    os.environ["TF_XLA_FLAGS"] = " ".join(flags)
    if setting.lower() in ("off", "0", "no") or any(f.startswith(XLA_FLAG) for f in flags):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gru-viz"
    shared = (Path(setting) if setting else base) / f"xla-tf{tf.__version__}"
    try:
        shared.mkdir(parents=True, exist_ok=True)
        _prune_xla_cache(shared)
        private = Path(tempfile.mkdtemp(prefix=".process-", dir=shared))
    except OSError:  # (another process pruning at the same time: no cache this time)
        return None
    for entry in shared.glob("*.pb"):
        try:
            if _complete_entry(entry.read_bytes()):
                os.link(entry, private / entry.name)
        except OSError:
            continue
    os.environ["TF_XLA_FLAGS"] = " ".join([*flags, f"{XLA_FLAG}={private}"])
    atexit.register(_close_xla_cache, private, shared)
    return private


def publish(private: Path | None = None, shared: Path | None = None) -> None:
    """Copy the complete entries of `private` (default: this process's) that `shared` lacks
    into it, atomically."""
    private = private or _enabled.get("private")
    if private is None:
        return
    shared = shared or private.parent
    for entry in private.glob("*.pb"):
        target = shared / entry.name
        if target.exists():
            continue
        try:
            data = entry.read_bytes()
            if _complete_entry(data):
                partial = shared / f".{entry.name}.{os.getpid()}"
                partial.write_bytes(data)
                os.replace(partial, target)
        except OSError:
            continue


def _prune_xla_cache(shared: Path) -> None:
    """Remove private directories a day old (their processes did not exit cleanly) and the
    least recently written entries beyond XLA_CACHE_BYTES."""
    for stale in shared.glob(".process-*"):
        if time.time() - stale.stat().st_mtime > 86400:
            shutil.rmtree(stale, ignore_errors=True)
    entries = sorted(shared.glob("*.pb"), key=lambda entry: entry.stat().st_mtime, reverse=True)
    total = 0
    for entry in entries:
        total += entry.stat().st_size
        if total > XLA_CACHE_BYTES:
            entry.unlink(missing_ok=True)


def _close_xla_cache(private: Path, shared: Path) -> None:
    publish(private, shared)
    shutil.rmtree(private, ignore_errors=True)


def _complete_entry(data: bytes) -> bool:
    """Whether `data` is a whole serialized cache entry: protobuf fields 1 (key), 2 (HLO) and
    3 (the executable), each length-delimited, ending exactly at the end of the data."""
    position, fields = 0, []
    while position < len(data):
        tag, position = _varint(data, position)
        length, position = _varint(data, position) if position >= 0 else (0, -1)
        if tag & 7 != 2 or position < 0:
            return False
        position += length
        fields.append(tag >> 3)
    return position == len(data) and fields[-1:] == [3] and 1 in fields and 2 in fields


def _varint(data: bytes, position: int) -> tuple[int, int]:
    """The protobuf varint at `position` and the position after it (-1 if cut off)."""
    value, shift = 0, 0
    while position < len(data):
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if byte < 0x80:
            return value, position
    return 0, -1
