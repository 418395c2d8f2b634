"""Answers as the mappers take them, and the one place a shape they cannot read is named.

Affise may answer `status: 1` with an object the fixture cannot be built from: a key missing,
a value that does not parse, a list that is not one. The import then ends with Malformed,
which names the route, the object and what is wrong (exit 4), never with a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .client import AffiseReader, Malformed, Unexpected

# What a mapper raises on an object not of Affise's shape (mapper.Unreadable is a ValueError).
MAPPING_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError)


def ok_body(reader: AffiseReader, path: str, params: dict[str, Any] | None = None) -> Any:
    """The body of Affise's success answer to GET path; raise Unexpected on anything else."""
    answer = reader.get(path, params)
    if not answer.ok:
        raise Unexpected(path, answer, reader.name)
    return answer.body


def use(reader: AffiseReader, path: str, kind: str, item: Any,
        add: Callable[[dict[str, Any]], None]) -> None:
    """Add one object read from path; an object add cannot read raises Malformed naming it."""
    if not isinstance(item, dict):
        raise Malformed(path, f"a {kind} is {type(item).__name__}, not an object", reader.name)
    try:
        add(item)
    except MAPPING_ERRORS as exc:
        ident = next((item[k] for k in ("id", "_id", "number") if item.get(k) is not None),
                     None)
        named = f"{kind} {str(ident)[:40]}" if ident is not None else f"a {kind}"
        why = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)[:200]
        raise Malformed(path, f"{named}: {why}", reader.name) from None
