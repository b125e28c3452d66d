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
(XLA compares tuning hints with the CPU's features). gru_viz.quiet, through which every part
of gru_viz imports TensorFlow, sets TF_CPP_MIN_LOG_LEVEL to 3 unless it is set, which keeps
them out of the output of the command line, the app and a notebook.

Every process that compiles the GRU enables it before its first compile: gru_viz.model does
at import, so training, the forward pass and every analysis reuse what an earlier process
compiled.

A damaged cache costs at most a compile and one line on the log, never a failed call:
- the shared directory is named for TensorFlow's version and build and for the CPU's features,
  so code compiled by another TensorFlow, or for another CPU, is never read;
- an entry that is cut short or whose compiled code is not even well-formed (a truncated copy,
  a damaged disk) is removed from the shared directory instead of being linked;
- a directory that cannot be written (read-only, full, owned by another user) turns the cache
  off for the process;
- should TensorFlow still fail to read an entry, `recover` empties the cache and the caller
  compiles again (gru_viz.model does so for the forward pass).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import platform
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

from gru_viz import quiet
from gru_viz.cache_home import cache_home

tf = quiet.tensorflow()  # (without its start-up lines)


XLA_FLAG = "--tf_xla_persistent_cache_directory"
XLA_CACHE_BYTES = 200 * 2**20  # the shared cache keeps its newest entries up to this size
PRIVATE_PREFIX = ".process-"  # a process's private directory: .process-<host>-<pid>-<random>
_enabled: dict[str, Path | None] = {}  # this process's private directory, once enabled
_log = logging.getLogger(__name__)


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
        if not (flag.startswith(XLA_FLAG) and Path(flag).name.startswith(PRIVATE_PREFIX))
    ]
    os.environ["TF_XLA_FLAGS"] = " ".join(flags)
    if setting.lower() in ("off", "0", "no") or any(f.startswith(XLA_FLAG) for f in flags):
        return None
    base = cache_home()
    shared = (Path(setting) if setting else base) / shared_name()
    try:
        shared.mkdir(parents=True, exist_ok=True)
        _recover_orphans(shared)
        _prune_xla_cache(shared)
        private = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{_owner()}-", dir=shared))
    except OSError as error:  # read-only, full, another user's: compile without it
        _log.warning(
            "gru-viz: compiled-code cache %s cannot be used (%s); compiling without it",
            shared,
            error.strerror or error,
        )
        return None
    damaged = 0
    for entry in shared.glob("*.pb"):
        try:
            if _complete_entry(entry.read_bytes()):
                os.link(entry, private / entry.name)
            else:  # cut short or garbled: compiled again, and published whole
                entry.unlink()
                damaged += 1
        except OSError:
            continue
    if damaged:
        _log.warning(
            "gru-viz: %d damaged entries removed from compiled-code cache %s; compiled again",
            damaged,
            shared,
        )
    os.environ["TF_XLA_FLAGS"] = " ".join([*flags, f"{XLA_FLAG}={private}"])
    atexit.register(_close_xla_cache, private, shared)
    return private


def shared_name() -> str:
    """The shared directory's name: TensorFlow's version, and a hash of its build and of the
    CPU's features, so that no process reads code compiled by another TensorFlow or for
    another CPU (XLA compiles for the features of the CPU it runs on)."""
    build = f"{tf.__version__} {tf.version.GIT_VERSION} {platform.machine()} {_cpu_features()}"
    return f"xla-tf{tf.__version__}-{hashlib.sha256(build.encode()).hexdigest()[:10]}"


def _cpu_features() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("flags", "Features")):
                    return " ".join(sorted(line.split(":", 1)[1].split()))
    except OSError:
        pass
    return platform.processor()


def recover(error: BaseException) -> bool:
    """If `error` is TensorFlow failing to read a cached entry, empty this process's cache and
    the entries it took from the shared one (one line on the log) and return True: the caller
    compiles again, with new tf.functions (a failed one keeps failing). Else False."""
    text = str(error)
    if not isinstance(error, tf.errors.OpError) or not any(
        sign in text for sign in ("serialized", "Serialized", "CompilationResult", "cache entry")
    ):
        return False
    private = _enabled.get("private")
    if private is None:
        return False
    for entry in private.glob("*.pb"):
        (private.parent / entry.name).unlink(missing_ok=True)
        entry.unlink(missing_ok=True)
    first = (text.strip().splitlines() or [type(error).__name__])[0]
    _log.warning(
        "gru-viz: compiled-code cache %s could not be read (%s); emptied, compiling again",
        private.parent,
        first[:200],
    )
    return True


def publish(private: Path | None = None, shared: Path | None = None) -> None:
    """Copy the complete entries of `private` (default: this process's) that `shared` lacks
    into it, atomically."""
    private = private or _enabled.get("private")
    if private is None:
        return
    shared = shared or private.parent
    for entry in private.glob("*.pb"):
        target = shared / entry.name
        if target.exists():  # (damaged ones are removed as processes start)
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
    for stale in shared.glob(f"{PRIVATE_PREFIX}*"):
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


def _owner() -> str:
    """This process in a private directory's name: its host (a container has its own process
    ids) and its id."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _recover_orphans(shared: Path) -> None:
    """Publish what the processes of this host that are gone compiled, and remove their private
    directories. A process publishes at exit, but one that is killed (a server stopped with
    SIGKILL, or after SIGTERM while an analysis still ran: `docker stop`, a test's teardown)
    never does, and the next start would compile all of it again."""
    host = f"{PRIVATE_PREFIX}{socket.gethostname()}-"
    for folder in shared.glob(f"{host}*"):
        owner = re.fullmatch(r"(\d+)-[^-]+", folder.name[len(host) :])  # (not another host's)
        if owner is None or _alive(int(owner.group(1))):
            continue
        publish(folder, shared)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


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
    whole = position == len(data) and fields[-1:] == [3] and 1 in fields and 2 in fields
    return whole and _well_formed(data[-length:] if length else b"")


def _well_formed(data: bytes) -> bool:
    """Whether `data` reads as protobuf wire format to its end (the compiled code, itself a
    message): garbled bytes almost never do."""
    position = 0
    while position < len(data):
        tag, position = _varint(data, position)
        kind = tag & 7
        if position < 0 or tag >> 3 == 0 or kind not in (0, 1, 2, 5):
            return False
        if kind == 0:
            _, position = _varint(data, position)
        elif kind == 2:
            length, position = _varint(data, position)
            position = -1 if position < 0 else position + length
        else:
            position += 8 if kind == 1 else 4
        if position < 0 or position > len(data):
            return False
    return True


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
