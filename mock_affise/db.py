"""Transactions: one transaction per request, writes serialised per tenant."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .driver import driver_row, native_sql, run_driver
from .engines import (
    SERVER_SCHEMAS_READY,
    WRITE_OPTION,
    check_columns,
    is_memory_url,
    keep_memory_engine,
    release_server_engine,
    server_engine,
    spare_memory_engine,
    sqlite_engine,
    sqlite_file,
    with_empty_schema,
)
from .entities import attach
from .errors import InsufficientStorage
from .filelocks import ChangeCounter, WriteGate
from .models import Base, Tenant

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
            self.engine = spare_memory_engine() or sqlite_engine(url)
        elif self.is_sqlite:
            self.engine = sqlite_engine(url)
        else:
            self.engine = server_engine(url)
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
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def create_schema(self) -> None:
        """Create the tables that do not exist yet; safe when several processes start at once."""
        if self.is_memory:
            # A new in-memory database is empty: it gets a page-for-page copy of one made once
            # per process (compiling and running the DDL took 45 ms of an app's 115 ms of CPU).
            with_empty_schema(self.load_memory_copy)
            return
        if self.url in SERVER_SCHEMAS_READY:
            return
        writer = self.engine.execution_options(**{WRITE_OPTION: True})
        with self._lock or nullcontext(), writer.begin() as connection:
            self.serialise_setup(connection)
            Base.metadata.create_all(connection)
            check_columns(connection)
        if not self.is_sqlite:
            # A database server's schema, once made or checked by this process, stays: the
            # check is 40 round trips (a table's existence, then its columns, per table).
            SERVER_SCHEMAS_READY.add(self.url)

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
        return native_sql(sql, self.engine.dialect.name)

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
                release_server_engine(self.url)
            return
        if self.is_memory:
            engine, self.engine = self.engine, None  # type: ignore[assignment]
            if engine is not None:  # disposed once: a second dispose keeps nothing twice
                keep_memory_engine(engine)
            return
        if self._spares is not None and self._spares[0] == os.getpid():
            spares = self._spares[1]
            while spares:
                spares.pop().close()
        for held in (self._write_lock, self.changes):
            if held is not None:
                held.close()
        self.engine.dispose()


def _bump_statement() -> Any:
    tenants = Tenant.__table__
    return (update(tenants).where(tenants.c.id == bindparam("id"))
            .values(data_version=tenants.c.data_version + 1))


def _lock_statement() -> Any:
    return _bump_statement().returning(*Tenant.__table__.c)


def _tenant_statement() -> Any:
    tenants = Tenant.__table__
    return select(tenants).where(tenants.c.id == bindparam("id"))


def lock_tenant(session: Session, tenant_id: int) -> Tenant | None:
    """Load the tenant row for update: every write on a tenant runs after the one before it.

    Taking the lock is what every change to a tenant does first, so it also bumps the tenant's
    data version: a read answer cached at the old version is never served again. One
    UPDATE ... RETURNING on the driver's connection: the UPDATE takes the row's lock (on
    PostgreSQL; SQLite's write transaction holds the whole database) and RETURNING reads the
    row as it stands under the lock. (The ORM's own UPDATE ... RETURNING was half a tenant's
    drop.)
    """
    session.flush()  # what the session holds first: the row below replaces its tenant's
    if session.get_bind().dialect.update_returning:
        values = driver_row(session, _lock_statement, {"id": tenant_id})
    else:  # SQLite before 3.35: no RETURNING
        run_driver(session, _bump_statement, {"id": tenant_id})
        values = driver_row(session, _tenant_statement, {"id": tenant_id})
    if values is None:
        return None
    held = session.identity_map.get(identity_key(Tenant, tenant_id))
    if held is not None:  # loaded earlier in this session: refreshed in place
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    return attach(session, Tenant, values)
