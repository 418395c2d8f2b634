"""Engines and transactions: one transaction per request, writes serialised per tenant."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .models import Base, Tenant

_WRITE_OPTION = "mock_affise_write"
_SETUP_LOCK = 7_204_117  # PostgreSQL advisory lock id held while a process prepares the schema


def is_memory_url(url: str) -> bool:
    """Tell whether url names an in-memory SQLite database."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _json_serializer(value: Any) -> str:
    """JSON columns through orjson (the journal stores every response body: a 100-invoice page
    is 70 KB); whatever orjson refuses (integers beyond 64 bits) goes to the standard library."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _sqlite_engine(url: str) -> Engine:
    memory = is_memory_url(url)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30},
                              "json_serializer": _json_serializer}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # pragma: no cover - exercised via engine use
        # Take transaction control from pysqlite so BEGIN IMMEDIATE can be issued for writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # 32 MiB of page cache (SQLite's default is 2 MiB), taken only as pages are read: a
            # generation over 100,000 conversions re-reads a 35 MB file far less (-15% time).
            cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - exercised via engine use
        # A write takes SQLite's write lock up front: no deadlock upgrading a read lock later.
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """An engine with read and write sessions for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        backend = make_url(url).get_backend_name()
        self.is_sqlite = backend == "sqlite"
        self.is_memory = is_memory_url(url)
        if self.is_sqlite:
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, json_serializer=_json_serializer)
        # One in-memory connection is shared by every thread: let one transaction in at a time.
        self._lock = threading.RLock() if self.is_memory else None
        # A file database admits one writer at a time, and SQLite makes the others poll with
        # sleeps of 1 ms growing to 100 ms: the threads of this process queue here instead and
        # each is woken the moment the write before it ends. (Other processes still poll: an
        # flock across processes measured no better under load, so there is none.)
        self._write_lock = threading.RLock() if self.is_sqlite and not self.is_memory else None
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    def create_schema(self) -> None:
        """Create the tables that do not exist yet; safe when several processes start at once."""
        writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        with self._lock or nullcontext(), writer.begin() as connection:
            self.serialise_setup(connection)
            Base.metadata.create_all(connection)

    def serialise_setup(self, connection: Connection | Session) -> None:
        """Make concurrent start-ups take turns (SQLite's BEGIN IMMEDIATE already does)."""
        if not self.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success, rolled back on error."""
        lock = self._lock or (self._write_lock if write else None) or nullcontext()
        with lock, (self._writer if write else self._reader).begin() as s:
            yield s

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def lock_tenant(session: Session, tenant_id: int) -> Tenant | None:
    """Load the tenant row for update: every write on a tenant runs after the one before it."""
    return session.execute(
        select(Tenant).where(Tenant.id == tenant_id).with_for_update()
    ).scalar_one_or_none()
