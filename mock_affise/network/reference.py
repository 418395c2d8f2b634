"""Reference data: the tenant's currencies and payment systems."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from ..billing.making import tenant_rows
from ..models import Currency, PaymentSystem
from . import Page, page_of_rows


def list_currencies(session: Session, tenant_id: int, only_active: bool = False) -> list[Row[Any]]:
    """Return the tenant's currencies by id (rows), only the active ones when asked."""
    return [c for c in tenant_rows(session, Currency, tenant_id) if c.active or not only_active]


def list_payment_systems(session: Session, tenant_id: int) -> list[Row[Any]]:
    """Return the tenant's payment systems by id (rows)."""
    return tenant_rows(session, PaymentSystem, tenant_id)


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
