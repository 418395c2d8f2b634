"""The Money column type: exact Decimal amounts stored as integer 1e-8 units on every engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from .money import from_units, to_units


class Money(TypeDecorator):
    """A Decimal column stored as a BIGINT count of 1e-8 units: exact on every engine."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:  # noqa: D102
        return None if value is None else to_units(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:  # noqa: D102
        return None if value is None else from_units(value)
