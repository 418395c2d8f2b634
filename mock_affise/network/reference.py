"""Reference data: the tenant's currencies and payment systems."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from ..models import Currency, PaymentSystem
from . import Page, page_of_rows


def list_currencies(session: Session, tenant_id: int, only_active: bool = False) -> list[Row[Any]]:
    """Return the tenant's currencies by id (rows), only the active ones when asked."""
    return list(session.execute(_listed(Currency, only_active), {"tenant_id": tenant_id}))


def list_payment_systems(session: Session, tenant_id: int) -> list[Row[Any]]:
    """Return the tenant's payment systems by id (rows)."""
    return list(session.execute(_listed(PaymentSystem, False), {"tenant_id": tenant_id}))


@functools.cache
def _listed(model: type, only_active: bool) -> Select:
    """Build, once, the query of a tenant's (:tenant_id) rows of model by id, read as Core
    rows (loading ORM objects cost more than the query)."""
    table = model.__table__
    query = select(table).where(table.c.tenant_id == bindparam("tenant_id")).order_by(table.c.id)
    return query.where(table.c.active.is_(True)) if only_active else query


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
