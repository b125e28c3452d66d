"""The bit table as HTML: one column per bit position, least significant first by default, in
blocks of BLOCK positions that wrap to the width they are given, so no column is ever hidden."""

from __future__ import annotations

import html

from gru_viz.bit_table import ROW_P, ROW_PRED, BitTable
from gru_viz.figures.theme import LIGHT, Theme, table_css

TABLE_CSS = table_css(LIGHT)  # the bit table's <style> in the light theme
BLOCK = 8  # positions per block: a byte; a block fits a phone's width
SHORT_LABELS = {ROW_PRED: "predicted", ROW_P: "p(1)"}  # the row's full name shows on hover


def bit_table_html(
    table: BitTable,
    positions: range,
    msb_first: bool = False,
    now: int | None = None,
    theme: Theme = LIGHT,
    block: int | None = BLOCK,
) -> str:
    """The bit table as HTML, one column per position with its number on top, rows in
    BitTable order, cut into blocks of `block` positions (whole multiples of it; None: one
    block) that sit side by side and wrap, each with the rows' names. Bits that are 1 are
    shaded; wrong predicted bits (and their probabilities) are red; the column of position
    `now` is outlined. msb_first=True mirrors it into the usual reading order. Its colours and
    type are `theme`'s (table_css)."""
    order = list(positions)[::-1] if msb_first else list(positions)
    blocks: list[list[int]] = []
    for t in order:
        if not blocks or (block and t // block != blocks[-1][0] // block):
            blocks.append([])
        blocks[-1].append(t)
    tables = "".join(_block(table, columns, now) for columns in blocks)
    reading = "most" if msb_first else "least"
    shown = f" of positions {order[0]} to {order[-1]}" if order else ""
    label = f"Bit table{shown}, {reading} significant first"
    return (
        f'{table_css(theme)}<div class="gv-bits" tabindex="0" role="region" '
        f'aria-label="{label}">{tables}</div>'
    )


def _block(table: BitTable, order: list[int], now: int | None) -> str:
    head = "".join(f"<th{_now(t, now)}>{t}</th>" for t in order)
    rows = []
    for label, values in table.rows.items():
        cells = []
        for t in order:
            classes = []
            if label == ROW_P:
                text = f"{values[t]:.2f}".removeprefix("0")  # ".08": three characters
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
        name = html.escape(SHORT_LABELS.get(label, label))
        rows.append(f'<tr><th title="{html.escape(label)}">{name}</th>{"".join(cells)}</tr>')
    return (
        f"<table><thead><tr><th>position</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _now(t: int, now: int | None) -> str:
    return ' class="now"' if t == now else ""
