"""The finite-state (Mealy) machine that adds: its tables, running it, and minimizing it.

A machine reads one input pair (a_t, b_t) per step, least significant bit first, and emits sum
bit s_t. Inputs are numbered i = 2 a + b, so INPUTS[i] == (a, b); tables are indexed
table[state][i]; -1 (UNSEEN) marks a (state, input) the data never showed. Reading the machine
a trained GRU implements off its hidden states is gru_viz.extraction's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))  # INPUTS[i] = (a, b), i = 2 a + b
UNSEEN = -1  # a (state, input) the data never showed; a machine that reaches it is lost

Table = tuple[tuple[int, ...], ...]  # (S, 4): table[state][i]


@dataclass(frozen=True)
class Automaton:
    """A Mealy machine that adds, reading operand bits least significant first.

    next[s][i] is the state after reading input i = 2 a + b in state s and out[s][i] the sum
    bit it emits, both UNSEEN (-1) where the data never showed that (state, input); `start` is
    the state before bit 0; `names` label states in drawings (default q0, q1, ...).
    counts[s][i] is how many observed GRU steps fell on (s, i), next_votes and out_votes how
    many of them went to the majority next state and emitted the majority bit. The rest
    describe an extraction and are None on hand-made machines: n_clusters (k of k-means; h = 0
    is one more state), quantization_error (within-cluster over total sum of squares),
    consistency (fraction of observed GRU steps whose quantized next state and sum bit the
    majority machine reproduces), agreement_random and agreement_stress (fractions of exactly
    right sums), first_departure ((a, b, bit position) of the shortest addition found where
    model and machine emit different sum bits), cluster_state (the state of each region,
    region 0 being h = 0, -1 if dropped) and centroids (k, H) of the regions 1..k.
    """

    next: Table
    out: Table
    start: int = 0
    names: tuple[str, ...] = ()
    counts: Table | None = None
    next_votes: Table | None = None
    out_votes: Table | None = None
    n_clusters: int | None = None
    quantization_error: float | None = None
    consistency: float | None = None
    agreement_random: float | None = None
    agreement_stress: float | None = None
    first_departure: tuple[int, int, int] | None = None
    cluster_state: tuple[int, ...] | None = None
    centroids: np.ndarray | None = field(default=None, compare=False, repr=False)  # (k, H)

    @property
    def n_states(self) -> int:
        return len(self.next)

    @property
    def is_adder(self) -> bool:
        """Whether this is the two-state ripple-carry adder up to renaming its states."""
        return is_isomorphic(self, textbook_adder())

    def name(self, state: int) -> str:
        return self.names[state] if self.names else f"q{state}"

    @staticmethod
    def label(i: int, bit: int) -> str:
        """Edge label "a b / s" for input i = 2 a + b emitting sum bit `bit`."""
        a, b = INPUTS[i]
        return f"{a} {b} / {bit}"


def _as_table(array: np.ndarray) -> Table:
    return tuple(tuple(int(v) for v in row) for row in np.asarray(array))


def textbook_adder() -> Automaton:
    """The ripple-carry adder: state c = carry (start 0), out = a ^ b ^ c, next = maj(a, b, c)."""
    nxt = [[int(a + b + c >= 2) for a, b in INPUTS] for c in (0, 1)]
    out = [[(a + b + c) % 2 for a, b in INPUTS] for c in (0, 1)]
    return Automaton(_as_table(nxt), _as_table(out), 0, ("carry 0", "carry 1"))


# --- running a machine -------------------------------------------------------------------


def _simulate(automaton: Automaton, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run the machine on input indices (N, T): states (N, T + 1) from the start, outputs (N, T).

    A machine that meets an UNSEEN transition is lost: state and outputs -1 from there on.
    """
    n = automaton.n_states
    nxt = np.vstack([np.asarray(automaton.next), np.full((1, 4), n)])  # (S + 1, 4)
    nxt[nxt == UNSEEN] = n  # the extra row n is the lost state, where every move stays
    out = np.vstack([np.asarray(automaton.out), np.full((1, 4), UNSEEN)]).ravel()  # (4 (S + 1),)
    nxt = nxt.ravel()  # (4 (S + 1),) indexed by 4 state + input
    steps = np.ascontiguousarray(np.asarray(inputs, np.int64).T)  # (T, N), a row per step
    states = np.empty((len(steps) + 1, steps.shape[1]), np.int64)  # (T + 1, N)
    outputs = np.empty(steps.shape, np.int64)  # (T, N)
    states[0] = automaton.start
    for t, step in enumerate(steps):
        index = 4 * states[t] + step  # (N,)
        outputs[t] = out.take(index)
        states[t + 1] = nxt.take(index)
    states[states == n] = UNSEEN
    return states.T, outputs.T


