"""Engines: SQLite's (in memory or on a file) and a database server's, made and kept for reuse."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .models import Base

WRITE_OPTION = "mock_affise_write"  # an execution option: this transaction writes


def is_memory_url(url: str) -> bool:
    """Tell whether url names an in-memory SQLite database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    if _is_uri(parsed):
        return ":memory:" in parsed.database or "mode=memory" in parsed.database
    return parsed.database in (None, "", ":memory:")


def _is_uri(parsed: URL) -> bool:
    return str(parsed.query.get("uri", "")).lower() in ("true", "1") and \
        (parsed.database or "").startswith("file:")


def sqlite_file(url: str) -> str | None:
    """Return the real path of the file an SQLite URL names (None for memory or a server):
    the same file, however the URL spells it, gets the same lock files beside it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or is_memory_url(url):
        return None
    path = parsed.database or ""
    if _is_uri(parsed):
        path = unquote(urlsplit(path).path)
    return os.path.realpath(path)


def dump_json(value: Any) -> str:
    """JSON columns through orjson (the journal stores every response body: a 100-invoice page
    is 70 KB); whatever orjson refuses (integers beyond 64 bits) goes to the standard library."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def sqlite_engine(url: str) -> Engine:
    memory = is_memory_url(url)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30},
                              "json_serializer": dump_json}
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
        # On the driver's connection: every request begins one, and SQLAlchemy's execution
        # path around this one statement cost more than the statement.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        with driver_errors(conn.dialect, statement, ()):
            conn.connection.driver_connection.execute(statement)

    return engine


@contextmanager
def driver_errors(dialect: Dialect, statement: str, params: Any) -> Iterator[None]:
    """Raise the driver's errors as SQLAlchemy raises them (DBAPIError and its kinds), for a
    statement sent on the driver's own connection: callers catch SQLAlchemy's errors."""
    dbapi = dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, params, exc, dbapi.Error) from exc


class OutdatedSchema(SQLAlchemyError):
    """The database was made by an earlier mock-affise: a table lacks a column it needs."""


def check_columns(connection: Connection) -> None:
    """Refuse a database whose tables lack columns of today's models (there are no
    migrations: create_all makes missing tables, never missing columns)."""
    inspector = inspect(connection)
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            raise OutdatedSchema(
                f"table {table.name} has no column {', '.join(missing)}: the database was made "
                "by an earlier mock-affise; remove it, or point DATABASE_URL at a new one")


SERVER_SCHEMAS_READY: set[str] = set()
_SCHEMA_COPY: list[Any] = []  # [the engine, its connection]: this process's empty schema
_SCHEMA_COPY_LOCK = threading.Lock()


def _memory_schema() -> sqlite3.Connection:
    """Return an in-memory database holding the empty schema, made on first use."""
    if not _SCHEMA_COPY:  # the caller holds _SCHEMA_COPY_LOCK
        engine = sqlite_engine("sqlite://")
        with engine.begin() as connection:
            Base.metadata.create_all(connection)
        _SCHEMA_COPY.extend([engine, engine.raw_connection().driver_connection])
    return _SCHEMA_COPY[1]


def with_empty_schema(use: Callable[[sqlite3.Connection], None]) -> None:
    """Call use with an in-memory database holding the empty schema (made once per process),
    which no other thread uses meanwhile."""
    with _SCHEMA_COPY_LOCK:
        use(_memory_schema())


# Engines of disposed in-memory databases, emptied, for the next ones: an engine's statement cache
# is its own, and a test suite building an app per test compiled every statement again in each
# (the largest part of seeding a tenant and of an app's first calls).
_SPARE_ENGINES: list[Engine] = []
_SPARE_ENGINES_KEPT = 8


def keep_memory_engine(engine: Engine) -> None:
    with _SCHEMA_COPY_LOCK:
        if len(_SPARE_ENGINES) < _SPARE_ENGINES_KEPT:
            _SPARE_ENGINES.append(engine)
            return
    engine.dispose()


def spare_memory_engine() -> Engine | None:
    """Return a kept in-memory engine, its database emptied, or None."""
    with _SCHEMA_COPY_LOCK:
        if not _SPARE_ENGINES:
            return None
        engine = _SPARE_ENGINES.pop()
        connection = engine.raw_connection()
        try:
            sqlite3.connect(":memory:").backup(connection.driver_connection)  # empty it
        finally:
            connection.close()
    return engine


# A database server's engine per URL, shared by this process's Database objects, with how many
# hold it: as with in-memory engines, its statement cache outlives one app (a test suite builds
# an app per test on one PostgreSQL database). The last holder's dispose closes its connections.
_SERVER_ENGINES: dict[str, tuple[int, Engine, int]] = {}  # url: (pid, engine, holders)


def server_engine(url: str) -> Engine:
    with _SCHEMA_COPY_LOCK:
        pid, engine, holders = _SERVER_ENGINES.get(url, (0, None, 0))
        if pid != os.getpid() or engine is None:  # none yet, or made before a fork
            engine = create_engine(url, pool_pre_ping=True, json_serializer=dump_json)
            holders = 0
        _SERVER_ENGINES[url] = (os.getpid(), engine, holders + 1)
        return engine


def release_server_engine(url: str) -> None:
    with _SCHEMA_COPY_LOCK:
        pid, engine, holders = _SERVER_ENGINES[url]
        _SERVER_ENGINES[url] = (pid, engine, max(holders - 1, 0))
        if holders <= 1:
            engine.dispose()
