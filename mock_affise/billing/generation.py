"""Making invoices: by date (generate) and by sum (create-for-affiliate), set-based."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, exists, func, insert, or_, select, type_coerce, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from ..clock import format_timestamp, parse_timestamp
from ..effects import MAX_IDS, note
from ..errors import (
    AffiseError,
    BelowMinimumPayment,
    GenerationRunning,
    NoPaidConversions,
    NoPaymentSystem,
    NotEnoughPaidConversions,
    ServerError,
    ValidationError,
)
from ..fixtures import format_pay_acc
from ..models import (
    Affiliate,
    AffiliatePaymentSystem,
    Conversion,
    Currency,
    Offer,
    Payment,
    PaymentSystem,
    Tenant,
)
from ..money import Money as MoneyType
from .rules import WAITING, is_payable, threshold

# Above this many ids, load a tenant's rows whole instead of binding a huge IN list.
_IN_LIMIT = 500


@dataclass
class Scope:
    """Which conversions a generation may bill: the period and the scope parameters."""

    end: datetime  # exclusive: midnight after the period's last day
    start: datetime | None = None  # inclusive
    since_last_invoice: bool = False
    affiliate_ids: list[int] | None = None
    exclude_affiliate_ids: list[int] = field(default_factory=list)
    offer_ids: list[int] = field(default_factory=list)
    advertiser_ids: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


@dataclass
class Skip:
    """An (affiliate, currency) that got no invoice, and Affise's reason text."""

    affiliate_id: int
    currency: str | None
    reason: str


@dataclass
class Generation:
    """What one generate or create-for-affiliate call made and skipped."""

    made: list[int] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def as_report(self) -> dict[str, Any]:
        return {
            "payments": self.made,
            "skipped": [{"affiliate_id": s.affiliate_id, "currency": s.currency,
                         "reason": s.reason} for s in self.skipped],
        }


def display_name(affiliate: Affiliate) -> str:
    """The name Affise's messages show: the affiliate's name, else its login, else its email."""
    return affiliate.name or affiliate.login or affiliate.email


def _rows_by_id(session: Session, model: type, tenant_id: int, column: Any,
                ids: Iterable[Any]) -> list[Any]:
    ids = set(ids)
    query = select(model).where(model.tenant_id == tenant_id)
    if len(ids) <= _IN_LIMIT:
        query = query.where(column.in_(ids))
    return [row for row in session.scalars(query) if getattr(row, column.key) in ids]


@dataclass
class _Payee:
    """How an affiliate is paid in one currency."""

    binding: AffiliatePaymentSystem
    system: PaymentSystem

    @property
    def pay_acc(self) -> str:
        return format_pay_acc({"fields": self.system.fields}, self.binding.fields)


def payees(session: Session, tenant_id: int,
           affiliate_ids: Iterable[int]) -> dict[tuple[int, str], _Payee]:
    """Map (affiliate, currency) to its payment system: the active binding, else the lowest id."""
    bindings = _rows_by_id(session, AffiliatePaymentSystem, tenant_id,
                           AffiliatePaymentSystem.affiliate_id, affiliate_ids)
    systems = {s.id: s for s in session.scalars(
        select(PaymentSystem).where(PaymentSystem.tenant_id == tenant_id))}
    chosen: dict[tuple[int, str], _Payee] = {}
    for binding in sorted(bindings, key=lambda b: (not b.active, b.id)):
        key = (binding.affiliate_id, binding.currency)
        system = systems.get(binding.system_id)
        if key not in chosen and system is not None:
            chosen[key] = _Payee(binding, system)
    return chosen


def _scope_conditions(tenant_id: int, scope: Scope, now: datetime,
                      before_payment_id: int) -> list[ColumnElement[bool]]:
    """The conversions a generation bills; used for the totals and the update alike."""
    conditions = [Conversion.tenant_id == tenant_id, is_payable(now), Conversion.created_at < scope.end]
    if scope.start is not None:
        conditions.append(Conversion.created_at >= scope.start)
    if scope.since_last_invoice:
        # "From the last invoice": nothing on or before the end of an earlier invoice's period
        # for the same affiliate and currency.
        earlier, currency = aliased(Payment), aliased(Currency)
        conditions.append(~exists(
            select(earlier.id).join(currency, and_(currency.tenant_id == earlier.tenant_id,
                                                   currency.id == earlier.currency_id))
            .where(earlier.tenant_id == tenant_id, earlier.pid == Conversion.affiliate_id,
                   currency.code == Conversion.currency, earlier.period_end > Conversion.created_at,
                   earlier.id < before_payment_id)))
    if scope.affiliate_ids is not None:
        conditions.append(Conversion.affiliate_id.in_(scope.affiliate_ids))
    if scope.exclude_affiliate_ids:
        conditions.append(Conversion.affiliate_id.not_in(scope.exclude_affiliate_ids))
    if scope.offer_ids:
        conditions.append(Conversion.offer_id.in_(scope.offer_ids))
    if scope.advertiser_ids:
        conditions.append(Conversion.offer_id.in_(
            select(Offer.id).where(Offer.tenant_id == tenant_id,
                                   Offer.advertiser_id.in_(scope.advertiser_ids))))
    if scope.currencies:
        conditions.append(Conversion.currency.in_(scope.currencies))
    if scope.countries:
        conditions.append(func.upper(Conversion.country).in_(scope.countries))
    return conditions


