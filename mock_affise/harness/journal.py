"""The request journal: a bounded ring of a tenant's calls, with keys redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..models import JournalEntry

SECRET_NAMES = frozenset({"api-key", "api_key", "password", "x-mock-control-token"})
REDACTED = "***"
_JOURNAL = JournalEntry.__table__


def redact(value: Any) -> Any:
    """Return value with every secret (API keys, passwords) replaced by ***."""
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in SECRET_NAMES else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


# Each secret name as it would appear as a key in serialised JSON (lower-cased text).
_SECRET_KEYS = tuple(orjson.dumps(name) + b":" for name in sorted(SECRET_NAMES))


def _redacted(value: Any) -> Any:
    """redact(value), skipping the walk when no secret name appears as a key anywhere.

    A 100-invoice page is thousands of nodes: one serialisation and a byte search cost a
    fraction of walking them in Python. Anything orjson cannot serialise takes the walk.
    """
    if not isinstance(value, dict | list):
        return value
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).lower()
    except TypeError:
        return redact(value)
    # Outside ASCII, str.lower() can make a secret name of other letters (the Kelvin sign K).
    if not text.isascii() or any(key in text for key in _SECRET_KEYS):
        return redact(value)
    return value


def record(session: Session, tenant_id: int, size: int, at: datetime, method: str, path: str,
           parameters: dict[str, Any], status: int, response: Any, effects: dict[str, Any],
           fault: str | None = None) -> None:
    """Append one call to the tenant's journal and drop what falls out of the ring.

    Core statements, not the ORM's unit of work: this runs on every request, inside the write
    lock, so it is one INSERT and (once the ring is full) one DELETE.
    """
    entry_id = session.execute(insert(_JOURNAL).values(
        tenant_id=tenant_id, at=at, method=method, path=path,
        parameters=_redacted(_jsonable(parameters)), status=status,
        response=_redacted(response), effects=effects, fault=fault)).inserted_primary_key[0]
    if entry_id > size:
        # Ids grow across tenants, so find this tenant's size-th newest entry and cut below it.
        cutoff = (select(_JOURNAL.c.id).where(_JOURNAL.c.tenant_id == tenant_id)
                  .order_by(_JOURNAL.c.id.desc()).offset(size - 1).limit(1).scalar_subquery())
        session.execute(delete(_JOURNAL).where(_JOURNAL.c.tenant_id == tenant_id,
                                               _JOURNAL.c.id < cutoff))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def entries(session: Session, tenant_id: int, method: str | None = None,
            path: str | None = None, status: int | None = None, since: datetime | None = None,
            limit: int | None = None) -> list[JournalEntry]:
    """Return the journal, oldest first, filtered by method, path (a trailing * is a prefix),
    status and time on the tenant clock."""
    query = select(JournalEntry).where(JournalEntry.tenant_id == tenant_id)
    if method:
        query = query.where(JournalEntry.method == method.upper())
    if path:
        if path.endswith("*"):
            query = query.where(JournalEntry.path.startswith(path[:-1], autoescape=True))
        else:
            query = query.where(JournalEntry.path == path)
    if status is not None:
        query = query.where(JournalEntry.status == status)
    if since is not None:
        query = query.where(JournalEntry.at >= since)
    rows = list(session.scalars(query.order_by(JournalEntry.id.desc()).limit(limit)))
    rows.reverse()
    return rows


def clear(session: Session, tenant_id: int) -> None:
    """Empty the tenant's journal."""
    session.execute(delete(JournalEntry).where(JournalEntry.tenant_id == tenant_id))


def render(entry: JournalEntry) -> dict[str, Any]:
    """Render a journal entry for GET /_mock/requests."""
    from ..clock import format_timestamp

    return {"id": entry.id, "at": format_timestamp(entry.at), "method": entry.method,
            "path": entry.path, "parameters": entry.parameters, "status": entry.status,
            "response": entry.response, "effects": entry.effects, "fault": entry.fault}
