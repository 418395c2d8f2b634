"""The request journal: a bounded ring of a tenant's calls, with keys redacted."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, delete, func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..engines import dump_json
from ..models import JournalBody, JournalEntry, Tenant
from .deferred import DeferredWriter

SECRET_NAMES = frozenset({"api-key", "api_key", "password", "x-mock-control-token"})
REDACTED = "***"
# A process cuts a tenant's ring back to size on its first entry for the tenant and every
# TRIM_EVERY-th after: with W worker processes a ring holds at most size + W * TRIM_EVERY rows,
# and reads show the newest size.
TRIM_EVERY = 64
_ADVISORY_SPACE = 7_204_118  # PostgreSQL advisory locks on a tenant's journal bodies
TRUNCATED = "…[truncated {} bytes]"  # ends a stored text cut short: how many bytes were cut

_JOURNAL = JournalEntry.__table__
# The method and path columns are bounded (PostgreSQL refuses a longer value): room is left for
# the marker, whose count has at most 20 digits.
_PATH_BYTES = _JOURNAL.c.path.type.length - len(TRUNCATED.format(10 ** 20))
_METHOD_CHARS = _JOURNAL.c.method.type.length
_BODIES = JournalBody.__table__
_TENANTS = Tenant.__table__


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


def _redacted_json(value: Any, serialised: bytes | None = None) -> str:
    """Return redact(value) as JSON text, skipping the walk when no secret name is a key.

    A 100-invoice page is thousands of nodes: one serialisation (the caller's, when it has
    one) and a byte search cost a fraction of walking them in Python.
    """
    if serialised is None:
        try:
            serialised = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # beyond orjson (integers past 64 bits): the slow, sure way
            return dump_json(redact(value))
    text = serialised.lower()
    # Outside ASCII, lower() can make a secret name of other letters (the Kelvin sign K).
    if isinstance(value, dict | list) and (not text.isascii()
                                           or any(key in text for key in _SECRET_KEYS)):
        return dump_json(redact(value))
    return serialised.decode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class Entry:
    """One call, serialised and redacted: what Journal.append writes (time and tenant aside)."""

    method: str
    path: str
    parameters: str
    status: int
    response: str
    digest: str
    effects: str = "{}"
    fault: str | None = None


def truncate(text: str, limit: int) -> str:
    """Return text cut to its first limit bytes of UTF-8, marked with how many bytes were cut."""
    if len(text) * 4 <= limit:  # a character is at most 4 bytes: surely short enough
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    kept = raw[:limit].decode("utf-8", "ignore")  # drops a character cut in half
    return kept + TRUNCATED.format(len(raw) - len(kept.encode("utf-8", "surrogatepass")))


def _truncate_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return truncate(value, limit)
    if isinstance(value, dict):
        return {truncate(k, limit): _truncate_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_truncate_strings(v, limit) for v in value]
    return value


def _bounded(text: str, limit: int) -> str:
    """Return JSON text as it is, or past limit bytes as a JSON string of its cut start."""
    cut = truncate(text, limit)
    return text if cut is text else dump_json(cut)


def entry(method: str, path: str, parameters: dict[str, Any], status: int, response: Any,
          effects: dict[str, Any] | None = None, fault: str | None = None,
          response_json: bytes | None = None, value_bytes: int | None = None,
          body_bytes: int | None = None) -> Entry:
    """Serialise one call for the journal; response_json is the body as sent, when known.

    A parameter name or value past value_bytes, and parameters or a response past body_bytes
    as a whole, are stored cut short with a TRUNCATED marker: the journal stays bounded in
    bytes whatever a client sends.
    """
    values = _jsonable(parameters)
    text = _redacted_json(values)
    if value_bytes is not None and truncate(text, value_bytes) is not text:
        # Only a text this long can hold a string this long: the walk is for rare calls.
        text = _redacted_json(_truncate_strings(values, value_bytes))
    response_text = _redacted_json(response, response_json)
    if body_bytes is not None:
        text, response_text = _bounded(text, body_bytes), _bounded(response_text, body_bytes)
    digest = hashlib.blake2b(response_text.encode(), digest_size=16).hexdigest()
    return Entry(method[:_METHOD_CHARS], truncate(path, _PATH_BYTES), text, status,
                 response_text, digest, dump_json(effects or {}), fault)


@dataclass
class Pending:
    """A call waiting in a process to be written to the journal."""

    tenant_id: int
    at: datetime
    call: Entry
    seq: int


class Journal:
    """Append calls to the tenants' journals below the ORM, and keep each ring bounded.

    Every request writes one entry: two plain INSERTs (the body only when the tenant has not
    stored the same body already). A write's entry goes in the write's own transaction; a
    read's, on a file database, goes to a writer thread that commits what the process's
    threads hand it in batches (see DeferredWriter), and settle() waits for every process's
    batches before anything reads or clears a journal. Entries are ordered by seq, the
    machine's clock in nanoseconds when the call was answered (not the monotonic clock: the
    file outlives a reboot), so batches from several processes still read back in the order
    the calls were made.
    """

    def __init__(self, db: Database, size: int, value_bytes: int | None = None,
                 body_bytes: int | None = None) -> None:
        self.size = size
        self.value_bytes = value_bytes
        self.body_bytes = body_bytes
        self.db = db
        self._appended: dict[int, int] = {}
        self._lock = threading.Lock()
        # One machine's clock orders entries; PostgreSQL may be shared by several machines,
        # and there the id (commit order) does.
        self._clocked = db.is_sqlite
        self._deferred = DeferredWriter(self.write_batch, db.file + "-mock-journal") if db.file else None
        if self._deferred is not None:
            db.on_dispose(self._deferred.close)
        dialect = db.engine.dialect
        at_type = _JOURNAL.c.at.type.dialect_impl(dialect)
        self._bind_at = at_type.bind_processor(dialect) or (lambda value: value)
        self._insert_entry = db.native(
            f"INSERT INTO {_JOURNAL.name} (tenant_id, seq, at, method, path, parameters,"
            " status, response_digest, effects, fault)"
            " SELECT :tenant_id, :seq, :at, :method, :path, :parameters, :status, :digest,"
            " :effects, :fault"
            f" WHERE EXISTS (SELECT 1 FROM {_TENANTS.name} WHERE id = :tenant_id)")
        self._insert_body = db.native(
            f"INSERT INTO {_BODIES.name} (tenant_id, digest, body)"
            " SELECT :tenant_id, :digest, :body"
            f" WHERE EXISTS (SELECT 1 FROM {_TENANTS.name} WHERE id = :tenant_id)"
            " ON CONFLICT (tenant_id, digest) DO NOTHING")
        self._trim = db.native(
            f"DELETE FROM {_JOURNAL.name} WHERE tenant_id = :tenant_id AND id < ("
            f"SELECT id FROM {_JOURNAL.name} WHERE tenant_id = :tenant_id"
            " ORDER BY id DESC LIMIT 1 OFFSET :keep)")
        self._advisory = not db.is_sqlite
        self._lock_shared = db.native("SELECT pg_advisory_xact_lock_shared(:key)")
        self._lock_whole = db.native("SELECT pg_advisory_xact_lock(:key)")
        self._collect = db.native(
            f"DELETE FROM {_BODIES.name} WHERE tenant_id = :tenant_id AND NOT EXISTS ("
            f"SELECT 1 FROM {_JOURNAL.name} j WHERE j.tenant_id = :tenant_id"
            f" AND j.response_digest = {_BODIES.name}.digest)")

    def entry(self, method: str, path: str, parameters: dict[str, Any], status: int,
              response: Any, effects: dict[str, Any] | None = None, fault: str | None = None,
              response_json: bytes | None = None) -> Entry:
        """Serialise one call for this journal, cut to its bounds (see entry())."""
        return entry(method, path, parameters, status, response, effects, fault, response_json,
                     self.value_bytes, self.body_bytes)

    def _seq(self) -> int | None:
        return time.time_ns() if self._clocked else None

    def record(self, tenant_id: int, at: datetime, call: Entry) -> None:
        """Journal a call answered outside a write transaction (a read, a refused call)."""
        if self._deferred is not None:
            self._deferred.submit(Pending(tenant_id, at, call, self._seq()))
            return
        with self.db.raw(write=True) as connection:
            self.append(connection, tenant_id, at, call)

    def settle(self) -> None:
        """Wait until every call already answered, in any process, is in the journal."""
        if self._deferred is not None:
            self._deferred.settle()

    def append(self, connection: Any, tenant_id: int, at: datetime, call: Entry) -> None:
        """Write call to the tenant's journal on connection (a driver connection inside a
        write transaction); nothing when the tenant is gone."""
        self._insert(connection, [Pending(tenant_id, at, call, self._seq())])

    def write_batch(self, batch: list[Pending]) -> None:
        """Commit batch in one transaction."""
        with self.db.raw(write=True) as connection:
            self._insert(connection, batch)

    def _insert(self, connection: Any, batch: list[Pending]) -> None:
        due = set()
        with self._lock:
            for p in batch:
                count = self._appended.get(p.tenant_id, 0)
                self._appended[p.tenant_id] = count + 1
                if count % TRIM_EVERY == 0:
                    due.add(p.tenant_id)
        cursor = connection.cursor()  # executemany is the cursor's in every driver
        if self._advisory:
            # PostgreSQL has no write gate: a clean-up (exclusive) must not drop a body that
            # an entry not yet committed (shared) refers to. Modes are taken up front, in
            # tenant order: no upgrade, no deadlock.
            for tenant_id in sorted({p.tenant_id for p in batch}):
                cursor.execute(self._lock_whole if tenant_id in due else self._lock_shared,
                               {"key": (_ADVISORY_SPACE << 32) | (tenant_id & 0xFFFFFFFF)})
        cursor.executemany(self._insert_entry, [
            {"tenant_id": p.tenant_id, "seq": p.seq, "at": self._bind_at(p.at),
             "method": p.call.method, "path": p.call.path, "parameters": p.call.parameters,
             "status": p.call.status, "digest": p.call.digest, "effects": p.call.effects,
             "fault": p.call.fault} for p in batch])
        bodies = {(p.tenant_id, p.call.digest): p.call.response for p in batch}
        cursor.executemany(self._insert_body, [
            {"tenant_id": tenant_id, "digest": digest, "body": body}
            for (tenant_id, digest), body in bodies.items()])
        for tenant_id in sorted(due):
            cursor.execute(self._trim, {"tenant_id": tenant_id, "keep": self.size - 1})
            cursor.execute(self._collect, {"tenant_id": tenant_id})


def entries(session: Session, tenant_id: int, size: int, method: str | None = None,
            path: str | None = None, status: int | None = None, since: datetime | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Return the newest size calls of the journal, oldest first and rendered, filtered by
    method, path (a trailing * is a prefix), status and time on the tenant clock."""
    query = (select(JournalEntry, JournalBody.body)
             .outerjoin(JournalBody, and_(JournalBody.tenant_id == JournalEntry.tenant_id,
                                          JournalBody.digest == JournalEntry.response_digest))
             .where(*entry_conditions(tenant_id, size, method, path, status, since)))
    rows = list(session.execute(query.order_by(*NEWEST_FIRST).limit(limit)))
    rows.reverse()
    return [render_entry(row, body) for row, body in rows]


