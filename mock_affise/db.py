"""Engines and transactions: one transaction per request, writes serialised per tenant."""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import re
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .errors import InsufficientStorage
from .models import Base, Tenant

_WRITE_OPTION = "mock_affise_write"
_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_COUNT = struct.Struct("<Q")
_SETUP_LOCK = 7_204_117  # PostgreSQL advisory lock id held while a process prepares the schema
_DISK_FULL_SQLSTATE = "53100"  # PostgreSQL's disk_full


def is_disk_full(error: BaseException) -> bool:
    """Tell whether error (the driver's, or SQLAlchemy's around it) says storage is full."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or \
            "database or disk is full" in str(cause)
    return getattr(cause, "sqlstate", None) == _DISK_FULL_SQLSTATE or \
        getattr(cause, "pgcode", None) == _DISK_FULL_SQLSTATE


@contextmanager
def _full_as_507() -> Iterator[None]:
    """Raise a full disk as Affise's envelope would carry it: a 507, not a server error."""
    try:
        yield
    except Exception as exc:
        if is_disk_full(exc):
            raise InsufficientStorage() from exc
        raise


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


def _sqlite_engine(url: str) -> Engine:
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
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class OutdatedSchema(SQLAlchemyError):
    """The database was made by an earlier mock-affise: a table lacks a column it needs."""


def _check_columns(connection: Connection) -> None:
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


class WriteGate:
    """One writer at a time: across threads by a lock, across processes by flock on a file.

    Re-entrant in one thread. The file is opened in each process that uses the gate (a forked
    child must not share its parent's open file: flock would not tell them apart).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._file: tuple[int, int] | None = None  # (pid, descriptor)

    def _descriptor(self) -> int:
        pid = os.getpid()
        if self._file is None or self._file[0] != pid:
            self._file = (pid, os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644))
        return self._file[1]

    def __enter__(self) -> WriteGate:
        self._lock.acquire()
        if self._depth == 0:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        self._depth += 1
        return self

    def close(self) -> None:
        """Close this process's handle on the file (no lock may be held)."""
        with self._lock:
            if self._file is not None and self._file[0] == os.getpid():
                os.close(self._file[1])
            self._file = None

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._file is not None:
                fcntl.flock(self._file[1], fcntl.LOCK_UN)
        finally:
            self._lock.release()


