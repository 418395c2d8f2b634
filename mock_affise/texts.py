"""Text a column and an answer can both hold: the one rule every way in applies."""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Say why text cannot be stored (a NUL character, a lone UTF-16 surrogate), else None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii() and _SURROGATE.search(text):
        return "must not contain unpaired UTF-16 surrogates"
    return None


def column_chars(column: Any) -> int:
    """Return how many characters a bounded text column (a model attribute) holds.

    PostgreSQL refuses a longer value where SQLite would keep it: every way in checks this
    bound first, so both engines refuse the same text with the same message.
    """
    return int(column.property.columns[0].type.length)


def length_problem(text: str, limit: int | None) -> str | None:
    """Say why text is too long for limit characters, else None."""
    if limit is not None and len(text) > limit:
        return f"must be at most {limit} characters"
    return None
