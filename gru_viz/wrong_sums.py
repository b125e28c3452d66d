"""The shortest addition a model gets wrong, found and confirmed by the model itself.

`counterexample` looks from where the proof breaks (gru_viz.proof: the failing history is an
addition to try), by running every input sequence up to EXHAUSTIVE_STEPS steps in float64, and
from the extracted machine's first departure (gru_viz.extraction); whatever it finds, the model
itself (its trace) must get wrong, or it is not reported.
"""

from __future__ import annotations

import numpy as np

from gru_viz.certificate import Failure, Proof
from gru_viz.intervals import gru_step, weights_of
from gru_viz.proof import Settings, carry_after, certify

EXHAUSTIVE_STEPS = 10  # every input sequence of up to this many steps is run (4**10 at most)
BORDERLINE = 1e-3  # a float64 logit this close to its threshold is left to the model to decide


def _doubtful(w, linear: bool, h: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Whether the output from states h (N, H) is wrong against sum bits truth (N,), or too
    close to call in float64."""
    y = h @ w["Wo"][:, 0] + w["bo"][0] - (0.5 if linear else 0.0)  # (N,)
    return (np.where(truth == 1, y, -y) < BORDERLINE) | ~np.isfinite(y)


def _steps_of(pair: tuple[int, int]) -> int:
    return max(pair[0].bit_length(), pair[1].bit_length(), 1) + 1


def _inputs(a: int, b: int, n_steps: int) -> list[int]:
    return [2 * ((a >> t) & 1) + ((b >> t) & 1) for t in range(n_steps)]


def _pair(inputs) -> tuple[int, int]:
    """The operands (a, b) of a sequence of input indices, least significant first."""
    a = sum(int(i >> 1) << t for t, i in enumerate(inputs))
    return a, sum(int(i & 1) << t for t, i in enumerate(inputs))


def _addition_through(inputs, t: int) -> tuple[int, int]:
    """The shortest addition whose own steps start with inputs[: t + 1] and include step t."""
    a, b = _pair(inputs[: t + 1])
    return (a | 1 << (t + 1), b) if _steps_of((a, b)) <= t else (a, b)


def doubtful_pairs(w, linear: bool, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The additions whose float64 run has a sum bit wrong or too close to call (each over its
    own steps)."""
    out = []
    for a, b in pairs:
        inputs = np.array(_inputs(a, b, _steps_of((a, b))))
        h, carry = np.zeros((1, w["Uz"].shape[0])), 0
        for i in inputs:
            h = gru_step(w, h, np.array([i]))
            s = (i >> 1) + (i & 1) + carry
            carry = int(s >= 2)
            if _doubtful(w, linear, h, np.array([s & 1]))[0]:
                out.append((a, b))
                break
    return out


def scan(w, linear: bool, max_steps: int, chunk: int = 2**16) -> list[tuple[int, int]]:
    """Every input sequence of up to max_steps steps, run in float64 with prefixes shared: the
    shortest additions through each step whose output is doubtful, from the first steps that
    have any (and up to two after, whose additions may be as short). Row r of step t is the
    prefix whose input s is (r >> 2 (t - s)) & 3."""
    H = w["Uz"].shape[0]
    h, carry = np.zeros((1, H)), np.zeros(1, np.int64)  # (4**t, H), (4**t,): every prefix
    found: list[tuple[int, int]] = []
    for t in range(max_steps):
        if found and t >= min(_steps_of(p) for p in found):
            break
        last = t == max_steps - 1  # the longest prefixes are made in chunks and not kept
        parts = []
        for start in range(0, len(h), chunk):
            parents = np.arange(start, min(start + chunk, len(h)))
            rows, inputs = 4 * np.repeat(parents, 4), np.tile(np.arange(4), len(parents))
            h_next = gru_step(w, np.repeat(h[parents], 4, axis=0), inputs)  # (4 P, H)
            s = (inputs >> 1) + (inputs & 1) + np.repeat(carry[parents], 4)
            doubtful = np.flatnonzero(_doubtful(w, linear, h_next, s & 1))
            for r in rows[doubtful] + inputs[doubtful]:
                prefix = [(int(r) >> 2 * (t - u)) & 3 for u in range(t + 1)]
                found.append(_addition_through(prefix, t))
            if not last:
                parts.append((h_next, (s >= 2).astype(np.int64)))
        if not last:
            h, carry = (np.concatenate(x) for x in zip(*parts))
    return sorted(set(found), key=lambda p: (_steps_of(p), p))


def shrink(w, linear: bool, a: int, b: int) -> tuple[int, int]:
    """A shorter doubtful addition from one: for each step t, the operands cut to their bits up
    to t (outputs up to t read nothing else) and with their k lowest bits dropped; the
    shortest that stays doubtful, repeated while it gets shorter."""
    while True:
        n = _steps_of((a, b))
        tries = [_addition_through(_inputs(a, b, n), t) for t in range(n)]
        tries += [(a >> k, b >> k) for k in range(1, n)]
        doubtful = doubtful_pairs(w, linear, sorted(set(tries), key=lambda p: (_steps_of(p), p)))
        shorter = min(doubtful, key=lambda p: (_steps_of(p), p), default=(a, b))
        if _steps_of(shorter) >= n:
            return a, b
        a, b = shorter


def _proof_candidates(failure: Failure, rng: np.random.Generator, n: int = 64) -> list:
    """Additions that take the path where a proof broke: a random lead-in leaving the carry
    the failing box stands for, the box's history, then the input that failed."""
    head, *window = failure.history
    pairs = []
    for _ in range(1 if head == "start" else n):
        lead = [] if head == "start" else [int(i) for i in rng.integers(0, 4, rng.integers(0, 32))]
        carry = 0
        for i in lead:
            carry = carry_after(carry, i)
        if head != "start" and carry != head:
            lead.append(3 if head == 1 else 0)  # (1, 1) makes a carry, (0, 0) ends one
        inputs = [*lead, *window, 2 * failure.a + failure.b]
        pairs.append(_addition_through(inputs, len(inputs) - 1))
    return pairs


def _confirmed(model, pairs) -> tuple[int, int, int] | None:
    """The first pair the model itself adds wrongly (model.trace), with its first wrong bit."""
    for a, b in pairs:
        trace = model.trace(a, b)
        if not trace.correct:
            return a, b, int(np.argmax(trace.bits_pred != trace.bits_true))
    return None


def counterexample(
    model,
    proof: Proof | None = None,
    machine=None,
    max_steps: int = EXHAUSTIVE_STEPS,
    seed: int = 0,
) -> tuple[int, int, int] | None:
    """The shortest addition found that `model` gets wrong, as (a, b, first wrong bit),
    confirmed by model.trace; None if none is found.

    1. Where the proof breaks (`proof`, else a 2 s certify run) gives candidates: additions
       that follow the failing box's history into the input that failed.
    2. Every input sequence shorter than the best candidate, up to max_steps steps, is run in
       float64 (prefixes shared); an output wrong or within 1e-3 of its threshold is a
       candidate, left to the model to decide. A counterexample found in this range is the
       shortest there is.
    3. Failing both, the extracted machine's first departure (`machine`, else
       gru_viz.extraction.extract_automaton) is a candidate: the shortest addition found, up to
       4,095 bits, where the model's sum bits leave the machine's.
    Every candidate is cut down by `shrink`, and the model confirms or refutes them, shortest
    first. A model with a proof has no counterexample: None at once."""
    w, linear = weights_of(model)
    if proof is None:
        proof = certify(model, Settings(seconds=2.0))
    if proof.proved:  # there is none to find
        return None
    guided = []
    if proof.failure is not None:
        rng = np.random.default_rng(seed)
        guided = doubtful_pairs(w, linear, _proof_candidates(proof.failure, rng))
    guided = sorted({shrink(w, linear, a, b) for a, b in guided}, key=lambda p: (_steps_of(p), p))
    limit = min([max_steps, *(_steps_of(p) - 1 for p in guided[:1])])
    candidates = sorted({*scan(w, linear, limit), *guided}, key=lambda p: (_steps_of(p), p))
    found = _confirmed(model, candidates)
    if found is None:
        if machine is None:
            from gru_viz.extraction import extract_automaton

            machine = extract_automaton(model, seed=seed)
        departure = machine.first_departure
        if departure is not None:
            a, b = shrink(w, linear, *departure[:2])
            found = _confirmed(model, [(a, b), departure[:2]])
    return found
