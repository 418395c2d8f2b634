"""Text a column and an answer can both hold: the one rule every way in applies."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Say why text cannot be stored (a NUL character, a lone UTF-16 surrogate), else None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if not text.isascii() and _SURROGATE.search(text):
        return "must not contain unpaired UTF-16 surrogates"
    return None