def _ensure_idle(tenant: Tenant, now: datetime) -> None:
    """Refuse a generation while a delayed one is still running on the tenant clock."""
    until = (tenant.settings or {}).get("generation_running_until")
    if until and parse_timestamp(until) > now:
        raise GenerationRunning()


def _finish(session: Session, tenant: Tenant, now: datetime, delay: int,
            made: list[int]) -> None:
    """Note what was made; with a delay, hide it until the clock passes the delay."""
    if delay > 0:
        ready = now + timedelta(seconds=delay)
        tenant.settings = {**(tenant.settings or {}),
                           "generation_running_until": format_timestamp(ready)}
        if made:
            session.execute(update(Payment).where(Payment.tenant_id == tenant.id,
                                                  Payment.id.in_(made))
                            .values(visible_at=ready).execution_options(synchronize_session=False))
    if made:
        note(session, "created", "payments", made)
        note(session, "changed", "conversions", session.scalars(
            select(Conversion.id).where(Conversion.tenant_id == tenant.id,
                                        Conversion.payment_id.in_(made)).limit(MAX_IDS)))


def _new_payment(tenant: Tenant, affiliate: Affiliate, currency: Currency, payee: _Payee,
                 now: datetime, note: str, period_end: datetime | None) -> dict[str, Any]:
    payment_id = tenant.next_payment_id
    tenant.next_payment_id += 1
    return {
        "tenant_id": tenant.id, "id": payment_id, "pid": affiliate.id,
        "manager_id": affiliate.manager_id, "currency_id": currency.id, "status": WAITING,
        "posted_date": now, "updated_at": now, "pay_sys": payee.system.id,
        "pay_sys_name": payee.system.title, "pay_acc": payee.pay_acc, "comment": "",
        "notes": note, "period_end": period_end,
    }


