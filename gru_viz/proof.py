"""Prove that a GRU adds correctly at every length, or find an addition it gets wrong.

A proof is a finite cover of the hidden states the model can reach: boxes lo <= h <= hi, each
labelled with the carry its states stand for and the sum bit they emit, such that one GRU step
from a box, reading (a, b), lands inside the union of boxes labelled with the right next carry
and sum bit, and every box's logit has its bit's sign all over the box. gru_viz.proof_check
states these conditions and checks them; it shares no code with this module.

`certify` searches for such a cover. Each box stands for a history: the carry before the last D
inputs and those inputs (or, for the first D steps, the inputs since h_0 = 0), which labels it,
and the states of one history are close when the model forgets what it need not remember.

1. Every box starts empty but the start, {h_0 = 0}. Each round takes one step from every box on
   every input with interval arithmetic (z, r and h~ bounded over the box, the new state by the
   extremes of (1 - z) h + z h~ at the ends of z's interval, widened by the margin) and grows
   the box of the longer history to hold it; after 40 rounds, growing sides are pushed on
   further, to get to the end sooner. When nothing grows, the boxes are a certificate.
2. When a box's logit reaches the wrong side of its bit, that cover fails: the states of its
   history are split into two regions (each region has a box of its own, and a step lands in the
   union of the boxes of the regions it meets), and so are the states of the box whose step put
   it there, along the unit that best narrows that step's image. Then the search starts again.
3. Histories of D = 1, 2, ... 6 inputs are tried in turn, each split into at most 32 regions,
   until a search succeeds or the time runs out (8 s); a failure says where: the box, the input,
   and how far the logit reaches past the margin on the wrong side.

This works when a step pulls nearby states together, so that boxes shrink. Models of the robust
preset do not all do that: the shipped 16-unit one keeps slowly drifting states along some units
(one step shrinks a small box by only about 0.5% there), and its boxes grow until their logits
reach the wrong side. The `provable` preset trains with noise on the hidden state, so that each
step must pull perturbed states back: for 8 of seeds 0-9 its model is proved, each in well under
a second (`python -m benchmarks.proofs`).

What the search finds, and the certificate as a file, are gru_viz.certificate. Where there
is no proof, gru_viz.wrong_sums looks for the shortest addition the model gets wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import product

import numpy as np

from gru_viz.certificate import Failure, Proof
from gru_viz.intervals import (
    INPUTS,
    START,
    logit_bounds,
    next_label,
    step_bounds,
    weights_of,
)

SLACK = 1e-9  # the search widens images and logits by this beyond the margin, so that the
# checker's outward rounding (and its 1e-12 on exp and tanh) cannot undo its decisions


@dataclass(frozen=True)
class Settings:
    """How `certify` searches; the defaults are what `python -m gru_viz certify` uses."""

    margin: float = 1e-4  # the certificate's margin (at least 1e-5)
    seconds: float = 8.0  # the search stops after this long (checked after every round)
    max_boxes: int = 12_000  # nor a depth with more boxes than this
    max_depth: int = 6  # the longest history a box stands for
    max_regions: int = 32  # the most regions the states of one history are split into
    plain_rounds: int = 40  # rounds of plain hulls before growing boxes are pushed further
    push: float = 1.0  # a growing side then moves on by this many times its growth


@dataclass(frozen=True)
class Keys:
    """The boxes of depth D, one per history: `start` (no input yet); after j < D inputs, one
    box per input sequence (the transient from h_0 = 0); after that, one per carry before the
    last D inputs and those inputs. label (K,): 2 carry + bit, or START; succ (K, 4): the box of
    the history one input longer."""

    depth: int
    label: np.ndarray
    succ: np.ndarray
    names: tuple[tuple, ...]


def carry_after(carry: int, i: int) -> int:
    return int((i >> 1) + (i & 1) + carry >= 2)


def history_keys(depth: int) -> Keys:
    """The histories of depth `depth` >= 1 (see Keys); a name is ("start", inputs...) or
    (carry, inputs...)."""
    names = [("start", *t) for j in range(depth) for t in product(range(4), repeat=j)]
    names += [(c, *t) for c in (0, 1) for t in product(range(4), repeat=depth)]
    index = {name: n for n, name in enumerate(names)}
    label = np.zeros(len(names), np.int64)
    succ = np.zeros((len(names), 4), np.int64)
    for n, (head, *window) in enumerate(names):
        carry = 0 if head == "start" else head
        label[n] = START if not window else _label_after(carry, window)
        for i in range(4):
            if head == "start" and len(window) + 1 < depth:
                succ[n, i] = index[("start", *window, i)]
                continue
            c, longer = carry, [*window, i]
            while len(longer) > depth:
                c, longer = carry_after(c, longer[0]), longer[1:]
            succ[n, i] = index[(c, *longer)]
    return Keys(depth, label, succ, tuple(names))


def _label_after(carry: int, inputs: list[int]) -> int:
    """The label after adding `inputs` from `carry`."""
    for i in inputs:
        label = next_label(2 * carry, i)
        carry = label >> 1
    return label


def logit_short(w, linear: bool, lo, hi, label, margin: float) -> np.ndarray:
    """How far each box's logit (N,) reaches past the margin on the wrong side of its bit
    (<= 0 where it does not; -inf for the start, which emits nothing)."""
    y_lo, y_hi = logit_bounds(w, linear, lo, hi)
    need = margin + SLACK
    short = np.where(label & 1, need - y_lo, y_hi + need)
    return np.where(label == START, -np.inf, short)


@dataclass(frozen=True)
class Cells:
    """The boxes of a search: the states of each history (key) are split into regions, boxes
    region_lo <= h <= region_hi that partition the state space (at first one region, all of
    it, per key), and each region holds one box of the certificate. Cells are sorted by key."""

    keys: Keys
    key: np.ndarray  # (C,)
    region_lo: np.ndarray  # (C, H)
    region_hi: np.ndarray  # (C, H)

    @property
    def first(self) -> np.ndarray:
        """(K + 1,): the cells of key k are first[k] to first[k + 1] - 1."""
        return np.searchsorted(self.key, np.arange(len(self.keys.label) + 1))

    def table(self) -> np.ndarray:
        """(K, L): the cells of each key, padded with -1."""
        first = self.first
        counts = np.diff(first)
        table = np.full((len(counts), counts.max()), -1)
        place = np.arange(len(self.key)) - first[self.key]
        table[self.key, place] = np.arange(len(self.key))
        return table


def uncut(keys: Keys, H: int) -> Cells:
    K = len(keys.label)
    return Cells(keys, np.arange(K), np.full((K, H), -np.inf), np.full((K, H), np.inf))


@dataclass(frozen=True)
class Attempt:
    """One search: the cells, their boxes when it stopped, the last steps (rows: source cell,
    input, target cell) and, if it failed, where."""

    cells: Cells
    lo: np.ndarray  # (C, H)
    hi: np.ndarray  # (C, H)
    edges: np.ndarray  # (E, 3)
    failure: Failure | None
    rounds: int
    culprits: tuple[tuple[int, int, int], ...] = ()  # every failing step (from, input, to)


def _spread(cells: Cells, table: np.ndarray, img_lo, img_hi, rows, inputs):
    """Each image (R, H) of cell rows[r] on inputs[r], split among the regions of its next key
    that it meets: the cell of each part, the parts' bounds and the rows they came from."""
    candidates = table[cells.keys.succ[cells.key[rows], inputs]]  # (R, L)
    parts, cells_hit = [], []
    step = max(1, 2**22 // (candidates.shape[1] * img_lo.shape[1]))  # rows per chunk
    for start in range(0, len(rows), step):
        c = candidates[start : start + step]  # (r, L)
        lo, hi = img_lo[start : start + step, None], img_hi[start : start + step, None]
        meet = (c >= 0) & np.all(
            (cells.region_lo[c] <= hi) & (cells.region_hi[c] >= lo), axis=2
        )  # (r, L)
        r, l = np.nonzero(meet)
        parts.append(start + r)
        cells_hit.append(c[r, l])
    part, cell = np.concatenate(parts), np.concatenate(cells_hit)
    part_lo = np.maximum(img_lo[part], cells.region_lo[cell])
    part_hi = np.minimum(img_hi[part], cells.region_hi[cell])
    return cell, part_lo, part_hi, part


def solve(w, linear: bool, cells: Cells, s: Settings, deadline: float) -> Attempt:
    """Grow every cell's box from the start until each holds the parts of the images that land
    in it (a fixed point: the boxes are then a certificate), a box's logit reaches the wrong
    side of its bit (a failure), or the deadline passes."""
    key, table = cells.key, cells.table()
    label = cells.keys.label[key]
    C, H = len(key), w["Uz"].shape[0]
    lo, hi = np.full((C, H), np.inf), np.full((C, H), -np.inf)
    lo[0] = hi[0] = 0.0  # the start
    limit = 1.0 + s.margin + 1e-6  # images never leave [-1 - margin, 1 + margin]
    widen = s.margin + SLACK
    rounds = 0
    while True:
        rounds += 1
        rows = np.repeat(np.flatnonzero(np.isfinite(lo[:, 0])), 4)
        inputs = np.tile(np.arange(4), len(rows) // 4)
        img_lo, img_hi = step_bounds(w, lo[rows], hi[rows], inputs)
        img_lo, img_hi = img_lo - widen, img_hi + widen
        target, part_lo, part_hi, part = _spread(cells, table, img_lo, img_hi, rows, inputs)
        edges = np.stack([rows[part], inputs[part], target], axis=1)
        new_lo, new_hi = lo.copy(), hi.copy()
        np.minimum.at(new_lo, target, part_lo)
        np.maximum.at(new_hi, target, part_hi)
        grew_lo, grew_hi = new_lo < lo, new_hi > hi
        if not (grew_lo.any() or grew_hi.any()):
            return Attempt(cells, lo, hi, edges, None, rounds)
        if rounds > s.plain_rounds:
            new_lo, new_hi = _push(lo, hi, new_lo, new_hi, rounds - s.plain_rounds, s.push)
        # A box never grows out of its region (nor out of [-1 - margin, 1 + margin]).
        new_lo = np.maximum(new_lo, np.maximum(cells.region_lo, -limit))
        new_hi = np.minimum(new_hi, np.minimum(cells.region_hi, limit))
        with np.errstate(invalid="ignore"):  # boxes not reached before: inf - inf
            growth = np.nan_to_num(np.maximum(lo - new_lo, new_hi - hi).max(axis=1), nan=0.0)
            short = logit_short(w, linear, new_lo, new_hi, label, s.margin)
            short = np.where(np.isnan(short), -np.inf, short)
        lo, hi = new_lo, new_hi
        if (short > 0).any():
            j = int(np.argmax(short))
            kind, amount = "sign", float(short[j])
        elif time.perf_counter() > deadline:
            j = int(np.argmax(growth))
            kind, amount = "time", float(growth[j])
        else:
            continue
        # Each failing box, and the step into it that reaches furthest on the wrong side.
        culprits = []
        for bad in [j, *np.flatnonzero(short > 0)[:64]]:
            into = np.flatnonzero(target == bad)
            own = logit_short(w, linear, part_lo[into], part_hi[into], label[bad], s.margin)
            worst = into[int(np.argmax(own))]
            culprits.append((int(rows[part[worst]]), int(inputs[part[worst]]), int(bad)))
        failure = _failure(kind, cells, lo, hi, *culprits[0], amount)
        return Attempt(cells, lo, hi, edges, failure, rounds, tuple(culprits[1:]))


def _push(lo, hi, new_lo, new_hi, rounds: int, push: float):
    """Sides that grew pushed further, to reach the fixed point in fewer rounds: by `push`
    times their growth, and by a step that doubles every 25 rounds (from 1e-6 to at most 1e-2),
    so that a box creeping towards its fixed point gets there."""
    nudge = min(1e-2, 1e-6 * 2.0 ** (rounds // 25))
    old = np.isfinite(lo)  # boxes reached for the first time are left as they are
    with np.errstate(invalid="ignore"):  # inf - inf where not old, and not used
        new_lo = np.where((new_lo < lo) & old, new_lo - push * (lo - new_lo) - nudge, new_lo)
        new_hi = np.where((new_hi > hi) & old, new_hi + push * (new_hi - hi) + nudge, new_hi)
    return new_lo, new_hi


def _failure(kind, cells: Cells, lo, hi, k: int, i: int, j: int, amount: float) -> Failure:
    keys, key = cells.keys, cells.key

    def label_of(n: int) -> tuple[int, int]:
        label = int(keys.label[key[n]])
        return (0, -1) if label == START else (label >> 1, label & 1)

    a, b = INPUTS[i]
    k, j = int(k), int(j)
    return Failure(
        kind,
        keys.depth,
        k,
        keys.names[key[k]],
        *label_of(k),
        a,
        b,
        j,
        *label_of(j),
        amount,
        lo[k].copy(),
        hi[k].copy(),
    )


def _best_unit(w, linear: bool, attempt: Attempt, c: int, step: tuple | None) -> int:
    """The unit to split cell c along. For the cell a failing step (c, input, target) came
    from: the unit whose halves bring that step's image closest to the right side of its bit.
    For the cell a failing step went to: the unit that most widens its logit (width * |Wo|)."""
    lo, hi = attempt.lo[c], attempt.hi[c]
    width = hi - lo
    dims = np.flatnonzero(width > 0)
    if step is None or len(dims) == 0:
        return int(np.argmax(width * np.abs(w["Wo"][:, 0])))
    mid = 0.5 * (lo + hi)
    halves_lo, halves_hi = np.tile(lo, (2 * len(dims), 1)), np.tile(hi, (2 * len(dims), 1))
    r = np.arange(len(dims))
    halves_hi[r, dims] = mid[dims]
    halves_lo[len(dims) + r, dims] = mid[dims]
    img_lo, img_hi = step_bounds(w, halves_lo, halves_hi, np.full(2 * len(dims), step[1]))
    label = np.full(2 * len(dims), attempt.cells.keys.label[attempt.cells.key[step[2]]])
    short = logit_short(w, linear, img_lo, img_hi, label, 0.0)
    return int(dims[np.argmin(np.maximum(short[: len(dims)], short[len(dims) :]))])


def refine(w, linear: bool, attempt: Attempt, max_regions: int) -> Cells | None:
    """The cells of the failing steps (where each came from and where it went) each split in
    two, along the unit `_best_unit` picks, at the middle of its box; None if none can be
    (the start never is; the states of a history have at most max_regions regions)."""
    cells, f = attempt.cells, attempt.failure
    counts = np.diff(cells.first)
    steps = [(f.box, 2 * f.a + f.b, f.target), *attempt.culprits]
    chosen: dict[int, tuple | None] = {}
    for k, i, j in steps:
        chosen.setdefault(j, None)
        chosen[k] = (k, i, j)
    key, region_lo, region_hi = [cells.key], [cells.region_lo], [cells.region_hi.copy()]
    added = np.zeros(len(counts), np.int64)
    for c, step in chosen.items():
        k = cells.key[c]
        if k == 0 or counts[k] + added[k] >= max_regions or not np.isfinite(attempt.lo[c, 0]):
            continue
        added[k] += 1
        d = _best_unit(w, linear, attempt, c, step)
        middle = 0.5 * (attempt.lo[c, d] + attempt.hi[c, d])
        upper_lo = cells.region_lo[c].copy()
        upper_lo[d] = middle
        region_hi[0][c, d] = middle
        key.append(cells.key[c : c + 1])
        region_lo.append(upper_lo[None])
        region_hi.append(cells.region_hi[c : c + 1])
    if not added.any():
        return None
    key, region_lo, region_hi = (np.concatenate(x) for x in (key, region_lo, region_hi))
    order = np.argsort(key, kind="stable")
    return Cells(cells.keys, key[order], region_lo[order], region_hi[order])


def certify(model, settings: Settings | None = None) -> Proof:
    """Search for a certificate that `model` adds correctly at every length (see the module
    doc): histories of 1, 2, ... inputs, their states split into regions where a step fails,
    until a search succeeds, the time runs out (settings.seconds, default 8 s) or the boxes
    would be too many. A failure names the last cover that broke, and where."""
    s = settings or Settings()
    w, linear = weights_of(model)
    began = time.perf_counter()
    deadline = began + s.seconds
    attempt = broke = None  # the last search, and the last that broke on a wrong sign
    for depth in range(1, s.max_depth + 1):
        cells = uncut(history_keys(depth), w["Uz"].shape[0])
        while cells is not None and len(cells.key) <= s.max_boxes:
            attempt = solve(w, linear, cells, s, deadline)
            if attempt.failure is None:
                return _proved(attempt, s.margin, time.perf_counter() - began)
            broke = attempt if attempt.failure.kind == "sign" else broke
            if time.perf_counter() > deadline:
                break
            cells = refine(w, linear, attempt, s.max_regions)
        if time.perf_counter() > deadline:
            break
    seconds = time.perf_counter() - began
    shown = broke or attempt
    cover = f"histories of {shown.cells.keys.depth} inputs, {len(shown.lo):,} boxes"
    if attempt.failure.kind == "time":
        why = f": out of time after {seconds:.1f} s; the last cover that failed ({cover}): "
    else:
        why = f" after {seconds:.1f} s; the last cover tried ({cover}) fails: "
    reason = f"not proved{why}{shown.failure.describe()}"
    return Proof(False, reason, s.margin, seconds, len(shown.lo), failure=shown.failure)


def _proved(attempt: Attempt, margin: float, seconds: float) -> Proof:
    """The certificate of a search that succeeded: its cells that states reach (the start is
    cell 0), renumbered, and the steps between them."""
    live = np.flatnonzero(np.isfinite(attempt.lo[:, 0]))
    number = np.full(len(attempt.lo), -1)
    number[live] = np.arange(len(live))
    label = attempt.cells.keys.label[attempt.cells.key[live]]
    edges = np.unique(attempt.edges, axis=0)
    edges = np.stack([number[edges[:, 0]], edges[:, 1], number[edges[:, 2]]], axis=1)
    K, edges = len(label), edges.astype(np.int32)
    reason = (
        f"proved in {seconds:.2f} s: {K:,} boxes (histories of {attempt.cells.keys.depth} "
        f"inputs), {len(edges):,} edges, margin {margin:g}"
    )
    return Proof(
        True,
        reason,
        margin,
        seconds,
        K,
        lo=attempt.lo[live],
        hi=attempt.hi[live],
        carry=np.where(label == START, 0, label >> 1).astype(np.int8),
        bit=np.where(label == START, -1, label & 1).astype(np.int8),
        edges=edges,
        start=0,
    )
