"""API keys: one holder each across every tenant, checked by the one function every write uses."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, select, text, union
from sqlalchemy.orm import Session

from ..driver import builder, driver_tuples, list_parameter
from ..models import Affiliate, Manager

# PostgreSQL advisory lock held by every transaction that hands out keys: tenants' writes run in
# parallel there, and two of them must not both find a key free and both take it.
_KEYS_LOCK = 7_204_119


def fresh_key() -> str:
    """Return a new random API key (32 hex characters, like Affise's)."""
    return secrets.token_hex(16)


def taken_keys(session: Session, keys: Iterable[str], other_than: int | None = None) -> set[str]:
    """Return which of keys a manager or affiliate already holds (outside tenant other_than).

    Every write that hands out keys (tenant create, reset, restore, partner create) asks here
    first and keeps the answer true until it commits: SQLite writes one transaction at a time,
    and on PostgreSQL this takes a lock those writers share.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEYS_LOCK})
    statement = builder(_taken_statement, other_than is not None)
    return {key for (key,) in driver_tuples(session, statement,
                                            {"keys": wanted, "other": other_than})}


@functools.cache
def _taken_statement(outside_one: bool) -> CompoundSelect:
    """Build, once (each tenant made asks it), the query of the keys (:keys) a manager or an
    affiliate holds, outside tenant :other when outside_one."""
    wanted = list_parameter("keys")
    asked = []
    for holder in (Manager, Affiliate):
        query = select(holder.api_key).where(holder.api_key.in_(wanted))
        if outside_one:
            query = query.where(holder.tenant_id != bindparam("other"))
        asked.append(query)
    return union(*asked)


def assign_keys(session: Session, holders: Iterable[dict[str, Any]]) -> None:
    """Keep each holder's api_key while no one holds it; give a missing or taken one a fresh key.

    The rule for keys a document names: a new tenant, a reset to a document, a template's copy.
    """
    holders = list(holders)
    taken = taken_keys(session, [h["api_key"] for h in holders if h["api_key"]])
    for holder in holders:
        if not holder["api_key"] or holder["api_key"] in taken:
            holder["api_key"] = fresh_key()


def unused_key(session: Session) -> str:
    """Return a fresh API key no tenant holds yet."""
    while True:
        key = fresh_key()
        if not taken_keys(session, [key]):
            return key
