"""What the app reads off a model and an addition: which units carry, and the bit table.

Arrays are indexed by bit position, least significant bit first (position t is worth 2**t),
exactly as in gru_viz.model.Trace. Nothing here imports TensorFlow; functions that need a
forward pass take the model and call its `run`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from gru_viz import bits as bitlib
from gru_viz.inputs import int_to_digits

PROBE_PAIRS = 24  # random additions used to find the carry units
PROBE_BITS = 30  # their operand length: 31 steps, the compiled length of short sums


def carries_into(bits_a: np.ndarray, bits_b: np.ndarray) -> np.ndarray:
    """Carry into each position for operand bits (N, T), least significant first: int8 (N, T)."""
    carry = np.zeros(bits_a.shape, np.int8)  # (N, T)
    for t in range(1, bits_a.shape[1]):
        total = bits_a[:, t - 1] + bits_b[:, t - 1] + carry[:, t - 1]  # (N,)
        carry[:, t] = total >= 2
    return carry


def carry_scores(h: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """How strongly each unit follows the carry: |correlation| in [0, 1], float (H,).

    h (N, T, H) are hidden states, carry (N, T) the true carry into each position. The state a
    unit brings into position t, h_{t-1} (h_{-1} = 0), is correlated with the carry into t,
    pooled over all additions and positions. A unit that never varies scores 0.
    """
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # (N, T, H)
    x = h_prev.reshape(-1, h.shape[-1]).astype(np.float64)  # (N*T, H)
    c = carry.reshape(-1).astype(np.float64)  # (N*T,)
    x = x - x.mean(axis=0)
    c = c - c.mean()
    denominator = np.sqrt((x**2).sum(axis=0) * (c**2).sum())  # (H,)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.abs(x.T @ c) / denominator
    return np.nan_to_num(scores, nan=0.0, posinf=0.0).clip(0.0, 1.0)


def probe_carry_scores(model, seed: int = 0) -> np.ndarray:
    """carry_scores of `model` on PROBE_PAIRS random additions of PROBE_BITS-bit numbers (H,).

    A single addition is often a poor probe (1024 + 16 has no carry at all), so the units are
    ranked on fixed random sums: the ranking describes the model, not the numbers on screen.
    """
    rng = np.random.default_rng(seed)
    operands = bitlib.random_operands(rng, PROBE_PAIRS, PROBE_BITS)  # (N, 2, L)
    x = bitlib.model_inputs(operands, PROBE_BITS + 1)  # (N, T, 2)
    # One addition per run: a batch of one is the shape every short trace already compiled.
    h = np.concatenate([model.run(x[i : i + 1])["h"] for i in range(len(x))])  # (N, T, H)
    bits_x = x.astype(np.int8)  # (N, T, 2)
    return carry_scores(h, carries_into(bits_x[..., 0], bits_x[..., 1]))


def unit_order(scores: np.ndarray) -> np.ndarray:
    """Unit indices (H,) from the highest score to the lowest; ties keep unit order."""
    return np.argsort(-np.asarray(scores), kind="stable")


@dataclass(frozen=True)
class BitTable:
    """The rows of the bit table, one column per position, least significant bit first.

    rows: label -> array (T,); wrong: bool (T,) where the predicted bit is not the true one.
    """

    rows: dict[str, np.ndarray]
    wrong: np.ndarray

    @property
    def n_bits(self) -> int:
        return len(self.wrong)


ROW_A, ROW_B, ROW_TRUE, ROW_PRED, ROW_P, ROW_CARRY = (
    "a", "b", "true sum", "predicted sum", "p(sum bit = 1)", "carry in",
)  # fmt: skip


def bit_table(trace) -> BitTable:
    """The bit table of a Trace: a, b, true and predicted sum bits, the model's probability
    that each sum bit is 1, and the true carry into each position, all (T,)."""
    bits_true = trace.bits_true
    rows = {
        ROW_A: trace.bits_a,
        ROW_B: trace.bits_b,
        ROW_TRUE: bits_true,
        ROW_PRED: trace.bits_pred,
        ROW_P: np.asarray(trace.p, np.float64),
        ROW_CARRY: trace.carry,
    }
    return BitTable(rows=rows, wrong=trace.bits_pred != bits_true)


def table_window(n_bits: int, start: int, width: int) -> range:
    """Positions shown when a table is too wide to show whole: `width` of them from `start`,
    moved left if needed so the window stays inside [0, n_bits)."""
    width = max(1, min(width, n_bits))
    start = min(max(0, start), n_bits - width)
    return range(start, start + width)


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
</style>
"""


def bit_table_html(table: BitTable, positions: range, msb_first: bool = False) -> str:
    """The bit table as an HTML table, one column per position with its number on top, rows
    in BitTable order. Bits that are 1 are shaded; wrong predicted bits (and their
    probabilities) are red. msb_first=True mirrors it into the usual reading order."""
    order = list(positions)[::-1] if msb_first else list(positions)
    head = "".join(f"<th>{t}</th>" for t in order)
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
            cells.append(f'<td class="{" ".join(classes)}">{text}</td>')
        rows.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    return (
        f'{TABLE_CSS}<div class="gv-bits"><table><thead><tr><th>position</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def usual_reading(trace) -> dict[str, str]:
    """a, b, the true and the predicted sum as bit strings written the usual way, most
    significant bit first, all T characters long so that they line up."""
    table = bit_table(trace)
    return {
        label: "".join(str(int(bit)) for bit in table.rows[label][::-1])
        for label in (ROW_A, ROW_B, ROW_TRUE, ROW_PRED)
    }


def addition_label(trace, max_digits: int = 24) -> str:
    """ "1024 + 16", or the length of each number when writing it out would be too long."""
    words = []
    for n in (trace.a, trace.b):
        if n.bit_length() <= max_digits * 3.3:
            digits = int_to_digits(n)
            if len(digits) <= max_digits:
                words.append(digits)
                continue
        words.append(f"a {len(int_to_digits(n)):,}-digit number")
    return " + ".join(words)