def generate(session: Session, tenant: Tenant, now: datetime, scope: Scope, note: str,
             single_affiliate: int | None = None, delay: int = 0) -> Generation:
    """Make one invoice per (affiliate, currency) in scope that can be billed; skip the rest.

    With single_affiliate (the `aid` parameter), raise the reason when not one invoice can be
    made: no paid conversions at all, else the first currency's reason in code order.
    With a delay, the invoices stay hidden until the tenant clock passes it.
    """
    _ensure_idle(tenant, now)
    tid = tenant.id
    if single_affiliate is not None:
        affiliate = session.get(Affiliate, (tid, single_affiliate))
        if affiliate is None:
            raise ValidationError("aid", f"unknown affiliate {single_affiliate}")
    currencies = {c.code: c for c in session.scalars(
        select(Currency).where(Currency.tenant_id == tid))}
    unknown = [code for code in scope.currencies if code not in currencies]
    if unknown:
        raise ValidationError("currencies", f"unknown currency code '{unknown[0]}'")
    conditions = _scope_conditions(tid, scope, now, tenant.next_payment_id)
    groups = session.execute(
        select(Conversion.affiliate_id, Conversion.currency, func.sum(Conversion.payouts),
               func.count())
        .where(*conditions)
        .group_by(Conversion.affiliate_id, Conversion.currency)
        .order_by(Conversion.affiliate_id, Conversion.currency)
    ).all()
    result = Generation()
    if not groups:
        if single_affiliate is not None:
            raise NoPaidConversions(display_name(affiliate), affiliate.id)
        _finish(session, tenant, now, delay, [])
        return result
    affiliates = {a.id: a for a in _rows_by_id(session, Affiliate, tid, Affiliate.id,
                                                {g[0] for g in groups})}
    paid_by = payees(session, tid, affiliates)
    new_payments: list[dict[str, Any]] = []
    expected = 0
    first_reason: AffiseError | None = None
    for affiliate_id, code, total, count in groups:
        affiliate, currency = affiliates[affiliate_id], currencies[code]
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
        new_payments.append(_new_payment(tenant, affiliate, currency, payee, now, note, scope.end))
        expected += count
    if not new_payments:
        if single_affiliate is not None and first_reason is not None:
            first_reason.generation = result  # type: ignore[attr-defined]  # for the report
            raise first_reason
        _finish(session, tenant, now, delay, [])
        return result
    session.execute(insert(Payment), new_payments)
    first, last = new_payments[0]["id"], new_payments[-1]["id"]
    # One UPDATE ... FROM joining the conversions to the invoices just made, on (affiliate,
    # currency): the database walks each new invoice's unbilled conversions through
    # ix_conversions_payable. (A correlated subquery per conversion instead scanned the new
    # invoices' id range twice per row: seconds for 100,000 conversions.)
    invoice, currency = aliased(Payment), aliased(Currency)
    new_invoice = (
        select(invoice.id.label("id"), invoice.pid.label("pid"), currency.code.label("code"))
        .join(currency, and_(currency.tenant_id == invoice.tenant_id,
                             currency.id == invoice.currency_id))
        .where(invoice.tenant_id == tid, invoice.id.between(first, last))
        .subquery("new_invoice")
    )
    billed = session.execute(
        update(Conversion)
        .where(*conditions, Conversion.affiliate_id == new_invoice.c.pid,
               Conversion.currency == new_invoice.c.code)
        .values(payment_id=new_invoice.c.id, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if billed != expected:  # cannot happen under the tenant lock; refuse rather than mis-bill
        raise ServerError()
    result.made = [p["id"] for p in new_payments]
    _finish(session, tenant, now, delay, result.made)
    return result


def create_for_affiliate(session: Session, tenant: Tenant, now: datetime, affiliate_id: int,
                         amount: Decimal, currency_id: int, note: str,
                         delay: int = 0) -> Generation:
    """Bill an affiliate's payable conversions, oldest first, until their total reaches amount."""
    _ensure_idle(tenant, now)
    tid = tenant.id
    affiliate = session.get(Affiliate, (tid, affiliate_id))
    if affiliate is None:
        raise ValidationError("aid", f"unknown affiliate {affiliate_id}")
    currency = session.get(Currency, (tid, currency_id))
    if currency is None:
        raise ValidationError("currency", f"unknown currency id {currency_id}")
    name, code = display_name(affiliate), currency.code
    payee = payees(session, tid, [affiliate_id]).get((affiliate_id, code))
    if payee is None:
        raise NoPaymentSystem(name, affiliate_id, code)
    minimum = threshold(payee.system.threshold, currency.min_payment)
    if amount < minimum:
        raise BelowMinimumPayment(minimum, code)
    conditions = [Conversion.tenant_id == tid, is_payable(now),
                  Conversion.affiliate_id == affiliate_id, Conversion.currency == code]
    available, count = session.execute(
        select(func.sum(Conversion.payouts), func.count()).where(*conditions)).one()
    if not count:
        raise NoPaidConversions(name, affiliate_id)
    if available < amount:
        raise NotEnoughPaidConversions(name, affiliate_id, available, amount, code)
    # Whole conversions, oldest first, while the total before each is still short of amount.
    # Payouts are never negative, so that is a prefix of the (created_at, id) order: walk it
    # through ix_conversions_payable, summing the stored integer units (1e-8, no Decimal per
    # row), to its last conversion, then bill the prefix with one ranged UPDATE. (A window
    # sum over every payable conversion feeding an IN (...) took twice as long.)
    goal = MoneyType().process_bind_param(amount, None)
    units = type_coerce(Conversion.payouts, BigInteger)
    walk = session.connection().execute(  # Core, not ORM: no per-row ORM loading
        select(Conversion.created_at, Conversion.id, units).where(*conditions)
        .order_by(Conversion.created_at, Conversion.id).execution_options(yield_per=2000))
    taken, total, last = 0, 0, None
    for created_at, conversion_id, payout in walk:
        taken, total, last = taken + 1, total + payout, (created_at, conversion_id)
        if total >= goal:
            break
    walk.close()
    assert last is not None  # count > 0 and available >= amount, checked above
    day = datetime(now.year, now.month, now.day)
    row = _new_payment(tenant, affiliate, currency, payee, now, note, day + timedelta(days=1))
    session.execute(insert(Payment), [row])
    billed = session.execute(
        update(Conversion).where(
            *conditions, or_(Conversion.created_at < last[0],
                             and_(Conversion.created_at == last[0], Conversion.id <= last[1])))
        .values(payment_id=row["id"], updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if billed != taken:  # cannot happen under the tenant lock; refuse rather than mis-bill
        raise ServerError()
    _finish(session, tenant, now, delay, [row["id"]])
    return Generation(made=[row["id"]])
