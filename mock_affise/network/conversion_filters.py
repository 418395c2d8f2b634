"""The conversion filters Affise documents for GET /3.0/stats/conversions, as SQL conditions.

The same filters select the conversions POST /3.0/admin/conversion/edit changes with all=1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlalchemy.orm import Session

from ..billing.predicates import effective_status, is_open
from ..billing.rules import COMPLETED, FRAUD_RISK_LEVELS, update_bound
from ..errors import ValidationError
from ..models import Affiliate, Conversion, Offer, Payment
from .reference import find_currency

DEFAULT_WINDOW = timedelta(days=7)  # Affise's default without date_from, as the Go SDK documents
# Every conversion reads fraud_risk_level "not_analyzed" and fraud_type [] (the mock runs no
# anti-fraud), so those filters are applied against these values.
FRAUD_RISK_LEVEL = FRAUD_RISK_LEVELS[0]
CUSTOM_FIELDS = range(1, 16)


@dataclass(frozen=True)
class ConversionQuery:
    """The filters and page of GET /3.0/stats/conversions (and of an edit by filter)."""

    statuses: Sequence[int] | None = None
    affiliate_ids: Sequence[int] | None = None
    offer_ids: Sequence[int] | None = None
    advertiser_ids: Sequence[str] | None = None
    countries: Sequence[str] | None = None
    currency: str | None = None  # a currency id or code, as the client sent it
    payment_statuses: Sequence[str] | None = None
    date_from: date | None = None  # None: a week before today on the tenant clock
    date_to: date | None = None
    timezone: str | None = None  # the zone date_from, date_to and hour are read in
    hour: int | None = None
    update_from_date: date | None = None
    update_from_hour: int | None = None
    update_to_date: date | None = None
    update_to_hour: int | None = None
    action_id: str | None = None
    clickid: str | None = None
    goals: Sequence[str] | None = None
    goal_ids: Sequence[int] | None = None
    payouts: Decimal | None = None
    payouts_from: Decimal | None = None
    payouts_to: Decimal | None = None
    revenue: Decimal | None = None
    revenue_from: Decimal | None = None
    revenue_to: Decimal | None = None
    decline_reasons: Sequence[str] | None = None
    fraud_risk_levels: Sequence[str] | None = None
    fraud_types: Sequence[str] | None = None
    comment: str | None = None
    custom_fields: Mapping[int, str] = field(default_factory=dict)
    affiliate_manager_ids: Sequence[str] | None = None
    invoice_ids: Sequence[int] | None = None
    page: int = 1
    limit: int = 100


def _zone(name: str | None) -> ZoneInfo | None:
    """Return the named time zone; raise ValidationError for a name the zone database lacks."""
    if name is None:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("timezone", f"unknown timezone '{name}'") from None


def _utc(day: date, at: time, zone: ZoneInfo | None) -> datetime:
    """Return the zone-less UTC moment of a wall-clock time on day in zone (UTC when None)."""
    moment = datetime.combine(day, at)
    if zone is None:
        return moment
    return moment.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _created_conditions(query: ConversionQuery, now: datetime) -> list[ColumnElement[bool]]:
    """Return the conditions on created_at: the day window, in the query's zone, and the hour."""
    zone = _zone(query.timezone)
    date_from = query.date_from
    if date_from is None:
        date_from = (now.replace(tzinfo=UTC).astimezone(zone) if zone else now).date() \
            - DEFAULT_WINDOW
    if query.date_from is not None and query.date_to is not None \
            and query.date_from > query.date_to:
        raise ValidationError("date_from", "must not be after date_to")
    if query.hour is not None:
        if query.date_from is None or query.date_to != query.date_from:
            raise ValidationError("hour", "is allowed only for a one-day period "
                                          "(date_from equal to date_to)")
        start = _utc(date_from, time(query.hour), zone)
        return [Conversion.created_at >= start,
                Conversion.created_at < start + timedelta(hours=1)]
    conditions = [Conversion.created_at >= _utc(date_from, time(), zone)]
    if query.date_to is not None:
        conditions.append(
            Conversion.created_at < _utc(query.date_to + timedelta(days=1), time(), zone))
    return conditions


