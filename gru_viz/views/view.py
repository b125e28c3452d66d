"""What a view is: one figure of a model that the page, `python -m gru_viz figure` and a
notebook all draw the same way (the registry of views is gru_viz.views.VIEWS)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gru_viz.addition import AdditionModel
from gru_viz.figures.spec import layout_of

PLOTLY, ANIMATION, DOT = "plotly", "animation", "dot"  # what a view's build returns
SHORT_BITS = 64  # numbers of up to this many bits are written into a file's name
_AXIS = re.compile(r"[xy]axis\d*")  # a layout's axis keys: xaxis, xaxis2, yaxis, ...


class ViewError(ValueError):
    """A view cannot be drawn for this model (a record it needs is missing); one line."""


@dataclass(frozen=True)
class View:
    """One view. `build(active, a, b, theme=LIGHT, analyses=None, **options)` draws it for
    a gru_viz.sources.ActiveModel and the numbers a and b, in a gru_viz.figures.Theme, asking
    `analyses` (a gru_viz.analyses.Analyses; None computes at once) for what it needs; it
    returns a Plotly figure (kind PLOTLY or ANIMATION, a figure that plays) or Graphviz DOT
    text (kind DOT). `note(model)` is the explanation the page shows beside it, formatted from
    the constants of its analyses (model may be None)."""

    name: str  # on the command line (--view NAME) and in file names
    title: str  # what it shows, in a few words (the CLI's help, the README)
    build: Callable[..., object]
    note: Callable[[AdditionModel | None], str]
    kind: str = PLOTLY
    per_addition: bool = True  # False: the same figure whatever the numbers

    def file_name(self, a: int | None, b: int | None) -> str:
        """gru-viz-NAME-A-plus-B for a view of one addition of short numbers, else
        gru-viz-NAME (no extension)."""
        if self.per_addition and a is not None and b is not None:
            if max(a, b).bit_length() <= SHORT_BITS:
                return f"gru-viz-{self.name}-{a}-plus-{b}"
        return f"gru-viz-{self.name}"

    def describe(self, drawn: object) -> str:
        """A sentence that says what a drawing of this view shows, for a screen reader: the
        view, the figure's title and its axes (for DOT, the machine's states and moves)."""
        what = self.title[0].upper() + self.title[1:]
        if isinstance(drawn, str):
            states = re.findall(r'^\s*\w+ \[label="([^"]+)"', drawn, re.M)
            moves = sum(
                len(label.split("\\n")) for label in re.findall(r'-> \w+ \[label="([^"]+)"', drawn)
            )
            names = ", ".join(s for s in states if s != "start")
            return f"{what}: a machine with states {names}, and {moves} moves (input a b / bit)."
        layout = layout_of(drawn)  # (Plotly's accessors took most of a millisecond per edit)
        title = re.sub(r"<[^>]+>", " ", _title(layout.get("title"))).strip()
        keys = sorted(
            (key for key in layout if _AXIS.fullmatch(key)),
            key=lambda key: (key[0], int(key[5:] or 1)),  # xaxis, xaxis2, ..., then yaxis, ...
        )
        axes = [re.sub(r"<[^>]+>", " ", _title(layout[key].get("title"))) for key in keys]
        axes = [a for a in axes if a]
        parts = [what + (f": {title}." if title else ".")]
        if axes:
            parts.append("Axes: " + "; ".join(dict.fromkeys(axes)) + ".")
        return " ".join(parts)


def _title(title: object) -> str:
    """The text of a figure's or an axis's title as its layout dict holds it (a dict, or a
    bare string as Plotly also takes)."""
    if isinstance(title, dict):
        title = title.get("text")
    return title if isinstance(title, str) else ""
