import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_viz.app.settings import AppSettings, settings_from_env
from gru_viz.inputs import DEFAULT_MAX_DIGITS, digits_to_int, int_to_digits, parse_number


@pytest.mark.parametrize(
    "text, value",
    [("1024", 1024), ("16", 16), ("0", 0), ("  42  ", 42), ("\t7\n", 7), ("007", 7)],
)
def test_plain_digits_are_accepted(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "Nothing typed"),
        ("   ", "Nothing typed"),
        ("-5", "negative"),
        ("-0", "Leave out the sign"),
        ("+5", "Leave out the sign"),
        ("1.5", "not a whole number"),
        ("3.", "not a whole number"),
        ("1e5", "write all the digits out: 100000"),
        ("2.5E3", "write all the digits out: 2500"),
        ("0x1F", "Hexadecimal numbers (0x...) are not accepted; type the number in decimal: 31"),
        ("0b101", "Binary numbers"),
        ("0o17", "Octal numbers"),
        ("1_000", "Leave out the underscores: write '1000'"),
        ("1,000", "Leave out the commas"),
        ("1 000", "Leave out the spaces"),
        ("١٢٣", "Only the digits 0-9 are accepted"),
        ("１２３", "in 0-9 it reads '123'"),
        ("abc", "'abc' is not a number"),
        ("12a", "is not a number"),
        ("inf", "is not a number"),
        ("nan", "is not a number"),
    ],
)
def test_anything_else_is_refused_with_a_reason(text, says):
    with pytest.raises(ValueError) as error:
        parse_number(text)
    assert says in str(error.value)


def test_every_refusal_says_what_is_accepted_or_how_to_fix_it():
    for text in ["abc", "", "-"]:
        with pytest.raises(ValueError, match="digits 0-9"):
            parse_number(text)


def test_length_limit():
    assert parse_number("9" * 50, max_digits=50) == 10**50 - 1
    with pytest.raises(ValueError, match="51 digits; numbers of up to 50 digits"):
        parse_number("9" * 51, max_digits=50)
    with pytest.raises(ValueError, match="characters"):
        parse_number("x" * 51, max_digits=50)
    assert DEFAULT_MAX_DIGITS == 10_000


def test_numbers_longer_than_pythons_str_limit():
    limit = sys.get_int_max_str_digits()
    text = "7" * (limit + 1000)
    n = parse_number(text, max_digits=len(text))
    assert n % 10**6 == 777_777
    assert n.bit_length() > 3.3 * limit
    assert int_to_digits(n) == text
    assert sys.get_int_max_str_digits() == limit  # the global limit is left alone


BIG = {
    "0": 0,
    "1": 1,
    "10**999": 10**999,
    "10**1000": 10**1000,
    "10**1000-1": 10**1000 - 1,
    "3**20000": 3**20_000,
    "10**9000+7": 10**9000 + 7,
}


@pytest.mark.parametrize("name", BIG)
def test_decimal_round_trip(name):
    n = BIG[name]
    digits = int_to_digits(n)
    assert digits_to_int(digits) == n
    assert digits[0] != "0" or n == 0


def test_int_to_digits_pads():
    assert int_to_digits(5, width=4) == "0005"
    with pytest.raises(ValueError):
        int_to_digits(-1)


def test_settings_from_env():
    assert settings_from_env({}) == AppSettings(10_000, 2, None)
    settings = settings_from_env(
        {"GRU_VIZ_MAX_DIGITS": "50", "GRU_VIZ_MAX_TRAININGS": " 1 ", "GRU_VIZ_MODEL": "m.npz"}
    )
    assert settings == AppSettings(max_digits=50, max_trainings=1, model_path="m.npz")
    with pytest.raises(ValueError, match="GRU_VIZ_MAX_DIGITS"):
        settings_from_env({"GRU_VIZ_MAX_DIGITS": "1e4"})
    with pytest.raises(ValueError, match="GRU_VIZ_MAX_TRAININGS must be .* at least 1; got 0"):
        settings_from_env({"GRU_VIZ_MAX_TRAININGS": "0"})
    assert settings_from_env({"GRU_VIZ_MAX_PAUSED": "60"}).max_paused == 60


def test_the_caps_on_what_a_visitor_may_ask_for_are_settings():
    caps = settings_from_env(
        {
            "GRU_VIZ_MAX_SESSION_TRAININGS": "3",
            "GRU_VIZ_MAX_STEPS": "2000",
            "GRU_VIZ_MAX_HIDDEN": "32",
        }
    )
    assert (caps.max_session_trainings, caps.max_steps, caps.max_hidden) == (3, 2000, 32)
    with pytest.raises(ValueError, match="GRU_VIZ_MAX_HIDDEN must be .* from 1 to 256; got 300"):
        settings_from_env({"GRU_VIZ_MAX_HIDDEN": "300"})  # more than the page could offer
    with pytest.raises(ValueError, match="GRU_VIZ_MAX_STEPS must be a whole number"):
        settings_from_env({"GRU_VIZ_MAX_STEPS": "lots"})


# What people type, generated: any text must give the right number or a message for people.

INTERNALS = ("sys.", "set_int_max_str_digits", "Exceeds the limit", "invalid literal", "int(")
NUMBERISH = st.text(alphabet="0123456789+-_.,eExXbB ' \t١٢", max_size=60)
LONG = st.builds(
    lambda head, n, tail: head + "1" * n + tail,
    st.sampled_from(["", "1e", "+", "-", "+-", "0x", "1.", "."]),
    st.integers(0, 12_000),
    st.sampled_from(["", "e5", "e", ".5", "_1", " "]),
)


def check_answer(text: str, max_digits: int = 10_000) -> None:
    stripped = text.strip()
    plain = stripped.isascii() and stripped.isdigit() and len(stripped) <= max_digits
    try:
        value = parse_number(text, max_digits)
    except ValueError as error:
        message = str(error)
        assert not plain, f"{text[:30]!r} was refused: {message}"
        assert not any(word in message for word in INTERNALS), message
        assert len(message) < 300, message
        return
    assert plain and value == digits_to_int(stripped)


@settings(max_examples=400, deadline=None)
@given(st.one_of(NUMBERISH, LONG, st.text(max_size=40)))
def test_any_text_gives_its_number_or_a_message_for_people(text):
    check_answer(text)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10**3000))
def test_every_number_written_out_reads_back(n):
    assert parse_number(f" {n} ") == n


@pytest.mark.parametrize(
    "text, says",
    [
        ("1e" + "1" * 4301, "Exponents"),
        ("5" * 5000 + "e5", "Exponents"),
        ("+-3", "is not a number"),
        ("--3", "is not a number"),
        ("-3", "negative"),
        ("+3", "Leave out the sign"),
    ],
)
def test_known_troublemakers(text, says):
    with pytest.raises(ValueError, match=says) as error:
        parse_number(text)
    assert not any(word in str(error.value) for word in INTERNALS)
