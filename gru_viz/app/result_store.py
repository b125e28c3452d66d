"""Heavy analyses' results kept on disk, so that a server started again shows its tabs at once.

A fresh server computes the shipped models' length curves, machines, state maps and proofs
again, seconds each on two cores, while its first visitors wait at the tabs. The results depend
only on the model (its fingerprint), the analysis and its arguments, and the code that computes
them; so the page's cache (gru_viz.app.cache) also writes the results of the models it is told
to keep (the shared and the shipped ones, never a visitor's upload or training) here, and reads
them before computing.

Entries live in a directory named for the code: a hash of every source file of gru_viz and of
the versions of Python, numpy and TensorFlow, so a changed analysis is never served an old
result. The newest MAX_BYTES of all such directories are kept. An entry is written whole
(written aside, then renamed), and one that cannot be read is removed and computed again: a
damaged store costs a computation, never a failed page. GRU_VIZ_RESULTS_CACHE names another
directory, or "off" keeps nothing on disk; a directory that cannot be written turns it off.

The shipped models' results also come with the code, in assets/results (see
gru_viz.app.shipped), so that even a server's first start on a new machine shows its tabs at
once: a read-only store whose folder is named for the code that computes the results
(`analysis_version`: the package without its page and drawing code, and the minor versions of
numpy and TensorFlow), so that changed analyses are never served results of the old ones.
GRU_VIZ_SHIPPED_RESULTS=off leaves them unread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import platform
import tempfile
from collections.abc import Hashable
from importlib import metadata
from pathlib import Path

import gru_viz
from gru_viz.cache_home import cache_home

RESULTS_ENV = "GRU_VIZ_RESULTS_CACHE"
SHIPPED_ENV = "GRU_VIZ_SHIPPED_RESULTS"
SHIPPED_ROOT = Path(__file__).resolve().parents[2] / "assets" / "results"
NOT_ANALYSES = ("app", "figures")  # subpackages that lay out and draw, never compute a result
MAX_BYTES = 64 * 2**20  # all entries of all code versions, newest kept
PREFIX = "results-"
_log = logging.getLogger(__name__)


def code_version() -> str:
    """A hash of the package's source and of the libraries that compute the results."""
    return _source_hash(skip=(), exact=True)


def analysis_version() -> str:
    """A hash of the code that computes results: the package but for its page and drawing
    code (NOT_ANALYSES), with the minor versions of numpy and TensorFlow, which a fresh
    install may take newer patches of."""
    return _source_hash(skip=NOT_ANALYSES, exact=False)


def _source_hash(skip: tuple[str, ...], exact: bool) -> str:
    digest = hashlib.sha256()
    root = Path(gru_viz.__file__).parent
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip:
            continue
        digest.update(relative.as_posix().encode())
        digest.update(path.read_bytes())
    for package in ("numpy", "tensorflow"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "none"
        if not exact:
            version = ".".join(version.split(".")[:2])
        digest.update(f"{package} {version}".encode())
    if exact:
        digest.update(platform.python_version().encode())
    return digest.hexdigest()[:16]


class ResultStore:
    """Results on disk in `directory` (made if need be), per code version."""

    def __init__(
        self,
        directory: Path,
        version: str | None = None,
        max_bytes: int = MAX_BYTES,
        read_only: bool = False,
    ):
        self.root = Path(directory)
        self.folder = self.root / f"{PREFIX}{version or code_version()}"
        self.max_bytes = max_bytes
        self.read_only = read_only  # (the shipped results: read, never written or pruned)
        if read_only:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=self.folder, prefix=".probe-")  # noqa: SIM115
        probe.close()  # (raises OSError here if the directory cannot be written)

    def path(self, fingerprint: str, key: Hashable) -> Path:
        name = hashlib.sha256(repr((fingerprint, key)).encode()).hexdigest()[:32]
        return self.folder / f"{name}.pkl"

    def load(self, fingerprint: str, key: Hashable) -> tuple[bool, object]:
        """(True, value) if the store holds the result, else (False, None)."""
        path = self.path(fingerprint, key)
        try:
            data = path.read_bytes()
        except OSError:
            return False, None
        try:
            stored_key, value = pickle.loads(data)
            if stored_key != repr((fingerprint, key)):
                raise ValueError("another result under this name")
        except Exception as error:  # damaged or foreign: computed again, and written whole
            _log.warning("gru-viz: stored result %s unreadable (%s); computed again", path, error)
            if not self.read_only:
                path.unlink(missing_ok=True)
            return False, None
        return True, value

    def save(self, fingerprint: str, key: Hashable, value: object) -> bool:
        """Write the result whole; False (and nothing written) if it cannot be."""
        if self.read_only:
            return False
        path = self.path(fingerprint, key)
        try:
            data = pickle.dumps((repr((fingerprint, key)), value), protocol=5)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".part-", delete=False) as f:
                f.write(data)
            os.replace(f.name, path)
        except Exception as error:  # a value that cannot be pickled, a full disk
            _log.warning("gru-viz: result not stored in %s (%s)", self.folder, error)
            return False
        self.prune()
        return True

    def prune(self) -> None:
        """Remove the oldest entries of every code version beyond max_bytes."""
        entries = []
        for path in self.root.glob(f"{PREFIX}*/*.pkl"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
        for folder in self.root.glob(f"{PREFIX}*"):
            if folder != self.folder and not any(folder.glob("*.pkl")):
                for part in folder.iterdir():
                    part.unlink(missing_ok=True)
                folder.rmdir()


def open_default() -> ResultStore | None:
    """The store in GRU_VIZ_RESULTS_CACHE or the user's cache directory; None if it is off or
    cannot be written (one line on the log)."""
    setting = os.environ.get(RESULTS_ENV, "")
    if setting.lower() in ("off", "0", "no"):
        return None
    directory = Path(setting) if setting else cache_home()
    try:
        return ResultStore(directory)
    except OSError as error:
        _log.warning(
            "gru-viz: results cannot be kept in %s (%s); computing them in each process",
            directory,
            error.strerror or error,
        )
        return None


def open_shipped(root: Path = SHIPPED_ROOT) -> ResultStore | None:
    """The shipped models' results that came with this code (read only), unless
    GRU_VIZ_SHIPPED_RESULTS is off."""
    if os.environ.get(SHIPPED_ENV, "").lower() in ("off", "0", "no"):
        return None
    return ResultStore(root, version=analysis_version(), read_only=True)
