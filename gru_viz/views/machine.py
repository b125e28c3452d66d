"""Inside the machine: the finite-state (Mealy) machine read off the GRU's hidden states, drawn
as Graphviz DOT with the current addition's path, beside the textbook two-state adder, and how
it was checked."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gru_viz import automaton, extraction, figures
from gru_viz import bits as bitlib
from gru_viz.addition import AdditionModel, Trace
from gru_viz.analyses import TRACE, Analyses, Analysis, Compute
from gru_viz.automaton import Automaton
from gru_viz.figures import LIGHT, Theme
from gru_viz.sources import ActiveModel
from gru_viz.views.view import DOT, View

WIDE_STATES = 2  # machines with more states are laid out top to bottom where room is narrow


def read_machine(model: AdditionModel) -> Automaton:
    """The machine the model implements; a two-state adder's states are named as the
    textbook's (carry 0 at the start, carry 1)."""
    found = extraction.extract_automaton(model)
    if found.is_adder:
        found = replace(found, names=automaton.textbook_adder().names)
    return found


MACHINE = Analysis("the machine inside this model", read_machine, heavy=True)


@dataclass(frozen=True)
class MachinePaths:
    """The states the current addition visits in the found machine and in the textbook
    adder (start state first), and a note for the page."""

    found: np.ndarray | None
    adder: Automaton
    adder_path: np.ndarray | None
    note: str


def machine_paths(found: Automaton, a: int | None, b: int | None) -> MachinePaths:
    adder = automaton.textbook_adder()
    if a is None or b is None:
        return MachinePaths(None, adder, None, "Type two numbers to see the path they take.")
    n_bits = bitlib.default_n_bits(a, b)
    bits_a, bits_b = bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)
    return MachinePaths(
        automaton.machine_path(found, bits_a, bits_b),
        adder,
        automaton.machine_path(adder, bits_a, bits_b),
        f"In red: the states and moves the current addition ({n_bits:,} steps) goes through.",
    )


def machine_step(found: Automaton, trace: Trace, t: int) -> list[int]:
    """The machine's state before step t and after it: the move the addition makes there."""
    path = automaton.machine_path(found, trace.bits_a[: t + 1], trace.bits_b[: t + 1])
    return [int(path[t]), int(path[t + 1])]


def states_word(n_states: int) -> str:
    return f"{n_states} state{'s' if n_states != 1 else ''}"


def build(
    active: ActiveModel,
    a: int | None,
    b: int | None,
    theme: Theme = LIGHT,
    analyses: Analyses | None = None,
    *,
    step: int | None = None,
    transparent: bool = False,
    narrow: bool = False,
) -> str:
    """The machine as DOT, with the path a + b takes in the highlight colour (only the move
    at `step`, if given); on the theme's background, or a transparent one (for a page); in the
    theme's type (see figures.dot_points). `narrow`: a machine of more than WIDE_STATES states
    is laid out top to bottom, so that at its natural size it fits half a slide."""
    analyses = analyses or Compute()
    found = analyses.get(active.model, MACHINE)
    if step is not None and a is not None and b is not None:
        path = machine_step(found, analyses.get(active.model, TRACE, a, b), step)
    else:
        path = machine_paths(found, a, b).found
    direction = "TB" if narrow and found.n_states > WIDE_STATES else "LR"
    return _dot(found, path, theme, transparent, direction)


def adder_dot(a: int | None, b: int | None, theme: Theme = LIGHT, transparent: bool = False):
    """The textbook two-state adder as DOT, with the path a + b takes."""
    paths = machine_paths(automaton.textbook_adder(), a, b)
    return _dot(paths.adder, paths.adder_path, theme, transparent)


def _dot(found: Automaton, path, theme: Theme, transparent: bool, direction: str = "LR") -> str:
    colours = figures.dot_colours(theme, transparent)
    points = figures.dot_points(theme)
    return figures.machine_dot(found, path, colours, font_points=points, direction=direction)


def note(model: AdditionModel | None = None) -> str:
    return (
        "Binary addition is a machine with two states, carry 0 and carry 1, that reads one pair "
        "of bits a b and writes one sum bit s per step (edges are labelled a b / s). To read "
        f"the machine out of the GRU, its hidden states from {extraction.READ_PAIRS} additions "
        "are grouped (k-means), each group's next group and output are taken by majority vote "
        "for each input pair, and groups that behave the same are merged (Mealy "
        "minimization). The path the current addition takes is drawn in red."
    )


def machine_text(found: Automaton) -> str:
    """What the extracted machine is, how it was checked and what that does not prove."""
    parts = [
        f"The GRU's {found.n_clusters} groups of hidden states reduce to a machine with "
        f"{found.n_states} states; it reproduces {found.consistency:.1%} of the GRU's own steps "
        "on the additions it was read from."
    ]
    if found.is_adder:
        parts.append("It is the two-state adder, state for state and edge for edge.")
    else:
        parts.append("It is not the two-state adder.")
    parts.append(
        f"Run on its own, it gets {found.agreement_random:.1%} of "
        f"{extraction.AGREEMENT_PAIRS:,} random {extraction.AGREEMENT_BITS:,}-bit sums and "
        f"{found.agreement_stress:.1%} of carry-chain sums exactly right."
    )
    if found.first_departure is None:
        parts.append(
            f"No addition of up to {extraction.SEARCH_BITS:,}-bit numbers was found where the "
            f"GRU leaves it (searched: every length to {extraction.EVERY_LENGTH_UP_TO} bits, "
            "then four lengths per doubling, with long carry chains)."
        )
    else:
        a, b, position = found.first_departure
        parts.append(
            f"The shortest addition found where the GRU leaves it is {a} + {b}, at bit {position}."
        )
    parts.append(
        "This is tested, not proved: the machine is checked on the sums above, and no finite "
        "test covers every addition."
    )
    return " ".join(parts)


VIEW = View("machine", "the extracted machine and the addition's path", build, note, kind=DOT)
