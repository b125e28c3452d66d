"""The bit table as HTML: one column per bit position, least significant first by default."""

from __future__ import annotations

import html

from gru_viz.analysis import ROW_P, ROW_PRED, BitTable

TABLE_CSS = """
<style>
.gv-bits { overflow-x: auto; padding-bottom: 4px; }
.gv-bits table { border-collapse: collapse; font-family: ui-monospace, SFMono-Regular, Menlo,
  Consolas, monospace; font-size: 13px; margin: 0; }
.gv-bits th, .gv-bits td { border: 1px solid #e3e6ea; padding: 3px 6px; text-align: center;
  min-width: 1.6em; white-space: nowrap; }
.gv-bits thead th { background: #f4f5f7; color: #59606b; font-weight: 500; }
.gv-bits tbody th { text-align: right; background: #f4f5f7; color: #3a4452; font-weight: 500;
  position: sticky; left: 0; }
.gv-bits td.one { background: #e8ebf0; }
.gv-bits td.p { color: #59606b; font-size: 11px; }
.gv-bits td.wrong { background: #f8d7da; color: #842029; font-weight: 700; }
.gv-bits .now { outline: 2.5px solid #ff2d9b; outline-offset: -2px; }
</style>
"""


def bit_table_html(
    table: BitTable, positions: range, msb_first: bool = False, now: int | None = None
) -> str:
    """The bit table as an HTML table, one column per position with its number on top, rows
    in BitTable order. Bits that are 1 are shaded; wrong predicted bits (and their
    probabilities) are red; the column of position `now` is outlined. msb_first=True mirrors
    it into the usual reading order."""
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
    return (
        f'{TABLE_CSS}<div class="gv-bits"><table><thead><tr><th>position</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _now(t: int, now: int | None) -> str:
    return ' class="now"' if t == now else ""
