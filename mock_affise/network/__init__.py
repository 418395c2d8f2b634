"""The network around billing: partners, their balances, conversions and reference data.

Plain service functions: each takes a session and plain values, and imports nothing of Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def page_of_rows(session: Session, model: type[T], conditions: Sequence[Any],
                 order: Sequence[Any], page: int, limit: int) -> Page[T]:
    """Return one page of model's rows meeting conditions, in order, with their total."""
    total = session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    rows = session.scalars(select(model).where(*conditions).order_by(*order)
                           .offset((page - 1) * limit).limit(limit))
    return Page(list(rows), total, page, limit)
