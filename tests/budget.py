"""How many examples a property test or state machine draws.

`make test`'s first pass draws the bounded number; its reruns on other engines
(MOCK_AFFISE_TEST_RERUN=1: SQLite files, PostgreSQL) draw a third of it, since they are there to
find where an engine answers differently, and the rules were explored in the first pass;
`make fuzz` (MOCK_AFFISE_FUZZ=long) draws the long number.
"""

from __future__ import annotations

import os

LONG = os.environ.get("MOCK_AFFISE_FUZZ") == "long"
RERUN = os.environ.get("MOCK_AFFISE_TEST_RERUN") == "1"


def examples(bounded: int, long: int | None = None) -> int:
    """Return the number of examples for this run (long: make fuzz's, else bounded's)."""
    if LONG:
        return long if long is not None else bounded
    return max(2, bounded // 3) if RERUN else bounded
