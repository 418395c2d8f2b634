"""Referral money in generation: what main affiliates are owed, and handing it to their invoices.

Contract section 7: each Completed invoice of a referral affiliate owes its main affiliate
revenue x percent / 100, once; generate takes it into the main affiliate's invoice for the
currency, or makes an invoice of referral money alone.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Update, and_, bindparam, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..driver import builder, driver_records, list_parameter
from ..errors import ServerError
from ..models import Affiliate, Currency, Payment
from . import rules
from .predicates import owed_referral, own_revenue


@dataclass(frozen=True)
class Owed:
    """The referral money one main affiliate is owed in one currency."""

    ref_revenue: Decimal
    invoices: int


def _scoped(tenant_id: Any, before: Any, affiliate_ids: Any, exclude_affiliate_ids: Any,
            currencies: Any) -> list[ColumnElement[bool]]:
    """Return the conditions of owed referral invoices within a generation's scope (each of
    before, affiliate_ids, exclude_affiliate_ids and currencies: None for no bound)."""
    conditions = owed_referral(tenant_id, before)
    if affiliate_ids is not None:
        conditions.append(Affiliate.ref.in_(affiliate_ids))
    if exclude_affiliate_ids is not None:
        conditions.append(Affiliate.ref.not_in(exclude_affiliate_ids))
    if currencies is not None:
        conditions.append(Payment.currency_id.in_(
            select(Currency.id).where(Currency.tenant_id == tenant_id,
                                      Currency.code.in_(currencies))))
    return conditions


@functools.cache
def _owed_statement(before: bool, some: bool, excluded: bool, currencies: bool) -> Select:
    """Build, once per shape of scope, the owed-money query: its values are parameters
    (:tenant_id, :before, :ids, :excluded, :currencies). Building it per call cost more than
    running it."""
    tenant_id = bindparam("tenant_id")
    conditions = _scoped(tenant_id, bindparam("before") if before else None,
                         list_parameter("ids") if some else None,
                         list_parameter("excluded") if excluded else None,
                         list_parameter("currencies") if currencies else None)
    owed_ids = select(Payment.id).where(*conditions)
    revenue = own_revenue(tenant_id, owed_ids)
    main = aliased(Affiliate)
    return (select(Affiliate.ref, Currency.code, func.sum(func.coalesce(revenue.c.revenue, 0)),
                   func.count(), main.ref_percent)
            .select_from(Payment)
            .join(Affiliate, and_(Affiliate.tenant_id == Payment.tenant_id,
                                  Affiliate.id == Payment.pid))
            .join(Currency, and_(Currency.tenant_id == Payment.tenant_id,
                                 Currency.id == Payment.currency_id))
            # a ref naming no affiliate: nobody to pay
            .join(main, and_(main.tenant_id == Payment.tenant_id, main.id == Affiliate.ref))
            .outerjoin(revenue, revenue.c.id == Payment.id)
            .where(*conditions)
            .group_by(Affiliate.ref, Currency.code, main.ref_percent))


def owed_referral_money(session: Session, tenant_id: int, settings: Mapping[str, Any] | None,
                        before: datetime | None, affiliate_ids: Collection[int] | None = None,
                        exclude_affiliate_ids: Collection[int] = (),
                        currencies: Collection[str] = ()) -> dict[tuple[int, str], Owed]:
    """Map (main affiliate, currency code) to the referral money it is owed, in one query.

    `before` bounds the Completed time (a generation's period end; None: any time).
    A main affiliate whose percent is 0 is owed nothing (its referral invoices stay owed).
    """
    statement = builder(_owed_statement, before is not None, affiliate_ids is not None,
                        bool(exclude_affiliate_ids), bool(currencies))
    values = {"tenant_id": tenant_id, "before": before, "ids": list(affiliate_ids or ()),
             "excluded": list(exclude_affiliate_ids), "currencies": list(currencies)}
    rows = driver_records(session, statement, values)
    owed: dict[tuple[int, str], Owed] = {}
    for main_id, code, total, count, main_percent in rows:
        percent = rules.referral_percent(main_percent, settings)
        if percent > 0:
            owed[(main_id, code)] = Owed(rules.referral_revenue([Decimal(total)], percent),
                                         count)
    return owed


@functools.cache
def _take_statement() -> Update:
    """Build, once (its alias is dear to adapt), the UPDATE giving owed referral invoices
    (:taking_tenant, Completed before :before) to the new main invoice among :taking for
    their currency."""
    tenant_id, taking = bindparam("taking_tenant"), list_parameter("taking")
    main = aliased(Payment)
    new_invoice = (select(main.id).where(main.tenant_id == tenant_id, main.id.in_(taking),
                                         main.pid == Affiliate.ref,
                                         main.currency_id == Payment.currency_id)
                   .scalar_subquery())
    return (update(Payment)
            .where(*owed_referral(tenant_id, bindparam("before")), Affiliate.ref.in_(
                select(main.pid).where(main.tenant_id == tenant_id, main.id.in_(taking))),
                new_invoice.is_not(None))
            .values(ref_payment_id=new_invoice)
            .execution_options(synchronize_session=False))


def take_referral_money(session: Session, tenant_id: int, before: datetime,
                        taking: Collection[int], expected: int) -> None:
    """Give each owed referral invoice to the new main invoice (in taking) for its currency."""
    if not taking:
        return
    taken = session.execute(_take_statement(), {
        "taking_tenant": tenant_id, "before": before, "taking": list(taking)}).rowcount
    if taken != expected:  # cannot happen under the tenant lock; refuse rather than mis-bill
        raise ServerError()


@functools.cache
def _taken_by() -> Select:
    """Build the query of the referral invoices the main invoices :mains took, once."""
    return (select(Payment.ref_payment_id, Payment.id)
            .where(Payment.tenant_id == bindparam("tenant_id"),
                   Payment.ref_payment_id.in_(list_parameter("mains")))
            .order_by(Payment.id))


def taken_by(session: Session, tenant_id: int,
             invoice_ids: Collection[int]) -> dict[int, list[int]]:
    """Map each of these main invoices to the referral invoices it took, ascending."""
    taken: dict[int, list[int]] = {invoice_id: [] for invoice_id in invoice_ids}
    if not taken:
        return taken
    for main_id, referral_id in driver_records(session, _taken_by, {"tenant_id": tenant_id,
                                                                     "mains": list(taken)}):
        taken[main_id].append(referral_id)
    return taken
