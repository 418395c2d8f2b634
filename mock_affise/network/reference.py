"""Reference data: the tenant's currencies and payment systems."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Currency, PaymentSystem
from . import Page, page_of_rows


def list_currencies(session: Session, tenant_id: int, only_active: bool = False) -> list[Currency]:
    """Return the tenant's currencies by id, only the active ones when asked."""
    query = select(Currency).where(Currency.tenant_id == tenant_id).order_by(Currency.id)
    if only_active:
        query = query.where(Currency.active.is_(True))
    return list(session.scalars(query))


def list_payment_systems(session: Session, tenant_id: int) -> list[PaymentSystem]:
    """Return the tenant's payment systems by id."""
    return list(session.scalars(
        select(PaymentSystem).where(PaymentSystem.tenant_id == tenant_id).order_by(PaymentSystem.id)
    ))


def page_of_currencies(session: Session, tenant_id: int, page: int,
                       limit: int) -> Page[Currency]:
    """Return one page of the tenant's currencies by id."""
    return page_of_rows(session, Currency, [Currency.tenant_id == tenant_id], [Currency.id],
                        page, limit)


def page_of_payment_systems(session: Session, tenant_id: int, page: int,
                            limit: int) -> Page[PaymentSystem]:
    """Return one page of the tenant's payment systems by id."""
    return page_of_rows(session, PaymentSystem, [PaymentSystem.tenant_id == tenant_id],
                        [PaymentSystem.id], page, limit)


def find_currency(session: Session, tenant_id: int, reference: str) -> Currency | None:
    """Return the currency named by an id ("2") or a code ("USD", any case), or None."""
    text = reference.strip()
    query = select(Currency).where(Currency.tenant_id == tenant_id)
    if text.isdigit():
        query = query.where(Currency.id == int(text))
    else:
        query = query.where(Currency.code == text.upper())
    return session.scalars(query).first()
