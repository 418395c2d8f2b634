"""POST /3.1/payments/generate (generatePayments): an invoice per (affiliate, currency), set-based."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Select,
    Subquery,
    Update,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..driver import builder, driver_records, list_parameter, run_driver
from ..entities import load_entity
from ..errors import (
    AffiseError,
    BelowMinimumPayment,
    NoPaidConversions,
    NoPaymentSystem,
    ServerError,
    ValidationError,
)
from ..models import Affiliate, Conversion, Currency, Offer, Payment, Tenant
from .making import (
    NothingMade,
    display_name,
    ensure_idle,
    finish,
    new_payment,
    payees,
    reported,
    rows_by_id,
    take_payment_ids,
    tenant_rows,
)
from .predicates import is_payable
from .referrals import owed_referral_money, take_referral_money, taken_by
from .reports import Generation, Skip
from .rules import Period, generation_period, threshold


@dataclass
class GenerateInvoices:
    """The parameters of POST /3.1/payments/generate, parsed; None is absent."""

    date: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    aid: int | None = None
    note: str = ""
    exclude_aids: list[int] | None = None
    include_aids: list[int] | None = None
    by_last_unpaid_conversion: bool = False
    by_last_invoice: bool = False
    offer_ids: list[int] | None = None
    advertiser_ids: list[str] | None = None
    currencies: list[str] | None = None
    countries: list[str] | None = None

    def parameters(self) -> dict[str, Any]:
        """Return the parameters as the call gave them, for its report."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Scope:
    """Which conversions a generation may bill: the period and the scope parameters."""

    period: Period
    affiliate_ids: list[int] | None = None
    exclude_affiliate_ids: list[int] = field(default_factory=list)
    offer_ids: list[int] = field(default_factory=list)
    advertiser_ids: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def generate_invoices(session: Session, tenant: Tenant, now: datetime,
                      request: GenerateInvoices, delay: int = 0) -> Generation:
    """Generate invoices as POST /3.1/payments/generate does, and keep the call's report.

    A refusal (GenerationRefused) carries the report of what was skipped and why.
    """
    period = generation_period(now.date(), request.date, request.date_to, request.date_from,
                               request.by_last_invoice, request.by_last_unpaid_conversion)
    scope = Scope(
        period=period,
        affiliate_ids=[request.aid] if request.aid is not None else request.include_aids,
        exclude_affiliate_ids=request.exclude_aids or [],
        offer_ids=request.offer_ids or [], advertiser_ids=request.advertiser_ids or [],
        currencies=[code.upper() for code in request.currencies or []],
        countries=request.countries or [])
    return reported(session, tenant, now, "generate", request.parameters(), request.aid,
                    lambda: _generate(session, tenant, now, scope, request.note,
                                     single_affiliate=request.aid, delay=delay))


def _scope_values(tenant_id: int, scope: Scope, now: datetime,
                  before_payment_id: int) -> tuple[tuple[bool, ...], dict[str, Any]]:
    """Return the shape of a generation's scope (which bounds it has) and their values, for
    _scope_statements. (Names clear of the conversions' columns, which an UPDATE reserves.)"""
    period = scope.period
    values = {
        "scope_tenant": tenant_id, "scope_now": now, "scope_end": period.end,
        "scope_start": period.start, "earlier_tenant": tenant_id,
        "before_payment_id": before_payment_id,
        "scope_affiliates": list(scope.affiliate_ids or ()),
        "scope_excluded": list(scope.exclude_affiliate_ids),
        "scope_offers": list(scope.offer_ids), "scope_advertisers": list(scope.advertiser_ids),
        "scope_currencies": list(scope.currencies), "scope_countries": list(scope.countries)}
    shape = (period.start is not None, bool(period.since_last_invoice),
             scope.affiliate_ids is not None, bool(scope.exclude_affiliate_ids),
             bool(scope.offer_ids), bool(scope.advertiser_ids), bool(scope.currencies),
             bool(scope.countries))
    return shape, values


