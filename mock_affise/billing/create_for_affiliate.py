"""POST /3.1/payments/create-for-affiliate: one invoice of an affiliate's oldest conversions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, and_, func, insert, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from ..entities import load_entity
from ..errors import (
    BelowMinimumPayment,
    NoPaidConversions,
    NoPaymentSystem,
    NotEnoughPaidConversions,
    ServerError,
    ValidationError,
)
from ..models import Affiliate, Conversion, Currency, Payment, Tenant
from ..money import to_units
from .making import (
    display_name,
    ensure_idle,
    finish,
    new_payment,
    payees,
    reported,
    take_payment_ids,
)
from .predicates import is_payable
from .reports import Generation
from .rules import midnight, threshold


@dataclass
class CreateForAffiliate:
    """The parameters of POST /3.1/payments/create-for-affiliate, parsed."""

    aid: int
    sum: Decimal
    currency: int
    note: str = ""


def create_invoice_for_affiliate(session: Session, tenant: Tenant, now: datetime,
                                 request: CreateForAffiliate, delay: int = 0) -> Generation:
    """Create an invoice as create-for-affiliate does, and keep the call's report."""
    return reported(session, tenant, now, "create-for-affiliate", asdict(request), request.aid,
                    lambda: _bill_up_to(session, tenant, now, request.aid, request.sum,
                                        request.currency, request.note, delay=delay))


def _bill_up_to(session: Session, tenant: Tenant, now: datetime, affiliate_id: int,
               amount: Decimal, currency_id: int, note: str,
               delay: int = 0) -> Generation:
    """Bill an affiliate's payable conversions, oldest first, until their total reaches amount."""
    ensure_idle(tenant, now)
    tid = tenant.id
    affiliate = load_entity(session, Affiliate, (tid, affiliate_id))
    if affiliate is None:
        raise ValidationError("aid", f"unknown affiliate {affiliate_id}")
    currency = load_entity(session, Currency, (tid, currency_id))
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
    goal = to_units(amount)
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
    end_of_today = midnight(now.date()) + timedelta(days=1)
    row = new_payment(tenant, tenant.next_payment_id, affiliate, currency, payee, now, note,
                      end_of_today)
    take_payment_ids(session, tenant, 1)
    session.execute(insert(Payment), [row])
    billed = session.execute(
        update(Conversion).where(
            *conditions, or_(Conversion.created_at < last[0],
                             and_(Conversion.created_at == last[0], Conversion.id <= last[1])))
        .values(payment_id=row["id"], updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if billed != taken:  # cannot happen under the tenant lock; refuse rather than mis-bill
        raise ServerError()
    finish(session, tenant, now, delay, [row["id"]])
    return Generation(made=[row["id"]])
