"""Affiliate balances, computed in one grouped query over unbilled conversions.

available = payouts that are payable now (effectively approved, in no invoice), plus the
referral money a main affiliate is owed (contract section 7);
hold = payouts on an unexpired hold, in no invoice; balance = both.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..billing.predicates import effectively_approved, on_hold
from ..billing.referrals import owed_referral_money
from ..billing.rules import APPROVED, HOLD
from ..driver import driver_records, list_parameter
from ..models import Affiliate, Conversion, Currency, Tenant
from ..money import ZERO


@dataclass(frozen=True)
class Balance:
    """An affiliate's money in one currency."""

    available: Decimal = ZERO
    hold: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        """Return available and hold together."""
        return self.available + self.hold


def _unbilled(tenant_id: int) -> ColumnElement[bool]:
    return and_(Conversion.tenant_id == tenant_id, Conversion.payment_id.is_(None),
                Conversion.status.in_((APPROVED, HOLD)))


def has_balance(tenant_id: int, now: datetime) -> ColumnElement[bool]:
    """Return a condition on affiliate ids: the affiliate has a non-zero balance somewhere."""
    holders = select(Conversion.affiliate_id).where(
        _unbilled(tenant_id), or_(effectively_approved(now), on_hold(now)),
        Conversion.payouts != ZERO,
    )
    return Affiliate.id.in_(holders)


@functools.cache
def _balance_statement() -> Select:
    """Build the query of unbilled payouts by affiliate and currency: available, hold
    (:tenant_id, :now, :ids).

    Built once: building it per call cost more than running it."""
    now = bindparam("now")
    return (select(Conversion.affiliate_id, Conversion.currency,
                   func.sum(case((effectively_approved(now), Conversion.payouts), else_=ZERO)),
                   func.sum(case((on_hold(now), Conversion.payouts), else_=ZERO)))
            .where(_unbilled(bindparam("tenant_id")),
                   Conversion.affiliate_id.in_(list_parameter("ids")))
            .group_by(Conversion.affiliate_id, Conversion.currency))


@functools.cache
def _settings_statement() -> Select:
    """Build the query of a tenant's (:tenant_id) settings, once."""
    return select(Tenant.settings).where(Tenant.id == bindparam("tenant_id"))


@functools.cache
def _currencies_statement() -> Select:
    """Build the query of a tenant's (:tenant_id) currency codes and whether active, once."""
    return (select(Currency.code, Currency.active)
            .where(Currency.tenant_id == bindparam("tenant_id")).order_by(Currency.id))


def affiliate_balances(session: Session, tenant_id: int, now: datetime,
                       affiliate_ids: Collection[int]) -> dict[int, dict[str, Balance]]:
    """Return each affiliate's balance per currency code, in one grouped query.

    Every active currency is listed (zero when empty, as Affise does), in currency id order,
    then any inactive currency in which the affiliate still has money.
    """
    ids = list(affiliate_ids)
    if not ids:
        return {}
    rows = driver_records(session, _balance_statement, {"tenant_id": tenant_id, "now": now,
                                                        "ids": ids})
    money: dict[int, dict[str, Balance]] = {aid: {} for aid in ids}
    for affiliate_id, code, available, hold in rows:
        money[affiliate_id][code] = Balance(available or ZERO, hold or ZERO)
    found = driver_records(session, _settings_statement, {"tenant_id": tenant_id})
    settings = found[0].settings if found else None  # a tenant dropped meanwhile: none
    for (main_id, code), owed in owed_referral_money(session, tenant_id, settings, None,
                                                      affiliate_ids=ids).items():
        held = money[main_id].get(code, Balance())
        money[main_id][code] = Balance(held.available + owed.ref_revenue, held.hold)
    currencies = driver_records(session, _currencies_statement, {"tenant_id": tenant_id})
    known = [code for code, _ in currencies]
    result: dict[int, dict[str, Balance]] = {}
    for aid in ids:
        held = money[aid]
        sheet = {code: held.get(code, Balance()) for code, active in currencies
                 if active or held.get(code, Balance()).balance != ZERO}
        # A conversion in a currency the tenant no longer lists still counts.
        sheet.update({code: held[code] for code in sorted(held) if code not in known})
        result[aid] = sheet
    return result


def affiliate_balance(session: Session, tenant_id: int, now: datetime,
                      affiliate_id: int) -> dict[str, Balance]:
    """Return one affiliate's balance per currency code."""
    return affiliate_balances(session, tenant_id, now, [affiliate_id])[affiliate_id]
