"""Conversions as the stats routes show them, and the admin edit that approves or holds them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, select, update
from sqlalchemy.orm import Session

from ..billing.predicates import effective_status, seen_by
from ..billing.rules import HOLD, STATUS_CODES, Audience
from ..effects import note
from ..errors import NotFound, ValidationError
from ..models import Affiliate, Conversion, Currency, Manager, Offer, Payment
from ..money import ZERO
from . import Page
from .conversion_filters import ConversionQuery, conversion_conditions
from .reference import find_currency

__all__ = ["ConversionChanges", "ConversionEdit", "ConversionQuery", "ConversionView",
           "edit_conversions", "find_conversions", "get_conversion"]


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
class ConversionChanges:
    """The values POST /3.0/admin/conversion/edit sets; None leaves a value as it is."""

    status: str | None = None
    payouts: Decimal | None = None
    revenue: Decimal | None = None
    sum: Decimal | None = None
    currency: str | None = None  # a currency code, as the client sent it
    comment: str | None = None
    custom_fields: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConversionEdit:
    """What POST /3.0/admin/conversion/edit applied."""

    ids: list[str]
    status: str | None
    currency: str | None
    payouts: Decimal | None


def _joined(selected: Select) -> Select:
    """Join conversions to the offer, affiliate and invoice the filters may name."""
    return (
        selected
        .outerjoin(Offer, and_(Offer.tenant_id == Conversion.tenant_id,
                               Offer.id == Conversion.offer_id))
        .outerjoin(Affiliate, and_(Affiliate.tenant_id == Conversion.tenant_id,
                                   Affiliate.id == Conversion.affiliate_id))
        .outerjoin(Payment, and_(Payment.tenant_id == Conversion.tenant_id,
                                 Payment.id == Conversion.payment_id))
    )


def _viewed(now: datetime) -> Select:
    """Select conversions with their offer, affiliate, manager, currency and invoice status."""
    return (
        _joined(select(Conversion, effective_status(now), Offer, Affiliate, Manager, Currency.id,
                       Payment.status))
        .outerjoin(Manager, and_(Manager.tenant_id == Conversion.tenant_id,
                                 Manager.id == Affiliate.manager_id))
        .outerjoin(Currency, and_(Currency.tenant_id == Conversion.tenant_id,
                                  Currency.code == Conversion.currency))
    )


def find_conversions(session: Session, tenant_id: int, now: datetime, query: ConversionQuery,
                     audience: Audience) -> Page[ConversionView]:
    """Return one page of the conversions audience sees matching query, newest first."""
    conditions = [*conversion_conditions(session, tenant_id, now, query),
                  seen_by(audience, tenant_id, Conversion.affiliate_id)]
    counted = _joined(select(func.count()).select_from(Conversion)).where(*conditions)
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


def _selected_ids(session: Session, tenant_id: int, now: datetime, ids: Sequence[str],
                  by_filter: ConversionQuery | None) -> list[str]:
    """Return the ids an edit names: those sent, or with all=1 those its filters match."""
    if by_filter is None:
        wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
        if not wanted:
            raise ValidationError("ids", "is required")
        return wanted
    for name, value in (("date_from", by_filter.date_from), ("date_to", by_filter.date_to)):
        if value is None:
            raise ValidationError(f"params[{name}]", "is required when all=1")
    conditions = conversion_conditions(session, tenant_id, now, by_filter)
    return list(session.scalars(
        _joined(select(Conversion.id)).where(*conditions)
        .order_by(Conversion.created_at, Conversion.id)))


def _changed_values(session: Session, tenant_id: int, now: datetime,
                    changes: ConversionChanges) -> dict[str, Any]:
    """Return the column values an edit sets, checked."""
    values: dict[str, Any] = {}
    for name in ("payouts", "revenue", "sum"):
        amount = getattr(changes, name)
        if amount is not None:
            if amount < ZERO:
                raise ValidationError(name, "must not be negative")
            values[name] = amount
    if changes.currency is not None:
        found = find_currency(session, tenant_id, changes.currency)
        if found is None or changes.currency.strip().isdigit():
            raise ValidationError("currency", f"unknown currency '{changes.currency}'")
        values["currency"] = found.code
    if changes.status is not None:
        values["status"] = STATUS_CODES[changes.status]
        if STATUS_CODES[changes.status] == HOLD:
            values["hold_until"] = case((Conversion.hold_until > now, Conversion.hold_until),
                                        else_=None)
    if changes.comment is not None:
        values["comment"] = changes.comment
    for number, text in changes.custom_fields.items():
        values[f"custom_field_{number}"] = text
    return values


def edit_conversions(session: Session, tenant_id: int, now: datetime, ids: Sequence[str],
                     changes: ConversionChanges,
                     by_filter: ConversionQuery | None = None) -> ConversionEdit:
    """Change conversions in no invoice: POST /3.0/admin/conversion/edit.

    With by_filter (Affise's all=1) the conversions its filters match are changed instead of ids.
    [mock] A conversion inside an invoice cannot be edited: delete it from the invoice first.
    Setting hold keeps a hold_until still in the future (the planned release stays) and
    otherwise clears it, so the conversion stays on hold until a manager changes it; the other
    statuses leave hold_until alone (only a hold reads it).
    """
    values = _changed_values(session, tenant_id, now, changes)
    wanted = _selected_ids(session, tenant_id, now, ids, by_filter)
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
    if values and wanted:
        session.execute(
            update(Conversion)
            .where(Conversion.tenant_id == tenant_id, Conversion.id.in_(wanted))
            .values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        note(session, "changed", "conversions", wanted)
    return ConversionEdit(wanted, changes.status, values.get("currency"), changes.payouts)