@functools.cache
def _scope_statements(shape: tuple[bool, ...]) -> tuple[Select, Update]:
    """Build, once per shape of scope (_scope_values), what a generation bills: the totals
    by affiliate and currency, and the UPDATE giving them to the invoices just made
    (_new_invoices). Built once per shape: building them per call cost more than running them."""
    start, since_last, affiliates, excluded, offers, advertisers, currencies, countries = shape

    tenant_id = bindparam("scope_tenant")
    conditions = [Conversion.tenant_id == tenant_id, is_payable(bindparam("scope_now")),
                  Conversion.created_at < bindparam("scope_end")]
    if start:
        conditions.append(Conversion.created_at >= bindparam("scope_start"))
    if since_last:
        # "From the last invoice": nothing on or before the end of an earlier invoice's period
        # for the same affiliate and currency.
        conditions.append(_not_billed_before())
    if affiliates:
        conditions.append(Conversion.affiliate_id.in_(list_parameter("scope_affiliates")))
    if excluded:
        conditions.append(Conversion.affiliate_id.not_in(list_parameter("scope_excluded")))
    if offers:
        conditions.append(Conversion.offer_id.in_(list_parameter("scope_offers")))
    if advertisers:
        conditions.append(Conversion.offer_id.in_(
            select(Offer.id).where(Offer.tenant_id == tenant_id,
                                   Offer.advertiser_id.in_(list_parameter("scope_advertisers")))))
    if currencies:
        conditions.append(Conversion.currency.in_(list_parameter("scope_currencies")))
    if countries:
        conditions.append(func.upper(Conversion.country).in_(list_parameter("scope_countries")))
    totals = (select(Conversion.affiliate_id, Conversion.currency, func.sum(Conversion.payouts),
                     func.count())
              .where(*conditions).group_by(Conversion.affiliate_id, Conversion.currency))
    # One UPDATE ... FROM joining the conversions to the invoices just made, on (affiliate,
    # currency): the database walks each new invoice's unbilled conversions through
    # ix_conversions_payable. (A correlated subquery per conversion instead scanned the new
    # invoices' id range twice per row: seconds for 100,000 conversions.)
    new_invoice = _new_invoices()
    billing = (update(Conversion)
               .where(*conditions, Conversion.affiliate_id == new_invoice.c.pid,
                      Conversion.currency == new_invoice.c.code)
               .values(payment_id=new_invoice.c.id, updated_at=bindparam("billed_at"))
               .execution_options(synchronize_session=False))
    return totals, billing


def _scope_totals(shape: tuple[bool, ...]) -> Select:
    """Return the totals query of a scope's shape (see _scope_statements)."""
    return _scope_statements(shape)[0]


def _scope_billing(shape: tuple[bool, ...]) -> Update:
    """Return the billing UPDATE of a scope's shape (see _scope_statements)."""
    return _scope_statements(shape)[1]


@functools.cache
def _not_billed_before() -> ColumnElement[bool]:
    """Build, once (aliases are dear to adapt), the condition that no invoice of the tenant
    (:earlier_tenant) made before :before_payment_id covers the conversion's affiliate,
    currency and time."""
    earlier, currency = aliased(Payment), aliased(Currency)
    return ~exists(
        select(earlier.id).join(currency, and_(currency.tenant_id == earlier.tenant_id,
                                               currency.id == earlier.currency_id))
        .where(earlier.tenant_id == bindparam("earlier_tenant"),
               earlier.pid == Conversion.affiliate_id, currency.code == Conversion.currency,
               earlier.period_end > Conversion.created_at,
               earlier.id < bindparam("before_payment_id")))


@functools.cache
def _new_invoices() -> Subquery:
    """Build, once (aliases adapted anew each call cost 5 ms), the invoices a generation just
    made (:new_tenant, ids :first to :last), each with its affiliate and currency code."""
    invoice, currency = aliased(Payment), aliased(Currency)
    return (
        select(invoice.id.label("id"), invoice.pid.label("pid"), currency.code.label("code"))
        .join(currency, and_(currency.tenant_id == invoice.tenant_id,
                             currency.id == invoice.currency_id))
        .where(invoice.tenant_id == bindparam("new_tenant"),
               invoice.id.between(bindparam("first"), bindparam("last")))
        .subquery("new_invoice")
    )


