"""API keys: fresh random ones, and which are already taken by some tenant."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Affiliate, Manager


def fresh_key() -> str:
    """Return a new random API key (32 hex characters, like Affise's)."""
    return secrets.token_hex(16)


def taken_keys(session: Session, keys: list[str]) -> set[str]:
    """Return which of keys some tenant already uses."""
    if not keys:
        return set()
    taken = set(session.scalars(select(Manager.api_key).where(Manager.api_key.in_(keys))))
    taken |= set(session.scalars(select(Affiliate.api_key).where(Affiliate.api_key.in_(keys))))
    return taken
