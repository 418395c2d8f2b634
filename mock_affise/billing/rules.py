"""Billing rules shared by every operation, as plain values and SQL expressions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, or_
from sqlalchemy.sql.elements import ColumnElement

from ..models import Conversion

APPROVED, PENDING, DECLINED, HOLD = 1, 2, 3, 5
STATUS_WORDS = {APPROVED: "confirmed", PENDING: "pending", DECLINED: "declined", HOLD: "hold"}
STATUS_CODES = {word: code for code, word in STATUS_WORDS.items()}

WAITING, COMPLETED, PAID_PARTLY, PENDING_INVOICE, DECLINED_INVOICE = 1, 2, 3, 4, -1
INVOICE_STATUSES = (DECLINED_INVOICE, WAITING, COMPLETED, PAID_PARTLY, PENDING_INVOICE)


def effectively_approved(now: datetime) -> ColumnElement[bool]:
    """Approved, or on hold with hold_until passed on the tenant clock (Affise approves it)."""
    return or_(
        Conversion.status == APPROVED,
        and_(Conversion.status == HOLD, Conversion.hold_until.is_not(None),
             Conversion.hold_until <= now),
    )


def on_hold(now: datetime) -> ColumnElement[bool]:
    """Hold that has not expired yet: never payable."""
    return and_(
        Conversion.status == HOLD,
        or_(Conversion.hold_until.is_(None), Conversion.hold_until > now),
    )


def effective_status(now: datetime) -> ColumnElement[int]:
    """The status a client sees: an expired hold reads as approved."""
    return case((effectively_approved(now), APPROVED), else_=Conversion.status)


def is_payable(now: datetime) -> ColumnElement[bool]:
    """Approved and not in any invoice (the period is the caller's to add)."""
    return and_(effectively_approved(now), Conversion.payment_id.is_(None))


def threshold(system_threshold: Decimal | None, currency_minimum: Decimal) -> Decimal:
    """The minimum an invoice must reach: the payment system's threshold, else the currency's."""
    return currency_minimum if system_threshold is None else system_threshold


def payment_state(payment_status: int | None) -> tuple[str, str]:
    """Return (payment_status, is_paid) as /3.0/stats/conversions shows them."""
    if payment_status is None:
        return "opened", "0"
    if payment_status == COMPLETED:
        return "closed", "1"
    return "pending", "0"
