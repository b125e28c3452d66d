"""What every model that adds offers, whatever computes it: numpy only.

`AdditionModel` is the seam between the GRU and everything that reads it (evaluation, analyses,
the app, the benchmarks). A subclass supplies `run`, the forward pass over a batch, and
`weights`; tracing one addition, predicting sum bits, fingerprints and model files come from
here. Shapes are batch first: inputs x (B, T, 2) hold (a_t, b_t); y is (B, T); gates and states
z, r, h_tilde, h are (B, T, H). Bit index t is worth 2**t (least significant bit first).
"""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from gru_viz import bits as bitlib
from gru_viz import checkpoint
from gru_viz.config import ModelConfig

MAX_BATCH_CELLS = 2**22  # predict_bits runs at most this many (pair, step) cells at once
PARALLEL_CALLS = 2  # predict_bits splits a batch into this many calls that run at once...
PARALLEL_PART_PAIRS = 64  # ...if each has at least this many pairs (fewer gain nothing here)
_pool: ThreadPoolExecutor | None = None


def _parallel_pool() -> ThreadPoolExecutor:
    """The threads predict_bits runs its parts on (TensorFlow releases Python's lock)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(PARALLEL_CALLS, thread_name_prefix="predict_bits")
    return _pool


MAX_TRACE_CELLS = 2**22  # a trace keeps 4 arrays of T x H floats: at most 64 MiB of them


def check_trace_size(n_steps: int, hidden_size: int) -> None:
    """ValueError, naming the limit, if tracing n_steps steps of hidden_size units would keep
    more than MAX_TRACE_CELLS values per gate."""
    if n_steps * hidden_size > MAX_TRACE_CELLS:
        longest = MAX_TRACE_CELLS // hidden_size - 1
        raise ValueError(
            f"an addition of {n_steps - 1:,}-bit numbers is too long to trace with "
            f"{hidden_size} hidden units: with them the limit is {longest:,} bits (about "
            f"{int(longest * 0.30103):,} decimal digits), so that one trace keeps at most "
            f"{MAX_TRACE_CELLS * 16 // 2**20} MiB"
        )


def probabilities(y: np.ndarray, output: str) -> np.ndarray:
    """Read the output y as the probability that a sum bit is 1 ("logistic" or "linear")."""
    if output == "logistic":
        return 1.0 / (1.0 + np.exp(-np.clip(y, -60.0, 60.0)))
    return np.clip(y, 0.0, 1.0)


@dataclass(frozen=True)
class Trace:
    """One addition as the model computed it; every array is indexed by bit, lowest first.

    bits_a, bits_b, bits_pred: int8 (T,); z, r, h_tilde, h: float32 (T, H); y, p: (T,).
    """

    a: int
    b: int
    bits_a: np.ndarray
    bits_b: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray
    y: np.ndarray
    p: np.ndarray
    bits_pred: np.ndarray
    predicted_sum: int

    @property
    def n_bits(self) -> int:
        return len(self.bits_a)

    @property
    def hidden_size(self) -> int:
        return self.h.shape[1]

    @property
    def true_sum(self) -> int:
        return self.a + self.b

    @property
    def bits_true(self) -> np.ndarray:
        return bitlib.to_bits(self.true_sum, self.n_bits)

    @property
    def carry(self) -> np.ndarray:
        """The true carry into each bit position (T,)."""
        return bitlib.carries_in(self.bits_a, self.bits_b)

    @property
    def correct(self) -> bool:
        return self.predicted_sum == self.true_sum


class AdditionModel(ABC):
    """A model that adds: its configuration, its forward pass and what follows from it.

    `train_config` and `provenance` are plain dicts carried into model files.
    """

    def __init__(
        self, config: ModelConfig, train_config: dict | None = None, provenance: dict | None = None
    ) -> None:
        self.config = config
        self.train_config = dict(train_config or {})
        self.provenance = dict(provenance or {})

    @abstractmethod
    def run(self, x: np.ndarray, keep_internals: bool = True) -> dict[str, np.ndarray]:
        """The forward pass on inputs x (B, T, 2): y (B, T) and, if asked, z, r, h_tilde and
        h (B, T, H)."""

    @abstractmethod
    def weights(self) -> dict[str, np.ndarray]:
        """A copy of every weight as a numpy array, keyed by its name in the equations."""

    @property
    def hidden_size(self) -> int:
        return self.config.hidden_size

    @property
    def train_bits(self) -> int | None:
        """The operand length the model was trained on, if its training config says."""
        bits = self.train_config.get("train_bits")
        return bits if isinstance(bits, int) and not isinstance(bits, bool) else None

    def fingerprint(self) -> str:
        """A short hash of everything that decides what the model computes: two models with
        the same fingerprint give the same results, so analyses are cached under it.

        Computed once and remembered (a page asks for it several times a run); whatever
        changes the weights in place must call weights_changed()."""
        known = getattr(self, "_fingerprint", None)
        if known is not None:
            return known
        digest = hashlib.sha1(repr(self.config).encode())
        for name, value in sorted(self.weights().items()):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(value, np.float32).tobytes())
        digest.update(self._fingerprint_extra())
        self._fingerprint = digest.hexdigest()[:16]
        return self._fingerprint

    def weights_changed(self) -> None:
        """Forget the fingerprint: the weights were changed in place (by training)."""
        self._fingerprint = None

    def _fingerprint_extra(self) -> bytes:
        """What a subclass adds to the fingerprint beyond config and weights."""
        return b""

    def probabilities(self, y: np.ndarray) -> np.ndarray:
        return probabilities(y, self.config.output)

    def predict_bits(self, operands: np.ndarray, n_steps: int) -> np.ndarray:
        """Predicted sum bits int8 (B, n_steps) for operand bits (B, 2, L), outputs only.

        Runs batches of at most MAX_BATCH_CELLS cells; a single batch that makes PARALLEL_CALLS
        parts of PARALLEL_PART_PAIRS pairs or more is split into them, run at once (one per
        core)."""
        x = bitlib.model_inputs(operands, n_steps)  # (B, T, 2)
        batch = max(1, min(len(x), MAX_BATCH_CELLS // max(n_steps, 1)))
        parts = [x[i : i + batch] for i in range(0, len(x), batch)]
        if len(parts) == 1 and len(x) >= PARALLEL_CALLS * PARALLEL_PART_PAIRS:
            size = -(-len(x) // PARALLEL_CALLS)
            parts = [x[i : i + size] for i in range(0, len(x), size)]
        if len(parts) > 1:
            ys = list(_parallel_pool().map(lambda part: self.run(part, False)["y"], parts))
        else:
            ys = [self.run(part, keep_internals=False)["y"] for part in parts]
        y = np.concatenate(ys) if ys else np.zeros((0, n_steps), np.float32)  # (B, T)
        return (self.probabilities(y) > 0.5).astype(np.int8)

    def trace(self, a: int, b: int, n_bits: int | None = None) -> Trace:
        """Add a and b, returning every gate and state per bit (see Trace).

        n_bits pads to a longer T; by default T = max(a.bit_length(), b.bit_length(), 1) + 1.
        ValueError if T times the hidden size is over MAX_TRACE_CELLS (before any work).
        """
        a = bitlib.check_operand(a, "a")
        b = bitlib.check_operand(b, "b")
        n_steps = bitlib.resolve_n_bits(a, b, n_bits)
        check_trace_size(n_steps, self.config.hidden_size)
        bits_a, bits_b = bitlib.to_bits(a, n_steps), bitlib.to_bits(b, n_steps)
        x = np.stack([bits_a, bits_b], axis=-1)[None].astype(np.float32)  # (1, T, 2)
        out = {k: v[0] for k, v in self.run(x).items()}
        p = self.probabilities(out["y"])  # (T,)
        bits_pred = (p > 0.5).astype(np.int8)
        internals = {k: out[k] for k in ("z", "r", "h_tilde", "h", "y")}
        return Trace(
            a=a,
            b=b,
            bits_a=bits_a,
            bits_b=bits_b,
            p=p,
            bits_pred=bits_pred,
            predicted_sum=bitlib.from_bits(bits_pred),
            **internals,
        )

    def to_bytes(self) -> bytes:
        """The model file's content (see gru_viz.checkpoint)."""
        return checkpoint.to_bytes(self)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to `path` (see gru_viz.checkpoint), atomically."""
        checkpoint.save(self, path)
