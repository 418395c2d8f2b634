"""Control views of a tenant's settings."""

from __future__ import annotations

from ...harness.config import set_generation_delay, set_referral_percent, tenant_config
from .base import body, control, route, settings
from .schemas import ConfigChange, parse


@route("/config", ["GET"])
@control()
def get_config(session, tenant):
    """Return the tenant's settings."""
    return {"status": 1, "config": tenant_config(tenant, settings()["GENERATION_DELAY"])}


def change_config(tenant, request_body) -> dict:
    """Change the tenant's settings as request_body says; return the answer."""
    change = parse(ConfigChange(), request_body)
    if change.get("generation_delay_seconds") is not None:
        set_generation_delay(tenant, change["generation_delay_seconds"])
    if change.get("referral_percent") is not None:
        set_referral_percent(tenant, change["referral_percent"])
    return {"status": 1, "config": tenant_config(tenant, settings()["GENERATION_DELAY"])}


@route("/config", ["POST"])
@control(write=True)
def set_config(session, tenant):
    """Change the tenant's settings: {"generation_delay_seconds": 120, "referral_percent": "5"}."""
    return change_config(tenant, body())
