"""One step of one addition, with the real numbers: what the GRU read, what its gates did, what
it wrote, and what the carry does at that bit. Positions count from the least significant bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz.addition import Trace
from gru_viz.why import chain_runs


@dataclass(frozen=True)
class Step:
    """Step t of a trace. units: the hidden units shown (carry units first); h_prev, z, r,
    h_tilde, h: their values at this step (len(units),). carry_in, carry_out: the true carry
    into and out of bit t. p: the model's probability that sum bit t is 1."""

    t: int
    a: int
    b: int
    carry_in: int
    carry_out: int
    true_bit: int
    predicted_bit: int
    p: float
    units: tuple[int, ...]
    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray

    @property
    def carry_words(self) -> str:
        """What the carry does at this bit, in words."""
        total = self.a + self.b + self.carry_in
        sums = f"{self.a} + {self.b} + carry {self.carry_in} = {total}"
        if self.a == self.b == 1:
            what = "makes a carry" if not self.carry_in else "makes a carry and passes one on"
        elif self.a != self.b:
            what = "passes the carry on" if self.carry_in else "has no carry to pass on"
        else:
            what = "ends the carry" if self.carry_in else "has no carry"
        return f"{sums}: sum bit {total % 2}, carry out {total // 2}; this bit {what}."


def step(trace: Trace, t: int, units: tuple[int, ...] | list[int]) -> Step:
    """Step t (0 <= t < T) of `trace`, showing `units`; ValueError for a t outside."""
    if not 0 <= t < trace.n_bits:
        raise ValueError(f"step {t} is outside this addition's steps 0 to {trace.n_bits - 1}")
    chosen = list(units)
    carry = trace.carry  # (T,)
    h_prev = trace.h[t - 1, chosen] if t > 0 else np.zeros(len(chosen), np.float32)
    return Step(
        t=t,
        a=int(trace.bits_a[t]),
        b=int(trace.bits_b[t]),
        carry_in=int(carry[t]),
        carry_out=int(carry[t + 1]) if t + 1 < trace.n_bits else 0,
        true_bit=int(trace.bits_true[t]),
        predicted_bit=int(trace.bits_pred[t]),
        p=float(trace.p[t]),
        units=tuple(int(u) for u in chosen),
        h_prev=h_prev,
        z=trace.z[t, chosen],
        r=trace.r[t, chosen],
        h_tilde=trace.h_tilde[t, chosen],
        h=trace.h[t, chosen],
    )


def next_chain(trace: Trace, t: int) -> int | None:
    """The start of the first carry chain that begins after position t, or None."""
    starts = [start for start, _ in chain_runs(trace.carry) if start > t]
    return starts[0] if starts else None


def next_wrong(trace: Trace, t: int) -> int | None:
    """The first wrong sum bit after position t, or None."""
    wrong = np.flatnonzero(trace.bits_pred != trace.bits_true)
    later = wrong[wrong > t]
    return int(later[0]) if len(later) else None


def walk(trace: Trace, units: tuple[int, ...] | list[int], limit: int) -> tuple[Step, ...]:
    """Steps 0, 1, ... of `trace` showing `units`, at most `limit` of them (the lowest bits
    first): what an animation of the step-through plays, one frame per step."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1 step; got {limit}")
    return tuple(step(trace, t, units) for t in range(min(trace.n_bits, limit)))
