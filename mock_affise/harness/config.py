"""Per-tenant settings of the mock (GET/POST /_mock/config)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..billing import rules
from ..models import Tenant
from ..money import plain


def generation_delay(tenant: Tenant, default: int) -> int:
    """Return the seconds a generation takes on the tenant clock: its own, else the server's."""
    return rules.generation_delay(tenant.settings, default)


def tenant_config(tenant: Tenant, default_delay: int) -> dict[str, Any]:
    """Render the tenant's settings as GET /_mock/config answers them."""
    return {"generation_delay_seconds": generation_delay(tenant, default_delay),
            "referral_percent": plain(rules.referral_percent(None, tenant.settings))}


def set_generation_delay(tenant: Tenant, seconds: int) -> None:
    """Keep the tenant's own generation delay (a reset forgets it)."""
    tenant.settings = {**(tenant.settings or {}), "generation_delay_seconds": seconds}


def set_referral_percent(tenant: Tenant, percent: Decimal) -> None:
    """Keep the tenant's referral percent (Settings > Affiliates > Referral payments)."""
    tenant.settings = {**(tenant.settings or {}), "referral_percent": plain(percent)}


def seeded_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """Return the settings a fixture document seeds (a reset keeps them, forgets the rest)."""
    return {k: v for k, v in (settings or {}).items() if k == "referral_percent"}
