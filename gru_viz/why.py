"""Why one sum is right or wrong, as data and in words, computed from the trace.

Bit positions count from the least significant bit (position t is worth 2**t), as everywhere in
gru_viz. A carry chain is a run of positions that each pass a carry on: it begins at the
position that makes the carry (a_s = b_s = 1) and ends at the first position whose carry-in is
not passed on; its length is the number of positions the carry moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_viz import bits as bitlib
from gru_viz import carry
from gru_viz.addition import AdditionModel, Trace
from gru_viz.carry import CarryUnits


@dataclass(frozen=True)
class Explanation:
    """What went right or wrong in one addition.

    first_wrong: the lowest wrong sum bit, or None if the sum is right; first_p its p.
    chain_start, chain_length: where the carry chain that reaches first_wrong begins and how
    far its carry has moved on reaching it (None if no carry comes into it); chain_total: how
    far that chain's carry moves in all (it may run on past first_wrong). carry_unit: the unit
    that follows the carry best; unit_start and unit_end its state at the chain's start and on
    entering first_wrong; unit_lost: the first position of the chain where its state no longer
    reads as a carry (None if it held it). min_margin: the smallest |p - 0.5| of any sum bit,
    at margin_bit. train_bits: the operand length the model was trained on, if known;
    train_chain: the longest carry chain a sum of such numbers has.
    """

    correct: bool
    first_wrong: int | None
    chain_start: int | None
    chain_length: int | None
    chain_total: int | None
    carry_unit: int
    carry_score: float
    unit_start: float | None
    unit_end: float | None
    unit_lost: int | None
    unit_threshold: float
    first_p: float | None
    min_margin: float
    margin_bit: int
    n_carries: int
    longest_chain: int
    train_bits: int | None
    train_chain: int | None
    text: str


def chain_into(carry: np.ndarray, position: int) -> tuple[int, int] | None:
    """(start, length) of the carry chain that brings a carry into `position`, from the true
    carry into each bit (T,); None if no carry comes in."""
    if position == 0 or not carry[position]:
        return None
    start = position - 1
    while start > 0 and carry[start]:
        start -= 1
    return start, position - start


def chain_runs(carry: np.ndarray) -> list[tuple[int, int]]:
    """Every carry chain of one addition as (start, length), from the carry into each bit."""
    runs, t = [], 1
    while t < len(carry):
        if carry[t]:
            start = t - 1
            while t < len(carry) and carry[t]:
                t += 1
            runs.append((start, t - start - 1))
        t += 1
    return runs


def longest_chain(n_bits: int) -> int:
    """The longest carry chain in a sum of two numbers of at most `n_bits` bits: that of
    (2^n - 1) + 1, whose carry runs from bit 0 out of the top bit."""
    n = n_bits + 1
    carry_in = bitlib.carries_in(bitlib.to_bits(2**n_bits - 1, n), bitlib.to_bits(1, n))
    return max((length for _, length in chain_runs(carry_in)), default=0)


def explain(
    trace: Trace, model: AdditionModel, carry_units: CarryUnits | None = None
) -> Explanation:
    """Why `trace` (an addition by `model`) is right or wrong; carry_units defaults to
    gru_viz.carry.carry_units(model)."""
    if carry_units is None:
        carry_units = carry.carry_units(model)
    carry_in = trace.carry  # (T,)
    wrong = np.flatnonzero(trace.bits_pred != trace.bits_true)
    margins = np.abs(np.asarray(trace.p, np.float64) - 0.5)  # (T,)
    unit = int(carry_units.top)
    runs = chain_runs(carry_in)
    facts = dict(
        correct=bool(trace.correct),
        carry_unit=unit,
        carry_score=float(carry_units.scores[unit]),
        min_margin=float(margins.min()),
        margin_bit=int(margins.argmin()),
        n_carries=int(carry_in.sum()),
        longest_chain=max((length for _, length in runs), default=0),
        train_bits=model.train_bits,
        train_chain=longest_chain(model.train_bits) if model.train_bits else None,
    )
    first = int(wrong[0]) if len(wrong) else None
    chain = chain_into(carry_in, first) if first is not None else None
    start, length = chain if chain else (None, None)
    total = next((n for s, n in runs if s == start), None) if chain else None
    unit_start = unit_end = lost = None
    if chain:
        unit_start = float(trace.h[start, unit])
        unit_end = float(trace.h[first - 1, unit])
        lost = _lost_at(trace.h[start:first, unit], carry_units, unit, start)
    facts.update(first_wrong=first, chain_start=start, chain_length=length, chain_total=total)
    facts.update(unit_start=unit_start, unit_end=unit_end, unit_lost=lost)
    facts.update(unit_threshold=float(carry_units.thresholds[unit]))
    facts.update(first_p=None if first is None else float(trace.p[first]))
    return Explanation(**facts, text=_words(facts, len(wrong), trace.n_bits))


def _lost_at(states: np.ndarray, units: CarryUnits, unit: int, start: int) -> int | None:
    """The first position start + 1 + i whose incoming state states[i] (the unit's h after
    position start + i) no longer reads as a carry by the unit's threshold; None if all do."""
    reads = units.signs[unit] * (states - units.thresholds[unit]) > 0  # (L,)
    missing = np.flatnonzero(~reads)
    return None if len(missing) == 0 else start + 1 + int(missing[0])