def _generate(session: Session, tenant: Tenant, now: datetime, scope: Scope, note: str,
              single_affiliate: int | None = None, delay: int = 0) -> Generation:
    """Make one invoice per (affiliate, currency) in scope that can be billed; skip the rest.

    With single_affiliate (the `aid` parameter), raise the reason when not one invoice can be
    made: no paid conversions at all, else the first currency's reason in code order.
    With a delay, the invoices stay hidden until the tenant clock passes it.
    """
    ensure_idle(tenant, now)
    tid = tenant.id
    if single_affiliate is not None:
        affiliate = load_entity(session, Affiliate, (tid, single_affiliate))
        if affiliate is None:
            raise ValidationError("aid", f"unknown affiliate {single_affiliate}")
    currencies = {c.code: c for c in tenant_rows(session, Currency, tid)}
    unknown = [code for code in scope.currencies if code not in currencies]
    if unknown:
        raise ValidationError("currencies", f"unknown currency code '{unknown[0]}'")
    shape, values = _scope_values(tid, scope, now, tenant.next_payment_id)
    groups = {(affiliate_id, code): (total, count) for affiliate_id, code, total, count in
              driver_records(session, builder(_scope_totals, shape), values)}
    owed = owed_referral_money(session, tid, tenant.settings, scope.period.end,
                               scope.affiliate_ids, scope.exclude_affiliate_ids, scope.currencies)
    result = Generation()
    if not groups and not owed:
        if single_affiliate is not None:
            raise NoPaidConversions(display_name(affiliate), affiliate.id)
        finish(session, tenant, now, delay, [])
        return result
    affiliates = {a.id: a for a in rows_by_id(session, Affiliate, tid, Affiliate.id,
                                                {key[0] for key in (*groups, *owed)})}
    paid_by = payees(session, tid, affiliates)
    new_payments: list[dict[str, Any]] = []
    expected = expected_referrals = 0
    taking: list[int] = []
    first_reason: AffiseError | None = None
    for affiliate_id, code in sorted({*groups, *owed}):
        affiliate, currency = affiliates[affiliate_id], currencies[code]
        payouts, count = groups.get((affiliate_id, code), (Decimal(0), 0))
        referral = owed.get((affiliate_id, code))
        total = payouts + (referral.ref_revenue if referral else 0)
        payee = paid_by.get((affiliate_id, code))
        reason: AffiseError | None = None
        if payee is None:
            reason = NoPaymentSystem(display_name(affiliate), affiliate_id, code)
        else:
            minimum = threshold(payee.system.threshold, currency.min_payment)
            if total < minimum:
                reason = BelowMinimumPayment(minimum, code)
        if reason is not None:
            result.skipped.append(Skip(affiliate_id, code, reason.message))
            first_reason = first_reason or reason
            continue
        row = new_payment(tenant, tenant.next_payment_id + len(new_payments), affiliate,
                          currency, payee, now, note, scope.period.end)
        if referral is not None:
            row["ref_revenue"] = referral.ref_revenue
            taking.append(row["id"])
            expected_referrals += referral.invoices
        new_payments.append(row)
        expected += count
    if not new_payments:
        if single_affiliate is not None and first_reason is not None:
            raise NothingMade(first_reason, result)
        finish(session, tenant, now, delay, [])
        return result
    # Core, not the ORM's bulk insert: the rows are complete, and the ORM's path cost more.
    take_payment_ids(session, tenant, len(new_payments))
    session.connection().execute(insert(Payment.__table__), new_payments)
    first, last = new_payments[0]["id"], new_payments[-1]["id"]
    billed = run_driver(session, builder(_scope_billing, shape), {
        **values, "new_tenant": tid, "first": first, "last": last, "billed_at": now})[0].rowcount
    if billed != expected:  # cannot happen under the tenant lock; refuse rather than mis-bill
        raise ServerError()
    take_referral_money(session, tid, scope.period.end, taking, expected_referrals)
    result.made = [p["id"] for p in new_payments]
    result.referrals = taken_by(session, tid, taking)
    finish(session, tenant, now, delay, result.made)
    return result
