"""A damaged compiled-code cache costs at most a compile and one line on the log: never a failed
call, never a flood of errors; and two processes share one cache safely (gru_viz.xla_cache)."""

import logging
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gru_viz import xla_cache

ROOT = Path(__file__).resolve().parent.parent
# One process as a replica runs it: a sum through the compiled forward pass, then the cache's
# entries published at exit. Prints the sum.
ADD = "import gru_viz; print(gru_viz.load_model().trace(6, 7, n_bits=8).predicted_sum)"


def field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (payloads under 128 bytes)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def without_code(entry: bytes) -> bytes:
    """A cache entry's fields before its compiled code (field 3, the last)."""
    position = 0
    while True:
        start = position
        tag, position = xla_cache._varint(entry, position)
        length, position = xla_cache._varint(entry, position)
        if tag >> 3 == 3:
            return entry[:start]
        position += length


def enable_here(monkeypatch, setting: Path):
    """xla_cache's set-up as a new process does it, in this one (TensorFlow's flags are read
    once, so nothing changes for this process's own compiles)."""
    monkeypatch.setenv("GRU_VIZ_XLA_CACHE", str(setting))
    monkeypatch.setenv("TF_XLA_FLAGS", "")
    return xla_cache._enable()


def test_cut_short_and_garbled_entries_are_removed_with_one_log_line(monkeypatch, tmp_path, caplog):
    shared = tmp_path / xla_cache.shared_name()
    shared.mkdir()
    whole = field(1, b"key") + field(2, b"hlo") + field(3, field(1, b"machine code"))
    (shared / "whole.pb").write_bytes(whole)
    (shared / "cut.pb").write_bytes(whole[:-3])
    (shared / "garbled.pb").write_bytes(field(1, b"key") + field(2, b"hlo") + field(3, b"\xff" * 9))
    with caplog.at_level(logging.WARNING, logger="gru_viz.xla_cache"):
        private = enable_here(monkeypatch, tmp_path)
    assert private is not None and [p.name for p in private.glob("*.pb")] == ["whole.pb"]
    assert sorted(p.name for p in shared.glob("*.pb")) == ["whole.pb"]
    (line,) = caplog.messages
    assert line.startswith("gru-viz: 2 damaged entries removed from compiled-code cache")


def test_what_a_killed_process_compiled_is_published_at_the_next_start(monkeypatch, tmp_path):
    """A server killed before it could publish at exit (SIGKILL, `docker stop`) left its
    compiled code in its private directory: the next process on the host publishes it and
    removes the directory, and leaves a live process's directory and another host's alone."""
    shared = tmp_path / xla_cache.shared_name()
    shared.mkdir()
    whole = field(1, b"key") + field(2, b"hlo") + field(3, field(1, b"machine code"))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()  # an id no longer used
    host = socket.gethostname()
    folders = {
        "killed": shared / f".process-{host}-{dead}-abc",
        "live": shared / f".process-{host}-{os.getpid()}-def",
        "other host": shared / f".process-{host}-x-{dead}-ghi",
    }
    for name, folder in folders.items():
        folder.mkdir()
        (folder / f"{name.replace(' ', '_')}.pb").write_bytes(whole)
        (folder / "cut.pb").write_bytes(whole[:-3])
    private = enable_here(monkeypatch, tmp_path)
    assert not folders["killed"].exists()
    assert folders["live"].exists() and folders["other host"].exists()
    assert sorted(p.name for p in shared.glob("*.pb")) == ["killed.pb"]  # whole entries only
    assert [p.name for p in private.glob("*.pb")] == ["killed.pb"]  # and read by this process
    assert private.name.startswith(f".process-{host}-{os.getpid()}-")


def test_a_cache_that_cannot_be_written_turns_it_off_with_one_log_line(
    monkeypatch, tmp_path, caplog
):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache should be")  # (root may write anywhere)
    with caplog.at_level(logging.WARNING, logger="gru_viz.xla_cache"):
        assert enable_here(monkeypatch, not_a_folder) is None
    (line,) = caplog.messages
    assert "cannot be used" in line and "compiling without it" in line


def test_code_from_another_tensorflow_or_cpu_is_never_read():
    name = xla_cache.shared_name()
    assert name.startswith(f"xla-tf{xla_cache.tf.__version__}-") and len(name.split("-")[-1]) == 10


def run_replica(cache: Path, log_level: str | None = "3") -> subprocess.CompletedProcess:
    """ADD in a fresh process with the cache in `cache` (and TF_CPP_MIN_LOG_LEVEL at
    `log_level`, or unset: as a notebook imports gru_viz)."""
    env = {**os.environ, "GRU_VIZ_XLA_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": log_level}
    env = {name: value for name, value in env.items() if value is not None}
    env.pop("TF_XLA_FLAGS", None)
    return subprocess.run(
        [sys.executable, "-c", ADD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_two_replicas_share_a_cache_and_survive_entries_tensorflow_cannot_read(tmp_path):
    with ThreadPoolExecutor(2) as pool:  # two replicas fill one cache at once
        first, second = pool.map(run_replica, [tmp_path, tmp_path])
    for done in (first, second):
        assert done.returncode == 0 and done.stdout.split() == ["13"], done.stderr[-2000:]
    entries = list((tmp_path / xla_cache.shared_name()).glob("*.pb"))
    assert entries and all(xla_cache._complete_entry(e.read_bytes()) for e in entries)
    assert not list(tmp_path.glob("*/.process-*"))  # private folders removed at exit
    # Whole, well-formed entries whose compiled code is not what TensorFlow wrote (a damage no
    # check of the file's form can see): TensorFlow fails to read them.
    for entry in entries:
        entry.write_bytes(without_code(entry.read_bytes()) + field(3, field(1, b"not code")))
    again = run_replica(tmp_path)
    assert again.returncode == 0 and again.stdout.split() == ["13"], again.stderr[-2000:]
    said = [line for line in again.stderr.splitlines() if line.strip()]
    assert len(said) == 1 and "could not be read" in said[0] and "compiling again" in said[0], said
    later = run_replica(tmp_path)  # and the next start finds whole entries again
    assert later.returncode == 0 and not later.stderr.strip(), later.stderr[-2000:]


def test_a_server_process_writes_what_it_compiles_to_the_cache(tmp_path):
    """The app's server imports TensorFlow and runs a first op (runtime.settle_memory) before
    it loads the model; TensorFlow reads its XLA flags at that op, so the cache must be set up
    by then, or nothing the server compiles is ever kept."""
    code = (
        "from gru_viz.app.runtime import settle_memory\n"
        "settle_memory()\n"
        "import gru_viz\n"
        "from gru_viz import xla_cache\n"
        "gru_viz.load_model().trace(6, 7, n_bits=8)\n"
        "print(len(list(xla_cache.enable().glob('*.pb'))))\n"
    )
    env = {**os.environ, "GRU_VIZ_XLA_CACHE": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 0  # the forward pass's compiled code, written


def test_a_notebook_reading_the_cache_sees_no_error_lines(tmp_path):
    """Used as a library (no TF_CPP_MIN_LOG_LEVEL set), gru_viz reads compiled code from the
    cache without TensorFlow's log lines, among them its ERROR lines that are no errors."""
    for _ in range(2):  # the first compiles and writes the cache, the second reads it
        done = run_replica(tmp_path, log_level=None)
        assert done.returncode == 0 and done.stdout.split() == ["13"], done.stderr[-2000:]
        assert done.stderr == "", done.stderr[-2000:]
    assert list((tmp_path / xla_cache.shared_name()).glob("*.pb"))  # (it was read, not off)
