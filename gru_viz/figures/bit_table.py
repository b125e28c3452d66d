"""The bit table as HTML: one column per bit position, least significant first by default."""

from __future__ import annotations

import html

from gru_viz.bit_table import ROW_P, ROW_PRED, BitTable
from gru_viz.figures.theme import LIGHT, Theme, table_css

TABLE_CSS = table_css(LIGHT)  # the bit table's <style> in the light theme


def bit_table_html(
    table: BitTable,
    positions: range,
    msb_first: bool = False,
    now: int | None = None,
    theme: Theme = LIGHT,
) -> str:
    """The bit table as an HTML table, one column per position with its number on top, rows
    in BitTable order. Bits that are 1 are shaded; wrong predicted bits (and their
    probabilities) are red; the column of position `now` is outlined. msb_first=True mirrors
    it into the usual reading order. Its colours are `theme`'s (table_css)."""
    order = list(positions)[::-1] if msb_first else list(positions)
    head = "".join(f"<th{_now(t, now)}>{t}</th>" for t in order)
    rows = []
    for label, values in table.rows.items():
        cells = []
        for t in order:
            classes = []
            if label == ROW_P:
                text = f"{values[t]:.2f}"
                classes.append("p")
            else:
                text = str(int(values[t]))
                if values[t] == 1:
                    classes.append("one")
            if label in (ROW_PRED, ROW_P) and table.wrong[t]:
                classes.append("wrong")
            if t == now:
                classes.append("now")
            cells.append(f'<td class="{" ".join(classes)}">{text}</td>')
        rows.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    reading = "most" if msb_first else "least"
    shown = f" of positions {order[0]} to {order[-1]}" if order else ""
    label = f"Bit table{shown}, {reading} significant first"
    return (
        f"{table_css(theme)}"
        f'<div class="gv-bits" tabindex="0" role="region" aria-label="{label}"><table>'
        f"<thead><tr><th>position</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _now(t: int, now: int | None) -> str:
    return ' class="now"' if t == now else ""