def _words(facts: dict, n_wrong: int, n_bits: int) -> str:
    """What went wrong as a student needs it first (the carry, how far it had to go, what the
    model was trained on), then what the carry unit did, for those who want the numbers."""
    if facts["correct"]:
        return _right_words(facts, n_bits)
    first, start = facts["first_wrong"], facts["chain_start"]
    parts = [f"{n_wrong:,} of {n_bits:,} sum bits are wrong. The first wrong bit is {first:,}"]
    if start is None:
        parts[0] += ", where no carry comes in: the model carried one that was not there."
        return parts[0]
    total, moved = facts["chain_total"], facts["chain_length"]
    parts[0] += (
        f": a carry made at bit {start:,} has to travel {_bits(total)}, up to bit "
        f"{start + total:,}, and the model lets go of it after {_bits(moved)}, writing bit "
        f"{first:,} as if no carry had come in."
    )
    if facts["train_bits"]:
        parts.append(_training_words(facts))
    return " ".join(parts) + "\n\n" + _unit_words(facts)


def _bits(n: int) -> str:
    return f"{n:,} bit{'s' if n != 1 else ''}"


def _training_words(facts: dict) -> str:
    """The training's numbers against this chain: too short to have shown it, or not."""
    trained, longest = facts["train_bits"], facts["train_chain"]
    if facts["chain_total"] > longest:
        return (
            f"It was trained on {trained}-bit numbers, so it never saw a carry travel more "
            f"than {_bits(longest)}."
        )
    return (
        f"It was trained on {trained}-bit numbers, whose carries travel up to "
        f"{_bits(longest)}: this chain is no longer than those."
    )


def _unit_words(facts: dict) -> str:
    unit, lost = facts["carry_unit"], facts["unit_lost"]
    moved = f"Inside the model: its carry unit {unit} (carry score {facts['carry_score']:.2f}) " + (
        f"stood at {facts['unit_start']:.2f} at bit {facts['chain_start']:,} (where the "
        "carry was made)"
        if facts["chain_start"] == facts["first_wrong"] - 1  # no chain between to follow
        else f"went from {facts['unit_start']:.2f} to {facts['unit_end']:.2f} along the chain"
    )
    if lost is None:
        return (
            f"{moved} and still read as a carry (threshold {facts['unit_threshold']:.2f}), yet "
            f"the output gave p = {facts['first_p']:.2f} for a 1 at bit {facts['first_wrong']:,}: "
            "this unit does not hold the carry alone (a unit that does scores 1.00)."
        )
    return (
        f"{moved}: it stopped reading as a carry (threshold {facts['unit_threshold']:.2f}) "
        f"at bit {lost:,}."
    )


def _right_words(facts: dict, n_bits: int) -> str:
    margin = (
        f"The smallest margin of any output bit is {facts['min_margin']:.2f} "
        f"(bit {facts['margin_bit']:,}; 0.5 is a certain bit, 0 a coin toss)."
    )
    if facts["n_carries"] == 0:
        return f"No position of this sum carries, so there was no carry to keep. {margin}"
    return (
        f"Unit {facts['carry_unit']} carried: its state follows the true carry "
        f"(score {facts['carry_score']:.2f}). This sum has {facts['n_carries']:,} "
        f"carr{'ies' if facts['n_carries'] != 1 else 'y'}, the longest chain "
        f"{_bits(facts['longest_chain'])}. {margin}"
    )
