"""Exact money: Decimal values, stored as integer hundred-millionths, rendered at the edge."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .numbers import is_decimal

PLACES = 8
SCALE = Decimal(10) ** PLACES
QUANTUM = Decimal(1).scaleb(-PLACES)
# Largest magnitude that fits a signed 64-bit integer of hundred-millionths, with headroom for sums.
LIMIT = Decimal(10) ** 10
ZERO = Decimal(0)


class MoneyError(ValueError):
    """A value is not an exact amount the mock can hold."""


def parse_money(raw: object) -> Decimal:
    """Return raw (a decimal string, int or Decimal) as an exact Decimal, or raise MoneyError."""
    if isinstance(raw, bool) or raw is None:
        raise MoneyError("must be a decimal number")
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError("must be a decimal number") from exc
    if not value.is_finite():
        raise MoneyError("must be a finite decimal number")
    if not is_decimal(text):  # Decimal() also takes "1_000" and other scripts' digits
        raise MoneyError("must be a decimal number")
    # Compare exponents, not values: abs() of "1e999999999" overflows the decimal context.
    if value and value.adjusted() >= LIMIT.adjusted():
        raise MoneyError(f"must be less than {LIMIT:f} in absolute value")
    if value != value.quantize(QUANTUM):
        raise MoneyError(f"must have at most {PLACES} decimal places")
    return value.quantize(QUANTUM) + ZERO  # + ZERO turns -0 into 0


def plain(value: Decimal) -> str:
    """Render an amount the way Affise writes it in messages: 20, 20.5, 0.01."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def eight(value: Decimal) -> str:
    """Render an amount as invoices carry it on the wire: "52.12000000"."""
    return format(value.quantize(QUANTUM), "f")


def number(value: Decimal) -> int | float:
    """Render an amount as a JSON number (conversion payouts, balances)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def to_units(value: Decimal) -> int:
    """Return an amount as the integer count of 1e-8 units it is stored as."""
    return int(Decimal(value) * SCALE)


def from_units(units: int) -> Decimal:
    """Return the amount a stored count of 1e-8 units stands for."""
    return Decimal(int(units)).scaleb(-PLACES)
