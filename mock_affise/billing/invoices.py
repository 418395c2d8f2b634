"""GET /3.1/payments and /3.1/payments/{id}: invoices with their conversions and corrections."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from ..driver import builder, driver_records, driver_tuples, list_parameter
from ..entities import load_entity
from ..errors import NotFound, PaymentFinished
from ..models import Conversion, Correction, Currency, Offer, Payment, PaymentSystem
from . import rules
from .predicates import visible


@dataclass
class OfferCost:
    """How many of an invoice's conversions came from one offer at one payout."""

    offer_id: int
    title: str
    payout: Decimal
    count: int


@dataclass
class Invoice:
    """An invoice with everything its wire form shows."""

    payment: Any  # a Payment, or a row of payments (read only: a named tuple serves as well)
    currency_code: str
    conversion_ids: list[str] = field(default_factory=list)
    costs: list[OfferCost] = field(default_factory=list)
    corrections: list[Any] = field(default_factory=list)  # rows: id, revenue, comment, posted_date
    ref_ids: list[int] = field(default_factory=list)  # the referral invoices it took, ascending

    @property
    def ref_revenue(self) -> Decimal | None:
        """Return the referral money the invoice took, None when it took none."""
        return self.payment.ref_revenue

    @property
    def revenue(self) -> Decimal:
        """Return the invoice's revenue (rules.invoice_revenue), referral money included."""
        return rules.invoice_revenue((c.payout * c.count for c in self.costs),
                                     (c.revenue for c in self.corrections), self.ref_revenue)


def get_invoice(session: Session, tenant_id: int, invoice_id: int, now: datetime) -> Payment:
    """Return the invoice, or raise 404 Resource Not Found."""
    payment = load_entity(session, Payment, (tenant_id, invoice_id))
    if payment is None or (payment.visible_at is not None and payment.visible_at > now):
        raise NotFound()
    return payment


def read_invoice(session: Session, tenant_id: int, invoice_id: int, now: datetime) -> Invoice:
    """Load one invoice for reading (a detached row, no ORM identity map), or raise 404."""
    found = driver_records(session, _page("payment"),
                           {"tenant_id": tenant_id, "payment_id": invoice_id})
    row = found[0] if found else None
    if row is None or (row.visible_at is not None and row.visible_at > now):
        raise NotFound()
    [invoice] = load_invoices(session, tenant_id, [row])
    return invoice


def get_open_invoice(session: Session, tenant_id: int, invoice_id: int,
                     now: datetime) -> Payment:
    """Return an invoice that may still change: a completed one is final."""
    payment = get_invoice(session, tenant_id, invoice_id, now)
    if payment.status == rules.COMPLETED:
        raise PaymentFinished()
    return payment


def stored_revenue(session: Session, tenant_id: int, invoice_id: int) -> Decimal:
    """Return an invoice's revenue from its stored conversions and corrections."""
    [(payouts, corrections, ref_revenue)] = driver_records(
        session, _stored_revenue, {"tenant_id": tenant_id, "invoice_id": invoice_id})
    return rules.invoice_revenue([payouts or Decimal(0)], [corrections or Decimal(0)],
                                 ref_revenue)


@functools.cache
def _stored_revenue() -> Select:
    """Build, once, the one query of an invoice's (:tenant_id, :invoice_id) payouts,
    corrections and referral money."""
    tenant_id, invoice_id = bindparam("tenant_id"), bindparam("invoice_id")
    payouts = select(func.sum(Conversion.payouts)).where(
        Conversion.tenant_id == tenant_id, Conversion.payment_id == invoice_id)
    corrections = select(func.sum(Correction.revenue)).where(
        Correction.tenant_id == tenant_id, Correction.payment_id == invoice_id)
    ref_revenue = select(Payment.ref_revenue).where(
        Payment.tenant_id == tenant_id, Payment.id == invoice_id)
    return select(payouts.scalar_subquery(), corrections.scalar_subquery(),
                  ref_revenue.scalar_subquery())


