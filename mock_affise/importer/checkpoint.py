"""The conversion windows an import has read, kept in a file so a broken run resumes.

The file holds the answers of each finished window and what the run was asked (network URL,
period, affiliates, window size): a run asked something else starts over. It never holds the
API key. A finished import deletes it. Decimals (the client reads JSON numbers with a
fraction as Decimal) are kept as their exact text, which the mappers read alike.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any


class Checkpoint:
    """Finished windows by name ("2024-01-01/2024-01-07"), saved after each one."""

    def __init__(self, path: Path, asked: dict[str, Any]) -> None:
        # As the file will hold it (a tuple reads back as a list), so the two compare.
        self.path, self.asked = path, json.loads(json.dumps(asked))
        self._windows: dict[str, list[Any]] = {}
        self.resumed = 0
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(kept, dict) and kept.get("asked") == self.asked and \
                isinstance(kept.get("windows"), dict):
            self._windows = kept["windows"]
            self.resumed = len(self._windows)

    def window(self, name: str) -> list[Any] | None:
        """The conversions of a finished window, or None when it is still to read."""
        return self._windows.get(name)

    def keep(self, name: str, conversions: list[Any]) -> None:
        """Record a finished window (written whole, then renamed: never half a file)."""
        self._windows[name] = conversions
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps({"asked": self.asked, "windows": self._windows},
                                      default=_exact), encoding="utf-8")
        os.replace(partial, self.path)

    def finish(self) -> None:
        """Delete the file: the import is done."""
        self.path.unlink(missing_ok=True)


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
