"""Reading the finite-state (Mealy) machine a trained GRU implements off its hidden states, and
checking it against the GRU.

The GRU reads one input pair (a_t, b_t) per step, least significant bit first, and emits sum
bit s_t. If its hidden state h (H,) only ever sits in a few regions, it is a Mealy machine
(gru_viz.automaton). `extract_automaton` (numpy only; the model runs its own forward pass):

1. runs the model on additions of uniform and of carry-chain operands, keeping h (B, T, H);
2. quantizes the states with k-means, k = 2, 4, 8, 16 until the within-cluster sum of squares
   is at most 5% of the total, fitted on 2,048 of the states (best of 4 seedings); h = 0 before
   bit 0 is a state of its own, so minimization decides whether it acts like another;
3. takes each (state, input)'s majority next state and sum bit (sum bit: p > 0.5);
4. minimizes (unreachable states dropped, Moore's partition refinement, start kept as 0);
5. measures it: consistency with the GRU's own steps, exact sums on random and stress
   additions, and the shortest addition found where the model and the machine disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.automaton import UNSEEN, Automaton, _as_table, _input_index, _simulate, minimize

READ_PAIRS = 256  # additions whose hidden states the machine is read from
READ_BITS = 63  # operand bits of each (64 steps with the last carry)
AGREEMENT_PAIRS = 1000  # random additions the machine is run on alone, of AGREEMENT_BITS bits
AGREEMENT_BITS = 1024
SEARCH_BITS = 4095  # the departure search covers operands up to this many bits...
EVERY_LENGTH_UP_TO = 127  # ...every length up to this one, then four lengths per doubling


# --- extraction from a model -------------------------------------------------------------


def _collect(
    model, rng: np.random.Generator, n_pairs: int, n_bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the model on n_pairs additions of n_bits-bit operands, half uniform and half carry
    chains, over n_bits + 1 steps: hidden states h (B, T, H) after each step, input indices
    (B, T) and predicted sum bits (B, T), least significant bit first."""
    half = n_pairs // 2
    operands = np.concatenate(
        [
            bitlib.random_operands(rng, half, n_bits),
            bitlib.chain_operands(rng, n_pairs - half, n_bits),
        ]
    )  # (B, 2, L)
    x = bitlib.model_inputs(operands, n_bits + 1)  # (B, T, 2)
    result = model.run(x, keep_internals=True)
    predicted = (model.probabilities(result["y"]) > 0.5).astype(np.int64)
    return result["h"], _input_index(x[..., 0], x[..., 1]), predicted