def _input_index(bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    return 2 * np.asarray(bits_a, np.int64) + np.asarray(bits_b, np.int64)


def machine_path(automaton: Automaton, bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    """States the machine visits adding bits_a, bits_b (T,), least significant first: int (T + 1,)
    from the start state; -1 after an UNSEEN transition."""
    states, _ = _simulate(automaton, _input_index(bits_a, bits_b)[None])
    return states[0]


def run_machine(automaton: Automaton, bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    """Sum bits the machine emits for operand bits (T,), least significant first: int8 (T,),
    -1 after an UNSEEN transition. Pad the operands by one bit to get the last carry."""
    _, outputs = _simulate(automaton, _input_index(bits_a, bits_b)[None])
    return outputs[0].astype(np.int8)


def is_isomorphic(first: Automaton, second: Automaton) -> bool:
    """Whether the two machines are the same up to renaming states, start to start (every state
    must be reachable, as after `minimize`)."""
    if first.n_states != second.n_states:
        return False
    mapping = {first.start: second.start}
    queue = [first.start]
    while queue:
        s = queue.pop()
        t = mapping[s]
        if first.out[s] != second.out[t]:
            return False
        for s2, t2 in zip(first.next[s], second.next[t]):
            if UNSEEN in (s2, t2):
                if s2 != t2:
                    return False
            elif s2 not in mapping:
                mapping[s2] = t2
                queue.append(s2)
            elif mapping[s2] != t2:
                return False
    return len(mapping) == first.n_states == len(set(mapping.values()))


# --- minimization ------------------------------------------------------------------------


def _reachable(automaton: Automaton) -> list[int]:
    """States reachable from the start, in breadth-first order (inputs in order 0..3)."""
    order, seen = [automaton.start], {automaton.start}
    for s in order:
        for t in automaton.next[s]:
            if t != UNSEEN and t not in seen:
                seen.add(t)
                order.append(t)
    return order


def _renumber(keys: Sequence[object]) -> list[int]:
    """Block numbers for keys, 0, 1, ... in order of first appearance."""
    ids: dict[object, int] = {}
    return [ids.setdefault(key, len(ids)) for key in keys]


def _partition(automaton: Automaton, states: list[int]) -> list[int]:
    """Moore's partition refinement: the block of each of `states` (aligned with the list).

    Start from blocks of equal output rows, then split by the blocks the four moves lead to,
    until nothing splits. UNSEEN is a symbol of its own, so holes must match to merge."""
    where = {s: j for j, s in enumerate(states)}
    block = _renumber([automaton.out[s] for s in states])
    while True:
        keys = [
            (block[j], *(UNSEEN if t == UNSEEN else block[where[t]] for t in automaton.next[s]))
            for j, s in enumerate(states)
        ]
        refined = _renumber(keys)
        if max(refined) == max(block):
            return refined
        block = refined


def _sum_rows(table: Table | None, groups: list[list[int]]) -> Table | None:
    if table is None:
        return None
    return _as_table([np.sum([table[s] for s in group], axis=0) for group in groups])


def minimize(automaton: Automaton) -> Automaton:
    """The smallest equivalent machine: unreachable states dropped, equivalent states merged.

    States are renumbered in breadth-first order from the start, which becomes state 0;
    counts and votes are summed over merged states; `cluster_state` maps each state of the
    input (or of the regions it came from) to its new state, -1 if unreachable."""
    states = _reachable(automaton)
    block = _partition(automaton, states)
    new = dict(zip(states, block))  # old state -> new state
    groups = [[s for s, b in new.items() if b == j] for j in range(max(block) + 1)]
    reps = [group[0] for group in groups]
    nxt = [[UNSEEN if t == UNSEEN else new[t] for t in automaton.next[s]] for s in reps]
    old = automaton.cluster_state or tuple(range(automaton.n_states))
    return replace(
        automaton,
        next=_as_table(nxt),
        out=_as_table([automaton.out[s] for s in reps]),
        start=0,
        names=tuple(automaton.name(s) for s in reps) if automaton.names else (),
        counts=_sum_rows(automaton.counts, groups),
        next_votes=_sum_rows(automaton.next_votes, groups),
        out_votes=_sum_rows(automaton.out_votes, groups),
        cluster_state=tuple(new.get(s, UNSEEN) if s != UNSEEN else UNSEEN for s in old),
    )
