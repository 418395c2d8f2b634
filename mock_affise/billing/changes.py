"""Changing invoices: update, corrections, conversion removal, delete. Completed is final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..effects import MAX_IDS, note
from ..entities import insert_entity, load_entity, update_entity
from ..errors import NotFound, ValidationError
from ..models import Conversion, Correction, Payment, Tenant
from ..money import plain
from .invoices import get_open_invoice, stored_revenue
from .predicates import is_open, visible
from .rules import revenue_allowed


@dataclass
class InvoiceUpdate:
    """The fields POST /3.1/payments/{id} may set; None leaves a field as it is."""

    payment_account: str | None = None
    status: int | None = None
    comment: str | None = None
    note: str | None = None


def update_invoice(session: Session, tenant: Tenant, now: datetime, invoice_id: int,
                   change: InvoiceUpdate) -> Payment:
    """Apply an update to an open invoice; setting status 2 completes (and freezes) it."""
    payment = get_open_invoice(session, tenant.id, invoice_id, now)
    changed = {"pay_acc": change.payment_account, "status": change.status,
               "comment": change.comment, "notes": change.note}
    update_entity(session, payment, {**{name: value for name, value in changed.items()
                                        if value is not None}, "updated_at": now})
    note(session, "changed", "payments", [invoice_id])
    return payment


def _refuse_negative(field: str, what: str, revenue: Decimal) -> None:
    if not revenue_allowed(revenue):
        raise ValidationError(field, f"{what} would make the payment's revenue negative "
                                     f"({plain(revenue)})")


def add_correction(session: Session, tenant: Tenant, now: datetime, invoice_id: int,
                   revenue: Decimal, comment: str) -> Correction:
    """Add a signed, non-zero amount to an open invoice, never taking its revenue below zero."""
    payment = get_open_invoice(session, tenant.id, invoice_id, now)
    if revenue == 0:
        raise ValidationError("revenue", "must not be zero")
    total = stored_revenue(session, tenant.id, invoice_id) + revenue
    _refuse_negative("revenue", "this correction", total)
    correction = insert_entity(session, Correction, {
        "tenant_id": tenant.id, "id": tenant.next_correction_id, "payment_id": invoice_id,
        "revenue": revenue, "comment": comment, "posted_date": now})
    update_entity(session, tenant, {"next_correction_id": tenant.next_correction_id + 1})
    update_entity(session, payment, {"updated_at": now})
    note(session, "created", "corrections", [correction.id])
    note(session, "changed", "payments", [invoice_id])
    return correction


def delete_correction(session: Session, tenant: Tenant, now: datetime,
                      correction_id: int) -> None:
    """Remove a correction from an open invoice, unless that leaves its revenue negative."""
    correction = load_entity(session, Correction, (tenant.id, correction_id))
    if correction is None:
        raise NotFound()
    payment = get_open_invoice(session, tenant.id, correction.payment_id, now)
    total = stored_revenue(session, tenant.id, payment.id) - correction.revenue
    _refuse_negative("id", f"removing correction {correction_id}", total)
    session.delete(correction)
    payment.updated_at = now
    note(session, "deleted", "corrections", [correction_id])
    note(session, "changed", "payments", [payment.id])


def _release(session: Session, tenant_id: int, invoice_ids: list[int], now: datetime) -> None:
    """Delete invoices: their conversions and referral invoices are owed again; corrections go."""
    note(session, "changed", "conversions", session.scalars(
        select(Conversion.id).where(Conversion.tenant_id == tenant_id,
                                    Conversion.payment_id.in_(invoice_ids))
        .order_by(Conversion.id).limit(MAX_IDS)))
    note(session, "deleted", "payments", invoice_ids)
    session.execute(
        update(Conversion)
        .where(Conversion.tenant_id == tenant_id, Conversion.payment_id.in_(invoice_ids))
        .values(payment_id=None, updated_at=now)
        .execution_options(synchronize_session=False))
    session.execute(
        update(Payment)
        .where(Payment.tenant_id == tenant_id, Payment.ref_payment_id.in_(invoice_ids))
        .values(ref_payment_id=None)
        .execution_options(synchronize_session=False))
    session.execute(delete(Correction).where(
        Correction.tenant_id == tenant_id, Correction.payment_id.in_(invoice_ids)))
    session.execute(delete(Payment).where(
        Payment.tenant_id == tenant_id, Payment.id.in_(invoice_ids)))


def delete_invoice(session: Session, tenant: Tenant, now: datetime, invoice_id: int) -> None:
    """Delete an open invoice and release its conversions for a later generation."""
    get_open_invoice(session, tenant.id, invoice_id, now)
    _release(session, tenant.id, [invoice_id], now)


def bulk_delete_invoices(session: Session, tenant: Tenant, now: datetime,
                invoice_ids: list[int]) -> dict[int, bool]:
    """Delete every open invoice of invoice_ids; unknown and completed ones answer False."""
    deletable = set(session.scalars(select(Payment.id).where(
        Payment.tenant_id == tenant.id, Payment.id.in_(set(invoice_ids)),
        is_open(), visible(now))))
    if deletable:
        _release(session, tenant.id, sorted(deletable), now)
    return {invoice_id: invoice_id in deletable for invoice_id in invoice_ids}


def remove_conversions(session: Session, tenant: Tenant, now: datetime, invoice_id: int,
                       conversion_ids: list[str], offer_ids: list[int]) -> int:
    """Take conversions (by id, or all of some offers) out of an open invoice; return how many."""
    payment = get_open_invoice(session, tenant.id, invoice_id, now)
    tid = tenant.id
    if conversion_ids:
        inside = set(session.scalars(select(Conversion.id).where(
            Conversion.tenant_id == tid, Conversion.payment_id == invoice_id,
            Conversion.id.in_(set(conversion_ids)))))
        missing = [c for c in conversion_ids if c not in inside]
        if missing:
            raise ValidationError("conversion_ids",
                                  f"conversion {missing[0]} is not in payment {invoice_id}")
    chosen = (Conversion.id.in_(set(conversion_ids)) if conversion_ids else None,
              Conversion.offer_id.in_(set(offer_ids)) if offer_ids else None)
    selected = [c for c in chosen if c is not None]
    where = [Conversion.tenant_id == tid, Conversion.payment_id == invoice_id, or_(*selected)]
    removed_total, removed = session.execute(
        select(func.sum(Conversion.payouts), func.count()).where(*where)).one()
    if removed:
        remaining = stored_revenue(session, tid, invoice_id) - removed_total
        _refuse_negative("conversion_ids" if conversion_ids else "offer_ids",
                         "removing these conversions", remaining)
        note(session, "changed", "conversions",
             session.scalars(select(Conversion.id).where(*where).order_by(Conversion.id)
                             .limit(MAX_IDS)))
        note(session, "changed", "payments", [invoice_id])
        session.execute(update(Conversion).where(*where).values(payment_id=None, updated_at=now)
                        .execution_options(synchronize_session=False))
        payment.updated_at = now
    return removed