def _kmeans(
    points: np.ndarray, k: int, rng: np.random.Generator, n_iter: int = 50
) -> tuple[np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding on points (N, D): centroids (k, D) and the
    within-cluster sum of squares. An emptied cluster keeps its old centre."""
    centroids = points[[rng.integers(len(points))]]  # (1, D)
    d2 = _sq_distances(points, centroids)[:, 0]  # (N,)
    for _ in range(1, k):
        chosen = points[[rng.choice(len(points), p=d2 / d2.sum())]]  # (1, D)
        centroids = np.vstack([centroids, chosen])
        d2 = np.minimum(d2, _sq_distances(points, chosen)[:, 0])
    labels = np.full(len(points), -1)
    for _ in range(n_iter):
        new_labels = _sq_distances(points, centroids).argmin(axis=1)  # (N,)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        members = np.eye(k)[labels]  # (N, k) one-hot
        sizes = members.sum(axis=0)[:, None]  # (k, 1)
        centroids = np.where(sizes > 0, members.T @ points / np.maximum(sizes, 1), centroids)
    return centroids, float(_sq_distances(points, centroids).min(axis=1).sum())


def _sq_distances(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Squared distances (N, k) between points (N, D) and centroids (k, D)."""
    cross = points @ np.ascontiguousarray(centroids.T)  # (N, k); contiguous is much faster
    d2 = (points**2).sum(axis=1)[:, None] - 2 * cross + (centroids**2).sum(axis=1)
    return np.maximum(d2, 0.0)


def _quantize(
    points: np.ndarray, rng: np.random.Generator, k_max: int, tolerance: float, n_fit: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Cluster points (N, D): k-means on n_fit of them (best of 4 seedings), k doubled from 2
    until the within-cluster sum of squares over all points is at most `tolerance` of their
    total about the mean, or k reaches k_max. Returns centroids (k, D), labels (N,) of the
    nearest centroid, and that relative error."""
    sample = points[rng.permutation(len(points))[:n_fit]]  # (n_fit, D)
    total = float(((points - points.mean(axis=0)) ** 2).sum()) or 1.0
    k = 2
    while True:
        fits = [_kmeans(sample, k, rng) for _ in range(4)]
        centroids = min(fits, key=lambda fit: fit[1])[0]  # (k, D)
        d2 = _sq_distances(points, centroids)  # (N, k)
        error = float(d2.min(axis=1).sum()) / total
        if error <= tolerance or k >= k_max:
            return centroids, d2.argmin(axis=1), error
        k = min(2 * k, k_max)


def _majority(
    before: np.ndarray, inputs: np.ndarray, after: np.ndarray, bits: np.ndarray, n: int
) -> tuple[Automaton, float]:
    """The majority machine over n states from observed steps (all (M,)): state before, input
    index, state after, sum bit. Ties go to the lower state or bit 0. Also its consistency."""
    moves = np.zeros((n, 4, n), np.int64)  # (S, 4, S)
    outs = np.zeros((n, 4, 2), np.int64)  # (S, 4, 2)
    np.add.at(moves, (before, inputs, after), 1)
    np.add.at(outs, (before, inputs, bits), 1)
    seen = moves.sum(axis=2)  # (S, 4)
    nxt = np.where(seen > 0, moves.argmax(axis=2), UNSEEN)  # (S, 4)
    out = np.where(seen > 0, outs.argmax(axis=2), UNSEEN)  # (S, 4)
    consistency = np.mean((nxt[before, inputs] == after) & (out[before, inputs] == bits))
    machine = Automaton(
        _as_table(nxt),
        _as_table(out),
        counts=_as_table(seen),
        next_votes=_as_table(moves.max(axis=2)),
        out_votes=_as_table(outs.max(axis=2)),
    )
    return machine, float(consistency)


def extract_automaton(
    model,
    seed: int = 0,
    n_pairs: int = READ_PAIRS,
    n_bits: int = READ_BITS,
    k_max: int = 16,
    tolerance: float = 0.05,
    n_fit: int = 2048,
    max_bits: int = SEARCH_BITS,
) -> Automaton:
    """The minimized Mealy machine `model` implements, with the evidence (see the module doc).

    model: anything with run(x (B, T, 2), keep_internals) -> {"y": (B, T), "h": (B, T, H)},
    predict_bits(operands (B, 2, L), n_steps) -> (B, T) and config.output, e.g. a GRUModel.
    The states come from n_pairs additions of n_bits-bit operands (half uniform, half carry
    chains; n_bits + 1 steps, least significant bit first); k-means doubles k from 2 to at most
    k_max until its error is at most `tolerance` of the variance, fitting on n_fit states. The
    departure search covers operands up to max_bits bits. Deterministic for a given seed."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    h, inputs, predicted = _collect(model, rngs[0], n_pairs, n_bits)  # (B, T, H), (B, T) x 2
    B, T, H = h.shape
    points = h.reshape(-1, H).astype(np.float64)  # (B T, H)
    centroids, labels, error = _quantize(points, rngs[1], k_max, tolerance, n_fit)
    after = labels.reshape(B, T) + 1  # (B, T) state after step t; state 0 is h = 0
    before = np.concatenate([np.zeros((B, 1), np.int64), after[:, :-1]], axis=1)  # (B, T)
    steps = (before.ravel(), inputs.ravel(), after.ravel(), predicted.ravel())
    quantized, consistency = _majority(*steps, n=len(centroids) + 1)
    machine = replace(
        minimize(quantized),
        n_clusters=len(centroids),
        quantization_error=error,
        consistency=consistency,
        centroids=centroids,
    )
    random_ok, stress_ok = agreement(machine, rngs[2])
    return replace(
        machine,
        agreement_random=random_ok,
        agreement_stress=stress_ok,
        first_departure=find_departure(model, machine, rngs[3], max_bits),
    )


# --- checking a machine ------------------------------------------------------------------


def _pairs_to_inputs(pairs: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Input indices (N, T) for integer pairs, zero padded to the longest sum, and each pair's
    own number of steps (N,) as model.trace counts them (longer operand + 1)."""
    steps = np.array([bitlib.default_n_bits(a, b) for a, b in pairs])  # (N,)
    n_steps = int(steps.max())
    rows_a = bitlib.ints_to_rows([a for a, _ in pairs], n_steps)  # (N, T)
    rows_b = bitlib.ints_to_rows([b for _, b in pairs], n_steps)  # (N, T)
    return _input_index(rows_a, rows_b), steps


def _exact_fraction(automaton: Automaton, pairs: Sequence[tuple[int, int]]) -> float:
    """Fraction of integer pairs whose sum the machine gets exactly right."""
    inputs, steps = _pairs_to_inputs(pairs)  # (N, T), (N,)
    _, outputs = _simulate(automaton, inputs)  # (N, T)
    true = bitlib.ints_to_rows([a + b for a, b in pairs], inputs.shape[1])  # (N, T)
    inside = np.arange(inputs.shape[1]) < steps[:, None]  # (N, T)
    return float(np.mean(np.all((outputs == true) | ~inside, axis=1)))


def _random_ints(rng: np.random.Generator, n_bits: Sequence[int]) -> list[int]:
    """One uniform random integer below 2**n for each n."""
    rows = bitlib.random_operands(rng, len(n_bits), max(n_bits))[:, 0]  # (N, L)
    rows *= np.arange(rows.shape[1]) < np.asarray(n_bits)[:, None]
    return bitlib.rows_to_ints(rows)


def _stress_pairs(rng: np.random.Generator, lengths: Sequence[int]) -> list[tuple[int, int]]:
    """Per length n: (2**n - 1) + 1, a + (2**n - a) for a random 0 < a < 2**n, and an n-bit
    pair from chain_operands (carry chains of every length)."""
    ones = [((1 << n) - 1, 1) for n in lengths]
    complements = [
        (max(a, 1), (1 << n) - max(a, 1)) for n, a in zip(lengths, _random_ints(rng, lengths))
    ]
    chains = bitlib.chain_operands(rng, len(lengths), max(lengths))  # (N, 2, L)
    chains *= (np.arange(chains.shape[2]) < np.asarray(lengths)[:, None])[:, None]
    return ones + complements + list(zip(*(bitlib.rows_to_ints(chains[:, j]) for j in (0, 1))))


def agreement(
    automaton: Automaton,
    rng: np.random.Generator,
    n_pairs: int = AGREEMENT_PAIRS,
    n_bits: int = AGREEMENT_BITS,
) -> tuple[float, float]:
    """Fractions of exactly right sums (random, stress): n_pairs uniform n_bits-bit pairs, and
    the stress pairs of `_stress_pairs` for every length 1..n_bits."""
    operands = bitlib.random_operands(rng, n_pairs, n_bits)  # (N, 2, L)
    uniform = list(zip(bitlib.rows_to_ints(operands[:, 0]), bitlib.rows_to_ints(operands[:, 1])))
    stress = _stress_pairs(rng, range(1, n_bits + 1))
    return _exact_fraction(automaton, uniform), _exact_fraction(automaton, stress)


def _search_lengths(max_bits: int) -> tuple[list[int], list[int]]:
    """Operand lengths to search: every length up to EVERY_LENGTH_UP_TO, then four per doubling
    to max_bits."""
    short = list(range(1, min(max_bits, EVERY_LENGTH_UP_TO) + 1))
    first = EVERY_LENGTH_UP_TO + 1
    ladder = {min(max_bits, round(first * 2 ** (j / 4))) for j in range(1, 64)}
    return short, sorted(n for n in ladder if n > EVERY_LENGTH_UP_TO)


def _shrink(a: int, b: int, position: int) -> tuple[int, int, int]:
    """The same departure on the operands cut to their lowest position + 1 bits, if that
    addition still reaches `position` (outputs up to it depend only on the bits up to it)."""
    mask = (1 << (position + 1)) - 1
    if bitlib.default_n_bits(a & mask, b & mask) > position:
        return a & mask, b & mask, position
    return a, b, position


def _departures(
    model, automaton: Automaton, pairs: Sequence[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """(a, b, first bit where the model's and the machine's sums differ), shrunk, per pair
    that has one; each pair runs over its own steps (longer operand + 1)."""
    inputs, steps = _pairs_to_inputs(pairs)  # (N, T), (N,)
    operands = np.stack([inputs >> 1, inputs & 1], axis=1).astype(np.int8)  # (N, 2, T)
    gru = model.predict_bits(operands, inputs.shape[1])  # (N, T)
    _, machine = _simulate(automaton, inputs)  # (N, T)
    differ = (gru != machine) & (np.arange(inputs.shape[1]) < steps[:, None])  # (N, T)
    rows = np.flatnonzero(differ.any(axis=1))
    return [_shrink(*pairs[r], int(differ[r].argmax())) for r in rows]


def find_departure(
    model, automaton: Automaton, rng: np.random.Generator, max_bits: int = SEARCH_BITS
) -> tuple[int, int, int] | None:
    """The shortest addition found where the model's predicted sum bits and the machine's
    differ, as (a, b, bit position), or None.

    Tries the stress pairs of `_stress_pairs` and a uniform pair at every operand length up to
    127 bits and at four lengths per doubling up to max_bits (two model runs); a departure
    inside a longer addition is cut down to the bits up to it."""
    found = []
    for lengths in _search_lengths(max_bits):
        if lengths:
            uniform = list(zip(_random_ints(rng, lengths), _random_ints(rng, lengths)))
            found += _departures(model, automaton, _stress_pairs(rng, lengths) + uniform)
    if not found:
        return None
    return min(found, key=lambda d: (bitlib.default_n_bits(d[0], d[1]), d[2], d[0], d[1]))
