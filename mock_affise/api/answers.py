"""Read answers kept and replayed: the fast path for a GET asked again of unchanged data.

A GET on an Affise route depends on the caller's key, the path and query, the tenant's data and
the tenant's time, and on nothing else once the request has no body and no fault rules apply.
Every change to a tenant bumps its data version (db.lock_tenant), so an answer the endpoint
rendered at (data version, tenant time) is the answer to the same request for as long as both
stand. The WSGI layer below Flask replays it: one key lookup, one journal entry, the stored
bytes. Anything it is not sure of goes to Flask, which renders (and may store) the answer.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from ..callers import caller_statement
from ..clock import clock_time
from ..db import Database
from ..driver import driver_statement
from ..harness.journal import Entry, Journal

# environ keys: the request's cache key, set below Flask for a request whose answer may be
# kept; and the endpoint's ticket for the answer it rendered, when it may be replayed.
REQUEST_KEY = "mock_affise.request_key"
TICKET = "mock_affise.answer_ticket"

log = logging.getLogger("mock_affise")
MAX_HOLDERS = 10_000  # API keys whose holder a process remembers between changes
_UNKNOWN = object()

RequestKey = tuple[str, str, str, str]  # API key, SCRIPT_NAME, PATH_INFO, QUERY_STRING
Stamp = tuple[int, datetime]  # the tenant's data version and time


@dataclass(frozen=True)
class Ticket:
    """What the endpoint tells the layer below about an answer it may keep."""

    tenant_id: int
    stamp: Stamp
    call: Entry  # the journal entry the answer made, written again on every replay


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    call: Entry

    def size(self, key: RequestKey) -> int:
        """Bytes the answer takes in the cache under key, roughly."""
        return (len(self.body) + len(self.call.response) + len(self.call.parameters)
                + sum(map(len, key)) + 512)


class AnswerCache:
    """The answers of one process, per tenant, for the tenant's latest stamp only.

    Bounded by max_bytes: past it everything is dropped (answers are cheap to render again).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tenants: dict[int, tuple[Stamp, dict[RequestKey, Answer]]] = {}
        # Each request key answers are kept under, and whose: a key a tenant let go of may be
        # another's now, and the first's next stamp must not forget the second's answer.
        self._held: dict[RequestKey, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.replays = 0  # answers served again (a statistic: updated without a lock)

    def may_hold(self, key: RequestKey) -> bool:
        """Tell whether an answer is kept under key at any stamp: when not, there is nothing
        to replay, and its holder need not be looked up first (a test's calls are mostly
        first calls on its tenant). A yes may be stale (the answer's tenant since dropped):
        the lookup and the stamp then decide, as before."""
        return key in self._held

    def get(self, tenant_id: int, stamp: Stamp, key: RequestKey) -> Answer | None:
        """Return the answer kept for key at stamp, if any."""
        kept = self._tenants.get(tenant_id)
        if kept is None or kept[0] != stamp:
            return None
        return kept[1].get(key)

    def put(self, tenant_id: int, stamp: Stamp, key: RequestKey, answer: Answer) -> None:
        """Keep answer; answers of the tenant at any other stamp are dropped."""
        size = answer.size(key)
        if size > self.max_bytes:
            return
        with self._lock:
            kept = self._tenants.get(tenant_id)
            if kept is None or kept[0] != stamp:
                if kept is not None:
                    self._bytes -= sum(a.size(k) for k, a in kept[1].items())
                    for old in kept[1]:
                        if self._held.get(old) == tenant_id:
                            del self._held[old]
                kept = self._tenants[tenant_id] = (stamp, {})
            if self._bytes + size > self.max_bytes:
                self._tenants = {tenant_id: kept}
                kept[1].clear()
                self._held = {}
                self._bytes = 0
            old = kept[1].get(key)
            if old is not None:
                self._bytes -= old.size(key)
            kept[1][key] = answer
            self._held[key] = tenant_id
            self._bytes += size


def request_key(environ: dict[str, Any]) -> RequestKey | None:
    """Return the cache key of a GET on an Affise route whose answer may be kept, else None.

    Only the API-Key header is taken (a key in the query needs the parameter parser) and only
    a request without a body or a Content-Type, which the parameter parser would look at.
    """
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    key = environ.get("HTTP_API_KEY", "").strip()
    path = environ.get("PATH_INFO", "")
    if (not key or not path.startswith("/3.") or environ.get("CONTENT_TYPE")
            or environ.get("CONTENT_LENGTH", "0") not in ("", "0")
            or "HTTP_TRANSFER_ENCODING" in environ):
        return None
    return key, environ.get("SCRIPT_NAME", ""), path, environ.get("QUERY_STRING", "")


@functools.cache
def _replay_statement() -> Select:
    """Build, once, the key -> caller statement cut to what a replay reads (the tenant's id,
    version and clock, and whether a fault rule is live), for :key and :method."""
    caller = caller_statement().subquery()
    return select(*(caller.c[name] for name in ("id", "data_version", "clock_frozen",
                                                "clock_base", "clock_anchor", "live_rules")))


class FastReads:
    """WSGI middleware: replay kept answers, and keep the ones the endpoint vouches for."""

    def __init__(self, app: Callable, db: Database, journal: Journal, cache: AnswerCache) -> None:
        self.app, self.db, self.journal, self.cache = app, db, journal, cache
        self._who = driver_statement(db.engine.dialect, _replay_statement)
        self._holders: tuple[int, dict[str, Any]] = (-1, {})

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        key = request_key(environ) if self.cache.max_bytes else None
        if key is None:
            return self.app(environ, start_response)
        try:
            replayed = self._replay(key)
        except Exception:  # the slow path answers, and reports what went wrong
            log.exception("answer replay failed on %s", environ.get("PATH_INFO"))
            replayed = None
        if replayed is not None:
            start_response(replayed.status, list(replayed.headers))
            return [replayed.body]
        environ[REQUEST_KEY] = key
        return self._keep(key, environ, start_response)

    def _holder(self, key: str) -> Any:
        """Return the who-row of key: asked of the database only when the database may have
        changed since it was last asked (or there is no change counter to tell)."""
        changes = self.db.changes
        if changes is not None:
            count = changes.value()  # read before the query: a change after it shows next time
            known = self._holders
            if known[0] == count:
                row = known[1].get(key, _UNKNOWN)
                if row is not _UNKNOWN:
                    return row
            else:
                known = self._holders = (count, {})
        with self.db.raw() as connection:
            cursor = connection.cursor()
            cursor.execute(*self._who.parameters({"key": key, "method": "GET"}))
            found = cursor.fetchone()
        row = None if found is None else self._who.row(found)
        # Only keys someone holds: a stream of made-up keys must not fill the memory.
        if changes is not None and row is not None and len(known[1]) < MAX_HOLDERS:
            known[1][key] = row
        return row

    def _replay(self, key: RequestKey) -> Answer | None:
        if not self.cache.may_hold(key):
            return None
        row = self._holder(key[0])
        if row is None or row["live_rules"]:  # nobody's key, or a live fault rule: Flask's work
            return None
        tenant_id, version = row["id"], row["data_version"]
        now = clock_time(row["clock_frozen"], row["clock_base"], row["clock_anchor"])
        answer = self.cache.get(tenant_id, (version, now), key)
        if answer is not None:
            self.journal.record(tenant_id, now, answer.call)
            self.cache.replays += 1
        return answer

    def _keep(self, key: RequestKey, environ: dict[str, Any],
              start_response: Callable) -> Iterable[bytes]:
        sent: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        ticket: Ticket | None = environ.get(TICKET)
        if ticket is None or not sent:
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.cache.put(ticket.tenant_id, ticket.stamp, key,
                       Answer(sent[0], list(sent[1]), data, ticket.call))
        return [data]
