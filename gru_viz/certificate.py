"""What a certificate search finds (gru_viz.proof.certify): a Proof, with the certificate's
arrays when the model is proved, or the Failure that says where the search broke; and the
certificate as a file, the .npz that gru_viz.proof_check reads."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gru_viz.checkpoint import write_atomically


@dataclass(frozen=True)
class Failure:
    """Where the search gave up, with histories of `depth` inputs: one step from box `box`
    (the history `history`, labelled carry, bit; bounds lo, hi (H,)) reading (a, b) lands in
    box `target`, labelled target_carry, target_bit, whose logit then reaches `amount` past the
    margin on the wrong side of its bit (kind "sign"); or time ran out (kind "time") while that
    step still widened its target."""

    kind: str
    depth: int
    box: int
    history: tuple
    carry: int
    bit: int
    a: int
    b: int
    target: int
    target_carry: int
    target_bit: int
    amount: float
    lo: np.ndarray = field(repr=False)
    hi: np.ndarray = field(repr=False)

    def describe(self) -> str:
        head, *window = self.history
        pairs = " ".join(f"{i >> 1}{i & 1}" for i in window) or "nothing"
        since = "h_0 = 0" if head == "start" else f"carry {head}"
        where = (
            f"box {self.box} (after {pairs} from {since}; carry {self.carry}, bit {self.bit}; "
            f"widest side {float((self.hi - self.lo).max()):.3g}) reading a={self.a}, b={self.b}"
        )
        target = f"box {self.target} (carry {self.target_carry}, bit {self.target_bit})"
        if self.kind == "sign":
            return (
                f"one step from {where} lands in {target}, whose logit then reaches "
                f"{self.amount:.3g} past the margin on the wrong side"
            )
        return f"out of time while one step from {where} still widened {target}"


@dataclass(frozen=True)
class Proof:
    """The result of `certify`. If `proved`, the certificate's arrays (see gru_viz.proof_check):
    lo, hi float64 (K, H), carry, bit int8 (K,), edges int32 (E, 3) rows (k, i, j), start and
    margin; else `failure` says where the search broke. `reason` says either in a sentence."""

    proved: bool
    reason: str
    margin: float
    seconds: float
    n_boxes: int
    lo: np.ndarray | None = field(default=None, repr=False)
    hi: np.ndarray | None = field(default=None, repr=False)
    carry: np.ndarray | None = field(default=None, repr=False)
    bit: np.ndarray | None = field(default=None, repr=False)
    edges: np.ndarray | None = field(default=None, repr=False)
    start: int = 0
    failure: Failure | None = None


def save_certificate(proof: Proof, path: str | Path) -> None:
    """Write a proved Proof's certificate as an .npz of plain arrays (no pickles), atomically
    (checkpoint.write_atomically: a reader sees the old file or the new one)."""
    write_atomically(certificate_bytes(proof), Path(path))


def certificate_bytes(proof: Proof) -> bytes:
    """A proved Proof's certificate file: an .npz of plain arrays (no pickles)."""
    if not proof.proved:
        raise ValueError(f"there is no certificate to save: {proof.reason}")
    buffer = io.BytesIO()
    np.savez(
        buffer,
        lo=proof.lo,
        hi=proof.hi,
        carry=proof.carry,
        bit=proof.bit,
        edges=proof.edges,
        start=np.int64(proof.start),
        margin=np.float64(proof.margin),
    )
    return buffer.getvalue()