NEWEST_FIRST = (JournalEntry.seq.desc(), JournalEntry.id.desc())


def entry_conditions(tenant_id: int, size: int, method: str | None = None,
                     path: str | None = None, status: int | None = None,
                     since: datetime | None = None) -> list[ColumnElement[bool]]:
    """Return the SQL test of an entry in the tenant's newest size calls matching the filters."""
    oldest = (select(_JOURNAL.c.id).where(_JOURNAL.c.tenant_id == tenant_id)
              .order_by(_JOURNAL.c.id.desc()).offset(size - 1).limit(1).scalar_subquery())
    conditions = [JournalEntry.tenant_id == tenant_id, JournalEntry.id >= func.coalesce(oldest, 0)]
    if method:
        conditions.append(JournalEntry.method == method.upper())
    if path:
        if path.endswith("*"):
            conditions.append(JournalEntry.path.startswith(path[:-1], autoescape=True))
        else:
            conditions.append(JournalEntry.path == path)
    if status is not None:
        conditions.append(JournalEntry.status == status)
    if since is not None:
        conditions.append(JournalEntry.at >= since)
    return conditions


def clear(session: Session, tenant_id: int) -> None:
    """Empty the tenant's journal."""
    session.execute(delete(JournalEntry).where(JournalEntry.tenant_id == tenant_id))
    session.execute(delete(JournalBody).where(JournalBody.tenant_id == tenant_id))


def render_entry(entry: JournalEntry, body: str | None) -> dict[str, Any]:
    """Render one journal entry with its response body, as GET /_mock/requests lists it."""
    from ..clock import format_timestamp

    return {"id": entry.id, "at": format_timestamp(entry.at), "method": entry.method,
            "path": entry.path, "parameters": entry.parameters, "status": entry.status,
            "response": None if body is None else _load(body), "effects": entry.effects,
            "fault": entry.fault}


def _load(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # integers past 64 bits, which orjson does not read
        import json

        return json.loads(text)
