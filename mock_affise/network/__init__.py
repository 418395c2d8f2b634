"""The network around billing: partners, their balances, conversions and reference data.

Plain service functions: each takes a session and plain values, and imports nothing of Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, the total across all pages, and where it sits."""

    items: list[T]
    total: int
    page: int
    limit: int

    @property
    def has_next(self) -> bool:
        """Tell whether a page after this one holds items."""
        return self.page * self.limit < self.total
