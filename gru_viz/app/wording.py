"""The page's wording as plain functions: text from outside shown literally, the sums and the
verdict, the bit table's notes, what a download button says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gru_viz import bit_table, figures
from gru_viz.addition import Trace
from gru_viz.inputs import int_to_digits

DEFAULT_A, DEFAULT_B = "1024", "16"  # the article's example
TABLE_WIDTH = 32  # bit table columns shown at once (in blocks that wrap: every one is seen)
SHORT_NUMBER = 30  # digits; longer numbers are shown in a wrapped block, not as a metric
USUAL_READING_BITS = 256  # the usual reading is written out as text up to this length
IMAGE_FORMATS = {"png": "PNG (1920x1080)", "svg": "SVG"}

BIT_TABLE_NOTE = (
    "The model reads both numbers from their lowest bit, as you add with a carry: column t "
    "holds the bit worth 2^t. p is the model's probability that the sum bit is 1; the carry "
    "is the true carry into each position."
)
USUAL_READING_NOTE = (
    "Written the usual way, the same bits run the other way round: the position numbers count "
    "down. Reversing the strings is all it takes to go from one reading to the other."
)


# TEXT FROM OUTSIDE


WORD_JOINER = "\u2060"  # invisible, and no letter, digit or punctuation to a link finder
# Where GitHub-flavoured Markdown finds a link in plain text (http://, www., mailto:, xmpp:,
# user@host): Streamlit's renderer looks for them after escapes are resolved, so escaping alone
# does not stop them.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)|(?<=mailto:)|(?<=xmpp:)", re.I)


def literal(text: str, limit: int = 600) -> str:
    """`text` for a Streamlit element that renders Markdown, shown exactly as written: every
    ASCII punctuation mark is backslash-escaped (no links, images, colours or maths from what
    someone typed or named a file), a word joiner breaks whatever a link finder would turn
    into a link (a bare http://..., www.... or an e-mail address), line breaks become spaces,
    and over `limit` characters the middle is cut."""
    text = " ".join(str(text).splitlines())
    if len(text) > limit:
        text = f"{text[: limit // 2]} ... {text[-limit // 2 :]}"
    text = _AUTOLINK.sub(WORD_JOINER, text)
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


VECTOR_SVG_HELP = (
    "Drawn on the server (a few seconds) as a {width}x{height} SVG in which every heatmap cell "
    "is one rectangle, up to {cells:,} cells in the figure; above that the heatmaps are a "
    "raster image inside the SVG. The camera button's SVG always holds them as a raster image."
)
COMMAND_DIGITS = 40  # longer numbers are written as A and B in a suggested command


def vector_svg_help() -> str:
    width, height = figures.SLIDE_SIZE
    return VECTOR_SVG_HELP.format(width=width, height=height, cells=figures.MAX_VECTOR_CELLS)


def svg_command(view: str | None, a: str | None, b: str | None) -> str:
    """The command that writes the figure as a vector SVG: its view (every view with --all
    when it has none of its own) of the numbers, or A and B when they are long or not numbers."""
    numbers = [
        text.strip()
        if text and text.strip().isdigit() and len(text.strip()) <= COMMAND_DIGITS
        else name
        for text, name in ((a, "A"), (b, "B"))
    ]
    which = f"--view {view}" if view else "--all"
    return f"python -m gru_viz figure {numbers[0]} {numbers[1]} {which} --format svg"


def no_browser_caption(view: str | None, a: str | None, b: str | None) -> str:
    """What replaces the Vector SVG button on a server without Chromium."""
    return (
        "Vector SVG needs Chromium on the server, which this one lacks; make it where "
        f"Chromium is installed with `{svg_command(view, a, b)}`."
    )


# THE SUM


@dataclass(frozen=True)
class Sums:
    """The predicted and the true sum as decimal text, and whether they fit in a metric."""

    predicted: str
    true: str

    @property
    def short(self) -> bool:
        return max(len(self.predicted), len(self.true)) <= SHORT_NUMBER


def sums(trace: Trace) -> Sums:
    return Sums(int_to_digits(trace.predicted_sum), int_to_digits(trace.true_sum))


def verdict(trace: Trace) -> str:
    """Right or wrong, in one sentence."""
    if trace.correct:
        return f"Right: all {trace.n_bits:,} sum bits are correct."
    wrong = trace.bits_pred != trace.bits_true
    return (
        f"Wrong: {int(wrong.sum()):,} of {trace.n_bits:,} sum bits differ, the first at position "
        f"{int(wrong.argmax()):,}. They are marked in red below."
    )


# THE BITS AND THE GATES


def table_start_needed(n_bits: int) -> bool:
    """True if the bit table is too wide to show whole, so the page offers a start slider."""
    return n_bits > TABLE_WIDTH


def table_start(trace: Trace) -> int:
    """Where a table too wide to show whole opens: the block before the first wrong bit, so
    the carry that breaks and the bit it breaks are both in view; else position 0."""
    wrong = trace.bits_pred != trace.bits_true
    if not table_start_needed(trace.n_bits) or not wrong.any():
        return 0
    first = int(wrong.argmax())
    block = figures.BIT_TABLE_BLOCK
    return min(max(0, (first // block - 1) * block), trace.n_bits - TABLE_WIDTH)


def usual_reading_text(trace: Trace) -> str:
    """a, b and both sums written the usual way round, aligned; "" when too long to show."""
    if trace.n_bits > USUAL_READING_BITS:
        return ""
    usual = bit_table.usual_reading(trace)
    width = max(len(label) for label in usual)
    return "\n".join(f"{label:>{width}}  {bits}" for label, bits in usual.items())


def zoom_note(n_bits: int) -> str:
    """How to see every position of a long addition, or "" when it fits."""
    if n_bits <= figures.INITIAL_WINDOW:
        return ""
    return (
        f"{n_bits:,} positions: the view opens on positions 0 to {figures.INITIAL_WINDOW - 1}. "
        "Drag across the plot to zoom; double-click (twice after zooming) to see every "
        "position. Nothing is averaged: there is one cell per bit and unit at any zoom."
    )


def pending_text(what: str, fraction: float) -> str:
    return f"Computing {what} in the background: {fraction:.0%} done."
