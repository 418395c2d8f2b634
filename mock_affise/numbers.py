"""Numbers as Affise reads them: ASCII digits only, integers of at most 18 digits.

Python's int(), Decimal() and the regex \\d also take other scripts' digits ("٢٩٢١"),
superscripts and underscores ("1_000"); every parser of a client's number goes through here.
"""

from __future__ import annotations

import re

MAX_DIGITS = 18  # ids are signed 64-bit columns: 18 digits always fit
INTEGER = re.compile(r"[+-]?[0-9]+")
INDEX = re.compile(r"(-?)[0-9]{1,18}")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LIMIT = 10**MAX_DIGITS


class NumberError(ValueError):
    """A value is not an integer Affise would read; the text says why."""


def parse_int(value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return value (an int, or ASCII digits with an optional sign) as an int in range."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NumberError("must be an integer")
    if isinstance(value, int):
        number = value
        if not -_LIMIT < number < _LIMIT:
            raise NumberError(f"must be an integer of at most {MAX_DIGITS} digits")
    else:
        if not INTEGER.fullmatch(value):
            raise NumberError("must be an integer")
        if len(value.lstrip("+-")) > MAX_DIGITS:
            raise NumberError(f"must be an integer of at most {MAX_DIGITS} digits")
        number = int(value)
    if minimum is not None and number < minimum:
        raise NumberError(f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise NumberError(f"must be at most {maximum}")
    return number


def is_index(key: object, signed: bool = True) -> bool:
    """Tell whether key names an array position: ASCII digits (at most 18), maybe negative."""
    match = INDEX.fullmatch(key) if isinstance(key, str) else None
    return match is not None and (signed or not match.group(1))


def is_decimal(text: str) -> bool:
    """Tell whether text is a decimal number in ASCII digits (no underscores, no NaN)."""
    return DECIMAL.fullmatch(text) is not None