def _payment_condition(state: str) -> ColumnElement[bool]:
    """Return the condition for one payment_status: opened, pending or closed."""
    if state == "opened":
        return Conversion.payment_id.is_(None)
    if state == "pending":
        return and_(Conversion.payment_id.is_not(None), is_open())
    return Payment.status == COMPLETED


def _range(column: Any, exact: Decimal | None, above: Decimal | None,
           below: Decimal | None) -> list[ColumnElement[bool]]:
    """Return the conditions of an amount filter; Affise's _from and _to bounds are exclusive."""
    conditions = []
    if exact is not None:
        conditions.append(column == exact)
    if above is not None:
        conditions.append(column > above)
    if below is not None:
        conditions.append(column < below)
    return conditions


def conversion_conditions(session: Session, tenant_id: int, now: datetime,
                          query: ConversionQuery) -> list[ColumnElement[bool]]:
    """Return the SQL conditions selecting the tenant's conversions that match query.

    The conditions may name Offer, Payment and Affiliate: the caller's select joins them.
    """
    conditions: list[ColumnElement[bool]] = [Conversion.tenant_id == tenant_id]
    conditions += _created_conditions(query, now)
    if query.statuses is not None:
        conditions.append(effective_status(now).in_(list(query.statuses)))
    if query.affiliate_ids is not None:
        conditions.append(Conversion.affiliate_id.in_(list(query.affiliate_ids)))
    if query.offer_ids is not None:
        conditions.append(Conversion.offer_id.in_(list(query.offer_ids)))
    if query.advertiser_ids is not None:
        conditions.append(Offer.advertiser_id.in_(list(query.advertiser_ids)))
    if query.countries is not None:
        conditions.append(Conversion.country.in_([c.strip().upper() for c in query.countries]))
    if query.currency is not None:
        currency = find_currency(session, tenant_id, query.currency)
        if currency is None:
            raise ValidationError("currency", f"unknown currency '{query.currency}'")
        conditions.append(Conversion.currency == currency.code)
    if query.payment_statuses is not None:
        conditions.append(or_(false(), *[_payment_condition(s) for s in query.payment_statuses]))
    updated_from = update_bound(query.update_from_date, query.update_from_hour, end=False)
    updated_to = update_bound(query.update_to_date, query.update_to_hour, end=True)
    if updated_from is not None:
        conditions.append(Conversion.updated_at >= updated_from)
    if updated_to is not None:
        conditions.append(Conversion.updated_at < updated_to)
    if query.action_id is not None:
        conditions.append(Conversion.id == query.action_id.strip())
    if query.clickid is not None:
        conditions.append(func.coalesce(Conversion.clickid, Conversion.id) == query.clickid)
    if query.goals is not None:
        conditions.append(Conversion.goal.in_(list(query.goals)))
    if query.goal_ids is not None:
        # The mock's goals are the offer's goal numbers ("1" by default): goal_id names them.
        conditions.append(Conversion.goal.in_([str(g) for g in query.goal_ids]))
    conditions += _range(Conversion.payouts, query.payouts, query.payouts_from, query.payouts_to)
    conditions += _range(Conversion.revenue, query.revenue, query.revenue_from, query.revenue_to)
    if query.decline_reasons is not None:
        conditions.append(Conversion.decline_reason.in_(list(query.decline_reasons)))
    if query.fraud_risk_levels is not None and FRAUD_RISK_LEVEL not in query.fraud_risk_levels:
        conditions.append(false())
    if query.fraud_types is not None:
        conditions.append(false())
    if query.comment is not None:
        conditions.append(Conversion.comment == query.comment)
    for number, value in query.custom_fields.items():
        conditions.append(getattr(Conversion, f"custom_field_{number}") == value)
    if query.affiliate_manager_ids is not None:
        conditions.append(Affiliate.manager_id.in_(list(query.affiliate_manager_ids)))
    if query.invoice_ids is not None:
        conditions.append(Conversion.payment_id.in_(list(query.invoice_ids)))
    return conditions

