"""A finite-state machine (gru_viz.automaton.Automaton) as Graphviz DOT text, for
st.graphviz_chart, which renders it in the browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gru_viz.automaton import UNSEEN, Automaton

DEFAULT_COLOURS = {
    "background": "transparent",
    "node": "#444444",
    "font": "#222222",
    "edge": "#777777",
    "highlight": "#d62728",
}


FONT = 'fontname="Helvetica"'
FONT_POINTS = 11.0  # the labels' type, unless the caller says


def _edges(automaton: Automaton) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Parallel edges merged: (from, to) -> [(input i, output bit)], inputs in order."""
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s, (moves, bits) in enumerate(zip(automaton.next, automaton.out)):
        for i, (t, bit) in enumerate(zip(moves, bits)):
            if t != UNSEEN:
                edges.setdefault((s, t), []).append((i, bit))
    return edges


def to_dot(
    automaton: Automaton,
    highlight_path: Sequence[int] | np.ndarray | None = None,
    colours: Mapping[str, str] | None = None,
    font_points: float = FONT_POINTS,
    direction: str = "LR",
) -> str:
    """Graphviz DOT text: states as circles, an arrow from "start" into the start state, one
    edge per (from, to) labelled with a line "a b / s" per input it takes. States and edges of
    `highlight_path` (a state sequence, as from `machine_path`) are drawn bold in the
    highlight colour. `colours` overrides DEFAULT_COLOURS (background, node, font, edge,
    highlight). Every label is `font_points` pt; the states run left to right (`direction`
    "LR") or top to bottom ("TB", narrower)."""
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB'; got {direction!r}")
    c = {**DEFAULT_COLOURS, **(colours or {})}
    path = [int(s) for s in (highlight_path if highlight_path is not None else [])]
    hot_edges = {(s, t) for s, t in zip(path, path[1:]) if UNSEEN not in (s, t)}
    hot_states = set(path) - {UNSEEN}
    lines = [
        "digraph automaton {",
        f'  rankdir={direction}; bgcolor="{c["background"]}";',
        f'  node [shape=circle, color="{c["node"]}", fontcolor="{c["font"]}", {FONT}, '
        f"fontsize={font_points:g}];",
        f'  edge [color="{c["edge"]}", fontcolor="{c["font"]}", {FONT}, fontsize={font_points:g}];',
        '  start [shape=plaintext, label="start"];',
        f"  start -> s{automaton.start};",
    ]
    for s in range(automaton.n_states):
        style = f', color="{c["highlight"]}", penwidth=2.5' if s in hot_states else ""
        lines.append(f'  s{s} [label="{automaton.name(s)}"{style}];')
    for (s, t), moves in _edges(automaton).items():
        label = "\\n".join(Automaton.label(i, bit) for i, bit in moves)
        style = f', color="{c["highlight"]}", fontcolor="{c["highlight"]}", penwidth=2.5'
        lines.append(f'  s{s} -> s{t} [label="{label}"{style if (s, t) in hot_edges else ""}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
