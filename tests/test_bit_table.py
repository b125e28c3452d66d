from types import SimpleNamespace

import numpy as np
import pytest

from gru_viz import bit_table, figures
from gru_viz import bits as bitlib


def fake_trace(a: int, b: int, wrong_at: tuple[int, ...] = ()) -> SimpleNamespace:
    """What analysis reads from a Trace, without running a model."""
    n_bits = bitlib.default_n_bits(a, b)
    bits_a, bits_b = bitlib.to_bits(a, n_bits), bitlib.to_bits(b, n_bits)
    bits_true = bitlib.to_bits(a + b, n_bits)
    bits_pred = bits_true.copy()
    bits_pred[list(wrong_at)] ^= 1
    return SimpleNamespace(
        a=a,
        b=b,
        n_bits=n_bits,
        bits_a=bits_a,
        bits_b=bits_b,
        bits_true=bits_true,
        bits_pred=bits_pred,
        p=np.where(bits_pred == 1, 0.9, 0.1),
        carry=bitlib.carries_in(bits_a, bits_b),
    )


def test_batched_carries_match_a_bit_by_bit_ripple_adder():
    rng = np.random.default_rng(0)
    operands = bitlib.random_operands(rng, 20, 12)  # (N, 2, L)
    padded = np.concatenate([operands, np.zeros((20, 2, 1), np.int8)], axis=2)
    carry = bitlib.carries_in(padded[:, 0], padded[:, 1])  # (N, T)
    for row in range(20):
        expected, c = [], 0
        for a, b in zip(padded[row, 0], padded[row, 1]):
            expected.append(c)
            c = int(a + b + c >= 2)
        np.testing.assert_array_equal(carry[row], expected)
        np.testing.assert_array_equal(bitlib.carries_in(padded[row, 0], padded[row, 1]), expected)


def test_bit_table_rows_line_up_by_position():
    trace = fake_trace(1024, 16)
    table = bit_table.bit_table(trace)
    assert table.n_bits == 12
    assert list(table.rows) == ["a", "b", "true sum", "predicted sum", "p(sum bit = 1)", "carry in"]
    assert table.rows["a"][10] == 1 and table.rows["b"][4] == 1
    assert bitlib.from_bits(table.rows["true sum"]) == 1040
    assert not table.wrong.any()


def test_wrong_bits_stand_out_in_the_html_table():
    trace = fake_trace(5, 3, wrong_at=(1,))
    table = bit_table.bit_table(trace)
    html = figures.bit_table_html(table, range(table.n_bits))
    assert html.count('class="one wrong"') + html.count('class=" wrong"') == 1  # predicted bit
    assert html.count('class="p wrong"') == 1  # and its probability
    assert html.count("<tr>") == 1 + 6
    assert "<th>position</th><th>0</th><th>1</th><th>2</th><th>3</th></tr>" in html


def test_msb_first_mirrors_the_columns():
    table = bit_table.bit_table(fake_trace(6, 1))
    html = figures.bit_table_html(table, range(table.n_bits), msb_first=True)
    assert "<th>3</th><th>2</th><th>1</th><th>0</th>" in html


def test_usual_reading_is_the_binary_string():
    trace = fake_trace(1024, 16)
    usual = bit_table.usual_reading(trace)
    assert usual["a"] == format(1024, "012b")
    assert usual["true sum"] == format(1040, "012b")
    assert usual["true sum"][::-1] == "".join(map(str, trace.bits_true))


@pytest.mark.parametrize(
    "n_bits, start, width, expected",
    [
        (10, 0, 4, range(0, 4)),
        (10, 8, 4, range(6, 10)),
        (3, 0, 8, range(0, 3)),
        (10, -5, 4, range(0, 4)),
    ],
)
def test_table_window_stays_inside(n_bits, start, width, expected):
    assert bit_table.table_window(n_bits, start, width) == expected


def test_addition_label():
    assert bit_table.addition_label(fake_trace(1024, 16)) == "1024 + 16"
    assert bit_table.addition_label(fake_trace(10**40, 1)) == "a 41-digit number + 1"
