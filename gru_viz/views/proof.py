"""Proved for every length: a certificate that the model adds every pair of numbers of every
length correctly, found by gru_viz.proof and accepted by the separate checker
gru_viz.proof_check; or, where there is none, why not and the shortest sum the model gets wrong
(gru_viz.wrong_sums). The figure draws the certificate's boxes on the map of hidden states (or
the box where the search broke)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from gru_viz import proof, proof_check, state_space, wrong_sums
from gru_viz.addition import AdditionModel
from gru_viz.analyses import TRACE, Analyses, Analysis, Compute, Result, ready
from gru_viz.certificate import certificate_bytes
from gru_viz.figures import LIGHT, Theme
from gru_viz.figures.proof import certificate_figure
from gru_viz.replay import Replay, replay_model
from gru_viz.sources import ActiveModel
from gru_viz.views.state_map import STATE_MAP
from gru_viz.views.view import SHORT_BITS, View

CHECK_COMMAND = "python -m gru_viz check-proof MODEL.npz CERTIFICATE.npz"


@dataclass(frozen=True)
class Verdict:
    """What the search found (`found`, a gru_viz.proof.Proof), and for a certificate, what the
    separate checker says of it (`checked`, `check_reason`) and the file itself."""

    found: proof.Proof
    checked: bool = False
    check_reason: str = ""
    certificate: bytes | None = None

    @property
    def proved(self) -> bool:
        """A certificate was found and the checker accepts it."""
        return self.found.proved and self.checked


def verify(model: AdditionModel) -> Verdict:
    """Search for a certificate of `model`; if one is found, have the separate checker read it
    and the model from files, as anyone would check them."""
    found = proof.certify(model)
    if not found.proved:
        return Verdict(found)
    data = certificate_bytes(found)
    with tempfile.TemporaryDirectory(prefix="gru-viz-proof-") as folder:
        model_file, certificate = Path(folder) / "model.npz", Path(folder) / "certificate.npz"
        model_file.write_bytes(model.to_bytes())
        certificate.write_bytes(data)
        ok, reason = proof_check.check(str(model_file), str(certificate))
    return Verdict(found, ok, reason, data)


def lasting(verdict: Verdict) -> bool:
    """Whether a verdict would be found again on any machine: a checked certificate, or a
    search that failed before its time ran out (one that ran out might succeed on a faster
    machine)."""
    return verdict.proved or not ran_out_of_time(verdict.found)


def ran_out_of_time(found: proof.Proof) -> bool:
    """Whether the search stopped at its time limit (proof.Settings.seconds)."""
    return found.seconds >= proof.Settings().seconds


MODEL_PROOF = Analysis("a proof that it adds at every length", verify, heavy=True, lasting=lasting)
WRONG_SUM = Analysis("the shortest sum it gets wrong", wrong_sums.counterexample, heavy=True)


def proof_candidates(replay: Replay) -> list[int]:
    """The snapshots of a training that may be proved: those from its first check on which
    every sum was exact (a model that gets a sum wrong has no proof)."""
    exact = np.flatnonzero(np.all(replay.check_accuracy >= 1.0, axis=1))  # (C,)
    if not len(exact):
        return []
    first = replay.check_steps[exact[0]]
    return [i for i in range(len(replay)) if replay.steps[i] >= first]


def first_proved(replay: Replay, analyses: Analyses) -> Result:
    """Ready with the index of the first snapshot whose model is proved (None if none is), or
    pending while the proofs it needs are searched for, in order."""
    for i in proof_candidates(replay):
        result = analyses.request(replay_model(replay, i), MODEL_PROOF)
        if not result.ready:
            return result
        if result.value.proved:
            return ready(i)
    return ready(None)


def first_proved_words(replay: Replay, proved_from: int | None) -> str:
    if proved_from is None:
        return (
            "No snapshot of this training is proved (searched: each snapshot from the first "
            "check on which every sum was exact)."
        )
    return (
        f"Proved from step {int(replay.steps[proved_from]):,} on (snapshot {proved_from + 1} "
        f"of {len(replay)}): the first snapshot whose model has a certificate the checker "
        "accepts."
    )


def verdict_words(verdict: Verdict) -> str:
    """The verdict in a sentence or two, with what it means."""
    found = verdict.found
    if verdict.proved:
        return (
            f"Proved for every length: {found.n_boxes} boxes of hidden states hold every state "
            "this model can reach, each step from a box lands in boxes of the right carry, and "
            "every box's output has the right sign, so every sum bit of every pair of numbers, "
            f"of any length, is right. A separate checker accepts the certificate: "
            f"{verdict.check_reason}"
        )
    if found.proved:  # found, yet refused: say so rather than claim it
        return f"Not proved: the checker refuses the certificate found ({verdict.check_reason})."
    return not_proved_words(found)


def not_proved_words(found: proof.Proof) -> str:
    """Why a search found no certificate, in sentences ("Not proved ..."); a search that ran
    out of time says what that does and does not mean."""
    words = found.reason[:1].upper() + found.reason[1:] + "."
    if ran_out_of_time(found):
        words += (
            " The search stopped at its time limit: that finds no wrong sum, and it does not "
            "show that the model adds every length either; only its tests speak for it."
        )
    return words


def wrong_sum_words(found: tuple[int, int, int] | None) -> str:
    if found is None:
        return (
            "No sum it gets wrong was found either (every sum of up to "
            f"{wrong_sums.EXHAUSTIVE_STEPS} bits, and the machine's first departure): tested, "
            "not proved."
        )
    a, b, bit = found
    return f"It gets {a} + {b} wrong, first at bit {bit}: the shortest wrong sum found."


def build(
    active: ActiveModel,
    a: int,
    b: int,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
) -> go.Figure:
    """The certificate on the map of hidden states with the path of a + b; for a model with no
    certificate, the boxes of the last cover the search tried, the one where it broke in red."""
    analyses = analyses or Compute()
    verdict = analyses.get(active.model, MODEL_PROOF)
    smap = analyses.get(active.model, STATE_MAP)
    label = f"{a} + {b}" if max(a, b).bit_length() <= SHORT_BITS else "this addition"
    path = state_space.trace_path(smap, analyses.get(active.model, TRACE, a, b), label)
    found = verdict.found
    if found.proved:
        return certificate_figure(
            smap, found.lo, found.hi, found.carry, found.edges, found.start, path, theme=theme
        )
    broke = found.failure
    if broke is None:  # nothing to draw but the map
        empty = np.zeros((0, active.model.hidden_size))
        return certificate_figure(smap, empty, empty, np.zeros(0), [], None, path, theme=theme)
    lo, hi, carry = broke.lo[None], broke.hi[None], np.array([max(broke.carry, 0)])
    return certificate_figure(smap, lo, hi, carry, [], None, path, broke=[0], theme=theme)


def note(model: AdditionModel | None = None) -> str:
    return (
        "A test checks some sums; a proof covers them all. The search looks for boxes of hidden "
        "states, each labelled with a carry and a sum bit, such that one step of the GRU from "
        "any state in a box, on any pair of bits, lands in boxes with the right carry and bit, "
        "and every box's output has the right sign. Starting from h_0 = 0, every sum then comes "
        f"out right at every length. Anyone can check a certificate with `{CHECK_COMMAND}`: "
        "a short numpy program (gru_viz/proof_check.py) that shares no code with the search."
    )


VIEW = View("proof", "the certificate's boxes on the map of hidden states", build, note)
