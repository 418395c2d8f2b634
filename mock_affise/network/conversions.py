"""Conversions as the stats routes show them, and the admin edit that approves or holds them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, select, update
from sqlalchemy.orm import Session

from ..billing.predicates import effective_status, is_open, seen_by
from ..billing.rules import COMPLETED, HOLD, STATUS_CODES, Audience, update_bound
from ..effects import note
from ..errors import NotFound, ValidationError
from ..models import Affiliate, Conversion, Currency, Manager, Offer, Payment
from ..money import ZERO
from . import Page
from .reference import find_currency


@dataclass(frozen=True)
class ConversionQuery:
    """The filters and page of GET /3.0/stats/conversions."""

    statuses: Sequence[int] | None = None
    affiliate_ids: Sequence[int] | None = None
    offer_ids: Sequence[int] | None = None
    advertiser_ids: Sequence[str] | None = None
    countries: Sequence[str] | None = None
    currency: str | None = None  # a currency id or code, as the client sent it
    payment_status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    update_from_date: date | None = None
    update_from_hour: int | None = None
    update_to_date: date | None = None
    update_to_hour: int | None = None
    page: int = 1
    limit: int = 100


@dataclass(frozen=True)
class ConversionView:
    """A conversion with what the stats routes show beside it."""

    conversion: Conversion
    status: int  # as a client sees it: an expired hold reads approved
    offer: Offer | None
    affiliate: Affiliate | None
    manager: Manager | None
    currency_id: int | None
    invoice_status: int | None  # None while the conversion is in no invoice


@dataclass(frozen=True)
class ConversionEdit:
    """What POST /3.0/admin/conversion/edit applied."""

    ids: list[str]
    status: str | None
    currency: str | None
    payouts: Decimal | None


def _viewed(now: datetime) -> Select:
    """Select conversions with their offer, affiliate, manager, currency and invoice status."""
    return (
        select(Conversion, effective_status(now), Offer, Affiliate, Manager, Currency.id,
               Payment.status)
        .outerjoin(Offer, and_(Offer.tenant_id == Conversion.tenant_id,
                               Offer.id == Conversion.offer_id))
        .outerjoin(Affiliate, and_(Affiliate.tenant_id == Conversion.tenant_id,
                                   Affiliate.id == Conversion.affiliate_id))
        .outerjoin(Manager, and_(Manager.tenant_id == Conversion.tenant_id,
                                 Manager.id == Affiliate.manager_id))
        .outerjoin(Currency, and_(Currency.tenant_id == Conversion.tenant_id,
                                  Currency.code == Conversion.currency))
        .outerjoin(Payment, and_(Payment.tenant_id == Conversion.tenant_id,
                                 Payment.id == Conversion.payment_id))
    )


def find_conversions(session: Session, tenant_id: int, now: datetime, query: ConversionQuery,
                     audience: Audience) -> Page[ConversionView]:
    """Return one page of the conversions audience sees matching query, newest first."""
    conditions = [Conversion.tenant_id == tenant_id,
                  seen_by(audience, tenant_id, Conversion.affiliate_id)]
    if query.statuses is not None:
        conditions.append(effective_status(now).in_(list(query.statuses)))
    if query.affiliate_ids is not None:
        conditions.append(Conversion.affiliate_id.in_(list(query.affiliate_ids)))
    if query.offer_ids is not None:
        conditions.append(Conversion.offer_id.in_(list(query.offer_ids)))
    if query.advertiser_ids is not None:
        conditions.append(Offer.advertiser_id.in_(list(query.advertiser_ids)))
    if query.countries is not None:
        conditions.append(Conversion.country.in_([c.upper() for c in query.countries]))
    if query.currency is not None:
        currency = find_currency(session, tenant_id, query.currency)
        if currency is None:
            raise ValidationError("currency", f"unknown currency '{query.currency}'")
        conditions.append(Conversion.currency == currency.code)
    if query.payment_status == "opened":
        conditions.append(Conversion.payment_id.is_(None))
    elif query.payment_status == "pending":
        conditions.append(and_(Conversion.payment_id.is_not(None), is_open()))
    elif query.payment_status == "closed":
        conditions.append(Payment.status == COMPLETED)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationError("date_from", "must not be after date_to")
    if query.date_from is not None:
        conditions.append(Conversion.created_at >= datetime.combine(query.date_from, time()))
    if query.date_to is not None:
        end = datetime.combine(query.date_to, time()) + timedelta(days=1)
        conditions.append(Conversion.created_at < end)
    updated_from = update_bound(query.update_from_date, query.update_from_hour, end=False)
    updated_to = update_bound(query.update_to_date, query.update_to_hour, end=True)
    if updated_from is not None:
        conditions.append(Conversion.updated_at >= updated_from)
    if updated_to is not None:
        conditions.append(Conversion.updated_at < updated_to)
    counted = (
        select(func.count()).select_from(Conversion)
        .outerjoin(Offer, and_(Offer.tenant_id == Conversion.tenant_id,
                               Offer.id == Conversion.offer_id))
        .outerjoin(Payment, and_(Payment.tenant_id == Conversion.tenant_id,
                                 Payment.id == Conversion.payment_id))
        .where(*conditions)
    )
    total = session.scalar(counted) or 0
    rows = session.execute(
        _viewed(now).where(*conditions)
        .order_by(Conversion.created_at.desc(), Conversion.id.desc())
        .offset((query.page - 1) * query.limit).limit(query.limit)
    ).all()
    return Page([ConversionView(*row) for row in rows], total, query.page, query.limit)


def get_conversion(session: Session, tenant_id: int, now: datetime,
                   conversion_id: str) -> ConversionView:
    """Return one conversion; raise NotFound when the tenant has no such id."""
    row = session.execute(
        _viewed(now).where(Conversion.tenant_id == tenant_id, Conversion.id == conversion_id)
    ).first()
    if row is None:
        raise NotFound()
    return ConversionView(*row)


def edit_conversions(session: Session, tenant_id: int, now: datetime, ids: Sequence[str],
                     status: str | None = None, payouts: Decimal | None = None,
                     currency: str | None = None, by_filter: bool = False) -> ConversionEdit:
    """Set the status, payouts and/or currency of conversions in no invoice.

    [mock] A conversion inside an invoice cannot be edited: delete it from the invoice first.
    all=1 (Affise's batch edit by filter) is refused rather than silently ignored. Setting hold
    keeps a hold_until still in the future (the planned release stays) and
    otherwise clears it, so the conversion stays on hold until a manager changes it; the other
    statuses leave hold_until alone (only a hold reads it).
    """
    if by_filter:
        raise ValidationError("all", "batch edit by filter is not supported by the mock; send ids")
    wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not wanted:
        raise ValidationError("ids", "is required")
    if status is None and payouts is None and currency is None:
        raise ValidationError("status", "is required unless payouts or currency is given")
    if payouts is not None and payouts < ZERO:
        raise ValidationError("payouts", "must not be negative")
    code = None
    if currency is not None:
        found = find_currency(session, tenant_id, currency)
        if found is None or currency.strip().isdigit():
            raise ValidationError("currency", f"unknown currency '{currency}'")
        code = found.code
    invoices = dict(session.execute(
        select(Conversion.id, Conversion.payment_id)
        .where(Conversion.tenant_id == tenant_id, Conversion.id.in_(wanted))
    ).all())
    missing = [i for i in wanted if i not in invoices]
    if missing:
        noun = "conversion" if len(missing) == 1 else "conversions"
        raise ValidationError("ids", f"unknown {noun} {', '.join(missing)}")
    for conversion_id in wanted:
        if invoices[conversion_id] is not None:
            raise ValidationError(
                "ids", f"conversion {conversion_id} is in payment {invoices[conversion_id]}")
    values: dict = {"updated_at": now}
    if status is not None:
        values["status"] = STATUS_CODES[status]
        if STATUS_CODES[status] == HOLD:
            values["hold_until"] = case((Conversion.hold_until > now, Conversion.hold_until),
                                        else_=None)
    if payouts is not None:
        values["payouts"] = payouts
    if code is not None:
        values["currency"] = code
    session.execute(
        update(Conversion)
        .where(Conversion.tenant_id == tenant_id, Conversion.id.in_(wanted))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    note(session, "changed", "conversions", wanted)
    return ConversionEdit(wanted, status, code, payouts)
