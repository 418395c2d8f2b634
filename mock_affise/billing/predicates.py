"""The billing rules as SQL expressions over the models, for set-based queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, Subquery, and_, case, false, func, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ..models import Affiliate, Conversion, Correction, Payment
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


def own_revenue(tenant_id: int, invoice_ids: Select) -> Subquery:
    """Those invoices' conversions plus corrections (id, revenue): what a referral invoice owes on.

    A referral invoice's own ref_revenue is left out: referral money goes one level up only.
    """
    payouts = (select(Conversion.payment_id.label("id"), Conversion.payouts.label("amount"))
               .where(Conversion.tenant_id == tenant_id, Conversion.payment_id.in_(invoice_ids)))
    corrections = select(Correction.payment_id, Correction.revenue).where(
        Correction.tenant_id == tenant_id, Correction.payment_id.in_(invoice_ids))
    amounts = payouts.union_all(corrections).subquery("amounts")
    return (select(amounts.c.id, func.sum(amounts.c.amount).label("revenue"))
            .group_by(amounts.c.id).subquery("own_revenue"))


def owed_referral(tenant_id: int, before: datetime | None) -> list[ColumnElement[bool]]:
    """Referral invoices owed to their main affiliate: Completed (before `before`), not taken.

    The caller joins Affiliate on the invoice's pid (Affiliate.ref is the main affiliate).
    """
    conditions = [Payment.tenant_id == tenant_id, Payment.status == int(COMPLETED),
                  Payment.ref_payment_id.is_(None), Affiliate.tenant_id == tenant_id,
                  Affiliate.id == Payment.pid, Affiliate.ref.is_not(None)]
    if before is not None:
        conditions.append(Payment.updated_at < before)
    return conditions
