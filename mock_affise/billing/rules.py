"""Billing rules in plain Python: statuses, binding choice, revenue, referral money, threshold,
hold, periods.

Nothing here touches Flask, SQLAlchemy or the models; the SQL forms of these rules are in
billing.predicates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any, TypeVar

from ..errors import ValidationError

B = TypeVar("B")
K = TypeVar("K", bound=Hashable)


class ConversionStatus(IntEnum):
    """A conversion's status code; `word` is how /3.0/stats/conversions spells it."""

    APPROVED = 1
    PENDING = 2
    DECLINED = 3
    HOLD = 5

    @property
    def word(self) -> str:
        """Return the status as Affise's conversion list shows it."""
        return _CONVERSION_WORDS[self]


_CONVERSION_WORDS = {ConversionStatus.APPROVED: "confirmed", ConversionStatus.PENDING: "pending",
                     ConversionStatus.DECLINED: "declined", ConversionStatus.HOLD: "hold"}


class InvoiceStatus(IntEnum):
    """An invoice's status code; `word` is the name Affise's documentation gives it."""

    DECLINED = -1
    WAITING = 1
    COMPLETED = 2
    PAID_PARTLY = 3
    PENDING = 4

    @property
    def word(self) -> str:
        """Return the status's documented name."""
        return self.name.lower().replace("_", " ")


APPROVED, PENDING, DECLINED, HOLD = (ConversionStatus.APPROVED, ConversionStatus.PENDING,
                                     ConversionStatus.DECLINED, ConversionStatus.HOLD)
CONVERSION_STATUSES = tuple(int(s) for s in ConversionStatus)
STATUS_WORDS = {int(s): s.word for s in ConversionStatus}
STATUS_CODES = {word: code for code, word in STATUS_WORDS.items()}

WAITING, COMPLETED, PAID_PARTLY = (InvoiceStatus.WAITING, InvoiceStatus.COMPLETED,
                                   InvoiceStatus.PAID_PARTLY)
PENDING_INVOICE, DECLINED_INVOICE = InvoiceStatus.PENDING, InvoiceStatus.DECLINED
INVOICE_STATUSES = tuple(int(s) for s in InvoiceStatus)

PARTNER_STATUSES = ("active", "banned", "on moderation", "not active")
PAYMENT_STATES = ("opened", "pending", "closed")  # a conversion's invoice, as the stats show it
DECLINE_REASONS = ("anti_fraud", "cap_reached", "by_manager", "payment_not_found", "ip_duplicate",
                   "by_server_postback", "partner_banned", "partner_disabled",
                   "min_click_time_not_reached", "click_time_expire", "by_import",
                   "promocode_expired", "promocode_not_available")
FRAUD_RISK_LEVELS = ("not_analyzed", "low", "medium", "high", "no_risk")


def hold_expired(status: int, hold_until: datetime | None, now: datetime) -> bool:
    """Tell whether a hold has passed its hold_until on the tenant clock (Affise approves it)."""
    return status == HOLD and hold_until is not None and hold_until <= now


def effectively_approved(status: int, hold_until: datetime | None, now: datetime) -> bool:
    """Tell whether a conversion counts as approved: status 1, or an expired hold."""
    return status == APPROVED or hold_expired(status, hold_until, now)


def effective_status(status: int, hold_until: datetime | None, now: datetime) -> int:
    """Return the status a client sees: an expired hold reads as approved."""
    return APPROVED if hold_expired(status, hold_until, now) else status


def choose_bindings(bindings: Iterable[B], key: Callable[[B], K],
                    active: Callable[[B], Any]) -> dict[K, B]:
    """Pick, per key, the binding that bills: the first active one, else the first (id order)."""
    chosen: dict[K, B] = {}
    for binding in bindings:
        current = chosen.get(key(binding))
        if current is None or (active(binding) and not active(current)):
            chosen[key(binding)] = binding
    return chosen


def invoice_revenue(payouts: Iterable[Decimal], corrections: Iterable[Decimal],
                    ref_revenue: Decimal | None = None) -> Decimal:
    """Return an invoice's revenue: its conversions' payouts, its corrections, referral money."""
    return sum(payouts, Decimal(0)) + sum(corrections, Decimal(0)) + (ref_revenue or 0)


EIGHT_PLACES = Decimal("0.00000001")


def percent_allowed(percent: Decimal) -> bool:
    """Tell whether a referral percent is one Affise takes: 0 to 100."""
    return 0 <= percent <= 100


def referral_percent(own_percent: Decimal | None,
                     tenant_settings: Mapping[str, Any] | None) -> Decimal:
    """Return a main affiliate's referral percent: its own ref_percent, else the tenant's."""
    if own_percent is not None:
        return own_percent
    return Decimal(str((tenant_settings or {}).get("referral_percent") or 0))


def referral_revenue(referral_revenues: Iterable[Decimal], percent: Decimal) -> Decimal | None:
    """Return what a main invoice takes of its referral invoices, half-up to 8 places, once.

    None when it takes no referral invoice (the wire's null ref_revenue).
    """
    revenues = list(referral_revenues)
    if not revenues:
        return None
    owed = sum(revenues, Decimal(0)) * percent / 100
    return owed.quantize(EIGHT_PLACES, rounding=ROUND_HALF_UP)