def _page(name: str) -> Callable[[], Select]:
    """Return the builder of page query name (see _page_statement)."""
    return builder(_page_statement, name)


def _page_statement(name: str) -> Select:
    """Return the query name of those that fill a page of invoices: run on the driver (see
    driver.driver_records), since a page after a write spent more in SQLAlchemy's execution of
    them than SQLite spent on them."""
    return _page_statements()[name]


@functools.cache
def _page_statements() -> dict[str, Select]:
    """The queries that fill a page of invoices, built once."""
    tenant, ids = bindparam("tenant_id"), list_parameter("ids")
    billed = (Conversion.tenant_id == tenant, Conversion.payment_id.in_(ids))
    return {
        "payment": select(Payment.__table__).where(Payment.tenant_id == tenant,
                                                   Payment.id == bindparam("payment_id")),
        "codes": select(Currency.id, Currency.code).where(
            Currency.tenant_id == tenant, Currency.id.in_(list_parameter("currency_ids"))),
        # No ORDER BY: with one, SQLite's planner walks every conversion of the tenant by
        # ix_conversions_created (140 us an invoice at 2,000 conversions, growing with the
        # network) instead of searching ix_conversions_payable by invoice; load_invoices sorts.
        # (An index made for this order took generation's plans with it: 0.4 s became 6 s.)
        "conversions": select(Conversion.payment_id, Conversion.created_at, Conversion.id)
        .where(*billed),
        # details: conversions grouped by offer and payout, with the offer's title
        "costs": select(Conversion.payment_id, Conversion.offer_id, Conversion.payouts,
                        func.count(), Offer.title)
        .join(Offer, and_(Offer.tenant_id == Conversion.tenant_id,
                          Offer.id == Conversion.offer_id), isouter=True)
        .where(*billed)
        .group_by(Conversion.payment_id, Conversion.offer_id, Conversion.payouts, Offer.title)
        .order_by(Conversion.payment_id, Conversion.offer_id, Conversion.payouts),
        "corrections": select(Correction.id, Correction.payment_id, Correction.revenue,
                              Correction.comment, Correction.posted_date)
        .where(Correction.tenant_id == tenant, Correction.payment_id.in_(ids))
        .order_by(Correction.id),
        "referrals": select(Payment.ref_payment_id, Payment.id)
        .where(Payment.tenant_id == tenant, Payment.ref_payment_id.in_(ids))
        .order_by(Payment.id),
    }


def load_invoices(session: Session, tenant_id: int,
                  payments: Sequence[Any]) -> list[Invoice]:
    """Attach conversions, offer costs, corrections and referral invoices: five queries a page."""
    if not payments:
        return []
    ids = [p.id for p in payments]
    codes = dict(driver_records(session, _page("codes"), {
        "tenant_id": tenant_id, "currency_ids": sorted({p.currency_id for p in payments})}))
    invoices = {p.id: Invoice(p, codes.get(p.currency_id, "")) for p in payments}
    arguments = {"tenant_id": tenant_id, "ids": ids}
    # Sorted by invoice, then time and id, as stored: no value needs reading to order them.
    for payment_id, _, conversion_id in sorted(driver_tuples(session, _page("conversions"),
                                                             arguments)):
        invoices[payment_id].conversion_ids.append(conversion_id)
    for payment_id, offer_id, payout, count, title in driver_records(session, _page("costs"),
                                                                      arguments):
        invoices[payment_id].costs.append(
            OfferCost(offer_id, title if title is not None else f"Offer {offer_id}", payout,
                      count))
    for correction in driver_records(session, _page("corrections"), arguments):
        invoices[correction.payment_id].corrections.append(correction)
    for payment_id, referral_id in driver_records(session, _page("referrals"), arguments):
        invoices[payment_id].ref_ids.append(referral_id)
    return [invoices[i] for i in ids]


