"""The tenant clock: frozen or running, moved only by the control plane."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from .errors import ValidationError
from .models import Tenant
from .numbers import NumberError, parse_int

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
_DURATION = re.compile(r"\s*(\S+?)\s*([smhdw])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def host_now() -> datetime:
    """Return the host's UTC time without zone, to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def tenant_now(tenant: Tenant) -> datetime:
    """Return 'now' for a tenant: its frozen time, or its base moved on by host time since."""
    return clock_time(tenant.clock_frozen, tenant.clock_base, tenant.clock_anchor)


def clock_time(frozen: bool, base: datetime, anchor: datetime) -> datetime:
    """Return the time of a clock frozen at base, or running from base since anchor."""
    if frozen:
        return base
    return (base + (host_now() - anchor)).replace(microsecond=0)


def set_clock(tenant: Tenant, moment: datetime, frozen: bool | None = None) -> None:
    """Put the tenant clock at moment; it stays frozen or running as before unless told."""
    tenant.clock_base = moment.replace(microsecond=0)
    tenant.clock_anchor = host_now()
    if frozen is not None:
        tenant.clock_frozen = frozen


def advance_clock(tenant: Tenant, seconds: int) -> None:
    """Move the tenant clock on by seconds (back, if negative)."""
    set_clock(tenant, tenant_now(tenant) + timedelta(seconds=seconds))


def move_clock(tenant: Tenant, field: str, moment: datetime | None, seconds: int,
               frozen: bool | None, bounds: tuple[date, date]) -> None:
    """Set the clock at moment, or move it on by seconds, and (un)freeze it as told.

    The clock stays within bounds (the dates the API takes); field names the move refused.
    """
    target = moment if moment is not None else tenant_now(tenant) + timedelta(seconds=seconds)
    if not bounds[0] <= target.date() <= bounds[1]:
        raise ValidationError(field, f"the clock must stay between {bounds[0]} and {bounds[1]}")
    if moment is not None:
        set_clock(tenant, moment, frozen)
        return
    advance_clock(tenant, seconds)
    if frozen is not None:
        set_clock(tenant, tenant_now(tenant), frozen)


def clock_state(tenant: Tenant) -> dict[str, object]:
    """Render the tenant clock as GET /_mock/clock answers it."""
    return {"now": format_timestamp(tenant_now(tenant)), "frozen": tenant.clock_frozen}


def parse_duration(text: str) -> int:
    """Return the seconds in '3d', '2h', '15m', '30s' or '1w'; raise ValueError otherwise."""
    match = _DURATION.fullmatch(str(text))
    try:
        count = parse_int(match.group(1)) if match else None
    except NumberError:
        count = None
    if count is None:
        raise ValueError("must be a duration like 30s, 15m, 2h, 3d or 1w")
    return count * _UNITS[match.group(2)]


def format_timestamp(moment: datetime | None) -> str | None:
    """Render a timestamp as Affise does: YYYY-MM-DD HH:MM:SS, no zone."""
    if moment is None:
        return None
    if moment.tzinfo is None and moment.year >= 1000:  # isoformat: a third of strftime's time
        return moment.isoformat(" ", "seconds")
    return moment.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Parse YYYY-MM-DD HH:MM:SS (or a bare date, meaning midnight); raise ValueError."""
    text = str(text).strip()
    for fmt in (TIMESTAMP_FORMAT, DATE_FORMAT):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError("must be a timestamp in YYYY-MM-DD HH:MM:SS format")