def revenue_allowed(revenue: Decimal) -> bool:
    """Tell whether an invoice may have this revenue: never below zero."""
    return revenue >= 0


def threshold(system_threshold: Decimal | None, currency_minimum: Decimal) -> Decimal:
    """The minimum an invoice must reach: the payment system's threshold, else the currency's."""
    return currency_minimum if system_threshold is None else system_threshold


def payment_state(payment_status: int | None) -> tuple[str, str]:
    """Return (payment_status, is_paid) as /3.0/stats/conversions shows them."""
    opened, pending, closed = PAYMENT_STATES
    if payment_status is None:
        return opened, "0"
    if payment_status == COMPLETED:
        return closed, "1"
    return pending, "0"


def update_bound(day: date | None, hour: int | None, end: bool) -> datetime | None:
    """Turn update_*_date (+ hour) into a bound: from its start, or to the end of it (exclusive)."""
    if day is None:
        return None
    moment = datetime.combine(day, time(hour or 0))
    if not end:
        return moment
    return moment + (timedelta(hours=1) if hour is not None else timedelta(days=1))


def display_name(name: str | None, login: str | None, email: str) -> str:
    """The name Affise's messages show: the affiliate's name, else its login, else its email."""
    return name or login or email


def format_pay_acc(system: Mapping[str, Any] | None, values: Mapping[str, str]) -> str:
    """Render a binding's fields as Affise's pay_acc: 'Label: value' lines in field order."""
    if system is None:
        return "\n".join(f"{k}: {v}" for k, v in values.items())
    labels = {str(f["id"]): f["label"] for f in system["fields"]}
    ordered = [str(f["id"]) for f in system["fields"] if str(f["id"]) in values]
    return "\n".join(f"{labels[k]}: {values[k]}" for k in ordered)


def midnight(day: date) -> datetime:
    """Return the start of day."""
    return datetime(day.year, day.month, day.day)


@dataclass(frozen=True)
class Period:
    """Which conversions a generation may bill by date."""

    end: datetime  # exclusive: midnight after the period's last day
    start: datetime | None = None  # inclusive
    since_last_invoice: bool = False


def generation_period(today: date, day: date | None = None, date_to: date | None = None,
                      date_from: date | None = None, by_last_invoice: bool = False,
                      by_last_unpaid_conversion: bool = False) -> Period:
    """Return the period a generate call bills, from its date parameters.

    The end day is `date`, else `date_to`, else today. by_last_unpaid_conversion wins and
    bills every payable conversion up to the end; else by_last_invoice starts after each
    (affiliate, currency)'s last invoice; else date_from, when given, is the first day.
    """
    end_day = day or date_to or today
    end = midnight(end_day) + timedelta(days=1)
    if by_last_unpaid_conversion:
        return Period(end)
    if by_last_invoice:
        return Period(end, since_last_invoice=True)
    if date_from is None:
        return Period(end)
    if date_from > end_day:
        raise ValidationError("date_from", f"must not be after the end date {end_day.isoformat()}")
    return Period(end, start=midnight(date_from))


def generation_delay(tenant_settings: Mapping[str, Any] | None, default: int) -> int:
    """Seconds a generation takes on the tenant clock: the tenant's setting, else the default."""
    value = (tenant_settings or {}).get("generation_delay_seconds")
    return int(default if value is None else value)


# ----------------------------------------------------------------------------- who sees what

ADMIN_ROLE, MANAGER_ROLE, AFFILIATE_ROLE = "admin", "affiliate_manager", "affiliate"


@dataclass(frozen=True)
class Audience:
    """Which affiliates a caller sees: every one (admin), a manager's own, or only itself.

    Contract section 2: an affiliate-manager key sees the affiliates whose manager_id is its
    own, and nobody's api_key; an affiliate key sees itself. Billing.predicates.seen_by is the
    SQL form of sees().
    """

    everyone: bool = False
    manager_id: str | None = None
    affiliate_id: int | None = None

    def sees(self, affiliate_id: int, manager_id: str | None) -> bool:
        """Tell whether this audience sees the affiliate affiliate_id, managed by manager_id."""
        if self.everyone:
            return True
        if self.affiliate_id is not None:
            return affiliate_id == self.affiliate_id
        return manager_id is not None and manager_id == self.manager_id

    @property
    def sees_api_keys(self) -> bool:
        """Only admin keys ever see an affiliate's api_key."""
        return self.everyone

    @property
    def admin_api(self) -> bool:
        """A manager's key (Affise's admin API), not an affiliate's: "ONLY FOR ADMIN" applies."""
        return self.affiliate_id is None


EVERYONE = Audience(everyone=True)


def audience(role: str, manager_id: str | None, affiliate_id: int | None) -> Audience:
    """Return what the holder of a key with this role sees."""
    if role == ADMIN_ROLE:
        return EVERYONE
    if role == AFFILIATE_ROLE:
        return Audience(affiliate_id=affiliate_id)
    return Audience(manager_id=manager_id)