@dataclass
class InvoiceFilter:
    """The filters of GET /3.1/payments (listPayments), already parsed."""

    date_from: date
    date_to: date
    ids: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    affiliate_ids: list[int] = field(default_factory=list)
    manager_ids: list[str] = field(default_factory=list)
    payment_systems: list[str] = field(default_factory=list)
    payment_accounts: list[str] = field(default_factory=list)
    update_from_date: date | None = None
    update_from_hour: int | None = None
    update_to_date: date | None = None
    update_to_hour: int | None = None
    currency_ids: list[int] = field(default_factory=list)  # the dashboard's filter, not Affise's


_LISTS = ("ids", "statuses", "affiliate_ids", "currency_ids", "manager_ids", "payment_systems",
          "payment_accounts")


def _filter_values(tenant_id: int, where: InvoiceFilter,
                   now: datetime) -> tuple[tuple[bool, ...], dict[str, Any]]:
    """Return the shape of where (which filters it sets) and the values of its parameters."""
    updated_from = rules.update_bound(where.update_from_date, where.update_from_hour, end=False)
    updated_to = rules.update_bound(where.update_to_date, where.update_to_hour, end=True)
    values: dict[str, Any] = {
        "tenant_id": tenant_id, "now": now, "posted_from": rules.midnight(where.date_from),
        "posted_to": rules.midnight(where.date_to) + timedelta(days=1),
        "updated_from": updated_from, "updated_to": updated_to,
        # Affise's docs show a system id in payment_systems; its title matches too.
        "system_ids": [int(v) for v in where.payment_systems if v.strip().isdigit()],
        **{name: list(getattr(where, name)) for name in _LISTS}}
    shape = (*(bool(values[name]) for name in _LISTS), updated_from is not None,
             updated_to is not None)
    return shape, values


@functools.cache
def _filtered(shape: tuple[bool, ...]) -> Select:
    """Build, once per shape of filter (see _filter_values), the query of the invoices it
    matches: every filter value is a parameter."""
    ids, statuses, affiliates, currencies, managers, systems, accounts, since, until = shape

    tenant_id = bindparam("tenant_id")
    query = select(Payment.__table__).where(
        Payment.tenant_id == tenant_id, visible(bindparam("now")),
        Payment.posted_date >= bindparam("posted_from"),
        Payment.posted_date < bindparam("posted_to"))
    for wanted, column, name in ((ids, Payment.id, "ids"),
                                 (statuses, Payment.status, "statuses"),
                                 (affiliates, Payment.pid, "affiliate_ids"),
                                 (currencies, Payment.currency_id, "currency_ids"),
                                 (managers, Payment.manager_id, "manager_ids"),
                                 (accounts, Payment.pay_acc, "payment_accounts")):
        if wanted:
            query = query.where(column.in_(list_parameter(name)))
    if systems:
        titles = select(PaymentSystem.id).where(
            PaymentSystem.tenant_id == tenant_id,
            PaymentSystem.title.in_(list_parameter("payment_systems")))
        query = query.where(or_(Payment.pay_sys.in_(list_parameter("system_ids")),
                                Payment.pay_sys.in_(titles),
                                Payment.pay_sys_name.in_(list_parameter("payment_systems"))))
    if since:
        query = query.where(Payment.updated_at >= bindparam("updated_from"))
    if until:
        query = query.where(Payment.updated_at < bindparam("updated_to"))
    return query


@functools.cache
def _counted(shape: tuple[bool, ...]) -> Select:
    return select(func.count()).select_from(_filtered(shape).subquery())


@functools.cache
def _paged(shape: tuple[bool, ...]) -> Select:
    return (_filtered(shape).order_by(Payment.id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


def list_invoices(session: Session, tenant_id: int, where: InvoiceFilter, page: int,
                  limit: int, now: datetime) -> tuple[list[Invoice], int]:
    """Return one page of invoices, newest id first, and how many match in all."""
    shape, values = _filter_values(tenant_id, where, now)
    [(total,)] = driver_records(session, builder(_counted, shape), values)
    # Rows, not ORM objects: a page only reads them, and loading 100 objects cost a sixth of it.
    payments = driver_records(session, builder(_paged, shape), {
        **values, "offset": (page - 1) * limit, "limit": limit})
    return load_invoices(session, tenant_id, payments), total or 0
