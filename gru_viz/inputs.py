"""The numbers people type: parse them, refuse anything else with a message that says why.

Accepted: ASCII decimal digits 0-9, optionally with spaces around them, up to a length limit.
Python caps int <-> str conversion at 4300 digits by default, so longer numbers are converted
here piece by piece instead of by changing that global limit.
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_MAX_DIGITS = 10_000
ACCEPTED = "a whole number from 0 up, written with the digits 0-9 (spaces around it are fine)"
HELP = (
    "A whole number from 0 up, written with the digits 0-9, as long as you like up to "
    "{max_digits:,} digits. Not accepted: signs, decimals, exponents such as 1e5, 0x/0b "
    "prefixes, separators such as 1_000 or 1,000."
)
_CHUNK = 1000  # digits converted with int() / str() in one go, well under Python's limit


def parse_number(text: str, max_digits: int = DEFAULT_MAX_DIGITS) -> int:
    """The non-negative integer written in `text`, or ValueError saying what is wrong and what
    is accepted. Leading zeros are fine ("007" is 7)."""
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}; type {ACCEPTED}")
    stripped = text.strip()
    if not stripped:
        raise ValueError(f"Nothing typed yet: type {ACCEPTED}, such as 1024.")
    if len(stripped) > max_digits:
        what = "digits" if _is_ascii_digits(stripped) else "characters"
        raise ValueError(
            f"That is {len(stripped):,} {what}; numbers of up to {max_digits:,} digits are "
            "accepted here, so that the page stays quick."
        )
    if _is_ascii_digits(stripped):
        return digits_to_int(stripped)
    raise ValueError(_why_not(stripped))


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _why_not(text: str) -> str:
    """The message for text that is not plain ASCII digits: the first rule it breaks."""
    shown = _shorten(text)
    body = text[1:]
    one_sign = text[0] in "+-" and body[:1] not in ("+", "-")
    if one_sign and (_is_ascii_digits(body) or _looks_numeric(body)):
        if text[0] == "-" and body.strip("0"):
            return f"{shown} is negative; only whole numbers from 0 up are accepted."
        return f"Leave out the sign: write {_shorten(body)}."
    prefix = text[:2].lower()
    bases = {"0x": ("Hexadecimal", 16), "0b": ("Binary", 2), "0o": ("Octal", 8)}
    if prefix in bases:
        name, base = bases[prefix]
        hint = _in_decimal(text[2:], base)
        return f"{name} numbers ({prefix}...) are not accepted; type the number in decimal{hint}."
    if re.fullmatch(r"\d+(\.\d*)?[eE][+-]?\d+|\.\d+[eE][+-]?\d+", text, re.ASCII):
        return (
            f"Exponents such as {shown} are not accepted; write all the digits out"
            f"{_exponent_hint(text)}."
        )
    if re.fullmatch(r"\d*\.\d*", text, re.ASCII) and text != ".":
        return f"{shown} is not a whole number; decimals are not accepted."
    for mark, name in (
        ("_", "underscores"),
        (",", "commas"),
        (" ", "spaces"),
        ("'", "apostrophes"),
    ):
        if mark in text and _is_ascii_digits(re.sub(r"[_,' \t]", "", text)):
            plain = re.sub(r"[_,' \t]", "", text)
            return f"Leave out the {name}: write {_shorten(plain)}."
    if text.isdigit() or all(unicodedata.category(c) == "Nd" or c.isascii() for c in text):
        ascii_form = "".join(str(unicodedata.digit(c, "")) if c.isdigit() else c for c in text)
        if _is_ascii_digits(ascii_form):
            return (
                f"Only the digits 0-9 are accepted; {shown} uses other digit characters "
                f"(in 0-9 it reads {_shorten(ascii_form)})."
            )
    return f"{shown} is not a number: type {ACCEPTED}."


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.eE_,+-]+", text, re.ASCII)) and any(c.isdigit() for c in text)


def _shorten(text: str, limit: int = 24) -> str:
    """`text` quoted for a message, cut in the middle if long."""
    if len(text) > limit:
        text = f"{text[: limit // 2]}...{text[-limit // 2 :]}"
    return f"'{text}'"


def _in_decimal(digits: str, base: int) -> str:
    try:
        value = int(digits, base) if len(digits) <= 64 else None
    except ValueError:
        value = None
    return f": {value}" if value is not None and "_" not in digits else ""


def _exponent_hint(text: str) -> str:
    """': 1500' for '1.5e3', when the number written out is short enough to suggest."""
    mantissa, exponent = re.split(r"[eE]", text)
    if len(exponent.lstrip("+-")) > 2 or len(mantissa) > 30:
        return ""
    whole, _, fraction = mantissa.partition(".")
    shift = int(exponent) - len(fraction)
    if 0 <= shift <= 30 and int(exponent) <= 30:
        return f": {int((whole + fraction) or '0')}{'0' * shift}"
    return ""


def digits_to_int(digits: str) -> int:
    """int(digits) for a string of ASCII digits of any length."""
    if len(digits) <= _CHUNK:
        return int(digits)
    low_len = len(digits) // 2
    high, low = digits[:-low_len], digits[-low_len:]
    return digits_to_int(high) * 10**low_len + digits_to_int(low)


def int_to_digits(n: int, width: int = 0) -> str:
    """str(n) for a non-negative int of any size, left padded with zeros to `width`."""
    if n < 0:
        raise ValueError(f"int_to_digits takes a non-negative int, got {n}")
    if n < 10**_CHUNK:
        return str(n).zfill(width)
    # Split on a power of ten with about half of n's digits.
    low_len = max(_CHUNK, int(n.bit_length() * 0.30103) // 2)
    high, low = divmod(n, 10**low_len)
    return int_to_digits(high, width - low_len) + int_to_digits(low, low_len)
