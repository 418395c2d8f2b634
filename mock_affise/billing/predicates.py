"""The billing rules as SQL expressions over the models, for set-based queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, false, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ..models import Affiliate, Conversion, Payment
from .rules import APPROVED, COMPLETED, HOLD, Audience


def hold_expired(now: datetime) -> ColumnElement[bool]:
    """A hold whose hold_until has passed on the tenant clock (rules.hold_expired)."""
    return and_(Conversion.status == HOLD, Conversion.hold_until.is_not(None),
                Conversion.hold_until <= now)


def effectively_approved(now: datetime) -> ColumnElement[bool]:
    """Approved, or on hold with hold_until passed (rules.effectively_approved)."""
    return or_(Conversion.status == APPROVED, hold_expired(now))


def on_hold(now: datetime) -> ColumnElement[bool]:
    """Hold that has not expired yet: never payable."""
    return and_(
        Conversion.status == HOLD,
        or_(Conversion.hold_until.is_(None), Conversion.hold_until > now),
    )


def effective_status(now: datetime) -> ColumnElement[int]:
    """The status a client sees: an expired hold reads as approved (rules.effective_status)."""
    return case((hold_expired(now), int(APPROVED)), else_=Conversion.status)


def is_payable(now: datetime) -> ColumnElement[bool]:
    """Approved and not in any invoice (the period is the caller's to add)."""
    return and_(effectively_approved(now), Conversion.payment_id.is_(None))


def is_open() -> ColumnElement[bool]:
    """An invoice that may still change: any status but Completed."""
    return Payment.status != int(COMPLETED)


def visible(now: datetime) -> ColumnElement[bool]:
    """Invoices a delayed generation has finished making by now."""
    return or_(Payment.visible_at.is_(None), Payment.visible_at <= now)


def seen_by(audience: Audience, tenant_id: int,
            affiliate_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Rows whose affiliate (the column affiliate_id) the audience sees (Audience.sees)."""
    if audience.everyone:
        return true()
    if audience.affiliate_id is not None:
        return affiliate_id == audience.affiliate_id
    if audience.manager_id is None:
        return false()
    # An alias: the subquery must not correlate with an outer query over affiliates.
    managed = aliased(Affiliate)
    ids = select(managed.id).where(managed.tenant_id == tenant_id,
                                   managed.manager_id == audience.manager_id)
    return affiliate_id.in_(ids)