class ChangeCounter:
    """A number in a file beside the database, mapped into every process that opens it, and
    moved on after every write transaction commits (while the writer still holds the write
    gate, so no two moves race). A process that read the same number before a lookup and now
    knows the database has not changed in between: no query needed to learn that."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._opening = threading.Lock()

    def _mapped(self) -> mmap.mmap:
        if self._map is None:
            with self._opening:
                if self._map is None:
                    descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                    try:
                        if os.fstat(descriptor).st_size < 8:
                            os.ftruncate(descriptor, 8)
                        self._map = mmap.mmap(descriptor, 8)
                    finally:
                        os.close(descriptor)
        return self._map

    def value(self) -> int:
        """Return the number of write transactions committed so far (as this file counts)."""
        return _COUNT.unpack_from(self._mapped())[0]

    def close(self) -> None:
        """Unmap the file (the next use maps it again)."""
        with self._opening:
            if self._map is not None:
                self._map.close()
            self._map = None

    def bump(self) -> None:
        """Count one more committed write; call with the write gate held."""
        mapped = self._mapped()
        _COUNT.pack_into(mapped, 0, (_COUNT.unpack_from(mapped)[0] + 1) % 2**64)


_SERVER_SCHEMAS_READY: set[str] = set()
_SCHEMA_COPY: list[Any] = []  # [the engine, its connection]: this process's empty schema
_SCHEMA_COPY_LOCK = threading.Lock()


def _memory_schema() -> sqlite3.Connection:
    """Return an in-memory database holding the empty schema, made on first use."""
    if not _SCHEMA_COPY:  # the caller holds _SCHEMA_COPY_LOCK
        engine = _sqlite_engine("sqlite://")
        with engine.begin() as connection:
            Base.metadata.create_all(connection)
        _SCHEMA_COPY.extend([engine, engine.raw_connection().driver_connection])
    return _SCHEMA_COPY[1]


# Engines of disposed in-memory databases, emptied, for the next ones: an engine's statement cache
# is its own, and a test suite building an app per test compiled every statement again in each
# (the largest part of seeding a tenant and of an app's first calls).
_SPARE_ENGINES: list[Engine] = []
_SPARE_ENGINES_KEPT = 8


def _keep_memory_engine(engine: Engine) -> None:
    with _SCHEMA_COPY_LOCK:
        if len(_SPARE_ENGINES) < _SPARE_ENGINES_KEPT:
            _SPARE_ENGINES.append(engine)
            return
    engine.dispose()


def _spare_memory_engine() -> Engine | None:
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


def _server_engine(url: str) -> Engine:
    with _SCHEMA_COPY_LOCK:
        pid, engine, holders = _SERVER_ENGINES.get(url, (0, None, 0))
        if pid != os.getpid() or engine is None:  # none yet, or made before a fork
            engine = create_engine(url, pool_pre_ping=True, json_serializer=dump_json)
            holders = 0
        _SERVER_ENGINES[url] = (os.getpid(), engine, holders + 1)
        return engine


def _release_server_engine(url: str) -> None:
    with _SCHEMA_COPY_LOCK:
        pid, engine, holders = _SERVER_ENGINES[url]
        _SERVER_ENGINES[url] = (pid, engine, max(holders - 1, 0))
        if holders <= 1:
            engine.dispose()


class Database:
    """An engine with read and write sessions for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        backend = make_url(url).get_backend_name()
        self.is_sqlite = backend == "sqlite"
        self.is_memory = is_memory_url(url)
        # A file database's real path, for the lock files beside it.
        self.file = sqlite_file(url)
        if self.is_memory:
            self.engine = _spare_memory_engine() or _sqlite_engine(url)
        elif self.is_sqlite:
            self.engine = _sqlite_engine(url)
        else:
            self.engine = _server_engine(url)
        # One in-memory connection is shared by every thread: let one transaction in at a time.
        self._lock = threading.RLock() if self.is_memory else None
        # A file database admits one writer at a time, and SQLite makes the others poll with
        # sleeps of 1 ms growing to 100 ms, while the threads queued behind the sleeper wait
        # too: writers queue at this gate instead, and each is woken the moment the write
        # before it ends, whichever process it is in.
        self._write_lock = WriteGate(self.file + "-mock-lock") if self.file else None
        # Only processes on one machine share a file: elsewhere every lookup asks the database.
        self.changes = ChangeCounter(self.file + "-mock-changes") if self.file else None
        self._closers: list[Callable[[], None]] = []
        self._released = False
        self._spares: tuple[int, list[Any]] | None = (
            (os.getpid(), []) if self.file else None)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    def create_schema(self) -> None:
        """Create the tables that do not exist yet; safe when several processes start at once."""
        if self.is_memory:
            # A new in-memory database is empty: it gets a page-for-page copy of one made once
            # per process (compiling and running the DDL took 45 ms of an app's 115 ms of CPU).
            target = self.engine.raw_connection()
            try:
                with self._lock or nullcontext(), _SCHEMA_COPY_LOCK:
                    _memory_schema().backup(target.driver_connection)
            finally:
                target.close()
            return
        if self.url in _SERVER_SCHEMAS_READY:
            return
        writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        with self._lock or nullcontext(), writer.begin() as connection:
            self.serialise_setup(connection)
            Base.metadata.create_all(connection)
            _check_columns(connection)
        if not self.is_sqlite:
            # A database server's schema, once made or checked by this process, stays: the
            # check is 40 round trips (a table's existence, then its columns, per table).
            _SERVER_SCHEMAS_READY.add(self.url)

    def memory_copy(self) -> sqlite3.Connection:
        """Return a page-for-page copy of this in-memory database, in a connection of its own."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        source = self.engine.raw_connection()
        try:
            with self._lock or nullcontext():
                source.driver_connection.backup(copy)
        finally:
            source.close()
        return copy

    def load_memory_copy(self, copy: sqlite3.Connection) -> None:
        """Make this in-memory database a page-for-page copy of copy (see memory_copy); the
        caller keeps copy from being used by another thread meanwhile."""
        target = self.engine.raw_connection()
        try:
            with self._lock or nullcontext():
                copy.backup(target.driver_connection)
        finally:
            target.close()

    def serialise_setup(self, connection: Connection | Session) -> None:
        """Make concurrent start-ups take turns (SQLite's BEGIN IMMEDIATE already does)."""
        if not self.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success, rolled back on error."""
        if not write:
            with self._lock or nullcontext(), _full_as_507(), self._reader.begin() as s:
                yield s
            return
        with self._lock or self._write_lock or nullcontext():
            try:
                with _full_as_507(), self._writer.begin() as s:
                    yield s
            finally:  # committed or not, counting one more is always safe
                if self.changes is not None:
                    self.changes.bump()

    @contextmanager
    def raw(self, write: bool = False) -> Iterator[Any]:
        """Yield the driver's own connection in one transaction, for the few statements on
        every request's path (key lookup, journal), which the ORM would make several times
        dearer. Statements go through native(); a read is a single statement. A raw write is
        not counted by `changes`: it is for the journal only, never for a tenant's data."""
        lock = self._lock or (self._write_lock if write else None) or nullcontext()
        with lock, _full_as_507(), self._driver_connection() as connection:
            if write and self.is_sqlite:
                connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def _driver_connection(self) -> Iterator[Any]:
        if self._spares is None:  # the pool's: PostgreSQL, or the one in-memory connection
            pooled = self.engine.raw_connection()
            try:
                yield pooled.driver_connection
            finally:
                pooled.close()
            return
        # A file database: connections of this process's own, outside the pool, whose
        # check-out and return (with its rollback) cost more than the statement they run.
        pid, spares = self._spares
        if pid != os.getpid():  # forked: the parent's connections are not ours to use
            self._spares = (os.getpid(), [])
            pid, spares = self._spares
        try:
            connection = spares.pop()
        except IndexError:
            pooled = self.engine.raw_connection()  # opened with the engine's settings
            connection = pooled.driver_connection
            pooled.detach()
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.rollback()
            spares.append(connection)

    def native(self, sql: str) -> str:
        """Return sql, written with :name parameters, in the driver's own parameter style."""
        if self.is_sqlite:
            return sql  # sqlite3 takes :name as it is
        return _NAMED.sub(r"%(\1)s", sql)

    def on_dispose(self, closer: Callable[[], None]) -> None:
        """Have dispose() call closer first (for what holds files beside the database)."""
        self._closers.append(closer)

    def dispose(self) -> None:
        """Close every connection (the pool's and the spare ones) and the files beside."""
        for closer in self._closers:
            closer()
        if not self.is_sqlite:
            if not self._released:  # one holder, released once
                self._released = True
                _release_server_engine(self.url)
            return
        if self.is_memory:
            engine, self.engine = self.engine, None  # type: ignore[assignment]
            if engine is not None:  # disposed once: a second dispose keeps nothing twice
                _keep_memory_engine(engine)
            return
        if self._spares is not None and self._spares[0] == os.getpid():
            spares = self._spares[1]
            while spares:
                spares.pop().close()
        for held in (self._write_lock, self.changes):
            if held is not None:
                held.close()
        self.engine.dispose()


def driver_connection(session: Session) -> Any:
    """Return the driver's own connection under session's transaction (see Database.raw)."""
    return session.connection().connection.driver_connection


def lock_tenant(session: Session, tenant_id: int) -> Tenant | None:
    """Load the tenant row for update: every write on a tenant runs after the one before it.

    Taking the lock is what every change to a tenant does first, so it also bumps the tenant's
    data version: a read answer cached at the old version is never served again.
    """
    session.execute(update(Tenant).where(Tenant.id == tenant_id)
                    .values(data_version=Tenant.data_version + 1)
                    .execution_options(synchronize_session=False))
    return session.execute(
        select(Tenant).where(Tenant.id == tenant_id).with_for_update()
    ).scalar_one_or_none()
