"""Advertiser invoices (/3.0/admin/advertiser-invoice*): list, read, create and edit.

Affise's advertiser billing has no delete operation, and a paid invoice is final: the help
center's "You can edit only Unpaid invoices" is the text the mock answers with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..effects import note
from ..errors import EditOnlyUnpaid, NotFound, ValidationError
from ..models import Advertiser, AdvertiserInvoice, Currency, Offer
from . import Page

INVOICE_STATUSES = ("paid", "unpaid")
PAYOUT_TYPES = ("RPA", "RPS", "RPA + RPS", "RPC", "RPM")
SORTS = ("number", "supplier_id", "created_at", "start_date", "end_date", "status")
_SORT_COLUMNS = {name: getattr(AdvertiserInvoice, name) for name in SORTS}


@dataclass(frozen=True)
class InvoiceQuery:
    """The filters, order and page of GET /3.0/admin/advertiser-invoices."""

    status: str | None = None
    starting_from: date | None = None
    ending_by: date | None = None
    supplier_id: str | None = None
    sort: str = "number"
    sort_type: str = "desc"
    page: int = 1
    limit: int = 100


@dataclass(frozen=True)
class DetailRow:
    """One line of an advertiser invoice: an offer's actions and amount for a payout type."""

    offer_id: int
    payout_type: str
    actions: int = 0
    amount: int = 0
    comment: str | None = None

    def stored(self) -> dict[str, Any]:
        """Return the row as the invoice keeps it."""
        return {"offer_id": self.offer_id, "payout_type": self.payout_type,
                "actions": self.actions, "amount": self.amount, "comment": self.comment}


def find_invoices(session: Session, tenant_id: int,
                  query: InvoiceQuery) -> Page[AdvertiserInvoice]:
    """Return one page of the tenant's advertiser invoices matching query."""
    conditions = [AdvertiserInvoice.tenant_id == tenant_id]
    if query.status is not None:
        conditions.append(AdvertiserInvoice.status == query.status)
    if query.starting_from is not None:
        conditions.append(AdvertiserInvoice.start_date >= query.starting_from)
    if query.ending_by is not None:
        conditions.append(AdvertiserInvoice.end_date <= query.ending_by)
    if query.supplier_id is not None:
        conditions.append(AdvertiserInvoice.supplier_id == query.supplier_id)
    total = session.scalar(
        select(func.count()).select_from(AdvertiserInvoice).where(*conditions)) or 0
    column = _SORT_COLUMNS[query.sort]
    # number breaks ties in the same direction, so a page boundary never splits an order.
    order = ([column.desc(), AdvertiserInvoice.number.desc()] if query.sort_type == "desc"
             else [column.asc(), AdvertiserInvoice.number.asc()])
    rows = list(session.scalars(
        select(AdvertiserInvoice).where(*conditions).order_by(*order)
        .offset((query.page - 1) * query.limit).limit(query.limit)))
    return Page(rows, total, query.page, query.limit)


def get_invoice(session: Session, tenant_id: int, number: int) -> AdvertiserInvoice:
    """Return one advertiser invoice; raise NotFound when the tenant has none by that number."""
    invoice = session.get(AdvertiserInvoice, (tenant_id, number))
    if invoice is None:
        raise NotFound()
    return invoice


def create_invoice(session: Session, tenant_id: int, now: datetime,
                   values: Mapping[str, Any]) -> AdvertiserInvoice:
    """Add an advertiser invoice from POST /3.0/admin/advertiser-invoice values.

    A missing start_date or end_date takes the other's day, and both missing take today on the
    tenant clock ([mock]: Affise's own example shows such an invoice). The number follows the
    highest the tenant has: there is no delete, so numbers are never reused.
    """
    changes = _validated(session, tenant_id, values)
    start, end = invoice_period(changes.get("start_date"), changes.get("end_date"), now.date())
    number = 1 + (session.scalar(select(func.max(AdvertiserInvoice.number))
                                 .where(AdvertiserInvoice.tenant_id == tenant_id)) or 0)
    invoice = AdvertiserInvoice(
        tenant_id=tenant_id, number=number, supplier_id=changes["supplier_id"],
        currency=changes["currency"], status=changes.get("status", "unpaid"),
        start_date=start, end_date=end, comment=changes.get("comment"),
        detail=changes.get("detail", []), created_at=now, updated_at=now)
    session.add(invoice)
    session.flush()
    note(session, "created", "advertiser_invoices", [number])
    return invoice


def edit_invoice(session: Session, tenant_id: int, now: datetime, number: int,
                 values: Mapping[str, Any]) -> AdvertiserInvoice:
    """Change an unpaid advertiser invoice; a given detail replaces every row ([mock])."""
    invoice = get_invoice(session, tenant_id, number)
    if invoice.status == "paid":
        raise EditOnlyUnpaid()
    changes = _validated(session, tenant_id, values)
    start = changes.get("start_date", invoice.start_date)
    end = changes.get("end_date", invoice.end_date)
    _check_period(start, end)
    for name, value in changes.items():
        setattr(invoice, name, value)
    invoice.updated_at = now
    session.flush()
    note(session, "changed", "advertiser_invoices", [number])
    return invoice


def invoice_period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Return an invoice's days: a missing one takes the other's, both missing take today."""
    start = start or end or today
    end = end or start
    _check_period(start, end)
    return start, end


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError("start_date", f"must not be after end_date ({start} > {end})")


def _validated(session: Session, tenant_id: int,
               values: Mapping[str, Any]) -> dict[str, Any]:
    """Check the invoice fields against the tenant's data; return them as column values."""
    changes = {name: values[name] for name in
               ("supplier_id", "currency", "status", "start_date", "end_date", "comment")
               if name in values}
    if "supplier_id" in changes and session.get(
            Advertiser, (tenant_id, changes["supplier_id"])) is None:
        raise ValidationError("supplier_id", f"unknown advertiser '{changes['supplier_id']}'")
    if "currency" in changes:
        active = session.scalar(select(Currency.active).where(
            Currency.tenant_id == tenant_id, Currency.code == changes["currency"]))
        if active is None:
            raise ValidationError("currency", f"unknown currency '{changes['currency']}'")
        if not active:
            raise ValidationError("currency", f"currency '{changes['currency']}' is not active")
    if "detail" in values:
        changes["detail"] = _checked_detail(session, tenant_id, values["detail"])
    return changes


def _checked_detail(session: Session, tenant_id: int,
                    rows: Sequence[DetailRow]) -> list[dict[str, Any]]:
    wanted = {row.offer_id for row in rows}
    known = set(session.scalars(select(Offer.id).where(
        Offer.tenant_id == tenant_id, Offer.id.in_(wanted)))) if wanted else set()
    for index, row in enumerate(rows):
        if row.offer_id not in known:
            raise ValidationError(f"detail[{index}][offer_id]", f"unknown offer {row.offer_id}")
    return [row.stored() for row in rows]
